#!/usr/bin/env bash
# setup.sh — the README's two commands.
#   bash scripts/setup.sh          install deps, build Release, run the main job
#   bash scripts/setup.sh --test   the same, then the whole test suite in the Release and
#                                  the AddressSanitizer+UBSan (dev) builds, and the
#                                  estimator-only build
set -euo pipefail
cd "$(dirname "$0")/.."
mode=${1:-run}
case "$mode" in run|--test) ;; *) echo "usage: $0 [--test]" >&2; exit 2 ;; esac

bash scripts/install-deps.sh
export CCACHE_DIR=${CCACHE_DIR:-$HOME/.cache/ccache}
cmake --preset release >/dev/null
cmake --build --preset release
bash scripts/main-job.sh

if [[ "$mode" == "--test" ]]; then
  echo "== tests: release"
  ctest --preset release
  echo "== tests: dev (AddressSanitizer + UBSan)"
  cmake --preset dev >/dev/null
  cmake --build --preset dev
  ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
    ctest --preset dev
  echo "== tests: estimator-only (no kernels, profiler, Eigen, hwloc or benchmark)"
  cmake --preset estimator-only >/dev/null
  cmake --build --preset estimator-only
  ctest --preset estimator-only
fi
