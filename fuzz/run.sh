#!/bin/bash
# Builds the libFuzzer targets with clang (ASan+UBSan) in their own build dir and runs each
# for SECONDS (default 60), starting from the committed seed corpus fuzz/corpus/<target>/.
# Exits nonzero if any target crashes (the reproducer is left in $OUT/crashes/).
#
#   fuzz/run.sh [SECONDS] [TARGET...]
#
# Environment: BYOK_FUZZ_BUILD_DIR (default /tmp/byok-fuzz-build), BYOK_FUZZ_OUT (default
# /tmp/byok-fuzz-out: grown corpora, crash artifacts, logs), BYOK_FUZZ_JOBS (ninja -j, 2),
# BYOK_FUZZ_RSS_MB (per-target RSS limit, 2048), BYOK_FUZZ_SEED (libFuzzer -seed; unset: a
# random seed per run; CI's smoke run fixes it so a red run reproduces exactly), CXX/CC
# (clang++-14/clang-14).
set -euo pipefail

SECONDS_PER_TARGET=${1:-60}
shift || true
SRC=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BYOK_FUZZ_BUILD_DIR:-/tmp/byok-fuzz-build}
OUT=${BYOK_FUZZ_OUT:-/tmp/byok-fuzz-out}
CXX=${CXX_FUZZ:-$(command -v clang++-14 || command -v clang++ || true)}
CC=${CC_FUZZ:-$(command -v clang-14 || command -v clang || true)}
ALL_TARGETS=(fuzz_volume_spec fuzz_cloud_config fuzz_keystone fuzz_cinder_json fuzz_nova_json
             fuzz_barbican_json fuzz_unwrap_dek)
TARGETS=("$@")
[ ${#TARGETS[@]} -eq 0 ] && TARGETS=("${ALL_TARGETS[@]}")

if [ -z "$CXX" ] || [ -z "$CC" ]; then
  echo "fuzz/run.sh: clang not found (apt-get install clang-14 libclang-rt-14-dev)" >&2
  exit 77
fi
if ! ls /usr/lib/llvm-*/lib/clang/*/lib/linux/libclang_rt.fuzzer-x86_64.a >/dev/null 2>&1; then
  echo "fuzz/run.sh: libFuzzer runtime missing (apt-get install libclang-rt-14-dev)" >&2
  exit 77
fi

if [ ! -f "$BUILD/build.ninja" ]; then
  cmake -S "$SRC" -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DCMAKE_CXX_COMPILER="$CXX" -DCMAKE_C_COMPILER="$CC" \
    -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -gline-tables-only" \
    -DBYOK_FUZZ=ON -DBYOK_SANITIZE=ON -DBYOK_BUILD_TESTS=OFF >/dev/null
fi
ninja -C "$BUILD" -j "${BYOK_FUZZ_JOBS:-2}" "${TARGETS[@]}"

mkdir -p "$OUT/crashes"
export ASAN_OPTIONS=${ASAN_OPTIONS:-abort_on_error=1:detect_leaks=1:symbolize=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
failed=()
for t in "${TARGETS[@]}"; do
  seeds="$SRC/fuzz/corpus/$t"
  grown="$OUT/corpus/$t"
  mkdir -p "$grown"
  log="$OUT/$t.log"
  # Replay the committed reproducers first: a crash fixed once must stay fixed.
  repros=("$SRC/fuzz/crashes/$t-"*)
  if [ -e "${repros[0]}" ]; then
    if ! "$BUILD/fuzz/$t" "${repros[@]}" >"$OUT/$t.replay.log" 2>&1; then
      echo "!! $t: a committed reproducer crashes again (log $OUT/$t.replay.log)"
      grep -E "ERROR|SUMMARY|runtime error" "$OUT/$t.replay.log" | head -10
      failed+=("$t")
      continue
    fi
    echo "== $t: ${#repros[@]} committed reproducer(s) replayed clean"
  fi
  echo "== $t: ${SECONDS_PER_TARGET}s from $(ls "$seeds" 2>/dev/null | wc -l) seeds"
  # New inputs go to the first directory ($grown), never into the committed seeds.
  if "$BUILD/fuzz/$t" -max_total_time="$SECONDS_PER_TARGET" -rss_limit_mb="${BYOK_FUZZ_RSS_MB:-2048}" \
       -timeout=10 -max_len=8192 -print_final_stats=1 ${BYOK_FUZZ_SEED:+-seed=$BYOK_FUZZ_SEED} \
       -artifact_prefix="$OUT/crashes/$t-" "$grown" "$seeds" >"$log" 2>&1; then
    grep -E "^stat::number_of_executed_units|^stat::peak_rss_mb" "$log" | tr '\n' ' '
    grep -Eo "cov: [0-9]+ ft: [0-9]+ corp: [0-9]+/[^ ]+" "$log" | tail -1
  else
    echo "!! $t crashed; reproducer(s):"
    ls "$OUT/crashes/$t-"* 2>/dev/null || true
    grep -E "ERROR|SUMMARY|runtime error|#[0-9]+ 0x" "$log" | head -20
    failed+=("$t")
  fi
done
if [ ${#failed[@]} -gt 0 ]; then
  echo "fuzz/run.sh: crashes in: ${failed[*]} (logs in $OUT)" >&2
  exit 1
fi
echo "fuzz/run.sh: all ${#TARGETS[@]} targets ran ${SECONDS_PER_TARGET}s clean"
