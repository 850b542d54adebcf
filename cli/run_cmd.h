// run_cmd.h — `llmsizer run`: the reference decoder (kernels/decoder) on this host with
// random weights of a catalog model's shape; prints prefill and decode tokens/s the way an
// inference engine's benchmark does, the per-op time breakdown, memory and peak RSS.
// main.cc registers it with add_run_command() and runs run_run(). Built with the profiler.
#pragma once

#include <cstdint>
#include <string>

#include <CLI/CLI.hpp>

#include "cli/commands.h"

namespace llmsizer::cli {

struct RunCmdOptions {
  std::string model;
  std::string weights = "q4_0";
  std::string kv = "f16";
  std::int64_t prompt = 128;
  std::int64_t output = 32;
  std::int64_t batch = 1;
  int threads = 0;  // 0: all cores
  bool pin = false;
  std::uint64_t seed = 1;
  std::string weights_file;
  bool mmap = false;  // map --weights-file instead of reading it into memory
  std::string format = "table";
  std::string out;
  bool quiet = false;
};

CLI::App* add_run_command(CLI::App& app, RunCmdOptions& o);

// Exit codes: 0 ran, 2 bad input or a model the decoder refuses (including one that does not
// fit in memory), 1 logits were not finite (a kernel bug).
int run_run(const GlobalOptions& g, const RunCmdOptions& o);

}  // namespace llmsizer::cli
