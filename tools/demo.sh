#!/usr/bin/env bash
# The main job on a fresh Debian bookworm machine (as root): installs the build dependencies,
# builds the driver, brings up the local OpenStack lab (tests/lab) and runs the driver against
# it through its CSI socket. The lab keeps running afterwards (stop it with
# tests/lab/down.sh "$LAB_STATE_DIR").
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
build=${BUILD_DIR:-$root/build}
state=${LAB_STATE_DIR:-$root/.lab}
say() { printf '\n== %s\n' "$*" >&2; }

tools/install-build-deps.sh
say "building in $build"
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$build" --target cinder-byok-csi byokctl

say "starting the OpenStack lab in $state"
mkdir -p "$state"
eval "$(tests/lab/up.sh "$state")"

run_dir=$(mktemp -d)
sock="$run_dir/csi.sock"
say "starting cinder-byok-csi --mode=all on $sock"
"$build/cmd/cinder-byok-csi" --mode=all --endpoint="unix://$sock" \
  --cloud-config="$state/cloud.conf" --node-id=demo-node >"$run_dir/driver.log" 2>&1 &
driver=$!
trap 'kill $driver 2>/dev/null; wait $driver 2>/dev/null; rm -rf "$run_dir"' EXIT
ctl() { "$build/tools/byokctl/byokctl" --endpoint="unix://$sock" "$@"; }
for _ in $(seq 100); do ctl GetPluginInfo >/dev/null 2>&1 && break; sleep 0.1; done

say "Identity"
ctl GetPluginInfo
ctl GetPluginCapabilities
ctl Probe
say "driver log"
cat "$run_dir/driver.log"
