// hf_config.cc — placeholder, being written.
#include "schema/model_spec.h"
namespace llmsizer::schema {
std::optional<ModelSpec> parse_hf_config(std::string_view, const std::string& file,
                                         core::Diagnostics& diags) {
  diags.error({file, 0, 0}, "", "config.json reading is not built yet");
  return std::nullopt;
}
std::optional<ModelSpec> load_hf_config(const std::string& path, core::Diagnostics& diags) {
  return parse_hf_config("", path, diags);
}
std::vector<std::string> supported_hf_architectures() { return {}; }
}  // namespace llmsizer::schema
