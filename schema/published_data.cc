// published_data.cc — the calibration file's `measurements:` (foreign: unknown keys allowed,
// wrong types located) and the strict `published-map` document (contract: published_data.h).
#include "schema/published_data.h"

#include <set>
#include <utility>

#include <fmt/format.h>

#include "schema/impl/yaml_reader.h"

namespace llmsizer::schema {

using impl::Need;
using impl::Reader;

namespace {

constexpr std::int64_t kMaxCount = std::int64_t{1} << 20;
constexpr std::int64_t kMaxTokens = std::int64_t{1} << 32;

// A length: an integer, or a sentence saying why there is none ("not stated (...)").
PublishedLength read_length(Reader& r, std::string_view key) {
  PublishedLength out;
  const auto n = r.node(key, Need::kOptional);
  if (!n) return out;
  if (!n->IsScalar()) {
    r.error(key, "expected a number of tokens (or a note saying why it is not stated)");
    return out;
  }
  const std::string& s = n->Scalar();
  const bool numeric = !s.empty() && s.find_first_not_of("+-0123456789.eE") == std::string::npos;
  if (!numeric) {
    out.text = s;
    return out;
  }
  std::int64_t v = 0;
  if (r.get(key, v, Need::kOptional, 0, kMaxTokens)) out.tokens = v;
  return out;
}

std::optional<std::int64_t> read_count(Reader& r, std::string_view key) {
  std::int64_t v = 0;
  if (!r.has(key) || !r.get(key, v, Need::kOptional, 1, kMaxCount)) return std::nullopt;
  return v;
}

std::optional<PublishedPoint> read_point(const YAML::Node& n, std::size_t index,
                                         const impl::DocContext& ctx) {
  const std::size_t errors_before = ctx.diags->error_count();
  Reader r(n, fmt::format("measurements[{}]", index), &ctx);
  if (!r.valid()) return std::nullopt;
  PublishedPoint p;
  p.where = r.where();
  r.get("id", p.id, Need::kRequired);
  r.get("model", p.model, Need::kRequired);
  r.get("hardware", p.hardware, Need::kRequired);
  r.get("precision", p.precision, Need::kRequired);
  r.get("metric", p.metric, Need::kRequired);
  r.get("value", p.value, Need::kRequired, 0.0, 1e18);
  if (r.has("value") && p.value <= 0) r.error("value", "a measurement must be positive");
  r.get("unit", p.unit, Need::kRequired);
  if (auto c = read_count(r, "hardware_count")) p.hardware_count = *c;
  p.tp = read_count(r, "tp");
  p.pp = read_count(r, "pp");
  p.batch_size = read_count(r, "batch_size");
  p.input_len = read_length(r, "input_len");
  p.output_len = read_length(r, "output_len");
  r.get("regime", p.regime, Need::kOptional);
  r.get("engine", p.engine, Need::kOptional);
  r.get("batching", p.batching, Need::kOptional);
  r.get("notes", p.notes, Need::kOptional);
  // Type-check the other text fields the file documents; their values are not used.
  for (const char* key : {"model_note", "model_variant", "engine_version", "date"}) {
    std::string ignored;
    r.get(key, ignored, Need::kOptional);
  }
  // No finish(): the calibration file may carry keys this reader does not know.
  if (ctx.diags->error_count() != errors_before) return std::nullopt;
  return p;
}

// One name entry of the map: published + (catalog | missing) [+ note].
std::optional<PublishedName> read_name(const YAML::Node& n, const std::string& path,
                                       const impl::DocContext& ctx) {
  Reader r(n, path, &ctx);
  if (!r.valid()) return std::nullopt;
  PublishedName e;
  r.get("published", e.published, Need::kRequired);
  r.get("catalog", e.catalog, Need::kOptional);
  r.get("missing", e.missing, Need::kOptional);
  r.get("note", e.note, Need::kOptional);
  if (e.catalog.empty() == e.missing.empty())
    r.error_here("give exactly one of `catalog:` (the catalog name) or `missing:` (why none)");
  r.finish();
  return e;
}

const std::vector<std::string>& kv_dtypes() {
  static const std::vector<std::string> k = {"f32",  "f16",  "bf16", "fp8_e4m3", "fp8_e5m2", "q8_0",
                                             "q5_1", "q5_0", "q4_1", "q4_0",     "iq4_nl"};
  return k;
}

const std::vector<std::string>& activation_dtypes() {
  static const std::vector<std::string> k = {"f32", "f16", "bf16", "fp8_e4m3"};
  return k;
}

bool read_dtype(Reader& r, std::string_view key, const std::vector<std::string>& allowed,
                core::DType& out) {
  std::string s;
  if (!r.get(key, s, Need::kRequired)) return false;
  const auto t = core::parse_dtype(s);
  bool ok = false;
  if (t)
    for (const auto& a : allowed) ok = ok || a == core::name(*t);
  if (!ok) {
    std::string list;
    for (const auto& a : allowed) list += (list.empty() ? "" : ", ") + a;
    r.error(key, fmt::format("'{}' is not one of: {}{}", s, list, core::did_you_mean(s, allowed)));
    return false;
  }
  out = *t;
  return true;
}

std::optional<PublishedPrecision> read_precision(const YAML::Node& n, const std::string& path,
                                                 const impl::DocContext& ctx) {
  Reader r(n, path, &ctx);
  if (!r.valid()) return std::nullopt;
  PublishedPrecision e;
  r.get("published", e.published, Need::kRequired);
  r.get("missing", e.missing, Need::kOptional);
  r.get("note", e.note, Need::kOptional);
  if (e.missing.empty()) {
    std::string w;
    if (r.get("weights", w, Need::kRequired)) {
      e.weights = core::parse_weight_scheme(w);
      if (!e.weights)
        r.error("weights", fmt::format("unknown weight scheme '{}'{}", w,
                                       core::did_you_mean(w, core::weight_scheme_names())));
    }
    read_dtype(r, "kv", kv_dtypes(), e.kv);
    read_dtype(r, "activations", activation_dtypes(), e.activations);
  } else {
    for (const char* k : {"weights", "kv", "activations"})
      if (r.has(k)) r.error(k, "an entry with `missing:` maps to no precision");
  }
  r.finish();
  return e;
}

std::optional<PublishedLengthDefault> read_length_default(const YAML::Node& n,
                                                          const std::string& path,
                                                          const impl::DocContext& ctx) {
  Reader r(n, path, &ctx);
  if (!r.valid()) return std::nullopt;
  PublishedLengthDefault e;
  r.get("engine_prefix", e.engine_prefix, Need::kRequired);
  std::int64_t v = 0;
  if (r.get("input_len", v, Need::kOptional, 1, kMaxTokens)) e.input_len = v;
  if (r.get("output_len", v, Need::kOptional, 1, kMaxTokens)) e.output_len = v;
  r.get("note", e.note, Need::kRequired);
  if (!e.input_len && !e.output_len) r.error_here("give `input_len:`, `output_len:` or both");
  r.finish();
  return e;
}

std::optional<PublishedUnitReading> read_unit_reading(const YAML::Node& n, const std::string& path,
                                                      const impl::DocContext& ctx) {
  Reader r(n, path, &ctx);
  if (!r.valid()) return std::nullopt;
  PublishedUnitReading e;
  r.get("ids", e.ids, Need::kRequired);
  std::string reading;
  if (r.get("reading", reading, Need::kRequired)) {
    if (reading == "per_device" || reading == "total")
      e.per_device = reading == "per_device";
    else
      r.error("reading", "'" + reading + "' is not one of: per_device, total");
  }
  r.get("note", e.note, Need::kRequired);
  r.finish();
  return e;
}

// Applies `read` to every element of the list at `key`; duplicate `published` values are
// errors (the first entry would silently win).
template <class T, class F>
std::vector<T> read_list(Reader& r, std::string_view key, const impl::DocContext& ctx, F read) {
  std::vector<T> out;
  const auto n = r.node(key, Need::kOptional);
  if (!n) return out;
  if (!n->IsSequence()) {
    r.error(key, "expected a list");
    return out;
  }
  std::set<std::string> seen;
  for (std::size_t i = 0; i < n->size(); ++i) {
    const std::string path = fmt::format("{}[{}]", key, i);
    auto e = read((*n)[i], path, ctx);
    if (!e) continue;
    if constexpr (requires { e->published; }) {
      if (!seen.insert(e->published).second)
        ctx.diags->error(impl::location_of((*n)[i], ctx), path,
                         fmt::format("'{}' is listed twice", e->published));
    }
    out.push_back(std::move(*e));
  }
  return out;
}

}  // namespace

std::optional<PublishedSet> parse_published_yaml(std::string_view text, const std::string& file,
                                                 core::Diagnostics& diags) {
  const std::size_t errors_before = diags.error_count();
  impl::DocContext ctx{file, &diags};
  auto root = impl::parse_yaml_text(text, ctx);
  if (!root) return std::nullopt;
  Reader r(*root, "", &ctx);
  if (!r.valid()) return std::nullopt;
  PublishedSet set;
  set.file = file;
  if (r.has("meta")) {
    if (auto meta = r.child("meta", Need::kOptional))
      meta->get("compiled", set.compiled, Need::kOptional);
  }
  const auto list = r.node("measurements", Need::kRequired);
  if (!list) return std::nullopt;
  if (!list->IsSequence()) {
    r.error("measurements", "expected a list of measurements");
    return std::nullopt;
  }
  std::set<std::string> ids;
  for (std::size_t i = 0; i < list->size(); ++i) {
    auto p = read_point((*list)[i], i, ctx);
    if (!p) continue;
    if (!ids.insert(p->id).second) {
      diags.error(p->where, fmt::format("measurements[{}].id", i),
                  fmt::format("duplicate id '{}'", p->id));
      continue;
    }
    set.points.push_back(std::move(*p));
  }
  if (diags.error_count() != errors_before) return std::nullopt;
  return set;
}

std::optional<PublishedSet> load_published(const std::string& path, core::Diagnostics& diags) {
  auto text = impl::read_text_file(path, diags);
  if (!text) return std::nullopt;
  return parse_published_yaml(*text, path, diags);
}

std::optional<PublishedMap> parse_published_map_yaml(std::string_view text, const std::string& file,
                                                     core::Diagnostics& diags) {
  const std::size_t errors_before = diags.error_count();
  impl::DocContext ctx{file, &diags};
  auto root = impl::parse_yaml_text(text, ctx);
  if (!root) return std::nullopt;
  Reader r(*root, "", &ctx);
  PublishedMap m;
  if (!impl::read_header(r, "published-map", kPublishedMapSchemaVersion, m.id)) {
    r.finish();
    return std::nullopt;
  }
  r.get("source", m.source, Need::kRequired);
  m.models = read_list<PublishedName>(r, "models", ctx, read_name);
  m.hardware = read_list<PublishedName>(r, "hardware", ctx, read_name);
  m.precisions = read_list<PublishedPrecision>(r, "precisions", ctx, read_precision);
  m.unstated_lengths =
      read_list<PublishedLengthDefault>(r, "unstated_lengths", ctx, read_length_default);
  m.unit_readings = read_list<PublishedUnitReading>(r, "unit_readings", ctx, read_unit_reading);
  r.finish();
  if (diags.error_count() != errors_before) return std::nullopt;
  return m;
}

std::optional<PublishedMap> load_published_map(const std::string& path, core::Diagnostics& diags) {
  auto text = impl::read_text_file(path, diags);
  if (!text) return std::nullopt;
  return parse_published_map_yaml(*text, path, diags);
}

}  // namespace llmsizer::schema
