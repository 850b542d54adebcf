// profile_cmd.h — `llmsizer profile [--quick|--full] [--models M,...] [--out FILE]
// [--benchmark-out FILE] [--threads N]`: measures this host (probes, then kernel sweeps at
// the models' shapes) and writes a hardware-profile YAML atomically (temp file + rename;
// Ctrl-C leaves no partial file and exits 130). Built only with the profiler.
#pragma once

#include <string>
#include <vector>

#include "cli/commands.h"

namespace llmsizer::cli {

struct ProfileCmdOptions {
  bool full = false;  // default: --quick
  std::string out;    // empty: <profiles>/measured/<host>-<date>.yaml
  int threads = 0;    // 0: all cores
  bool quiet = false;
  std::string device = "cpu";  // cpu | gpu (gpu: CUDA builds only, profiler/gpu.h)
  int gpu_index = 0;
  // Models whose shapes the kernel sweeps use (catalog names or model files); empty: the
  // default set (kDefaultSweepModels).
  std::vector<std::string> models;
  std::string benchmark_out;  // also keep Google Benchmark's raw JSON here (atomically)
};

inline const std::vector<std::string> kDefaultSweepModels = {"tinyllama-1.1b", "llama-3.1-8b"};

// Exit codes: 0 written, 1 could not write or the GPU failed, 2 bad --models or --device gpu
// in a build without CUDA, 130 interrupted.
int run_profile(const GlobalOptions& g, const ProfileCmdOptions& o);

}  // namespace llmsizer::cli
