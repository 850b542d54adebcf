#!/usr/bin/env bash
# migrate-profile-v1.sh — rewrites a hardware-profile of schema_version 1 as version 2 by
# adding the condition each kernel point was timed under (docs/schema/hardware-profile.md
# #version-1). A v1 profiler streamed matmul and decode-attention operands from memory when
# the swept model's weights exceeded the last-level cache (all catalog models above ~30 MB),
# and timed every other op cache-hot; this script records exactly that, so it is right only
# for profiles swept over such models: pass --models-exceeded-llc to confirm.
# Usage: scripts/migrate-profile-v1.sh --models-exceeded-llc IN.yaml > OUT.yaml
set -euo pipefail
if [[ $# -ne 2 || $1 != --models-exceeded-llc ]]; then
  echo "usage: $0 --models-exceeded-llc IN.yaml > OUT.yaml" >&2
  echo "  (re-run 'llmsizer profile' instead when a swept model fit the last-level cache)" >&2
  exit 2
fi
in=$2
if ! grep -q '^schema_version: 1$' "$in"; then
  echo "$in: not a schema_version 1 hardware-profile" >&2
  exit 2
fi
awk '
  /^schema_version: 1$/ { print "schema_version: 2"; next }
  /^  - \{op: / {
    op = $0; sub(/^  - \{op: /, "", op); sub(/,.*/, "", op)
    cond = (op == "matmul" || op == "attention_decode") ? "streamed" : "cached"
    if (!sub(/, threads: /, ", condition: " cond ", threads: ")) { print "bad row: " $0 > "/dev/stderr"; exit 2 }
  }
  { print }
' "$in"
