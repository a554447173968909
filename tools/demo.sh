#!/usr/bin/env bash
# The main job on a fresh Debian bookworm machine (as root): installs the build dependencies,
# builds the driver, brings up the local OpenStack lab (tests/lab, with the Cinder side of
# byok-for-cinder applied) and walks one BYOK-encrypted volume through its life via the
# driver's CSI socket, as the Kubernetes sidecars and kubelet would:
#   tenant stores a key in Barbican -> CreateVolume (envelope mode) -> ControllerPublish to a
#   Nova server -> ControllerUnpublish -> node: stage (LUKS2 format + open with the tenant's
#   key), publish, write, read back, expand, unstage (in a QEMU guest with real dm-crypt, the
#   tests/vm scenarios) -> DeleteVolume (crypto-erase).
# The lab keeps running afterwards: tests/lab/down.sh "$LAB_STATE_DIR" stops it.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
build=${BUILD_DIR:-$root/build}
state=${LAB_STATE_DIR:-$root/.lab}
say() { printf '\n== %s\n' "$*" >&2; }

tools/install-build-deps.sh
say "building in $build"
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
# Only what the demo runs: the driver, the CSI client, and the QEMU guest's two helpers.
cmake --build "$build" --target cinder-byok-csi byokctl byok-vm-guest-test byok-vm-lab

say "starting the OpenStack lab in $state"
mkdir -p "$state"
eval "$(CINDER_BYOK=1 tests/lab/up.sh "$state")"

run_dir=$(mktemp -d)
sock="$run_dir/csi.sock"
say "starting cinder-byok-csi --mode=controller on $sock"
"$build/cmd/cinder-byok-csi" --mode=controller --endpoint="unix://$sock" \
  --cloud-config="$state/cloud.conf" --cluster=demo >"$run_dir/driver.log" 2>&1 &
driver=$!
trap 'kill $driver 2>/dev/null; wait $driver 2>/dev/null; rm -rf "$run_dir"' EXIT
ctl() { "$build/tools/byokctl/byokctl" --endpoint="unix://$sock" "$@"; }
for _ in $(seq 100); do ctl GetPluginInfo >/dev/null 2>&1 && break; sleep 0.1; done
ctl GetPluginInfo

say "the tenant stores a 256-bit AES key in Barbican"
key_id=$(tools/store-key.py --name byok-demo)
echo "key: $key_id"

say "CreateVolume (the provisioner's call; the Secret is passed on stdin, never in argv)"
name="pvc-demo-$(date +%s)"
created=$(ctl CreateVolume - <<JSON
{"name": "$name",
 "capacity_range": {"required_bytes": 1073741824},
 "volume_capabilities": [{"mount": {"fs_type": "ext4"}, "access_mode": {"mode": "SINGLE_NODE_WRITER"}}],
 "parameters": {"csi.storage.k8s.io/pvc/name": "demo", "csi.storage.k8s.io/pvc/namespace": "default"},
 "secrets": {"keyID": "$key_id"}}
JSON
)
echo "$created"
volume_id=$(python3 -c 'import json,sys; print(json.load(sys.stdin)["volume"]["volume_id"])' <<<"$created")

if [[ "${LAB_NOVA:-0}" == 1 ]]; then
  say "ControllerPublishVolume to Nova server $LAB_NOVA_SERVER_ID (the attacher's call)"
  ctl ControllerPublishVolume "{\"volume_id\":\"$volume_id\",\"node_id\":\"$LAB_NOVA_SERVER_ID\",\"volume_capability\":{\"mount\":{\"fs_type\":\"ext4\"},\"access_mode\":{\"mode\":\"SINGLE_NODE_WRITER\"}}}"
  say "ControllerUnpublishVolume"
  ctl ControllerUnpublishVolume "{\"volume_id\":\"$volume_id\",\"node_id\":\"$LAB_NOVA_SERVER_ID\"}"
fi

say "node: a QEMU guest with real dm-crypt gets lab volumes as virtio disks (as Nova attaches"
say "them) and cinder-byok-csi --mode=node stages (LUKS2 format + open with the tenant's key),"
say "publishes, writes, reads back, expands and unstages them; the host then checks that no"
say "plaintext reached the Cinder volume files"
tests/vm/e2e.sh "$build/cmd/cinder-byok-csi" "$build/tests/vm/byok-vm-guest-test" \
  "$build/tests/vm/byok-vm-lab"

say "DeleteVolume (crypto-erase: the wrapped data key is removed first)"
ctl DeleteVolume "{\"volume_id\":\"$volume_id\"}"
ctl DeleteVolume "{\"volume_id\":\"$volume_id\"}"  # idempotent
say "driver log"
cat "$run_dir/driver.log"
say "done: volume $volume_id was created, bound to key $key_id, and deleted; the key stays the tenant's"
