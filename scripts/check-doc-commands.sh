#!/usr/bin/env bash
# check-doc-commands.sh LLMSIZER [REPO] — runs every llmsizer command shown in a ```sh block
# of README.md and docs/ (continuation lines joined, trailing comments dropped), in doc
# order, inside a scratch copy of profiles/ so nothing in the repository is written. Fails
# when one exits 2 or more (bad input, a crash); exit 1 is a finding of a command that ran
# (validate: errors beyond the tolerance on this host's measurements), shown, not failed.
# The placeholders the docs use stand for fixtures (below).
set -uo pipefail
bin=$(realpath "$1")
repo=$(realpath "${2:-$(dirname "$0")/..}")
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
cp -r "$repo/profiles" "$scratch/profiles"
cp "$repo/profiles/studies/cpu-only-sizing.yaml" "$scratch/big.yaml"
mkdir -p "$scratch/path/to"
cp "$repo/tests/data/hf/llama-3.1-8b.json" "$scratch/path/to/config.json"
cp "$repo/tests/data/fuzz-seeds/gguf/tiny.gguf" "$scratch/my-model.gguf"

# Commands: lines starting with $B / llmsizer / build/release/cli/llmsizer in ```sh or
# ```bash blocks; a trailing backslash joins the next line.
extract() {
  awk '
    /^```/ { if (inb) { inb = 0 } else { inb = ($0 ~ /^```(sh|bash)[[:space:]]*$/) } next }
    !inb { next }
    {
      line = $0
      if (cont != "") { line = cont " " line; cont = "" }
      if (line ~ /\\[[:space:]]*$/) { sub(/\\[[:space:]]*$/, "", line); cont = line; next }
      if (line ~ /^[[:space:]]*(\$B|llmsizer|build\/release\/cli\/llmsizer)[[:space:]]/) {
        sub(/[[:space:]]+#.*$/, "", line)    # a trailing comment
        print FILENAME "\t" line
      }
    }' "$@"
}

# A "--shard I/N" command stands for all N slices (the docs show one): it runs each.
expand_shards() {
  local seg out="" sep=""
  while IFS= read -r seg; do
    if [[ $seg =~ --shard[[:space:]]+([0-9]+)/([0-9]+) ]]; then
      local n=${BASH_REMATCH[2]}
      seg="for i in \$(seq 0 $((n - 1))); do ${seg/--shard ${BASH_REMATCH[1]}\/$n/--shard \$i/$n} || exit 1; done"
    fi
    out+="$sep$seg"
    sep=" && "
  done < <(printf '%s\n' "${1//' && '/$'\n'}")
  printf '%s' "$out"
}

shopt -u patsub_replacement 2>/dev/null || true
export LLMSIZER_BIN=$bin
# Commands without --profiles read and write the scratch copy, never the repository's.
export LLMSIZER_PROFILES=$scratch/profiles
cd "$scratch"
fail=0 n=0
while IFS=$'\t' read -r file cmd; do
  shown=$cmd
  # Placeholders: "[--opt]" is the optional flag itself, "&& ... &&" elides repeats.
  cmd=${cmd//\[--explain\]/--explain}
  cmd=${cmd//' && ... && '/' && '}
  cmd=${cmd//\/shared\/big/shared-big}
  cmd=${cmd//build\/release\/cli\/llmsizer /'"$LLMSIZER_BIN" '}
  cmd=${cmd//'$B '/'"$LLMSIZER_BIN" '}
  [[ $cmd == llmsizer\ * ]] && cmd='"$LLMSIZER_BIN" '"${cmd#llmsizer }"
  cmd=$(expand_shards "$cmd")
  n=$((n + 1))
  out=$(bash -c "$cmd" 2>&1 </dev/null)
  rc=$?
  if ((rc == 0)); then
    echo "ok    $file: $shown"
  elif ((rc == 1)); then
    echo "ok    $file: $shown (exit 1: a finding)"
    echo "$out" | tail -2 | sed 's/^/      /'
  else
    fail=$((fail + 1))
    echo "FAIL  $file: $shown (exit $rc)"
    echo "      ran: $cmd"
    echo "$out" | tail -5 | sed 's/^/      /'
  fi
done < <(cd "$repo" && extract README.md docs/*.md docs/howto/*.md)
echo "$n commands, $fail failed"
((n > 0 && fail == 0))
