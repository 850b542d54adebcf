// command_line.h — the subcommands of `llmsizer` and their options (CLI11): one struct holds
// every command's parsed options, the add_* functions declare them (by family) and
// dispatch() runs the one that was given. main.cc parses; the commands are in *_cmd.cc.
#pragma once

#include <string>

#include <CLI/CLI.hpp>

#include "cli/accuracy_cmd.h"
#include "cli/commands.h"
#ifdef LLMSIZER_HAVE_PROFILER
#include "cli/profile_cmd.h"
#include "cli/run_cmd.h"
#include "cli/validate_cmd.h"
#endif

namespace llmsizer::cli {

struct CommandLine {
  GlobalOptions g;
  std::string list_what, list_format = "table";
  std::string show_what, show_name, show_format = "table";
  EstimateOptions o;
  ServeOptions so;
  PlanOptions po;
  FitOptions fo;
  CostOptions co, cmo;
  StudyOptions sto;
  AccuracyCmdOptions acc_o;
  CLI::App *list = nullptr, *show = nullptr, *est = nullptr, *serve = nullptr, *planc = nullptr,
           *fitc = nullptr, *costc = nullptr, *cmpc = nullptr, *studyc = nullptr, *acc = nullptr;
#ifdef LLMSIZER_HAVE_PROFILER
  std::string hw_format = "table";
  ProfileCmdOptions prof_o;
  bool prof_quick_flag = false;
  RunCmdOptions run_o;
  ValidateOptions val_o;
  CLI::App *hwc = nullptr, *profc = nullptr, *runc = nullptr, *valc = nullptr;
#endif
};

// list, show, estimate
void add_model_commands(CLI::App& app, CommandLine& c);
// serve, plan, fit
void add_serving_commands(CLI::App& app, CommandLine& c);
// cost, compare, study, accuracy
void add_cost_commands(CLI::App& app, CommandLine& c);
#ifdef LLMSIZER_HAVE_PROFILER
// hw, profile, run, validate
void add_host_commands(CLI::App& app, CommandLine& c);
#endif

// Runs the parsed subcommand; its exit code.
int dispatch(const CommandLine& c);

}  // namespace llmsizer::cli
