#!/usr/bin/env bash
# bench-study.sh — times the 1,000,000-point estimate sweep (bench/studies/million-points.yaml)
# with the release build; the target is under 10 s on the 2-core machine (docs/benchmarks.md).
set -euo pipefail
cd "$(dirname "$0")/.."
out=$(mktemp -d)
/usr/bin/time -f "wall %e s, max RSS %M KiB" build/release/cli/llmsizer study \
  bench/studies/million-points.yaml --out "$out" --quiet
rm -rf "$out"
