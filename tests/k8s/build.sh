#!/usr/bin/env bash
# tests/k8s/build.sh - builds the Kubernetes parts the k8s tests run, from the Go module proxy,
# at the versions of tests/k8s/versions.env and of the chart's values.yaml (the CSI sidecars),
# into a cache outside the checkout. A binary already in the cache is not rebuilt, so a second
# run is a no-op.
#
#   build.sh [TOOL...]   TOOL: kube-apiserver kube-controller-manager etcd helm csi-sanity
#                        csi-provisioner csi-attacher csi-resizer csi-snapshotter
#                        snapshot-controller (default: all of them)
#
# Prints `export K8S_BIN=...` (the directory of version-named links to the binaries) and
# `export K8S_CRDS=...` (the snapshot CRDs) on stdout; progress goes to stderr.
# Cache: $BYOK_K8S_CACHE (default ~/.cache/byok-k8s); Go's own caches are the defaults
# (~/go/pkg/mod, ~/.cache/go-build).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
# shellcheck source=versions.env
. "$here/versions.env"
cache=${BYOK_K8S_CACHE:-$HOME/.cache/byok-k8s}
export PATH=/usr/local/go/bin:$PATH GOFLAGS=-mod=mod GOTOOLCHAIN=local
log() { printf '== %s build.sh: %s\n' "$(date +%T)" "$*" >&2; }

# The tag of a sidecar in the chart's values.yaml (csi.<name>.image.tag).
chart_tag() {
  awk -v want="$1" '
    /^csi:/ { in_csi = 1; next }
    in_csi && /^[^ ]/ { in_csi = 0 }
    in_csi && /^  [a-zA-Z]+:/ { name = $1; sub(":", "", name) }
    in_csi && name == want && /^      tag:/ { print $2; exit }
  ' "$root/charts/cinder-byok-csi/values.yaml"
}

# Writes a go.mod in DIR that requires MODULE@VERSION and repeats MODULE's own replace
# directives; a replace by a local path (a module of the same repository) becomes the
# published module at LOCAL_VERSION, or an empty stub module when the proxy has none.
make_module() {
  local dir=$1 module=$2 version=$3 local_version=$4
  mkdir -p "$dir"
  local upstream
  upstream=$(go mod download -json "$module@$version" | jq -r .GoMod)
  [[ -f $upstream ]] || { log "the proxy has no go.mod for $module@$version"; return 1; }
  (
    cd "$dir"
    rm -f go.mod go.sum
    go mod init byok-k8s-build >/dev/null 2>&1
    go mod edit -go="$(go mod edit -json "$upstream" | jq -r .Go)" -require="$module@$version"
    go mod edit -json "$upstream" | jq -r '.Replace[]? | [.Old.Path, (.Old.Version // ""),
        .New.Path, (.New.Version // "")] | join("|")' |
      while IFS='|' read -r old oldv new newv; do
        [[ -n $oldv ]] && old="$old@$oldv"
        if [[ -n $newv ]]; then
          go mod edit -replace="$old=$new@$newv"
        elif go mod download -json "${old%@*}@$local_version" >/dev/null 2>&1; then
          go mod edit -replace="$old=${old%@*}@$local_version"
        else
          mkdir -p "stub/${old%@*}"
          printf 'module %s\n' "${old%@*}" >"stub/${old%@*}/go.mod"
          go mod edit -replace="$old=./stub/${old%@*}"
        fi
      done
  )
}

# build NAME VERSION MODULE[@MODULE_VERSION] LOCAL_VERSION PACKAGE: go build PACKAGE, in a module
# that requires MODULE at MODULE_VERSION (default VERSION), into $cache/bin/NAME-VERSION.
build() {
  local name=$1 version=$2 module=${3%@*} local_version=$4 package=$5
  local module_version=$version
  [[ $3 == *@* ]] && module_version=${3#*@}
  local out="$cache/bin/$name-$version"
  ln -sfn "$out" "$cache/current/$name"
  [[ -x $out ]] && return 0
  log "building $name $version ($package)"
  local dir="$cache/src/${module//\//_}-$module_version"
  [[ -f $dir/go.mod ]] || make_module "$dir" "$module" "$module_version" "$local_version"
  (cd "$dir" && go build -trimpath -ldflags="-s -w ${ldflags:-}" -o "$out.tmp" "$package") &&
    mv "$out.tmp" "$out"
}

# The snapshot CRDs of the pinned external-snapshotter (client module, config/crd).
snapshot_crds() {
  local version=$1 dir
  dir=$(go mod download -json "github.com/kubernetes-csi/external-snapshotter/client/v8@$version" |
    jq -r .Dir)
  ln -sfn "$dir/config/crd" "$cache/current/snapshot-crds"
}

k8s_local=$KUBERNETES_STAGING_VERSION
# The version the apiserver reports (a chart's kubeVersion is checked against it); a build
# outside the kubernetes repository would report v0.0.0-master.
kube_version_flags() {
  local v=$KUBERNETES_VERSION minor=${KUBERNETES_VERSION#v1.}
  minor=${minor%%.*}
  local pkg
  for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
    printf -- '-X %s.gitVersion=%s -X %s.gitMajor=1 -X %s.gitMinor=%s -X %s.gitTreeState=clean ' \
      "$pkg" "$v" "$pkg" "$pkg" "$minor" "$pkg"
  done
}
provisioner=$(chart_tag provisioner) attacher=$(chart_tag attacher)
resizer=$(chart_tag resizer) snapshotter=$(chart_tag snapshotter)
etcd_version=$(go mod download -json "k8s.io/kubernetes@$KUBERNETES_VERSION" | jq -r .GoMod |
  xargs go mod edit -json | jq -r '.Require[] | select(.Path == "go.etcd.io/etcd/server/v3") | .Version')

tools=("$@")
[[ ${#tools[@]} -gt 0 ]] || tools=(kube-apiserver kube-controller-manager etcd helm csi-sanity
  csi-provisioner csi-attacher csi-resizer csi-snapshotter snapshot-controller)
mkdir -p "$cache/bin" "$cache/current"
start=$SECONDS
for tool in "${tools[@]}"; do
  case $tool in
    kube-apiserver | kube-controller-manager)
      ldflags=$(kube_version_flags) build "$tool" "$KUBERNETES_VERSION" k8s.io/kubernetes "$k8s_local" "k8s.io/kubernetes/cmd/$tool" ;;
    etcd)  # the server version k8s.io/kubernetes itself requires, built in the same module
      build etcd "$etcd_version" "k8s.io/kubernetes@$KUBERNETES_VERSION" "$k8s_local" \
        go.etcd.io/etcd/server/v3 ;;
    helm)
      build helm "$HELM_VERSION" helm.sh/helm/v3 "$HELM_VERSION" helm.sh/helm/v3/cmd/helm ;;
    csi-sanity)
      build csi-sanity "$CSI_TEST_VERSION" github.com/kubernetes-csi/csi-test/v5 "$CSI_TEST_VERSION" \
        github.com/kubernetes-csi/csi-test/v5/cmd/csi-sanity ;;
    csi-provisioner)
      build csi-provisioner "$provisioner" github.com/kubernetes-csi/external-provisioner/v6 \
        "$provisioner" github.com/kubernetes-csi/external-provisioner/v6/cmd/csi-provisioner ;;
    csi-attacher)
      build csi-attacher "$attacher" github.com/kubernetes-csi/external-attacher/v4 \
        "$attacher" github.com/kubernetes-csi/external-attacher/v4/cmd/csi-attacher ;;
    csi-resizer)
      build csi-resizer "$resizer" github.com/kubernetes-csi/external-resizer/v2 \
        "$resizer" github.com/kubernetes-csi/external-resizer/v2/cmd/csi-resizer ;;
    csi-snapshotter | snapshot-controller)
      build "$tool" "$snapshotter" github.com/kubernetes-csi/external-snapshotter/v8 \
        "$snapshotter" "github.com/kubernetes-csi/external-snapshotter/v8/cmd/$tool"
      snapshot_crds "$snapshotter" ;;
    *) log "unknown tool $tool"; exit 2 ;;
  esac
done
log "done in $((SECONDS - start)) s"
echo "export K8S_BIN=$cache/current"
echo "export K8S_CRDS=$cache/current/snapshot-crds"
