#!/usr/bin/env bash
# validation-matrix.sh — the self-validation on this host, end to end: measure a fresh
# hardware profile with kernel sweeps at the matrix models' shapes, then run the reference
# decoder over the validation matrix and compare with the prediction from that profile.
# Writes profiles/measured/<host>-<date>.yaml and profiles/validation/validate-<host>-<date>.json
# (the error bands of measured estimates come from the newest validate-*.json). Run it on a
# quiet machine: about 10 minutes of profiling and 10-20 minutes of decoder runs on 2 cores.
#   bash scripts/validation-matrix.sh [--skip-profile PROFILE.yaml]
set -euo pipefail
cd "$(dirname "$0")/.."
B=build/release/cli/llmsizer
[[ -x $B ]] || { cmake --preset release >/dev/null && cmake --build --preset release; }
host=$(hostname | tr 'A-Z' 'a-z' | tr -c 'a-z0-9._\n-' '-')
date=$(date -u +%Y-%m-%d)
profile=profiles/measured/$host-$date.yaml
if [[ ${1:-} == --skip-profile ]]; then
  profile=$2
else
  echo "== profile --full (kernel sweeps at the matrix shapes) -> $profile"
  $B profile --full --models tinyllama-1.1b,llama-2-7b,llama-3-8b --out "$profile"
fi
out=profiles/validation/validate-$host-$date.json
echo "== validate --matrix with $profile -> $out"
# Exit 1 (some cell beyond the tolerance) is a result, not a failure of the script.
$B validate --matrix --profile "$profile" --json-out "$out" || [[ $? == 1 ]]
