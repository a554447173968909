#!/usr/bin/env bash
# tests/packaging/measure-rss.sh - the measurement behind the chart's resource figures
# (docs/resources.md): starts the driver in node and in controller mode on a private socket,
# reads VmRSS/VmHWM idle, drives CALLS cheap RPCs from PARALLEL byokctl clients (plus metrics
# scrapes in controller mode), and reads them again with the CPU time used.
#   usage: measure-rss.sh BINARY BYOKCTL [CALLS_PER_CLIENT=100] [PARALLEL=8]
# Touches no OpenStack service: the controller gets a cloud.conf whose Keystone is a closed
# port on 127.0.0.1, so these figures leave out TLS sessions and Cinder/Barbican calls.
set -euo pipefail
BIN=${1:?usage: measure-rss.sh BINARY BYOKCTL [CALLS] [PARALLEL]}
CTL=${2:?usage: measure-rss.sh BINARY BYOKCTL [CALLS] [PARALLEL]}
CALLS=${3:-100} PAR=${4:-8}
tmp=$(mktemp -d)
pid=""
trap '[[ -n $pid ]] && kill "$pid" 2>/dev/null; rm -rf "$tmp"' EXIT
cat >"$tmp/cloud.conf" <<'EOF'
[Global]
auth-url = http://127.0.0.1:9/v3
application-credential-id = measure
application-credential-secret = measure
region = RegionOne
EOF
mem() { awk '/^(VmRSS|VmHWM|RssAnon|Threads)/{printf "%s %s%s  ", $1, $2, ($3 ? " " $3 : "")}' "/proc/$1/status"; }
cpu_ms() { awk -v hz="$(getconf CLK_TCK)" '{printf "%d", ($14 + $15) * 1000 / hz}' "/proc/$1/stat"; }

for mode in node controller; do
  sock="$tmp/$mode.sock"
  args=(--mode="$mode" --endpoint="unix://$sock" --node-id=measure --cloud-config="$tmp/cloud.conf")
  [[ $mode == controller ]] && args+=(--metrics-address=127.0.0.1:0)
  "$BIN" "${args[@]}" >"$tmp/$mode.log" 2>&1 &
  pid=$!
  for _ in $(seq 50); do [[ -S $sock ]] && break; sleep 0.1; done
  sleep 1
  echo "$mode idle:   $(mem "$pid")"
  rpc=GetPluginInfo
  [[ $mode == controller ]] && rpc=Controller.ControllerGetCapabilities
  [[ $mode == node ]] && rpc=Node.NodeGetCapabilities
  start=$(date +%s.%N)
  for _ in $(seq "$PAR"); do
    (for _ in $(seq "$CALLS"); do
      "$CTL" --endpoint="unix://$sock" Probe >/dev/null 2>&1 || true
      "$CTL" --endpoint="unix://$sock" "$rpc" '{}' >/dev/null 2>&1 || true
    done) &
  done
  wait $(jobs -p | grep -v "^$pid$") 2>/dev/null || true
  end=$(date +%s.%N)
  n=$((2 * CALLS * PAR))
  echo "$mode loaded: $(mem "$pid") after $n RPCs from $PAR clients in $(awk -v a="$start" -v b="$end" 'BEGIN{printf "%.1f", b - a}') s, driver CPU $(cpu_ms "$pid") ms"
  kill "$pid"; wait "$pid" 2>/dev/null || true; pid=""
done
