#!/usr/bin/env bash
# Runs every test of cinder-byok-csi on a Debian bookworm machine, as root:
#   unit + conformance (ASan+UBSan build) + packaging (chart and manifests), then lab and fault
#   (the real OpenStack of tests/lab), vm (the node on real dm-crypt in a QEMU guest against the
#   lab), k8s (the chart and the CSI sidecars on a real Kubernetes control plane against the
#   lab, and csi-sanity) and a short libFuzzer run (fuzz).
# The lab is installed and started, and the Kubernetes parts are built from the Go module proxy
# (tests/k8s/build.sh, cached in ~/.cache/byok-k8s), in the background while the code compiles;
# the fuzz run goes alongside the k8s tests, which mostly wait on the control plane and the lab.
#
# Environment knobs:
#   BUILD_DIR      build directory (default: build-asan)
#   LAB_STATE_DIR  lab state (default: /tmp/byok-lab-<hash of the checkout path>; purged at the
#                  end unless LAB_KEEP=1)
#   LAB_KEEP=1     leave the lab running afterwards
#   TEST_LABELS    ctest label regex to run (default: everything)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
build=${BUILD_DIR:-$root/build-asan}
# The lab's MariaDB socket path must stay under ~100 characters, so the default state dir is
# short and derived from the checkout, whatever its path.
state=${LAB_STATE_DIR:-/tmp/byok-lab-$(printf '%s' "$root" | md5sum | cut -c1-8)}
labels=${TEST_LABELS:-unit|conformance|packaging|lab|fault|vm|k8s|fuzz}

log() { printf '== %s %s\n' "$(date +%T)" "$*" >&2; }

tools/install-build-deps.sh

lab_pid=
needs_lab() {
  [[ -x tests/lab/up.sh ]] || return 1
  local l
  for l in lab fault vm k8s; do [[ "$l" =~ ^($labels)$ ]] && return 0; done
  return 1
}
if needs_lab; then
  mkdir -p "$state"
  log "starting the OpenStack lab in $state (background)"
  # CINDER_BYOK=1: the lab's Cinder carries contrib/cinder-byok (encryption_key_id on create,
  # microversion 3.71), which the driver's cinder mode and its tests need.
  CINDER_BYOK=${CINDER_BYOK:-1} tests/lab/up.sh "$state" >"$state.env" 2>"$state.up.log" &
  lab_pid=$!
fi
k8s_build_pid=
if [[ "k8s" =~ ^($labels)$ ]]; then
  log "building the Kubernetes parts (background, log in $build.k8s-build.log)"
  mkdir -p "$(dirname "$build")"
  # Niced: the driver's own build comes first; the Go build fills the idle cycles.
  # The e2e test binary too (go test -c), so that its compile is cached when ctest runs it.
  (nice -n 10 tests/k8s/build.sh >/dev/null &&
    cd tests/k8s/e2e && PATH=/usr/local/go/bin:$PATH GOTOOLCHAIN=local \
      nice -n 10 go test -c -o "$build.k8s-e2e.test" .) 2>"$build.k8s-build.log" &
  k8s_build_pid=$!
fi
cleanup() {
  [[ -n "$k8s_build_pid" ]] && kill "$k8s_build_pid" 2>/dev/null
  if [[ -n "$lab_pid" ]]; then
    wait "$lab_pid" 2>/dev/null || true
    if [[ "${LAB_KEEP:-0}" != 1 ]]; then
      log "stopping the lab"
      tests/lab/down.sh "$state" --purge >&2 || true
    fi
  fi
}
trap cleanup EXIT

log "configure + build ($build)"
cmake -S . -B "$build" -G Ninja -DBYOK_SANITIZE=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$build"

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1}
status=0
log "unit + conformance + packaging tests"
ctest --test-dir "$build" -L "^(unit|conformance|packaging)$" --output-on-failure -j2 || status=1

if needs_lab; then
  log "waiting for the lab"
  if ! wait "$lab_pid"; then
    lab_pid=
    cat "$state.up.log" >&2
    log "the lab failed to start"
    exit 1
  fi
  lab_pid=
  trap '[[ -n "$k8s_build_pid" ]] && kill "$k8s_build_pid" 2>/dev/null
    [[ "${LAB_KEEP:-0}" == 1 ]] || tests/lab/down.sh "$state" --purge >&2 || true' EXIT
  tail -n 5 "$state.up.log" >&2
  set -a
  # shellcheck disable=SC1090
  . "$state.env"
  set +a
  log "lab, fault and vm tests"
  ctest --test-dir "$build" -L "^(lab|fault|vm)$" --output-on-failure || status=1
fi
late=()
if [[ -n "$k8s_build_pid" ]]; then
  log "waiting for the Kubernetes build"
  if wait "$k8s_build_pid"; then
    late+=(k8s)
  else
    tail -n 40 "$build.k8s-build.log" >&2
    log "the Kubernetes build failed"
    status=1
  fi
  k8s_build_pid=
  grep -E 'building|done in' "$build.k8s-build.log" >&2 || true
fi
[[ "fuzz" =~ ^($labels)$ ]] && late+=(fuzz)
if ((${#late[@]})); then
  log "${late[*]} tests (in parallel)"
  ctest --test-dir "$build" -L "^($(IFS='|'; echo "${late[*]}"))$" --output-on-failure -j2 ||
    status=1
fi
exit "$status"
