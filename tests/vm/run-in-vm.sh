#!/usr/bin/env bash
# run-in-vm.sh - run a test script as root inside a throw-away QEMU VM that has a real
# Debian kernel with device-mapper/dm-crypt, virtio-blk disks with serials, cryptsetup,
# e2fsprogs, xfsprogs and util-linux, so LUKS code paths can be tested end to end on a
# host whose own kernel has no device-mapper.
#
# The kernel (Debian linux-image-amd64) and a base initramfs are built once and cached;
# each run appends a small per-run cpio (test script, extra files) to the cached initramfs.
# The guest console is streamed to stdout; the script exits with the guest test's status.
#
# cinder-byok-csi copy (tests/vm), adapted from the team's reference harness:
#   -N PORT  restricted QEMU user networking: the guest reaches the host's 127.0.0.1:PORT (and
#            nothing else) at its own 127.0.0.1:PORT, so the node plugin talks to the lab's
#            Keystone/Barbican/Cinder with the URLs of the service catalog unchanged;
#   disks are attached with file.locking=off, so Cinder (qemu-img resize) can extend a volume
#            file while the guest has it attached (the harness plays Nova, not libvirt);
#   its own cache directory (BYOK_VM_CACHE), so it never evicts the reference harness's cache;
#   socat, coreutils dd and virtio_net in the guest.
set -euo pipefail

PROG=${0##*/}
SELF=$(readlink -f "$0")

usage() {
	cat <<'EOF'
Usage: run-in-vm.sh [options] TEST_SCRIPT [ARG...]

Runs TEST_SCRIPT (copied to /test/run in the guest; cwd /test; as root) with ARGs inside
a fresh VM and exits with its exit status. Guest console goes to stdout, our messages
to stderr (prefixed "run-in-vm:").

Options (repeatable ones marked *):
  -f DIR        * copy DIR's contents onto the guest's / (DIR/usr/local/bin/x -> /usr/local/bin/x)
  -b PATH       * copy a host binary plus its shared libraries (ldd) to the same path in the guest
  -d IMG[:SERIAL] * attach IMG as a virtio-blk disk (vda, vdb, ... in order), raw unless
                  IMG ends in .qcow2; SERIAL (<= 20 chars) shows in /sys/block/vdX/serial
                  and as /dev/disk/by-id/virtio-SERIAL
  -D IMG:FMT[:SERIAL] * like -d, with the QEMU format given: raw, qcow2, or auto (probed
                  with qemu-img info; an encrypted image is refused, use -E). For Cinder
                  volume files pass connection_info's data.format (a plain volume with
                  snapshots is a qcow2 overlay named volume-<id>.<snapshot-id>)
  -E IMG:SECRETFILE[:SERIAL] * attach an encrypted image that QEMU decrypts, so the guest
                  sees PLAINTEXT (as Nova does with QEMU-native LUKS): qcow2 with
                  encrypt.format=luks (Cinder NFS/remotefs encrypted volumes) or a raw LUKS
                  file (format=luks, e.g. an encrypted Cinder NFS volume created from a
                  snapshot). SECRETFILE holds the passphrase bytes exactly as they are, no
                  trailing newline; for Cinder/Nova that is the lowercase hex of the
                  Barbican key's raw bytes (32 bytes -> 64 chars). It is passed as
                  -object secret,id=secN,format=raw,file=SECRETFILE (not on the command
                  line). Encrypted qcow2 backing files (snapshot chains) get the same secret.
                  A wrong passphrase makes QEMU exit before boot (exit 126 here).
  (-d, -D and -E disks share one numbering: vda, vdb, ... in the order given)
  -v HOST[:GUEST] * share host folder HOST (read-write, 9p) at GUEST (default: same path)
  -N PORT       * forward the guest's 127.0.0.1:PORT to the host's 127.0.0.1:PORT (QEMU user
                  networking with restrict=on: no other host or outside address is reachable)
  -e NAME=VALUE * environment variable for the test
  -m MIB        guest memory in MiB (default 1024)
  -c N          guest vCPUs (default 2)
  -t SEC        wall-clock limit for the whole VM run (default 600); exit 124 when hit
  -a ACCEL      auto | tcg | kvm  (default auto: kvm only where /dev/kvm is a normal
                VMX/SVM KVM; on a PVM-based /dev/kvm like this machine's it picks tcg)
  -k ARGS       extra kernel command line arguments
  -C DIR        cache directory (default $BYOK_VM_CACHE or ~/.cache/byok-vm)
  -r            rebuild the cached kernel/initramfs
  -B            only build/refresh the cache, then exit 0
  -q            do not stream the console (it is still printed if the run fails)
  -K            keep the per-run temp dir (path printed) for debugging
  -h            this help

Inside the guest:
  /dev/disk/by-id/virtio-SERIAL symlinks (made by init, no udev)
  vm-host-resize DEV SIZE   ask the host to grow disk DEV (e.g. vda) to SIZE (e.g. 256M,
                            QEMU block_resize: the image file on the host grows) and wait
                            until the guest sees the new size
  no network except loopback; / is a tmpfs (RAM); /run/cryptsetup exists; /bin/sh is dash;
  bash, GNU grep and the util-linux/e2fsprogs/xfsprogs/cryptsetup tools are the host's.

Exit status: the test's status; 124 timeout; 125 the guest never reported a status
(kernel panic, init crash); 126 setup error on the host (vm2: also when QEMU itself
refuses to start, e.g. a wrong -E passphrase; its error line is logged).
Environment: BYOK_VM_CACHE (cache dir), RUN_IN_VM_KERNEL_DEB (use this linux-image .deb
instead of downloading linux-image-amd64's current one), RUN_IN_VM_TB_SIZE (TCG code cache
in MiB; QEMU's default 1024 lets qemu's RSS reach ~0.8 GB, 64 keeps it ~0.45 GB),
RUN_IN_VM_COMPRESS (base initramfs compressor, default none).
EOF
}

log() { printf '%s: %s\n' "$PROG" "$*" >&2; }
die() { log "error: $*"; exit 126; }

# ---------------------------------------------------------------- options
OVERLAY_DIRS=() BINS=() DISKS=() SHARES=() ENVS=() PORTS=()
MEM=1024 CPUS=2 TIMEOUT=600 ACCEL=auto KARGS="" REBUILD=0 BUILD_ONLY=0 QUIET=0 KEEP=0
CACHE=${BYOK_VM_CACHE:-${XDG_CACHE_HOME:-${HOME:-/root}/.cache}/byok-vm}
while getopts "f:b:d:D:E:v:N:e:m:c:t:a:k:C:rBqKh" opt; do
	case $opt in
	f) OVERLAY_DIRS+=("$OPTARG") ;;
	b) BINS+=("$OPTARG") ;;
	d) DISKS+=("d:$OPTARG") ;;
	D) DISKS+=("D:$OPTARG") ;;
	E) DISKS+=("E:$OPTARG") ;;
	v) SHARES+=("$OPTARG") ;;
	N) [[ $OPTARG =~ ^[0-9]+$ ]] || { echo "-N wants a port number: $OPTARG" >&2; exit 126; }
	   PORTS+=("$OPTARG") ;;
	e) ENVS+=("$OPTARG") ;;
	m) MEM=$OPTARG ;;
	c) CPUS=$OPTARG ;;
	t) TIMEOUT=$OPTARG ;;
	a) ACCEL=$OPTARG ;;
	k) KARGS=$OPTARG ;;
	C) CACHE=$OPTARG ;;
	r) REBUILD=1 ;;
	B) BUILD_ONLY=1 ;;
	q) QUIET=1 ;;
	K) KEEP=1 ;;
	h) usage; exit 0 ;;
	*) usage >&2; exit 126 ;;
	esac
done
shift $((OPTIND - 1))
if [[ $BUILD_ONLY == 0 ]]; then
	[[ $# -ge 1 ]] || { usage >&2; exit 126; }
	TEST=$1; shift
	[[ -f $TEST ]] || die "test script not found: $TEST"
fi

# ---------------------------------------------------------------- host packages
# command -> Debian package; installed on demand (root only).
declare -A NEED_PKG=(
	[qemu-system-x86_64]=qemu-system-x86 [busybox]=busybox-static [cryptsetup]=cryptsetup-bin
	[dmsetup]=dmsetup [mke2fs]=e2fsprogs [depmod]=kmod [cpio]=cpio [mkfs.xfs]=xfsprogs
	[losetup]=util-linux [socat]=socat [dpkg-deb]=dpkg [xz]=xz-utils [file]=file [flock]=util-linux
	[qemu-img]=qemu-utils
)
ensure_tools() {
	local missing=() c
	for c in "${!NEED_PKG[@]}"; do
		PATH=$PATH:/usr/sbin:/sbin command -v "$c" >/dev/null 2>&1 || missing+=("${NEED_PKG[$c]}")
	done
	# busybox must be the static build (package busybox-static)
	if command -v busybox >/dev/null && ldd "$(command -v busybox)" >/dev/null 2>&1; then
		missing+=(busybox-static)
	fi
	[[ ${#missing[@]} -eq 0 ]] && return 0
	[[ $(id -u) -eq 0 ]] || die "missing packages (install them): ${missing[*]}"
	log "installing: ${missing[*]}"
	DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -q --no-install-recommends \
		"${missing[@]}" >&2 || {
		apt-get -o DPkg::Lock::Timeout=600 update -q >&2
		DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -q --no-install-recommends \
			"${missing[@]}" >&2
	}
}
export PATH=$PATH:/usr/sbin:/sbin
ensure_tools

# ---------------------------------------------------------------- cache
# Tools copied into the guest (when present on the host).
# Debian's busybox-static is built with "prefer applets": its sh, env, timeout, xargs, ...
# run busybox's own mount/losetup/modprobe instead of the real ones in PATH. So /bin/sh is
# dash, and the commonly used exec-ing tools come from the host too.
GUEST_TOOLS=(
	dash bash env timeout xargs find nohup chroot setsid flock nice chrt taskset ionice grep
	cryptsetup dmsetup
	mke2fs mkfs.ext4 mkfs.ext3 mkfs.ext2 e2fsck fsck.ext4 resize2fs tune2fs dumpe2fs e2label debugfs
	mkfs.xfs xfs_growfs xfs_repair xfs_admin xfs_db xfs_io xfs_info xfs_spaceman fsck.xfs
	socat dd stat sha256sum cmp
	blkid findmnt lsblk losetup mount umount blockdev wipefs fsck mountpoint nsenter unshare
	sfdisk partx
	kmod strace
)
# Modules put in the initramfs (with their dependencies). GUEST_PRELOAD ones are loaded by
# init; the others load on demand through the kernel's modprobe (mount -t ext4/xfs, dm targets,
# crypto algorithms). Preloading xfs would cost ~0.9 s and ext4 ~0.3 s of TCG time per boot.
GUEST_MODULES=(
	virtio_pci virtio_blk virtio_rng virtio_net 9pnet_virtio 9p
	loop dm-mod dm-crypt dm-integrity
	ext4 xfs
	xts ecb essiv aesni-intel crc32c-intel crc32c_generic sha256-ssse3 sha512-ssse3
	af_alg algif_skcipher algif_hash algif_aead
)
GUEST_PRELOAD=(virtio_pci virtio_blk virtio_rng loop dm-mod dm-crypt xts aesni-intel af_alg algif_skcipher algif_hash)
pkg_versions() {
	dpkg-query -W -f '${Package}=${Version}\n' qemu-system-x86 busybox-static cryptsetup-bin libcryptsetup12 \
		dmsetup e2fsprogs xfsprogs util-linux kmod bash libc6 2>/dev/null | sort
}
kernel_pkg() {
	apt-cache depends linux-image-amd64 2>/dev/null | sed -n 's/^ *Depends: \(linux-image-[0-9][^ ]*\)$/\1/p' | head -1
}

mkdir -p "$CACHE"
KDEB=${RUN_IN_VM_KERNEL_DEB:-}
if [[ -z $KDEB ]]; then
	# Reuse a downloaded kernel unless a rebuild was asked for.
	KDEB=$(ls -1 "$CACHE"/debs/linux-image-*.deb 2>/dev/null | sort -V | tail -1 || true)
	if [[ -z $KDEB || $REBUILD == 1 ]]; then
		kp=$(kernel_pkg)
		if [[ -z $kp ]]; then
			apt-get -o DPkg::Lock::Timeout=600 update -q >&2 || true
			kp=$(kernel_pkg)
		fi
		[[ -n $kp ]] || die "cannot resolve linux-image-amd64 to a kernel package (apt-get update?)"
		mkdir -p "$CACHE/debs"
		if ! ls "$CACHE"/debs/"${kp}"_*.deb >/dev/null 2>&1; then
			log "downloading $kp"
			(cd "$CACHE/debs" && apt-get -o DPkg::Lock::Timeout=600 download -q "$kp" >&2) ||
				die "apt-get download $kp failed"
		fi
		KDEB=$(ls -1 "$CACHE"/debs/"${kp}"_*.deb | sort -V | tail -1)
	fi
fi
[[ -f $KDEB ]] || die "kernel .deb not found: $KDEB"

KEY=$( { sed -n '/^# BEGIN-BASE/,/^# END-BASE/p' "$SELF"; basename "$KDEB"; pkg_versions;
	printf '%s\n' "${GUEST_TOOLS[@]}" "${GUEST_MODULES[@]}" "${GUEST_PRELOAD[@]}" "${RUN_IN_VM_COMPRESS:-}"; } |
	sha256sum | cut -c1-16)
BASE=$CACHE/base-$KEY

# BEGIN-BASE (everything down to END-BASE is part of the cache key)
INIT_SCRIPT='#!/bin/sh
# PID 1 of the run-in-vm guest.
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/root TERM=dumb
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null
mkdir -p /dev/pts /dev/shm /dev/mapper /dev/disk/by-id /tmp /run /mnt /root
mount -t devpts -o gid=5,mode=620 devpts /dev/pts
mount -t tmpfs -o mode=1777 tmpfs /dev/shm
# / is already a tmpfs (the unpacked initramfs); no tmpfs on /tmp or /run, so that files
# copied there with -f/-b stay visible.
chmod 1777 /tmp
mkdir -p /run/cryptsetup /run/lock
ln -sf /proc/self/fd /dev/fd; ln -sf /proc/self/fd/0 /dev/stdin
ln -sf /proc/self/fd/1 /dev/stdout; ln -sf /proc/self/fd/2 /dev/stderr
[ -e /sys/kernel/config ] && mount -t configfs configfs /sys/kernel/config 2>/dev/null
echo /sbin/modprobe > /proc/sys/kernel/modprobe
# one modprobe process for all modules: each exec of a dynamic binary is slow under TCG
modprobe -a $(cat /etc/vm-modules) || echo "vm-init: warning: some modules failed to load"
hostname vm; ip link set lo up 2>/dev/null
for b in /sys/block/vd*; do
	[ -e "$b" ] || continue
	s=$(cat "$b/serial" 2>/dev/null)
	[ -n "$s" ] && ln -sf "../../${b##*/}" "/dev/disk/by-id/virtio-$s"
done
if [ -f /test/ports ]; then
	# Restricted user networking: QEMU forwards 10.0.2.100:PORT to the host at
	# 127.0.0.1:PORT; a local socat makes it 127.0.0.1:PORT in the guest too.
	modprobe virtio_net
	ip link set eth0 up && ip addr add 10.0.2.15/24 dev eth0 || echo "vm-init: warning: no eth0"
	while read -r p; do
		socat TCP-LISTEN:"$p",bind=127.0.0.1,fork,reuseaddr TCP:10.0.2.100:"$p" </dev/null >/dev/null 2>&1 &
	done < /test/ports
	for p in $(cat /test/ports); do
		i=0
		while ! socat -u OPEN:/dev/null TCP:127.0.0.1:"$p" 2>/dev/null && [ $i -lt 50 ]; do i=$((i + 1)); sleep 0.1; done
	done
fi
if [ -f /test/shares ]; then
	modprobe -a 9pnet_virtio 9p
	while read -r tag dir; do
		mkdir -p "$dir" && mount -t 9p -o trans=virtio,version=9p2000.L,msize=262144 "$tag" "$dir" ||
			echo "vm-init: warning: cannot mount share $tag at $dir"
	done < /test/shares
fi
echo "@@VMTEST-START uptime=$(cut -d" " -f1 /proc/uptime)@@"
cd /test
. /test/env.sh
if head -c2 /test/run | grep -q "^#!"; then /test/run "$@" </dev/null; else sh /test/run "$@" </dev/null; fi
rc=$?
cd /
sync
echo "@@VMTEST-END uptime=$(cut -d" " -f1 /proc/uptime) memused_kb=$(awk "/MemTotal/{t=\$2}/MemAvailable/{a=\$2}END{print t-a}" /proc/meminfo)@@"
[ -f /test/shares ] && while read -r tag dir; do umount "$dir" 2>/dev/null; done < /test/shares
echo "@@VMTEST-EXIT=$rc@@"
poweroff -f
sleep 5
'

RESIZE_HELPER='#!/bin/sh
# vm-host-resize DEV SIZE: ask the host (QEMU block_resize) to grow virtio disk DEV to SIZE
# (bytes, or with K/M/G/T suffix) and wait until the guest kernel sees the new capacity.
[ $# -eq 2 ] || { echo "usage: vm-host-resize vda 256M" >&2; exit 2; }
dev=${1#/dev/}; size=$2
[ -e "/sys/block/$dev/size" ] || { echo "vm-host-resize: no such disk: $dev" >&2; exit 2; }
old=$(cat "/sys/block/$dev/size")
serial=$(cat "/sys/block/$dev/serial" 2>/dev/null)
echo "@@VMHOST-RESIZE dev=$dev serial=$serial size=$size@@" > /dev/console
i=0
while [ "$(cat "/sys/block/$dev/size")" = "$old" ]; do
	i=$((i + 1))
	[ $i -gt 600 ] && { echo "vm-host-resize: $dev still $old sectors after 60s" >&2; exit 1; }
	sleep 0.1
done
echo "vm-host-resize: $dev now $(cat "/sys/block/$dev/size") sectors (was $old)" >&2
'

# copy_elf ROOT HOSTPATH [GUESTPATH]: copy an executable/library and its ldd closure.
# Files land at realpath(dirname)/basename so the guest's merged-/usr symlinks resolve them.
canon() { local d; d=$(readlink -f "$(dirname "$1")"); printf '%s/%s\n' "$d" "$(basename "$1")"; }
copy_elf() {
	local root=$1 src=$2 dst=${3:-} lib
	[[ -n $dst ]] || dst=$(canon "$src")
	install -D -m 0755 "$(readlink -f "$src")" "$root$dst"
	# ldd prints "name => /path (addr)" or "/path (addr)"; statically linked binaries print nothing useful.
	while read -r lib; do
		[[ -e $root$(canon "$lib") ]] && continue
		install -D -m 0755 "$(readlink -f "$lib")" "$root$(canon "$lib")"
	done < <(ldd "$src" 2>/dev/null | sed -n 's/.*=> \(\/[^ ]*\) .*/\1/p; s/^[[:space:]]*\(\/[^ ]*\) (0x.*/\1/p')
}

build_base() {
	local out=$1 w kx K root t m p
	rm -rf "$CACHE"/build.* # leftovers of an interrupted build (we hold the cache lock)
	w=$(mktemp -d "$CACHE/build.XXXXXX")
	log "building kernel + base initramfs from $(basename "$KDEB") into $out"
	kx=$w/kx root=$w/root
	dpkg-deb -x "$KDEB" "$kx"
	K=$(ls "$kx/lib/modules")
	mkdir -p "$w/out"
	# Kernel: prefer the uncompressed ELF vmlinux (QEMU boots it through the PVH entry point,
	# skipping the real-mode setup and the in-guest xz decompression: ~3 s faster under TCG).
	cp "$kx/boot/vmlinuz-$K" "$w/out/vmlinuz"
	local off
	off=$(grep -abo $'\xfd7zXZ\x00' "$kx/boot/vmlinuz-$K" | head -1 | cut -d: -f1 || true)
	# xz complains about the bzImage's trailing bytes; judge the result, not the exit status.
	[[ -n $off ]] && { tail -c +$((off + 1)) "$kx/boot/vmlinuz-$K" | xz -dcq > "$w/out/vmlinux" 2>/dev/null || true; }
	if [[ -s $w/out/vmlinux && $(head -c4 "$w/out/vmlinux" | od -An -tx1 | tr -d ' ') == 7f454c46 ]] &&
		{ ! command -v readelf >/dev/null || readelf -n "$w/out/vmlinux" | grep -Eq '0x00000012|PHYS32_ENTRY'; }; then
		:
	else
		rm -f "$w/out/vmlinux"
		log "warning: no PVH-bootable vmlinux extracted; will boot the compressed bzImage (slower)"
	fi
	# Root skeleton with Debian's merged-/usr layout.
	mkdir -p "$root"/{usr/bin,usr/sbin,usr/lib,usr/lib64,proc,sys,dev,etc,run,tmp,mnt,root,test}
	ln -s usr/bin "$root/bin"; ln -s usr/sbin "$root/sbin"; ln -s usr/lib "$root/lib"; ln -s usr/lib64 "$root/lib64"
	# Modules with their dependencies, then depmod on the subset.
	depmod -b "$kx" "$K"
	mkdir -p "$root/usr/lib/modules/$K"
	for m in "${GUEST_MODULES[@]}"; do
		{ modprobe -d "$kx" -S "$K" --show-depends "$m" 2>/dev/null || log "warning: module $m not found"; } |
			sed -n 's/^insmod \([^ ]*\).*/\1/p'
	done | awk '!seen[$0]++' | while read -r p; do
		t=${p#"$kx"}
		install -D -m 0644 "$p" "$root/usr/${t#/usr/}" # /lib/modules/... -> /usr/lib/modules/...
	done
	cp "$kx/lib/modules/$K"/modules.{builtin,builtin.modinfo,order} "$root/usr/lib/modules/$K/"
	depmod -b "$root" "$K"
	printf '%s\n' "${GUEST_PRELOAD[@]}" > "$root/etc/vm-modules"
	# Tools and their libraries.
	for t in "${GUEST_TOOLS[@]}"; do
		p=$(command -v "$t" 2>/dev/null) || continue
		case $(file -L "$p") in
		*ELF*) copy_elf "$root" "$p" ;;
		*) install -D -m 0755 "$(readlink -f "$p")" "$root$(canon "$p")" ;; # shell scripts (xfs_info, fsck.xfs)
		esac
	done
	for t in modprobe insmod rmmod lsmod modinfo depmod; do ln -sf /usr/bin/kmod "$root/usr/sbin/$t"; done
	ln -sf dash "$root/usr/bin/sh"
	cp "$(readlink -f "$(command -v busybox)")" "$root/usr/bin/busybox"
	busybox --list-full | while read -r p; do
		case $p in bin/* | sbin/*) p=usr/$p ;; esac
		[[ -e $root/$p || -L $root/$p ]] || ln -s /usr/bin/busybox "$root/$p"
	done
	# Config files.
	[[ -f /etc/mke2fs.conf ]] && cp /etc/mke2fs.conf "$root/etc/"
	printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n' > "$root/etc/passwd"
	printf 'root:x:0:\ntty:x:5:\ndisk:x:6:\nnogroup:x:65534:\n' > "$root/etc/group"
	printf 'passwd: files\ngroup: files\nhosts: files\n' > "$root/etc/nsswitch.conf"
	printf '127.0.0.1 localhost vm\n::1 localhost\n' > "$root/etc/hosts"
	ln -s /proc/self/mounts "$root/etc/mtab"
	printf '%s' "$INIT_SCRIPT" > "$root/init"; chmod 755 "$root/init"
	printf '%s' "$RESIZE_HELPER" > "$root/usr/bin/vm-host-resize"; chmod 755 "$root/usr/bin/vm-host-resize"
	printf '%s\n' "$K" > "$w/out/kernel-release"
	# Uncompressed by default (~34 MB): a TCG guest spends ~0.4 s more gunzipping a gzip -1 one
	# (~14 MB). RUN_IN_VM_COMPRESS="gzip -1" (or "zstd -3") trades boot time for cache size.
	(cd "$root" && find . -mindepth 1 | LC_ALL=C sort | cpio -o -H newc -R 0:0 --quiet) | ${RUN_IN_VM_COMPRESS:-cat} > "$w/out/base.cpio"
	# Pad to 512 bytes: the next (per-run, uncompressed) cpio must start 4-byte aligned.
	local sz; sz=$(stat -c %s "$w/out/base.cpio")
	head -c $(((512 - sz % 512) % 512)) /dev/zero >> "$w/out/base.cpio"
	rm -rf "$out"; mv "$w/out" "$out"
	rm -rf "$w"
	# Drop bases built by other versions of this script or of the packages.
	for t in "$CACHE"/base-*; do [[ $t == "$out" ]] || rm -rf "$t"; done
}
# END-BASE

mkdir -p "$CACHE"
exec 9> "$CACHE/.lock"
flock 9
if [[ $REBUILD == 1 || ! -f $BASE/base.cpio ]]; then
	build_base "$BASE"
fi
flock -u 9
exec 9>&-
if [[ $BUILD_ONLY == 1 ]]; then
	ls -la "$BASE" >&2
	exit 0
fi
KREL=$(cat "$BASE/kernel-release")

# ---------------------------------------------------------------- per-run overlay
RUN=$(mktemp -d "${TMPDIR:-/tmp}/run-in-vm.XXXXXX")
cleanup() { if [[ $KEEP == 1 ]]; then log "kept $RUN"; else rm -rf "$RUN"; fi; }
trap cleanup EXIT
OV=$RUN/overlay
mkdir -p "$OV/test"
for d in "${OVERLAY_DIRS[@]}"; do
	[[ -d $d ]] || die "-f: not a directory: $d"
	cp -a "$d/." "$OV/"
done
for b in "${BINS[@]}"; do
	[[ -e $b ]] || die "-b: not found: $b"
	copy_elf "$OV" "$(readlink -f "$b")" "$(readlink -m "$b")"
done
install -m 0755 "$TEST" "$OV/test/run"
sq() { local s=${1//\'/\'\\\'\'}; printf "'%s'" "$s"; }
{
	for e in "${ENVS[@]}"; do
		[[ $e == *=* && ${e%%=*} =~ ^[A-Za-z_][A-Za-z0-9_]*$ ]] || die "-e wants NAME=VALUE: $e"
		printf 'export %s=%s\n' "${e%%=*}" "$(sq "${e#*=}")"
	done
	printf 'set --'
	for a in "$@"; do printf ' %s' "$(sq "$a")"; done
	printf '\n'
} > "$OV/test/env.sh"

QEMU=(qemu-system-x86_64 -nodefaults -no-reboot -display none -m "$MEM" -smp "$CPUS")
i=0
for s in "${SHARES[@]}"; do
	h=${s%%:*} g=${s#*:}
	[[ $s == *:* ]] || g=$h
	[[ -d $h ]] || die "-v: not a directory: $h"
	h=$(readlink -f "$h")
	QEMU+=(-virtfs "local,path=${h//,/,,},mount_tag=vmshare$i,security_model=none,id=vmshare$i")
	printf 'vmshare%d %s\n' "$i" "$g" >> "$OV/test/shares"
	i=$((i + 1))
done
# img_chain IMG: one line per image of IMG's backing chain (IMG first): "FORMAT ENCRYPTED"
# (ENCRYPTED = yes|no), from qemu-img info's human output. -U: works while another process
# (cinder-volume, another VM) has the image open.
img_chain() {
	qemu-img info -U --backing-chain "$1" 2>&1 | awk '
		/^qemu-img: /     { print "ERROR " $0; exit 1 }
		/^image: /        { if (n++) print f, e; f = "?"; e = "no" }
		/^file format: /  { f = $3 }
		/^encrypted: yes/ { e = "yes" }
		END               { if (n) print f, e }'
}
declare -A SERIAL2ID=()
i=0
for dd in "${DISKS[@]}"; do
	kind=${dd%%:*} d=${dd#*:}
	img=${d%%:*} serial="" fmt="" secret="" enc=""
	case $kind in
	d)
		[[ $d == *:* ]] && serial=${d#*:}
		fmt=raw; [[ $img == *.qcow2 ]] && fmt=qcow2
		;;
	D)
		[[ $d == *:* ]] || die "-D wants IMG:FMT[:SERIAL]: $d"
		rest=${d#*:} fmt=${rest%%:*}
		[[ $rest == *:* ]] && serial=${rest#*:}
		;;
	E)
		[[ $d == *:* ]] || die "-E wants IMG:SECRETFILE[:SERIAL]: $d"
		rest=${d#*:} secret=${rest%%:*}
		[[ $rest == *:* ]] && serial=${rest#*:}
		[[ -f $secret && -r $secret ]] || die "-E: secret file not readable: $secret"
		[[ -s $secret ]] || die "-E: secret file is empty: $secret"
		[[ $(tail -c1 "$secret" | od -An -tx1 | tr -d ' ') != 0a ]] ||
			log "warning: -E secret file $secret ends in a newline; QEMU uses it as part of the passphrase"
		secret=$(readlink -f "$secret")
		;;
	esac
	[[ -f $img ]] || die "-$kind: image not found: $img"
	[[ ${#serial} -le 20 ]] || log "warning: serial '$serial' is longer than 20 bytes; the guest sees only the first 20"
	img=$(readlink -f "$img")
	opts=""
	if [[ $kind == D && $fmt == auto ]]; then
		chain=$(img_chain "$img") || die "-D: qemu-img info $img: $chain"
		read -r fmt enc <<< "$chain"
		[[ $enc == no && $fmt != luks ]] || die "-D: $img is encrypted ($fmt); attach it with -E IMG:SECRETFILE"
	fi
	case $kind:$fmt in
	[dD]:raw | [dD]:qcow2) ;;
	[dD]:*) die "-$kind: unsupported format '$fmt' for $img (raw or qcow2; -D also takes auto)" ;;
	esac
	if [[ $kind == E ]]; then
		chain=$(img_chain "$img") || die "-E: qemu-img info $img: $chain"
		read -r fmt enc <<< "$chain"
		# QEMU option values escape "," as ",,".
		QEMU+=(-object "secret,id=sec$i,format=raw,file=${secret//,/,,}")
		case $fmt:$enc in
		qcow2:yes)
			# Nova/libvirt: <encryption format='luks'> on a qcow2 disk -> qcow2 driver with
			# encrypt.format=luks,encrypt.key-secret=...; every encrypted backing file of the
			# chain (Cinder snapshot overlays) needs the key too.
			opts="format=qcow2,encrypt.format=luks,encrypt.key-secret=sec$i"
			pfx=backing.
			while read -r bf be; do
				[[ $bf == qcow2 && $be == yes ]] && opts+=",${pfx}encrypt.key-secret=sec$i"
				[[ $bf == luks ]] && opts+=",${pfx}key-secret=sec$i"
				pfx+=backing.
			done < <(tail -n +2 <<< "$chain")
			;;
		luks:*) opts="format=luks,key-secret=sec$i" ;; # raw file with a LUKS header
		*) die "-E: $img is neither an encrypted qcow2 nor a LUKS image (qemu-img: format $fmt, encrypted $enc)" ;;
		esac
		log "disk d$i: $img: QEMU-side LUKS ($opts; secret$i from $secret)${serial:+ serial=$serial}"
	else
		opts="format=$fmt"
	fi
	QEMU+=(-drive "file=${img//,/,,},if=none,id=d$i,$opts,file.locking=off,cache=unsafe,discard=unmap"
		-device "virtio-blk-pci,drive=d$i${serial:+,serial=${serial//,/,,}}")
	[[ -n $serial ]] && SERIAL2ID[${serial:0:20}]=d$i
	i=$((i + 1))
done
if [[ ${#PORTS[@]} -gt 0 ]]; then
	netdev="user,id=n0,restrict=on"
	for p in "${PORTS[@]}"; do
		netdev+=",guestfwd=tcp:10.0.2.100:$p-cmd:socat - TCP:127.0.0.1:$p"
		printf '%s\n' "$p" >> "$OV/test/ports"
	done
	QEMU+=(-netdev "$netdev" -device virtio-net-pci,netdev=n0)
else
	QEMU+=(-nic none)
fi
(cd "$OV" && find . -mindepth 1 | LC_ALL=C sort | cpio -o -H newc -R 0:0 --quiet) > "$RUN/overlay.cpio"
cat "$BASE/base.cpio" "$RUN/overlay.cpio" > "$RUN/initrd"

# ---------------------------------------------------------------- accelerator
if [[ $ACCEL == auto ]]; then
	ACCEL=tcg
	# A PVM /dev/kvm (kvm_pvm module) only runs PVM-enabled guest kernels; a stock kernel
	# stalls there in instruction emulation. Use KVM only with kvm_intel/kvm_amd.
	if [[ -r /dev/kvm && -w /dev/kvm && ! -d /sys/module/kvm_pvm ]] &&
		[[ -d /sys/module/kvm_intel || -d /sys/module/kvm_amd ]]; then
		ACCEL=kvm
	fi
fi
[[ $ACCEL == kvm && -d /sys/module/kvm_pvm ]] &&
	log "warning: /dev/kvm is PVM here; a stock Debian kernel crawls under it (use -a tcg)"
case $ACCEL in
kvm) QEMU+=(-accel kvm -cpu host) ;;
tcg) QEMU+=(-accel "tcg,thread=multi${RUN_IN_VM_TB_SIZE:+,tb-size=$RUN_IN_VM_TB_SIZE}" -cpu max) ;;
*) die "-a: auto, tcg or kvm" ;;
esac
KERNEL=$BASE/vmlinux
[[ -f $KERNEL ]] || KERNEL=$BASE/vmlinuz
CMDLINE="console=ttyS0 quiet panic=-1 rdinit=/init mitigations=off cryptomgr.notests random.trust_cpu=on i8042.noaux i8042.nokbd $KARGS"
MON=$RUN/mon.sock
QEMU+=(-M pc -kernel "$KERNEL" -initrd "$RUN/initrd" -append "$CMDLINE"
	-device virtio-rng-pci -serial stdio -monitor "unix:$MON,server=on,wait=off")

# ---------------------------------------------------------------- run
CONSOLE=$RUN/console.log
host_resize() { # $1 = marker line
	local dev serial size id
	dev=$(sed -n 's/.* dev=\([^ ]*\) .*/\1/p' <<< "$1")
	serial=$(sed -n 's/.* serial=\([^ ]*\) .*/\1/p' <<< "$1")
	size=$(sed -n 's/.* size=\([0-9]*[KMGT]\{0,1\}\)@@.*/\1/p' <<< "$1")
	id=""
	[[ -n $serial ]] && id=${SERIAL2ID[$serial]:-}
	if [[ -z $id && $dev =~ ^vd([a-z])$ ]]; then
		id=d$(($(printf '%d' "'${BASH_REMATCH[1]}") - 97))
	fi
	if [[ -z $id || -z $size ]]; then log "cannot handle resize request: $1"; return; fi
	log "host: block_resize $id $size"
	printf 'block_resize %s %s\n' "$id" "$size" | socat -t 5 - "UNIX-CONNECT:$MON" > "$RUN/mon.out" 2>&1 ||
		log "block_resize failed: $(cat "$RUN/mon.out")"
}
reader() {
	local line
	while IFS= read -r line || [[ -n $line ]]; do
		line=${line%$'\r'}
		printf '%s\n' "$line" >> "$CONSOLE"
		[[ $QUIET == 1 ]] || printf '%s\n' "$line"
		case $line in *@@VMHOST-RESIZE*) host_resize "$line" ;; esac
	done
}
: > "$CONSOLE"
T0=$(date +%s.%N)
set +e
if [[ -x /usr/bin/time ]]; then
	/usr/bin/time -f %M -o "$RUN/maxrss" timeout -k 5 "$TIMEOUT" "${QEMU[@]}" < /dev/null 2>&1 | reader
	QRC=${PIPESTATUS[0]}
else
	timeout -k 5 "$TIMEOUT" "${QEMU[@]}" < /dev/null 2>&1 | reader
	QRC=${PIPESTATUS[0]}
fi
set -e
T1=$(date +%s.%N)
WALL=$(awk -v a="$T0" -v b="$T1" 'BEGIN{printf "%.2f", b - a}')
RC=$(sed -n 's/.*@@VMTEST-EXIT=\([0-9]*\)@@.*/\1/p' "$CONSOLE" | tail -1)
START=$(sed -n 's/.*@@VMTEST-START uptime=\([0-9.]*\)@@.*/\1/p' "$CONSOLE" | tail -1)
MEMUSED=$(sed -n 's/.*memused_kb=\([0-9]*\)@@.*/\1/p' "$CONSOLE" | tail -1)
RSS=$(tail -1 "$RUN/maxrss" 2>/dev/null || true)
if [[ -z $RC ]]; then
	if [[ $QRC == 124 || $QRC == 137 ]]; then RC=124; log "timeout after ${TIMEOUT}s"
	elif [[ $QRC != 0 && -z $START ]] && grep -q '^qemu-system-x86_64: ' "$CONSOLE"; then
		# QEMU refused to start (bad image/format/secret, e.g. a wrong -E passphrase):
		# a host-side setup error, not a guest failure.
		RC=126; log "qemu did not start (exit $QRC): $(grep -m1 '^qemu-system-x86_64: ' "$CONSOLE")"
	else RC=125; log "guest reported no exit status (qemu exit $QRC)"; fi
	[[ $QUIET == 1 ]] && cat "$CONSOLE"
elif [[ $RC != 0 && $QUIET == 1 ]]; then
	cat "$CONSOLE"
fi
log "exit=$RC accel=$ACCEL kernel=$KREL wall=${WALL}s test-start-at-guest-uptime=${START:-?}s guest-mem-used=${MEMUSED:-?}KiB qemu-maxrss=${RSS:-?}KiB"
exit "$RC"
