#!/usr/bin/env bash
# tests/lab/rss.sh - resident memory of each lab service (sum over its session's
# processes, i.e. uwsgi workers and cinder-volume's child included), and the total.
#   usage: rss.sh STATE_DIR [--total]    (--total: print only the total, in MiB)
set -uo pipefail
STATE_DIR=${1:-${LAB_STATE_DIR:-/tmp/lab}}
STATE_DIR=$(cd "$STATE_DIR" && pwd -P) || exit 1
total=0
for f in "$STATE_DIR"/run/*.pid; do
  [ -e "$f" ] || continue
  sid=$(cat "$f"); kb=0
  # each service was started with setsid: its session id is the pid in the pid file
  for p in $(ps -eo pid=,sid= | awk -v s="$sid" '$2==s{print $1}'); do
    r=$(awk '/^VmRSS/{print $2}' "/proc/$p/status" 2>/dev/null); kb=$((kb + ${r:-0}))
  done
  total=$((total + kb))
  [ "${2:-}" = --total ] || printf '%-17s %5d MiB\n' "$(basename "$f" .pid)" $((kb / 1024))
done
if [ "${2:-}" = --total ]; then echo $((total / 1024)); else printf '%-17s %5d MiB\n' TOTAL $((total / 1024)); fi
