#!/usr/bin/env bash
# tests/lab/selftest.sh - end-to-end check of a lab brought up by tests/lab/up.sh,
# with curl + jq only (no OpenStack client), as the lab's users.
#   usage: tests/lab/selftest.sh STATE_DIR        (default: $LAB_STATE_DIR)
# Part 1 (always), as demo unless said otherwise:
#   tokens (password, app credential, and from STATE_DIR/cloud.conf and
#   cloud-appcred.conf) -> roles incl. Barbican's 'creator' -> Barbican secret
#   store/read -> the 'alt' project gets 403 on demo's secret -> encrypted volume (type
#   luks) -> available -> encryption_key_id -> key payload from Barbican -> LUKS file
#   on disk -> delete -> key gone; what Cinder does with an "encryption_key_id" field in
#   POST /volumes; a snapshot; the attachments API.
# Part 2 (when the lab runs Nova, LAB_NOVA=1): Nova volume attach/detach on the lab's
#   server and on a fresh boot-from-volume server, plain and LUKS, negative cases.
# Ends with 'N passed, N failed'; exit status 0 only if nothing failed.
set -uo pipefail
STATE_DIR=${1:-${LAB_STATE_DIR:-}}
if [ -z "$STATE_DIR" ] || [ ! -f "$STATE_DIR/env.sh" ]; then
  echo "usage: $0 STATE_DIR   (STATE_DIR/env.sh is written by up.sh)" >&2; exit 2
fi
# shellcheck disable=SC1091
. "$STATE_DIR/env.sh"
command -v jq >/dev/null || { echo "needs jq (up.sh installs it)" >&2; exit 2; }
PASS=0 FAIL=0
ok()   { PASS=$((PASS+1)); echo "ok   - $*"; }
bad()  { FAIL=$((FAIL+1)); echo "FAIL - $*"; }
check(){ local what=$1; shift; if "$@"; then ok "$what"; else bad "$what"; fi; }
okif() { local rc=$?; if [ $rc = 0 ]; then ok "$*"; else bad "$*"; fi; }   # after a condition
now()  { date +%s.%N; }
since(){ awk -v a="$(now)" -v b="$1" 'BEGIN{printf "%.2f", a-b}'; }
gt()   { awk -v a="$1" -v b="$2" 'BEGIN{exit !(a>b)}'; }
C=(curl --noproxy '*' -s -S -m 60 -H 'Connection: close')
TOKJSON=$STATE_DIR/selftest-token.json
TMP=$(mktemp -d); trap 'rm -rf "$TMP"' EXIT

# ---------------------------------------------------------------- helpers
auth() {  # JSON auth body -> sets TOKEN, PROJECT_ID (token body in $TOKJSON)
  local hdr=$TMP/hdr
  "${C[@]}" -D "$hdr" -o "$TOKJSON" -H 'Content-Type: application/json' -d "$1" "$LAB_KEYSTONE_URL/auth/tokens"
  TOKEN=$(awk -F': ' 'tolower($1)=="x-subject-token"{print $2}' "$hdr" | tr -d '\r')
  PROJECT_ID=$(jq -r '.token.project.id // empty' "$TOKJSON" 2>/dev/null)
}
token_pw() {  # user password project [user-domain] [project-domain]
  auth "$(jq -n --arg u "$1" --arg p "$2" --arg pr "$3" --arg ud "${4:-Default}" --arg pd "${5:-Default}" \
    '{auth:{identity:{methods:["password"],password:{user:{name:$u,domain:{name:$ud},password:$p}}},
      scope:{project:{name:$pr,domain:{name:$pd}}}}}')"
}
token_appcred() {  # id secret
  auth "$(jq -n --arg i "$1" --arg s "$2" \
    '{auth:{identity:{methods:["application_credential"],application_credential:{id:$i,secret:$s}}}}')"
}
token_roles() { jq -c '[.token.roles[].name] | sort' "$TOKJSON"; }
ini() { awk -F= -v k="$2" '$1==k{sub(/^[^=]*=/, ""); print; exit}' "$1"; }   # file key -> value
call() {  # base METHOD PATH [json] [api-version header value] -> sets BODY and CODE
  local out=$TMP/body
  CODE=$("${C[@]}" -o "$out" -w '%{http_code}' -X "$2" -H "X-Auth-Token: $TOKEN" \
    ${5:+-H "OpenStack-API-Version: $5"} -H 'Content-Type: application/json' \
    ${4:+-d "$4"} "$1$3")
  BODY=$(cat "$out")
}
cinder() { call "$LAB_CINDER_URL/$PROJECT_ID" "$1" "$2" "${3:-}" "volume ${4:-3.0}"; }
nova()   { call "$LAB_NOVA_URL" "$1" "$2" "${3:-}" "compute ${4:-$NOVA_MV}"; }
bj() { if [ "$1" = -c ]; then jq -c "$2" <<<"$BODY"; else jq -r "$1" <<<"$BODY"; fi; }
barbican() { # METHOD PATH [extra curl args...]
  local m=$1 p=$2; shift 2
  "${C[@]}" -X "$m" -H "X-Auth-Token: $TOKEN" "$@" "$LAB_BARBICAN_URL$p"
}
barbican_code() { "${C[@]}" -o /dev/null -w '%{http_code}' -H "X-Auth-Token: $TOKEN" "$LAB_BARBICAN_URL$1"; }
wait_vol() {  # volume-id wanted timeout -> 0 if reached ('gone' = 404)
  local id=$1 want=$2 t0 st; t0=$(now)
  while :; do
    cinder GET "/volumes/$id" "" 3.27; st=$(bj '.volume.status // "gone"' 2>/dev/null); [ "$CODE" = 404 ] && st=gone
    [ "$st" = "$want" ] && return 0
    case $st in error*) echo "  volume $id status $st" >&2; return 1 ;; esac
    gt "$(since "$t0")" "$3" && { echo "  timeout, volume $id status $st" >&2; return 1; }
    sleep 0.2
  done
}
enc_volume_cycle() {  # label -> full encrypted-volume cycle with the current TOKEN
  local label=$1 t0 vid kid meta n sc
  t0=$(now)
  cinder POST /volumes "{\"volume\":{\"size\":1,\"name\":\"selftest-$label\",\"volume_type\":\"$LAB_ENCRYPTED_VOLUME_TYPE\"}}"; vid=$(bj .volume.id)
  check "[$label] POST encrypted volume -> 202 ($CODE)" [ "$CODE" = 202 ]
  if wait_vol "$vid" available 120; then ok "[$label] encrypted volume $vid available after $(since "$t0") s"
  else bad "[$label] encrypted volume $vid did not become available"; fi
  cinder GET "/volumes/$vid/encryption"; kid=$(bj .encryption_key_id)
  echo "  GET /volumes/$vid/encryption -> $CODE $(bj -c .)"
  [ -n "$kid" ] && [ "$kid" != null ]; okif "[$label] GET /volumes/{id}/encryption has encryption_key_id ($kid)"
  meta=$(barbican GET "/v1/secrets/$kid")
  echo "  barbican secret: $(jq -c '{name,algorithm,bit_length,mode,secret_type,status,creator_id}' <<<"$meta")"
  n=$(barbican GET "/v1/secrets/$kid/payload" -H 'Accept: application/octet-stream' | wc -c)
  check "[$label] key payload readable from Barbican by the user ($n bytes)" [ "$n" = 32 ]
  if [ "$LAB_CINDER_BACKEND" = nfs ]; then
    local f; f=$(find "$LAB_VOLUME_DIR" -name "volume-$vid" | head -1)
    echo "  on disk: $f: $(qemu-img info "$f" 2>/dev/null | grep -E 'file format|virtual size|encrypt|format:' | tr '\n' ' ')"
    check "[$label] volume file is a LUKS-encrypted qcow2" sh -c "qemu-img info '$f' | grep -q 'format: luks'"
  fi
  t0=$(now)
  cinder DELETE "/volumes/$vid"
  check "[$label] DELETE volume -> 202 ($CODE)" [ "$CODE" = 202 ]
  if wait_vol "$vid" gone 60; then ok "[$label] volume deleted after $(since "$t0") s"; else bad "[$label] volume not deleted"; fi
  sc=$(barbican_code "/v1/secrets/$kid")
  check "[$label] key deleted from Barbican with the volume (GET secret -> $sc)" [ "$sc" = 404 ]
}

# ================================================================ part 1
echo "# keystone: tokens and roles"
t0=$(now); token_pw demo "$LAB_DEMO_PASSWORD" demo
check "keystone token for demo in $(since "$t0") s" [ -n "$TOKEN" ]
echo "  roles: $(token_roles), catalog: $(jq -c '[.token.catalog[].type] | sort' "$TOKJSON")"
check "demo has member, reader and Barbican's creator role" [ "$(token_roles)" = '["creator","member","reader"]' ]
check "token project is LAB_DEMO_PROJECT_ID" [ "$PROJECT_ID" = "$LAB_DEMO_PROJECT_ID" ]
life=$(jq -r '(.token.expires_at | sub("\\.[0-9]+Z$"; "Z") | fromdate) - (.token.issued_at | sub("\\.[0-9]+Z$"; "Z") | fromdate)' "$TOKJSON")
gt "$life" $((LAB_TOKEN_EXPIRATION - 3)) && ! gt "$life" $((LAB_TOKEN_EXPIRATION + 3))
okif "token lifetime ${life}s = LAB_TOKEN_EXPIRATION ($LAB_TOKEN_EXPIRATION)"
DEMO_TOKEN=$TOKEN

token_pw "$(ini "$LAB_CLOUD_CONF" username)" "$(ini "$LAB_CLOUD_CONF" password)" "$(ini "$LAB_CLOUD_CONF" tenant-name)" \
  "$(ini "$LAB_CLOUD_CONF" user-domain-name)" "$(ini "$LAB_CLOUD_CONF" domain-name)"
[ -n "$TOKEN" ] && [ "$PROJECT_ID" = "$LAB_DEMO_PROJECT_ID" ] && [ "$(ini "$LAB_CLOUD_CONF" auth-url)" = "$LAB_KEYSTONE_URL" ]
okif "cloud.conf ([Global] username/password/domains/tenant-name) authenticates as demo"
token_appcred "$(ini "$LAB_CLOUD_APPCRED_CONF" application-credential-id)" "$(ini "$LAB_CLOUD_APPCRED_CONF" application-credential-secret)"
[ -n "$TOKEN" ] && [ "$PROJECT_ID" = "$LAB_DEMO_PROJECT_ID" ]
okif "cloud-appcred.conf (application-credential-id/-secret) authenticates, project demo"
check "app credential token has demo's roles incl. creator ($(token_roles))" [ "$(token_roles)" = '["creator","member","reader"]' ]
[ "$(ini "$LAB_CLOUD_CONF" region)" = "$OS_REGION_NAME" ] && [ "$(ini "$LAB_CLOUD_APPCRED_CONF" region)" = "$OS_REGION_NAME" ]
okif "both cloud.conf files name region $OS_REGION_NAME"

echo "# barbican: store + read a 256-bit symmetric secret"
TOKEN=$DEMO_TOKEN PROJECT_ID=$LAB_DEMO_PROJECT_ID
KEY_B64=$(head -c 32 /dev/urandom | base64)
REF=$(barbican POST /v1/secrets -H 'Content-Type: application/json' -d "{\"name\":\"selftest-key\",\"secret_type\":\"symmetric\",\"algorithm\":\"aes\",\"bit_length\":256,\"mode\":\"xts\",\"payload\":\"$KEY_B64\",\"payload_content_type\":\"application/octet-stream\",\"payload_content_encoding\":\"base64\"}" | jq -r .secret_ref)
SECRET_ID=${REF##*/}
[ -n "$SECRET_ID" ] && [ "$SECRET_ID" != null ]; okif "secret stored: $REF"
GOT=$(barbican GET "/v1/secrets/$SECRET_ID/payload" -H 'Accept: application/octet-stream' | base64)
check "secret payload round-trips" [ "$GOT" = "$KEY_B64" ]

echo "# project isolation: alt (member+reader+creator of project alt) vs demo's secret"
token_pw "$LAB_ALT_USERNAME" "$LAB_ALT_PASSWORD" "$LAB_ALT_PROJECT_NAME"
[ -n "$TOKEN" ] && [ "$PROJECT_ID" = "$LAB_ALT_PROJECT_ID" ]; okif "keystone token for alt, project alt ($(token_roles))"
sc=$(barbican_code "/v1/secrets/$SECRET_ID"); check "alt: GET demo's secret -> 403 ($sc)" [ "$sc" = 403 ]
sc=$(barbican_code "/v1/secrets/$SECRET_ID/payload"); check "alt: GET demo's secret payload -> 403 ($sc)" [ "$sc" = 403 ]
sc=$("${C[@]}" -o /dev/null -w '%{http_code}' -X DELETE -H "X-Auth-Token: $TOKEN" "$LAB_BARBICAN_URL/v1/secrets/$SECRET_ID")
check "alt: DELETE demo's secret -> 403 ($sc)" [ "$sc" = 403 ]
AREF=$(barbican POST /v1/secrets -H 'Content-Type: application/json' -d '{"name":"selftest-alt","payload":"x","payload_content_type":"text/plain"}' | jq -r .secret_ref)
[ -n "$AREF" ] && [ "$AREF" != null ]; okif "alt can store its own secret"
[ -n "$AREF" ] && [ "$AREF" != null ] && barbican DELETE "/v1/secrets/${AREF##*/}" >/dev/null
TOKEN=$DEMO_TOKEN PROJECT_ID=$LAB_DEMO_PROJECT_ID

echo "# cinder: encrypted volume, password token"
enc_volume_cycle password

echo "# cinder: POST /volumes with an extra \"encryption_key_id\" field"
for mv in 3.0 3.52 3.53 3.70; do
  cinder POST /volumes "{\"volume\":{\"size\":1,\"name\":\"selftest-extra-$mv\",\"volume_type\":\"$LAB_ENCRYPTED_VOLUME_TYPE\",\"encryption_key_id\":\"$SECRET_ID\"}}" "$mv"
  echo "  microversion $mv -> HTTP $CODE: $(bj -c . 2>/dev/null | cut -c1-300)"
  vid=$(bj '.volume.id // empty')
  if [ -n "$vid" ]; then
    wait_vol "$vid" available 120 >/dev/null
    cinder GET "/volumes/$vid/encryption"; kid=$(bj .encryption_key_id)
    echo "    -> volume $vid encryption_key_id=$kid (given: $SECRET_ID; $( [ "$kid" = "$SECRET_ID" ] && echo USED || echo ignored))"
    cinder DELETE "/volumes/$vid"; wait_vol "$vid" gone 60 >/dev/null
  fi
done
sc=$(barbican_code "/v1/secrets/$SECRET_ID")
check "user's own secret survives those volume deletes (HTTP $sc)" [ "$sc" = 200 ]
barbican DELETE "/v1/secrets/$SECRET_ID" >/dev/null

echo "# cinder: snapshot of a plain (__DEFAULT__ type) volume; alt cannot see it"
t0=$(now)
cinder POST /volumes '{"volume":{"size":1,"name":"selftest-plain"}}'; vid=$(bj .volume.id)
if wait_vol "$vid" available 60; then ok "plain volume available after $(since "$t0") s"; else bad "plain volume"; fi
token_pw "$LAB_ALT_USERNAME" "$LAB_ALT_PASSWORD" "$LAB_ALT_PROJECT_NAME"
cinder GET "/volumes/$vid"; check "alt: GET demo's volume -> 404 ($CODE)" [ "$CODE" = 404 ]
TOKEN=$DEMO_TOKEN PROJECT_ID=$LAB_DEMO_PROJECT_ID
cinder POST /snapshots "{\"snapshot\":{\"volume_id\":\"$vid\",\"name\":\"selftest-snap\"}}"; sid=$(bj .snapshot.id)
st=; for _ in $(seq 1 150); do cinder GET "/snapshots/$sid"; st=$(bj .snapshot.status); { [ "$st" = available ] || [ "$st" = error ]; } && break; sleep 0.2; done
check "snapshot $sid -> $st" [ "$st" = available ]
cinder DELETE "/snapshots/$sid"
for _ in $(seq 1 150); do cinder GET "/snapshots/$sid"; [ "$CODE" = 404 ] && break; sleep 0.2; done
cinder DELETE "/volumes/$vid"
if wait_vol "$vid" gone 60; then ok "snapshot + plain volume deleted"; else bad "plain volume delete"; fi

echo "# cinder attachments API (3.54) without an instance_uuid"
cinder POST /volumes "{\"volume\":{\"size\":1,\"name\":\"selftest-attach\",\"volume_type\":\"$LAB_ENCRYPTED_VOLUME_TYPE\"}}"; vid=$(bj .volume.id)
wait_vol "$vid" available 120 >/dev/null
cinder POST /attachments "{\"attachment\":{\"volume_uuid\":\"$vid\",\"mode\":\"rw\",\"connector\":{\"host\":\"node1\",\"ip\":\"127.0.0.1\",\"multipath\":false,\"platform\":\"x86_64\",\"os_type\":\"linux\"}}}" 3.54
aid=$(bj .attachment.id); echo "  attachment $aid: $(bj -c '{status: .attachment.status, connection_info: (.attachment.connection_info | {driver_volume_type, export, name, format, encrypted})}')"
[ "$CODE" = 200 ] && [ "$(bj .attachment.connection_info.driver_volume_type)" != null ]; okif "attachment created with connection_info ($CODE)"
cinder POST "/attachments/$aid/action" '{"os-complete": null}' 3.54
cinder GET "/volumes/$vid"; check "os-complete -> volume in-use ($(bj .volume.status))" [ "$(bj .volume.status)" = in-use ]
cinder DELETE "/attachments/$aid" '' 3.54
if wait_vol "$vid" available 30; then ok "attachment deleted -> volume available"; else bad "detach"; fi
cinder DELETE "/volumes/$vid"; wait_vol "$vid" gone 60 >/dev/null

echo "# application credential token"
t0=$(now); token_appcred "$LAB_APPCRED_ID" "$LAB_APPCRED_SECRET"
check "keystone token from application credential in $(since "$t0") s" [ -n "$TOKEN" ]
enc_volume_cycle appcred

# ================================================================ part 2: Nova
if [ "${LAB_NOVA:-0}" != 1 ]; then
  echo "# nova: not running in this lab (LAB_NOVA=0): part 2 skipped"
else
NOVA_MV=${NOVA_MV:-2.89}     # 2.89: attachment_id + bdm_uuid in os-volume_attachments
wait_srv() {  # server-id wanted timeout   (wanted 'gone' = 404)
  local id=$1 want=$2 t0 st; t0=$(now)
  while :; do
    nova GET "/servers/$id"; st=$(bj '.server.status // "gone"' 2>/dev/null); [ "$CODE" = 404 ] && st=gone
    [ "$CODE" = 500 ] && { echo "  GET server: $BODY" >&2; return 1; }
    [ "$st" = "$want" ] && return 0
    [ "$st" = ERROR ] && { echo "  server $id ERROR: $(bj -c .server.fault)" >&2; return 1; }
    gt "$(since "$t0")" "$3" && { echo "  timeout, server $id status $st" >&2; return 1; }
    sleep 0.1
  done
}
new_volume() {  # name [type] -> VID; waits until available
  local body; body=$(jq -n --arg n "$1" --arg t "${2:-}" '{volume:({size:1,name:$n} + (if $t=="" then {} else {volume_type:$t} end))}')
  cinder POST /volumes "$body"; VID=$(bj .volume.id)
  [ "$CODE" = 202 ] && wait_vol "$VID" available 120
}
TIMINGS=()
attach_detach() {  # label server-id volume-id  (attach, verify both sides, list, detach)
  local label=$1 sid=$2 vid=$3 t0 att t_api
  t0=$(now)
  nova POST "/servers/$sid/os-volume_attachments" "$(jq -n --arg v "$vid" '{volumeAttachment:{volumeId:$v}}')"
  t_api=$(since "$t0")
  check "$label: POST os-volume_attachments -> 200 (got $CODE in ${t_api}s)" [ "$CODE" = 200 ]
  echo "  response: $(bj -c .)"
  [ "$(bj .volumeAttachment.volumeId)" = "$vid" ] && [ "$(bj .volumeAttachment.serverId)" = "$sid" ] && [ "$(bj .volumeAttachment.device)" != null ]
  okif "$label: response has device $(bj .volumeAttachment.device), volumeId, serverId"
  if wait_vol "$vid" in-use 60; then
    ok "$label: cinder volume in-use after $(since "$t0")s"; TIMINGS+=("$label attach->in-use $(since "$t0")s")
  else bad "$label: volume in-use"; fi
  cinder GET "/volumes/$vid" "" 3.27
  echo "  cinder attachments: $(bj -c '.volume.attachments')"
  check "$label: cinder attachment names the server (server_id=$sid)" [ "$(bj '.volume.attachments[0].server_id')" = "$sid" ]
  att=$(bj '.volume.attachments[0].attachment_id')
  cinder GET "/attachments/$att" "" 3.27
  echo "  cinder attachment: $(bj -c '.attachment | {status, instance, attach_mode, connection_info: (.connection_info | if . then {driver_volume_type, name, format, encrypted, attachment_id} else null end)}')"
  [ "$(bj .attachment.status)" = attached ] && [ "$(bj .attachment.instance)" = "$sid" ]
  okif "$label: cinder attachment attached, instance=$sid"
  nova GET "/servers/$sid/os-volume_attachments"
  echo "  list: $(bj -c '[.volumeAttachments[] | {volumeId, device, tag, delete_on_termination, attachment_id, bdm_uuid}]')"
  check "$label: GET os-volume_attachments lists it, same attachment_id as Cinder's ($att)" \
    [ "$(bj "[.volumeAttachments[] | select(.volumeId==\"$vid\" and .attachment_id==\"$att\")] | length")" = 1 ]
  nova GET "/servers/$sid/os-volume_attachments/$vid"
  check "$label: GET os-volume_attachments/{vol} -> 200" [ "$CODE" = 200 ]
  nova GET "/servers/$sid"
  check "$label: server shows it in os-extended-volumes:volumes_attached" \
    [ "$(bj "[.server[\"os-extended-volumes:volumes_attached\"][] | select(.id==\"$vid\")] | length")" = 1 ]
  t0=$(now)
  nova DELETE "/servers/$sid/os-volume_attachments/$vid"
  check "$label: DELETE os-volume_attachments/{vol} -> 202 (got $CODE in $(since "$t0")s)" [ "$CODE" = 202 ]
  if wait_vol "$vid" available 60; then
    ok "$label: cinder volume available after $(since "$t0")s"; TIMINGS+=("$label detach->available $(since "$t0")s")
  else bad "$label: volume available again"; fi
  cinder GET "/volumes/$vid" "" 3.27
  check "$label: no cinder attachments left" [ "$(bj '.volume.attachments | length')" = 0 ]
  nova GET "/servers/$sid/os-volume_attachments"
  check "$label: attachment gone from Nova's list" [ "$(bj "[.volumeAttachments[] | select(.volumeId==\"$vid\")] | length")" = 0 ]
}

echo "# nova: volume attach/detach through the Compute API (fake virt driver)"
token_pw demo "$LAB_DEMO_PASSWORD" demo
check "demo token; catalog has compute, placement, volumev3" \
  [ "$(jq -r '[.token.catalog[].type] | (index("compute")!=null and index("placement")!=null and index("volumev3")!=null)' "$TOKJSON")" = true ]

# ---- the lab's test server
SID=$LAB_NOVA_SERVER_ID
nova GET "/servers/$SID"
[ "$CODE" = 200 ] && [ "$(bj .server.status)" = ACTIVE ]; okif "GET /servers/\$LAB_NOVA_SERVER_ID -> 200 ACTIVE (got $CODE $(bj .server.status 2>/dev/null))"
echo "  server: $(bj -c '.server | {status, "OS-EXT-STS:power_state", "OS-EXT-AZ:availability_zone", addresses, image, metadata, volumes: .["os-extended-volumes:volumes_attached"], security_groups}' 2>/dev/null)"

# ---- plain volume attach/detach on it
if new_volume selftest-nova-plain; then ok "plain volume available"; else bad "plain volume available"; fi
PLAIN=$VID
attach_detach plain "$SID" "$PLAIN"

# ---- negative cases a CSI driver maps to gRPC codes
nova DELETE "/servers/$SID/os-volume_attachments/$PLAIN"
check "DELETE a volume that is not attached -> 404 (got $CODE)" [ "$CODE" = 404 ]
nova POST "/servers/00000000-0000-0000-0000-000000000000/os-volume_attachments" "$(jq -n --arg v "$PLAIN" '{volumeAttachment:{volumeId:$v}}')"
check "attach to a server that does not exist -> 404 (got $CODE)" [ "$CODE" = 404 ]
nova POST "/servers/$SID/os-volume_attachments" '{"volumeAttachment":{"volumeId":"00000000-0000-0000-0000-000000000000"}}'
check "attach a volume that does not exist -> 404 (got $CODE)" [ "$CODE" = 404 ]

# ---- encrypted (LUKS) volume with the fake virt driver
if new_volume selftest-nova-luks "$LAB_ENCRYPTED_VOLUME_TYPE"; then ok "luks volume available"; else bad "luks volume available"; fi
LUKS=$VID
attach_detach luks "$SID" "$LUKS"

# ---- a fresh server: boot from a bootable volume, no image, no network; attach twice
if new_volume selftest-nova-root; then ok "root volume available"; else bad "root volume available"; fi
ROOT=$VID
cinder POST "/volumes/$ROOT/action" '{"os-set_bootable":{"bootable":true}}'
check "os-set_bootable as demo -> 200 (got $CODE)" [ "$CODE" = 200 ]
T0=$(now)
nova POST /servers "$(jq -n --arg v "$ROOT" --arg f "$LAB_NOVA_FLAVOR_ID" '{server:{name:"selftest-nova-server",flavorRef:$f,networks:"none",
  block_device_mapping_v2:[{boot_index:0,uuid:$v,source_type:"volume",destination_type:"volume",delete_on_termination:false}]}}')"
check "POST /servers (no imageRef, networks none, BDM v2 volume) -> 202 (got $CODE)" [ "$CODE" = 202 ]
NEW=$(bj .server.id)
if wait_srv "$NEW" ACTIVE 120; then ok "new server ACTIVE after $(since "$T0")s"; TIMINGS+=("server create->ACTIVE $(since "$T0")s")
else bad "new server ACTIVE"; fi
cinder GET "/volumes/$ROOT" "" 3.27
[ "$(bj .volume.status)" = in-use ] && [ "$(bj '.volume.attachments[0].server_id')" = "$NEW" ]; okif "root volume in-use by the new server"
attach_detach "plain@new" "$NEW" "$PLAIN"
# two volumes at once (device names)
nova POST "/servers/$NEW/os-volume_attachments" "$(jq -n --arg v "$PLAIN" '{volumeAttachment:{volumeId:$v}}')"; D1=$(bj .volumeAttachment.device)
nova POST "/servers/$NEW/os-volume_attachments" "$(jq -n --arg v "$LUKS" '{volumeAttachment:{volumeId:$v}}')"; D2=$(bj .volumeAttachment.device)
wait_vol "$PLAIN" in-use 60; wait_vol "$LUKS" in-use 60
[ "$D1" != "$D2" ] && [ "$D1" != null ] && [ "$D2" != null ]; okif "two attachments at once get distinct devices ($D1, $D2)"
nova POST "/servers/$NEW/os-volume_attachments" "$(jq -n --arg v "$PLAIN" '{volumeAttachment:{volumeId:$v}}')"
[ "$CODE" = 400 ] || [ "$CODE" = 409 ]; okif "attach an in-use volume again -> 400/409 (got $CODE)"
# delete the server with volumes attached: Nova detaches them
T0=$(now)
nova DELETE "/servers/$NEW"
check "DELETE /servers/{id} -> 204 (got $CODE)" [ "$CODE" = 204 ]
if wait_srv "$NEW" gone 120; then ok "server gone after $(since "$T0")s"; TIMINGS+=("server delete->gone $(since "$T0")s")
else bad "server deleted"; fi
for v in "$ROOT" "$PLAIN" "$LUKS"; do
  if wait_vol "$v" available 60; then ok "volume $v available after server delete"; else bad "volume $v available after server delete"; fi
done

# ---- cleanup
for v in "$ROOT" "$PLAIN" "$LUKS"; do cinder DELETE "/volumes/$v"; done
for v in "$ROOT" "$PLAIN" "$LUKS"; do wait_vol "$v" gone 60 || bad "delete volume $v"; done
echo "nova timings: ${TIMINGS[*]/%/;}"
fi

rm -f "$TOKJSON"
echo "$PASS passed, $FAIL failed"
[ "$FAIL" = 0 ]
