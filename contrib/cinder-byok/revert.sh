#!/usr/bin/env bash
# contrib/cinder-byok/revert.sh - undo apply.sh: the touched Cinder files become
# byte-identical to what python3-cinder 2:21.3.1-1~deb12u1 ships (dpkg --verify clean).
#
#   usage: revert.sh [STATE_DIR]
#
# Idempotent: a pristine tree is left alone (exit 0). Restores the backup that
# apply.sh recorded (verified against patches/SHA256SUMS.pristine); without a usable
# backup it unapplies the series with patch -R on a copy and installs the result only
# if it is exactly pristine. Refuses (exit 1) a tree that is neither pristine nor
# exactly patched. Restart cinder-api, cinder-scheduler and cinder-volume afterwards
# (max microversion 3.70 again). Must run as root for the system tree.
set -euo pipefail
# shellcheck source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

for a in "$@"; do
  case $a in
    -h|--help) sed -n '2,13p' "$0"; exit 0 ;;
    -*) die "unknown option $a" ;;
    *) [ -d "$a" ] || die "STATE_DIR $a does not exist" ;;
  esac
done

if is_system_target && [ "$(id -u)" != 0 ]; then die "must run as root to change $TARGET"; fi
take_lock
RD=$(record_dir)

state=$(tree_state)
if [ "$state" != applied ] && is_system_target &&
   [ "$(dpkg-query -W -f='${Version}' "$EXPECTED_DEB_PACKAGE" 2>/dev/null)" != "$EXPECTED_DEB_VERSION" ]; then
  log "$EXPECTED_DEB_PACKAGE is no longer $EXPECTED_DEB_VERSION: its files are the package's own, nothing to revert"
  rm -rf "$RD/backup" "$RD/applied"
  exit 0
fi
case $state in
  pristine)
    log "$TARGET is not patched: nothing to do"
    rm -rf "$RD/backup" "$RD/applied"
    exit 0 ;;
  modified)
    explain_modified
    die "refusing to revert: the files of $TARGET are neither pristine nor exactly patched (an upgraded or hand-edited Cinder?)" ;;
  applied) ;;
esac

STAGE=$(mktemp -d /tmp/cinder-byok-stage.XXXXXX)
trap 'rm -rf "$STAGE"' EXIT
if [ -d "$RD/backup" ] && (cd "$RD/backup" && sha256sum --quiet --status -c "$PATCH_DIR/SHA256SUMS.pristine") 2>/dev/null; then
  SRC=$RD/backup
  how="the backup in $RD/backup"
else
  log "no usable backup in $RD/backup: unapplying the series with patch -R"
  copy_touched "$TARGET" "$STAGE" || die "cannot copy the patched files"
  patch_tree "$STAGE" -R || die "patch -R failed"
  (cd "$STAGE" && sha256sum --quiet -c "$PATCH_DIR/SHA256SUMS.pristine") >&2 ||
    die "patch -R did not give the pristine files"
  SRC=$STAGE
  how="patch -R"
fi
install_from "$SRC" || die "installing the pristine files into $TARGET failed"
[ "$(tree_state)" = pristine ] || die "$TARGET is not pristine after the revert"
refresh_pyc
rm -rf "$RD/backup" "$RD/applied"
log "reverted $TARGET to the pristine $EXPECTED_DEB_PACKAGE $EXPECTED_DEB_VERSION files ($how)"
log "restart cinder-api, cinder-scheduler and cinder-volume to load it (max microversion 3.70)"
