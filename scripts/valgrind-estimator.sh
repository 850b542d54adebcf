#!/usr/bin/env bash
# scripts/valgrind-estimator.sh [CATCH-ARGS...] — runs the estimator test binary of the
# release build (build/release, built here if missing) under valgrind memcheck: any invalid
# read/write, use of uninitialised values or definite leak makes it exit 1
# (--error-exitcode=1). Extra arguments go to the Catch2 binary (a test name or [tag]).
# Slow (20-50x): the default skips nothing but the hidden [.full-sweep] test.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
[ -f build/release/CMakeCache.txt ] || cmake --preset release >/dev/null
nice -n 10 cmake --build build/release -j2 --target llmsizer_tests_estimator >/dev/null
exec nice -n 10 valgrind --tool=memcheck --error-exitcode=1 --leak-check=full \
  --errors-for-leak-kinds=definite --track-origins=yes --num-callers=30 --quiet \
  build/release/tests/llmsizer_tests_estimator "$@"
