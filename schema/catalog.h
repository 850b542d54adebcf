// catalog.h — the shipped catalogs (profiles/models, profiles/hardware) and name lookup.
// A model is named by catalog id, alias or Hugging Face repo id (case-insensitive), or by a
// path to a model YAML, a config.json or a .gguf file; hardware by id, short name, alias or
// a YAML path. Unknown names get the closest matches. Loading is deterministic (sorted
// paths); duplicate names across files are errors.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/diagnostics.h"
#include "schema/hardware_spec.h"
#include "schema/model_spec.h"

namespace llmsizer::schema {

struct Catalog {
  std::string root;
  std::vector<ModelSpec> models;
  std::vector<HardwareSpec> hardware;
};

// Every *.yaml under root/models and root/hardware (recursively).
std::optional<Catalog> load_catalog(const std::string& root, core::Diagnostics& diags);

// Sorted list of the regular *.yaml files under dir (recursive); empty if dir is missing.
std::vector<std::string> list_yaml_files(const std::string& dir);

const ModelSpec* find_model(const Catalog& c, std::string_view name);
const HardwareSpec* find_hardware(const Catalog& c, std::string_view name);
std::vector<std::string> model_names(const Catalog& c);
std::vector<std::string> hardware_names(const Catalog& c);

// `what` names the option or key for the error (e.g. "--model"); `where` locates it.
std::optional<ModelSpec> resolve_model(const Catalog& c, std::string_view ref,
                                       const core::SourceLocation& where, std::string_view what,
                                       core::Diagnostics& diags);
std::optional<HardwareSpec> resolve_hardware(const Catalog& c, std::string_view ref,
                                             const core::SourceLocation& where,
                                             std::string_view what, core::Diagnostics& diags);

}  // namespace llmsizer::schema
