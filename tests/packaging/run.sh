#!/usr/bin/env bash
# tests/packaging/run.sh - renders and validates the Helm chart (charts/cinder-byok-csi) and
# the kustomize manifests (deploy/), and checks that they agree. Installs what it needs
# (tests/packaging/tools.sh): the npm validators always, helm/kubectl only when missing.
#
#   kubectl kustomize deploy/base, deploy/overlays/example, deploy/examples/tenant
#   every rendered object  -> Kubernetes' schemas (kubernetes-models' validators, generated
#                             from the Kubernetes OpenAPI spec, run by ajv)
#   values.yaml (+ ci/*)   -> values.schema.json with ajv (strict mode)
#   helm lint --strict and helm template (defaults and ci/*) -> the same schema check
#   the cinder-mode StorageClass: off by default, refused without a volume type
#   chart (helm template) vs deploy/base (kustomize): driver name, socket paths, sidecar
#                             args, RBAC, and every object identical
#
# Needs no cluster, no root and no container engine. Prints PASS/FAIL/SKIP lines and ends
# with "packaging: N passed, N failed, N skipped"; exits 1 if anything failed. helm checks
# are SKIPPED (not passed) when no helm is on PATH and none could be fetched
# (BYOK_PACKAGING_FETCH_TOOLS=0 forbids fetching).
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
CHART="$ROOT/charts/cinder-byok-csi"
# shellcheck source=tools.sh
source "$ROOT/tests/packaging/tools.sh"

passed=0 failed=0 skipped=0
count() { # reads check.mjs-style lines, echoes them, counts them
  local line
  while IFS= read -r line; do
    echo "$line"
    case $line in
      PASS*) passed=$((passed + 1)) ;;
      FAIL*) failed=$((failed + 1)) ;;
      SKIP*) skipped=$((skipped + 1)) ;;
    esac
  done
}
ok() { echo "PASS $*"; passed=$((passed + 1)); }
ko() { echo "FAIL $*"; failed=$((failed + 1)); }
sk() { echo "SKIP $*"; skipped=$((skipped + 1)); }
check() { count < <(node "$PKG_DIR/check.mjs" "$@"); }

OUT=$(mktemp -d)
trap 'rm -rf "$OUT"' EXIT

if ! install_validators; then
  ko "install the npm validators (npm ci in tests/packaging)"
  echo "packaging: $passed passed, $failed failed, $skipped skipped"
  exit 1
fi
find_tools
echo "# kubectl: $KUBECTL_SOURCE"
echo "# helm: $HELM_SOURCE"

check k8s-negative "$PKG_DIR/fixtures/invalid-objects.yaml"

# --- kustomize ----------------------------------------------------------------------------
for dir in deploy/base deploy/overlays/example deploy/examples/tenant; do
  out="$OUT/kustomize-${dir//\//-}.yaml"
  if [[ -z $KUBECTL ]]; then
    sk "kubectl kustomize $dir: no kubectl on PATH and none could be fetched"
    continue
  fi
  if "$KUBECTL" kustomize "$ROOT/$dir" >"$out" 2>"$out.err"; then
    ok "kubectl kustomize $dir"
    check k8s "$dir" "$out"
  else
    ko "kubectl kustomize $dir: $(head -5 "$out.err")"
  fi
done

# Example files that are not part of a kustomization (alternatives, CRD-dependent ones).
for f in "$ROOT"/deploy/examples/tenant/*.yaml; do
  [[ $(basename "$f") == kustomization.yaml ]] && continue
  grep -qF -- "- $(basename "$f")" "$ROOT/deploy/examples/tenant/kustomization.yaml" && continue
  check k8s "${f#"$ROOT"/}" "$f"
done

# --- values schema (needs no helm) ----------------------------------------------------------
check values "$CHART"

# --- the docs name only cloud.conf keys and driver flags the code has (doc-claims.mjs) ------
count < <(node "$PKG_DIR/doc-claims.mjs")

# --- helm -----------------------------------------------------------------------------------
ci_values=("$CHART"/ci/*.yaml)
if [[ -z $HELM ]]; then
  sk "helm lint --strict: helm not on PATH and not fetchable"
  sk "helm template + k8s schema: helm not on PATH and not fetchable"
  sk "helm enforces values.schema.json: helm not on PATH and not fetchable"
else
  for v in "" "${ci_values[@]}"; do
    label="defaults${v:+ + ci/$(basename "$v")}"
    if "$HELM" lint --strict "$CHART" ${v:+-f "$v"} >"$OUT/lint.log" 2>&1; then
      ok "helm lint --strict ($label)"
    else
      ko "helm lint --strict ($label): $(grep -E 'ERROR|WARNING|Error' "$OUT/lint.log" | head -5)"
    fi
    out="$OUT/helm-$(basename "${v:-defaults}" .yaml).yaml"
    # As deploy/generate.sh renders: for a cluster with the snapshot and VAC APIs.
    if "$HELM" template cinder-byok-csi "$CHART" --namespace kube-system ${v:+-f "$v"} \
      --api-versions snapshot.storage.k8s.io/v1/VolumeSnapshotClass \
      --api-versions storage.k8s.io/v1/VolumeAttributesClass >"$out" 2>"$out.err"; then
      ok "helm template ($label)"
      check k8s "helm template ($label)" "$out"
    else
      ko "helm template ($label): $(head -5 "$out.err")"
    fi
  done
  # helm itself must refuse values outside the schema.
  if "$HELM" template x "$CHART" --set csi.plugin.nodePlugin.udevSynk=disabled >/dev/null 2>&1 ||
    "$HELM" template x "$CHART" --set storageClasses.envelope.encryption=luks >/dev/null 2>&1; then
    ko "helm enforces values.schema.json: a misspelt key or a bad enum rendered"
  else
    ok "helm enforces values.schema.json (misspelt key and bad enum refused)"
  fi
  # The cinder-mode class: refused without a volume type, rendered with one.
  "$HELM" template x "$CHART" --set storageClasses.cinder.enabled=true >/dev/null 2>"$OUT/cinder-notype.err"
  rc=$?
  "$HELM" template x "$CHART" --set storageClasses.cinder.enabled=true \
    --set storageClasses.cinder.type=encrypted-luks >"$OUT/cinder-typed.yaml" 2>&1
  check cinder-type "$OUT/helm-defaults.yaml" "$rc" "$OUT/cinder-notype.err" "$OUT/cinder-typed.yaml" encrypted-luks
  # The alert example (a PrometheusRule): off by default, and only with the operator's API.
  "$HELM" template x "$CHART" --set prometheusRule.enabled=true >"$OUT/rule-noapi.yaml" 2>&1
  "$HELM" template x "$CHART" --set prometheusRule.enabled=true \
    --api-versions monitoring.coreos.com/v1/PrometheusRule >"$OUT/rule.yaml" 2>&1
  check alert "$OUT/rule-noapi.yaml" "$OUT/rule.yaml" "$ROOT"
fi

# --- chart and deploy/ agree ----------------------------------------------------------------
base="$OUT/kustomize-deploy-base.yaml"
if [[ -n $HELM && -s $base ]]; then
  "$HELM" template cinder-byok-csi "$CHART" --namespace kube-system >"$OUT/helm-nosnap.yaml"
  "$HELM" template cinder-byok-csi "$CHART" --namespace kube-system --set clusterID=prod-eu \
    --set storageClasses.envelope.tenantCredentials=true \
    --api-versions snapshot.storage.k8s.io/v1/VolumeSnapshotClass >"$OUT/helm-cluster.yaml"
  check chart-defects "$OUT/helm-nosnap.yaml" "$OUT/helm-defaults.yaml" "$OUT/helm-cluster.yaml" "$base"
else
  sk "chart defects: needs helm and deploy/base"
fi
GO=${GO:-$(command -v go || echo /usr/local/go/bin/go)} check sidecar-versions "$CHART"

if [[ ! -s $base ]]; then
  sk "chart and deploy/base agree: deploy/base was not rendered"
elif [[ -n $HELM ]]; then
  check agree "$OUT/helm-defaults.yaml" "$base"
else
  check agree-static "$CHART" "$base"
  sk "chart and deploy/base agree on socket paths, sidecar args and RBAC: needs helm"
fi

tenant="$OUT/kustomize-deploy-examples-tenant.yaml"
if [[ -s $base && -s $tenant ]]; then
  check tenant "$base" "$tenant"
else
  sk "tenant example fits deploy/base: not rendered"
fi

# --- scripts parse --------------------------------------------------------------------------
for s in "$ROOT"/image/*.sh "$ROOT"/deploy/*.sh "$PKG_DIR"/*.sh; do
  [[ -e $s ]] || continue
  if bash -n "$s" 2>"$OUT/bash.err"; then ok "bash -n ${s#"$ROOT"/}"; else ko "bash -n ${s#"$ROOT"/}: $(cat "$OUT/bash.err")"; fi
done

echo "packaging: $passed passed, $failed failed, $skipped skipped"
((failed == 0))
