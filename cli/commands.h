// commands.h — the CLI's subcommands as functions of parsed options. Each returns the
// process exit code: 0 done, 2 bad input (diagnostics already printed).
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace llmsizer::cli {

struct GlobalOptions {
  std::string profiles;  // catalog root
};

int run_list(const GlobalOptions& g, const std::string& what, const std::string& format);
int run_show_model(const GlobalOptions& g, const std::string& name, const std::string& format);

struct EstimateOptions {
  std::string model;
  std::string hardware;
  std::int64_t count = 0;
  std::int64_t tp = 1;
  std::int64_t pp = 1;
  std::string weights;  // empty: bf16 (or as stored for GGUF)
  std::string kv = "f16";
  std::string activations = "f16";
  std::int64_t batch = 1;
  std::int64_t prompt = 512;
  std::int64_t output = 512;
  std::string overhead;  // size string, empty = default
  std::int64_t ep = 1;
  std::optional<double> compute_eff;
  std::optional<double> memory_eff;
  std::optional<double> kernel_overhead_us;
  bool explain = false;
  std::string format = "table";
  std::string out;
};
int run_estimate(const GlobalOptions& g, const EstimateOptions& o);

}  // namespace llmsizer::cli
