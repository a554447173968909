#!/usr/bin/env bash
# tests/lab/up.sh - bring up a REAL, loopback-only OpenStack Zed control plane from
# Debian bookworm packages, for the driver's integration tests:
#   Keystone (uwsgi) + Barbican (simple_crypto) + Cinder api/scheduler/volume (real NFS
#   driver on plain files in a bind-mounted local dir) + RabbitMQ + a private MariaDB
#   (unix socket only), and by default (LAB_NOVA=1) real Nova: placement-api, nova-api,
#   nova-conductor, nova-scheduler, nova-compute with the fake virt driver
#   (nova.virt.fake.FakeDriver), an API-only neutron-server (Nova's server show/list/
#   delete always ask Neutron for ports), plus a test server booted from a Cinder volume
#   with "networks": "none" (no Glance, no image). Everything binds 127.0.0.1 only.
#
#   usage:  eval "$(tests/lab/up.sh STATE_DIR)"   # stdout = 'export VAR=...' lines only
#           (progress goes to stderr; the same lines are in STATE_DIR/env.sh)
#   stop:   tests/lab/down.sh STATE_DIR [--purge]
#   check:  tests/lab/selftest.sh STATE_DIR
#
# Idempotent: installs missing packages, (re)writes configs under STATE_DIR, runs db
# syncs / bootstrap (all idempotent, skipped when already done), starts the services
# that are not running, RESTARTS a running service whose config or command line changed
# (e.g. a new LAB_TOKEN_EXPIRATION), waits until every API answers and the scheduler
# sees the volume backend, then prints credentials/endpoints. PIDs are in
# STATE_DIR/run/*.pid; every process started carries LAB_SVC_OF=<STATE_DIR> in its
# environment, which is how down.sh knows what is ours. See tests/lab/README.md.
#
# Knobs (env; the variable prefix is LAB_ everywhere, knobs and exports alike):
#   LAB_KEYSTONE_PORT=5000 LAB_BARBICAN_PORT=9311 LAB_CINDER_PORT=8776
#   LAB_RABBIT_PORT=5672 LAB_RABBIT_DIST_PORT=25672 LAB_EPMD_PORT=14369
#   LAB_NOVA_PORT=8774 LAB_PLACEMENT_PORT=8778 LAB_NEUTRON_PORT=9696
#   LAB_REGION=RegionOne LAB_API_THREADS=4
#   LAB_NOVA=1|0  (0: no placement/nova/neutron: ~20 s faster, ~1 GiB less RSS)
#   LAB_NOVA_NETWORK=neutron|none  (none: no neutron-server; Nova's GET /servers/{id},
#     /servers/detail and server DELETE then answer 500 EndpointNotFound)
#   LAB_NOVA_API_PROCESSES=1  (uwsgi processes for nova-api, 1 request at a time each)
#   LAB_TOKEN_EXPIRATION=<seconds>  Keystone [token] expiration (default: Keystone's own,
#     3600). Short values (e.g. 60) let tests exercise token refresh.
#   LAB_BARBICAN_NEW_DEFAULTS=true|false  Barbican [oslo_policy] enforce_new_defaults
#     (true as in the reference lab: 'member' may create secrets; false: Zed's legacy
#     rules, where creating secrets needs 'creator' -- demo and alt have both roles)
#   LAB_DB=mariadb|sqlite  (sqlite only for sequential use and LAB_NOVA=0: ~10
#     concurrent volume ops make Cinder's 3 processes fail with "database is locked")
#   LAB_CINDER_BACKEND=nfs|fake  (fake: cinder.tests.fake_driver, no data, no mount)
#   LAB_DEBUG=true|false  LAB_NO_INSTALL=1  LAB_KEEP_ON_FAILURE=1  LAB_WAIT=120
#   LAB_DEMO_VOLUME_QUOTA=50  the demo project's volume and snapshot quota (raised, never lowered)
#   LAB_ADMIN_PASSWORD / LAB_DEMO_PASSWORD / LAB_ALT_PASSWORD (used only when STATE_DIR is new)
#   CINDER_BYOK=1  run contrib/cinder-byok/apply.sh (repo root) if that file exists, then
#     restart the cinder services (see "BYOK hook" below; a no-op when the file is absent)
set -euo pipefail

STATE_DIR=${1:-${LAB_STATE_DIR:-/tmp/lab}}
mkdir -p "$STATE_DIR"
STATE_DIR=$(cd "$STATE_DIR" && pwd -P)
SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)
REPO_ROOT=$(cd "$SCRIPT_DIR/../.." && pwd -P)

KS_PORT=${LAB_KEYSTONE_PORT:-5000}
BARBICAN_PORT=${LAB_BARBICAN_PORT:-9311}
CINDER_PORT=${LAB_CINDER_PORT:-8776}
RABBIT_PORT=${LAB_RABBIT_PORT:-5672}
RABBIT_DIST_PORT=${LAB_RABBIT_DIST_PORT:-25672}
EPMD_PORT=${LAB_EPMD_PORT:-14369}
REGION=${LAB_REGION:-RegionOne}
API_THREADS=${LAB_API_THREADS:-4}
BACKEND=${LAB_CINDER_BACKEND:-nfs}
DB=${LAB_DB:-mariadb}
DEBUG=${LAB_DEBUG:-false}
# Nova is on by default; sqlite cannot carry it (see the check below), so there it is off
NOVA=${LAB_NOVA:-$([ "$DB" = sqlite ] && echo 0 || echo 1)}
TOKEN_EXPIRATION=${LAB_TOKEN_EXPIRATION:-}
BARBICAN_NEW_DEFAULTS=${LAB_BARBICAN_NEW_DEFAULTS:-true}
BYOK_HOOK=$REPO_ROOT/contrib/cinder-byok/apply.sh
NOVA_PORT=${LAB_NOVA_PORT:-8774}
PLACEMENT_PORT=${LAB_PLACEMENT_PORT:-8778}
NEUTRON_PORT=${LAB_NEUTRON_PORT:-9696}
NOVA_NETWORK=${LAB_NOVA_NETWORK:-neutron}
IP=127.0.0.1
PY=/usr/bin/python3            # never the pyenv python3 that may be first in PATH
KS_URL="http://$IP:$KS_PORT/v3"
BARBICAN_URL="http://$IP:$BARBICAN_PORT"
CINDER_BASE="http://$IP:$CINDER_PORT"
ENC_TYPE=luks
NOVA_BASE="http://$IP:$NOVA_PORT"
NOVA_URL="$NOVA_BASE/v2.1"
PLACEMENT_URL="http://$IP:$PLACEMENT_PORT"
NEUTRON_URL="http://$IP:$NEUTRON_PORT"
NEUTRON=0
[ "$NOVA" = 1 ] && [ "$NOVA_NETWORK" = neutron ] && NEUTRON=1

ETC=$STATE_DIR/etc
RUN=$STATE_DIR/run
LOGDIR=$STATE_DIR/log
export no_proxy="127.0.0.1,localhost${no_proxy:+,$no_proxy}" NO_PROXY="127.0.0.1,localhost${NO_PROXY:+,$NO_PROXY}"

T0=$(date +%s.%N)
log() { printf '[lab +%6.1fs] %s\n' "$(awk -v a="$(date +%s.%N)" -v b="$T0" 'BEGIN{print a-b}')" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

[ "$(id -u)" = 0 ] || die "must run as root (package install, bind mount)"
case $DB in mariadb|sqlite) ;; *) die "LAB_DB must be mariadb or sqlite" ;; esac
case $BACKEND in nfs|fake) ;; *) die "LAB_CINDER_BACKEND must be nfs or fake" ;; esac
case $NOVA in 0|1) ;; *) die "LAB_NOVA must be 0 or 1" ;; esac
# nova-api/conductor/scheduler/compute + placement = 5 more writers: sqlite is not an option
[ "$NOVA" = 1 ] && [ "$DB" != mariadb ] && die "LAB_NOVA=1 needs LAB_DB=mariadb"
case $NOVA_NETWORK in neutron|none) ;; *) die "LAB_NOVA_NETWORK must be neutron or none" ;; esac
case $TOKEN_EXPIRATION in '') ;; *[!0-9]*) die "LAB_TOKEN_EXPIRATION must be a number of seconds" ;; esac
case $DEBUG in true|false) ;; *) die "LAB_DEBUG must be true or false" ;; esac
# uwsgi reads a non-number as 0 and oslo.config fails late: check numbers up front
for kv in "LAB_KEYSTONE_PORT=$KS_PORT" "LAB_BARBICAN_PORT=$BARBICAN_PORT" "LAB_CINDER_PORT=$CINDER_PORT" \
          "LAB_RABBIT_PORT=$RABBIT_PORT" "LAB_RABBIT_DIST_PORT=$RABBIT_DIST_PORT" "LAB_EPMD_PORT=$EPMD_PORT" \
          "LAB_NOVA_PORT=$NOVA_PORT" "LAB_PLACEMENT_PORT=$PLACEMENT_PORT" "LAB_NEUTRON_PORT=$NEUTRON_PORT" \
          "LAB_API_THREADS=$API_THREADS" "LAB_NOVA_API_PROCESSES=${LAB_NOVA_API_PROCESSES:-1}"; do
  case ${kv#*=} in ''|*[!0-9]*|0) die "${kv%%=*} must be a positive number, got '${kv#*=}'" ;; esac
done
case $BARBICAN_NEW_DEFAULTS in true|false) ;; *) die "LAB_BARBICAN_NEW_DEFAULTS must be true or false" ;; esac

# ---------------------------------------------------------------- packages
PKGS=(keystone barbican-api cinder-api cinder-scheduler cinder-volume rabbitmq-server
      uwsgi-core uwsgi-plugin-python3 python3-openstackclient python3-barbicanclient
      python3-cinderclient qemu-utils nfs-common curl iproute2 jq)
# jq: selftest.sh (and the driver's shell tests) parse the APIs' JSON with it
[ "$DB" = mariadb ] && PKGS+=(mariadb-server python3-pymysql)
# nova-compute depends on "nova-compute-kvm | nova-compute-hypervisor"; nova-compute-ironic
# is the lightest provider (no libvirt daemon, no qemu-system*). It is never used:
# our nova.conf sets compute_driver = fake.FakeDriver (ships in python3-nova).
[ "$NOVA" = 1 ] && PKGS+=(placement-api nova-api nova-conductor nova-scheduler nova-compute nova-compute-ironic)
[ "$NEUTRON" = 1 ] && PKGS+=(neutron-server)
# nfs-common: the NFS driver checks that mount.nfs exists (it never mounts NFS here)
install_packages() {
  local missing=() p made_policy=
  for p in "${PKGS[@]}"; do
    dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null | grep -qx installed || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  [ -n "${LAB_NO_INSTALL:-}" ] && die "missing packages: ${missing[*]}"
  log "installing ${#missing[@]} missing packages: ${missing[*]}"
  # Packages' postinst must not start daemons (rabbitmq would listen on 0.0.0.0).
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d; chmod 755 /usr/sbin/policy-rc.d; made_policy=1
  fi
  local apt=(apt-get -o DPkg::Lock::Timeout=600 -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold)
  local rc=0
  # update first: on a fresh machine the package lists may be missing or stale
  { DEBIAN_FRONTEND=noninteractive "${apt[@]}" update >&2 &&
    DEBIAN_FRONTEND=noninteractive "${apt[@]}" install -y --no-install-recommends "${missing[@]}" >&2; } || rc=$?
  [ -n "$made_policy" ] && rm -f /usr/sbin/policy-rc.d
  [ $rc = 0 ] || die "apt-get install failed (rc=$rc)"
  log "packages installed"
}

# ---------------------------------------------------------------- process helpers
is_ours() {   # pid -> true if that process was started by us for this STATE_DIR
  local pid=$1
  [ -n "$pid" ] && { tr '\0' '\n' < "/proc/$pid/environ"; } 2>/dev/null | grep -qxF "LAB_SVC_OF=$STATE_DIR"
}
svc_pid() { cat "$RUN/$1.pid" 2>/dev/null || true; }
svc_running() { is_ours "$(svc_pid "$1")"; }
port_busy() { ss -Hltn "sport = :$1" 2>/dev/null | grep -q .; }
# Config fingerprint of a service: its command line + the files in SVC_CONF[name]. A
# running service whose fingerprint changed since its start (new knob, hook, package
# config...) is restarted, so a re-run of up.sh always leaves the requested config live.
declare -A SVC_CONF=()
svc_fingerprint() {  # name cmd...
  local name=$1 f; shift
  { printf '%s\0' "$@"; for f in ${SVC_CONF[$name]:-}; do cat "$f" 2>/dev/null; done; } | md5sum | cut -d' ' -f1
}
# Services get a fixed, minimal environment (env -i): nothing from the caller's shell
# (a pyenv python3 first in PATH, http_proxy, OS_* variables of an earlier eval) leaks in.
SVC_ENV=(PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8)
start_svc() {  # name port cmd...   (port '-' = none to check)
  local name=$1 port=$2; shift 2
  local fp; fp=$(svc_fingerprint "$name" "$@")
  # what svc.sh needs to start this service again by itself (fault-injection tests)
  { printf 'SVC_PORT=%q\n' "$port"; printf 'SVC_CMD=('; printf '%q ' "$@"; printf ')\n'
    printf 'SVC_ENV=('; printf '%q ' "${SVC_ENV[@]}"; printf ')\n'; } > "$RUN/$name.cmd"
  if svc_running "$name"; then
    if [ "$(cat "$RUN/$name.fp" 2>/dev/null)" = "$fp" ]; then
      log "$name already running (pid $(svc_pid "$name"))"; return 0
    fi
    log "$name: config or command line changed since its start: restarting it"
    "$SCRIPT_DIR/down.sh" "$STATE_DIR" --only "$name" >&2
  fi
  if [ "$port" != - ] && port_busy "$port"; then
    die "port $port (for $name) is already in use by a process this script did not start: $(ss -Hltnp "sport = :$port" | head -1)"
  fi
  echo "----- lab: starting $name at $(date -Is) -----" >> "$LOGDIR/$name.log"
  # setsid: own session/process group (pgid == pid), so down can signal the whole tree.
  ( cd "$STATE_DIR" && exec setsid env -i "${SVC_ENV[@]}" LAB_SVC_OF="$STATE_DIR" LAB_SERVICE="$name" "$@" ) \
      >>"$LOGDIR/$name.log" 2>&1 </dev/null &
  local pid=$!
  echo $pid > "$RUN/$name.pid"
  echo "$fp" > "$RUN/$name.fp"
  STARTED+=("$name")
  # The marker is in /proc/PID/environ only once 'env' has exec'd the service; until then
  # svc_running says "not running" (seen once: "mariadb exited while waiting" 1 ms after
  # the start). Wait for the marker (or for the process to be gone), at most 2 s.
  for _ in $(seq 1 40); do is_ours "$pid" && break; kill -0 "$pid" 2>/dev/null || break; sleep 0.05; done
  log "started $name (pid $pid)"
}
wait_until() {  # name timeout_s description cmd...
  local name=$1 timeout=$2 what=$3; shift 3
  local t=$SECONDS
  until "$@" >/dev/null 2>&1; do
    if [ "$name" != - ] && ! svc_running "$name"; then
      tail -n 30 "$LOGDIR/$name.log" >&2 || true
      die "$name exited while waiting for $what (log: $LOGDIR/$name.log)"
    fi
    (( SECONDS - t < timeout )) || { tail -n 30 "$LOGDIR/$name.log" >&2 || true; die "timeout (${timeout}s) waiting for $what"; }
    sleep 0.3
  done
  log "$what: ok"
}
http_answers() { curl --noproxy '*' -s -o /dev/null -m 5 "$1"; }   # any HTTP status
tcp_open() { (exec 3<>"/dev/tcp/$IP/$1") 2>/dev/null; }

STARTED=()
on_fail() {
  local rc=$?
  [ $rc = 0 ] && return
  if [ -z "${LAB_KEEP_ON_FAILURE:-}" ] && [ ${#STARTED[@]} -gt 0 ]; then
    log "bring-up failed (rc=$rc): stopping what this run started (set LAB_KEEP_ON_FAILURE=1 to keep)"
    if [ -z "$WAS_RUNNING" ]; then   # nothing ran before us: full down (also unmounts)
      "$SCRIPT_DIR/down.sh" "$STATE_DIR" >&2 || true
    else                             # a re-run: leave the services that were already up
      "$SCRIPT_DIR/down.sh" "$STATE_DIR" --only "$(IFS=,; echo "${STARTED[*]}")" >&2 || true
    fi
  fi
}
trap on_fail EXIT

# ---------------------------------------------------------------- main
# The lab uses Debian's binaries only (never a pyenv python3 or /usr/local overrides)
export PATH=/usr/sbin:/usr/bin:/sbin:/bin
install_packages
WAS_RUNNING=$(for f in "$RUN"/*.pid; do [ -e "$f" ] || continue; is_ours "$(cat "$f")" && echo "${f##*/}"; done 2>/dev/null || true)
mkdir -p "$ETC"/{keystone,barbican,cinder/rootwrap.d,cinder/cinder.conf.d,rabbitmq} "$RUN" "$LOGDIR/rabbitmq" \
         "$STATE_DIR"/keystone/{fernet-keys,credential-keys} "$STATE_DIR"/barbican \
         "$STATE_DIR"/cinder/{lock,mnt,conversion,volumes} "$STATE_DIR"/nfs-export \
         "$STATE_DIR"/rabbitmq/mnesia "$STATE_DIR"/home/barbican "$STATE_DIR"/bin
[ "$NOVA" = 1 ] && mkdir -p "$ETC"/{nova,placement} "$STATE_DIR"/nova/{instances,lock} "$STATE_DIR"/placement
[ "$NEUTRON" = 1 ] && mkdir -p "$ETC"/neutron "$STATE_DIR"/neutron/lock
touch "$STATE_DIR/.lab-state"
chmod 700 "$STATE_DIR" "$STATE_DIR"/keystone/{fernet-keys,credential-keys}

SECRETS=$STATE_DIR/secrets.env
gen() { head -c 24 /dev/urandom | base64 | tr -dc 'A-Za-z0-9' | head -c 20; }
if [ ! -s "$SECRETS" ]; then
  umask 077
  cat > "$SECRETS" <<EOF
ADMIN_PASSWORD=${LAB_ADMIN_PASSWORD:-$(gen)}
DEMO_PASSWORD=${LAB_DEMO_PASSWORD:-$(gen)}
SERVICE_PASSWORD=$(gen)
RABBIT_PASSWORD=$(gen)
BARBICAN_KEK=$(head -c 32 /dev/urandom | base64)
EOF
  umask 022
fi
grep -q '^DB_PASSWORD=' "$SECRETS" || echo "DB_PASSWORD=$(gen)" >> "$SECRETS"
grep -q '^ALT_PASSWORD=' "$SECRETS" || echo "ALT_PASSWORD=${LAB_ALT_PASSWORD:-$(gen)}" >> "$SECRETS"
# shellcheck disable=SC1090
. "$SECRETS"
MYSQL_SOCK=$STATE_DIR/mysql/mysqld.sock
db_url() {  # dbname -> SQLAlchemy URL
  case $DB in
    mariadb) echo "mysql+pymysql://lab:$DB_PASSWORD@localhost/$1?unix_socket=$MYSQL_SOCK&charset=utf8" ;;
    sqlite)  echo "sqlite:///$STATE_DIR/$1/$1.db?check_same_thread=false" ;;
    *) die "LAB_DB must be mariadb or sqlite" ;;
  esac
}
TRANSPORT="rabbit://openstack:$RABBIT_PASSWORD@$IP:$RABBIT_PORT/"

authtoken_section() {  # service-user name
  cat <<EOF
[keystone_authtoken]
www_authenticate_uri = $KS_URL
auth_url = $KS_URL
auth_type = password
user_domain_name = Default
project_domain_name = Default
project_name = service
username = $1
password = $SERVICE_PASSWORD
region_name = $REGION
EOF
}

# ---- RabbitMQ (+ our own epmd, loopback only)
cat > "$ETC/rabbitmq/rabbitmq.conf" <<EOF
listeners.tcp.default = $IP:$RABBIT_PORT
default_user = openstack
default_pass = $RABBIT_PASSWORD
loopback_users = none
disk_free_limit.absolute = 50MB
EOF
echo '[].' > "$ETC/rabbitmq/enabled_plugins"
: > "$ETC/rabbitmq/rabbitmq-env.conf"

# ---- Keystone
cat > "$ETC/keystone/keystone.conf" <<EOF
[DEFAULT]
debug = $DEBUG
use_stderr = true
[database]
connection = $(db_url keystone)
[token]
provider = fernet
${TOKEN_EXPIRATION:+expiration = $TOKEN_EXPIRATION}
[fernet_tokens]
key_repository = $STATE_DIR/keystone/fernet-keys
[credential]
key_repository = $STATE_DIR/keystone/credential-keys
[cache]
# in-process cache (1 uwsgi worker): token validation/catalog/assignments ~3x faster
enabled = true
backend = dogpile.cache.memory
[identity]
# bcrypt cost 4 instead of 12: every password auth ~0.3 s faster (test lab only)
password_hash_rounds = 4
EOF

# ---- Barbican (oslo.config only reads default locations for barbican: we point HOME at it)
ln -sfn "$ETC/barbican" "$STATE_DIR/home/barbican/.barbican"
{ cat <<EOF
[DEFAULT]
debug = $DEBUG
use_stderr = true
host_href = $BARBICAN_URL
sql_connection = $(db_url barbican)
db_auto_create = false
transport_url = $TRANSPORT
[oslo_messaging_notifications]
driver = noop
[keystone_notifications]
enable = false
[queue]
enable = false
[secretstore]
enabled_secretstore_plugins = store_crypto
[crypto]
enabled_crypto_plugins = simple_crypto
[simple_crypto_plugin]
kek = $BARBICAN_KEK
[oslo_policy]
# true: Zed's new RBAC defaults, project 'member' may create/read its secrets & orders;
# false: the legacy defaults, which require the 'creator' role (demo and alt have it).
# Either way a secret of another project answers 403.
enforce_new_defaults = $BARBICAN_NEW_DEFAULTS
EOF
  authtoken_section barbican; } > "$ETC/barbican/barbican.conf"

# ---- Cinder
NFS_SHARE="$IP:$STATE_DIR/nfs-export"
NFS_MNT="$STATE_DIR/cinder/mnt/$(printf %s "$NFS_SHARE" | md5sum | cut -d' ' -f1)"
# With NFS a second backend on the same share serves a second availability zone, so that
# the driver's zone choice (topology) is tested against two real zones.
SECOND_ZONE=nova-b
case $BACKEND in
  nfs)  BACKEND_NAME=nfs-1 BACKENDS=nfs-1,nfs-2 ;;
  fake) BACKEND_NAME=fake-1 BACKENDS=fake-1 ;;
  *) die "LAB_CINDER_BACKEND must be nfs or fake" ;;
esac
echo "$NFS_SHARE" > "$ETC/cinder/nfs_shares"
cat > "$ETC/cinder/rootwrap.conf" <<EOF
[DEFAULT]
filters_path=/etc/cinder/rootwrap.d,$ETC/cinder/rootwrap.d
exec_dirs=/sbin,/usr/sbin,/bin,/usr/bin,/usr/local/bin,/usr/local/sbin
use_syslog=False
EOF
ESC_ETC=$(printf %s "$ETC" | sed 's/[].[^$*+?(){}|\\]/\\&/g')
cat > "$ETC/cinder/rootwrap.d/lab.filters" <<EOF
[Filters]
# same as Debian's privsep filters, but for config files under $ETC
privsep-rootwrap-lab: RegExpFilter, privsep-helper, root, privsep-helper, --config-file, $ESC_ETC/cinder/cinder\.conf, --privsep_context, .*, --privsep_sock_path, /tmp/.*
privsep-rootwrap-lab-d: RegExpFilter, privsep-helper, root, privsep-helper, --config-file, $ESC_ETC/cinder/cinder\.conf, --config-dir, $ESC_ETC/cinder/cinder\.conf\.d, --privsep_context, .*, --privsep_sock_path, /tmp/.*
EOF
CINDER_NOVA_AUTH=
if [ "$NOVA" = 1 ]; then
  # privileged calls to Nova (server external events: volume-extended, ...)
  CINDER_NOVA_AUTH="interface = public
auth_type = password
auth_url = $KS_URL
user_domain_name = Default
project_domain_name = Default
project_name = service
username = cinder
password = $SERVICE_PASSWORD"
fi
{ cat <<EOF
[DEFAULT]
debug = $DEBUG
use_stderr = true
host = lab
my_ip = $IP
state_path = $STATE_DIR/cinder
transport_url = $TRANSPORT
auth_strategy = keystone
api_paste_config = /etc/cinder/api-paste.ini
rootwrap_config = $ETC/cinder/rootwrap.conf
enabled_backends = $BACKENDS
osapi_volume_listen = $IP
osapi_volume_listen_port = $CINDER_PORT
glance_api_servers = http://$IP:9292
image_conversion_dir = $STATE_DIR/cinder/conversion
volumes_dir = $STATE_DIR/cinder/volumes
# cinder-scheduler asks the volume services for their capabilities only once, at its start,
# by a fanout cast; if cinder-volume does not consume yet, that request is lost and the
# pool appears only with cinder-volume's periodic report, by default 60-120 s later (seen:
# an 'up' after 'down' took 107 s). Report every 10 s, the first one right at start.
periodic_interval = 10
periodic_fuzzy_delay = 0
[database]
connection = $(db_url cinder)
[oslo_concurrency]
lock_path = $STATE_DIR/cinder/lock
[oslo_messaging_notifications]
driver = noop
[key_manager]
backend = barbican
[barbican]
auth_endpoint = $KS_URL
barbican_endpoint_type = public
barbican_region_name = $REGION
[nova]
region_name = $REGION
${CINDER_NOVA_AUTH}
EOF
  authtoken_section cinder
  if [ "$NOVA" = 1 ]; then cat <<EOF
# Nova detaches with the user's token + Nova's service token (X-Service-Token);
# Cinder lets only a *service* delete an attachment that belongs to a server.
service_token_roles = service
service_token_roles_required = true
EOF
  fi
  if [ "$BACKEND" = nfs ]; then for name in ${BACKENDS//,/ }; do cat <<EOF
[$name]
volume_driver = cinder.volume.drivers.nfs.NfsDriver
volume_backend_name = $name
$([ "$name" = nfs-2 ] && echo "backend_availability_zone = $SECOND_ZONE")
nfs_shares_config = $ETC/cinder/nfs_shares
nfs_mount_point_base = $STATE_DIR/cinder/mnt
nfs_mount_attempts = 1
nfs_sparsed_volumes = true
nfs_snapshot_support = true
# snapshots need secure_file_operations=false (runs file ops "as root": we are root anyway)
nas_secure_file_operations = false
nas_secure_file_permissions = true
EOF
  done
  else cat <<EOF
[$BACKEND_NAME]
volume_driver = cinder.tests.fake_driver.FakeLoggingVolumeDriver
volume_backend_name = $BACKEND_NAME
EOF
  fi; } > "$ETC/cinder/cinder.conf"

if [ "$NOVA" = 1 ]; then
# ---- Placement (its wsgi entry point reads $OS_PLACEMENT_CONFIG_DIR/placement.conf)
{ cat <<EOF
[DEFAULT]
debug = $DEBUG
use_stderr = true
[api]
auth_strategy = keystone
[placement_database]
connection = $(db_url placement)
EOF
  authtoken_section placement; } > "$ETC/placement/placement.conf"

# ---- Nova: one nova.conf for nova-api (uwsgi), conductor, scheduler, compute, nova-manage
svc_auth() {  # keystoneauth password-plugin options of the nova service user
  cat <<EOF
auth_type = password
auth_url = $KS_URL
user_domain_name = Default
project_domain_name = Default
project_name = service
username = nova
password = $SERVICE_PASSWORD
EOF
}
{ cat <<EOF
[DEFAULT]
debug = $DEBUG
use_stderr = true
host = lab
my_ip = $IP
my_block_storage_ip = $IP
state_path = $STATE_DIR/nova
instances_path = $STATE_DIR/nova/instances
transport_url = $TRANSPORT
enabled_apis = osapi_compute
rootwrap_config = /etc/nova/rootwrap.conf
# the fake virt driver that ships in python3-nova: no hypervisor, no guest, no disks
compute_driver = fake.FakeDriver
reserved_host_memory_mb = 0
# no Neutron: this periodic task would ask Neutron for every server's ports every 60 s
heal_instance_info_cache_interval = -1
# periodic tasks start at once, not after a random 0-60 s delay (the scheduler's
# discover_hosts below would otherwise map the compute host up to 60 s late)
periodic_fuzzy_delay = 0
[api]
auth_strategy = keystone
[wsgi]
api_paste_config = /etc/nova/api-paste.ini
[api_database]
connection = $(db_url nova_api)
[database]
connection = $(db_url nova)
[oslo_concurrency]
lock_path = $STATE_DIR/nova/lock
[oslo_messaging_notifications]
driver = noop
[conductor]
workers = 1
[scheduler]
workers = 1
# map new compute hosts to cell1 every 2 s (= nova-manage cell_v2 discover_hosts; the
# periodic task also runs at start); up.sh runs discover_hosts itself if the
# host is not mapped 15 s after nova-compute registered
discover_hosts_in_cells_interval = 2
[vnc]
enabled = false
[key_manager]
backend = barbican
[barbican]
auth_endpoint = $KS_URL
barbican_endpoint_type = public
barbican_region_name = $REGION
[glance]
# No Glance. Only used to build the image URL string of legacy notifications
# (compute/utils.notify_about_instance_usage); never contacted for boot-from-volume
# servers. Without it every build fails with: EndpointNotFound: ['internal',
# 'public'] endpoint for image service not found
api_servers = http://$IP:9292
[cinder]
os_region_name = $REGION
catalog_info = volumev3::publicURL
EOF
  svc_auth
  echo "[placement]"; svc_auth; echo "region_name = $REGION"; echo "valid_interfaces = public"
  echo "[service_user]"; svc_auth; echo "send_service_user_token = true"
  # Nova asks Neutron for ports/security groups on GET /servers/{id}, /servers/detail,
  # and on server delete, even for "networks": "none" servers
  echo "[neutron]"; svc_auth; echo "region_name = $REGION"; echo "valid_interfaces = public"
  authtoken_section nova; } > "$ETC/nova/nova.conf"
fi

if [ "$NEUTRON" = 1 ]; then
# ---- Neutron: API only (no agents, no L3/DHCP, no networks); ML2 for the port/SG tables
{ cat <<EOF
[DEFAULT]
debug = $DEBUG
use_stderr = true
bind_host = $IP
bind_port = $NEUTRON_PORT
auth_strategy = keystone
core_plugin = ml2
# 'router' (API only, no L3 agent): without it GET /v2.0/ports fails with
# AttributeError: type object 'Port' has no attribute 'port_forwardings'
service_plugins = router
api_paste_config = /etc/neutron/api-paste.ini
state_path = $STATE_DIR/neutron
transport_url = $TRANSPORT
notify_nova_on_port_status_changes = false
notify_nova_on_port_data_changes = false
[database]
connection = $(db_url neutron)
[oslo_concurrency]
lock_path = $STATE_DIR/neutron/lock
[oslo_messaging_notifications]
driver = noop
[agent]
root_helper =
EOF
  authtoken_section neutron; } > "$ETC/neutron/neutron.conf"
cat > "$ETC/neutron/ml2_conf.ini" <<EOF
[ml2]
type_drivers = local,flat
tenant_network_types = local
mechanism_drivers =
extension_drivers = port_security
[securitygroup]
enable_security_group = true
enable_ipset = false
EOF
fi
chmod 600 "$ETC"/*/*.conf "$SECRETS"
# qemu-img wrapper (first in cinder-volume's PATH): qemu's LUKS PBKDF benchmark fails
# ~8% of the time on this VM with "Unable to get accurate CPU usage" (tick-based
# thread CPU accounting, CONFIG_HZ=250); retry that one error, change nothing else.
cat > "$STATE_DIR/bin/qemu-img" <<'WRAP'
#!/bin/bash
for try in 1 2 3 4 5; do
  err=$(mktemp); /usr/bin/qemu-img "$@" 2>"$err"; rc=$?
  if [ $rc != 0 ] && [ "$1" = create ] && grep -q 'Unable to get accurate CPU usage' "$err"; then
    echo "$(date -Is) retry $try after: $(cat "$err")" >> "${0%/bin/qemu-img}/log/qemu-img-retries.log"
    rm -f "$err"; continue
  fi
  cat "$err" >&2; rm -f "$err"; exit $rc
done
exit $rc
WRAP
chmod 755 "$STATE_DIR/bin/qemu-img"
[ "$NEUTRON" = 1 ] && chmod 600 "$ETC/neutron/ml2_conf.ini"

# ---- bootstrap helper (talks REST to keystone/cinder; idempotent)
cat > "$STATE_DIR/bin/lab_bootstrap.py" <<'PYEOF'
import json, os, subprocess, sys, time
import requests

E = os.environ
NOVA = E.get('LAB_NOVA') == '1'
NEUTRON = E.get('LAB_NEUTRON') == '1'
KS = E['LAB_KS_URL']
S = requests.Session()
S.trust_env = False          # loopback only, never a proxy


def die(msg):
    sys.stderr.write('lab_bootstrap: %s\n' % msg)
    sys.exit(1)


def call(method, url, tok=None, ok=(200, 201, 202, 204), **kw):
    h = kw.pop('headers', {})
    h['Connection'] = 'close'
    if tok:
        h['X-Auth-Token'] = tok
    r = S.request(method, url, headers=h, timeout=60, **kw)
    if r.status_code not in ok:
        die('%s %s -> %s %s' % (method, url, r.status_code, r.text[:500]))
    return r


def token(user, pw, project):
    body = {'auth': {'identity': {'methods': ['password'], 'password': {'user': {
        'name': user, 'domain': {'name': 'Default'}, 'password': pw}}},
        'scope': {'project': {'name': project, 'domain': {'name': 'Default'}}}}}
    r = call('POST', KS + '/auth/tokens', json=body)
    return r.headers['X-Subject-Token'], r.json()['token']


def password_ok(user, pw):
    body = {'auth': {'identity': {'methods': ['password'], 'password': {'user': {
        'name': user, 'domain': {'name': 'Default'}, 'password': pw}}}}}
    return S.post(KS + '/auth/tokens', json=body, timeout=60,
                  headers={'Connection': 'close'}).status_code == 201


def ks(method, path, tok, **kw):
    r = call(method, KS + path, tok, **kw)
    return r.json() if r.content else None


def one(tok, coll, **params):
    items = ks('GET', '/' + coll, tok, params=params)[coll]
    return items[0] if items else None


def keystone():
    tok, _ = token('admin', E['ADMIN_PASSWORD'], 'admin')
    region = E['LAB_REGION']
    services = [('keystone', 'identity', E['LAB_KS_URL']),
                ('barbican', 'key-manager', E['LAB_BARBICAN_URL']),
                ('cinderv3', 'volumev3', E['LAB_CINDER_BASE'] + '/v3/%(project_id)s'),
                ('cinder', 'block-storage', E['LAB_CINDER_BASE'] + '/v3/%(project_id)s')]
    if NOVA:
        services += [('nova', 'compute', E['LAB_NOVA_URL']),
                     ('placement', 'placement', E['LAB_PLACEMENT_URL'])]
    if NEUTRON:
        services += [('neutron', 'network', E['LAB_NEUTRON_URL'])]
    for name, stype, url in services:
        svc = one(tok, 'services', type=stype)
        if not svc:
            svc = ks('POST', '/services', tok, json={'service': {
                'name': name, 'type': stype, 'enabled': True}})['service']
        for iface in ('public', 'internal', 'admin'):
            eps = ks('GET', '/endpoints', tok, params={
                'service_id': svc['id'], 'interface': iface})['endpoints']
            eps = [e for e in eps if e.get('region_id') == region]
            if not eps:
                ks('POST', '/endpoints', tok, json={'endpoint': {
                    'service_id': svc['id'], 'interface': iface, 'url': url,
                    'region_id': region, 'enabled': True}})
            elif eps[0]['url'] != url:
                ks('PATCH', '/endpoints/' + eps[0]['id'], tok,
                   json={'endpoint': {'url': url}})

    def project(name):
        p = one(tok, 'projects', name=name)
        return p or ks('POST', '/projects', tok, json={'project': {
            'name': name, 'domain_id': 'default', 'enabled': True}})['project']

    def role(name):
        r = one(tok, 'roles', name=name)
        return r or ks('POST', '/roles', tok, json={'role': {'name': name}})['role']

    def user(name, pw, proj):
        u = one(tok, 'users', name=name, domain_id='default')
        if u:
            # only reset the password if it changed: a reset revokes the user's tokens
            if not password_ok(name, pw):
                ks('PATCH', '/users/' + u['id'], tok, json={'user': {'password': pw}})
            return u
        return ks('POST', '/users', tok, json={'user': {
            'name': name, 'password': pw, 'domain_id': 'default',
            'default_project_id': proj['id'], 'enabled': True}})['user']

    def grant(proj, usr, rl):
        call('PUT', KS + '/projects/%s/users/%s/roles/%s' % (
            proj['id'], usr['id'], rl['id']), tok)

    admin_p, service_p, demo_p = project('admin'), project('service'), project('demo')
    alt_p = project('alt')
    admin_r, member_r, reader_r = role('admin'), role('member'), role('reader')
    service_r = role('service')
    # Barbican's 'creator' role: Zed's legacy policy rules require it to create secrets
    # and orders (Cinder creates the volume key as the user); harmless under new defaults
    creator_r = role('creator')
    for svc_user in (('barbican', 'cinder') + (('nova', 'placement') if NOVA else ())
                     + (('neutron',) if NEUTRON else ())):
        u = user(svc_user, E['SERVICE_PASSWORD'], service_p)
        grant(service_p, u, admin_r)
        grant(service_p, u, service_r)
    demo_u = user('demo', E['DEMO_PASSWORD'], demo_p)
    for r in (member_r, reader_r, creator_r):
        grant(demo_p, demo_u, r)
    # a second project + user, so tests can prove that another project's secret is 403
    alt_u = user('alt', E['ALT_PASSWORD'], alt_p)
    for r in (member_r, reader_r, creator_r):
        grant(alt_p, alt_u, r)

    # application credential of the demo user (its secret is only shown once)
    path = os.path.join(E['LAB_STATE_DIR'], 'keystone', 'appcred.json')
    dtok, _ = token('demo', E['DEMO_PASSWORD'], 'demo')
    base = '/users/%s/application_credentials' % demo_u['id']
    saved = json.load(open(path)) if os.path.exists(path) else {}
    existing = ks('GET', base, dtok, params={'name': 'lab-demo'})['application_credentials']
    if not (existing and saved.get('id') == existing[0]['id']
            and set(r['name'] for r in existing[0]['roles']) >= {'member', 'reader', 'creator'}):
        for ac in existing:
            call('DELETE', KS + base + '/' + ac['id'], dtok)
        # created with a token that carries all of demo's roles (member, reader, creator)
        ac = ks('POST', base, dtok, json={'application_credential': {
            'name': 'lab-demo', 'description': 'lab demo app credential'}})['application_credential']
        saved = {'id': ac['id'], 'secret': ac['secret'], 'name': ac['name']}
        with open(path, 'w') as f:
            json.dump(saved, f)
    ids = {'admin_project_id': admin_p['id'], 'demo_project_id': demo_p['id'],
           'demo_user_id': demo_u['id'], 'appcred_id': saved['id'],
           'appcred_secret': saved['secret'], 'alt_project_id': alt_p['id'],
           'alt_user_id': alt_u['id']}
    with open(os.path.join(E['LAB_STATE_DIR'], 'keystone', 'ids.json'), 'w') as f:
        json.dump(ids, f)


def cinder():
    tok, t = token('admin', E['ADMIN_PASSWORD'], 'admin')
    base = E['LAB_CINDER_BASE'] + '/v3/' + t['project']['id']
    h = {'OpenStack-API-Version': 'volume 3.0'}
    enc = E['LAB_ENC_TYPE']
    types = call('GET', base + '/types', tok, headers=dict(h),
                 params={'is_public': 'None'}).json()['volume_types']
    vt = [x for x in types if x['name'] == enc]
    vt = vt[0] if vt else call('POST', base + '/types', tok, headers=dict(h), json={
        'volume_type': {'name': enc, 'description': 'LUKS (front-end) encrypted volumes, key in Barbican',
                        'os-volume-type-access:is_public': True}}).json()['volume_type']
    cur = call('GET', base + '/types/%s/encryption' % vt['id'], tok, headers=dict(h)).json()
    if not cur.get('provider'):
        call('POST', base + '/types/%s/encryption' % vt['id'], tok, headers=dict(h), json={
            'encryption': {'provider': 'luks', 'cipher': 'aes-xts-plain64',
                           'key_size': 256, 'control_location': 'front-end'}})
    # The demo project runs the tests: the vm e2e alone holds 9 volumes while the Nova
    # server's root volume counts too, so Cinder's default quota of 10 is one test away
    # from a 413. Raise it (never lower it; the quota tests use the alt project).
    with open(os.path.join(E['LAB_STATE_DIR'], 'keystone', 'ids.json')) as f:
        demo = json.load(f)['demo_project_id']
    want = int(E.get('LAB_DEMO_VOLUME_QUOTA', '50'))
    qs = call('GET', base + '/os-quota-sets/' + demo, tok, headers=dict(h)).json()['quota_set']
    raise_to = {k: want for k in ('volumes', 'snapshots') if 0 <= int(qs.get(k, -1)) < want}
    if raise_to:
        call('PUT', base + '/os-quota-sets/' + demo, tok, headers=dict(h),
             json={'quota_set': raise_to})
    # ready = scheduler knows the backend pool and both services report 'up'
    deadline = time.time() + float(E.get('LAB_WAIT', '120'))
    vlog = os.path.join(E['LAB_STATE_DIR'], 'log', 'cinder-volume.log')
    while True:
        with open(vlog, errors='replace') as f:
            text = f.read().rsplit('----- lab: starting', 1)[-1]   # this run only
        bad = [l for l in text.splitlines() if 'Failed to initialize driver' in l]
        if bad:
            die('cinder-volume: ' + bad[-1].strip())
        # after a restart the old 'up' state and pools linger for a while: wait for
        # the new cinder-volume process to have initialised its driver
        inited = 'Driver initialization completed successfully' in text
        pools = call('GET', base + '/scheduler-stats/get_pools', tok, headers=dict(h)).json()['pools']
        svcs = call('GET', base + '/os-services', tok, headers=dict(h)).json()['services']
        up = {s['binary'] for s in svcs if s['state'] == 'up' and s['status'] == 'enabled'}
        want = int(E.get('LAB_CINDER_POOLS', '1'))
        inited = text.count('Driver initialization completed successfully') >= want
        if inited and len(pools) >= want and {'cinder-scheduler', 'cinder-volume'} <= up:
            break
        if time.time() > deadline:
            die('cinder not ready: pools=%s services=%s' % (pools, svcs))
        time.sleep(1)


def wait_for(what, fn, timeout=None, interval=1.0):
    """poll fn() until it returns something truthy; die with its last value on timeout"""
    deadline = time.time() + float(timeout or E.get('LAB_WAIT', '120'))
    while True:
        v = fn()
        if v:
            return v
        if time.time() > deadline:
            die('timeout waiting for %s (last: %r)' % (what, v))
        time.sleep(interval)


def nova_api():
    nb = E['LAB_NOVA_URL']
    tok, _ = token('admin', E['ADMIN_PASSWORD'], 'admin')
    H = {'OpenStack-API-Version': 'compute 2.37'}

    def nv(method, path, tk=tok, mv=None, **kw):
        h = {'OpenStack-API-Version': 'compute ' + mv} if mv else dict(H)
        r = call(method, nb + path, tk, headers=h, **kw)
        return r.json() if r.content else None
    return nb, tok, H, nv


FLAVOR_ID = 'lab-tiny'


def nova_hosts():
    """nova services up, compute node in placement, host mapped to cell1, flavor"""
    st = E['LAB_STATE_DIR']
    nb, tok, H, nv = nova_api()

    def services_up():
        svcs = nv('GET', '/os-services')['services']
        up = {s['binary'] for s in svcs if s['state'] == 'up' and s['status'] == 'enabled'}
        return {'nova-conductor', 'nova-scheduler', 'nova-compute'} <= up and svcs
    wait_for('nova-conductor, nova-scheduler and nova-compute up', services_up, interval=0.5)

    # nova-compute creates its compute node record and then its resource provider
    pb = E['LAB_PLACEMENT_URL']
    ph = {'OpenStack-API-Version': 'placement 1.14'}

    def rp_inventory():
        rps = call('GET', pb + '/resource_providers', tok, headers=dict(ph)).json()['resource_providers']
        for rp in rps:
            inv = call('GET', pb + '/resource_providers/%s/inventories' % rp['uuid'], tok,
                       headers=dict(ph)).json()['inventories']
            if 'VCPU' in inv:
                return rp
    wait_for('a resource provider with VCPU inventory in placement', rp_inventory, interval=0.5)

    # map the compute host into cell1 (idempotent); os-hypervisors and the scheduler
    # only see mapped hosts
    conf = os.path.join(st, 'etc', 'nova', 'nova.conf')

    t_rp = time.time()

    def mapped():   # nova-scheduler's periodic discover_hosts maps it within ~2 s
        if nv('GET', '/os-hypervisors')['hypervisors']:
            return True
        if time.time() - t_rp > 15:
            with open(os.path.join(st, 'log', 'nova-manage.log'), 'a') as lf:
                subprocess.run([sys.executable, os.path.join(st, 'bin', 'lab_nova_manage.py'),
                                conf, 'discover'], check=True, stdout=lf, stderr=lf)
            return bool(nv('GET', '/os-hypervisors')['hypervisors'])
    wait_for('the compute host mapped (os-hypervisors)', mapped, interval=0.5)

    # flavor: 1 vCPU, 64 MiB, no local disk (servers boot from a volume)
    r = call('GET', nb + '/flavors/' + FLAVOR_ID, tok, ok=(200, 404), headers=dict(H))
    if r.status_code == 404:
        nv('POST', '/flavors', json={'flavor': {
            'name': 'lab.tiny', 'id': FLAVOR_ID, 'vcpus': 1, 'ram': 64, 'disk': 0,
            'os-flavor-access:is_public': True}})


def nova_server():
    """the demo project's test server: boot from a bootable Cinder volume, no network.
    Only calls that work without Neutron: GET /servers (index, with name/status filters)
    and os-volume_attachments; GET /servers/{id} and /servers/detail need Neutron."""
    st = E['LAB_STATE_DIR']
    nb, tok, H, nv = nova_api()
    flavor_id = FLAVOR_ID
    dtok, dt = token('demo', E['DEMO_PASSWORD'], 'demo')
    cb = E['LAB_CINDER_BASE'] + '/v3/' + dt['project']['id']
    name = E.get('LAB_NOVA_SERVER_NAME', 'lab-server')

    def find(**filters):
        return [x['id'] for x in nv('GET', '/servers', dtok, params=dict(
            name='^%s$' % name, **filters))['servers'] if x['name'] == name]
    t0 = time.time()
    found = find()
    if found:
        sid = found[0]
    else:
        vname = name + '-root'
        vols = call('GET', cb + '/volumes', dtok, params={'name': vname}).json()['volumes']
        vid = vols[0]['id'] if vols else call('POST', cb + '/volumes', dtok, json={'volume': {
            'size': 1, 'name': vname, 'description': 'root volume of ' + name}}).json()['volume']['id']

        def vol_status():
            v = call('GET', cb + '/volumes/' + vid, dtok).json()['volume']
            if v['status'] == 'error':
                die('volume %s went to error' % vid)
            return v['status'] == 'available' and v
        wait_for('root volume %s available' % vid, vol_status, interval=0.3)
        call('POST', cb + '/volumes/%s/action' % vid, dtok,
             json={'os-set_bootable': {'bootable': True}})
        sid = nv('POST', '/servers', dtok, json={'server': {
            'name': name, 'flavorRef': flavor_id, 'networks': 'none',
            'block_device_mapping_v2': [{
                'boot_index': 0, 'uuid': vid, 'source_type': 'volume',
                'destination_type': 'volume', 'delete_on_termination': False}]}})['server']['id']

    def active():
        if sid in find(status='ERROR'):
            die('server %s (%s) is in ERROR; see log/nova-compute.log and log/nova-conductor.log'
                % (sid, name))
        return sid in find(status='ACTIVE')
    wait_for('server %s ACTIVE' % sid, active, interval=0.3)
    atts = nv('GET', '/servers/%s/os-volume_attachments' % sid, dtok)['volumeAttachments']
    root = [a['volumeId'] for a in atts if a['device'] in ('/dev/sda', '/dev/vda')] or \
        [a['volumeId'] for a in atts]
    sys.stderr.write('lab_bootstrap: server %s (%s) ACTIVE after %.1f s\n' % (
        sid, name, time.time() - t0))
    with open(os.path.join(st, 'nova', 'ids.json'), 'w') as f:
        json.dump({'server_id': sid, 'server_name': name, 'flavor_id': flavor_id,
                   'root_volume_id': root[0] if root else ''}, f)


{'keystone': keystone, 'cinder': cinder, 'nova_hosts': nova_hosts,
 'nova_server': nova_server}[sys.argv[1]]()
PYEOF

LAB_NOVA_FLAVOR=lab-tiny
export LAB_NOVA="$NOVA" LAB_NOVA_URL="$NOVA_URL" LAB_PLACEMENT_URL="$PLACEMENT_URL" \
       LAB_NEUTRON="$NEUTRON" LAB_NEUTRON_URL="$NEUTRON_URL"
export LAB_STATE_DIR="$STATE_DIR" LAB_KS_URL="$KS_URL" LAB_BARBICAN_URL="$BARBICAN_URL" \
       LAB_CINDER_BASE="$CINDER_BASE" LAB_REGION="$REGION" LAB_ENC_TYPE="$ENC_TYPE" \
       LAB_CINDER_POOLS="$(tr , '\n' <<<"$BACKENDS" | wc -l)" \
       ADMIN_PASSWORD DEMO_PASSWORD ALT_PASSWORD SERVICE_PASSWORD

# ---------------------------------------------------------------- start
log "state dir $STATE_DIR, db $DB, cinder backend $BACKEND"
# services of an earlier run that this configuration does not want (LAB_NOVA=0 now, or
# LAB_NOVA_NETWORK=none): stop them, so that the lab matches what was asked for. (Their
# catalog entries stay; switching LAB_NOVA is cleanest on a fresh STATE_DIR.)
UNWANTED=()
[ "$NOVA" = 1 ] || UNWANTED+=(nova-compute nova-scheduler nova-conductor nova-api placement-api)
[ "$NEUTRON" = 1 ] || UNWANTED+=(neutron-api)
RUNNING_UNWANTED=$(for s in "${UNWANTED[@]}"; do if svc_running "$s"; then printf '%s,' "$s"; fi; done)
if [ -n "$RUNNING_UNWANTED" ]; then
  log "not wanted by this configuration, stopping: ${RUNNING_UNWANTED%,}"
  "$SCRIPT_DIR/down.sh" "$STATE_DIR" --only "${RUNNING_UNWANTED%,}" >&2
fi
# pre-flight: fail fast if a port we need is held by something we did not start
for sp in epmd:$EPMD_PORT rabbitmq:$RABBIT_PORT rabbitmq:$RABBIT_DIST_PORT keystone:$KS_PORT \
          barbican:$BARBICAN_PORT cinder-api:$CINDER_PORT \
          $([ "$NOVA" = 1 ] && echo "placement-api:$PLACEMENT_PORT nova-api:$NOVA_PORT") \
          $([ "$NEUTRON" = 1 ] && echo "neutron-api:$NEUTRON_PORT"); do
  if ! svc_running "${sp%%:*}" && port_busy "${sp##*:}"; then
    die "port ${sp##*:} (for ${sp%%:*}) is in use by a process this script did not start: $(ss -Hltnp "sport = :${sp##*:}" | head -1)"
  fi
done
RABBIT_ENV=(HOME="$STATE_DIR/rabbitmq" ERL_EPMD_ADDRESS="$IP" ERL_EPMD_PORT="$EPMD_PORT"
  RABBITMQ_CONF_ENV_FILE="$ETC/rabbitmq/rabbitmq-env.conf"
  RABBITMQ_CONFIG_FILE="$ETC/rabbitmq/rabbitmq.conf"
  RABBITMQ_ENABLED_PLUGINS_FILE="$ETC/rabbitmq/enabled_plugins"
  RABBITMQ_MNESIA_BASE="$STATE_DIR/rabbitmq/mnesia" RABBITMQ_LOG_BASE="$LOGDIR/rabbitmq"
  RABBITMQ_NODENAME=lab@localhost RABBITMQ_NODE_IP_ADDRESS="$IP" RABBITMQ_NODE_PORT="$RABBIT_PORT"
  RABBITMQ_DIST_PORT="$RABBIT_DIST_PORT"
  "RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS=-kernel inet_dist_use_interface {127,0,0,1}")
start_svc epmd "$EPMD_PORT" /usr/bin/epmd -address $IP -port "$EPMD_PORT"
wait_until epmd 20 "epmd on $IP:$EPMD_PORT" tcp_open "$EPMD_PORT"
start_svc rabbitmq "$RABBIT_PORT" env "${RABBIT_ENV[@]}" /usr/lib/rabbitmq/bin/rabbitmq-server

if [ "$DB" = mariadb ]; then
  # private mariadbd: unix socket only (--skip-networking), data under STATE_DIR
  [ ${#MYSQL_SOCK} -lt 100 ] || die "STATE_DIR path too long for a unix socket path: $MYSQL_SOCK"
  mkdir -p "$STATE_DIR/mysql"
  if [ ! -d "$STATE_DIR/mysql/data/mysql" ]; then
    mariadb-install-db --no-defaults --user=root --datadir="$STATE_DIR/mysql/data" \
      --auth-root-authentication-method=socket --skip-test-db >>"$LOGDIR/mariadb-install.log" 2>&1 ||
      die "mariadb-install-db failed, see $LOGDIR/mariadb-install.log"
  fi
  start_svc mariadb - /usr/sbin/mariadbd --no-defaults --user=root --datadir="$STATE_DIR/mysql/data" \
    --socket="$MYSQL_SOCK" --pid-file="$STATE_DIR/mysql/mysqld.pid" --skip-networking \
    --skip-log-bin --innodb-buffer-pool-size=64M --max-connections=500 \
    --character-set-server=utf8 --collation-server=utf8_general_ci
  MYSQL=(mariadb --no-defaults --socket="$MYSQL_SOCK" -uroot)
  wait_until mariadb 60 "mariadb on $MYSQL_SOCK" "${MYSQL[@]}" -e 'SELECT 1'
  "${MYSQL[@]}" <<SQL || die "mariadb: creating databases failed"
CREATE USER IF NOT EXISTS 'lab'@'localhost' IDENTIFIED BY '$DB_PASSWORD';
ALTER USER 'lab'@'localhost' IDENTIFIED BY '$DB_PASSWORD';
CREATE DATABASE IF NOT EXISTS keystone; GRANT ALL PRIVILEGES ON keystone.* TO 'lab'@'localhost';
CREATE DATABASE IF NOT EXISTS barbican; GRANT ALL PRIVILEGES ON barbican.* TO 'lab'@'localhost';
CREATE DATABASE IF NOT EXISTS cinder;   GRANT ALL PRIVILEGES ON cinder.*   TO 'lab'@'localhost';
SQL
  if [ "$NOVA" = 1 ]; then
    "${MYSQL[@]}" <<SQL || die "mariadb: creating the nova/placement databases failed"
CREATE DATABASE IF NOT EXISTS placement;  GRANT ALL PRIVILEGES ON placement.*  TO 'lab'@'localhost';
CREATE DATABASE IF NOT EXISTS nova_api;   GRANT ALL PRIVILEGES ON nova_api.*   TO 'lab'@'localhost';
CREATE DATABASE IF NOT EXISTS nova;       GRANT ALL PRIVILEGES ON nova.*       TO 'lab'@'localhost';
CREATE DATABASE IF NOT EXISTS nova_cell0; GRANT ALL PRIVILEGES ON nova_cell0.* TO 'lab'@'localhost';
SQL
  fi
  if [ "$NEUTRON" = 1 ]; then
    "${MYSQL[@]}" -e "CREATE DATABASE IF NOT EXISTS neutron; GRANT ALL PRIVILEGES ON neutron.* TO 'lab'@'localhost';" ||
      die "mariadb: creating the neutron database failed"
  fi
fi

if [ "$NOVA" = 1 ]; then
cat > "$STATE_DIR/bin/lab_nova_manage.py" <<'PYEOF'
"""nova-manage subcommands in one process: setup (api_db sync, map_cell0, create or
update cell1, db sync) or discover (cell_v2 discover_hosts). Uses nova.cmd.manage."""
import sys
from nova.cmd import manage
from nova import config, context, objects
import nova.conf
from oslo_log import log as logging

conf_file, action = sys.argv[1], sys.argv[2]
CONF = nova.conf.CONF
config.parse_args(['nova-manage', '--config-file', conf_file])
logging.setup(CONF, 'nova')
objects.register_all()
cells = manage.CellV2Commands()
rc = 0
if action == 'setup':
    manage.ApiDbCommands().sync()
    rc = cells.map_cell0(database_connection=sys.argv[3]) or 0
    cell1 = [c for c in objects.CellMappingList.get_all(context.get_admin_context())
             if c.name == 'cell1']
    if not cell1:
        rc = rc or cells.create_cell(name='cell1', verbose=True) or 0
    else:
        rc = rc or cells.update_cell(cell1[0].uuid, name='cell1',
                                     transport_url=CONF.transport_url,
                                     db_connection=CONF.database.connection) or 0
    rc = rc or manage.DbCommands().sync() or 0     # cell1 and cell0
elif action == 'discover':
    rc = cells.discover_hosts(verbose=True) or 0
else:
    sys.exit('unknown action ' + action)
sys.exit(rc)
PYEOF
fi
# Nova + Placement schema and cells v2 (in the background, next to keystone's setup;
# skipped when already done for these versions, rabbit URL and db URLs)
NCONF=(--config-file "$ETC/nova/nova.conf")
# cinder.conf is rewritten by every run; cinder.conf.d/*.conf is never touched by this
# script: that is where the BYOK hook (or a test) puts its cinder overrides
CCONF=(--config-file "$ETC/cinder/cinder.conf" --config-dir "$ETC/cinder/cinder.conf.d")
N_SETUP='' P_SETUP='' Q_SETUP=''
QCONF=(--config-file "$ETC/neutron/neutron.conf" --config-file "$ETC/neutron/ml2_conf.ini")
if [ "$NEUTRON" = 1 ]; then
  NEUTRON_STAMP="$(dpkg-query -W -f='${Version}' python3-neutron) $(printf %s "$(db_url neutron)" | md5sum)"
  if [ "$(cat "$STATE_DIR/.neutronsync-done" 2>/dev/null)" = "$NEUTRON_STAMP" ]; then
    log "neutron db migrations already done: skipped"
  else
    neutron-db-manage "${QCONF[@]}" upgrade heads >>"$LOGDIR/neutron-db-manage.log" 2>&1 &
    Q_SETUP=$!
  fi
fi
if [ "$NOVA" = 1 ]; then
  NOVA_STAMP="$(dpkg-query -W -f='${Version} ' python3-nova python3-placement) $(printf %s "$TRANSPORT $(db_url nova) $(db_url nova_cell0)" | md5sum)"
  if [ "$(cat "$STATE_DIR/.novasync-done" 2>/dev/null)" = "$NOVA_STAMP" ]; then
    log "nova/placement db syncs and cells v2 already done: skipped"
  else
    placement-manage --config-file "$ETC/placement/placement.conf" db sync >>"$LOGDIR/placement-manage.log" 2>&1 &
    P_SETUP=$!
    # = nova-manage api_db sync; cell_v2 map_cell0; cell_v2 create_cell --name cell1 (or
    # update_cell: the rabbit URL may have changed); db sync -- in ONE python process
    # (each nova-manage run costs ~3.4 s CPU just to import nova)
    $PY "$STATE_DIR/bin/lab_nova_manage.py" "$ETC/nova/nova.conf" setup "$(db_url nova_cell0)" \
      >>"$LOGDIR/nova-manage.log" 2>&1 &
    N_SETUP=$!
  fi
fi

# db syncs & keystone setup run while rabbit boots (all idempotent; skipped when
# already done for these package versions / URLs: saves ~10 s on a re-run)
KCONF=(--config-file "$ETC/keystone/keystone.conf")
SYNC_STAMP="$DB $(dpkg-query -W -f='${Version} ' python3-keystone python3-barbican python3-cinder) $KS_URL $REGION $(printf %s "$ADMIN_PASSWORD" | md5sum)"
if [ "$(cat "$STATE_DIR/.dbsync-done" 2>/dev/null)" = "$SYNC_STAMP" ]; then
  log "db syncs + keystone bootstrap already done for these versions: skipped"
else
(
  keystone-manage "${KCONF[@]}" db_sync
  keystone-manage "${KCONF[@]}" fernet_setup --keystone-user root --keystone-group root
  keystone-manage "${KCONF[@]}" credential_setup --keystone-user root --keystone-group root
  keystone-manage "${KCONF[@]}" bootstrap --bootstrap-password "$ADMIN_PASSWORD" \
    --bootstrap-username admin --bootstrap-project-name admin --bootstrap-role-name admin \
    --bootstrap-service-name keystone --bootstrap-region-id "$REGION" \
    --bootstrap-admin-url "$KS_URL" --bootstrap-internal-url "$KS_URL" --bootstrap-public-url "$KS_URL"
) >>"$LOGDIR/keystone-manage.log" 2>&1 &
KS_SETUP=$!
HOME="$STATE_DIR/home/barbican" barbican-manage db upgrade >>"$LOGDIR/barbican-manage.log" 2>&1 &
B_SETUP=$!
cinder-manage "${CCONF[@]}" db sync >>"$LOGDIR/cinder-manage.log" 2>&1 &
C_SETUP=$!
wait $KS_SETUP || die "keystone-manage failed, see $LOGDIR/keystone-manage.log"
wait $B_SETUP  || die "barbican-manage db upgrade failed, see $LOGDIR/barbican-manage.log"
wait $C_SETUP  || die "cinder-manage db sync failed, see $LOGDIR/cinder-manage.log"
if [ "$DB" = sqlite ]; then
# WAL journal: with the default rollback journal, Keystone deadlocks on itself
# ("database is locked" on POST /v3/endpoints: a second connection of the same
# request holds a read lock while the first commits). WAL lets readers and the
# writer coexist, which also helps Cinder's 3 processes sharing one file.
$PY - "$STATE_DIR" <<'PYEOF'
import sqlite3, sys
for db in ('keystone/keystone.db', 'barbican/barbican.db', 'cinder/cinder.db'):
    c = sqlite3.connect('%s/%s' % (sys.argv[1], db))
    assert c.execute('PRAGMA journal_mode=WAL').fetchone()[0] == 'wal', db
    c.close()
PYEOF
fi
echo "$SYNC_STAMP" > "$STATE_DIR/.dbsync-done"
log "db syncs + keystone bootstrap done ($DB)"
fi
if [ -n "$Q_SETUP" ]; then
  wait "$Q_SETUP" || { tail -n 20 "$LOGDIR/neutron-db-manage.log" >&2; die "neutron-db-manage failed, see $LOGDIR/neutron-db-manage.log"; }
  echo "$NEUTRON_STAMP" > "$STATE_DIR/.neutronsync-done"
  log "neutron db migrations done"
fi
if [ -n "$P_SETUP$N_SETUP" ]; then
  wait $P_SETUP || die "placement-manage db sync failed, see $LOGDIR/placement-manage.log"
  wait $N_SETUP || { tail -n 20 "$LOGDIR/nova-manage.log" >&2; die "nova-manage failed, see $LOGDIR/nova-manage.log"; }
  echo "$NOVA_STAMP" > "$STATE_DIR/.novasync-done"
  log "nova + placement db syncs, cell0 and cell1 mappings done"
fi

UWSGI=(/usr/bin/uwsgi --plugin python3 --master --processes 1 --threads "$API_THREADS"
       --enable-threads --lazy-apps --die-on-term --no-orphans --need-app
       --buffer-size 65535 --disable-logging --skip-atexit-teardown
       --add-header "Connection: close")   # like Debian's uwsgi ini files: no keep-alive on http-socket
# what each service's config fingerprint covers (see start_svc)
SVC_CONF=([keystone]="$ETC/keystone/keystone.conf" [barbican]="$ETC/barbican/barbican.conf"
  [rabbitmq]="$ETC/rabbitmq/rabbitmq.conf" [placement-api]="$ETC/placement/placement.conf"
  [neutron-api]="$ETC/neutron/neutron.conf $ETC/neutron/ml2_conf.ini $STATE_DIR/bin/neutron-api-wsgi.py")
for s in nova-api nova-conductor nova-scheduler nova-compute; do SVC_CONF[$s]="$ETC/nova/nova.conf"; done
cinder_conf_files() { echo "$ETC/cinder/cinder.conf $ETC/cinder/nfs_shares"; ls "$ETC"/cinder/cinder.conf.d/*.conf 2>/dev/null || true; }
for s in cinder-api cinder-scheduler cinder-volume; do SVC_CONF[$s]=$(cinder_conf_files | tr '\n' ' '); done
SVC_CONF[cinder-volume]+=" $STATE_DIR/bin/qemu-img"
start_cinder() {  # api|scheduler|volume
  case $1 in
    api) start_svc cinder-api "$CINDER_PORT" "${UWSGI[@]}" --http-socket "$IP:$CINDER_PORT" \
           --wsgi-file /usr/bin/cinder-wsgi --pyargv "${CCONF[*]}" ;;
    scheduler) start_svc cinder-scheduler - /usr/bin/cinder-scheduler "${CCONF[@]}" ;;
    # the qemu-img wrapper first in PATH (see above)
    volume) start_svc cinder-volume - env PATH="$STATE_DIR/bin:$PATH" /usr/bin/cinder-volume "${CCONF[@]}" ;;
  esac
}
start_svc keystone "$KS_PORT" env OS_KEYSTONE_CONFIG_FILES="$ETC/keystone/keystone.conf" \
  "${UWSGI[@]}" --http-socket "$IP:$KS_PORT" --wsgi-file /usr/bin/keystone-wsgi-public
start_svc barbican "$BARBICAN_PORT" env HOME="$STATE_DIR/home/barbican" \
  "${UWSGI[@]}" --http-socket "$IP:$BARBICAN_PORT" --wsgi-file /usr/bin/barbican-wsgi-api
start_cinder api
if [ "$NOVA" = 1 ]; then
  start_svc placement-api "$PLACEMENT_PORT" env OS_PLACEMENT_CONFIG_DIR="$ETC/placement" \
    "${UWSGI[@]}" --http-socket "$IP:$PLACEMENT_PORT" --wsgi-file /usr/bin/placement-api
  # nova-api is eventlet-monkey-patched (nova.monkey_patch): N processes x 1 thread,
  # like Debian's nova-api-uwsgi.ini (threads = 1)
  # nova's wsgi app loads its paste pipeline from the FIRST of OS_NOVA_CONFIG_FILES
  ln -sfn /etc/nova/api-paste.ini "$ETC/nova/api-paste.ini"
  start_svc nova-api "$NOVA_PORT" env OS_NOVA_CONFIG_DIR="$ETC/nova" OS_NOVA_CONFIG_FILES="api-paste.ini;nova.conf" \
    /usr/bin/uwsgi --plugin python3 --master --processes "${LAB_NOVA_API_PROCESSES:-1}" --threads 1 \
    --enable-threads --lazy-apps --die-on-term --no-orphans --need-app --buffer-size 65535 \
    --disable-logging --skip-atexit-teardown --add-header "Connection: close" \
    --http-socket "$IP:$NOVA_PORT" --wsgi-file /usr/bin/nova-api-wsgi
fi
if [ "$NEUTRON" = 1 ]; then
  # /usr/bin/neutron-api's app, then sqlalchemy's configure_mappers(): in an API-only
  # process nothing configures the ORM mappers before the first GET /v2.0/ports, which
  # then fails on every call (500) with: AttributeError: type object 'Port' has no
  # attribute 'port_forwardings' (a backref that only exists once mappers are configured)
  cat > "$STATE_DIR/bin/neutron-api-wsgi.py" <<'PYEOF'
import runpy
application = runpy.run_path('/usr/bin/neutron-api', run_name='neutron_api_wsgi')['application']
from sqlalchemy import orm  # noqa: E402
orm.configure_mappers()
PYEOF
  # neutron's API app (eventlet-patched like nova's: 1 thread per process)
  start_svc neutron-api "$NEUTRON_PORT" env OS_NEUTRON_CONFIG_DIR="$ETC/neutron" \
    OS_NEUTRON_CONFIG_FILES="neutron.conf;ml2_conf.ini" \
    /usr/bin/uwsgi --plugin python3 --master --processes 1 --threads 1 \
    --enable-threads --lazy-apps --die-on-term --no-orphans --need-app --buffer-size 65535 \
    --disable-logging --skip-atexit-teardown --add-header "Connection: close" \
    --http-socket "$IP:$NEUTRON_PORT" --wsgi-file "$STATE_DIR/bin/neutron-api-wsgi.py"
fi

if [ "$BACKEND" = nfs ]; then
  # Cinder's NFS driver skips 'mount -t nfs' when its mount point is already a
  # mount point: bind-mount a plain local directory there (no NFS server, no dm).
  mkdir -p "$NFS_MNT"
  if ! awk -v m="$NFS_MNT" '$2==m{f=1} END{exit !f}' /proc/mounts; then
    mount --bind "$STATE_DIR/nfs-export" "$NFS_MNT" || die "mount --bind failed; try LAB_CINDER_BACKEND=fake"
  fi
fi
wait_until rabbitmq 90 "rabbitmq amqp on $IP:$RABBIT_PORT" tcp_open "$RABBIT_PORT"
start_cinder scheduler
start_cinder volume

wait_until keystone 90 "keystone $KS_URL" http_answers "$KS_URL"
$PY "$STATE_DIR/bin/lab_bootstrap.py" keystone || die "keystone resource bootstrap failed"
log "keystone catalog, service users, demo project/user, app credential: ok"
if [ "$NOVA" = 1 ]; then
  # nova-conductor/-scheduler/-compute all log in to keystone as 'nova' at start (placement
  # client), and nova-compute reports its node to placement at once: start them only now.
  wait_until placement-api 90 "placement-api $PLACEMENT_URL" http_answers "$PLACEMENT_URL/"
  start_svc nova-conductor - /usr/bin/nova-conductor "${NCONF[@]}"
  start_svc nova-scheduler - /usr/bin/nova-scheduler "${NCONF[@]}"
  start_svc nova-compute - /usr/bin/nova-compute "${NCONF[@]}"
fi
this_run_log() { awk '/^----- lab: starting/{n=0} {l[n++]=$0} END{for(i=0;i<n;i++) print l[i]}' "$LOGDIR/$1.log"; }
nova_errors() {
  for s in nova-compute nova-conductor nova-scheduler nova-api; do   # this run's errors only
    echo "== $s" >&2
    this_run_log "$s" | grep -E ' (ERROR|CRITICAL) ' | grep -v 'No DB access allowed' | tail -n 5 >&2
  done
}
wait_until barbican 90 "barbican $BARBICAN_URL" http_answers "$BARBICAN_URL/"
wait_until cinder-api 90 "cinder-api $CINDER_BASE" http_answers "$CINDER_BASE/"
NH_PID=''
if [ "$NOVA" = 1 ]; then   # nova's host mapping runs while cinder gets ready
  wait_until nova-api 90 "nova-api $NOVA_URL" http_answers "$NOVA_URL/"
  [ "$NEUTRON" = 1 ] && wait_until neutron-api 90 "neutron-api $NEUTRON_URL" http_answers "$NEUTRON_URL/"
  for s in nova-conductor nova-scheduler nova-compute; do svc_running $s || { tail -n 30 "$LOGDIR/$s.log" >&2; die "$s died"; }; done
  $PY "$STATE_DIR/bin/lab_bootstrap.py" nova_hosts & NH_PID=$!
fi
for s in cinder-scheduler cinder-volume; do svc_running $s || { tail -n 30 "$LOGDIR/$s.log" >&2; die "$s died"; }; done
$PY "$STATE_DIR/bin/lab_bootstrap.py" cinder || { tail -n 20 "$LOGDIR/cinder-volume.log" >&2; die "cinder not ready"; }
log "cinder: '$ENC_TYPE' encrypted type present, scheduler sees backend $BACKEND_NAME"
if [ "$NOVA" = 1 ]; then
  wait "$NH_PID" || { nova_errors; die "nova not ready"; }
  log "nova: conductor, scheduler, compute up; compute host mapped to cell1; flavor $LAB_NOVA_FLAVOR"
  $PY "$STATE_DIR/bin/lab_bootstrap.py" nova_server || { nova_errors; die "nova: test server failed"; }
  log "nova: test server ACTIVE"
fi

# ---------------------------------------------------------------- BYOK hook
# CINDER_BYOK=1: run contrib/cinder-byok/apply.sh (from the repo root) once the lab is
# healthy, then restart cinder-api, -scheduler and -volume so they load what it changed.
# Contract for apply.sh: called as `apply.sh STATE_DIR` from the repo root, its output
# going to our stderr, with the lab's env.sh exported (LAB_*, OS_*), plus
# LAB_CINDER_CONF_DIR (a cinder.conf.d dir that up.sh never rewrites: put cinder config
# overrides there as *.conf) and LAB_REPO_ROOT. It runs on every up.sh with CINDER_BYOK=1,
# so it must be idempotent. No-op (one log line) when the file does not exist.
BYOK_STATE=off
if [ "${CINDER_BYOK:-0}" = 1 ]; then
  if [ -f "$BYOK_HOOK" ]; then BYOK_STATE=applied; else BYOK_STATE=absent; fi
fi

# ---------------------------------------------------------------- outputs
write_outputs() {
  local IDS=$STATE_DIR/keystone/ids.json NIDS=$STATE_DIR/nova/ids.json
  j() { $PY -c "import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])" "$1" "$2"; }
  DEMO_PROJECT_ID=$(j "$IDS" demo_project_id); ADMIN_PROJECT_ID=$(j "$IDS" admin_project_id)
  APPCRED_ID=$(j "$IDS" appcred_id); APPCRED_SECRET=$(j "$IDS" appcred_secret)
  DEMO_USER_ID=$(j "$IDS" demo_user_id)
  ALT_PROJECT_ID=$(j "$IDS" alt_project_id); ALT_USER_ID=$(j "$IDS" alt_user_id)
  umask 077
  cat > "$STATE_DIR/clouds.yaml" <<EOF
clouds:
  lab-demo:
    auth: {auth_url: "$KS_URL", username: demo, password: "$DEMO_PASSWORD", project_name: demo, user_domain_name: Default, project_domain_name: Default}
    region_name: $REGION
    identity_api_version: 3
  lab-appcred:
    auth_type: v3applicationcredential
    auth: {auth_url: "$KS_URL", application_credential_id: "$APPCRED_ID", application_credential_secret: "$APPCRED_SECRET"}
    region_name: $REGION
    identity_api_version: 3
  lab-alt:
    auth: {auth_url: "$KS_URL", username: alt, password: "$ALT_PASSWORD", project_name: alt, user_domain_name: Default, project_domain_name: Default}
    region_name: $REGION
    identity_api_version: 3
  lab-admin:
    auth: {auth_url: "$KS_URL", username: admin, password: "$ADMIN_PASSWORD", project_name: admin, user_domain_name: Default, project_domain_name: Default}
    region_name: $REGION
    identity_api_version: 3
EOF
  # the driver's own config, in the upstream cinder-csi-plugin cloud.conf ([Global]) format
  cat > "$STATE_DIR/cloud.conf" <<EOF
[Global]
auth-url=$KS_URL
username=demo
password=$DEMO_PASSWORD
user-domain-name=Default
domain-name=Default
tenant-name=demo
region=$REGION
EOF
  cat > "$STATE_DIR/cloud-appcred.conf" <<EOF
[Global]
auth-url=$KS_URL
application-credential-id=$APPCRED_ID
application-credential-secret=$APPCRED_SECRET
region=$REGION
EOF
  {
    cat <<EOF
export LAB_STATE_DIR='$STATE_DIR'
export no_proxy='$no_proxy' NO_PROXY='$NO_PROXY'
export OS_CLIENT_CONFIG_FILE='$STATE_DIR/clouds.yaml'
export OS_AUTH_URL='$KS_URL' OS_IDENTITY_API_VERSION=3 OS_REGION_NAME='$REGION' OS_INTERFACE=public
export OS_USERNAME=demo OS_PASSWORD='$DEMO_PASSWORD' OS_PROJECT_NAME=demo OS_USER_DOMAIN_NAME=Default OS_PROJECT_DOMAIN_NAME=Default
export LAB_CLOUD_CONF='$STATE_DIR/cloud.conf' LAB_CLOUD_APPCRED_CONF='$STATE_DIR/cloud-appcred.conf'
export LAB_KEYSTONE_URL='$KS_URL' LAB_BARBICAN_URL='$BARBICAN_URL' LAB_CINDER_URL='$CINDER_BASE/v3'
export LAB_RABBIT_URL='$TRANSPORT' LAB_REGION='$REGION' LAB_TOKEN_EXPIRATION='${TOKEN_EXPIRATION:-3600}'
export LAB_DEMO_PROJECT_ID='$DEMO_PROJECT_ID' LAB_DEMO_USER_ID='$DEMO_USER_ID' LAB_DEMO_USERNAME=demo LAB_DEMO_PASSWORD='$DEMO_PASSWORD'
export LAB_ALT_PROJECT_ID='$ALT_PROJECT_ID' LAB_ALT_USER_ID='$ALT_USER_ID' LAB_ALT_PROJECT_NAME=alt LAB_ALT_USERNAME=alt LAB_ALT_PASSWORD='$ALT_PASSWORD'
export LAB_ADMIN_PROJECT_ID='$ADMIN_PROJECT_ID' LAB_ADMIN_USERNAME=admin LAB_ADMIN_PASSWORD='$ADMIN_PASSWORD'
export LAB_APPCRED_ID='$APPCRED_ID' LAB_APPCRED_SECRET='$APPCRED_SECRET'
export LAB_ENCRYPTED_VOLUME_TYPE='$ENC_TYPE' LAB_CINDER_BACKEND='$BACKEND' LAB_CINDER_BACKEND_NAME='$BACKEND_NAME' LAB_SECOND_ZONE='$([ "$BACKEND" = nfs ] && echo "$SECOND_ZONE")'
export LAB_VOLUME_DIR='$STATE_DIR/nfs-export' LAB_CINDER_CONF_DIR='$ETC/cinder/cinder.conf.d' LAB_CINDER_BYOK='$BYOK_STATE'
export LAB_NOVA='$NOVA'
EOF
    if [ "$NOVA" = 1 ]; then
      echo "export LAB_NOVA_URL='$NOVA_URL' LAB_PLACEMENT_URL='$PLACEMENT_URL' LAB_NOVA_NETWORK='$NOVA_NETWORK'"
      [ "$NEUTRON" = 1 ] && echo "export LAB_NEUTRON_URL='$NEUTRON_URL'"
      echo "export LAB_NOVA_SERVER_ID='$(j "$NIDS" server_id)' LAB_NOVA_SERVER_NAME='$(j "$NIDS" server_name)'"
      echo "export LAB_NOVA_FLAVOR_ID='$(j "$NIDS" flavor_id)' LAB_NOVA_ROOT_VOLUME_ID='$(j "$NIDS" root_volume_id)'"
    fi
  } > "$STATE_DIR/env.sh"
  umask 022
}
write_outputs

if [ "$BYOK_STATE" = applied ]; then
  log "CINDER_BYOK=1: running $BYOK_HOOK"
  ( set -a
    # shellcheck disable=SC1091
    . "$STATE_DIR/env.sh"
    export LAB_REPO_ROOT="$REPO_ROOT"
    cd "$REPO_ROOT" && bash "$BYOK_HOOK" "$STATE_DIR" ) >&2 </dev/null || die "BYOK hook $BYOK_HOOK failed"
  log "BYOK hook done: restarting cinder-api, cinder-scheduler, cinder-volume"
  "$SCRIPT_DIR/down.sh" "$STATE_DIR" --only cinder-api,cinder-scheduler,cinder-volume >&2
  # the hook may have added files to cinder.conf.d: refresh the fingerprints' file lists
  for s in cinder-api cinder-scheduler cinder-volume; do SVC_CONF[$s]=$(cinder_conf_files | tr '\n' ' '); done
  SVC_CONF[cinder-volume]+=" $STATE_DIR/bin/qemu-img"
  start_cinder api; start_cinder scheduler; start_cinder volume
  wait_until cinder-api 90 "cinder-api $CINDER_BASE" http_answers "$CINDER_BASE/"
  $PY "$STATE_DIR/bin/lab_bootstrap.py" cinder || { tail -n 20 "$LOGDIR/cinder-volume.log" >&2; die "cinder not ready after the BYOK hook"; }
  log "cinder ready again after the BYOK hook"
elif [ "$BYOK_STATE" = absent ]; then
  log "CINDER_BYOK=1 but $BYOK_HOOK does not exist: hook skipped (no-op)"
fi

log "all services healthy (pids: $(cd "$RUN" && for f in *.pid; do printf '%s=%s ' "${f%.pid}" "$(cat "$f")"; done))"
log "RSS total $("$SCRIPT_DIR/rss.sh" "$STATE_DIR" --total 2>/dev/null || echo '?') MiB; up.sh took $(awk -v a="$(date +%s.%N)" -v b="$T0" 'BEGIN{printf "%.1f", a-b}') s"
cat "$STATE_DIR/env.sh"
