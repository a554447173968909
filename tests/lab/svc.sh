#!/usr/bin/env bash
# tests/lab/svc.sh - control one service of a running lab, for fault-injection tests.
#   usage: svc.sh STATE_DIR stop|start|restart|pause|resume|status SERVICE [VAR=VALUE...]
#   stop     SIGTERM to the service's process tree (down.sh --only), waits until it is gone
#   start    starts it again exactly as up.sh last did (STATE_DIR/run/SERVICE.cmd) and waits
#            until its port accepts connections (services without a port: until it runs);
#            VAR=VALUE replaces the value of an `env VAR=...` word of that command line, e.g.
#            OS_KEYSTONE_CONFIG_FILES='a.conf;b.conf' (a later restart without it undoes it)
#   pause    SIGSTOP to its process group: the port still accepts connections but nothing
#            answers (a hung service); resume sends SIGCONT
#   status   prints running|paused|stopped
# Only processes that up.sh started for STATE_DIR are signalled (LAB_SVC_OF marker).
set -euo pipefail

STATE_DIR=${1:?usage: svc.sh STATE_DIR stop|start|restart|pause|resume|status SERVICE}
ACTION=${2:?action}
NAME=${3:?service name}
shift 3
OVERRIDES=("$@")
STATE_DIR=$(cd "$STATE_DIR" && pwd -P)
SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)
RUN=$STATE_DIR/run
LOGDIR=$STATE_DIR/log
[ -e "$STATE_DIR/.lab-state" ] || { echo "svc.sh: $STATE_DIR is not a lab state dir" >&2; exit 2; }
log() { echo "[lab-svc] $NAME: $*" >&2; }

is_ours() {
  local pid=$1
  [ -n "$pid" ] && { tr '\0' '\n' < "/proc/$pid/environ"; } 2>/dev/null | grep -qxF "LAB_SVC_OF=$STATE_DIR"
}
pid_of() { cat "$RUN/$NAME.pid" 2>/dev/null || true; }
state_of() {  # R/S/D/T... of the leader
  sed 's/^.*) //' "/proc/$1/stat" 2>/dev/null | awk '{print $1}'
}
port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

status() {
  local pid; pid=$(pid_of)
  if ! is_ours "$pid"; then echo stopped; elif [ "$(state_of "$pid")" = T ]; then echo paused; else echo running; fi
}

start() {
  [ "$(status)" = stopped ] || { log "already $(status)"; return 0; }
  [ -f "$RUN/$NAME.cmd" ] || { log "no $RUN/$NAME.cmd: re-run tests/lab/up.sh $STATE_DIR"; exit 1; }
  local SVC_PORT SVC_CMD SVC_ENV
  # shellcheck disable=SC1090
  . "$RUN/$NAME.cmd"
  local o i replaced
  for o in "${OVERRIDES[@]}"; do
    replaced=''
    for i in "${!SVC_CMD[@]}"; do
      if [[ ${SVC_CMD[$i]} == "${o%%=*}="* ]]; then SVC_CMD[$i]=$o; replaced=1; fi
    done
    [ -n "$replaced" ] || { log "no ${o%%=*}= in its command line"; exit 2; }
    log "with $o"
  done
  echo "----- lab: starting $NAME at $(date -Is) (svc.sh) -----" >> "$LOGDIR/$NAME.log"
  ( cd "$STATE_DIR" && exec setsid env -i "${SVC_ENV[@]}" LAB_SVC_OF="$STATE_DIR" LAB_SERVICE="$NAME" "${SVC_CMD[@]}" ) \
      >>"$LOGDIR/$NAME.log" 2>&1 </dev/null &
  local pid=$!
  echo "$pid" > "$RUN/$NAME.pid"
  local t=$SECONDS
  while [ $((SECONDS - t)) -lt "${LAB_WAIT:-120}" ]; do
    if ! kill -0 "$pid" 2>/dev/null; then
      tail -n 20 "$LOGDIR/$NAME.log" >&2; log "exited at start"; exit 1
    fi
    if [ "$SVC_PORT" = - ]; then is_ours "$pid" && break
    elif port_open "$SVC_PORT"; then break; fi
    sleep 0.2
  done
  log "started (pid $pid) in $((SECONDS - t)) s"
}

case $ACTION in
  status) status ;;
  stop) "$SCRIPT_DIR/down.sh" "$STATE_DIR" --only "$NAME" ;;
  start) start ;;
  restart) "$SCRIPT_DIR/down.sh" "$STATE_DIR" --only "$NAME"; start ;;
  pause|resume)
    pid=$(pid_of)
    is_ours "$pid" || { log "not running"; exit 1; }
    # setsid made the leader its process group's leader: signal the whole group
    kill "-$([ "$ACTION" = pause ] && echo STOP || echo CONT)" -- "-$pid"
    log "${ACTION}d (process group $pid)" ;;
  *) echo "svc.sh: unknown action $ACTION" >&2; exit 2 ;;
esac
