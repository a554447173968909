#!/usr/bin/env bash
# tests/vm/bench.sh PLUGIN BENCH LAB_TOOL: node plugin figures in the QEMU guest (TCG), against
# the lab. Prints a markdown report (copied into tests/vm/BENCH.md by hand; not a timed test).
# Needs what e2e.sh needs (the lab's env.sh sourced, root).
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)
PLUGIN=$(readlink -f "${1:?usage: bench.sh PLUGIN BENCH LAB_TOOL}")
BENCH=$(readlink -f "${2:?}")
LAB_TOOL=$(readlink -f "${3:?}")
[[ -f ${LAB_CLOUD_CONF:-/nonexistent} ]] || { echo "source the lab's env.sh first" >&2; exit 2; }
port() { sed -n 's|^[a-z]*://[^/:]*:\([0-9]*\).*|\1|p' <<< "$1"; }
PORTS=()
for url in "$LAB_KEYSTONE_URL" "$LAB_BARBICAN_URL" "$LAB_CINDER_URL"; do PORTS+=(-N "$(port "$url")"); done
W=$(mktemp -d "${TMPDIR:-/tmp}/byok-vm-bench.XXXXXX")
chmod 700 "$W"
trap 'cp "$W/console.log" "${TMPDIR:-/tmp}/byok-vm-bench.console.log" 2>/dev/null; "$LAB_TOOL" cleanup "$LAB_CLOUD_CONF" "$W/plan.json" >/dev/null 2>&1 || true; rm -rf "$W"' EXIT
mkdir -p "$W/overlay/byok" "$W/bin"
install -m 600 "$LAB_CLOUD_CONF" "$W/overlay/byok/cloud.conf"
"$LAB_TOOL" prepare "$LAB_CLOUD_CONF" "$W" --scenarios=bench > /dev/null
ID=$(jq -r .volumes.bench.id "$W/plan.json")
objcopy --strip-debug "$PLUGIN" "$W/bin/plugin"
objcopy --strip-debug "$BENCH" "$W/bin/bench"
cat > "$W/guest.sh" <<GUEST
#!/bin/sh
"$W/bin/bench" > /tmp/report.md 2> /tmp/bench.err
rc=\$?
echo "@@REPORT-BEGIN@@"; cat /tmp/report.md; echo "@@REPORT-END@@"
[ \$rc -eq 0 ] || cat /tmp/bench.err
exit \$rc
GUEST
chmod +x "$W/guest.sh"
"$HERE/run-in-vm.sh" -t 600 -m 1024 "${PORTS[@]}" -d "$LAB_VOLUME_DIR/volume-$ID:${ID:0:20}" \
	-f "$W/overlay" -b "$W/bin/plugin" -b "$W/bin/bench" -e "BYOK_PLUGIN_BINARY=$W/bin/plugin" \
	"$W/guest.sh" > "$W/console.log" 2>&1 || { cat "$W/console.log"; exit 1; }
sed -n '/@@REPORT-BEGIN@@/,/@@REPORT-END@@/p' "$W/console.log" | sed '1d;$d' | tr -d '\r'
grep '^run-in-vm.sh: exit' "$W/console.log"
