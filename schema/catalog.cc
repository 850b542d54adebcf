// catalog.cc — catalog loading and name resolution (see catalog.h).
#include "schema/catalog.h"

#include <algorithm>
#include <filesystem>
#include <map>

#include <fmt/format.h>

namespace llmsizer::schema {

namespace fs = std::filesystem;

std::vector<std::string> list_yaml_files(const std::string& dir) {
  std::vector<std::string> out;
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) return out;
  for (fs::recursive_directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    if (it->is_regular_file(ec) && it->path().extension() == ".yaml")
      out.push_back(it->path().string());
  }
  std::sort(out.begin(), out.end());
  return out;
}

namespace {

template <class T>
void check_unique(const std::vector<T>& items, core::Diagnostics& diags,
                  std::vector<std::string> (*names_of)(const T&)) {
  std::map<std::string, std::string> owner;  // lower-case name -> file
  for (const auto& it : items) {
    for (const auto& n : names_of(it)) {
      const std::string key = core::to_lower(n);
      auto [pos, inserted] = owner.emplace(key, it.origin_path);
      if (!inserted && pos->second != it.origin_path)
        diags.error({it.origin_path, 0, 0}, "",
                    fmt::format("name '{}' is already used by {}", n, pos->second));
    }
  }
}

std::vector<std::string> model_keys(const ModelSpec& m) {
  std::vector<std::string> v = {m.id, m.hf_repo};
  v.insert(v.end(), m.aliases.begin(), m.aliases.end());
  return v;
}
std::vector<std::string> hardware_keys(const HardwareSpec& h) {
  std::vector<std::string> v = {h.id};
  if (h.short_name != h.id) v.push_back(h.short_name);
  v.insert(v.end(), h.aliases.begin(), h.aliases.end());
  return v;
}

bool iequals(std::string_view a, std::string_view b) {
  return core::to_lower(a) == core::to_lower(b);
}

bool ends_with(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && iequals(s.substr(s.size() - suffix.size()), suffix);
}

}  // namespace

std::optional<Catalog> load_catalog(const std::string& root, core::Diagnostics& diags) {
  const std::size_t before = diags.error_count();
  std::error_code ec;
  if (!fs::is_directory(root, ec)) {
    diags.error({root, 0, 0}, "",
                "the profiles directory does not exist (set --profiles DIR or LLMSIZER_PROFILES)");
    return std::nullopt;
  }
  Catalog c;
  c.root = root;
  for (const auto& f : list_yaml_files(root + "/models")) {
    if (auto m = load_model_yaml(f, diags)) {
      m->origin = ModelOrigin::kCatalog;
      c.models.push_back(std::move(*m));
    }
  }
  for (const auto& f : list_yaml_files(root + "/hardware")) {
    if (auto h = load_hardware_yaml(f, diags)) c.hardware.push_back(std::move(*h));
  }
  check_unique<ModelSpec>(c.models, diags, &model_keys);
  check_unique<HardwareSpec>(c.hardware, diags, &hardware_keys);
  if (diags.error_count() != before) return std::nullopt;
  return c;
}

const ModelSpec* find_model(const Catalog& c, std::string_view name) {
  for (const auto& m : c.models)
    for (const auto& k : model_keys(m))
      if (iequals(k, name)) return &m;
  return nullptr;
}

const HardwareSpec* find_hardware(const Catalog& c, std::string_view name) {
  for (const auto& h : c.hardware)
    for (const auto& k : hardware_keys(h))
      if (iequals(k, name)) return &h;
  return nullptr;
}

std::vector<std::string> model_names(const Catalog& c) {
  std::vector<std::string> v;
  for (const auto& m : c.models) {
    const auto k = model_keys(m);
    v.insert(v.end(), k.begin(), k.end());
  }
  return v;
}

std::vector<std::string> hardware_names(const Catalog& c) {
  std::vector<std::string> v;
  for (const auto& h : c.hardware) {
    const auto k = hardware_keys(h);
    v.insert(v.end(), k.begin(), k.end());
  }
  return v;
}

std::optional<ModelSpec> resolve_model(const Catalog& c, std::string_view ref,
                                       const core::SourceLocation& where, std::string_view what,
                                       core::Diagnostics& diags) {
  if (ref.empty()) {
    diags.error(where, std::string(what), "a model name or file is required");
    return std::nullopt;
  }
  if (const ModelSpec* m = find_model(c, ref)) return *m;
  const std::string path(ref);
  std::error_code ec;
  const bool looks_like_path = ref.find('/') != std::string_view::npos &&
                               (fs::exists(path, ec) || ends_with(ref, ".yaml") ||
                                ends_with(ref, ".json") || ends_with(ref, ".gguf"));
  if (looks_like_path || fs::exists(path, ec)) {
    if (ends_with(ref, ".gguf")) return load_gguf(path, diags);
    if (ends_with(ref, ".json")) return load_hf_config(path, diags);
    if (ends_with(ref, ".yaml") || ends_with(ref, ".yml")) return load_model_yaml(path, diags);
    if (fs::is_directory(path, ec) && fs::exists(path + "/config.json", ec))
      return load_hf_config(path + "/config.json", diags);
    diags.error(where, std::string(what),
                fmt::format("'{}': give a model YAML (.yaml), a Hugging Face config.json or a "
                            "GGUF file (.gguf)",
                            ref));
    return std::nullopt;
  }
  const auto close = core::closest_matches(ref, model_names(c), 5);
  std::string hint = close.empty() ? " (see `llmsizer list models`)" : " (closest: ";
  for (std::size_t i = 0; i < close.size(); ++i) hint += (i ? ", " : "") + close[i];
  if (!close.empty()) hint += ")";
  diags.error(where, std::string(what), fmt::format("unknown model '{}'{}", ref, hint));
  return std::nullopt;
}

std::optional<HardwareSpec> resolve_hardware(const Catalog& c, std::string_view ref,
                                             const core::SourceLocation& where,
                                             std::string_view what, core::Diagnostics& diags) {
  if (ref.empty()) {
    diags.error(where, std::string(what), "a hardware name or file is required");
    return std::nullopt;
  }
  if (const HardwareSpec* h = find_hardware(c, ref)) return *h;
  std::error_code ec;
  if (ends_with(ref, ".yaml") || fs::exists(std::string(ref), ec))
    return load_hardware_yaml(std::string(ref), diags);
  const auto close = core::closest_matches(ref, hardware_names(c), 5);
  std::string hint = close.empty() ? " (see `llmsizer list hardware`)" : " (closest: ";
  for (std::size_t i = 0; i < close.size(); ++i) hint += (i ? ", " : "") + close[i];
  if (!close.empty()) hint += ")";
  diags.error(where, std::string(what), fmt::format("unknown hardware '{}'{}", ref, hint));
  return std::nullopt;
}

}  // namespace llmsizer::schema
