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
#include "estimator/deployment.h"
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

// A deployment resolved from the command line: what it owns (the catalog, the model and
// hardware specs, a measured profile) and the one estimator::Deployment that every model of
// it is built from (view()).
struct Deployment {
  schema::Catalog catalog;
  schema::ModelSpec model;
  schema::HardwareSpec hardware;
  // Precision, layout, reserve and overrides; its model/hardware/measured pointers are set
  // by view().
  estimator::Deployment spec;
  // Set with --profile / --hardware host: the profile, where it was read, and the measured
  // time model built from it (hardware is then hardware_from_profile()).
  std::optional<schema::HardwareProfile> profile;
  std::string profile_path;
  std::shared_ptr<const estimator::MeasuredTimeModel> measured;

  // spec pointing at this object's model, hardware and measured model (valid while this
  // object lives).
  estimator::Deployment view() const;
};

// Resolves and validates (estimator::check_deployment) the deployment options; nullopt with
// located errors in `d`.
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
