// test_svg_chart.cc — the SVG chart writer: well-formed output (balanced tags, no NaN/inf,
// escaped text), determinism, nice and log-axis ticks, compact tick labels, the Pareto front,
// and empty or degenerate inputs. Set LLMSIZER_SVG_EXAMPLES_DIR to also write example charts.
#include <catch2/catch.hpp>

#include <cmath>
#include <cstdlib>
#include <fstream>
#include <limits>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "schema/svg_chart.h"

using namespace llmsizer::schema;

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kInf = std::numeric_limits<double>::infinity();

// A tiny XML check: every start tag is closed in order, attributes are quoted, and the
// document has exactly one root <svg> element. Returns "" when fine, else the problem.
std::string xml_problem(const std::string& s) {
  std::vector<std::string> stack;
  int roots = 0;
  std::size_t i = 0;
  while ((i = s.find('<', i)) != std::string::npos) {
    if (s.compare(i, 2, "<?") == 0) {
      const auto end = s.find("?>", i);
      if (end == std::string::npos) return "unterminated <?";
      i = end + 2;
      continue;
    }
    std::size_t end = i + 1;
    char quote = 0;
    for (; end < s.size(); ++end) {
      const char ch = s[end];
      if (quote != 0) {
        if (ch == quote) quote = 0;
        if (ch == '<') return "'<' inside an attribute";
      } else if (ch == '"' || ch == '\'') {
        quote = ch;
      } else if (ch == '>') {
        break;
      } else if (ch == '<') {
        return "'<' inside a tag";
      }
    }
    if (end >= s.size()) return "unterminated tag";
    std::string tag = s.substr(i + 1, end - i - 1);
    i = end + 1;
    if (!tag.empty() && tag[0] == '/') {
      const std::string name = tag.substr(1);
      if (stack.empty() || stack.back() != name) return "unbalanced </" + name + ">";
      stack.pop_back();
      continue;
    }
    const bool self_closing = !tag.empty() && tag.back() == '/';
    const std::string name = tag.substr(0, tag.find_first_of(" \t\n/"));
    if (name.empty()) return "empty tag name";
    if (stack.empty()) ++roots;
    if (!self_closing) stack.push_back(name);
  }
  if (!stack.empty()) return "unclosed <" + stack.back() + ">";
  if (roots != 1) return "expected one root element";
  return "";
}

bool contains(const std::string& s, const std::string& part) {
  return s.find(part) != std::string::npos;
}

void check_well_formed(const std::string& svg) {
  INFO(svg);
  CHECK(xml_problem(svg).empty());
  CHECK(svg.rfind("<?xml", 0) == 0);
  CHECK(contains(svg, "xmlns=\"http://www.w3.org/2000/svg\""));
  CHECK(contains(svg, "viewBox=\""));
  CHECK(contains(svg, "width=\""));
  CHECK(contains(svg, "height=\""));
  for (const char* bad : {"nan", "NaN", "inf", "Inf"}) CHECK_FALSE(contains(svg, bad));
}

SvgSeries series(std::string name, std::vector<double> x, std::vector<double> y,
                 SvgSeries::Style style = SvgSeries::Style::kLinePoints,
                 std::vector<std::string> labels = {}) {
  SvgSeries s;
  s.name = std::move(name);
  s.x = std::move(x);
  s.y = std::move(y);
  s.style = style;
  s.point_labels = std::move(labels);
  return s;
}

SvgChart example_line_chart() {
  SvgChart c;
  c.title = "Cost per million output tokens vs p99 TTFT, Llama-3.1-70B";
  c.x_label = "p99 TTFT (ms)";
  c.y_label = "cost ($ per 1M output tokens)";
  c.log_x = true;
  SvgSeries h100 =
      series("H100 x8, FP8", {120, 180, 260, 420, 900, 2400}, {3.1, 1.9, 1.2, 0.85, 0.62, 0.55},
             SvgSeries::Style::kLinePoints, {"b=1", "b=4", "b=16", "b=32", "b=64", "b=128"});
  SvgSeries mi300 =
      series("MI300X x4, FP16", {150, 240, 380, 700, 1600}, {2.7, 1.6, 1.05, 0.78, 0.66});
  SvgSeries cfgs = series("all configs", {130, 200, 310, 500, 1100, 3000},
                          {3.6, 2.4, 1.7, 1.3, 1.0, 0.9}, SvgSeries::Style::kPoints);
  c.series = {h100, mi300, cfgs};
  c.hlines = {{"API price $0.90", 0.9}};
  c.markers = {{"break-even at ~400 ms", 420, 0.85}};
  return c;
}

SvgBarChart example_bar_chart() {
  SvgBarChart c;
  c.title = "Memory per device, Llama-3.1-70B at 32k context";
  c.y_label = "memory per device (GiB)";
  c.segments = {"weights", "KV cache", "activations", "overhead"};
  c.bars = {{"TP=2 FP16", {65.7, 20.0, 3.1, 2.0}, {}},
            {"TP=4 FP16", {32.9, 10.0, 2.4, 2.0}, {}},
            {"TP=8 FP16", {16.4, 5.0, 1.9, 2.0}, {}},
            {"TP=4 FP8", {16.4, 10.0, 2.4, 2.0}, {}},
            {"TP=8 FP8 + long-context paged KV", {8.2, 5.0, 1.9, 2.0}, {}}};
  c.limit = 80;
  c.limit_label = "H100 SXM capacity";
  return c;
}

}  // namespace

TEST_CASE("line chart is well-formed with title, axis labels and legend", "[svg]") {
  const std::string svg = render_line_chart(example_line_chart());
  check_well_formed(svg);
  CHECK(contains(svg, "Cost per million output tokens vs p99 TTFT, Llama-3.1-70B"));
  CHECK(contains(svg, "p99 TTFT (ms)"));
  CHECK(contains(svg, "cost ($ per 1M output tokens)"));
  CHECK(contains(svg, ">H100 x8, FP8<"));
  CHECK(contains(svg, ">MI300X x4, FP16<"));
  CHECK(contains(svg, ">all configs<"));
  CHECK(contains(svg, "API price $0.90"));
  CHECK(contains(svg, "break-even at ~400 ms"));
  CHECK(contains(svg, ">b=16<"));
  // Okabe-Ito colors, one per series.
  CHECK(contains(svg, "#0072B2"));
  CHECK(contains(svg, "#D55E00"));
  CHECK(contains(svg, "#009E73"));
}

TEST_CASE("stacked bar chart is well-formed with legend and limit line", "[svg]") {
  const std::string svg = render_stacked_bars(example_bar_chart());
  check_well_formed(svg);
  CHECK(contains(svg, "Memory per device, Llama-3.1-70B at 32k context"));
  CHECK(contains(svg, "memory per device (GiB)"));
  for (const char* seg : {"weights", "KV cache", "activations", "overhead"}) {
    CHECK(contains(svg, std::string(">") + seg + "<"));
  }
  CHECK(contains(svg, "H100 SXM capacity (80)"));
  CHECK(contains(svg, ">TP=4 FP8<"));
  CHECK(contains(svg, "\xE2\x80\xA6"));  // the long bar label was truncated with an ellipsis
}

TEST_CASE("optionally write the example charts", "[svg]") {
  const char* dir = std::getenv("LLMSIZER_SVG_EXAMPLES_DIR");
  if (dir == nullptr || *dir == '\0') return;
  std::ofstream(std::string(dir) + "/llmsizer_line_chart.svg")
      << render_line_chart(example_line_chart());
  std::ofstream(std::string(dir) + "/llmsizer_bar_chart.svg")
      << render_stacked_bars(example_bar_chart());

  // Crowded bars (rotated labels), a log-log scatter with a front, and an empty chart.
  SvgBarChart crowded = example_bar_chart();
  crowded.title = "Memory per device across 14 configurations";
  crowded.limit.reset();
  for (int i = 0; i < 9; ++i) {
    crowded.bars.push_back({"config-" + std::to_string(i) + " TP=" + std::to_string(1 << (i % 4)),
                            {40.0 / (1 + i % 4), 12.0 + i, 2.0, 2.0},
                            {}});
  }
  std::ofstream(std::string(dir) + "/llmsizer_bar_crowded.svg") << render_stacked_bars(crowded);

  SvgChart scatter;
  scatter.title = "Throughput vs cost, all candidate deployments";
  scatter.x_label = "cost per hour ($)";
  scatter.y_label = "seconds per 1M tokens (s)";
  scatter.log_x = scatter.log_y = true;
  std::vector<double> xs, ys;
  for (int i = 0; i < 30; ++i) {
    xs.push_back(0.8 * std::pow(1.25, i % 15) * (1 + 0.3 * (i / 15)));
    ys.push_back(4000 / std::pow(1.3, i % 15) * (1 + 0.7 * ((i * 7) % 5) / 5.0));
  }
  std::vector<double> fx, fy;
  for (const auto i : pareto_front(xs, ys)) {
    fx.push_back(xs[i]);
    fy.push_back(ys[i]);
  }
  scatter.series = {series("candidates", xs, ys, SvgSeries::Style::kPoints),
                    series("Pareto front", fx, fy, SvgSeries::Style::kLine)};
  std::ofstream(std::string(dir) + "/llmsizer_scatter.svg") << render_line_chart(scatter);
  std::ofstream(std::string(dir) + "/llmsizer_empty.svg") << render_line_chart(SvgChart{});
}

TEST_CASE("text is XML-escaped and long labels are truncated", "[svg]") {
  SvgChart c;
  c.title = "R&D <draft> \"quoted\"";
  c.x_label = "x & y";
  c.y_label = "a<b";
  c.series = {
      series("s1 & s2 <tag>", {1, 2}, {3, 4}, SvgSeries::Style::kLinePoints, {"\"p\"", "q&r"})};
  c.hlines = {{"<limit>", 3.5}};
  c.markers = {{"m & n", 1.5, 3.5}};
  const std::string svg = render_line_chart(c);
  check_well_formed(svg);
  CHECK(contains(svg, "R&amp;D &lt;draft&gt; &quot;quoted&quot;"));
  CHECK(contains(svg, "x &amp; y"));
  CHECK(contains(svg, "a&lt;b"));
  CHECK(contains(svg, "s1 &amp; s2 &lt;tag&gt;"));
  CHECK(contains(svg, "&quot;p&quot;"));
  CHECK(contains(svg, "q&amp;r"));
  CHECK(contains(svg, "&lt;limit&gt;"));
  CHECK(contains(svg, "m &amp; n"));
  CHECK_FALSE(contains(svg, "<draft>"));

  SvgChart long_names;
  long_names.series = {series(std::string(200, 'w'), {1}, {1})};
  long_names.title = std::string(500, 'T');
  const std::string out = render_line_chart(long_names);
  check_well_formed(out);
  CHECK_FALSE(contains(out, std::string(200, 'w')));
  CHECK_FALSE(contains(out, std::string(500, 'T')));
  CHECK(contains(out, "\xE2\x80\xA6"));

  SvgChart bad_utf8;  // an invalid byte and a control character must not reach the XML
  bad_utf8.title = std::string("bad \xFF byte \x01 here, caf\xC3\xA9");
  const std::string b = render_line_chart(bad_utf8);
  check_well_formed(b);
  CHECK(contains(b, "bad ? byte   here, caf\xC3\xA9"));
}

TEST_CASE("rendering is deterministic", "[svg]") {
  CHECK(render_line_chart(example_line_chart()) == render_line_chart(example_line_chart()));
  CHECK(render_stacked_bars(example_bar_chart()) == render_stacked_bars(example_bar_chart()));
}

TEST_CASE("linear axis ticks use 1-2-5 steps", "[svg]") {
  const auto t = svg_axis_ticks(0, 97, false);
  CHECK(t.lo == 0);
  CHECK(t.hi == 100);
  CHECK(t.values == std::vector<double>{0, 20, 40, 60, 80, 100});

  const auto small = svg_axis_ticks(0.012, 0.087, false);
  CHECK(small.values.front() == Approx(0.01));
  CHECK(small.values.back() == Approx(0.09));
  CHECK(small.values.size() == 9);

  const auto fractional = svg_axis_ticks(0, 0.5, false);
  CHECK(fractional.values == std::vector<double>{0, 0.1, 0.2, 0.3, 0.4, 0.5});

  const auto neg = svg_axis_ticks(-3, 7, false);
  CHECK(neg.values == std::vector<double>{-4, -2, 0, 2, 4, 6, 8});
}

TEST_CASE("log axis ticks are powers of ten", "[svg]") {
  const auto t = svg_axis_ticks(3, 45000, true);
  CHECK(t.lo == Approx(1));
  CHECK(t.hi == Approx(1e5));
  REQUIRE(t.values.size() == 6);
  for (std::size_t i = 0; i < t.values.size(); ++i) {
    CHECK(t.values[i] == Approx(std::pow(10.0, static_cast<double>(i))));
  }

  const auto frac = svg_axis_ticks(0.002, 0.3, true);
  CHECK(frac.values == std::vector<double>{0.001, 0.01, 0.1, 1});

  // Narrow ranges add 2x and 5x ticks.
  const auto narrow = svg_axis_ticks(120, 800, true);
  CHECK(narrow.values == std::vector<double>{100, 200, 500, 1000});

  // Very wide ranges step by several decades.
  const auto wide = svg_axis_ticks(1e-6, 1e14, true);
  CHECK(wide.values.size() <= 11);
  CHECK(wide.values.front() == Approx(1e-6));
  CHECK(wide.values.back() == Approx(1e14));

  // Non-positive bounds on a log axis fall back sensibly.
  const auto bad = svg_axis_ticks(-5, 0, true);
  CHECK(bad.lo == 1);
  CHECK(bad.hi == 10);
}

TEST_CASE("degenerate ranges still give an increasing axis", "[svg]") {
  for (const auto& [lo, hi, log] :
       std::vector<std::tuple<double, double, bool>>{{5, 5, false},
                                                     {0, 0, false},
                                                     {-2, -2, false},
                                                     {100, 100, true},
                                                     {kNaN, kInf, false},
                                                     {kNaN, 3, false},
                                                     {10, 1, false},
                                                     {1e-310, 1e-310, true},
                                                     {1e300, -1e300, false}}) {
    const auto t = svg_axis_ticks(lo, hi, log);
    INFO(lo << " " << hi << " " << log);
    CHECK(std::isfinite(t.lo));
    CHECK(std::isfinite(t.hi));
    CHECK(t.lo < t.hi);
    CHECK(!t.values.empty());
    CHECK(t.values.size() <= 20);
  }
}

TEST_CASE("tick labels are compact", "[svg]") {
  CHECK(svg_compact_number(0) == "0");
  CHECK(svg_compact_number(0.05) == "0.05");
  CHECK(svg_compact_number(0.3) == "0.3");
  CHECK(svg_compact_number(2.5) == "2.5");
  CHECK(svg_compact_number(950) == "950");
  CHECK(svg_compact_number(1000) == "1k");
  CHECK(svg_compact_number(2500) == "2.5k");
  CHECK(svg_compact_number(2.5e6) == "2.5M");
  CHECK(svg_compact_number(1.2e9) == "1.2G");
  CHECK(svg_compact_number(-20000) == "-20k");
  CHECK(svg_compact_number(1e-5) == "1e-05");
  CHECK(svg_compact_number(kNaN).empty());
}

TEST_CASE("pareto_front keeps the non-dominated points sorted by x", "[svg]") {
  //                         0  1  2  3  4  5  6  7   8
  const std::vector<double> x{5, 1, 3, 4, 2, 6, 3, 8, kNaN};
  const std::vector<double> y{5, 9, 4, 2, 7, 1, 6, 1, 0};
  // (1,9) (2,7) (3,4) (4,2) (6,1) are the front; (8,1) is dominated by (6,1).
  CHECK(pareto_front(x, y) == std::vector<std::size_t>{1, 4, 2, 3, 5});

  CHECK(pareto_front({}, {}).empty());
  CHECK(pareto_front({1}, {1}) == std::vector<std::size_t>{0});
  CHECK(pareto_front({2, 2}, {3, 3}) == std::vector<std::size_t>{0, 1});  // duplicates both kept
  CHECK(pareto_front({1, 1}, {3, 2}) == std::vector<std::size_t>{1});     // same x, lower y wins
  CHECK(pareto_front({1, 2, 3}, {1, 2}) == std::vector<std::size_t>{0});  // length mismatch
}

TEST_CASE("empty and degenerate charts render without NaN or division by zero", "[svg]") {
  check_well_formed(render_line_chart(SvgChart{}));
  check_well_formed(render_stacked_bars(SvgBarChart{}));
  CHECK(contains(render_line_chart(SvgChart{}), "no data"));

  SvgChart one;
  one.series = {series("single", {3}, {7}, SvgSeries::Style::kLine)};
  const std::string one_svg = render_line_chart(one);
  check_well_formed(one_svg);
  CHECK(contains(one_svg, "<circle"));  // a lone point of a line series is still visible

  SvgChart flat;
  flat.series = {series("flat", {1, 2, 3}, {5, 5, 5}), series("vertical", {2, 2}, {1, 9})};
  check_well_formed(render_line_chart(flat));

  SvgChart hostile;
  hostile.log_x = hostile.log_y = true;
  hostile.series = {series("mixed", {kNaN, -1, 0, 10, kInf, 100}, {1, 2, 3, 40, 5, -6}),
                    series("all bad", {kNaN, 0}, {-kInf, -1}), series("short y", {1, 2, 3}, {4})};
  hostile.hlines = {{"zero", 0}, {"nan", kNaN}, {"ok", 20}};
  hostile.markers = {{"neg", -1, 2}, {"fine", 10, 40}};
  hostile.width = -5;
  hostile.height = 0;
  const std::string h = render_line_chart(hostile);
  check_well_formed(h);

  SvgChart huge;
  huge.series = {series("huge", {-1e308, 1e308, 1.7e308}, {1e308, -1e308, 5})};
  check_well_formed(render_line_chart(huge));

  SvgChart many;
  for (int i = 0; i < 40; ++i) {
    many.series.push_back(series("series " + std::to_string(i), {1, 2},
                                 {static_cast<double>(i), static_cast<double>(i + 1)}));
  }
  const std::string m = render_line_chart(many);
  check_well_formed(m);
  CHECK(contains(m, "more"));

  SvgBarChart bars;
  bars.segments = {"a"};
  bars.bars = {{"zero", {0}, {}}, {"bad", {kNaN, -3, kInf}, kNaN}, {"empty", {}, -1.0}};
  bars.limit = kNaN;
  check_well_formed(render_stacked_bars(bars));

  SvgBarChart limit_only;
  limit_only.limit = 24;
  limit_only.bars = {{"x", {}, {}}};
  const std::string l = render_stacked_bars(limit_only);
  check_well_formed(l);
  CHECK(contains(l, "limit 24"));

  // Each bar's own limit is drawn over its slot only (dashed), and named in the legend.
  SvgBarChart own;
  own.segments = {"weights"};
  own.limit_label = "capacity of each bar's device";
  own.bars = {{"a", {10}, 24.0}, {"b", {30}, 80.0}};
  const std::string o = render_stacked_bars(own);
  check_well_formed(o);
  CHECK(contains(o, "capacity of each bar"));
  std::size_t dashed = 0;
  for (std::size_t at = o.find("stroke-dasharray=\"6,4\""); at != std::string::npos;
       at = o.find("stroke-dasharray=\"6,4\"", at + 1))
    ++dashed;
  CHECK(dashed == 3);  // two bars' limits and the legend swatch
}

TEST_CASE("a long title wraps onto two lines instead of being cut", "[svg]") {
  SvgChart c;
  c.title = "Quantization what-if: Llama-3.1-70B at f16, fp8, int4 and q4_k_m: cost vs latency";
  c.series = {{"s", {1, 2}, {1, 2}, SvgSeries::Style::kLinePoints, {}}};
  const std::string svg = render_line_chart(c);
  check_well_formed(svg);
  CHECK(contains(svg, ">Quantization what-if: Llama-3.1-70B at f16, fp8, int4 and q4_k_m:<"));
  CHECK(contains(svg, ">cost vs latency<"));
  CHECK(!contains(svg, "\xE2\x80\xA6"));  // no ellipsis
  c.note = "3 of 9 configurations drawn";
  CHECK(contains(render_line_chart(c), ">3 of 9 configurations drawn<"));
}
