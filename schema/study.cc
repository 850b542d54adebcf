// study.cc — strict decode of `study` documents (docs/schema/study.md).
#include "schema/study.h"

#include <cmath>

#include <fmt/format.h>

#include "schema/impl/yaml_reader.h"
#include "schema/text_writer.h"

namespace llmsizer::schema {

using impl::Need;
using impl::Reader;

namespace {

constexpr std::size_t kMaxAxisValues = 100000;

// A scalar or a list of scalars under `key` in mapping `r`, as StudyValues.
std::vector<StudyValue> values_of(Reader& r, const std::string& key) {
  std::vector<StudyValue> out;
  auto n = r.node(key, Need::kRequired);
  if (!n) return out;
  const auto& ctx = r.ctx();
  if (n->IsScalar()) {
    out.push_back({n->Scalar(), impl::location_of(*n, ctx)});
  } else if (n->IsSequence()) {
    if (n->size() == 0) r.error(key, "the list is empty");
    if (n->size() > kMaxAxisValues)
      r.error(key, fmt::format("{} values; at most {} per axis", n->size(), kMaxAxisValues));
    for (std::size_t i = 0; i < n->size() && i < kMaxAxisValues; ++i) {
      const auto e = (*n)[i];
      if (!e.IsScalar()) {
        ctx.diags->error(impl::location_of(e, ctx), fmt::format("{}.{}[{}]", r.path(), key, i),
                         "expected a value");
        continue;
      }
      out.push_back({e.Scalar(), impl::location_of(e, ctx)});
    }
  } else {
    r.error(key, "expected a value or a list of values");
  }
  return out;
}

// All keys of mapping `m` as axes (each a value or a list).
std::vector<StudyAxis> read_axes(Reader& parent, const char* key) {
  std::vector<StudyAxis> out;
  auto m = parent.child(key, Need::kOptional);
  if (!m) return out;
  auto node = parent.node(key, Need::kOptional);
  if (!node || !node->IsMap()) return out;
  for (auto it = node->begin(); it != node->end(); ++it) {
    if (!it->first.IsScalar()) continue;
    StudyAxis a;
    a.key = it->first.Scalar();
    a.where = impl::location_of(it->first, m->ctx());
    a.values = values_of(*m, a.key);
    out.push_back(std::move(a));
  }
  m->finish();
  return out;
}

}  // namespace

std::optional<StudySpec> parse_study_yaml(std::string_view text, const std::string& file,
                                          core::Diagnostics& diags) {
  const std::size_t before = diags.error_count();
  impl::DocContext ctx{file, &diags};
  auto root = impl::parse_yaml_text(text, ctx);
  if (!root) return std::nullopt;
  Reader r(*root, "", &ctx);
  StudySpec s;
  s.origin_path = file;
  impl::read_header(r, "study", kStudySchemaVersion, s.id);
  r.get("title", s.title, Need::kRequired);
  r.get("question", s.question, Need::kOptional);
  if (r.get("evaluate", s.evaluate, Need::kRequired)) {
    s.evaluate_where = r.where("evaluate");
    static const std::vector<std::string> kKinds = {"estimate", "serve", "plan", "compare"};
    bool ok = false;
    for (const auto& k : kKinds) ok = ok || k == s.evaluate;
    if (!ok)
      r.error("evaluate", fmt::format("'{}' is not one of: estimate, serve, plan, compare{}",
                                      s.evaluate, core::did_you_mean(s.evaluate, kKinds)));
  }
  s.base = read_axes(r, "base");
  for (const auto& a : s.base)
    if (a.values.size() != 1)
      diags.error(a.where, "base." + a.key, "the base scenario takes one value per key");
  if (auto sw = r.child("sweep", Need::kOptional)) {
    s.grid = read_axes(*sw, "grid");
    s.zip = read_axes(*sw, "zip");
    for (std::size_t i = 1; i < s.zip.size(); ++i)
      if (s.zip[i].values.size() != s.zip[0].values.size())
        diags.error(s.zip[i].where, "sweep.zip." + s.zip[i].key,
                    fmt::format("{} values, but {} has {}: zipped lists advance together",
                                s.zip[i].values.size(), s.zip[0].key, s.zip[0].values.size()));
    if (auto rg = sw->child("ranges", Need::kOptional)) {
      auto node = sw->node("ranges", Need::kOptional);
      for (auto it = node->begin(); it != node->end(); ++it) {
        if (!it->first.IsScalar()) continue;
        const std::string key = it->first.Scalar();
        auto spec = rg->child(key, Need::kRequired);
        if (!spec) continue;
        double from = 0, to = 0, step = 0;
        std::int64_t log_steps = 0;
        spec->get("from", from, Need::kRequired, -1e18, 1e18);
        spec->get("to", to, Need::kRequired, -1e18, 1e18);
        const bool has_step = spec->get("step", step, Need::kOptional, 1e-12, 1e18);
        const bool has_log = spec->get("log_steps", log_steps, Need::kOptional, 2, 100000);
        spec->finish();
        if (has_step == has_log) {
          spec->error_here("give either step (linear) or log_steps (geometric)");
          continue;
        }
        StudyAxis a;
        a.key = key;
        a.where = impl::location_of(it->first, ctx);
        if (has_step) {
          if (to < from) spec->error_here("to is below from");
          const double n = std::floor((to - from) / step + 1e-9) + 1;
          if (n > static_cast<double>(kMaxAxisValues)) {
            spec->error_here(fmt::format("{:.0f} values; at most {} per axis", n, kMaxAxisValues));
            continue;
          }
          for (double i = 0; i < n; ++i)
            a.values.push_back({format_number(from + i * step), a.where});
        } else {
          if (from <= 0 || to <= 0) {
            spec->error_here("log_steps needs from and to above zero");
            continue;
          }
          for (std::int64_t i = 0; i < log_steps; ++i) {
            const double f = static_cast<double>(i) / static_cast<double>(log_steps - 1);
            double v = from * std::pow(to / from, f);
            if (std::fabs(v - std::round(v)) < 1e-6 * std::max(1.0, std::fabs(v)))
              v = std::round(v);
            a.values.push_back({format_number(v), a.where});
          }
        }
        s.ranges.push_back(std::move(a));
      }
      rg->finish();
    }
    sw->finish();
  }
  if (auto cs = r.node("constraints", Need::kOptional)) {
    if (!cs->IsSequence())
      r.error("constraints", "expected a list of expressions");
    else
      for (std::size_t i = 0; i < cs->size(); ++i) {
        const auto e = (*cs)[i];
        if (!e.IsScalar()) {
          diags.error(impl::location_of(e, ctx), fmt::format("constraints[{}]", i),
                      "expected an expression");
          continue;
        }
        s.constraints.push_back({"", e.Scalar(), impl::location_of(e, ctx)});
      }
  }
  for (const auto& a : read_axes(r, "derived"))
    if (!a.values.empty()) s.derived.push_back({a.key, a.values[0].text, a.values[0].where});
  if (auto so = r.node("sort", Need::kOptional)) {
    if (!so->IsSequence())
      r.error("sort", "expected a list like [{column: usd_per_hour}]");
    else
      for (std::size_t i = 0; i < so->size(); ++i) {
        Reader item((*so)[i], fmt::format("sort[{}]", i), &ctx);
        StudySort st;
        st.where = item.where();
        item.get("column", st.column, Need::kRequired);
        std::string order = "asc";
        if (item.get("order", order, Need::kOptional) && order != "asc" && order != "desc")
          item.error("order", "'" + order + "' is not one of: asc, desc");
        st.descending = order == "desc";
        item.finish();
        s.sort.push_back(st);
      }
  }
  r.get("top", s.top, Need::kOptional, 1, 100000);
  std::vector<std::string> charts;
  if (r.get("charts", charts, Need::kOptional)) {
    static const std::vector<std::string> kCharts = {"pareto", "throughput_vs_batch",
                                                     "cost_vs_volume", "memory"};
    for (const auto& c : charts) {
      bool ok = false;
      for (const auto& k : kCharts) ok = ok || k == c;
      if (!ok)
        r.error("charts", fmt::format("'{}' is not one of: pareto, throughput_vs_batch, "
                                      "cost_vs_volume, memory{}",
                                      c, core::did_you_mean(c, kCharts)));
    }
    s.charts = charts;
  }
  if (auto o = r.child("outputs", Need::kOptional)) {
    o->get("csv", s.out_csv, Need::kOptional);
    o->get("jsonl", s.out_jsonl, Need::kOptional);
    o->get("markdown", s.out_markdown, Need::kOptional);
    o->get("html", s.out_html, Need::kOptional);
    o->finish();
  }
  r.get("notes", s.notes, Need::kOptional);
  r.finish();
  if (diags.error_count() != before) return std::nullopt;
  return s;
}

std::optional<StudySpec> load_study(const std::string& path, core::Diagnostics& diags) {
  auto text = impl::read_text_file(path, diags);
  if (!text) return std::nullopt;
  return parse_study_yaml(*text, path, diags);
}

}  // namespace llmsizer::schema
