# Sourced by e2e.sh and chain.sh: what a guest run against the lab needs on the host.
# Callers set -euo pipefail and define nothing of these names.

skip() { echo "SKIP: $*"; exit 77; }
log() { printf '== %s %s %s\n' "${VM_TEST_NAME:-vm}" "$(date +%T)" "$*"; }

# Exits 77 (ctest: skipped) unless the lab's environment, its NFS backend, root and curl are
# there; installs jq when missing.
require_lab() {
	[[ -n ${LAB_CLOUD_CONF:-} && -f ${LAB_CLOUD_CONF:-/nonexistent} && -d ${LAB_VOLUME_DIR:-/nonexistent} ]] ||
		skip "the lab environment is absent: start tests/lab/up.sh STATE_DIR and source STATE_DIR/env.sh"
	[[ ${LAB_CINDER_BACKEND:-nfs} == nfs ]] || skip "the lab's Cinder backend is ${LAB_CINDER_BACKEND}; the VM test needs nfs (volume files)"
	[[ $(id -u) -eq 0 ]] || skip "needs root (QEMU on the lab's volume files)"
	command -v curl >/dev/null || skip "curl is not installed"
	curl -s -o /dev/null --max-time 5 --noproxy '*' "$LAB_KEYSTONE_URL" ||
		skip "the lab's Keystone ($LAB_KEYSTONE_URL) does not answer"
	command -v jq >/dev/null || apt-get -o DPkg::Lock::Timeout=600 install -y -q jq >/dev/null
}

port() { sed -n 's|^[a-z]*://[^/:]*:\([0-9]*\).*|\1|p' <<< "$1"; }

# PORTS: run-in-vm.sh's -N arguments for Keystone, Barbican and Cinder (nothing else).
lab_ports() {
	PORTS=()
	local url p
	for url in "$LAB_KEYSTONE_URL" "$LAB_BARBICAN_URL" "$LAB_CINDER_URL"; do
		p=$(port "$url")
		[[ -n $p ]] || skip "cannot tell the port of $url"
		PORTS+=(-N "$p")
	done
}

# Copies BINARY into DIR without debug info (a smaller initramfs boots faster under TCG) and
# prints the copy's path.
stripped_copy() {
	mkdir -p "$2"
	objcopy --strip-debug "$1" "$2/$(basename "$1")"
	echo "$2/$(basename "$1")"
}

# The first 8 bytes of FILE in hex: 4c554b53babe0002 is a LUKS2 header, ...0001 LUKS1.
magic() { head -c 8 "$1" | od -An -tx1 | tr -d ' \n'; }

# check CMD...: runs it, prints ok/FAIL with $DESC, counts FAILS.
FAILS=0
check() { if "$@"; then echo "ok: $DESC"; else echo "FAIL: $DESC"; FAILS=$((FAILS + 1)); fi; }
