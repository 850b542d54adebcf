#!/usr/bin/env bash
# update-golden.sh — regenerates the expected outputs under tests/golden/ from the current
# build: builds the CLI and the golden suite of a preset (default release), runs the suite
# with LLMSIZER_UPDATE_GOLDEN=1, then lists what changed. Review the diff before committing.
#   bash scripts/update-golden.sh [preset]
set -euo pipefail
cd "$(dirname "$0")/.."
preset=${1:-release}
cmake --build --preset "$preset" --target llmsizer llmsizer_tests_golden
LLMSIZER_UPDATE_GOLDEN=1 ctest --preset "$preset" -R '^golden:'
git status --short -- tests/golden
git diff --stat -- tests/golden
