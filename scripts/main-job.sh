#!/usr/bin/env bash
# main-job.sh — the README's main job on the shipped defaults: sizes three common
# deployments with the release build and prints the reports.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=build/release/cli/llmsizer
echo "== Llama-3.1-8B, q4_k_m, on one NVIDIA L4 (chat: 8 users, 2k prompt + 512 out)"
"$bin" estimate -m llama-3.1-8b -H l4 -w q4_k_m -b 8 -p 2048 -n 512
echo
echo "== Llama-3.1-70B, fp8, on 2 x H100 SXM with tensor parallelism"
"$bin" estimate -m llama-3.1-70b -H h100-sxm --tp 2 -w fp8 -b 32 -p 2048 -n 512
echo
echo "== DeepSeek-V3, fp8, on 8 x H200 (MLA latent KV cache)"
"$bin" estimate -m deepseek-v3 -H h200-sxm --tp 8 -w fp8 -b 64 -p 4096 -n 1024
