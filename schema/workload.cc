// workload.cc — strict decode/encode of `workload` documents and trace CSVs.
#include "schema/workload.h"

#include <cmath>
#include <filesystem>
#include <sstream>

#include <fmt/format.h>

#include "schema/impl/yaml_reader.h"
#include "schema/text_writer.h"

namespace llmsizer::schema {

using impl::Need;
using impl::Reader;

namespace {

const std::vector<std::pair<std::string, ArrivalKind>> kArrivals = {
    {"poisson", ArrivalKind::kPoisson},
    {"gamma", ArrivalKind::kGamma},
    {"trace", ArrivalKind::kTrace}};
const std::vector<std::pair<std::string, LengthKind>> kLengths = {
    {"fixed", LengthKind::kFixed},
    {"uniform", LengthKind::kUniform},
    {"normal", LengthKind::kNormal},
    {"lognormal", LengthKind::kLognormal},
    {"empirical", LengthKind::kEmpirical}};

template <class E>
const char* name_of(const std::vector<std::pair<std::string, E>>& names, E v) {
  for (const auto& [n, e] : names)
    if (e == v) return n.c_str();
  return "?";
}

constexpr double kMaxTokens = 1 << 24;

void read_length(Reader& r, LengthSpec& l, bool trace) {
  r.get_enum("kind", l.kind, Need::kRequired, kLengths);
  switch (l.kind) {
    case LengthKind::kFixed:
      r.get("value", l.value, Need::kRequired, 1, kMaxTokens);
      break;
    case LengthKind::kUniform:
      r.get("min", l.min, Need::kRequired, 1, static_cast<std::int64_t>(kMaxTokens));
      r.get("max", l.max, Need::kRequired, 1, static_cast<std::int64_t>(kMaxTokens));
      break;
    case LengthKind::kNormal:
    case LengthKind::kLognormal:
      r.get("mean", l.mean, Need::kRequired, 1, kMaxTokens);
      r.get("stddev", l.stddev, Need::kRequired, 0, kMaxTokens);
      r.get("min", l.min, Need::kOptional, 1, static_cast<std::int64_t>(kMaxTokens));
      r.get("max", l.max, Need::kOptional, 1, static_cast<std::int64_t>(kMaxTokens));
      break;
    case LengthKind::kEmpirical:
      if (!trace) r.error("kind", "empirical lengths come from a trace (arrival.kind: trace)");
      break;
  }
  if (l.min > l.max) r.error("min", fmt::format("min {} exceeds max {}", l.min, l.max));
  r.finish();
}

}  // namespace

constexpr std::string_view kTraceHeader = "arrival_s,prompt_tokens,output_tokens";

std::optional<std::vector<TraceRow>> load_trace_csv(const std::string& path,
                                                    core::Diagnostics& diags) {
  const std::size_t before = diags.error_count();
  auto text = impl::read_text_file(path, diags, 1ull << 30);
  if (!text) return std::nullopt;
  std::vector<TraceRow> rows;
  std::istringstream in(*text);
  std::string line;
  int lineno = 0;
  double last = -1;
  while (std::getline(in, line)) {
    ++lineno;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty() || line[0] == '#') continue;
    if (lineno == 1 && line.find_first_of("0123456789") != 0) {  // a header: the one we read
      if (line != kTraceHeader)
        diags.error({path, 1, 1}, "",
                    fmt::format("the header is '{}', expected '{}' (the columns are read in "
                                "that order)",
                                line, kTraceHeader));
      continue;
    }
    double t = 0, p = 0, o = 0;
    char c1 = 0, c2 = 0;
    std::istringstream ls(line);
    if (!(ls >> t >> c1 >> p >> c2 >> o) || c1 != ',' || c2 != ',' || !(ls >> std::ws).eof() ||
        !std::isfinite(t) || t < 0 || p < 1 || o < 1 || p > kMaxTokens || o > kMaxTokens ||
        p != std::floor(p) || o != std::floor(o)) {
      diags.error({path, lineno, 1}, "",
                  "expected 'arrival_s,prompt_tokens,output_tokens' with arrival_s >= 0 and "
                  "whole token counts >= 1");
      if (diags.error_count() - before >= 20) break;
      continue;
    }
    if (t < last) {
      diags.error({path, lineno, 1}, "", "arrival times must not decrease");
      continue;
    }
    last = t;
    rows.push_back({t, static_cast<std::int64_t>(p), static_cast<std::int64_t>(o)});
  }
  if (rows.empty() && diags.error_count() == before)
    diags.error({path, 0, 0}, "", "the trace has no requests");
  if (diags.error_count() != before) return std::nullopt;
  return rows;
}

std::optional<Workload> parse_workload_yaml(std::string_view text, const std::string& file,
                                            core::Diagnostics& diags) {
  const std::size_t before = diags.error_count();
  impl::DocContext ctx{file, &diags};
  auto root = impl::parse_yaml_text(text, ctx);
  if (!root) return std::nullopt;
  Reader r(*root, "", &ctx);
  Workload w;
  impl::read_header(r, "workload", kWorkloadSchemaVersion, w.id);
  r.get("name", w.name, Need::kRequired);
  if (auto a = r.child("arrival", Need::kRequired)) {
    a->get_enum("kind", w.arrival, Need::kRequired, kArrivals);
    if (w.arrival == ArrivalKind::kTrace) {
      a->get("trace", w.trace_path, Need::kRequired);
      w.trace_where = a->where("trace");
    } else {
      a->get("rate_per_s", w.rate_per_s, Need::kRequired, 1e-6, 1e6);
      if (w.arrival == ArrivalKind::kGamma) a->get("cv", w.cv, Need::kRequired, 0.01, 100);
    }
    a->finish();
  }
  const bool trace = w.arrival == ArrivalKind::kTrace;
  if (auto p = r.child("prompt_tokens", trace ? Need::kOptional : Need::kRequired))
    read_length(*p, w.prompt, trace);
  else if (trace)
    w.prompt.kind = LengthKind::kEmpirical;
  if (auto o = r.child("output_tokens", trace ? Need::kOptional : Need::kRequired))
    read_length(*o, w.output, trace);
  else if (trace)
    w.output.kind = LengthKind::kEmpirical;
  r.get("shared_prefix_fraction", w.shared_prefix_fraction, Need::kOptional, 0.0, 0.99);
  r.get("requests", w.requests, Need::kOptional, 1, 100'000'000);
  std::int64_t seed = 1;
  if (r.get("seed", seed, Need::kOptional, 0, std::int64_t{1} << 62))
    w.seed = static_cast<std::uint64_t>(seed);
  r.get("source", w.source, Need::kRequired);
  r.get("notes", w.notes, Need::kOptional);
  r.finish();
  if (diags.error_count() != before) return std::nullopt;
  return w;
}

std::optional<Workload> load_workload(const std::string& path, core::Diagnostics& diags) {
  auto text = impl::read_text_file(path, diags);
  if (!text) return std::nullopt;
  auto w = parse_workload_yaml(*text, path, diags);
  if (!w || w->arrival != ArrivalKind::kTrace) return w;
  namespace fs = std::filesystem;
  fs::path trace(w->trace_path);
  if (trace.is_relative()) trace = fs::path(path).parent_path() / trace;
  auto rows = load_trace_csv(trace.string(), diags);
  if (!rows) {
    diags.note(w->trace_where, "arrival.trace", "the trace named here");
    return std::nullopt;
  }
  w->trace = std::move(*rows);
  return w;
}

std::string write_workload_yaml(const Workload& w) {
  YamlWriter y;
  y.field("schema", "workload");
  y.field("schema_version", kWorkloadSchemaVersion);
  y.field("id", w.id);
  y.field("name", w.name);
  y.begin_map("arrival");
  y.field("kind", name_of(kArrivals, w.arrival));
  if (w.arrival == ArrivalKind::kTrace) {
    y.field("trace", w.trace_path);
  } else {
    y.field("rate_per_s", w.rate_per_s);
    if (w.arrival == ArrivalKind::kGamma) y.field("cv", w.cv);
  }
  y.end_map();
  auto length = [&](const char* key, const LengthSpec& l) {
    if (l.kind == LengthKind::kEmpirical) return;
    y.begin_map(key);
    y.field("kind", name_of(kLengths, l.kind));
    if (l.kind == LengthKind::kFixed) y.field("value", l.value);
    if (l.kind == LengthKind::kNormal || l.kind == LengthKind::kLognormal) {
      y.field("mean", l.mean);
      y.field("stddev", l.stddev);
    }
    if (l.kind != LengthKind::kFixed) {
      y.field("min", l.min);
      y.field("max", l.max);
    }
    y.end_map();
  };
  length("prompt_tokens", w.prompt);
  length("output_tokens", w.output);
  if (w.shared_prefix_fraction > 0) y.field("shared_prefix_fraction", w.shared_prefix_fraction);
  y.field("requests", w.requests);
  y.field("seed", static_cast<std::uint64_t>(w.seed));
  y.field("source", w.source);
  if (!w.notes.empty()) y.field("notes", w.notes);
  return y.str();
}

}  // namespace llmsizer::schema
