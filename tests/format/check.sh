#!/usr/bin/env bash
# tests/format/check.sh - fails (exit 1) when a C++ file of the project differs from what
# clang-format makes of it with the repository's .clang-format, and names the files.
# Exit 77 (skipped) when clang-format is not installed (tools/install-build-deps.sh installs it).
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
command -v clang-format >/dev/null || { echo "SKIP: clang-format is not installed"; exit 77; }
bad=()
while IFS= read -r f; do
  clang-format --dry-run --Werror "$f" >/dev/null 2>&1 || bad+=("$f")
done < <(git ls-files '*.cc' '*.h' | grep -v '^contrib/')
if ((${#bad[@]})); then
  printf 'not formatted (run: clang-format -i FILE): %s\n' "${bad[@]}"
  exit 1
fi
echo "format: every C++ file matches .clang-format ($(clang-format --version))"
