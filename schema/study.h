// study.h — a `study` document: one YAML file that asks a whole what-if question
// (docs/schema/study.md): a base scenario, sweep axes (grid, zipped lists, numeric
// ranges), the command evaluated per point, constraints, derived columns, sort, top-N,
// charts and outputs. Parsing only checks the document's shape; names and expressions are
// checked against the catalogs by the study engine before anything runs (with the
// locations kept here).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/diagnostics.h"

namespace llmsizer::schema {

inline constexpr std::int64_t kStudySchemaVersion = 1;

struct StudyValue {
  std::string text;  // as written (numbers too)
  core::SourceLocation where;
};

struct StudyAxis {
  std::string key;  // an option name of the evaluated command, e.g. hardware, batch
  std::vector<StudyValue> values;
  core::SourceLocation where;
};

struct StudyExpr {
  std::string name;  // derived column name ("" for constraints)
  std::string text;
  core::SourceLocation where;
};

struct StudySort {
  std::string column;
  bool descending = false;
  core::SourceLocation where;
};

struct StudySpec {
  std::string id;
  std::string title;
  std::string question;
  std::string evaluate;  // estimate | serve | plan | compare
  core::SourceLocation evaluate_where;
  std::vector<StudyAxis> base;    // one value each
  std::vector<StudyAxis> grid;    // cartesian product
  std::vector<StudyAxis> zip;     // advanced together (equal lengths)
  std::vector<StudyAxis> ranges;  // expanded numeric ranges (part of the product)
  std::vector<StudyExpr> constraints;
  std::vector<StudyExpr> derived;
  std::vector<StudySort> sort;
  std::int64_t top = 10;
  std::vector<std::string> charts;  // pareto | throughput_vs_batch | cost_vs_volume | memory
  bool out_csv = true, out_jsonl = true, out_markdown = true, out_html = true;
  std::string notes;
  std::string origin_path;
};

std::optional<StudySpec> parse_study_yaml(std::string_view text, const std::string& file,
                                          core::Diagnostics& diags);
std::optional<StudySpec> load_study(const std::string& path, core::Diagnostics& diags);

}  // namespace llmsizer::schema
