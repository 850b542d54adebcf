// page.cc — Markdown and HTML renderings of a report page (page.h).
#include "report/page.h"

#include <cmath>

#include <fmt/format.h>

namespace llmsizer::report {

void Page::heading(std::string text, int level) {
  PageBlock b;
  b.kind = PageBlock::Kind::kHeading;
  b.level = level;
  b.text = std::move(text);
  blocks.push_back(std::move(b));
}

void Page::paragraph(std::string text) {
  PageBlock b;
  b.kind = PageBlock::Kind::kParagraph;
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
  b.text = std::move(text);
  blocks.push_back(std::move(b));
}

void Page::list(std::vector<PageListItem> items) {
  PageBlock b;
  b.kind = PageBlock::Kind::kList;
  b.items = std::move(items);
  blocks.push_back(std::move(b));
}

void Page::table(PageTable t) {
  PageBlock b;
  b.kind = PageBlock::Kind::kTable;
  b.table = std::move(t);
  blocks.push_back(std::move(b));
}

void Page::chart(std::string file, std::string svg) {
  PageBlock b;
  b.kind = PageBlock::Kind::kChart;
  b.text = std::move(file);
  b.svg = std::move(svg);
  blocks.push_back(std::move(b));
}

// ---- Markdown ----

std::string render_markdown(const Page& p) {
  std::string md = "# " + p.title + "\n\n";
  for (const auto& b : p.blocks) {
    switch (b.kind) {
      case PageBlock::Kind::kHeading:
        md += std::string(static_cast<std::size_t>(b.level), '#') + " " + b.text + "\n\n";
        break;
      case PageBlock::Kind::kParagraph:
        md += b.text + "\n\n";
        break;
      case PageBlock::Kind::kList:
        for (const auto& it : b.items) {
          md += "- " + it.text + "\n";
          for (const auto& s : it.sub) md += "  - " + s + "\n";
        }
        md += "\n";
        break;
      case PageBlock::Kind::kTable: {
        const auto& t = b.table;
        md += "|";
        for (const auto& h : t.header) md += " " + h + " |";
        md += "\n|";
        for (std::size_t c = 0; c < t.header.size(); ++c)
          md += c < t.numeric.size() && t.numeric[c] ? "---:|" : "---|";
        md += "\n";
        for (const auto& row : t.rows) {
          md += "|";
          for (const auto& cell : row) md += " " + cell + " |";
          md += "\n";
        }
        md += "\n";
        break;
      }
      case PageBlock::Kind::kChart:
        md += fmt::format("![{}]({})\n\n", b.text, b.text);
        break;
    }
  }
  return md;
}

// ---- HTML ----

namespace {

void escape_into(std::string_view s, std::string& out) {
  for (char ch : s) {
    switch (ch) {
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '&':
        out += "&amp;";
        break;
      case '"':
        out += "&quot;";
        break;
      default:
        out += ch;
    }
  }
}

// A URL runs to the next space; trailing punctuation of the sentence is not part of it.
std::size_t url_end(std::string_view s, std::size_t from) {
  std::size_t e = from;
  while (e < s.size() && s[e] != ' ' && s[e] != '\n' && s[e] != '`' && s[e] != '<') ++e;
  while (e > from && (s[e - 1] == '.' || s[e - 1] == ',' || s[e - 1] == ')' || s[e - 1] == ';' ||
                      s[e - 1] == ':'))
    --e;
  return e;
}

// The inline markup: `code`, **bold**, http(s):// links; everything else escaped.
std::string inline_html(std::string_view s) {
  std::string out;
  bool bold = false;
  for (std::size_t i = 0; i < s.size();) {
    if (s[i] == '`') {
      const std::size_t close = s.find('`', i + 1);
      if (close != std::string_view::npos) {
        out += "<code>";
        escape_into(s.substr(i + 1, close - i - 1), out);
        out += "</code>";
        i = close + 1;
        continue;
      }
    }
    if (s.compare(i, 2, "**") == 0) {
      out += bold ? "</strong>" : "<strong>";
      bold = !bold;
      i += 2;
      continue;
    }
    if (s.compare(i, 7, "http://") == 0 || s.compare(i, 8, "https://") == 0) {
      const std::size_t e = url_end(s, i);
      std::string url;
      escape_into(s.substr(i, e - i), url);
      out += "<a href=\"" + url + "\">" + url + "</a>";
      i = e;
      continue;
    }
    escape_into(s.substr(i, 1), out);
    ++i;
  }
  if (bold) out += "</strong>";
  return out;
}

// The SVG element of a chart document (its XML declaration dropped).
std::string_view svg_element(std::string_view svg) {
  const std::size_t at = svg.find("<svg");
  return at == std::string_view::npos ? svg : svg.substr(at);
}

constexpr const char* kStyle =
    "body{font-family:system-ui,-apple-system,'Segoe UI',Helvetica,Arial,sans-serif;"
    "color:#1a1a1a;max-width:1200px;margin:2em auto;padding:0 1em;line-height:1.45}"
    "h1{font-size:1.7em;margin-bottom:.3em}h2{margin-top:1.6em;border-bottom:1px solid #ddd;"
    "padding-bottom:.2em}code{background:#f2f2f2;padding:0 .25em;border-radius:3px;"
    "font-size:.92em}.scroll{overflow-x:auto}table{border-collapse:collapse;font-size:13px;"
    "margin:.5em 0}th,td{border:1px solid #ccc;padding:3px 7px;white-space:nowrap}"
    "th{background:#f5f5f5;text-align:left}td.num,th.num{text-align:right;"
    "font-variant-numeric:tabular-nums}tbody tr:nth-child(even){background:#fafafa}"
    "figure{margin:1em 0}figure svg{max-width:100%;height:auto}"
    "figcaption{color:#555;font-size:.9em}li{margin:.15em 0}";

}  // namespace

std::string render_html(const Page& p) {
  std::string out = "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n";
  out += "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>";
  escape_into(p.title, out);
  out += "</title>\n<style>";
  out += kStyle;
  out += "</style>\n</head>\n<body>\n<main>\n<h1>" + inline_html(p.title) + "</h1>\n";
  for (const auto& b : p.blocks) {
    switch (b.kind) {
      case PageBlock::Kind::kHeading:
        out += fmt::format("<h{0}>{1}</h{0}>\n", b.level, inline_html(b.text));
        break;
      case PageBlock::Kind::kParagraph:
        out += "<p>" + inline_html(b.text) + "</p>\n";
        break;
      case PageBlock::Kind::kList:
        out += "<ul>\n";
        for (const auto& it : b.items) {
          out += "<li>" + inline_html(it.text);
          if (!it.sub.empty()) {
            out += "\n<ul>\n";
            for (const auto& s : it.sub) out += "<li>" + inline_html(s) + "</li>\n";
            out += "</ul>\n";
          }
          out += "</li>\n";
        }
        out += "</ul>\n";
        break;
      case PageBlock::Kind::kTable: {
        const auto& t = b.table;
        auto cls = [&](std::size_t c) {
          return c < t.numeric.size() && t.numeric[c] ? " class=\"num\"" : "";
        };
        out += "<div class=\"scroll\"><table>\n<thead><tr>";
        for (std::size_t c = 0; c < t.header.size(); ++c)
          out += fmt::format("<th{}>{}</th>", cls(c), inline_html(t.header[c]));
        out += "</tr></thead>\n<tbody>\n";
        for (const auto& row : t.rows) {
          out += "<tr>";
          for (std::size_t c = 0; c < row.size(); ++c)
            out += fmt::format("<td{}>{}</td>", cls(c), inline_html(row[c]));
          out += "</tr>\n";
        }
        out += "</tbody>\n</table></div>\n";
        break;
      }
      case PageBlock::Kind::kChart:
        out += "<figure>\n";
        out += svg_element(b.svg);
        if (!out.empty() && out.back() != '\n') out += "\n";
        out += "<figcaption>" + inline_html(b.text) + "</figcaption>\n</figure>\n";
        break;
    }
  }
  return out + "</main>\n</body>\n</html>\n";
}

// ---- numbers ----

namespace {

// 1234567.8 -> "1,234,568" (rounded to an integer).
std::string grouped(double v) {
  std::string digits = fmt::format("{:.0f}", std::fabs(v));
  std::string out;
  const std::size_t n = digits.size();
  for (std::size_t i = 0; i < n; ++i) {
    out += digits[i];
    if (i + 1 < n && (n - 1 - i) % 3 == 0) out += ',';
  }
  return (v < 0 && out != "0" ? "-" : "") + out;
}

bool counts_tokens(const std::string& unit) {
  return unit.rfind("tokens", 0) == 0;
}

}  // namespace

std::string format_cell(double v, const std::string& unit) {
  if (!std::isfinite(v)) return "-";
  const double a = std::fabs(v);
  if (!unit.empty() && unit[0] == '$') {
    const std::string sign = v < 0 ? "-" : "";
    if (a >= 1000) return sign + "$" + grouped(a);
    if (a >= 1) return sign + fmt::format("${:.2f}", a);
    if (a == 0) return "$0";
    return sign + "$" + fmt::format("{:.3g}", a);
  }
  if (a >= 9999.5 && counts_tokens(unit)) {
    static constexpr struct {
      double scale;
      const char* prefix;
    } kSi[] = {{1e15, "P"}, {1e12, "T"}, {1e9, "G"}, {1e6, "M"}, {1e3, "k"}};
    for (const auto& s : kSi) {
      if (a < s.scale * 0.9995) continue;
      const double q = v / s.scale, qa = std::fabs(q);
      return fmt::format("{:.{}f} {}", q, qa >= 99.95 ? 0 : qa >= 9.995 ? 1 : 2, s.prefix);
    }
  }
  if (a >= 9999.5 && a < 1e15) return grouped(v);
  return fmt::format("{:.4g}", v);
}

}  // namespace llmsizer::report
