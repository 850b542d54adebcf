#!/usr/bin/env bash
# main-job.sh — the README's main job on the shipped defaults: runs the default study
# (which GPU serves Llama-3.1-8B chat at 20 requests/s within chat SLOs, cheapest first)
# end to end and prints its summary; the full report lands in out/<study id>/.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=build/release/cli/llmsizer
"$bin" study profiles/studies/which-gpu-llama-3.1-8b-chat.yaml --quiet
echo
echo "== and one deployment in detail: Llama-3.1-70B, fp8, on 2 x H100 SXM"
"$bin" estimate -m llama-3.1-70b -H h100-sxm --tp 2 -w fp8 -b 32 -p 2048 -n 512
