// test_page.cc — the report page's two renderings and the one number format of report
// tables: Markdown keeps its syntax (right-aligned numeric columns), HTML is a real page
// (escaped text, inline code/bold/links, tables with numeric cells right-aligned, SVG inline
// without its XML declaration), and money, token volumes and plain numbers format by unit.
#include <catch2/catch.hpp>

#include <cmath>

#include "report/page.h"

using namespace llmsizer::report;

namespace {

Page sample_page() {
  Page p;
  p.title = "Which GPU <cheapest> & why";
  p.paragraph("**Answer:** `h100-sxm` wins; see https://example.org/a.b.\n");
  p.heading("How");
  p.list({{"swept `batch`: 1, 2", {}}, {"TCO:", {"pue = 1.54 — a source"}}});
  PageTable t;
  t.header = {"#", "hardware", "usd_per_hour ($/hour)"};
  t.numeric = {true, false, true};
  t.rows = {{"1", "h100-sxm", "$2.99"}};
  p.table(t);
  p.chart("memory.svg", "<?xml version=\"1.0\"?>\n<svg width=\"10\"><text>m</text></svg>\n");
  return p;
}

}  // namespace

TEST_CASE("Markdown rendering keeps the page's structure", "[report][page]") {
  const std::string md = render_markdown(sample_page());
  CHECK(md ==
        "# Which GPU <cheapest> & why\n\n"
        "**Answer:** `h100-sxm` wins; see https://example.org/a.b.\n\n"
        "## How\n\n"
        "- swept `batch`: 1, 2\n- TCO:\n  - pue = 1.54 — a source\n\n"
        "| # | hardware | usd_per_hour ($/hour) |\n|---:|---|---:|\n| 1 | h100-sxm | $2.99 |\n\n"
        "![memory.svg](memory.svg)\n\n");
}

TEST_CASE("HTML rendering is a page, not Markdown", "[report][page]") {
  const std::string html = render_html(sample_page());
  CHECK(html.rfind("<!DOCTYPE html>\n<html lang=\"en\">", 0) == 0);
  CHECK(html.find("<title>Which GPU &lt;cheapest&gt; &amp; why</title>") != std::string::npos);
  CHECK(html.find("<p><strong>Answer:</strong> <code>h100-sxm</code> wins; see "
                  "<a href=\"https://example.org/a.b\">https://example.org/a.b</a>.</p>") !=
        std::string::npos);
  CHECK(html.find("<li>TCO:\n<ul>\n<li>pue = 1.54 — a source</li>\n</ul>\n</li>") !=
        std::string::npos);
  CHECK(html.find("<th class=\"num\">usd_per_hour ($/hour)</th>") != std::string::npos);
  CHECK(html.find("<td>h100-sxm</td><td class=\"num\">$2.99</td>") != std::string::npos);
  CHECK(html.find("<figure>\n<svg width=\"10\"><text>m</text></svg>\n<figcaption>memory.svg") !=
        std::string::npos);
  CHECK(html.find("<?xml") == std::string::npos);
  CHECK(html.find("<script") == std::string::npos);
  CHECK(html.find("**") == std::string::npos);
  CHECK(html.find("`") == std::string::npos);
}

TEST_CASE("an unclosed backtick or bold stays well-formed", "[report][page]") {
  Page p;
  p.title = "t";
  p.paragraph("a `b and **c");
  const std::string html = render_html(p);
  CHECK(html.find("<p>a `b and <strong>c</strong></p>") != std::string::npos);
}

TEST_CASE("report numbers format by their unit", "[report][page]") {
  // Money.
  CHECK(format_cell(2.99, "$/hour") == "$2.99");
  CHECK(format_cell(1234.4, "$/month") == "$1,234");
  CHECK(format_cell(1234567.8, "$/month") == "$1,234,568");
  CHECK(format_cell(0.012418, "$/1M tokens") == "$0.0124");
  CHECK(format_cell(0, "$/hour") == "$0");
  CHECK(format_cell(-1500, "$/month") == "-$1,500");
  // Token counts and rates with an SI prefix from 10,000 on.
  CHECK(format_cell(2e9, "tokens/month") == "2.00 G");
  CHECK(format_cell(15240, "tokens/s") == "15.2 k");
  CHECK(format_cell(999950, "tokens/s") == "1.00 M");
  CHECK(format_cell(250e6, "tokens/month") == "250 M");
  CHECK(format_cell(2678, "tokens/s") == "2678");
  // Other numbers: separators from 10,000, else four significant digits.
  CHECK(format_cell(64999, "tokens") == "65.0 k");
  CHECK(format_cell(123456, "requests") == "123,456");
  CHECK(format_cell(0.02483, "s") == "0.02483");
  CHECK(format_cell(18.52, "GiB") == "18.52");
  CHECK(format_cell(std::nan(""), "s") == "-");
  CHECK(format_cell(INFINITY, "$/hour") == "-");
}
