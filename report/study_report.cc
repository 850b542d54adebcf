// study_report.cc — charts, Markdown, HTML and summary of a study run (study_report.h).
#include "report/study_report.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <set>

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

// Each series' points sorted by x.
void add_sorted(const std::map<std::string, schema::SvgSeries>& by, schema::SvgChart& ch,
                std::size_t max_series) {
  for (const auto& [n, s] : by) {
    std::vector<std::size_t> idx(s.x.size());
    for (std::size_t i = 0; i < idx.size(); ++i) idx[i] = i;
    std::sort(idx.begin(), idx.end(), [&](auto a, auto b) { return s.x[a] < s.x[b]; });
    schema::SvgSeries sorted{n, {}, {}, schema::SvgSeries::Style::kLinePoints, {}};
    for (auto i : idx) sorted.x.push_back(s.x[i]), sorted.y.push_back(s.y[i]);
    if (ch.series.size() < max_series) ch.series.push_back(sorted);
  }
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
                                            const std::vector<ResultRow>& sample) {
  const int xc = col("batch"), yc = col("output_tokens_per_s");
  if (xc < 0 || yc < 0) return std::nullopt;
  schema::SvgChart ch;
  ch.title = title + ": throughput vs batch";
  ch.x_label = "batch (sequences)";
  ch.y_label = "output throughput (tokens/s)";
  ch.log_x = true;
  std::map<std::string, schema::SvgSeries> by;
  for (const auto& r : sample) {
    const std::string name = Columns::cell(r, col("hardware")) + " " +
                             Columns::cell(r, col("weights")) + " tp" +
                             Columns::cell(r, col("tp")) +
                             (col("model") >= 0 ? " " + Columns::cell(r, col("model")) : "");
    auto& s = by[name];
    s.name = name;
    s.x.push_back(Columns::num(r, xc));
    s.y.push_back(Columns::num(r, yc));
  }
  add_sorted(by, ch, 8);
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
    const std::string opt = Columns::cell(r, col("tp")) + " x " + Columns::cell(r, col("hardware"));
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
    bc.bars.push_back(gr);
    if (!bc.limit) {
      bc.limit = Columns::num(r, col("capacity_gib"));
      bc.limit_label = "capacity of " + Columns::cell(r, col("hardware"));
    }
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
  return "- Basis: " + what + "; memory computed from the architecture.\n";
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
      "`purchase_usd`) to check the ranking.\n\n";
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

// ---- the Markdown sections ----

std::string how_computed(const StudyReportInput& in, std::uint64_t rows) {
  const auto& spec = in.study->spec();
  std::string md = "## How this was computed\n\n";
  md += fmt::format("- Command evaluated per point: `{}`; {} points, {} pass the constraints.\n",
                    spec.evaluate, in.study->point_count(), rows);
  for (const auto& a : spec.base)
    md += fmt::format("- base `{}` = `{}`\n", a.key, a.values[0].text);
  for (const auto* group : {&spec.grid, &spec.ranges, &spec.zip})
    for (const auto& a : *group) {
      std::string vals;
      for (std::size_t i = 0; i < a.values.size() && i < 12; ++i)
        vals += (i ? ", " : "") + a.values[i].text;
      if (a.values.size() > 12) vals += fmt::format(", ... ({} values)", a.values.size());
      md += fmt::format("- swept `{}`: {}\n", a.key, vals);
    }
  for (const auto& c : spec.constraints) md += fmt::format("- constraint: `{}`\n", c.text);
  for (const auto& dv : spec.derived)
    md += fmt::format("- derived `{}` = `{}`\n", dv.name, dv.text);
  md += basis_line(in);
  if (in.prices->assumptions) {
    md += "- TCO assumptions (profiles/costs/assumptions.yaml):\n";
    for (const auto& [k, v] : in.prices->assumptions->values)
      md += fmt::format("  - {} = {} — {} ({})\n", k, schema::format_number(v.value), v.from.source,
                        v.from.as_of);
  }
  md +=
      "- Rental prices: the cheapest published on-demand offer per device in profiles/costs; API "
      "prices: the newest snapshot in profiles/apis (each with its source and date).\n\n";
  return md;
}

std::string results_table(const std::vector<estimator::StudyColumn>& cols,
                          const std::vector<ResultRow>& best) {
  std::string md = "| # |";
  for (const auto& c : cols) md += " " + c.name + " |";
  md += "\n|---|";
  for (std::size_t i = 0; i < cols.size(); ++i) md += "---|";
  md += "\n";
  for (std::size_t i = 0; i < best.size(); ++i) {
    md += fmt::format("| {} |", i + 1);
    for (std::size_t c = 0; c < cols.size(); ++c) {
      const std::string& v = best[i].cells[c];
      md += " " +
            (cols[c].text || v.empty() ? (v.empty() ? "-" : v)
                                       : fmt::format("{:.4g}", best[i].num[c])) +
            " |";
    }
    md += "\n";
  }
  return md;
}

std::string winner_section(const StudyReportInput& in, const std::vector<ResultRow>& best) {
  const Columns col{*in.study};
  const auto& spec = in.study->spec();
  std::string md = "\n## The winner and why\n\n";
  const ResultRow& w = best.front();
  std::string ident;
  for (const char* k : {"model", "hardware", "weights", "api"})
    if (col(k) >= 0)
      ident += (ident.empty() ? "" : ", ") + std::string(k) + " " + Columns::cell(w, col(k));
  md += fmt::format("**{}** (tp {}, {} devices)", ident, Columns::cell(w, col("tp")),
                    Columns::cell(w, col("devices")));
  if (spec.sort.empty()) return md;
  const int sc = in.study->column_index(spec.sort[0].column);
  md += fmt::format(" is first by `{}` = {:.4g}", spec.sort[0].column, Columns::num(w, sc));
  if (best.size() < 2) return md + ".\n\n";
  const double a = Columns::num(w, sc), b = Columns::num(best[1], sc);
  const double margin = std::fabs(b - a) / std::max(1e-300, std::fabs(a));
  md += fmt::format("; the runner-up ({}{}) is {:.1f}% {}.\n\n",
                    Columns::cell(best[1], col("hardware")),
                    col("weights") >= 0 ? " " + Columns::cell(best[1], col("weights")) : "",
                    100 * margin, spec.sort[0].descending ? "lower" : "higher");
  md += "## How sensitive the conclusion is\n\n";
  return md + sensitivity(in, w, best[1], margin);
}

std::string markdown(const StudyReportInput& in, ResultKeeper& kept,
                     const std::vector<StudyChart>& charts) {
  const auto& spec = in.study->spec();
  std::string md = "# " + spec.title + "\n\n";
  if (!spec.question.empty()) md += spec.question + "\n\n";
  md += how_computed(in, kept.rows());
  md += "## Results\n\n";
  const auto& best = kept.best();
  if (best.empty())
    md += "No point passes the constraints.\n\n";
  else
    md += results_table(in.study->columns(), best) + winner_section(in, best);
  if (!charts.empty()) {
    md += "## Charts\n\n";
    for (const auto& c : charts) md += fmt::format("![{}]({})\n\n", c.file, c.file);
  }
  md += fmt::format("All {} passing points: `results.csv`{}.\n", kept.rows(),
                    in.jsonl ? ", `results.jsonl`" : "");
  return md;
}

std::string html(const std::string& title, const std::string& md,
                 const std::vector<StudyChart>& charts) {
  std::string out = "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>" +
                    schema::json_escape(title) +
                    "</title><style>body{font-family:sans-serif;max-width:1100px;margin:2em auto}"
                    "table{border-collapse:collapse;font-size:12px}td,th{border:1px solid #ccc;"
                    "padding:2px 6px}pre{white-space:pre-wrap}</style></head><body>\n<pre>";
  for (char ch : md) {
    if (ch == '<')
      out += "&lt;";
    else if (ch == '>')
      out += "&gt;";
    else if (ch == '&')
      out += "&amp;";
    else
      out += ch;
  }
  out += "</pre>\n";
  for (const auto& c : charts) out += "<div>" + c.svg + "</div>\n";
  return out + "</body></html>\n";
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
      svg = throughput_chart(col, title, kept.sample());
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
  r.markdown = markdown(in, kept, r.charts);
  r.html = html(in.study->spec().title, r.markdown, r.charts);
  r.summary = summary(*in.study, kept.best());
  return r;
}

}  // namespace llmsizer::report
