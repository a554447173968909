#!/usr/bin/env bash
# contrib/cinder-byok/apply.sh - patch the installed Cinder with the BYOK series
# (encryption_key_id on volume create, microversion 3.71), see README.md.
#
#   usage: apply.sh [STATE_DIR] [--dry-run | --status]
#
#   STATE_DIR  accepted for the hook of tests/lab/up.sh (CINDER_BYOK=1), which calls
#              `apply.sh STATE_DIR` from the repo root; not needed otherwise.
#   --dry-run  check the version and that the series applies; change nothing
#   --status   print pristine | applied | modified for the target and exit
#              (exit 0 applied, 3 pristine, 4 modified)
#
# Idempotent: a tree that is already patched is left alone (exit 0). Refuses (exit 1)
# any Cinder but python3-cinder 2:21.3.1-1~deb12u1, and any tree whose touched files
# are neither exactly pristine nor exactly patched. The pristine files are kept in
# the record dir (/var/lib/cinder-byok) so revert.sh restores them byte for byte.
# It does NOT restart anything: restart cinder-api, cinder-scheduler and cinder-volume
# afterwards (the lab hook does). Must run as root for the system tree.
set -euo pipefail
# shellcheck source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

MODE=apply
for a in "$@"; do
  case $a in
    --dry-run) MODE=dry-run ;;
    --status) MODE=status ;;
    -h|--help) sed -n '2,19p' "$0"; exit 0 ;;
    -*) die "unknown option $a" ;;
    *) [ -d "$a" ] || die "STATE_DIR $a does not exist" ;;   # the lab's STATE_DIR: unused
  esac
done

if [ "$MODE" = status ]; then
  s=$(tree_state); echo "$s"
  case $s in applied) exit 0 ;; pristine) exit 3 ;; *) exit 4 ;; esac
fi

if is_system_target && [ "$(id -u)" != 0 ]; then die "must run as root to patch $TARGET"; fi
take_lock
check_version

state=$(tree_state)
case $state in
  applied)
    log "already applied to $TARGET: nothing to do (max microversion 3.71 once the cinder services run this code)"
    [ -f "$(record_dir)/applied" ] || log "note: no record in $(record_dir); revert.sh will unapply with patch -R"
    exit 0 ;;
  modified)
    explain_modified
    die "refusing to patch $TARGET: its Cinder is not the pristine $EXPECTED_DEB_PACKAGE $EXPECTED_DEB_VERSION (nor already patched)" ;;
  pristine) ;;
esac

# 1. Prove on a copy that the series applies and gives exactly the tested result.
STAGE=$(mktemp -d /tmp/cinder-byok-stage.XXXXXX)
trap 'rm -rf "$STAGE"' EXIT
copy_touched "$TARGET" "$STAGE" || die "cannot copy the files to patch"
patch_tree "$STAGE" || die "the series does not apply to $TARGET"
(cd "$STAGE" && sha256sum --quiet -c "$PATCH_DIR/SHA256SUMS.patched") >&2 ||
  die "the patched files differ from patches/SHA256SUMS.patched"
if [ "$MODE" = dry-run ]; then
  log "dry run: the series applies cleanly to $TARGET ($(series | wc -l) patches, $(touched_files | wc -l) files)"
  exit 0
fi

# 2. Record: the pristine files, verified, before anything changes.
RD=$(record_dir)
rm -rf "$RD/backup" "$RD/applied"
copy_touched "$TARGET" "$RD/backup" || die "cannot back up the pristine files to $RD/backup"
(cd "$RD/backup" && sha256sum --quiet -c "$PATCH_DIR/SHA256SUMS.pristine") >&2 || die "backup in $RD/backup is not pristine"

# 3. Apply with patch against the target; on any failure put the pristine files back.
restore() {
  log "restoring the pristine files from $RD/backup"
  local f
  for f in $(touched_files); do cp -p "$RD/backup/$f" "$TARGET/$f"; done
  refresh_pyc
}
if ! patch_tree "$TARGET" || [ "$(tree_state)" != applied ]; then
  restore
  die "applying the series to $TARGET failed; the target is pristine again"
fi
refresh_pyc
{
  echo "target=$TARGET"
  echo "package=$EXPECTED_DEB_PACKAGE $EXPECTED_DEB_VERSION"
  echo "applied_at=$(date -Is)"
  echo "series=$(series | tr '\n' ' ')"
} > "$RD/applied"
log "applied $(series | wc -l) patches to $TARGET (record: $RD)"
log "restart cinder-api, cinder-scheduler and cinder-volume to load it (max microversion 3.71)"
