// page.h — a report page as data (headings, paragraphs, lists, tables, charts) and its two
// renderings: Markdown (report.md) and a self-contained HTML page (report.html) with real
// tables and the SVG charts inline. Text uses a small inline markup, the same in both:
// `code`, **bold**, and bare http(s):// links. Pure: structs in, strings out.
#pragma once

#include <string>
#include <vector>

namespace llmsizer::report {

struct PageTable {
  std::vector<std::string> header;             // column titles, with their unit: "tpot_s (s)"
  std::vector<bool> numeric;                   // per column: right-aligned
  std::vector<std::vector<std::string>> rows;  // formatted cells (format_cell)
};

struct PageListItem {
  std::string text;
  std::vector<std::string> sub;  // one nested level
};

struct PageBlock {
  enum class Kind { kHeading, kParagraph, kList, kTable, kChart };
  Kind kind = Kind::kParagraph;
  int level = 2;     // headings: 2 = section, 3 = subsection (the title is level 1)
  std::string text;  // heading, paragraph; chart: its file name
  std::vector<PageListItem> items;
  PageTable table;
  std::string svg;  // chart: the SVG document, inlined into the HTML page
};

struct Page {
  std::string title;
  std::vector<PageBlock> blocks;

  void heading(std::string text, int level = 2);
  void paragraph(std::string text);
  void list(std::vector<PageListItem> items);
  void table(PageTable t);
  void chart(std::string file, std::string svg);
};

std::string render_markdown(const Page& p);
// A standalone HTML5 page: no scripts, no external resources.
std::string render_html(const Page& p);

// One rule for a number in a report table, by its unit: money ("$/hour", "$/month", ...)
// as $1,234 / $12.34 / $0.0124; token counts and rates ("tokens", "tokens/s",
// "tokens/month") of 10,000 or more with an SI prefix (15.2 k, 2.00 G); other values of
// 10,000 or more with thousands separators; the rest with 4 significant digits. NaN: "-".
std::string format_cell(double v, const std::string& unit);

}  // namespace llmsizer::report
