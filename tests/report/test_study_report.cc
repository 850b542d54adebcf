// test_study_report.cc — the study report as library code: result lines round-trip, the
// keeper keeps the best rows in the study's order, and the report's basis and expected-error
// sentences come from the study's hardware and the error bands it is given.
#include <catch2/catch.hpp>

#include <cmath>

#include "estimator/study.h"
#include "report/study_report.h"
#include "report/study_results.h"
#include "schema/hardware_profile.h"
#include "shipped_catalog.h"
#include "test_paths.h"

using namespace llmsizer;

namespace {

const schema::PriceCatalog& prices() {
  return test::shipped_prices();
}

// A prepared study over the shipped catalog plus the committed measured profile (hardware
// "measured:vm-2026-11-27"); the catalog copy lives as long as the test binary.
estimator::Study prepare(const std::string& body) {
  static schema::Catalog cat = test::shipped_catalog();
  static estimator::MeasuredHardware measured = [] {
    core::Diagnostics d;
    auto p = schema::load_hardware_profile_yaml(
        test::profiles_dir() + "/measured/vm-2026-11-27.yaml", d);
    REQUIRE(p);
    estimator::MeasuredHardware m;
    estimator::add_measured_hardware("measured:vm-2026-11-27", *p, cat, m);
    return m;
  }();
  core::Diagnostics d;
  auto spec = schema::parse_study_yaml(
      "schema: study\nschema_version: 1\nid: t\ntitle: T <&>\nevaluate: estimate\n" + body,
      "t.yaml", d);
  INFO(d.format());
  REQUIRE(spec);
  auto s = estimator::Study::prepare(*spec, cat, prices(), d, measured);
  INFO(d.format());
  REQUIRE(s);
  return std::move(*s);
}

// Every row of the study, written as results.csv lines and read back into a keeper.
report::ResultKeeper keep_all(const estimator::Study& s) {
  report::ResultKeeper kept(s);
  estimator::StudyCache cache;
  s.evaluate(0, s.point_count(), cache, [&](estimator::StudyRow&& r) {
    std::string line;
    report::append_csv_row(r, s.columns(), line);
    line.pop_back();  // the newline
    auto row = report::parse_result_line(line, s.columns());
    REQUIRE(row);
    kept.add(std::move(*row));
  });
  return kept;
}

estimator::ErrorBand band(double median, double max, std::int64_t points) {
  estimator::ErrorBand b;
  b.median = median;
  b.max = max;
  b.points = points;
  return b;
}

const char* kDatasheet =
    "base:\n  model: llama-3.1-8b\n  prompt: 512\n  output: 128\n"
    "sweep:\n  grid:\n    hardware: [h100-sxm, l40s]\n    batch: [1, 8]\n"
    "sort:\n  - {column: tpot_s}\ntop: 3\ncharts: [pareto, throughput_vs_batch, memory]\n";

}  // namespace

TEST_CASE("a study row survives results.csv and results.jsonl", "[report]") {
  const auto s = prepare(kDatasheet);
  estimator::StudyCache cache;
  std::vector<estimator::StudyRow> rows;
  s.evaluate(0, 1, cache, [&](estimator::StudyRow&& r) { rows.push_back(std::move(r)); });
  REQUIRE(rows.size() == 1);
  const auto& cols = s.columns();
  CHECK(report::results_csv_header(cols).rfind("point,model,hardware,", 0) == 0);
  std::string csv, jsonl;
  report::append_csv_row(rows[0], cols, csv);
  report::append_jsonl_row(rows[0], cols, jsonl);
  REQUIRE(csv.back() == '\n');
  CHECK(jsonl.rfind("{\"point\":0,\"model\":\"llama-3.1-8b\"", 0) == 0);
  csv.pop_back();
  const auto back = report::parse_result_line(csv, cols);
  REQUIRE(back);
  CHECK(back->point == 0);
  for (std::size_t i = 0; i < cols.size(); ++i) {
    INFO(cols[i].name);
    if (cols[i].text) {
      CHECK(back->cells[i] == rows[0].text[i]);
      CHECK(std::isnan(back->num[i]));
    } else if (std::isfinite(rows[0].num[i])) {
      CHECK(back->num[i] == Approx(rows[0].num[i]).epsilon(1e-12));
    }
  }
  CHECK_FALSE(report::parse_result_line("1,2,3", cols));  // a cell count that does not fit
  // Quoted cells keep their commas and quotes.
  const std::vector<estimator::StudyColumn> two = {{"a", true, ""}, {"b", false, "s"}};
  const auto q = report::parse_result_line("7,\"x, \"\"y\"\"\",", two);
  REQUIRE(q);
  CHECK(q->cells[0] == "x, \"y\"");
  CHECK(std::isnan(q->num[1]));  // an empty cell has no value
}

TEST_CASE("the keeper keeps the study's best rows, values before none", "[report]") {
  const auto s = prepare(kDatasheet);
  auto kept = keep_all(s);
  CHECK(kept.rows() == 4);
  const auto& best = kept.best();
  REQUIRE(best.size() == 3);  // top: 3
  const int tpot = s.column_index("tpot_s");
  for (std::size_t i = 1; i < best.size(); ++i)
    CHECK(best[i - 1].num[static_cast<std::size_t>(tpot)] <=
          best[i].num[static_cast<std::size_t>(tpot)]);
  CHECK(kept.sample().size() == 4);  // 4 points: every one is sampled

  // Rows without a value of the sort column come last, ties in point order.
  report::ResultKeeper k(s);
  const std::size_t n = s.columns().size();
  for (std::uint64_t p : {0u, 1u, 2u}) {
    report::ResultRow r;
    r.point = p;
    r.cells.assign(n, "");
    r.num.assign(n, std::nan(""));
    if (p > 0) r.num[static_cast<std::size_t>(tpot)] = 1.0;
    k.add(r);
  }
  const auto& order = k.best();
  REQUIRE(order.size() == 3);
  CHECK(order[0].point == 1);
  CHECK(order[1].point == 2);
  CHECK(order[2].point == 0);
}

TEST_CASE("a datasheet study states the datasheet basis and the given error", "[report]") {
  const auto s = prepare(kDatasheet);
  auto kept = keep_all(s);
  report::StudyReportInput in;
  in.study = &s;
  in.prices = &prices();
  in.datasheet_band = band(0.123, 0.4, 7);
  in.measured_band = band(0.01, 0.02, 3);  // not used: no measured hardware
  const auto r = report::build_study_report(in, kept);
  INFO(r.markdown);
  CHECK(r.markdown.find("- Basis: datasheet roofline with assumed per-class efficiencies (basis: "
                        "datasheet; docs/validation.md: median error 12.3% on 7 published "
                        "measurements); memory computed from the architecture.\n") !=
        std::string::npos);
  CHECK(r.markdown.find("basis: assumed") == std::string::npos);
  CHECK(r.markdown.find("basis: measured") == std::string::npos);
  CHECK(r.markdown.find("- swept `hardware`: h100-sxm, l40s\n") != std::string::npos);
  CHECK(r.markdown.find("4 points, 4 pass the constraints") != std::string::npos);
  CHECK(r.markdown.find("## The winner and why") != std::string::npos);
  CHECK(r.markdown.find("whose validated median error is 12.3% (up to 40% for single outliers") !=
        std::string::npos);
  CHECK(r.markdown.find("All 4 passing points: `results.csv`.\n") != std::string::npos);
  // Charts in the study's order, each linked from the Markdown and inline in the HTML.
  REQUIRE(r.charts.size() == 3);
  CHECK(r.charts[0].file == "pareto.svg");
  CHECK(r.charts[1].file == "throughput_vs_batch.svg");
  CHECK(r.charts[2].file == "memory.svg");
  for (const auto& c : r.charts) {
    CHECK(c.svg.find("<svg") != std::string::npos);
    CHECK(r.markdown.find("![" + c.file + "](" + c.file + ")") != std::string::npos);
    CHECK(r.html.find(c.svg.substr(c.svg.find("<svg"))) != std::string::npos);
  }
  // The HTML page is rendered, not Markdown in a <pre>: escaped title, real tables with the
  // numbers right-aligned, no Markdown syntax left.
  CHECK(r.html.find("<h1>T &lt;&amp;&gt;</h1>") != std::string::npos);
  CHECK(r.html.find("<pre") == std::string::npos);
  CHECK(r.html.find("<th class=\"num\">tpot_s (s)</th>") != std::string::npos);
  CHECK(r.html.find("<td class=\"num\">") != std::string::npos);
  CHECK(r.html.find("<li>swept <code>hardware</code>: h100-sxm, l40s</li>") != std::string::npos);
  for (const char* md : {"| ", "|---", "## ", "**", "![", "- swept"})
    CHECK(r.html.find(md) == std::string::npos);
  // The answer comes first, before how it was computed.
  CHECK(r.markdown.find("**Answer:** **model llama-3.1-8b, hardware h100-sxm") <
        r.markdown.find("## How this was computed"));
  CHECK(r.summary.rfind("\nT <&>\n  1. llama-3.1-8b ", 0) == 0);
  CHECK(r.summary.find("  tpot_s ") != std::string::npos);
}

TEST_CASE("a measured study says measured, with the measured error", "[report]") {
  const auto s = prepare(
      "base:\n  model: llama-3.2-3b\n  hardware: measured:vm-2026-11-27\n  activations: f32\n"
      "  prompt: 64\n  output: 16\nsweep:\n  grid:\n    weights: [q8_0, q4_0]\n"
      "sort:\n  - {column: tpot_s}\n");
  auto kept = keep_all(s);
  report::StudyReportInput in;
  in.study = &s;
  in.prices = &prices();
  in.datasheet_band = band(0.2, 1.5, 40);
  in.measured_band = band(0.031, 0.25, 12);
  in.jsonl = true;
  const auto r = report::build_study_report(in, kept);
  INFO(r.markdown);
  CHECK(r.markdown.find("- Basis: measured:vm-2026-11-27 timed from the measured profile's kernel "
                        "tables (basis: measured; docs/validation.md: median error 3.1% on 12 "
                        "self-validation measurements); memory computed from the "
                        "architecture.\n") != std::string::npos);
  CHECK(r.markdown.find("datasheet") == std::string::npos);
  CHECK(r.markdown.find("rest on measured kernel tables whose validated median error is 3.1% (up "
                        "to 25% for single outliers") != std::string::npos);
  CHECK(r.markdown.find("`results.csv`, `results.jsonl`.\n") != std::string::npos);
  CHECK(r.charts.empty());
  CHECK(r.markdown.find("## Charts") == std::string::npos);

  // Without validation results the report says so instead of quoting a number.
  in.measured_band.reset();
  const auto none = report::build_study_report(in, kept);
  CHECK(none.markdown.find("(basis: measured; not validated") != std::string::npos);
  CHECK(none.markdown.find("without validation results") != std::string::npos);
}

TEST_CASE("a mixed study names both bases; the margin is weighed against the error", "[report]") {
  const auto s = prepare(
      "base:\n  model: llama-3.2-3b\n  activations: f32\n  prompt: 64\n  output: 16\n"
      "  weights: q4_0\nsweep:\n  grid:\n    hardware: [measured:vm-2026-11-27, epyc-9654]\n"
      "sort:\n  - {column: tpot_s}\n");
  auto kept = keep_all(s);
  report::StudyReportInput in;
  in.study = &s;
  in.prices = &prices();
  in.datasheet_band = band(0.058, 1.1, 49);
  in.measured_band = band(0.037, 0.36, 60);
  auto r = report::build_study_report(in, kept);
  INFO(r.markdown);
  CHECK(
      r.markdown.find("- Basis: measured:vm-2026-11-27 timed from the measured profile's kernel "
                      "tables (basis: measured; docs/validation.md: median error 3.7% on 60 "
                      "self-validation measurements); the other hardware: datasheet roofline "
                      "with assumed per-class efficiencies (basis: datasheet; docs/validation.md: "
                      "median error 5.8% on 49 published measurements);") != std::string::npos);
  // The winner and the runner-up stand on both bases: both errors, the larger decides.
  CHECK(r.markdown.find("rest on assumed efficiencies and measured kernel tables whose validated "
                        "median errors are 5.8% and 3.7% (up to ~2x for single outliers") !=
        std::string::npos);
  // A margin far beyond any error is robust; one within a huge error is not.
  CHECK(r.markdown.find("well beyond that error: the ranking is robust") != std::string::npos);
  in.datasheet_band = band(50.0, 60.0, 49);
  in.measured_band = band(50.0, 60.0, 60);
  r = report::build_study_report(in, kept);
  CHECK(r.markdown.find("within that error: treat the top entries as equivalent") !=
        std::string::npos);
}
