// profile_cmd.h — `llmsizer profile [--quick|--full] [--out FILE] [--threads N]`: measures
// this host and writes a hardware-profile YAML atomically (temp file + rename; Ctrl-C
// leaves no partial file and exits 130). Built only with the profiler.
#pragma once

#include <string>

#include "cli/commands.h"

namespace llmsizer::cli {

struct ProfileCmdOptions {
  bool full = false;  // default: --quick
  std::string out;    // empty: <profiles>/measured/<host>-<date>.yaml
  int threads = 0;    // 0: all cores
  bool quiet = false;
  std::string device = "cpu";  // cpu | gpu (gpu: CUDA builds only, profiler/gpu.h)
  int gpu_index = 0;
};

// Exit codes: 0 written, 1 could not write or the GPU failed, 2 --device gpu in a build
// without CUDA, 130 interrupted.
int run_profile(const GlobalOptions& g, const ProfileCmdOptions& o);

}  // namespace llmsizer::cli
