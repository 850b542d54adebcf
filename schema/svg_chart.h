// svg_chart.h — a small, dependency-free SVG 1.1 chart writer for study reports: line/scatter
// charts (linear or log axes, reference lines, annotated markers) and stacked bar charts.
// Output is deterministic (same input, same bytes), XML-escaped, and never contains NaN or
// infinity; non-finite (and, on log axes, non-positive) values are skipped.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

namespace llmsizer::schema {

struct SvgSeries {
  std::string name;          // legend label
  std::vector<double> x, y;  // same length; points with non-finite values are skipped
  enum class Style { kLine, kPoints, kLinePoints } style = Style::kLinePoints;
  std::vector<std::string> point_labels;  // optional, same length as x (drawn next to points)
};

struct SvgHLine {  // horizontal reference line (e.g. an API price)
  std::string label;
  double y = 0;
};

struct SvgMarker {  // annotated point (e.g. a break-even)
  std::string label;
  double x = 0, y = 0;
};

struct SvgChart {
  std::string title, x_label, y_label;  // axis labels include units, e.g. "p99 TTFT (ms)"
  bool log_x = false, log_y = false;
  std::vector<SvgSeries> series;
  std::vector<SvgHLine> hlines;
  std::vector<SvgMarker> markers;
  std::string note;  // one line under the plot, e.g. which series were left out
  int width = 800, height = 500;
};

// Line/scatter chart.
std::string render_line_chart(const SvgChart& c);

struct SvgBarGroup {  // one stacked bar: one value per segment
  std::string label;
  std::vector<double> values;
  std::optional<double> limit;  // this bar's own limit (e.g. its device's capacity)
};

struct SvgBarChart {
  std::string title, y_label;         // y axis label with unit, e.g. "memory per device (GiB)"
  std::vector<std::string> segments;  // legend names of the stacked segments
  std::vector<SvgBarGroup> bars;
  std::optional<double> limit;  // one line across all bars (e.g. the capacity they share)
  std::string limit_label;      // legend label of the limit (or of the bars' own limits)
  int width = 800, height = 500;
};

// Stacked bar chart; negative or non-finite segment values count as zero.
std::string render_stacked_bars(const SvgBarChart& c);

// Pareto front (minimise both): indices of the non-dominated points, sorted by x (then y,
// then index). Points with a non-finite coordinate are ignored; identical points are all
// kept. Only the first min(x.size(), y.size()) points are considered.
std::vector<std::size_t> pareto_front(const std::vector<double>& x, const std::vector<double>& y);

// Axis helpers, exposed for tests and for callers that label things themselves.
struct SvgAxisTicks {
  double lo = 0, hi = 1;       // axis range (data coordinates); lo < hi always
  std::vector<double> values;  // tick positions within [lo, hi], ascending
};

// "Nice" ticks covering [lo, hi]: 1-2-5 steps on linear axes; powers of ten on log axes
// (plus 2x and 5x ticks when the range spans at most two decades). Inputs may be equal or
// reversed; log axes need lo, hi > 0 (others fall back to [1, 10]).
SvgAxisTicks svg_axis_ticks(double lo, double hi, bool log_scale, int target_count = 6);

// Compact tick label: 0, 0.05, 2.5, 950, 1k, 2.5M, 1.2G, 1e-05; "" for non-finite input.
std::string svg_compact_number(double v);

}  // namespace llmsizer::schema
