#!/usr/bin/env bash
# bench-decoder.sh — the reference decoder's speed targets: `llmsizer run` on the TinyLlama-1.1B and
# Llama-2-7B shapes, q4_0 and q8_0 weights, 1 and 2 threads, prompt 128, a few decode steps.
# Prints decode tok/s against 70% of (triad bandwidth / bytes read per token) and prefill
# useful FLOP/s against 55% of the FP32 FMA peak (triad: a STREAM triad measured by this run
# at the same thread count, see below; FP32 peak: the measured profile's, which is for all its
# threads, so a run on t of them is held to t / threads of it). Bytes and FLOPs are core/ op
# costs (the JSON's decode.bytes_read_per_step and prefill.flop_per_s).
#
# Each configuration runs REPS times, each run right after a triad at its thread count (this
# VM's memory bandwidth flips between about 37 and 65 GB/s on two threads within seconds, so
# a triad taken a minute before a run says little about that run). The table holds each
# side's best (STREAM's convention for the triad, applied to the decoder too) and, as a
# second view, the median over the runs of tok/s / target of the triad taken just before.
#
# usage: scripts/bench-decoder.sh [PROFILE.yaml]
# env:   LLMSIZER=build/release/cli/llmsizer  WEIGHTS_DIR=/var/tmp/llmsizer-weights
#        MODELS="tinyllama-1.1b llama-2-7b"  DTYPES="q4_0 q8_0"  THREADS="1 2"  DECODE=16
#        REPS=3  BENCH=build/release/bench/bench_kernels  TRIAD_FROM=run|profile
# Weight files (3.6 GiB + 6.7 GiB for the 7B shape) are created once in WEIGHTS_DIR and read
# back on later runs. Run it on a quiet machine; every ratio is of this run.
set -euo pipefail
cd "$(dirname "$0")/.."
profile=${1:-profiles/measured/vm-2026-11-27.yaml}
bin=${LLMSIZER:-build/release/cli/llmsizer}
wdir=${WEIGHTS_DIR:-/var/tmp/llmsizer-weights}
models=${MODELS:-tinyllama-1.1b llama-2-7b}
dtypes=${DTYPES:-q4_0 q8_0}
threads=${THREADS:-1 2}
decode=${DECODE:-16}
[[ -x $bin ]] || { echo "bench-decoder: $bin not built (cmake --build build/release --target llmsizer)" >&2; exit 2; }
[[ -f $profile ]] || { echo "bench-decoder: $profile: no such profile" >&2; exit 2; }
mkdir -p "$wdir"

# From the profile: the FP32 peak. The triad: a STREAM-compliant one measured in this run
# (bench_kernels' `triad`: 3 arrays of 256 MiB, each 8x the LLC; best of 3 repetitions) before
# every decoder run. TRIAD_FROM=profile uses the profile's largest triad working set instead
# (128 MiB in all, which with two threads is still partly served by the cache).
fp32=$(awk '/^ *fp32_flop_per_s:/ {print $2; exit}' "$profile")
pthreads=$(awk '/^ *threads:/ {print $2; exit}' "$profile")
bench=${BENCH:-build/release/bench/bench_kernels}
reps=${REPS:-3}
if [[ ${TRIAD_FROM:-run} == run ]]; then
  [[ -x $bench ]] || { echo "bench-decoder: $bench not built (cmake --build build/release --target bench_kernels)" >&2; exit 2; }
fi
triad() {  # triad THREADS -> bytes/s
  if [[ ${TRIAD_FROM:-run} == run ]]; then
    LLMSIZER_BENCH_THREADS=$1 "$bench" --benchmark_filter="^triad/.*/$1/" \
        --benchmark_repetitions=3 --benchmark_min_time=0.2 2>/dev/null |
      awk '/^triad/ && !/_(mean|median|stddev|cv) / { if (match($0, /bytes_per_s=[0-9.]+G/)) {
          v = substr($0, RSTART + 12, RLENGTH - 13) * 1e9; if (v > best) best = v } }
        END { if (best == 0) exit 1; printf "%.6g\n", best }' ||
      { echo "bench-decoder: the triad benchmark failed for $1 threads" >&2; return 2; }
    return
  fi
  awk -v t="$1" '/kind: triad/ && $0 ~ ("threads: " t ",") {
      match($0, /working_set_bytes: [0-9]+/); ws = substr($0, RSTART + 19, RLENGTH - 19) + 0
      match($0, /bytes_per_s: [0-9.e+]+/); bw = substr($0, RSTART + 13, RLENGTH - 13) + 0
      if (ws > best) { best = ws; v = bw } }
    END { if (best == 0) exit 1; printf "%.6g\n", v }' "$profile"
}
json() {  # json FILE KEY.PATH -> number
  python3 -c 'import json,sys
d=json.load(open(sys.argv[1]))
for k in sys.argv[2].split("."): d=d[k]
print(d)' "$1" "$2"
}

printf 'profile %s: fp32 peak %.1f GFLOP/s on %s threads; %s runs per row\n' "$profile" \
  "$(echo "$fp32" | awk '{print $1/1e9}')" "$pthreads" "$reps"
printf '%-15s %-5s %3s | %9s %11s %9s %8s %6s %6s | %11s %11s %6s %6s\n' model dtype thr \
  "decode" "B/token" "triad" "target" "ratio" "paired" "prefill" "target" "ratio" "cpu"
printf '%-15s %-5s %3s | %9s %11s %9s %8s %6s %6s | %11s %11s %6s %6s\n' "" "" "" \
  "tok/s" "MiB" "GB/s" "tok/s" "" "median" "GFLOP/s" "GFLOP/s" "" "ratio"
tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT
for m in $models; do
  for w in $dtypes; do
    for t in $threads; do
      runs=""  # "triad tok bpt pf pflops pcpu" per run
      for ((r = 0; r < reps; r++)); do
        bw=$(triad "$t") || { echo "bench-decoder: no triad for $t threads" >&2; exit 2; }
        nice -n 0 "$bin" run -m "$m" -w "$w" -p 128 -n "$decode" -t "$t" --pin --format json -q \
          --weights-file "$wdir/$m.$w.seed1.bin" >"$tmp"
        runs+="$bw $(json "$tmp" decode.tokens_per_s) $(json "$tmp" decode.bytes_read_per_step)"
        runs+=" $(json "$tmp" prefill.flop_per_s) $(json "$tmp" prefill.flops)"
        runs+=" $(json "$tmp" prefill.cpu_seconds)"$'\n'
      done
      # Best triad, best decode and best prefill of the runs; the paired view: the median of
      # each run's tok/s over the target from the triad taken just before it. cpu ratio: the
      # best prefill's work over its process CPU time / threads (spinning waits count as CPU
      # time, so it stays an estimate of what an idle host would give).
      printf '%s' "$runs" | awk -v m="$m" -v w="$w" -v t="$t" -v peak="$fp32" \
        -v pt_threads="$pthreads" '
        NF == 6 { n++; bw[n] = $1; tok[n] = $2; bpt = $3; pf[n] = $4; pfl[n] = $5; pc[n] = $6
          if ($1 > bwb) bwb = $1; if ($2 > tokb) tokb = $2
          if ($4 > pfb) { pfb = $4; pcpu = $6 > 0 ? $5 / ($6 / t) : 0 }
          paired[n] = $2 / (0.70 * $1 / $3) }
        END {
          for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++)
            if (paired[j] < paired[i]) { x = paired[i]; paired[i] = paired[j]; paired[j] = x }
          med = n % 2 ? paired[(n + 1) / 2] : (paired[n / 2] + paired[n / 2 + 1]) / 2
          dt = 0.70 * bwb / bpt; pt = 0.55 * peak * t / pt_threads
          printf "%-15s %-5s %3d | %9.2f %11.1f %9.1f %8.2f %5.0f%% %5.0f%% | %11.1f %11.1f %5.0f%% %5.0f%%\n",
            m, w, t, tokb, bpt / 1048576, bwb / 1e9, dt, 100 * tokb / dt, 100 * med,
            pfb / 1e9, pt / 1e9, 100 * pfb / pt, 100 * pcpu / pt }'
    done
  done
done
echo "ratio: best decode tok/s of the runs / target from the best triad (>= 100% meets the decoder's"
echo "speed target); paired median: the median over runs of tok/s / target from the triad measured"
echo "just before that run; prefill ratio: best run; cpu ratio: the same with the phase's CPU"
echo "time / threads in place of wall time. Decode bytes read per token and prefill useful FLOPs"
echo "are core/ op costs; triad: this run's STREAM triad (3 x 256 MiB, best of 3 before each"
echo "run) unless TRIAD_FROM=profile; FP32 peak from the profile"
