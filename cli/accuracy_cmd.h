// accuracy_cmd.h — `llmsizer accuracy`: predict every published measurement of the shared
// calibration set and print the per-point errors and their medians (docs/validation.md).
// main.cc registers the subcommand with add_accuracy_command() and runs run_accuracy().
#pragma once

#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "cli/commands.h"

namespace llmsizer::cli {

struct AccuracyCmdOptions {
  std::string data;                    // empty: $LLMSIZER_PUBLISHED or <profiles>/published/...
  std::string map;                     // empty: <profiles>/validation/published_map.yaml
  std::vector<std::string> class_eff;  // "CLASS:compute=X,memory=Y,overhead_us=Z"
  std::string format = "table";
  std::string out;
};

CLI::App* add_accuracy_command(CLI::App& app, AccuracyCmdOptions& o);

// Exit code: 0 done (whatever the errors are), 2 bad input or a missing data file.
int run_accuracy(const GlobalOptions& g, const AccuracyCmdOptions& o);

}  // namespace llmsizer::cli
