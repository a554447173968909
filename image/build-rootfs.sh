#!/usr/bin/env bash
# image/build-rootfs.sh - builds the cinder-byok-csi container image without a container
# engine: a Debian bookworm root made by debootstrap, the runtime packages of
# image/runtime-packages.txt installed with apt inside it (chroot), the driver binaries
# copied in, then checked (every shared library resolves; --help and a CSI Probe work
# inside the root as the image's unprivileged user) and packed as an OCI image with umoci.
# It mirrors the Containerfile's runtime stage: same base suite, same packages, same user,
# same entrypoint.
#
#   usage (as root): image/build-rootfs.sh [--binary PATH] [--byokctl PATH] [--out DIR]
#                                          [--tag TAG] [--mirror URL] [--keep-rootfs]
#   --binary   the cinder-byok-csi executable (default: the newest /work/build*/cmd/cinder-byok-csi
#              or build/cmd/cinder-byok-csi of this tree)
#   --byokctl  byokctl (default: next to --binary's build tree); optional
#   --out      output directory (default /var/tmp/cinder-byok-csi-image)
#   --tag      image tag (default: the binary's --version, else 0.1.0)
#   --mirror   Debian mirror (default http://deb.debian.org/debian)
#
# Output: OUT/oci (OCI image layout), OUT/cinder-byok-csi-TAG.oci.tar (an oci-archive:
# `skopeo copy oci-archive:FILE docker://REGISTRY/cinder-byok-csi:TAG` pushes it, `podman
# load -i FILE` loads it), OUT/report.txt (timings, sizes, package versions).
# Installs debootstrap and umoci with apt-get when missing. Takes 2-4 minutes with a warm
# apt cache and network; not part of CI (tests/packaging/run.sh checks the recipe's files only).
set -euo pipefail
ROOT_DIR=$(cd "$(dirname "$0")/.." && pwd)
OUT=/var/tmp/cinder-byok-csi-image
MIRROR=http://deb.debian.org/debian
BINARY="" BYOKCTL="" TAG="" KEEP=0
while (($#)); do
  case $1 in
    --binary) BINARY=$2; shift 2 ;;
    --byokctl) BYOKCTL=$2; shift 2 ;;
    --out) OUT=$2; shift 2 ;;
    --tag) TAG=$2; shift 2 ;;
    --mirror) MIRROR=$2; shift 2 ;;
    --keep-rootfs) KEEP=1; shift ;;
    -h | --help) sed -n '2,25p' "$0"; exit 0 ;;
    *) echo "unknown argument $1" >&2; exit 2 ;;
  esac
done
[[ $(id -u) == 0 ]] || { echo "build-rootfs.sh: run as root (debootstrap, chroot)" >&2; exit 1; }

log() { printf '[%5ss] %s\n' "$SECONDS" "$*" >&2; }

if [[ -z $BINARY ]]; then
  BINARY=$(ls -t /work/build*/cmd/cinder-byok-csi "$ROOT_DIR"/build*/cmd/cinder-byok-csi 2>/dev/null | head -1 || true)
fi
[[ -x $BINARY ]] || { echo "build-rootfs.sh: no cinder-byok-csi binary (build it, or pass --binary)" >&2; exit 1; }
if [[ -z $BYOKCTL ]]; then
  cand="$(dirname "$(dirname "$BINARY")")/tools/byokctl/byokctl"
  [[ -x $cand ]] && BYOKCTL=$cand
fi
if [[ -z $TAG ]]; then
  TAG=$("$BINARY" --version 2>/dev/null | grep -oE '[0-9]+\.[0-9]+\.[0-9]+' | head -1 || true)
  TAG=${TAG:-0.1.0}
fi

need=()
command -v debootstrap >/dev/null || need+=(debootstrap)
command -v umoci >/dev/null || need+=(umoci)
if ((${#need[@]})); then
  log "apt-get install ${need[*]}"
  DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends "${need[@]}" >&2
fi

mapfile -t PACKAGES < <(grep -vE '^\s*(#|$)' "$ROOT_DIR/image/runtime-packages.txt")
RFS="$OUT/rootfs"
mounted=()
cleanup() {
  local m
  for m in "${mounted[@]}"; do umount -l "$m" 2>/dev/null || true; done
  [[ -n ${SMOKE_PID:-} ]] && kill "$SMOKE_PID" 2>/dev/null || true
}
trap cleanup EXIT

rm -rf "$OUT"
mkdir -p "$OUT"
t0=$SECONDS

# 1. The base: Debian's minimal variant, as slim images are.
log "debootstrap --variant=minbase bookworm $RFS ($MIRROR)"
debootstrap --variant=minbase bookworm "$RFS" "$MIRROR" >"$OUT/debootstrap.log" 2>&1 ||
  { tail -20 "$OUT/debootstrap.log" >&2; exit 1; }
t_debootstrap=$((SECONDS - t0))

# Leave documentation and man pages out, as Debian's slim images do.
cat >"$RFS/etc/dpkg/dpkg.cfg.d/01-slim" <<'EOF'
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/man/*
path-exclude /usr/share/info/*
path-exclude /usr/share/locale/*
path-exclude /usr/share/lintian/*
EOF
cp /etc/resolv.conf "$RFS/etc/resolv.conf"
mount -t proc proc "$RFS/proc" && mounted+=("$RFS/proc")

# 2. The runtime packages, with apt inside the root.
log "chroot apt-get install ${#PACKAGES[@]} packages"
t1=$SECONDS
chroot "$RFS" /usr/bin/env DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2
chroot "$RFS" /usr/bin/env DEBIAN_FRONTEND=noninteractive \
  apt-get install -y -qq --no-install-recommends "${PACKAGES[@]}" >"$OUT/apt.log" 2>&1 ||
  { tail -20 "$OUT/apt.log" >&2; exit 1; }
chroot "$RFS" dpkg-query -W -f='${Package}=${Version}\n' "${PACKAGES[@]}" >"$OUT/packages.txt"
chroot "$RFS" apt-get clean
rm -rf "$RFS"/var/lib/apt/lists/* "$RFS"/var/cache/apt/*.bin "$RFS"/var/log/*.log \
  "$RFS"/usr/share/doc/*/changelog* "$RFS"/usr/share/man/* "$RFS"/usr/share/locale/*
: >"$RFS/etc/resolv.conf"
t_apt=$((SECONDS - t1))

# 3. The user and the binaries, as in the Containerfile.
chroot "$RFS" groupadd --gid 65532 nonroot
chroot "$RFS" useradd --uid 65532 --gid 65532 --no-create-home --home-dir /nonexistent \
  --shell /usr/sbin/nologin nonroot
mkdir -p "$RFS/run/cryptsetup" "$OUT/app/usr/bin"
strip --strip-unneeded -o "$OUT/app/usr/bin/cinder-byok-csi" "$BINARY"
[[ -n $BYOKCTL ]] && strip --strip-unneeded -o "$OUT/app/usr/bin/byokctl" "$BYOKCTL"
cp -a "$OUT/app/usr/bin/." "$RFS/usr/bin/"

# 4. Proof of contents, inside the root.
log "checking the root"
chroot "$RFS" ldd /usr/bin/cinder-byok-csi >"$OUT/ldd.txt"
if grep -q 'not found' "$OUT/ldd.txt"; then
  echo "missing libraries in the image:" >&2; grep 'not found' "$OUT/ldd.txt" >&2; exit 1
fi
for tool in mkfs.ext4 resize2fs e2fsck mkfs.xfs xfs_growfs blkid mount umount; do
  chroot "$RFS" sh -c "command -v $tool" >/dev/null || { echo "image lacks $tool" >&2; exit 1; }
done
ls "$RFS"/usr/lib/x86_64-linux-gnu/libcryptsetup.so.12* >/dev/null
chroot --userspec=65532:65532 "$RFS" /usr/bin/cinder-byok-csi --help >"$OUT/help.txt" 2>&1 || true
grep -q -- '--mode' "$OUT/help.txt" || { echo "--help inside the image failed:" >&2; cat "$OUT/help.txt" >&2; exit 1; }
probe="skipped (no byokctl)"
if [[ -x $RFS/usr/bin/byokctl ]]; then
  mkdir -p "$RFS/tmp/csi" && chown 65532:65532 "$RFS/tmp/csi"
  chroot --userspec=65532:65532 "$RFS" /usr/bin/cinder-byok-csi --mode=node \
    --endpoint=unix:///tmp/csi/csi.sock --node-id=image-smoke-test >"$OUT/smoke.log" 2>&1 &
  SMOKE_PID=$!
  for _ in $(seq 50); do [[ -S $RFS/tmp/csi/csi.sock ]] && break; sleep 0.1; done
  if chroot --userspec=65532:65532 "$RFS" /usr/bin/byokctl --endpoint=unix:///tmp/csi/csi.sock \
    GetPluginInfo >"$OUT/probe.json" 2>&1 && grep -q byok.cinder.csi.openstack.org "$OUT/probe.json"; then
    probe="GetPluginInfo answered inside the image as uid 65532: $(tr -d '\n ' <"$OUT/probe.json")"
  else
    echo "GetPluginInfo inside the image failed:" >&2; cat "$OUT/probe.json" "$OUT/smoke.log" >&2; exit 1
  fi
  kill "$SMOKE_PID"; wait "$SMOKE_PID" 2>/dev/null || true; SMOKE_PID=""
  rm -rf "$RFS/tmp/csi"
fi
umount "$RFS/proc"; mounted=()

# 5. The OCI image: one layer for the base, one for the driver (as the Containerfile has).
log "umoci: OCI layout"
t2=$SECONDS
rm -f "$RFS/usr/bin/cinder-byok-csi" "$RFS/usr/bin/byokctl"
umoci init --layout "$OUT/oci"
umoci new --image "$OUT/oci:$TAG"
umoci insert --image "$OUT/oci:$TAG" --history.comment "debian bookworm minbase + image/runtime-packages.txt" \
  "$RFS" /
umoci insert --image "$OUT/oci:$TAG" --history.comment "cinder-byok-csi and byokctl" \
  "$OUT/app/usr/bin" /usr/bin
umoci config --image "$OUT/oci:$TAG" --os linux --architecture amd64 \
  --config.user 65532:65532 \
  --config.entrypoint /usr/bin/cinder-byok-csi \
  --config.env PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
  --config.label org.opencontainers.image.title=cinder-byok-csi \
  --config.label org.opencontainers.image.version="$TAG"
umoci gc --layout "$OUT/oci"
tar -C "$OUT/oci" -cf "$OUT/cinder-byok-csi-$TAG.oci.tar" .
t_oci=$((SECONDS - t2))

# 6. Report.
cp -a "$OUT/app/usr/bin/." "$RFS/usr/bin/"
layers=$(umoci stat --image "$OUT/oci:$TAG" --json 2>/dev/null | grep -c '"layer"' || true)
{
  echo "image:            $OUT/oci:$TAG ($OUT/cinder-byok-csi-$TAG.oci.tar)"
  echo "binary:           $BINARY ($(stat -c %s "$BINARY") bytes, stripped $(stat -c %s "$OUT/app/usr/bin/cinder-byok-csi"))"
  echo "root filesystem:  $(du -sm "$RFS" | cut -f1) MiB uncompressed"
  echo "OCI archive:      $(($(stat -c %s "$OUT/cinder-byok-csi-$TAG.oci.tar") / 1048576)) MiB (gzip layers)"
  echo "layer blobs:      $(find "$OUT/oci/blobs" -type f -size +100k -printf '%s\n' | sort -n | awk '{printf "%s%.1f MiB", sep, $1/1048576; sep=", "}')"
  echo "timing:           debootstrap ${t_debootstrap}s, apt ${t_apt}s, OCI ${t_oci}s, total $((SECONDS - t0))s"
  echo "libraries:        $(grep -c '=>' "$OUT/ldd.txt") resolved, none missing"
  echo "smoke test:       $probe"
  echo "packages:"
  sed 's/^/  /' "$OUT/packages.txt"
} | tee "$OUT/report.txt"
[[ $KEEP == 1 ]] || rm -rf "$RFS"
: "${layers:=}"
