#!/usr/bin/env bash
# tests/k8s/run.sh DRIVER_BINARY - the control-plane scenarios (tests/k8s/e2e, Go tests):
# builds what they need (build.sh; cached), starts the control plane (up.sh) unless
# K8S_STATE_DIR names a running one, runs the tests, and stops it again (K8S_KEEP=1 keeps it).
# Needs the lab's exports (tests/lab/up.sh); exits 77 (skipped) without them.
# Extra arguments go to `go test` (e.g. -run TestResized).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
driver=${1:?usage: run.sh DRIVER_BINARY [go test args]}
shift
[[ -n ${LAB_CLOUD_CONF:-} ]] || { echo "SKIP: no lab (source the env of tests/lab/up.sh)"; exit 77; }
export PATH=/usr/local/go/bin:$PATH GOTOOLCHAIN=local
eval "$("$here/build.sh")"
if [[ -z ${K8S_STATE_DIR:-} ]]; then
  state=/tmp/byok-k8s-$(printf '%s' "$root" | md5sum | cut -c1-8)
  [[ ${K8S_KEEP:-0} == 1 ]] || trap '"$here/down.sh" "$state" --purge' EXIT
  "$here/down.sh" "$state" --purge 2>/dev/null || true
  eval "$("$here/up.sh" "$state")"
fi
cd "$here/e2e"
BYOK_DRIVER=$driver BYOK_CHART=$root/charts/cinder-byok-csi \
  go test -count=1 -v -timeout 45m "$@" .
