#!/usr/bin/env bash
# gpu-check.sh — the one script a GPU session runs to check the CUDA backend, in about
# 8 minutes on a fresh 16-core machine: configure + build the `cuda` preset, run the [cuda]
# kernel tests against the CPU reference, run bench_gpu (bandwidth probes, cuBLASLt GEMM,
# every CUDA kernel timed with CUDA events) and print bandwidth and bf16 GEMM as % of the
# datasheet (profiles/hardware/), then write a quick GPU hardware profile.
# Usage: scripts/gpu-check.sh [OUTDIR]   (default: $OUT, else out/gpu-check)
# Env: DATASHEET=profiles/hardware/nvidia/<gpu>.yaml overrides the name-based lookup.
# Exit status: 0 all steps ran and the tests passed; 1 otherwise (every step still runs).
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1
out=${1:-${OUT:-out/gpu-check}}
mkdir -p "$out"
jobs=$(nproc 2>/dev/null || echo 4)
status=0
step() { echo; echo "== $* ($(date -u +%H:%M:%S))"; }
fail() { echo "gpu-check: FAILED: $*"; status=1; }

step "device"
nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.max.sm,clocks.max.mem,pcie.link.gen.max,pcie.link.width.max --format=csv 2>&1 | tee "$out/nvidia-smi.txt" || true
# The CUDA 13 runtime this builds against needs an R580+ driver; an older one makes every
# device case report cudaErrorInsufficientDriver.
nvcc_bin=$(command -v nvcc || ls /usr/local/cuda/bin/nvcc 2>/dev/null || true)
if [[ -n "$nvcc_bin" ]]; then "$nvcc_bin" --version | tail -2; else fail "no nvcc (CUDA toolkit) found"; fi
for pc in hwloc yaml-cpp fmt; do
  pkg-config --exists "$pc" 2>/dev/null || echo "gpu-check: warning: pkg-config does not find $pc (scripts/install-deps.sh lists the packages)"
done

step "configure + build (preset cuda, -j$jobs)"
if ! timeout 60 cmake --preset cuda >"$out/configure.log" 2>&1; then
  tail -30 "$out/configure.log"; fail "configure"; exit 1
fi
if ! timeout 330 cmake --build build/cuda -j "$jobs" \
    --target llmsizer llmsizer_tests_kernels_cuda bench_gpu >"$out/build.log" 2>&1; then
  grep -E "error|warning" -A3 "$out/build.log" | head -40; fail "build"; exit 1
fi
echo "built (log: $out/build.log)"

step "[cuda] kernel tests vs the CPU reference"
if ! timeout 120 build/cuda/tests/llmsizer_tests_kernels_cuda "[cuda]" 2>&1 | tee "$out/tests.txt"; then
  fail "kernel tests"
fi
grep -q "SKIPPED: no CUDA device" "$out/tests.txt" && fail "the tests saw no CUDA device"

step "bench_gpu: bandwidth, GEMM, every kernel timed with CUDA events"
timeout 150 build/cuda/bench/bench_gpu 2>&1 | tee "$out/bench_gpu.txt" || fail "bench_gpu"

step "% of datasheet"
name=$(awk '$1 == "gpu_name" { $1 = ""; sub(/^ /, ""); print; exit }' "$out/bench_gpu.txt")
sheet=${DATASHEET:-}
if [[ -z "$sheet" ]]; then
  d=profiles/hardware/nvidia
  case "$name" in
    *H200*) sheet=$d/h200-sxm.yaml ;;
    *H100*PCIe*) sheet=$d/h100-pcie.yaml ;;
    *H100*NVL*) sheet=$d/h100-nvl.yaml ;;
    *H100*) sheet=$d/h100-sxm.yaml ;;
    *A100*SXM*80GB*) sheet=$d/a100-sxm-80gb.yaml ;;
    *A100*SXM*) sheet=$d/a100-sxm-40gb.yaml ;;
    *A100*80GB*) sheet=$d/a100-pcie-80gb.yaml ;;
    *A100*) sheet=$d/a100-pcie-40gb.yaml ;;
    *L40S*) sheet=$d/l40s.yaml ;;
    *L4) sheet=$d/l4.yaml ;;
    *A10G*) sheet=$d/a10g.yaml ;;
    *A10) sheet=$d/a10.yaml ;;
    *4090*) sheet=$d/rtx-4090.yaml ;;
    *3090*) sheet=$d/rtx-3090.yaml ;;
  esac
fi
if [[ -n "$sheet" && -f "$sheet" ]]; then
  ds_bw=$(awk '/^memory:/ { m = 1 } m && /bandwidth_bytes_per_s:/ { print $2; exit }' "$sheet")
  ds_bf16=$(awk '/peak_flop_per_s:/ { p = 1 } p && $1 == "bf16:" { print $2; exit }' "$sheet")
  get() { awk -v k="$1" '$1 == k { print $2; exit }' "$out/bench_gpu.txt"; }
  kernel_rate() { awk -v k="$1" '$1 == "kernel" && $2 == k { for (i = 3; i < NF; i++) if ($i == "flop_per_s") print $(i + 1); exit }' "$out/bench_gpu.txt"; }
  read_bw=$(get bandwidth_read_bytes_per_s); copy_bw=$(get bandwidth_copy_bytes_per_s)
  gemm=$(kernel_rate gemm_bf16_cublaslt)
  awk -v n="$name" -v s="$sheet" -v dbw="$ds_bw" -v dbf="$ds_bf16" -v r="$read_bw" -v c="$copy_bw" -v g="$gemm" 'BEGIN {
    best = (r > c ? r : c)
    printf "GPU %s vs datasheet %s\n", n, s
    printf "bandwidth: read %.4g B/s, copy %.4g B/s; best %.1f%% of datasheet %.4g B/s (target >= 85%%): %s\n", r, c, 100 * best / dbw, dbw, (best >= 0.85 * dbw ? "PASS" : "BELOW")
    printf "bf16 GEMM 8192^3 (cuBLASLt): %.4g FLOP/s = %.1f%% of datasheet dense %.4g FLOP/s (target >= 70%%): %s\n", g, 100 * g / dbf, dbf, (g >= 0.70 * dbf ? "PASS" : "BELOW")
  }' | tee "$out/datasheet.txt"
else
  echo "no datasheet for '$name' (set DATASHEET=profiles/hardware/...yaml)" | tee "$out/datasheet.txt"
fi

step "llmsizer hw"
timeout 30 build/cuda/cli/llmsizer hw 2>&1 | tee "$out/hw.txt" || fail "llmsizer hw"

step "quick GPU profile"
timeout 150 build/cuda/cli/llmsizer profile --device gpu --quick \
  --out "$out/gpu-profile.yaml" 2>&1 | tee "$out/profile.txt" || fail "llmsizer profile --device gpu"
[[ -f "$out/gpu-profile.yaml" ]] && cat "$out/gpu-profile.yaml"

step "done: status $status; files in $out"
exit $status
