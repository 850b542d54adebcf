// validation_results.cc — reads accuracy and validation result JSON into error samples
// (validation_results.h). Only the fields the bands need are read; the documents are our own
// output, so other keys are ignored rather than rejected.
#include "schema/validation_results.h"

#include <yaml-cpp/yaml.h>

#include <cmath>

#include "schema/impl/yaml_reader.h"

namespace llmsizer::schema {

const char* to_string(ErrorMetric m) {
  switch (m) {
    case ErrorMetric::kPrefill:
      return "prefill";
    case ErrorMetric::kDecode:
      return "decode";
    case ErrorMetric::kMemory:
      return "memory";
  }
  return "?";
}

namespace {

std::string text_of(const YAML::Node& n, const char* key) {
  const auto v = n[key];
  return v && v.IsScalar() ? v.as<std::string>() : std::string();
}

}  // namespace

std::optional<ValidationResults> parse_validation_results(std::string_view text,
                                                          const std::string& file,
                                                          core::Diagnostics& diags) {
  impl::DocContext ctx{file, &diags};
  auto root = impl::parse_yaml_text(text, ctx);
  if (!root) return std::nullopt;
  ValidationResults r;
  r.file = file;
  try {
    if (!root->IsMap()) {
      diags.error(impl::location_of(*root, ctx), "", "expected a JSON object");
      return std::nullopt;
    }
    r.kind = text_of(*root, "schema");
    const bool accuracy = r.kind == "accuracy-report";
    if (!accuracy && r.kind != "validation-result") {
      diags.error(impl::location_of(*root, ctx), "schema",
                  "'" + r.kind + "' is not accuracy-report or validation-result");
      return std::nullopt;
    }
    const auto list = (*root)[accuracy ? "points" : "metrics"];
    if (!list || !list.IsSequence()) {
      diags.error(impl::location_of(*root, ctx), accuracy ? "points" : "metrics", "missing list");
      return std::nullopt;
    }
    for (std::size_t i = 0; i < list.size(); ++i) {
      const auto p = list[i];
      if (!p.IsMap()) continue;
      if (accuracy && p["skipped"] && p["skipped"].as<bool>()) continue;
      const auto e = p["error"];
      if (!e || !e.IsScalar()) continue;
      ErrorSample s;
      s.error = e.as<double>();
      if (!std::isfinite(s.error)) continue;
      const std::string metric = text_of(p, "metric");
      if (accuracy) {
        const std::string as = text_of(p, "predicted_as");
        s.metric = metric == "ttft" || as.rfind("prefill", 0) == 0 || as == "latency.ttft_s"
                       ? ErrorMetric::kPrefill
                       : ErrorMetric::kDecode;
      } else if (metric == "prefill") {
        s.metric = ErrorMetric::kPrefill;
      } else if (metric == "decode_step") {
        s.metric = ErrorMetric::kDecode;
      } else if (metric == "peak_rss") {
        s.metric = ErrorMetric::kMemory;
      } else {
        continue;
      }
      r.samples.push_back(s);
    }
  } catch (const YAML::Exception& ex) {
    diags.error({file, static_cast<int>(ex.mark.line) + 1, static_cast<int>(ex.mark.column) + 1},
                "", ex.msg);
    return std::nullopt;
  }
  return r;
}

std::optional<ValidationResults> load_validation_results(const std::string& path,
                                                         core::Diagnostics& diags) {
  auto text = impl::read_text_file(path, diags);
  if (!text) return std::nullopt;
  return parse_validation_results(*text, path, diags);
}

}  // namespace llmsizer::schema
