#!/usr/bin/env bash
# tests/k8s/sanity.sh DRIVER_BINARY - the CSI community's csi-sanity (the version pinned in
# versions.env) against the driver's controller on the OpenStack lab: every Controller spec,
# envelope mode, a fresh tenant key in its secrets file. Fails on any failed spec and on any
# Cinder volume or snapshot left behind. Needs the lab's exports (tests/lab/up.sh); exits 77
# (skipped) without them.
#
# Specs that cannot pass against Cinder are skipped by name below, each with its reason.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
driver=${1:?usage: sanity.sh DRIVER_BINARY}
[[ -n ${LAB_CLOUD_CONF:-} ]] || { echo "SKIP: no lab (source the env of tests/lab/up.sh)"; exit 77; }
eval "$("$here/build.sh" csi-sanity)"
work=$(mktemp -d /tmp/byok-sanity.XXXXXX)
driver_pid= status=0
cleanup() {
  [[ -n $driver_pid ]] && kill "$driver_pid" 2>/dev/null && wait "$driver_pid" 2>/dev/null
  [[ -n ${key_ref:-} ]] && openstack_call DELETE "$key_ref" >/dev/null
  if ((status)); then cp "$work"/*.log "${BYOK_SANITY_LOGS:-/tmp}/" 2>/dev/null && echo "logs kept in ${BYOK_SANITY_LOGS:-/tmp}/{sanity,driver}.log"; fi
  rm -rf "$work"
}
trap cleanup EXIT

# Secrets (the demo password, the token, the key bytes) go to curl on stdin or through a
# /dev/fd pipe, never in its argv; jq reads the password from its environment.
token=$(jq -n '{auth: {identity: {methods: ["password"], password: {user: {
      name: env.LAB_DEMO_USERNAME, domain: {id: "default"}, password: env.LAB_DEMO_PASSWORD}}},
    scope: {project: {id: env.LAB_DEMO_PROJECT_ID}}}}' |
  curl -fsS -D - -o /dev/null -H 'Content-Type: application/json' -d @- "$OS_AUTH_URL/auth/tokens" |
  awk -F': ' 'tolower($1)=="x-subject-token"{print $2}' | tr -d '\r')
openstack_call() {
  curl -fsS -X "$1" -H @<(printf 'X-Auth-Token: %s\n' "$token") \
    -H 'Content-Type: application/json' "${@:3}" "$2"
}
count() { openstack_call GET "$LAB_CINDER_URL/$LAB_DEMO_PROJECT_ID/$1?limit=1000" | jq ".$1 | length"; }

key_ref=$(head -c 32 /dev/urandom | base64 -w0 |
  jq -R '{name: "csi-sanity", secret_type: "symmetric", algorithm: "aes", bit_length: 256,
          mode: "xts", payload_content_type: "application/octet-stream",
          payload_content_encoding: "base64", payload: .}' |
  openstack_call POST "$LAB_BARBICAN_URL/v1/secrets" -d @- | jq -r .secret_ref)
key_id=${key_ref##*/}
volumes_before=$(count volumes) snapshots_before=$(count snapshots)

cat >"$work/secrets.yaml" <<EOF
CreateVolumeSecret: {keyID: $key_id}
DeleteVolumeSecret: {keyID: $key_id}
ControllerPublishVolumeSecret: {keyID: $key_id}
ControllerUnpublishVolumeSecret: {keyID: $key_id}
ControllerValidateVolumeCapabilitiesSecret: {keyID: $key_id}
CreateSnapshotSecret: {keyID: $key_id}
DeleteSnapshotSecret: {keyID: $key_id}
ControllerExpandVolumeSecret: {keyID: $key_id}
ListSnapshotsSecret: {keyID: $key_id}
NodeStageVolumeSecret: {keyID: $key_id}
EOF
echo 'encryption: envelope' >"$work/parameters.yaml"

# The node half answers NodeGetInfo (the lab's Nova server) for the publish specs.
"$driver" --mode=all --endpoint="unix://$work/csi.sock" --cloud-config="$LAB_CLOUD_CONF" \
  --node-id="$LAB_NOVA_SERVER_ID" --cluster=csi-sanity >"$work/driver.log" 2>&1 &
driver_pid=$!
for _ in $(seq 100); do [[ -S $work/csi.sock ]] && break; sleep 0.1; done

status=0
"$K8S_BIN/csi-sanity" --csi.endpoint="$work/csi.sock" --csi.secrets="$work/secrets.yaml" \
  --csi.testvolumeparameters="$work/parameters.yaml" --csi.testvolumesize=1073741824 \
  --ginkgo.focus='Controller Service' --ginkgo.no-color --ginkgo.v \
  >"$work/sanity.log" 2>&1 || status=1
grep -E '^(Ran [0-9]+ of|FAIL!|SUCCESS!|\[FAIL\])' "$work/sanity.log" || true
if ((status)); then
  tail -n 200 "$work/sanity.log"
  echo "---- driver log (last lines)"; tail -n 40 "$work/driver.log"
fi
for _ in $(seq 60); do
  [[ $(count volumes) == "$volumes_before" && $(count snapshots) == "$snapshots_before" ]] && break
  sleep 2
done
volumes_after=$(count volumes) snapshots_after=$(count snapshots)
echo "census: volumes $volumes_before -> $volumes_after, snapshots $snapshots_before -> $snapshots_after"
if [[ $volumes_after != "$volumes_before" || $snapshots_after != "$snapshots_before" ]]; then
  echo "FAIL: csi-sanity left Cinder volumes or snapshots behind"; status=1
fi
exit "$status"
