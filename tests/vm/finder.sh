#!/usr/bin/env bash
# tests/vm/finder.sh GUEST_TEST  (ctest node_vm_device_finder, label vm)
#
# node::SysfsDeviceFinder on a real kernel: the QEMU guest of run-in-vm.sh (Debian's kernel, no
# udev; the same cached kernel/initramfs as e2e.sh) gets five small sparse raw disks whose
# virtio-blk serials make the cases of GUEST_TEST (guest_finder_test.cc):
#   vda, vdb  one volume's serial twice (a double attach): refused, naming both disks;
#   vdc, vdd  volumes A and B: a stale by-id link of B pointing at A's disk is ignored;
#   vde       a single disk with its volume's serial: found, with or without its by-id link.
# No lab and no network. Exits 77 (ctest: skipped) only when QEMU or the guest kernel cannot
# be had. BYOK_VM_KEEP=1 keeps the work dir; GTEST_FILTER selects guest cases.
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)
GUEST_TEST=$(readlink -f "${1:?usage: finder.sh GUEST_TEST}")
[[ -x $GUEST_TEST ]] || { echo "FAIL: not an executable: $GUEST_TEST"; exit 1; }

skip() { echo "SKIP: $*"; exit 77; }
log() { printf '== finder %s %s\n' "$(date +%T)" "$*"; }
export PATH=$PATH:/usr/sbin:/sbin

# Fake Cinder volume IDs; the serial is the first 20 characters (what virtio-blk keeps).
DUP=5d1f0c2e-9a47-4b7e-8c31-0e6f2a9b4d17
A=a3c8e6f1-2b5d-4e9a-b7c0-4f1d8e2a6c39
B=b7e2d9a4-6c1f-4a83-9e5b-2d0c7f3a8e61
ONE=e91b4c6d-3f2a-4d58-a1e7-8b6c0d5f2a94
GHOST=0c4a7e2b-8d6f-4b19-a3c5-7e1f9d2b6a08  # no disk has it

W=$(mktemp -d "${TMPDIR:-/tmp}/byok-vm-finder.XXXXXX")
T0=$SECONDS
cleanup() {
	local rc=$?
	if [[ ${BYOK_VM_KEEP:-0} == 1 ]]; then log "kept $W"; else rm -rf "$W"; fi
	exit $rc
}
trap cleanup EXIT

# QEMU and the guest kernel: run-in-vm.sh installs QEMU and the guest tools (as root), fetches
# Debian's kernel and builds the cache on first use; -B does only that. Its failures are a skip
# only when QEMU or the kernel is what is missing.
if ! command -v qemu-system-x86_64 >/dev/null && [[ $(id -u) -ne 0 ]]; then
	skip "QEMU is not installed (qemu-system-x86) and installing it needs root"
fi
log "preparing the guest kernel/initramfs (cached after the first run)"
if ! "$HERE/run-in-vm.sh" -B > "$W/prepare.log" 2>&1; then
	cat "$W/prepare.log"
	command -v qemu-system-x86_64 >/dev/null ||
		skip "QEMU is unavailable (qemu-system-x86 could not be installed)"
	KERNEL_ERR='error: (cannot resolve linux-image|apt-get download linux-image|kernel \.deb not found)'
	grep -Eq "$KERNEL_ERR" "$W/prepare.log" &&
		skip "the guest kernel is unavailable: $(grep -E "$KERNEL_ERR" "$W/prepare.log" | tail -1)"
	echo "FAIL: run-in-vm.sh -B could not prepare the guest"
	exit 1
fi

DISKS=()
for d in dup1:$DUP dup2:$DUP a:$A b:$B one:$ONE; do
	truncate -s 16M "$W/${d%%:*}.img"
	DISKS+=(-d "$W/${d%%:*}.img:$(cut -c1-20 <<< "${d#*:}")")
done

# The guest gets a copy without debug info (a smaller initramfs boots faster under TCG).
mkdir -p "$W/bin"
BIN=$W/bin/$(basename "$GUEST_TEST")
objcopy --strip-debug "$GUEST_TEST" "$BIN"
cat > "$W/guest.sh" <<'EOF'
#!/bin/sh
echo "guest: $(uname -r); disks:$(for b in /sys/block/vd*; do printf ' %s=%s' "${b##*/}" "$(cat "$b/serial")"; done)"
exec "$GUEST_TEST" --gtest_color=no ${GTEST_FILTER:+--gtest_filter=$GTEST_FILTER}
EOF

log "booting the guest (5 disks)"
set +e
"$HERE/run-in-vm.sh" -t 300 -m 512 "${DISKS[@]}" -b "$BIN" -e "GUEST_TEST=$BIN" \
	-e "FINDER_DUP_ID=$DUP" -e "FINDER_A_ID=$A" -e "FINDER_B_ID=$B" -e "FINDER_ONE_ID=$ONE" \
	-e "FINDER_GHOST_ID=$GHOST" ${GTEST_FILTER:+-e "GTEST_FILTER=$GTEST_FILTER"} \
	"$W/guest.sh" 2>&1 | tee "$W/console.log" | grep -v '^\[ *[0-9.]*\] '
RC=${PIPESTATUS[0]}
set -e
PASSED=$(grep -c '^\[       OK \] .* ([0-9]* ms)$' "$W/console.log" || true)
FAILED=$(grep -c '^\[  FAILED  \] .* ([0-9]* ms)$' "$W/console.log" || true)  # not the summary
log "guest: exit $RC, $PASSED cases passed, $FAILED failed; total $((SECONDS - T0)) s"
exit "$RC"
