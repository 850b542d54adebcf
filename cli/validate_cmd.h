// validate_cmd.h — `llmsizer validate`: runs the reference decoder (kernels/decoder) on this
// host with random weights of a real model's shape, measures prefill time, decode time per
// token at several contexts and peak resident memory, predicts the same figures from a
// measured hardware profile (estimator, --profile) and prints measured vs predicted with the
// % error of each. `--matrix` runs the validation matrix of docs/validation.md. Built with
// the profiler (it needs the kernels).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "cli/commands.h"

namespace llmsizer::cli {

struct ValidateOptions {
  std::vector<std::string> models = {"tinyllama-1.1b"};
  std::vector<std::string> weights = {"q4_0"};
  std::vector<std::int64_t> prompts = {128};
  std::vector<std::int64_t> contexts = {128, 1024};
  std::vector<std::int64_t> threads;  // empty: all cores
  std::int64_t decode_steps = 8;
  std::string kv = "f16";
  std::string profile;  // empty: this host's newest profile under <profiles>/measured/
  double tolerance_pct = 15;
  bool matrix = false;
  std::string weights_dir;  // memory-map weight files here (created once per shape/dtype)
  std::string format = "table";
  std::string out;
  std::string json_out;  // also write the JSON result here (atomically)
};

CLI::App* add_validate_command(CLI::App& app, ValidateOptions& o);

// Exit codes: 0 every error within the tolerance, 1 some error beyond it (or non-finite
// logits), 2 bad input (unknown model, unsupported architecture or dtype, no profile, a
// model that does not fit in memory).
int run_validate(const GlobalOptions& g, const ValidateOptions& o);

}  // namespace llmsizer::cli
