// model_spec.h — a model as the user names it: catalog YAML, HF config.json or GGUF header,
// decoded into ModelSpec (identity + provenance + core::ModelArch). Contract: the parse_*
// functions never throw; they append located Diagnostics and return nullopt on any error.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/diagnostics.h"
#include "core/dtype.h"
#include "core/model_arch.h"

namespace llmsizer::schema {

inline constexpr std::int64_t kModelSchemaVersion = 1;

struct PublishedParams {
  std::uint64_t params_total = 0;
  std::uint64_t params_active = 0;  // 0 = not stated (dense: equals total)
  std::string source;
  std::string as_of;
};

// One tensor as a GGUF file stores it (exact type and shape); only filled for GGUF input.
struct GgufTensor {
  std::string name;
  core::DType dtype = core::DType::kF32;
  std::vector<std::uint64_t> shape;  // ggml order: ne[0] is the contiguous dimension
  std::uint64_t bytes = 0;
};

enum class ModelOrigin { kCatalog, kYamlFile, kHfConfig, kGguf };

struct ModelSpec {
  std::string id;
  std::string name;
  std::string hf_repo;
  std::vector<std::string> aliases;
  core::ModelArch arch;
  std::optional<PublishedParams> published;
  std::string source;
  std::string as_of;
  std::string notes;
  ModelOrigin origin = ModelOrigin::kYamlFile;
  std::string origin_path;               // file it came from
  std::vector<GgufTensor> gguf_tensors;  // GGUF only: exact per-tensor storage
  std::string gguf_file_type;            // GGUF only: general.file_type as a name, if present
};

std::optional<ModelSpec> parse_model_yaml(std::string_view text, const std::string& file,
                                          core::Diagnostics& diags);
std::optional<ModelSpec> load_model_yaml(const std::string& path, core::Diagnostics& diags);
std::string write_model_yaml(const ModelSpec& m);

// Hugging Face config.json (architectures listed in supported_hf_architectures()).
std::optional<ModelSpec> parse_hf_config(std::string_view json_text, const std::string& file,
                                         core::Diagnostics& diags);
std::optional<ModelSpec> load_hf_config(const std::string& path, core::Diagnostics& diags);
std::vector<std::string> supported_hf_architectures();

// GGUF header (metadata + tensor infos; weights are never read).
std::optional<ModelSpec> load_gguf(const std::string& path, core::Diagnostics& diags);

}  // namespace llmsizer::schema
