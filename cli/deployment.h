// deployment.h — what the deployment-shaped commands share: resolving --model/--hardware,
// precision, layout and time-model overrides into library structs (with located errors),
// the CLI11 options for them, and small helpers (format check, printing diagnostics).
#pragma once

#include <initializer_list>
#include <memory>
#include <optional>
#include <string>

#include <CLI/CLI.hpp>

#include "cli/commands.h"
#include "core/diagnostics.h"
#include "core/dtype.h"
#include "core/weight_scheme.h"
#include "estimator/error_band.h"
#include "estimator/measured_time.h"
#include "estimator/memory.h"
#include "estimator/time_model.h"
#include "schema/catalog.h"
#include "schema/hardware_profile.h"

namespace llmsizer::cli {

inline const core::SourceLocation kCmdLine{"<command line>", 0, 0};

// Prints the diagnostics to stderr and returns exit code 2.
int fail(const core::Diagnostics& d);
std::optional<schema::Catalog> catalog(const GlobalOptions& g, core::Diagnostics& d);
bool check_format(const std::string& f, std::initializer_list<const char*> allowed,
                  core::Diagnostics& d);

struct Deployment {
  schema::Catalog catalog;
  schema::ModelSpec model;
  schema::HardwareSpec hardware;
  std::optional<core::WeightScheme> weights;  // nullopt: bf16, or as stored for GGUF
  core::DType kv = core::DType::kF16;
  core::DType activations = core::DType::kF16;
  std::optional<std::uint64_t> overhead;
  estimator::Parallelism par;
  std::int64_t ep = 1;
  estimator::EfficiencyOverrides efficiency;
  // Set with --profile / --hardware host: the profile, where it was read, and the measured
  // time model built from it (hardware is then hardware_from_profile()).
  std::optional<schema::HardwareProfile> profile;
  std::string profile_path;
  std::shared_ptr<const estimator::MeasuredTimeModel> measured;

  // The weight scheme to time with: the given one, the GGUF file's, or bf16.
  core::WeightScheme scheme() const;
};

std::optional<Deployment> resolve_deployment(const GlobalOptions& g, const DeploymentOptions& o,
                                             core::Diagnostics& d);

void add_deployment_options(CLI::App* app, DeploymentOptions& o);
// --profile, --threads, --calibrate (estimate, validate); call after add_deployment_options.
void add_profile_options(CLI::App* app, DeploymentOptions& o);

// The expected error of an estimate on this basis: error_band() of the newest committed
// results under <profiles>/validation/ — validate-*.json (the self-validation matrix) for a
// measured profile, accuracy-*.json (published measurements) for a datasheet. nullopt when
// there are none (the report then carries no band).
std::optional<estimator::ErrorBand> find_error_band(const std::string& profiles_dir, bool measured);

// The newest hardware profile of this host (context.host == this host name) under
// <profiles>/measured/, or nullopt with an error naming what was searched.
std::optional<std::string> newest_host_profile(const std::string& profiles_dir,
                                               core::Diagnostics& d);

}  // namespace llmsizer::cli
