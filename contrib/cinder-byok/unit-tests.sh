#!/usr/bin/env bash
# contrib/cinder-byok/unit-tests.sh - run Cinder's own unit tests for the modules the
# BYOK series touches, on a PRIVATE COPY of the installed cinder package with the series
# applied by apply.sh (the system's /usr/lib/python3/dist-packages is never changed).
#
#   usage: unit-tests.sh [--baseline] [--wide] [--keep]
#     --baseline  first run the same tests on the pristine copy (pre-existing failures)
#     --wide      all of cinder.tests.unit.{api,policies,volume.flows,keymgr} too
#                 (~4600 tests instead of ~900: long on a small machine)
#     --keep      keep the work dir (/tmp/cinder-byok-ut.*)
#   env: CINDER_BYOK_UT_CONCURRENCY (stestr workers, default: number of CPUs)
#        CINDER_BYOK_NO_INSTALL=1 (fail instead of apt-get installing what is missing)
#
# Also exercises apply.sh / revert.sh on that copy: apply, apply again (no-op), and at
# the end revert (the copy must be byte-identical to the package again).
# Exit 0 iff every selected test passes on the patched copy. Last line:
#   cinder-unit: N passed, N failed, N skipped
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)
export PATH=/usr/sbin:/usr/bin:/sbin:/bin
log() { echo "[cinder-byok-ut] $*" >&2; }
die() { log "ERROR: $*"; exit 1; }

BASELINE='' WIDE='' KEEP=''
for a in "$@"; do
  case $a in
    --baseline) BASELINE=1 ;;
    --wide) WIDE=1 ;;
    --keep) KEEP=1 ;;
    -h|--help) sed -n '2,19p' "$0"; exit 0 ;;
    *) die "unknown argument $a" ;;
  esac
done

# Debian packages the tests need (python3-cinder ships cinder/tests; stestr discovery
# imports every test module, two of which need oslotest and sqlalchemy-utils; the
# tests read etc/cinder/resource_filters.json, shipped by cinder-common).
PKGS=(python3-cinder cinder-common python3-stestr python3-oslotest python3-sqlalchemy-utils
      python3-ddt python3-testtools python3-fixtures)
missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null | grep -qx installed || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  [ -n "${CINDER_BYOK_NO_INSTALL:-}" ] && die "missing packages: ${missing[*]}"
  [ "$(id -u)" = 0 ] || die "missing packages (run as root to install them): ${missing[*]}"
  log "installing ${missing[*]}"
  made_policy=''
  if [ ! -e /usr/sbin/policy-rc.d ]; then   # no daemon starts from a postinst
    printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d; chmod 755 /usr/sbin/policy-rc.d; made_policy=1
  fi
  rc=0
  { DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 update &&
    DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 -o Dpkg::Options::=--force-confold \
      install -y --no-install-recommends "${missing[@]}"; } >&2 || rc=$?
  [ -n "$made_policy" ] && rm -f /usr/sbin/policy-rc.d
  [ $rc = 0 ] || die "apt-get failed (rc=$rc)"
fi

SRC=/usr/lib/python3/dist-packages
WORK=$(mktemp -d /tmp/cinder-byok-ut.XXXXXX)
cleanup() { if [ -z "$KEEP" ]; then rm -rf "$WORK"; else log "work dir kept: $WORK"; fi; }
trap cleanup EXIT
log "copying $SRC/cinder to $WORK"
(cd "$SRC" && tar --exclude=__pycache__ -cf - cinder cinder-*.egg-info) | tar -C "$WORK" -xf -
mkdir -p "$WORK/etc/cinder"
cp /etc/cinder/resource_filters.json "$WORK/etc/cinder/"
export CINDER_BYOK_TARGET=$WORK CINDER_BYOK_RECORD_DIR=$WORK/.cinder-byok

# The system tree may be patched already (a lab with CINDER_BYOK=1): start pristine.
state=$("$HERE/apply.sh" --status) || true
case $state in
  pristine) ;;
  applied) log "the installed cinder is patched: unapplying the series on the copy"; "$HERE/revert.sh" ;;
  *) die "the installed cinder is neither pristine nor patched: $state" ;;
esac

MODULES='api\.v3\.test_volumes|api\.v2\.test_volumes|volume\.flows\.test_create_volume_flow|volume\.test_volume|policies\.test_volume|api\.test_versions|api\.openstack\.test_api_version_request|api\.test_api_validation|test_volume_utils|test_policy|test_exception|keymgr\.[a-z_]+'
[ -n "$WIDE" ] && MODULES="$MODULES|api\\.[a-z0-9_.]+|policies\\.[a-z0-9_]+|volume\\.flows\\.[a-z0-9_.]+"
FILTER="^cinder\\.tests\\.unit\\.($MODULES)\\."
printf '[DEFAULT]\ntest_path=./cinder/tests/unit\ntop_dir=./\n' > "$WORK/.stestr.conf"
(cd "$WORK" && stestr init >/dev/null)

# run_tests LABEL -> sets PASSED FAILED SKIPPED RAN; returns stestr's exit code
run_tests() {
  local label=$1 out=$WORK/stestr-$1.log rc=0
  log "running Cinder unit tests ($label): $FILTER"
  (cd "$WORK" && PYTHONPATH=$WORK stestr run ${CINDER_BYOK_UT_CONCURRENCY:+--concurrency "$CINDER_BYOK_UT_CONCURRENCY"} \
      "$FILTER") > "$out" 2>&1 || rc=$?
  RAN=$(sed -n 's/^Ran: \([0-9]*\) tests.*/\1/p' "$out" | tail -1)
  PASSED=$(sed -n 's/^ - Passed: \([0-9]*\).*/\1/p' "$out" | tail -1)
  FAILED=$(sed -n 's/^ - Failed: \([0-9]*\).*/\1/p' "$out" | tail -1)
  SKIPPED=$(sed -n 's/^ - Skipped: \([0-9]*\).*/\1/p' "$out" | tail -1)
  RAN=${RAN:-0} PASSED=${PASSED:-0} FAILED=${FAILED:-0} SKIPPED=${SKIPPED:-0}
  if [ "$rc" != 0 ] || [ "$FAILED" != 0 ] || [ "$RAN" = 0 ]; then
    grep -E '^(FAIL|ERROR):|\.\.\. FAILED' "$out" | head -40 >&2 || true
    [ "$RAN" = 0 ] && tail -n 40 "$out" >&2
    [ "$rc" = 0 ] && rc=1
  fi
  log "$label: ran $RAN, passed $PASSED, failed $FAILED, skipped $SKIPPED (log: $out)"
  return "$rc"
}

if [ -n "$BASELINE" ]; then
  run_tests pristine || log "the pristine copy has failures (pre-existing, not caused by the series)"
  B_RAN=$RAN B_PASSED=$PASSED B_FAILED=$FAILED B_SKIPPED=$SKIPPED
fi

"$HERE/apply.sh"
"$HERE/apply.sh"        # idempotent: a second run is a no-op
[ "$("$HERE/apply.sh" --status)" = applied ] || die "apply.sh did not leave the copy patched"

rc=0
run_tests patched || rc=$?
# the series' own tests must have run (a discovery problem would hide them)
new=$(grep -E ' \.\.\. ok$' "$WORK/stestr-patched.log" |
      grep -cE 'CreateVolumeFlowEncryptionKeyTestCase|revert_delete|revert_keeps_key|over_quota_deletes|(create|delete)_volume_with_encryption_key|volume_create_(with_)?encryption_key_id' || true)
log "tests of the series that ran: $new"
[ "${new:-0}" -gt 0 ] || { log "ERROR: none of the series' own tests ran"; rc=1; }

"$HERE/revert.sh"
[ "$("$HERE/apply.sh" --status)" = pristine ] || { log "ERROR: revert.sh did not leave the copy pristine"; rc=1; }
if [ "$(CINDER_BYOK_TARGET=$SRC "$HERE/apply.sh" --status)" = pristine ] &&
   ! diff -rq -x __pycache__ "$WORK/cinder" "$SRC/cinder" >&2; then
  log "ERROR: the reverted copy differs from the installed package"; rc=1
fi

[ -n "$BASELINE" ] && log "pristine copy: ran $B_RAN, passed $B_PASSED, failed $B_FAILED, skipped $B_SKIPPED"
log "patched copy:  ran $RAN, passed $PASSED, failed $FAILED, skipped $SKIPPED ($new tests of the series)"
echo "cinder-unit: $PASSED passed, $FAILED failed, $SKIPPED skipped"
exit "$rc"
