# shellcheck shell=bash
# contrib/cinder-byok/lib.sh - shared by apply.sh, revert.sh and unit-tests.sh (sourced).
#
# The patch series in patches/ is made for ONE Cinder build: Debian bookworm's
# python3-cinder 2:21.3.1-1~deb12u1 (upstream 21.3.1, Zed). Two manifests pin it:
#   patches/SHA256SUMS.pristine  the files the series touches, as that package ships them
#   patches/SHA256SUMS.patched   the same files after the whole series
# A tree is "pristine" (all files match the first), "applied" (all match the second) or
# "modified" (anything else: another Cinder build, a partial or hand edit). apply.sh and
# revert.sh only ever act on pristine resp. applied trees; everything else is refused.
#
# Environment:
#   CINDER_BYOK_TARGET      the python tree to patch (default /usr/lib/python3/dist-packages);
#                           another path (a copy of the cinder package) is used by the unit tests
#   CINDER_BYOK_RECORD_DIR  where apply.sh keeps its record and the backup of the pristine
#                           files (default /var/lib/cinder-byok for the system tree,
#                           TARGET/.cinder-byok otherwise)

BYOK_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)
PATCH_DIR=$BYOK_DIR/patches
SYSTEM_TARGET=/usr/lib/python3/dist-packages
EXPECTED_DEB_PACKAGE=python3-cinder
EXPECTED_DEB_VERSION='2:21.3.1-1~deb12u1'
EXPECTED_CINDER_VERSION=21.3.1
TARGET=${CINDER_BYOK_TARGET:-$SYSTEM_TARGET}
TARGET=${TARGET%/}
PY=/usr/bin/python3            # Debian's python, never a pyenv one first in PATH
export PATH=/usr/sbin:/usr/bin:/sbin:/bin

log() { echo "[cinder-byok] $*" >&2; }
die() { log "ERROR: $*"; exit 1; }

is_system_target() { [ "$(cd "$TARGET" 2>/dev/null && pwd -P)" = "$SYSTEM_TARGET" ]; }

record_dir() {
  if [ -n "${CINDER_BYOK_RECORD_DIR:-}" ]; then echo "${CINDER_BYOK_RECORD_DIR%/}"
  elif is_system_target; then echo /var/lib/cinder-byok
  else echo "$TARGET/.cinder-byok"
  fi
}

series() { grep -v '^[[:space:]]*\(#\|$\)' "$PATCH_DIR/series"; }
touched_files() { awk '{print $2}' "$PATCH_DIR/SHA256SUMS.pristine"; }

# Serialise apply/revert runs on one target (two labs may start at once).
take_lock() {
  local rd; rd=$(record_dir)
  mkdir -p "$rd" || die "cannot create $rd"
  exec 9>"$rd/lock"
  flock -w 600 9 || die "timeout waiting for the lock $rd/lock"
}

# Refuse a Cinder this series was not made for.
check_version() {
  [ -d "$TARGET/cinder" ] || die "$TARGET/cinder does not exist (is python3-cinder installed?)"
  if is_system_target; then
    local v
    v=$(dpkg-query -W -f='${Version}' "$EXPECTED_DEB_PACKAGE" 2>/dev/null) ||
      die "$EXPECTED_DEB_PACKAGE is not installed"
    [ "$v" = "$EXPECTED_DEB_VERSION" ] ||
      die "$EXPECTED_DEB_PACKAGE is $v; this patch series is made for $EXPECTED_DEB_VERSION only"
  fi
  local info
  for info in "$TARGET"/cinder-*.egg-info/PKG-INFO "$TARGET"/cinder-*.dist-info/METADATA; do
    [ -f "$info" ] || continue
    local cv; cv=$(sed -n 's/^Version: *//p' "$info" | head -1)
    [ "$cv" = "$EXPECTED_CINDER_VERSION" ] ||
      die "cinder in $TARGET is $cv ($info); this patch series is made for $EXPECTED_CINDER_VERSION only"
  done
}

# pristine | applied | modified
tree_state() {
  if (cd "$TARGET" && sha256sum --quiet --status -c "$PATCH_DIR/SHA256SUMS.pristine") 2>/dev/null; then
    echo pristine
  elif (cd "$TARGET" && sha256sum --quiet --status -c "$PATCH_DIR/SHA256SUMS.patched") 2>/dev/null; then
    echo applied
  else
    echo modified
  fi
}

explain_modified() {
  log "files of $TARGET that match neither the pristine nor the patched manifest:"
  local f want_p want_a have
  for f in $(touched_files); do
    want_p=$(awk -v f="$f" '$2==f{print $1}' "$PATCH_DIR/SHA256SUMS.pristine")
    want_a=$(awk -v f="$f" '$2==f{print $1}' "$PATCH_DIR/SHA256SUMS.patched")
    have=$(sha256sum "$TARGET/$f" 2>/dev/null | cut -d' ' -f1)
    if [ -z "$have" ]; then log "  $f: missing"
    elif [ "$have" = "$want_p" ]; then log "  $f: pristine"
    elif [ "$have" = "$want_a" ]; then log "  $f: patched"
    else log "  $f: unknown content"
    fi
  done
}

# Copy the touched files of tree $1 into directory $2 (same relative paths, mode, mtime).
copy_touched() {
  local src=$1 dst=$2 f
  for f in $(touched_files); do
    mkdir -p "$dst/$(dirname "$f")"
    cp -p "$src/$f" "$dst/$f" || return 1
  done
}

# Apply the series (or, with -R, unapply it in reverse order) inside directory $1.
patch_tree() {
  local dir=$1 reverse=${2:-} p list
  list=$(series)
  [ -n "$reverse" ] && list=$(echo "$list" | tac)
  for p in $list; do
    # --forward: never silently reverse an already applied hunk; -r -: no .rej files;
    # --no-backup-if-mismatch: no .orig files
    patch -p1 -d "$dir" --batch --forward --no-backup-if-mismatch -r - --quiet \
      ${reverse:+-R} < "$PATCH_DIR/$p" >&2 || { log "patch ${reverse:+-R }$p failed in $dir"; return 1; }
  done
}

# Install the touched files from directory $1 into TARGET, each by an atomic rename.
install_from() {
  local src=$1 f
  for f in $(touched_files); do
    cp -p "$src/$f" "$TARGET/$f.cinder-byok.tmp" && mv -f "$TARGET/$f.cinder-byok.tmp" "$TARGET/$f" ||
      { rm -f "$TARGET/$f.cinder-byok.tmp"; return 1; }
  done
}

# Drop the byte code of the touched modules and compile it again from the new sources
# (Python would notice the new mtime anyway; this keeps no stale .pyc around and spares
# the services a compile at start).
refresh_pyc() {
  local f base files=()
  for f in $(touched_files); do
    case $f in *.py) ;; *) continue ;; esac
    base=$(basename "$f" .py)
    rm -f "$TARGET/$(dirname "$f")/__pycache__/$base".*.pyc
    files+=("$TARGET/$f")
  done
  "$PY" -m compileall -q "${files[@]}" >/dev/null || log "warning: compileall reported errors"
}
