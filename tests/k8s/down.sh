#!/usr/bin/env bash
# tests/k8s/down.sh - stops what tests/k8s/up.sh (and the tests' host "pods") started for
# STATE_DIR, and only that: a process is signalled only when its environment carries
# K8S_SVC_OF=<STATE_DIR>.   usage: down.sh STATE_DIR [--purge]
set -uo pipefail
state=${1:?usage: down.sh STATE_DIR [--purge]}
[[ -d $state ]] || exit 0
state=$(cd "$state" && pwd -P)
[[ -e $state/.k8s-state ]] || { echo "k8s/down: $state is not a k8s state dir" >&2; exit 1; }

ours() {
  local p
  for p in /proc/[0-9]*; do
    { tr '\0' '\n' <"$p/environ"; } 2>/dev/null | grep -qxF "K8S_SVC_OF=$state" && echo "${p#/proc/}"
  done
}
pids=$(ours)
if [[ -n $pids ]]; then
  # shellcheck disable=SC2086
  kill $pids 2>/dev/null
  for _ in $(seq 50); do
    pids=$(ours)
    [[ -z $pids ]] && break
    sleep 0.2
  done
  # shellcheck disable=SC2086
  [[ -n $pids ]] && kill -9 $pids 2>/dev/null
fi
rm -f "$state"/run/*.pid
[[ ${2:-} == --purge ]] && rm -rf "$state"
exit 0
