// svg_chart.cc — SVG 1.1 line/scatter and stacked-bar charts (see svg_chart.h). Layout uses a
// fixed character-width estimate so output depends only on the input; every coordinate goes
// through one formatter that cannot print NaN or infinity.
#include "schema/svg_chart.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdlib>
#include <string_view>
#include <utility>

#include <fmt/format.h>

namespace llmsizer::schema {

namespace {

constexpr double kMaxAbs = 1e300;   // larger magnitudes are treated as unplottable
constexpr double kMinLog = 1e-300;  // smallest value placed on a log axis
constexpr double kCharWidth = 0.6;  // average glyph advance, in font sizes

// Okabe-Ito, ordered so that the first few colors read well as thin lines on white.
constexpr std::array<const char*, 8> kPalette = {"#0072B2", "#D55E00", "#009E73", "#CC79A7",
                                                 "#E69F00", "#56B4E9", "#000000", "#F0E442"};

const char* color_for(std::size_t i) {
  return kPalette[i % kPalette.size()];
}

// Beyond the palette, the same colors come back with a dash pattern.
const char* dash_for(std::size_t i) {
  switch ((i / kPalette.size()) % 4) {
    case 1:
      return "7,3";
    case 2:
      return "2,2";
    case 3:
      return "8,3,2,3";
    default:
      return "";
  }
}

bool plottable(double v, bool log_scale) {
  return std::isfinite(v) && std::fabs(v) <= kMaxAbs && (!log_scale || v >= kMinLog);
}

// Coordinates: two decimals, trailing zeros trimmed, never "nan"/"inf"/"-0".
std::string num(double v) {
  if (!std::isfinite(v)) v = 0;
  v = std::clamp(v, -1e6, 1e6);
  std::string s = fmt::format("{:.2f}", v);
  while (!s.empty() && s.back() == '0') s.pop_back();
  if (!s.empty() && s.back() == '.') s.pop_back();
  if (s == "-0" || s.empty()) s = "0";
  return s;
}

// Length in bytes of the valid UTF-8 sequence starting at s[i], or 0 when invalid.
std::size_t utf8_seq_len(std::string_view s, std::size_t i) {
  const auto c = static_cast<unsigned char>(s[i]);
  std::size_t len = 0;
  if (c < 0x80) return 1;
  if (c >= 0xC2 && c <= 0xDF) {
    len = 2;
  } else if (c >= 0xE0 && c <= 0xEF) {
    len = 3;
  } else if (c >= 0xF0 && c <= 0xF4) {
    len = 4;
  } else {
    return 0;
  }
  if (i + len > s.size()) return 0;
  for (std::size_t k = 1; k < len; ++k) {
    if ((static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80) return 0;
  }
  return len;
}

// Valid UTF-8 code points of s (invalid bytes become '?').
std::vector<std::string_view> code_points(std::string_view s) {
  std::vector<std::string_view> out;
  for (std::size_t i = 0; i < s.size();) {
    const std::size_t len = utf8_seq_len(s, i);
    if (len == 0) {
      out.emplace_back("?");
      ++i;
    } else {
      out.push_back(s.substr(i, len));
      i += len;
    }
  }
  return out;
}

std::size_t text_len(std::string_view s) {
  return code_points(s).size();
}

// At most max_chars code points; longer text ends in an ellipsis.
std::string truncate(std::string_view s, std::size_t max_chars) {
  const auto cps = code_points(s);
  max_chars = std::max<std::size_t>(max_chars, 2);
  std::string out;
  if (cps.size() <= max_chars) {
    for (const auto cp : cps) out += cp;
    return out;
  }
  for (std::size_t i = 0; i + 1 < max_chars; ++i) out += cps[i];
  while (!out.empty() && out.back() == ' ') out.pop_back();
  out += "\xE2\x80\xA6";  // U+2026 HORIZONTAL ELLIPSIS
  return out;
}

std::size_t chars_fitting(double width_px, double font_size) {
  const double n = std::floor(width_px / (font_size * kCharWidth) + 1e-6);
  return n < 2 ? std::size_t{2} : static_cast<std::size_t>(std::min(n, 1000.0));
}

double text_width(std::string_view s, double font_size) {
  return static_cast<double>(text_len(s)) * font_size * kCharWidth;
}

std::string xml_escape(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (const auto cp : code_points(s)) {
    if (cp.size() > 1) {
      out += cp;
      continue;
    }
    const char ch = cp[0];
    switch (ch) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&apos;";
        break;
      default:
        out += static_cast<unsigned char>(ch) < 0x20 ? ' ' : ch;  // control chars are not XML
    }
  }
  return out;
}

// Shortest decimal form of v with at most max_sig significant digits and SI suffixes.
std::string compact(double v, int max_sig) {
  if (!std::isfinite(v)) return "";
  if (v == 0) return "0";
  const double a = std::fabs(v);
  if (a >= 1e18 || a < 1e-4) return fmt::format("{:.{}g}", v, std::min(max_sig, 3));
  static constexpr std::array<const char*, 6> kSuffix = {"", "k", "M", "G", "T", "P"};
  std::size_t k = 0;
  double m = a;
  while (m >= 1000 && k + 1 < kSuffix.size()) {
    m /= 1000;
    ++k;
  }
  const int magnitude = static_cast<int>(std::floor(std::log10(m)));
  const int max_decimals = std::clamp(max_sig - 1 - magnitude, 0, 8);
  std::string body;
  for (int d = 0; d <= max_decimals; ++d) {
    body = fmt::format("{:.{}f}", m, d);
    const double back = std::strtod(body.c_str(), nullptr);
    if (std::fabs(back - m) <= 1e-9 * m) break;
  }
  if (body.find('.') != std::string::npos) {
    while (body.back() == '0') body.pop_back();
    if (body.back() == '.') body.pop_back();
  }
  if (body == "1000" && k + 1 < kSuffix.size()) {  // rounding carried into the next unit
    body = "1";
    ++k;
  }
  return (v < 0 ? "-" : "") + body + kSuffix[k];
}

// One axis: data range [lo, hi] mapped onto pixels [p0, p1].
struct Axis {
  bool log_scale = false;
  double lo = 0, hi = 1, p0 = 0, p1 = 1;
  double t(double v) const { return log_scale ? std::log10(std::max(v, kMinLog)) : v; }
  double map(double v) const {
    const double a = t(lo), b = t(hi);
    if (!(b - a > 0)) return (p0 + p1) / 2;
    return p0 + (t(v) - a) / (b - a) * (p1 - p0);
  }
};

struct Range {
  bool any = false;
  double lo = 0, hi = 0;
  void add(double v) {
    if (!any) {
      lo = hi = v;
      any = true;
    } else {
      lo = std::min(lo, v);
      hi = std::max(hi, v);
    }
  }
};

// Minimal SVG writer; all text content passes through xml_escape.
class Svg {
 public:
  Svg(double w, double h) {
    out_ += "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"no\"?>\n";
    out_ += fmt::format(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" width=\"{0}\" height=\"{1}\" "
        "viewBox=\"0 0 {0} {1}\" font-family=\"DejaVu Sans, Helvetica, Arial, sans-serif\">\n",
        num(w), num(h));
    rect(0, 0, w, h, "#ffffff", "none");
  }

  void rect(double x, double y, double w, double h, std::string_view fill, std::string_view stroke,
            double stroke_width = 1) {
    out_ += fmt::format("<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"{}\"", num(x),
                        num(y), num(std::max(w, 0.0)), num(std::max(h, 0.0)), fill);
    if (stroke != "none") {
      out_ += fmt::format(" stroke=\"{}\" stroke-width=\"{}\"", stroke, num(stroke_width));
    }
    out_ += "/>\n";
  }

  void line(double x1, double y1, double x2, double y2, std::string_view stroke, double width,
            std::string_view dash = "") {
    out_ += fmt::format(
        "<line x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\" stroke=\"{}\" stroke-width=\"{}\"", num(x1),
        num(y1), num(x2), num(y2), stroke, num(width));
    if (!dash.empty()) out_ += fmt::format(" stroke-dasharray=\"{}\"", dash);
    out_ += "/>\n";
  }

  void polyline(const std::vector<std::pair<double, double>>& pts, std::string_view stroke,
                double width, std::string_view dash) {
    if (pts.size() < 2) return;
    std::string d;
    for (std::size_t i = 0; i < pts.size(); ++i) {
      d += fmt::format("{}{} {}", i == 0 ? "M" : " L", num(pts[i].first), num(pts[i].second));
    }
    out_ += fmt::format(
        "<path d=\"{}\" fill=\"none\" stroke=\"{}\" stroke-width=\"{}\" "
        "stroke-linejoin=\"round\" stroke-linecap=\"round\"",
        d, stroke, num(width));
    if (!dash.empty()) out_ += fmt::format(" stroke-dasharray=\"{}\"", dash);
    out_ += "/>\n";
  }

  void circle(double x, double y, double r, std::string_view fill) {
    out_ += fmt::format(
        "<circle cx=\"{}\" cy=\"{}\" r=\"{}\" fill=\"{}\" stroke=\"#ffffff\" "
        "stroke-width=\"1\"/>\n",
        num(x), num(y), num(r), fill);
  }

  void diamond(double x, double y, double r, std::string_view fill) {
    out_ += fmt::format(
        "<path d=\"M{0} {1} L{2} {3} L{0} {4} L{5} {3} Z\" fill=\"{6}\" stroke=\"#ffffff\" "
        "stroke-width=\"1.5\"/>\n",
        num(x), num(y - r), num(x + r), num(y), num(y + r), num(x - r), fill);
  }

  struct TextStyle {
    double size = 11;
    std::string_view anchor = "start";  // start | middle | end
    std::string_view fill = "#222222";
    bool bold = false;
    bool halo = false;  // white outline behind the glyphs, for labels over data
    double rotate = 0;  // degrees, about (x, y)
  };

  void text(double x, double y, std::string_view content, const TextStyle& st) {
    if (content.empty()) return;
    std::string attrs = fmt::format("x=\"{}\" y=\"{}\" font-size=\"{}\" text-anchor=\"{}\"", num(x),
                                    num(y), num(st.size), st.anchor);
    if (st.bold) attrs += " font-weight=\"bold\"";
    if (st.rotate != 0) {
      attrs += fmt::format(" transform=\"rotate({} {} {})\"", num(st.rotate), num(x), num(y));
    }
    const std::string body = xml_escape(content);
    if (st.halo) {
      out_ += fmt::format(
          "<text {} fill=\"#ffffff\" stroke=\"#ffffff\" stroke-width=\"3\" "
          "stroke-linejoin=\"round\">{}</text>\n",
          attrs, body);
    }
    out_ += fmt::format("<text {} fill=\"{}\">{}</text>\n", attrs, st.fill, body);
  }

  std::string finish() {
    out_ += "</svg>\n";
    return std::move(out_);
  }

 private:
  std::string out_;
};

constexpr double kTitleSize = 18;
constexpr double kAxisLabelSize = 13;
constexpr double kTickSize = 11;
constexpr double kLegendSize = 12;
constexpr double kPointLabelSize = 10;
constexpr std::size_t kLegendChars = 36;

// The title's lines: one when it fits the canvas, else two, split after the last ": " or
// else the last space that lets the first line fit (the second truncated if it still does
// not fit).
std::vector<std::string> title_lines(std::string_view title, double width) {
  const std::size_t fit = chars_fitting(width - 24, kTitleSize);
  const auto cps = code_points(title);
  if (cps.size() <= fit) return {std::string(title)};
  std::size_t cut = std::min(fit, cps.size() - 1);
  while (cut > 0 && cps[cut] != " ") --cut;
  // Prefer the break after the last ": " that fits (a subject after the study's title).
  for (std::size_t i = cut; i > 1; --i)
    if (cps[i] == " " && cps[i - 1] == ":") {
      cut = i;
      break;
    }
  if (cut == 0) return {truncate(title, fit)};
  std::string first, rest;
  for (std::size_t i = 0; i < cut; ++i) first += cps[i];
  for (std::size_t i = cut + 1; i < cps.size(); ++i) rest += cps[i];
  return {first, truncate(rest, fit)};
}

// Where the plot may start below the title.
double plot_top(const std::string& title, double width) {
  if (title.empty()) return 20;
  return title_lines(title, width).size() > 1 ? 72 : 50;
}

// Title centered over the whole canvas.
void draw_title(Svg& svg, double width, std::string_view title) {
  if (title.empty()) return;
  double y = 30;
  for (const auto& line : title_lines(title, width)) {
    svg.text(width / 2, y, line,
             {.size = kTitleSize, .anchor = "middle", .fill = "#111111", .bold = true});
    y += kTitleSize + 4;
  }
}

std::vector<std::string> tick_labels(const SvgAxisTicks& t) {
  std::vector<std::string> out;
  for (const double v : t.values) out.push_back(svg_compact_number(v));
  return out;
}

double widest(const std::vector<std::string>& labels, double font_size) {
  double w = 0;
  for (const auto& l : labels) w = std::max(w, text_width(l, font_size));
  return w;
}

// Y axis: gridlines, tick labels and the rotated axis label.
void draw_y_axis(Svg& svg, const Axis& ya, const SvgAxisTicks& ticks,
                 const std::vector<std::string>& labels, double left, double right,
                 std::string_view y_label) {
  for (std::size_t i = 0; i < ticks.values.size(); ++i) {
    const double py = ya.map(ticks.values[i]);
    svg.line(left, py, right, py, "#e3e3e3", 1);
    svg.line(left - 4, py, left, py, "#444444", 1);
    svg.text(left - 7, py + kTickSize * 0.35, labels[i], {.size = kTickSize, .anchor = "end"});
  }
  if (!y_label.empty()) {
    const double cy = (ya.p0 + ya.p1) / 2;
    svg.text(18, cy, truncate(y_label, chars_fitting(std::fabs(ya.p0 - ya.p1), kAxisLabelSize)),
             {.size = kAxisLabelSize, .anchor = "middle", .rotate = -90});
  }
}

// The legend column, right of the plot. Entries that do not fit become "+N more".
struct LegendEntry {
  std::string name;
  std::string color;
  std::string dash;
  bool line = true, point = true, swatch = false;
};

double legend_width(const std::vector<LegendEntry>& entries, double canvas_width) {
  if (entries.empty()) return 0;
  double w = 0;
  for (const auto& e : entries)
    w = std::max(w, text_width(truncate(e.name, kLegendChars), kLegendSize));
  return std::min(w + 44, canvas_width * 0.34);
}

void draw_legend(Svg& svg, const std::vector<LegendEntry>& entries, double x, double top,
                 double bottom, double width) {
  const double row = 20;
  const std::size_t chars = chars_fitting(width - 44, kLegendSize);
  for (std::size_t i = 0; i < entries.size(); ++i) {
    const double y = top + 10 + static_cast<double>(i) * row;
    if (y + row > bottom && i + 1 < entries.size()) {
      svg.text(x, y + 4, fmt::format("+{} more", entries.size() - i),
               {.size = kLegendSize, .fill = "#555555"});
      return;
    }
    const auto& e = entries[i];
    if (e.swatch) {
      svg.rect(x, y - 6, 24, 12, e.color, "none");
    } else {
      if (e.line) svg.line(x, y, x + 24, y, e.color, 2.5, e.dash);
      if (e.point) svg.circle(x + 12, y, 4, e.color);
    }
    svg.text(x + 32, y + 4, truncate(e.name, std::min(chars, kLegendChars)), {.size = kLegendSize});
  }
}

// Places labels beside points: of four corners around the point, the first that stays
// inside the plot and covers the fewest data points and earlier labels wins.
class Labeler {
 public:
  Labeler(double left, double right, double top, double bottom)
      : left_(left), right_(right), top_(top), bottom_(bottom) {}
  void add_obstacle(double px, double py) { points_.emplace_back(px, py); }
  void add_box(double x0, double y0, double x1, double y1) { boxes_.push_back({x0, y0, x1, y1}); }

  struct Placement {
    double x = 0, y = 0;
    std::string_view anchor = "start";
  };

  Placement place(double px, double py, double gap, double text_w, double size) {
    const std::array<Placement, 4> cands = {
        Placement{px + gap, py - gap, "start"}, Placement{px + gap, py + gap + size, "start"},
        Placement{px - gap, py - gap, "end"}, Placement{px - gap, py + gap + size, "end"}};
    std::size_t best = 0;
    double best_score = 0;
    Box best_box;
    for (std::size_t i = 0; i < cands.size(); ++i) {
      const auto& c = cands[i];
      const double x0 = c.anchor == "end" ? c.x - text_w : c.x;
      const Box b{x0 - 1, c.y - size, x0 + text_w + 1, c.y + size * 0.25};
      double score = 0;
      if (b.x0 < left_ || b.x1 > right_ || b.y0 < top_ || b.y1 > bottom_) score += 1000;
      for (const auto& o : boxes_) {
        if (b.x0 < o.x1 && o.x0 < b.x1 && b.y0 < o.y1 && o.y0 < b.y1) score += 50;
      }
      for (const auto& [ox, oy] : points_) {
        if (ox > b.x0 - 4 && ox < b.x1 + 4 && oy > b.y0 - 4 && oy < b.y1 + 4) score += 1;
      }
      if (i == 0 || score < best_score) {
        best = i;
        best_score = score;
        best_box = b;
      }
    }
    boxes_.push_back(best_box);
    return cands[best];
  }

 private:
  struct Box {
    double x0 = 0, y0 = 0, x1 = 0, y1 = 0;
  };
  double left_, right_, top_, bottom_;
  std::vector<std::pair<double, double>> points_;
  std::vector<Box> boxes_;
};

}  // namespace

SvgAxisTicks svg_axis_ticks(double lo, double hi, bool log_scale, int target_count) {
  target_count = std::clamp(target_count, 2, 50);
  const bool lo_ok = plottable(lo, log_scale), hi_ok = plottable(hi, log_scale);
  if (!lo_ok && !hi_ok) {
    lo = log_scale ? 1 : 0;
    hi = log_scale ? 10 : 1;
  } else if (!lo_ok) {
    lo = hi;
  } else if (!hi_ok) {
    hi = lo;
  }
  if (lo > hi) std::swap(lo, hi);
  SvgAxisTicks out;
  if (log_scale) {
    int e_lo = static_cast<int>(std::floor(std::log10(lo) + 1e-9));
    int e_hi = static_cast<int>(std::ceil(std::log10(hi) - 1e-9));
    e_lo = std::max(e_lo, -300);
    e_hi = std::min(e_hi, 300);
    if (e_hi <= e_lo) e_hi = e_lo + 1;
    const int step = (e_hi - e_lo + 9) / 10;  // at most ~10 labelled decades
    e_lo = static_cast<int>(std::floor(static_cast<double>(e_lo) / step)) * step;
    e_hi = static_cast<int>(std::ceil(static_cast<double>(e_hi) / step)) * step;
    if (e_lo < -300) e_lo += step;
    if (e_hi > 300) e_hi -= step;
    const auto p10 = [](int e) { return std::pow(10.0, e); };
    for (int e = e_lo; e <= e_hi; e += step) {
      out.values.push_back(p10(e));
      if (step == 1 && e_hi - e_lo <= 2 && e < e_hi) {
        out.values.push_back(2 * p10(e));
        out.values.push_back(5 * p10(e));
      }
    }
    out.lo = p10(e_lo);
    out.hi = p10(e_hi);
    return out;
  }
  if (!(hi - lo > 1e-12 * std::max(std::fabs(lo), std::fabs(hi)))) {
    const double pad = lo == 0 ? 1 : std::fabs(lo) * 0.1;
    lo -= pad;
    hi += pad;
  }
  const double raw = (hi - lo) / target_count;
  const int exponent = static_cast<int>(std::floor(std::log10(raw)));
  const double norm = raw / std::pow(10.0, exponent);
  const double mult = norm < 1.5 ? 1 : norm < 3 ? 2 : norm < 7 ? 5 : 10;
  const double step = mult * std::pow(10.0, exponent);
  // k * step computed as (k * mult) scaled by an exact power of ten, so 0.1 * 3 prints 0.3.
  const auto at = [&](double k) {
    return exponent < 0 ? k * mult / std::pow(10.0, -exponent)
                        : k * mult * std::pow(10.0, exponent);
  };
  const double k0 = std::floor(lo / step + 1e-9);
  const double k1 = std::ceil(hi / step - 1e-9);
  const long n = std::lround(k1 - k0);
  for (long i = 0; i <= n; ++i) out.values.push_back(at(k0 + static_cast<double>(i)));
  out.lo = out.values.front();
  out.hi = out.values.back();
  if (!(out.hi > out.lo)) out.hi = out.lo + step;
  return out;
}

std::string svg_compact_number(double v) {
  return compact(v, 6);
}

std::vector<std::size_t> pareto_front(const std::vector<double>& x, const std::vector<double>& y) {
  const std::size_t n = std::min(x.size(), y.size());
  std::vector<std::size_t> idx;
  for (std::size_t i = 0; i < n; ++i) {
    if (std::isfinite(x[i]) && std::isfinite(y[i])) idx.push_back(i);
  }
  std::sort(idx.begin(), idx.end(), [&](std::size_t a, std::size_t b) {
    if (x[a] != x[b]) return x[a] < x[b];
    if (y[a] != y[b]) return y[a] < y[b];
    return a < b;
  });
  std::vector<std::size_t> front;
  bool have_best = false;
  double best_x = 0, best_y = 0;  // the lowest y so far, and the smallest x reaching it
  for (const std::size_t i : idx) {
    if (!have_best || y[i] < best_y) {
      have_best = true;
      best_x = x[i];
      best_y = y[i];
      front.push_back(i);
    } else if (y[i] == best_y && x[i] == best_x) {
      front.push_back(i);  // an exact duplicate of a front point
    }
  }
  return front;
}

std::string render_line_chart(const SvgChart& c) {
  const double W = std::max(c.width, 320), H = std::max(c.height, 220);

  Range xr, yr;
  bool any_point = false;
  for (const auto& s : c.series) {
    const std::size_t n = std::min(s.x.size(), s.y.size());
    for (std::size_t i = 0; i < n; ++i) {
      if (plottable(s.x[i], c.log_x) && plottable(s.y[i], c.log_y)) {
        xr.add(s.x[i]);
        yr.add(s.y[i]);
        any_point = true;
      }
    }
  }
  for (const auto& m : c.markers) {
    if (plottable(m.x, c.log_x) && plottable(m.y, c.log_y)) {
      xr.add(m.x);
      yr.add(m.y);
      any_point = true;
    }
  }
  for (const auto& h : c.hlines) {
    if (plottable(h.y, c.log_y)) yr.add(h.y);
  }
  if (!xr.any) xr = {true, c.log_x ? 1.0 : 0.0, c.log_x ? 10.0 : 1.0};
  if (!yr.any) yr = {true, c.log_y ? 1.0 : 0.0, c.log_y ? 10.0 : 1.0};
  // A linear y axis starts at zero when zero is near the data anyway (honest magnitudes).
  if (!c.log_y) {
    if (yr.lo > 0 && yr.lo < 0.5 * yr.hi) yr.lo = 0;
    if (yr.hi < 0 && yr.hi > 0.5 * yr.lo) yr.hi = 0;
  }
  const SvgAxisTicks xt = svg_axis_ticks(xr.lo, xr.hi, c.log_x, 7);
  const SvgAxisTicks yt = svg_axis_ticks(yr.lo, yr.hi, c.log_y, 6);
  const auto x_labels = tick_labels(xt);
  const auto y_labels = tick_labels(yt);

  std::vector<LegendEntry> legend;
  for (std::size_t i = 0; i < c.series.size(); ++i) {
    const auto& s = c.series[i];
    legend.push_back({s.name.empty() ? fmt::format("series {}", i + 1) : s.name, color_for(i),
                      dash_for(i), s.style != SvgSeries::Style::kPoints,
                      s.style != SvgSeries::Style::kLine, false});
  }
  const double legend_w = legend_width(legend, W);

  const double left = std::max(56.0, 34 + widest(y_labels, kTickSize) + 10);
  const double right = W - 18 - (legend_w > 0 ? legend_w + 14 : 0);
  const double top = plot_top(c.title, W);
  const double bottom = H - (c.x_label.empty() ? 34 : 56) - (c.note.empty() ? 0 : 16);
  const Axis xa{c.log_x, xt.lo, xt.hi, left, right};
  const Axis ya{c.log_y, yt.lo, yt.hi, bottom, top};

  Svg svg(W, H);
  draw_title(svg, W, c.title);
  draw_y_axis(svg, ya, yt, y_labels, left, right, c.y_label);
  for (std::size_t i = 0; i < xt.values.size(); ++i) {
    const double px = xa.map(xt.values[i]);
    svg.line(px, top, px, bottom, "#e3e3e3", 1);
    svg.line(px, bottom, px, bottom + 4, "#444444", 1);
    svg.text(px, bottom + 17, x_labels[i], {.size = kTickSize, .anchor = "middle"});
  }
  if (!c.x_label.empty()) {
    svg.text((left + right) / 2, bottom + 42,
             truncate(c.x_label, chars_fitting(right - left, kAxisLabelSize)),
             {.size = kAxisLabelSize, .anchor = "middle"});
  }
  svg.rect(left, top, right - left, bottom - top, "none", "#444444");

  // Reference lines under the data, labelled at the right end.
  std::vector<std::array<double, 4>> hline_boxes;
  for (const auto& h : c.hlines) {
    if (!plottable(h.y, c.log_y)) continue;
    const double py = ya.map(h.y);
    svg.line(left, py, right, py, "#555555", 1.5, "6,4");
    const bool below = py - 5 - kTickSize < top;
    const double ty = below ? py + 5 + kTickSize : py - 5;
    const std::string label = truncate(h.label, chars_fitting((right - left) * 0.6, kTickSize));
    hline_boxes.push_back(
        {right - 5 - text_width(label, kTickSize), ty - kTickSize, right - 5, ty + 3});
    svg.text(right - 5, ty, label,
             {.size = kTickSize, .anchor = "end", .fill = "#333333", .halo = true});
  }

  // Series: lines first, then points, then labels, so labels stay readable.
  std::vector<std::vector<std::pair<double, double>>> pts(c.series.size());
  std::vector<std::vector<std::size_t>> src(c.series.size());
  for (std::size_t si = 0; si < c.series.size(); ++si) {
    const auto& s = c.series[si];
    const std::size_t n = std::min(s.x.size(), s.y.size());
    for (std::size_t i = 0; i < n; ++i) {
      if (!plottable(s.x[i], c.log_x) || !plottable(s.y[i], c.log_y)) continue;
      pts[si].emplace_back(xa.map(s.x[i]), ya.map(s.y[i]));
      src[si].push_back(i);
    }
    if (s.style != SvgSeries::Style::kPoints) {
      svg.polyline(pts[si], color_for(si), 2.25, dash_for(si));
    }
  }
  for (std::size_t si = 0; si < c.series.size(); ++si) {
    const auto& s = c.series[si];
    // A lone point of a line-only series is still drawn, or it would vanish.
    if (s.style == SvgSeries::Style::kLine && pts[si].size() != 1) continue;
    const double r = s.style == SvgSeries::Style::kPoints ? 4.5 : 3.5;
    for (const auto& [px, py] : pts[si]) svg.circle(px, py, r, color_for(si));
  }
  // Labels: markers first (they matter most), then point labels, avoiding data points,
  // reference-line labels and each other.
  Labeler labeler(left, right, top, bottom);
  for (const auto& series_pts : pts) {
    for (const auto& [px, py] : series_pts) labeler.add_obstacle(px, py);
  }
  for (const auto& box : hline_boxes) labeler.add_box(box[0], box[1], box[2], box[3]);
  struct PlacedLabel {
    std::string text;
    Labeler::Placement at;
  };
  std::vector<std::pair<double, double>> marker_pts;
  std::vector<PlacedLabel> marker_labels, point_labels;
  for (const auto& m : c.markers) {
    if (!plottable(m.x, c.log_x) || !plottable(m.y, c.log_y)) continue;
    marker_pts.emplace_back(xa.map(m.x), ya.map(m.y));
    labeler.add_obstacle(marker_pts.back().first, marker_pts.back().second);
  }
  std::size_t mi = 0;
  for (const auto& m : c.markers) {
    if (!plottable(m.x, c.log_x) || !plottable(m.y, c.log_y)) continue;
    std::string text = truncate(m.label, 32);
    const auto at = labeler.place(marker_pts[mi].first, marker_pts[mi].second, 10,
                                  text_width(text, kTickSize), kTickSize);
    marker_labels.push_back({std::move(text), at});
    ++mi;
  }
  for (std::size_t si = 0; si < c.series.size(); ++si) {
    const auto& s = c.series[si];
    for (std::size_t k = 0; k < pts[si].size(); ++k) {
      const std::size_t i = src[si][k];
      if (i >= s.point_labels.size() || s.point_labels[i].empty()) continue;
      std::string text = truncate(s.point_labels[i], 24);
      const auto at = labeler.place(pts[si][k].first, pts[si][k].second, 6,
                                    text_width(text, kPointLabelSize), kPointLabelSize);
      point_labels.push_back({std::move(text), at});
    }
  }
  for (const auto& l : point_labels) {
    svg.text(l.at.x, l.at.y, l.text,
             {.size = kPointLabelSize, .anchor = l.at.anchor, .fill = "#222222", .halo = true});
  }
  // Markers: a black diamond, a dotted drop line to the x axis, and a bold label.
  for (std::size_t k = 0; k < marker_pts.size(); ++k) {
    const auto [px, py] = marker_pts[k];
    svg.line(px, py, px, bottom, "#000000", 1, "2,3");
    svg.diamond(px, py, 7, "#000000");
    const auto& l = marker_labels[k];
    svg.text(
        l.at.x, l.at.y, l.text,
        {.size = kTickSize, .anchor = l.at.anchor, .fill = "#000000", .bold = true, .halo = true});
  }

  if (!any_point) {
    svg.text((left + right) / 2, (top + bottom) / 2, "no data",
             {.size = 14, .anchor = "middle", .fill = "#777777"});
  }
  if (!c.note.empty())
    svg.text(12, H - 8, truncate(c.note, chars_fitting(W - 24, kPointLabelSize + 1)),
             {.size = kPointLabelSize + 1, .fill = "#555555"});
  draw_legend(svg, legend, right + 14, top, bottom, legend_w);
  return svg.finish();
}

std::string render_stacked_bars(const SvgBarChart& c) {
  const double W = std::max(c.width, 320), H = std::max(c.height, 220);

  std::size_t nseg = c.segments.size();
  for (const auto& b : c.bars) nseg = std::max(nseg, b.values.size());
  const auto clean = [](double v) { return std::isfinite(v) && v > 0 && v <= kMaxAbs ? v : 0.0; };
  std::vector<double> totals;
  double top_value = 0;
  for (const auto& b : c.bars) {
    double t = 0;
    for (const double v : b.values) t += clean(v);
    totals.push_back(t);
    top_value = std::max(top_value, t);
  }
  const bool has_limit = c.limit && plottable(*c.limit, false) && *c.limit > 0;
  if (has_limit) top_value = std::max(top_value, *c.limit);
  const auto bar_limit = [](const SvgBarGroup& b) {
    return b.limit && plottable(*b.limit, false) && *b.limit > 0;
  };
  bool bar_limits = false;
  for (const auto& b : c.bars)
    if (bar_limit(b)) bar_limits = true, top_value = std::max(top_value, *b.limit);
  const SvgAxisTicks yt = svg_axis_ticks(0, top_value > 0 ? top_value : 1, false, 6);
  const auto y_labels = tick_labels(yt);

  std::vector<LegendEntry> legend;
  for (std::size_t s = nseg; s-- > 0;) {  // top segment first, as stacked
    const std::string name = s < c.segments.size() && !c.segments[s].empty()
                                 ? c.segments[s]
                                 : fmt::format("part {}", s + 1);
    legend.push_back({name, color_for(s), "", false, false, true});
  }
  if (has_limit || bar_limits) {
    legend.push_back(
        {c.limit_label.empty() ? "limit" : c.limit_label, "#000000", "6,4", true, false, false});
  }
  const double legend_w = legend_width(legend, W);

  const double left = std::max(56.0, 34 + widest(y_labels, kTickSize) + 10);
  const double right = W - 18 - (legend_w > 0 ? legend_w + 14 : 0);
  const double top = plot_top(c.title, W);
  const std::size_t n = c.bars.size();
  const double slot = (right - left) / static_cast<double>(std::max<std::size_t>(n, 1));

  // Bar labels: horizontal when they fit their slot, otherwise rotated and truncated.
  const std::size_t slot_chars = chars_fitting(slot - 6, kTickSize);
  std::size_t longest = 0;
  for (const auto& b : c.bars) longest = std::max(longest, text_len(b.label));
  const bool rotated = longest > slot_chars && slot_chars < 12;
  const std::size_t label_chars = rotated ? 22 : slot_chars;
  const double rot_sin = 0.574, rot_cos = 0.819;  // 35 degrees
  const double label_h = rotated ? static_cast<double>(std::min(longest, label_chars)) * kTickSize *
                                           kCharWidth * rot_sin +
                                       kTickSize * rot_cos + 8
                                 : kTickSize + 8;
  const double bottom = H - std::min(label_h + 14, H * 0.4);
  const Axis ya{false, yt.lo, yt.hi, bottom, top};

  Svg svg(W, H);
  draw_title(svg, W, c.title);
  draw_y_axis(svg, ya, yt, y_labels, left, right, c.y_label);

  const double bar_w = std::min(slot * 0.62, 90.0);
  for (std::size_t i = 0; i < n; ++i) {
    const auto& b = c.bars[i];
    const double cx = left + slot * (static_cast<double>(i) + 0.5);
    double cum = 0;
    for (std::size_t s = 0; s < b.values.size(); ++s) {
      const double v = clean(b.values[s]);
      if (v <= 0) continue;
      const double y0 = ya.map(cum), y1 = ya.map(cum + v);
      svg.rect(cx - bar_w / 2, y1, bar_w, y0 - y1, color_for(s), "#ffffff", 0.75);
      const std::string value = compact(v, 3);
      if (y0 - y1 >= 15 && text_width(value, kPointLabelSize) + 4 <= bar_w) {
        const bool dark =
            s % kPalette.size() == 0 || s % kPalette.size() == 1 || s % kPalette.size() == 6;
        svg.text(
            cx, (y0 + y1) / 2 + kPointLabelSize * 0.35, value,
            {.size = kPointLabelSize, .anchor = "middle", .fill = dark ? "#ffffff" : "#111111"});
      }
      cum += v;
    }
    if (totals[i] > 0) {
      svg.text(cx, ya.map(totals[i]) - 5, compact(totals[i], 3),
               {.size = kTickSize, .anchor = "middle", .bold = true});
    }
    if (bar_limit(b)) {  // the bar's own limit, across its slot only
      const double py = ya.map(*b.limit);
      svg.line(cx - slot * 0.45, py, cx + slot * 0.45, py, "#000000", 1.75, "6,4");
    }
    const std::string label = truncate(b.label, label_chars);
    if (rotated) {
      svg.text(cx + 3, bottom + 14, label, {.size = kTickSize, .anchor = "end", .rotate = -35});
    } else {
      svg.text(cx, bottom + 17, label, {.size = kTickSize, .anchor = "middle"});
    }
  }
  svg.rect(left, top, right - left, bottom - top, "none", "#444444");

  if (has_limit) {
    const double py = ya.map(*c.limit);
    svg.line(left, py, right, py, "#000000", 1.75, "6,4");
    const std::string label = c.limit_label.empty()
                                  ? "limit " + compact(*c.limit, 3)
                                  : c.limit_label + " (" + compact(*c.limit, 3) + ")";
    const bool below = py - 5 - kTickSize < top;
    svg.text(right - 5, below ? py + 5 + kTickSize : py - 5,
             truncate(label, chars_fitting((right - left) * 0.6, kTickSize)),
             {.size = kTickSize, .anchor = "end", .fill = "#000000", .bold = true, .halo = true});
  }
  if (n == 0) {
    svg.text((left + right) / 2, (top + bottom) / 2, "no data",
             {.size = 14, .anchor = "middle", .fill = "#777777"});
  }
  draw_legend(svg, legend, right + 14, top, bottom, legend_w);
  return svg.finish();
}

}  // namespace llmsizer::schema
