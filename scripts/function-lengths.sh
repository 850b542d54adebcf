#!/usr/bin/env bash
# function-lengths.sh — the longest C++ functions per folder, to check the "no function over
# N lines" rules. A function's length is the lines from the line that names it to its closing
# brace (universal-ctags `line:` and `end:` fields); lambdas count as part of the function
# that holds them. Exits 1 when a limit is given and a function exceeds it.
#   bash scripts/function-lengths.sh [-n TOP] [-l LIMIT] [FOLDER...]  (default: every module)
set -euo pipefail
cd "$(dirname "$0")/.."
top=5
limit=0
while getopts "n:l:" opt; do
  case "$opt" in
    n) top=$OPTARG ;;
    l) limit=$OPTARG ;;
    *) echo "usage: $0 [-n TOP] [-l LIMIT] [FOLDER...]" >&2; exit 2 ;;
  esac
done
shift $((OPTIND - 1))
folders=("$@")
if [[ ${#folders[@]} -eq 0 ]]; then
  folders=(core schema kernels profiler estimator report validation cli bench fuzz tests)
fi
command -v ctags >/dev/null || { echo "needs universal-ctags (apt-get install universal-ctags)" >&2; exit 2; }
status=0
for f in "${folders[@]}"; do
  [[ -e "$f" ]] || continue
  rows=$(find "$f" -name '*.cc' -o -name '*.h' -o -name '*.cu' | sort |
    xargs -r ctags --languages=C++ --map-C++=+.cu --c++-kinds=f --fields=+ne -o - 2>/dev/null |
    awk -F'\t' '$1 !~ /^__anon/ {
      line = 0; end = 0
      for (i = 4; i <= NF; ++i) {
        if ($i ~ /^line:/) line = substr($i, 6) + 0
        if ($i ~ /^end:/) end = substr($i, 5) + 0
      }
      if (line > 0 && end >= line) printf "%d\t%s:%d\t%s\n", end - line + 1, $2, line, $1
    }' | sort -t$'\t' -k1,1nr)
  [[ -n "$rows" ]] || continue
  echo "== $f (longest first)"
  printf '%s\n' "$rows" | head -n "$top" | awk -F'\t' '{ printf "  %5d  %s  %s\n", $1, $2, $3 }'
  if [[ "$limit" -gt 0 ]]; then
    over=$(printf '%s\n' "$rows" | awk -F'\t' -v l="$limit" '$1 > l' | wc -l)
    if [[ "$over" -gt 0 ]]; then
      echo "  $over function(s) over $limit lines"
      status=1
    fi
  fi
done
exit $status
