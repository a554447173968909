#!/usr/bin/env bash
# tests/vm/e2e.sh PLUGIN GUEST_TEST LAB_TOOL  (ctest node_vm_e2e, label vm)
#
# The node plugin on a real kernel with real dm-crypt: a QEMU guest (run-in-vm.sh: Debian's
# kernel, an initramfs with the plugin, its libraries and the fs tools) gets the lab's Cinder
# volume FILES as virtio-blk disks with serial = volume ID, the way Nova attaches them, and
# reaches the lab's Keystone/Barbican/Cinder only through forwarded 127.0.0.1 ports. Inside,
# GUEST_TEST plays kubelet against PLUGIN. Afterwards the host checks the volume files: no
# plaintext marker in any of them, LUKS headers where expected, the pre-filled volume intact.
#
# Needs the lab of tests/lab (its env.sh sourced: LAB_CLOUD_CONF, LAB_VOLUME_DIR, ...) with the
# NFS backend, and root. Exits 77 (ctest: skipped) with a message when that is not there.
# BYOK_VM_KEEP=1 keeps the work dir, volumes and keys; GTEST_FILTER selects guest scenarios.
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)
PLUGIN=$(readlink -f "${1:?usage: e2e.sh PLUGIN GUEST_TEST LAB_TOOL}")
GUEST_TEST=$(readlink -f "${2:?}")
LAB_TOOL=$(readlink -f "${3:?}")
export LC_ALL=C  # grep over GiB-sized volume files is many times faster without UTF-8

VM_TEST_NAME=e2e
. "$HERE/guest-lab.sh"
require_lab
lab_ports

W=$(mktemp -d "${TMPDIR:-/tmp}/byok-vm-e2e.XXXXXX")
chmod 700 "$W"
T0=$SECONDS
cleanup() {
	local rc=$?
	if [[ ${BYOK_VM_KEEP:-0} == 1 ]]; then
		log "kept $W (volumes and keys too: $LAB_TOOL cleanup \$LAB_CLOUD_CONF $W/plan.json)"
	else
		[[ -f $W/plan.json ]] && "$LAB_TOOL" cleanup "$LAB_CLOUD_CONF" "$W/plan.json" || true
		rm -rf "$W"
	fi
	exit $rc
}
trap cleanup EXIT

log "preparing keys and volumes on the lab (playing the controller)"
mkdir -p "$W/overlay/byok"
install -m 600 "$LAB_CLOUD_CONF" "$W/overlay/byok/cloud.conf"
port "$LAB_BARBICAN_URL" > "$W/overlay/byok/barbican-port"   # the nobarbican scenario cuts it
"$LAB_TOOL" prepare "$LAB_CLOUD_CONF" "$W" --encrypted-type="${LAB_ENCRYPTED_VOLUME_TYPE:-}" \
	--scenarios=file,block,wrongkey,nobarbican,crash,data,expand,expandxfs,luks1,qemuenc > /dev/null
vid() { jq -r ".volumes.$1.id // empty" "$W/plan.json"; }
vfile() { echo "$LAB_VOLUME_DIR/volume-$(vid "$1")"; }
marker() { jq -r ".markers.$1" "$W/plan.json"; }
for s in file block wrongkey nobarbican crash data expand expandxfs luks1; do
	[[ -f $(vfile "$s") ]] || { echo "FAIL: volume file of $s missing: $(vfile "$s")"; exit 1; }
done

# A volume that holds data but whose state says pending: an ext4 filesystem with a file.
mkdir -p "$W/seed"
marker data > "$W/seed/precious.txt"
mkfs.ext4 -q -F -d "$W/seed" "$(vfile data)"
sha256sum "$(vfile data)" > "$W/data.sha256"

DISKS=()
for s in file block wrongkey nobarbican crash data expand expandxfs luks1; do
	DISKS+=(-d "$(vfile "$s"):$(vid "$s" | cut -c1-20)")
done
if [[ -n $(vid qemuenc) ]]; then
	DISKS+=(-E "$(vfile qemuenc):$W/qemuenc.pass:$(vid qemuenc | cut -c1-20)")
fi

# The guest gets copies without debug info (a smaller initramfs boots faster under TCG).
PLUGIN=$(stripped_copy "$PLUGIN" "$W/bin")
GUEST_TEST=$(stripped_copy "$GUEST_TEST" "$W/bin")

log "booting the guest ($(( ${#DISKS[@]} / 2 )) disks; forwarded ports: ${PORTS[*]})"
set +e
"$HERE/run-in-vm.sh" -t 600 -m 1024 "${PORTS[@]}" "${DISKS[@]}" -f "$W/overlay" \
	-b "$PLUGIN" -b "$GUEST_TEST" \
	-e "BYOK_PLUGIN_BINARY=$PLUGIN" -e "GUEST_TEST=$GUEST_TEST" -e "ASAN_OPTIONS=detect_leaks=0" \
	-e "GTEST_FILTER=${GTEST_FILTER:-NodeE2e.*}" \
	"$HERE/guest/e2e-guest.sh" 2>&1 | tee "$W/console.log" | grep -v '^\[ *[0-9.]*\] '
RC=${PIPESTATUS[0]}
set -e

log "host checks on the Cinder volume files"
for s in file block crash expand expandxfs luks1 qemuenc; do
	[[ -n $(vid "$s") ]] || continue
	DESC="no plaintext of scenario $s in $(vfile "$s")"
	check bash -c "! grep -qaFz '$(marker "$s")' '$(vfile "$s")'"
done
for s in file block nobarbican crash expand expandxfs; do
	DESC="$s: the volume file starts with a LUKS2 header"
	check [ "$(magic "$(vfile "$s")")" = 4c554b53babe0002 ]
done
DESC="luks1: still the os-brick LUKS1 header"
check [ "$(magic "$(vfile luks1)")" = 4c554b53babe0001 ]
DESC="wrongkey: nothing but the LUKS header written by the later, correct stage"
check bash -c "[[ \$(head -c 6 '$(vfile wrongkey)' | od -An -tx1 | tr -d ' \n') == 4c554b53babe ]]"
DESC="data: the pre-filled volume is bit-for-bit unchanged"
check sha256sum --quiet -c "$W/data.sha256"
DESC="data: its file is still there in plaintext (it was never ours to encrypt)"
check grep -qaFz "$(marker data)" "$(vfile data)"
for s in expand expandxfs; do
	DESC="$s: the volume file grew to 2 GiB"
	check bash -c "[[ \$(stat -c %s '$(vfile "$s")') -eq 2147483648 ]]"
done
if [[ -n $(vid qemuenc) ]]; then
	DESC="qemuenc: Cinder's file is still an encrypted qcow2"
	check bash -c "qemu-img info -U '$(vfile qemuenc)' | grep -q '^encrypted: yes'"
fi
PASSED=$(grep -c '^\[       OK \]' "$W/console.log" || true)
FAILED=$(grep -cE '^\[  FAILED  \] NodeE2e\.[^ ]+ \([0-9]+ ms\)' "$W/console.log" || true)  # the summary repeats each name without a time
log "guest: exit $RC, $PASSED scenarios passed, $FAILED failed; host checks failed: $FAILS; total $((SECONDS - T0)) s"
[[ $RC -eq 0 && $FAILS -eq 0 ]]
