#!/usr/bin/env bash
# tests/vm/chain.sh PLUGIN GUEST_TEST CHAIN_TOOL  (ctest node_vm_chain, label vm)
#
# The controller and the node as one chain, on the lab and in the QEMU guest of e2e.sh. The
# driver's own controller (PLUGIN --mode=controller on the host, run by CHAIN_TOOL) creates a
# volume bound to a tenant key; boot 1 stages it in the guest (the node formats LUKS2 + ext4)
# and writes a file. The controller then clones it, snapshots it and restores the snapshot
# (clone first: the lab's NFS driver cannot clone a volume that has a snapshot), rotates the
# source (its snapshot with it) and the clone to a second key, restores the snapshot once more,
# and the first key is deleted. Boot 2 reads the file back from the rotated clone and the
# post-rotation restore under the second key, without a reformat (same LUKS UUID); gets
# FAILED_PRECONDITION for the first restore, still under the deleted key; moves the source and
# its snapshot to a third key at NodeStage (previousKeyIDs); rotates a staged volume with a
# controller run in the guest; and deletes a key under an open volume (NodeGetVolumeStats). The host then checks the volume files (LUKS2
# headers, no plaintext) and the controller deletes everything, leaving nothing of the chain.
# Same needs as e2e.sh (the lab's env.sh sourced, NFS backend, root); exits 77 without them.
# BYOK_VM_KEEP=1 keeps the work dir and skips the delete (then: CHAIN_TOOL delete CONF DIR).
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)
PLUGIN=$(readlink -f "${1:?usage: chain.sh PLUGIN GUEST_TEST CHAIN_TOOL}")
GUEST_TEST=$(readlink -f "${2:?}")
CHAIN_TOOL=$(readlink -f "${3:?}")
export LC_ALL=C
VM_TEST_NAME=chain
. "$HERE/guest-lab.sh"
require_lab
lab_ports

W=$(mktemp -d "${TMPDIR:-/tmp}/byok-vm-chain.XXXXXX")
chmod 700 "$W"
T0=$SECONDS
export BYOK_PLUGIN_BINARY=$PLUGIN  # the controller CHAIN_TOOL runs on the host
cleanup() {
	local rc=$?
	if [[ ${BYOK_VM_KEEP:-0} == 1 ]]; then
		log "kept $W (delete with: $CHAIN_TOOL delete \$LAB_CLOUD_CONF $W)"
	else
		"$CHAIN_TOOL" delete "$LAB_CLOUD_CONF" "$W" > "$W/delete.log" 2>&1 || {
			cat "$W/delete.log"; rc=1; }
		grep '^byok-vm-chain' "$W/delete.log" || true
		rm -rf "$W"
	fi
	exit $rc
}
trap cleanup EXIT

vid() { jq -r ".volumes[\"$1\"].id // empty" "$W/plan.json"; }
vfile() { echo "$LAB_VOLUME_DIR/volume-$(vid "$1")"; }

mkdir -p "$W/overlay/byok"
install -m 600 "$LAB_CLOUD_CONF" "$W/overlay/byok/cloud.conf"
GUEST_PLUGIN=$(stripped_copy "$PLUGIN" "$W/bin")
GUEST_TEST_COPY=$(stripped_copy "$GUEST_TEST" "$W/bin")

# boot NAME FILTER SCENARIO...: the guest with those volumes' files as disks runs FILTER.
boot() {
	local name=$1 filter=$2 disks=() s
	shift 2
	for s in "$@"; do
		[[ -f $(vfile "$s") ]] || { echo "FAIL: volume file of $s missing: $(vfile "$s")"; exit 1; }
		disks+=(-d "$(vfile "$s"):$(vid "$s" | cut -c1-20)")
	done
	install -m 600 "$W/plan.json" "$W/overlay/byok/plan.json"
	log "$name: booting the guest with $* ($filter)"
	set +e
	"$HERE/run-in-vm.sh" -t 600 -m 1024 "${PORTS[@]}" "${disks[@]}" -f "$W/overlay" \
		-b "$GUEST_PLUGIN" -b "$GUEST_TEST_COPY" \
		-e "BYOK_PLUGIN_BINARY=$GUEST_PLUGIN" -e "GUEST_TEST=$GUEST_TEST_COPY" \
		-e "ASAN_OPTIONS=detect_leaks=0" -e "GTEST_FILTER=$filter" \
		"$HERE/guest/e2e-guest.sh" 2>&1 | tee "$W/$name.log" | grep -v '^\[ *[0-9.]*\] '
	local rc=${PIPESTATUS[0]}
	set -e
	if [[ $rc -ne 0 ]] || ! grep -q '^\[  PASSED  \]' "$W/$name.log" || grep -q '^\[  FAILED  \]' "$W/$name.log"; then
		echo "FAIL: $name (guest exit $rc)"
		exit 1
	fi
}

log "the controller creates the source volume"
"$CHAIN_TOOL" create "$LAB_CLOUD_CONF" "$W" > "$W/create.log" 2>&1 || { cat "$W/create.log"; exit 1; }
grep -E '^  [A-Za-z]+ -> ' "$W/create.log"
boot boot1 'NodeChain.StagesAndWritesTheVolumeTheControllerCreated' chain-source

# The source's LUKS UUID (offset 168 of the header), for boot 2's no-reformat check.
SOURCE_UUID=$(dd if="$(vfile chain-source)" bs=1 skip=168 count=40 status=none | tr -d '\0')
log "source LUKS UUID $SOURCE_UUID; the controller clones, snapshots and restores"
"$CHAIN_TOOL" derive "$LAB_CLOUD_CONF" "$W" > "$W/derive.log" 2>&1 || { cat "$W/derive.log"; exit 1; }
grep -E '^  [A-Za-z]+ -> ' "$W/derive.log"
log "the controller rotates the source (and its snapshot) and the clone to a new key, restores the snapshot again; the first key is deleted"
"$CHAIN_TOOL" rotate "$LAB_CLOUD_CONF" "$W" > "$W/rotate.log" 2>&1 || { cat "$W/rotate.log"; exit 1; }
grep -E '^  [A-Za-z]+ -> ' "$W/rotate.log"
jq --arg u "$SOURCE_UUID" '.source_luks_uuid = $u' "$W/plan.json" > "$W/plan.new"
mv "$W/plan.new" "$W/plan.json"
boot boot2 'NodeChain.AfterRotation*' chain-restore chain-clone chain-restore-after chain-source

log "host checks on the Cinder volume files"
MARKER=$(jq -r .markers.chain "$W/plan.json")
for s in chain-restore chain-clone chain-restore-after; do
	DESC="$s: the volume file starts with a LUKS2 header"
	check [ "$(magic "$(vfile "$s")")" = 4c554b53babe0002 ]
	DESC="$s: no plaintext marker in $(vfile "$s")"
	check bash -c "! grep -qaF '$MARKER' '$(vfile "$s")'"
done
DESC="chain-source: no plaintext marker in the source's files"
check bash -c "! grep -qaF '$MARKER' $LAB_VOLUME_DIR/volume-$(vid chain-source)*"
log "host checks failed: $FAILS; total $((SECONDS - T0)) s"
[[ $FAILS -eq 0 ]]
