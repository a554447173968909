#!/usr/bin/env bash
# tests/lab/down.sh - stop what tests/lab/up.sh started for STATE_DIR, and only that.
#   usage: down.sh STATE_DIR [--purge]
#          down.sh STATE_DIR --only svc[,svc...]   (used by up.sh to restart services;
#                                                    no unmount, no purge)
# Processes are found from STATE_DIR/run/<service>.pid. A pid is only signalled
# if /proc/<pid>/environ carries LAB_SVC_OF=<STATE_DIR> (set by the up
# script), so a recycled pid is never hit. Each service runs in its own session
# (setsid), so its children are found by session id. Nothing is killed by name.
# --purge also unmounts and deletes STATE_DIR (databases, keys, volumes).
set -uo pipefail

PURGE='' ONLY=''
ARGS=()
while [ $# -gt 0 ]; do
  case $1 in
    --purge) PURGE=1 ;;
    --only) ONLY=,${2:?--only needs a list},; shift ;;
    *) ARGS+=("$1") ;;
  esac
  shift
done
STATE_DIR=${ARGS[0]:-${LAB_STATE_DIR:-/tmp/lab}}
[ -d "$STATE_DIR" ] || { echo "[lab-down] $STATE_DIR: no such state dir" >&2; exit 0; }
STATE_DIR=$(cd "$STATE_DIR" && pwd -P)
[ -e "$STATE_DIR/.lab-state" ] || { echo "[lab-down] $STATE_DIR is not a lab state dir (no .lab-state)" >&2; exit 1; }
[ -n "$PURGE" ] && [ -n "$ONLY" ] && { echo "[lab-down] --purge and --only do not mix" >&2; exit 2; }
RUN=$STATE_DIR/run
log() { echo "[lab-down] $*" >&2; }

marked() {   # pid carries our marker?
  { tr '\0' '\n' < "/proc/$1/environ"; } 2>/dev/null | grep -qxF "LAB_SVC_OF=$STATE_DIR"
}
tree_of() {  # pids in the session led by $1 (setsid => sid == leader pid), plus marked stragglers
  local sid=$1 p
  for p in /proc/[0-9]*; do
    p=${p#/proc/}
    [ -r "/proc/$p/stat" ] || continue
    # field 6 of /proc/pid/stat is the session id (comm may contain spaces: cut after ')')
    local s; s=$(sed 's/^.*) //' "/proc/$p/stat" 2>/dev/null | awk '{print $4}')
    if [ "$s" = "$sid" ] && marked "$p"; then echo "$p"; fi
  done
}

# stop in reverse dependency order: first every OpenStack service (in parallel:
# nova-compute/-scheduler/-conductor and cinder-scheduler each take ~5 s to stop
# gracefully), then rabbitmq, mariadb, epmd one by one
stop_svc() {
  local svc=$1 f pid p
  local -a pids alive
  if [ -n "$ONLY" ] && [[ $ONLY != *",$svc,"* ]]; then return 0; fi
  f=$RUN/$svc.pid
  [ -f "$f" ] || return 0
  pid=$(cat "$f")
  if [ -n "$pid" ] && marked "$pid"; then
    mapfile -t pids < <(tree_of "$pid")
    log "stopping $svc (pid $pid; tree: ${pids[*]})"
    kill -TERM "${pids[@]}" 2>/dev/null
    for _ in $(seq 1 100); do   # up to 20 s
      alive=(); for p in "${pids[@]}"; do marked "$p" && alive+=("$p"); done
      [ ${#alive[@]} = 0 ] && break
      sleep 0.2
    done
    if [ ${#alive[@]} -gt 0 ]; then log "$svc: SIGKILL to ${alive[*]}"; kill -KILL "${alive[@]}" 2>/dev/null; sleep 0.5; fi
  else
    log "$svc: not running"
  fi
  rm -f "$f" "$RUN/$svc.fp"
}
TIER1=(nova-compute nova-scheduler nova-conductor nova-api neutron-api placement-api
       cinder-volume cinder-scheduler cinder-api barbican keystone)
for svc in "${TIER1[@]}"; do stop_svc "$svc" & done
wait
for svc in rabbitmq mariadb epmd; do stop_svc "$svc"; done
if [ -n "$ONLY" ]; then log "done (${ONLY//,/ })"; exit 0; fi

# stragglers that still carry our marker (e.g. a helper that escaped its session)
left=()
for p in /proc/[0-9]*; do p=${p#/proc/}; [ "$p" != $$ ] && [ "$p" != "$BASHPID" ] && marked "$p" && left+=("$p"); done
if [ ${#left[@]} -gt 0 ]; then log "killing leftover marked processes: ${left[*]}"; kill -KILL "${left[@]}" 2>/dev/null; fi

# the bind mount made for the NFS backend
while read -r _ mnt _; do
  case $mnt in "$STATE_DIR"/cinder/mnt/*) log "umount $mnt"; umount "$mnt" || umount -l "$mnt" ;; esac
done < <(awk '{print $1, $2, $3}' /proc/mounts)

if [ -n "$PURGE" ]; then
  if awk -v d="$STATE_DIR/" 'index($2, d)==1{f=1} END{exit !f}' /proc/mounts; then
    log "refusing to purge: something is still mounted under $STATE_DIR"; exit 1
  fi
  log "purging $STATE_DIR"
  rm -rf --one-file-system "$STATE_DIR"
fi
log "done"
