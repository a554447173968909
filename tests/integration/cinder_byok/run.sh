#!/usr/bin/env bash
# tests/integration/cinder_byok/run.sh - integration tests of the BYOK Cinder patch
# (contrib/cinder-byok: encryption_key_id on volume create, microversion 3.71) against a
# running lab whose Cinder runs the patch:
#
#   CINDER_BYOK=1 tests/lab/up.sh STATE_DIR      # lab with the patch applied + cinder restarted
#   tests/integration/cinder_byok/run.sh STATE_DIR [TestClass[.test_name] ...]
#
# STATE_DIR defaults to $LAB_STATE_DIR (set by the lab's env.sh).
# Exit: 0 all passed; 1 a failure (also when the lab's Cinder does not report max
# microversion 3.71, i.e. the patch is not loaded); 77 skipped: no STATE_DIR given and
# no LAB_STATE_DIR, or no lab there (no STATE_DIR/env.sh). Run as root: the LUKS checks
# read the volume files in STATE_DIR/nfs-export with qemu-img.
# Last line: cinder-byok: N passed, N failed, N skipped
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)
STATE_DIR=${1:-${LAB_STATE_DIR:-}}
if [ -z "$STATE_DIR" ]; then
  echo "SKIP: no lab (usage: $0 STATE_DIR [TestClass[.test] ...], or export LAB_STATE_DIR)" >&2
  exit 77
fi
shift || true
if [ ! -f "$STATE_DIR/env.sh" ]; then
  echo "SKIP: no lab at $STATE_DIR (no env.sh); start one with CINDER_BYOK=1 tests/lab/up.sh $STATE_DIR" >&2
  exit 77
fi
set -a
# shellcheck disable=SC1091
. "$STATE_DIR/env.sh"
set +a
export PATH=/usr/sbin:/usr/bin:/sbin:/bin
for tool in /usr/bin/python3 /usr/bin/qemu-img; do
  [ -x "$tool" ] || { echo "missing $tool (Debian: python3, qemu-utils)" >&2; exit 1; }
done
/usr/bin/python3 -c 'import requests' 2>/dev/null || { echo "missing python3-requests" >&2; exit 1; }
exec /usr/bin/python3 "$HERE/test_cinder_byok.py" "$@"
