// study_report.cc — charts, Markdown, HTML and summary of a study run (study_report.h).
#include "report/study_report.h"

#include "report/page.h"

#include <algorithm>
#include <cmath>
#include <initializer_list>
#include <map>
#include <set>
#include <string_view>

#include <fmt/format.h>

#include "schema/svg_chart.h"
#include "schema/text_writer.h"

namespace llmsizer::report {

namespace {

// Column lookups by name over one study's rows ("-" for a column the study lacks).
struct Columns {
  const estimator::Study& study;
  int operator()(const char* name) const { return study.column_index(name); }
  static std::string cell(const ResultRow& r, int c) {
    return c < 0 ? std::string("-") : r.cells[static_cast<std::size_t>(c)];
  }
  static double num(const ResultRow& r, int c) { return r.num[static_cast<std::size_t>(c)]; }
  std::string label(int c) const {
    const auto& col = study.columns()[static_cast<std::size_t>(c)];
    return col.name + " (" + col.unit + ")";
  }
};

// The name of the configuration a row belongs to: the values of the study's swept axes
// (those with more than one value) that are result columns, except the `excluded` ones (the
// chart's x axis) — so that lines of different models, KV dtypes or prompt lengths are never
// joined into one zig-zag.
std::string series_name(const Columns& col, const ResultRow& r,
                        std::initializer_list<std::string_view> excluded) {
  const auto& spec = col.study.spec();
  std::string name;
  for (const auto* group : {&spec.grid, &spec.zip, &spec.ranges})
    for (const auto& a : *group) {
      if (std::find(excluded.begin(), excluded.end(), a.key) != excluded.end() ||
          a.values.size() < 2 || col(a.key.c_str()) < 0)
        continue;
      const std::string v = Columns::cell(r, col(a.key.c_str()));
      const bool bare =
          a.key == "model" || a.key == "hardware" || a.key == "weights" || a.key == "api";
      name += (name.empty() ? "" : " ") + (bare ? v : a.key + " " + v);
    }
  return name.empty() ? "all points" : name;
}

// Each series' points sorted by x; at most `max_series` of them, chosen by `rank` (largest
// first; series named in `keep` always stay). Returns how many series were left out.
std::size_t add_sorted(const std::map<std::string, schema::SvgSeries>& by, schema::SvgChart& ch,
                       std::size_t max_series, const std::map<std::string, double>& rank = {},
                       const std::set<std::string>& keep = {}) {
  std::vector<std::string> names;
  for (const auto& [n, s] : by) names.push_back(n);
  if (names.size() > max_series && !rank.empty()) {
    auto score = [&](const std::string& n) {
      const auto it = rank.find(n);
      return it == rank.end() ? -INFINITY : it->second;
    };
    std::stable_sort(names.begin(), names.end(), [&](const auto& x, const auto& y) {
      const bool kx = keep.count(x) > 0, ky = keep.count(y) > 0;
      return kx != ky ? kx : score(x) > score(y);
    });
    names.resize(max_series);
    std::sort(names.begin(), names.end());
  }
  for (const auto& n : names) {
    if (ch.series.size() >= max_series) break;
    const auto& s = by.at(n);
    std::vector<std::size_t> idx(s.x.size());
    for (std::size_t i = 0; i < idx.size(); ++i) idx[i] = i;
    std::sort(idx.begin(), idx.end(), [&](auto a, auto b) { return s.x[a] < s.x[b]; });
    schema::SvgSeries sorted{n, {}, {}, schema::SvgSeries::Style::kLinePoints, {}};
    for (auto i : idx) sorted.x.push_back(s.x[i]), sorted.y.push_back(s.y[i]);
    ch.series.push_back(sorted);
  }
  return by.size() - ch.series.size();
}

std::optional<std::string> pareto_chart(const Columns& col, const std::string& title,
                                        const std::vector<ResultRow>& sample) {
  const int xc = col("usd_per_hour") >= 0 ? col("usd_per_hour") : col("rent_monthly_usd");
  const int yc = col("ttft_p99_s") >= 0 ? col("ttft_p99_s")
                 : col("tpot_s") >= 0   ? col("tpot_s")
                                        : col("e2e_s");
  if (xc < 0 || yc < 0) return std::nullopt;
  schema::SvgChart ch;
  ch.title = title + ": cost vs latency";
  ch.x_label = col.label(xc);
  ch.y_label = col.label(yc);
  schema::SvgSeries all{"all configurations", {}, {}, schema::SvgSeries::Style::kPoints, {}};
  for (const auto& r : sample) {
    all.x.push_back(Columns::num(r, xc));
    all.y.push_back(Columns::num(r, yc));
  }
  schema::SvgSeries front{"Pareto front", {}, {}, schema::SvgSeries::Style::kLinePoints, {}};
  for (auto i : schema::pareto_front(all.x, all.y)) {
    front.x.push_back(all.x[i]);
    front.y.push_back(all.y[i]);
    front.point_labels.push_back(Columns::cell(sample[i], col("hardware")) + " " +
                                 Columns::cell(sample[i], col("weights")));
  }
  ch.series = {all, front};
  return schema::render_line_chart(ch);
}

std::optional<std::string> throughput_chart(const Columns& col, const std::string& title,
                                            const std::vector<ResultRow>& sample,
                                            const std::vector<ResultRow>& best) {
  const int xc = col("batch"), yc = col("output_tokens_per_s");
  if (xc < 0 || yc < 0) return std::nullopt;
  schema::SvgChart ch;
  ch.title = title + ": throughput vs batch";
  ch.x_label = "batch (sequences)";
  ch.y_label = "output throughput (tokens/s)";
  ch.log_x = true;
  std::map<std::string, schema::SvgSeries> by;
  std::map<std::string, double> peak;
  for (const auto& r : sample) {
    const std::string name = series_name(col, r, {"batch"});
    auto& s = by[name];
    s.name = name;
    s.x.push_back(Columns::num(r, xc));
    s.y.push_back(Columns::num(r, yc));
    const double y = Columns::num(r, yc);
    if (std::isfinite(y) && (!peak.count(name) || y > peak[name])) peak[name] = y;
  }
  // The configurations of the top rows always stay; the others by their peak throughput.
  std::set<std::string> keep;
  for (const auto& r : best)
    if (keep.size() < 4) keep.insert(series_name(col, r, {"batch"}));
  constexpr std::size_t kMaxSeries = 8;
  const std::size_t left_out = add_sorted(by, ch, kMaxSeries, peak, keep);
  if (left_out > 0)
    ch.note = fmt::format(
        "{} of {} configurations drawn (the top rows' and the highest peak throughput); {} more "
        "in results.csv",
        ch.series.size(), by.size(), left_out);
  return schema::render_line_chart(ch);
}

std::optional<std::string> cost_chart(const Columns& col, const std::string& title,
                                      const std::vector<ResultRow>& sample) {
  const int vc = col("volume_tokens_per_month"), ac = col("api_monthly_usd");
  if (vc < 0 || ac < 0) return std::nullopt;
  schema::SvgChart ch;
  ch.title = title + ": $/1M tokens vs monthly volume";
  ch.x_label = "volume (tokens/month)";
  ch.y_label = "cost ($ per 1M tokens)";
  ch.log_x = ch.log_y = true;
  std::map<std::string, schema::SvgSeries> series;
  std::map<std::string, double> api_price;
  for (const auto& r : sample) {
    const double v = Columns::num(r, vc);
    const std::string opt = series_name(col, r, {"volume", "api"});  // the APIs are lines
    for (const char* k : {"rent_monthly_usd", "own_monthly_usd"}) {
      const int kc = col(k);
      if (kc < 0 || !std::isfinite(Columns::num(r, kc))) continue;
      const std::string name = opt + (k[0] == 'r' ? " rented" : " owned");
      auto& s = series[name];
      s.name = name;
      s.x.push_back(v);
      s.y.push_back(Columns::num(r, kc) / (v / 1e6));
    }
    const std::string api = Columns::cell(r, col("api"));
    api_price[api] = Columns::num(r, ac) / (v / 1e6);
    const int be = col("breakeven_rent_tokens_per_month");
    if (be >= 0 && std::isfinite(Columns::num(r, be)) && ch.markers.size() < 6) {
      const double bv = Columns::num(r, be);
      bool dup = false;
      for (const auto& m : ch.markers) dup = dup || std::fabs(m.x - bv) < 1e-6 * bv;
      if (!dup) ch.markers.push_back({"break-even vs " + api, bv, api_price[api]});
    }
  }
  add_sorted(series, ch, series.size());
  for (const auto& [n, p] : api_price) ch.hlines.push_back({n + " (API)", p});
  return schema::render_line_chart(ch);
}

std::optional<std::string> memory_chart(const Columns& col, const std::string& title,
                                        const std::vector<ResultRow>& best) {
  const char* const keys[] = {"weights_gib", "kv_cache_gib", "activation_gib", "overhead_gib"};
  for (const char* k : keys)
    if (col(k) < 0) return std::nullopt;
  if (col("capacity_gib") < 0) return std::nullopt;
  schema::SvgBarChart bc;
  bc.title = title + ": memory per device";
  bc.y_label = "memory per device (GiB)";
  bc.segments = {"weights", "KV cache", "activations", "overhead"};
  for (const auto& r : best) {
    schema::SvgBarGroup gr;
    gr.label = Columns::cell(r, col("hardware")) + " " + Columns::cell(r, col("weights")) + " tp" +
               Columns::cell(r, col("tp"));
    for (const char* k : keys) gr.values.push_back(Columns::num(r, col(k)));
    gr.limit = Columns::num(r, col("capacity_gib"));
    bc.bars.push_back(gr);
  }
  // One capacity line when every bar's device has the same memory; else each bar its own.
  bool same = !bc.bars.empty();
  for (const auto& g : bc.bars) same = same && g.limit == bc.bars.front().limit;
  if (same) {
    bc.limit = bc.bars.front().limit;
    bc.limit_label = "capacity of " + Columns::cell(best.front(), col("hardware"));
    for (auto& g : bc.bars) g.limit.reset();
  } else {
    bc.limit_label = "capacity of each bar's device";
  }
  return schema::render_stacked_bars(bc);
}

// ---- the time basis of the predictions and its validated error ----

bool is_measured(const std::string& hardware) {
  return hardware.rfind(estimator::kMeasuredHardwarePrefix, 0) == 0;
}

// The distinct hardware values of the study, in the order the study lists them.
std::vector<std::string> hardware_values(const schema::StudySpec& spec) {
  std::vector<std::string> out;
  for (const auto* group : {&spec.base, &spec.grid, &spec.zip, &spec.ranges})
    for (const auto& a : *group)
      if (a.key == "hardware")
        for (const auto& v : a.values)
          if (std::find(out.begin(), out.end(), v.text) == out.end()) out.push_back(v.text);
  return out;
}

std::string pct1(double v) {
  return fmt::format("{:.1f}%", 100 * v);
}

// "docs/validation.md: median error 5.8% on 49 published measurements"
std::string validated_text(const std::optional<estimator::ErrorBand>& b, bool measured) {
  if (!b || !b->median) return "not validated: no results of this basis under profiles/validation";
  return fmt::format("docs/validation.md: median error {} on {} {} measurements", pct1(*b->median),
                     b->points, measured ? "self-validation" : "published");
}

std::string basis_line(const StudyReportInput& in) {
  std::vector<std::string> measured;
  bool datasheet = false;
  for (const auto& h : hardware_values(in.study->spec())) {
    if (is_measured(h))
      measured.push_back(h);
    else
      datasheet = true;
  }
  if (measured.empty()) datasheet = true;  // no hardware axis: the command's default device
  const std::string ds =
      "datasheet roofline with assumed per-class efficiencies (basis: datasheet; " +
      validated_text(in.datasheet_band, false) + ")";
  std::string ms;
  if (!measured.empty()) {
    for (const auto& m : measured) ms += (ms.empty() ? "" : ", ") + m;
    ms += std::string(" timed from the measured ") +
          (measured.size() > 1 ? "profiles' " : "profile's ") + "kernel tables (basis: measured; " +
          validated_text(in.measured_band, true) + ")";
  }
  const std::string what = measured.empty() ? ds
                           : datasheet      ? ms + "; the other hardware: " + ds
                                            : ms;
  return "Basis: " + what + "; memory computed from the architecture.";
}

// "~2x" for a factor, else a percentage: the largest |error| of the band.
std::string outlier_text(double max_abs) {
  return max_abs >= 1 ? fmt::format("~{:.0f}x", 1 + max_abs)
                      : fmt::format("{:.0f}%", 100 * max_abs);
}

// How sensitive the ranking of the winner over the runner-up is to the validated error of
// the basis of their predictions.
std::string sensitivity(const StudyReportInput& in, const ResultRow& winner,
                        const ResultRow& runner_up, double margin) {
  const int hc = in.study->column_index("hardware");
  bool ds = hc < 0, ms = false;
  for (const ResultRow* r : {&winner, &runner_up})
    if (hc >= 0) (is_measured(Columns::cell(*r, hc)) ? ms : ds) = true;
  std::vector<const estimator::ErrorBand*> bands;
  std::string what;
  if (ds) {
    what = "assumed efficiencies";
    if (in.datasheet_band && in.datasheet_band->median) bands.push_back(&*in.datasheet_band);
  }
  if (ms) {
    what += std::string(what.empty() ? "" : " and ") + "measured kernel tables";
    if (in.measured_band && in.measured_band->median) bands.push_back(&*in.measured_band);
  }
  const std::string prices =
      " Prices are dated snapshots; re-run with your own prices (base `usd_per_hour`, "
      "`purchase_usd`) to check the ranking.";
  if (bands.size() < static_cast<std::size_t>(ds) + static_cast<std::size_t>(ms))
    return fmt::format(
               "The predictions rest on {} without validation results (profiles/validation); a "
               "margin of {:.1f}% between the winner and the runner-up cannot be weighed against "
               "a known error.",
               what, 100 * margin) +
           prices;
  double median = 0, max_abs = 0;
  std::string medians;
  for (const auto* b : bands) {
    median = std::max(median, *b->median);
    max_abs = std::max(max_abs, b->max.value_or(0));
    medians += (medians.empty() ? "" : " and ") + pct1(*b->median);
  }
  // Within the median error: a tie; beyond 25% (or four median errors, if larger): robust.
  const double robust = std::max(0.25, 4 * median);
  return fmt::format(
             "The predictions rest on {} whose validated median error{} {} (up to {} for single "
             "outliers, docs/validation.md). A margin of {:.1f}% between the winner and the "
             "runner-up is {} that error{}.",
             what, bands.size() > 1 ? "s are" : " is", medians, outlier_text(max_abs), 100 * margin,
             margin > robust   ? "well beyond"
             : margin > median ? "about the size of"
                               : "within",
             margin > robust ? ": the ranking is robust"
                             : ": treat the top entries as equivalent") +
         prices;
}

// ---- the page ----

std::vector<PageListItem> how_computed(const StudyReportInput& in, std::uint64_t rows) {
  const auto& spec = in.study->spec();
  std::vector<PageListItem> items;
  items.push_back({fmt::format("Command evaluated per point: `{}`; {} points, {} pass the "
                               "constraints.",
                               spec.evaluate, in.study->point_count(), rows),
                   {}});
  for (const auto& a : spec.base)
    items.push_back({fmt::format("base `{}` = `{}`", a.key, a.values[0].text), {}});
  for (const auto* group : {&spec.grid, &spec.ranges, &spec.zip})
    for (const auto& a : *group) {
      std::string vals;
      for (std::size_t i = 0; i < a.values.size() && i < 12; ++i)
        vals += (i ? ", " : "") + a.values[i].text;
      if (a.values.size() > 12) vals += fmt::format(", ... ({} values)", a.values.size());
      items.push_back({fmt::format("swept `{}`: {}", a.key, vals), {}});
    }
  for (const auto& c : spec.constraints)
    items.push_back({fmt::format("constraint: `{}`", c.text), {}});
  for (const auto& dv : spec.derived)
    items.push_back({fmt::format("derived `{}` = `{}`", dv.name, dv.text), {}});
  items.push_back({basis_line(in), {}});
  if (in.prices->assumptions) {
    PageListItem tco{"TCO assumptions (profiles/costs/assumptions.yaml):", {}};
    for (const auto& [k, v] : in.prices->assumptions->values)
      tco.sub.push_back(fmt::format("{} = {} — {} ({})", k, schema::format_number(v.value),
                                    v.from.source, v.from.as_of));
    items.push_back(std::move(tco));
  }
  items.push_back(
      {"Rental prices: the cheapest published on-demand offer per device in "
       "profiles/costs; API prices: the newest snapshot in profiles/apis (each with "
       "its source and date).",
       {}});
  return items;
}

PageTable results_table(const std::vector<estimator::StudyColumn>& cols,
                        const std::vector<ResultRow>& best) {
  PageTable t;
  t.header.push_back("#");
  t.numeric.push_back(true);
  for (const auto& c : cols) {
    t.header.push_back(c.unit.empty() ? c.name : c.name + " (" + c.unit + ")");
    t.numeric.push_back(!c.text);
  }
  for (std::size_t i = 0; i < best.size(); ++i) {
    std::vector<std::string> row{std::to_string(i + 1)};
    for (std::size_t c = 0; c < cols.size(); ++c) {
      const std::string& v = best[i].cells[c];
      row.push_back(v.empty() ? "-" : cols[c].text ? v : format_cell(best[i].num[c], cols[c].unit));
    }
    t.rows.push_back(std::move(row));
  }
  return t;
}

// "**model m, hardware h, weights w** (tp 2, 2 devices)"
std::string winner_ident(const Columns& col, const ResultRow& w) {
  std::string ident;
  for (const char* k : {"model", "hardware", "weights", "api"})
    if (col(k) >= 0)
      ident += (ident.empty() ? "" : ", ") + std::string(k) + " " + Columns::cell(w, col(k));
  return fmt::format("**{}** (tp {}, {} devices)", ident, Columns::cell(w, col("tp")),
                     Columns::cell(w, col("devices")));
}

// The sort column's value of a row with its unit: "`usd_per_mtok_output` = $1.24 ($/1M tokens)".
std::string sort_value(const estimator::Study& study, const ResultRow& r) {
  const auto& key = study.spec().sort[0].column;
  const int sc = study.column_index(key);
  const auto& unit = study.columns()[static_cast<std::size_t>(sc)].unit;
  return fmt::format("`{}` = {}{}", key, format_cell(Columns::num(r, sc), unit),
                     unit.empty() ? "" : " (" + unit + ")");
}

// The question's answer in one sentence, for the top of the page.
std::string answer(const StudyReportInput& in, const std::vector<ResultRow>& best,
                   std::uint64_t rows) {
  const auto& spec = in.study->spec();
  if (best.empty())
    return fmt::format(
        "**Answer:** no configuration passes the constraints ({} points "
        "evaluated); relax a constraint or widen the sweep.",
        in.study->point_count());
  std::string s = "**Answer:** " + winner_ident(Columns{*in.study}, best.front());
  if (!spec.sort.empty()) s += " is first by " + sort_value(*in.study, best.front());
  return s + fmt::format(", of {} configurations that pass the constraints ({} evaluated).", rows,
                         in.study->point_count());
}

void winner_section(const StudyReportInput& in, const std::vector<ResultRow>& best, Page& page) {
  const Columns col{*in.study};
  const auto& spec = in.study->spec();
  page.heading("The winner and why");
  const ResultRow& w = best.front();
  std::string text = winner_ident(col, w);
  if (spec.sort.empty()) return page.paragraph(text);
  text += " is first by " + sort_value(*in.study, w);
  if (best.size() < 2) return page.paragraph(text + ".");
  const int sc = in.study->column_index(spec.sort[0].column);
  const double a = Columns::num(w, sc), b = Columns::num(best[1], sc);
  const double margin = std::fabs(b - a) / std::max(1e-300, std::fabs(a));
  page.paragraph(
      text + fmt::format("; the runner-up ({}{}) is {:.1f}% {}.",
                         Columns::cell(best[1], col("hardware")),
                         col("weights") >= 0 ? " " + Columns::cell(best[1], col("weights")) : "",
                         100 * margin, spec.sort[0].descending ? "lower" : "higher"));
  page.heading("How sensitive the conclusion is");
  page.paragraph(sensitivity(in, w, best[1], margin));
}

Page page(const StudyReportInput& in, ResultKeeper& kept, const std::vector<StudyChart>& charts) {
  const auto& spec = in.study->spec();
  Page page;
  page.title = spec.title;
  if (!spec.question.empty()) page.paragraph(spec.question);
  const auto& best = kept.best();
  page.paragraph(answer(in, best, kept.rows()));
  page.heading("How this was computed");
  page.list(how_computed(in, kept.rows()));
  page.heading("Results");
  if (best.empty()) {
    page.paragraph("No point passes the constraints.");
  } else {
    page.table(results_table(in.study->columns(), best));
    winner_section(in, best, page);
  }
  if (!charts.empty()) {
    page.heading("Charts");
    for (const auto& c : charts) page.chart(c.file, c.svg);
  }
  page.paragraph(fmt::format("All {} passing points: `results.csv`{}.", kept.rows(),
                             in.jsonl ? ", `results.jsonl`" : ""));
  return page;
}

std::string summary(const estimator::Study& study, const std::vector<ResultRow>& best) {
  const Columns col{study};
  std::string out = "\n" + study.spec().title + "\n";
  for (std::size_t i = 0; i < best.size() && i < 5; ++i) {
    std::string line = fmt::format("  {}.", i + 1);
    for (const char* k : {"model", "hardware", "weights", "api", "tp"})
      if (col(k) >= 0) line += " " + Columns::cell(best[i], col(k));
    for (const auto& s : study.spec().sort)
      line +=
          fmt::format("  {} {:.4g}", s.column, Columns::num(best[i], study.column_index(s.column)));
    out += line + "\n";
  }
  return out;
}

}  // namespace

std::vector<StudyChart> study_charts(const estimator::Study& study, ResultKeeper& kept) {
  const Columns col{study};
  const std::string& title = study.spec().title;
  std::vector<StudyChart> out;
  for (const auto& c : study.spec().charts) {
    std::optional<std::string> svg;
    if (c == "pareto")
      svg = pareto_chart(col, title, kept.sample());
    else if (c == "throughput_vs_batch")
      svg = throughput_chart(col, title, kept.sample(), kept.best());
    else if (c == "cost_vs_volume")
      svg = cost_chart(col, title, kept.sample());
    else if (c == "memory")
      svg = memory_chart(col, title, kept.best());
    if (svg) out.push_back({c + ".svg", std::move(*svg)});
  }
  return out;
}

StudyReport build_study_report(const StudyReportInput& in, ResultKeeper& kept) {
  StudyReport r;
  r.charts = study_charts(*in.study, kept);
  const Page p = page(in, kept, r.charts);
  r.markdown = render_markdown(p);
  r.html = render_html(p);
  r.summary = summary(*in.study, kept.best());
  return r;
}

}  // namespace llmsizer::report
