#!/usr/bin/env bash
# tests/lab/stress.sh - bounded concurrency check of a lab from up.sh: N encrypted + N
# plain volumes created at once, all must reach 'available'; then all deleted at once,
# all Barbican keys must be gone; reports ERROR lines the run added to Cinder's logs.
#   usage: stress.sh STATE_DIR [N=4]     (loopback only, stops by itself)
# The demo project's volume quota is 10 and the Nova lab's test server holds 1: N <= 4.
set -uo pipefail
STATE_DIR=${1:-${LAB_STATE_DIR:-/tmp/lab}}; N=${2:-4}
# shellcheck disable=SC1091
. "$STATE_DIR/env.sh"
C=(curl --noproxy '*' -s -m 60 -H 'Connection: close')
hdr=$(mktemp)
"${C[@]}" -D "$hdr" -o /dev/null -H 'Content-Type: application/json' -d "{\"auth\":{\"identity\":{\"methods\":[\"password\"],\"password\":{\"user\":{\"name\":\"demo\",\"domain\":{\"name\":\"Default\"},\"password\":\"$LAB_DEMO_PASSWORD\"}}},\"scope\":{\"project\":{\"id\":\"$LAB_DEMO_PROJECT_ID\"}}}}" "$LAB_KEYSTONE_URL/auth/tokens"
TOKEN=$(awk -F': ' 'tolower($1)=="x-subject-token"{print $2}' "$hdr" | tr -d '\r'); rm -f "$hdr"
V="$LAB_CINDER_URL/$LAB_DEMO_PROJECT_ID"
H=(-H "X-Auth-Token: $TOKEN" -H 'Content-Type: application/json')
declare -A before; for f in cinder-api cinder-scheduler cinder-volume; do before[$f]=$(grep -c ' ERROR ' "$STATE_DIR/log/$f.log"); done
t0=$(date +%s.%N); ids=()
tmp=$(mktemp -d)
for i in $(seq 1 "$N"); do
  "${C[@]}" "${H[@]}" -d "{\"volume\":{\"size\":1,\"name\":\"stress-enc-$i\",\"volume_type\":\"$LAB_ENCRYPTED_VOLUME_TYPE\"}}" "$V/volumes" > "$tmp/e$i" &
  "${C[@]}" "${H[@]}" -d "{\"volume\":{\"size\":1,\"name\":\"stress-plain-$i\"}}" "$V/volumes" > "$tmp/p$i" &
done; wait
for f in "$tmp"/*; do id=$(jq -r '.volume.id // empty' "$f"); [ -n "$id" ] && ids+=("$id") || echo "create failed: $(cat "$f")"; done
echo "created ${#ids[@]} volumes in $(awk -v a="$(date +%s.%N)" -v b="$t0" 'BEGIN{printf "%.1f", a-b}') s (API)"
pending=("${ids[@]}"); deadline=$((SECONDS+300)); bad=0
while [ ${#pending[@]} -gt 0 ] && [ $SECONDS -lt $deadline ]; do
  next=(); for id in "${pending[@]}"; do
    st=$("${C[@]}" "${H[@]}" "$V/volumes/$id" | jq -r .volume.status)
    case $st in available) ;; error*) echo "volume $id -> $st"; bad=$((bad+1)) ;; *) next+=("$id") ;; esac
  done; pending=("${next[@]}"); sleep 0.5
done
echo "all settled after $(awk -v a="$(date +%s.%N)" -v b="$t0" 'BEGIN{printf "%.1f", a-b}') s; errors=$bad, still pending=${#pending[@]}"
keys=(); for id in "${ids[@]}"; do k=$("${C[@]}" "${H[@]}" "$V/volumes/$id/encryption" | jq -r '.encryption_key_id // empty'); [ -n "$k" ] && keys+=("$k"); done
t1=$(date +%s.%N)
for id in "${ids[@]}"; do "${C[@]}" -X DELETE "${H[@]}" "$V/volumes/$id" & done; wait
for id in "${ids[@]}"; do for _ in $(seq 1 240); do c=$("${C[@]}" -o /dev/null -w '%{http_code}' "${H[@]}" "$V/volumes/$id"); [ "$c" = 404 ] && break; sleep 0.5; done; [ "$c" = 404 ] || { echo "volume $id not deleted"; bad=$((bad+1)); }; done
echo "deleted ${#ids[@]} in $(awk -v a="$(date +%s.%N)" -v b="$t1" 'BEGIN{printf "%.1f", a-b}') s"
left=0; for k in "${keys[@]}"; do c=$("${C[@]}" -o /dev/null -w '%{http_code}' -H "X-Auth-Token: $TOKEN" "$LAB_BARBICAN_URL/v1/secrets/$k"); [ "$c" = 404 ] || left=$((left+1)); done
echo "keys: ${#keys[@]} created, $left still in Barbican"
for f in cinder-api cinder-scheduler cinder-volume; do echo "$f: $(( $(grep -c ' ERROR ' "$STATE_DIR/log/$f.log") - ${before[$f]} )) new ERROR lines"; done
rm -rf "$tmp"
[ $bad = 0 ] && [ $left = 0 ] && [ ${#ids[@]} = $((2*N)) ]
