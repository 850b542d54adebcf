#!/usr/bin/env bash
# install-deps.sh — installs the Debian 12 packages llmsizer builds with (as root).
# Only what is missing is installed; nothing is downloaded from outside Debian.
set -euo pipefail
pkgs=(build-essential cmake ccache pkg-config git
      libfmt-dev libyaml-cpp-dev libcli11-dev catch2
      libeigen3-dev libhwloc-dev libbenchmark-dev
      libopenblas-dev  # OpenBLAS: only for the bench_kernels_openblas comparison
      chromium)  # headless, for the test that renders the study report page
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "installing: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}"
else
  echo "all build dependencies are installed"
fi
