// study_results.cc — results.csv/.jsonl lines and the top-rows keeper (study_results.h).
#include "report/study_results.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>

#include <fmt/format.h>

#include "schema/text_writer.h"

namespace llmsizer::report {

namespace {

std::string num_text(double v) {
  return std::isfinite(v) ? schema::format_number(v) : "";
}

std::vector<std::string> parse_csv_line(const std::string& line) {
  std::vector<std::string> out;
  std::string cur;
  bool quoted = false;
  for (std::size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    if (quoted) {
      if (c == '"' && i + 1 < line.size() && line[i + 1] == '"')
        cur += '"', ++i;
      else if (c == '"')
        quoted = false;
      else
        cur += c;
    } else if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      out.push_back(cur);
      cur.clear();
    } else {
      cur += c;
    }
  }
  out.push_back(cur);
  return out;
}

}  // namespace

std::string results_csv_header(const std::vector<estimator::StudyColumn>& cols) {
  std::string header;
  for (std::size_t i = 0; i < cols.size(); ++i) header += (i ? "," : "") + cols[i].name;
  return "point," + header + "\n";
}

void append_csv_row(const estimator::StudyRow& r, const std::vector<estimator::StudyColumn>& cols,
                    std::string& out) {
  out += std::to_string(r.point);
  for (std::size_t i = 0; i < cols.size(); ++i) {
    out += ',';
    out += cols[i].text ? schema::csv_field(r.text[i]) : num_text(r.num[i]);
  }
  out += '\n';
}

void append_jsonl_row(const estimator::StudyRow& r, const std::vector<estimator::StudyColumn>& cols,
                      std::string& out) {
  out += fmt::format("{{\"point\":{}", r.point);
  for (std::size_t i = 0; i < cols.size(); ++i) {
    out += ",\"" + cols[i].name + "\":";
    if (cols[i].text) {
      out += "\"" + schema::json_escape(r.text[i]) + "\"";
    } else {
      const std::string v = num_text(r.num[i]);
      out += v.empty() ? "null" : v;
    }
  }
  out += "}\n";
}

std::optional<ResultRow> parse_result_line(const std::string& line,
                                           const std::vector<estimator::StudyColumn>& cols) {
  auto cells = parse_csv_line(line);
  if (cells.size() != cols.size() + 1) return std::nullopt;
  ResultRow r;
  r.point = static_cast<std::uint64_t>(std::atoll(cells[0].c_str()));
  cells.erase(cells.begin());
  r.num.resize(cols.size());
  for (std::size_t i = 0; i < cols.size(); ++i) {
    const double v = cells[i].empty() ? std::nan("") : std::strtod(cells[i].c_str(), nullptr);
    r.num[i] = cols[i].text ? std::nan("") : v;
  }
  r.cells = std::move(cells);
  return r;
}

ResultKeeper::ResultKeeper(const estimator::Study& study)
    : top_(static_cast<std::size_t>(study.spec().top)),
      stride_(std::max<std::uint64_t>(1, study.point_count() / 5000)) {
  for (const auto& s : study.spec().sort) {
    sort_cols_.push_back(study.column_index(s.column));
    sort_desc_.push_back(s.descending);
  }
}

bool ResultKeeper::better(const ResultRow& a, const ResultRow& b) const {
  for (std::size_t k = 0; k < sort_cols_.size(); ++k) {
    const double x = a.num[static_cast<std::size_t>(sort_cols_[k])];
    const double y = b.num[static_cast<std::size_t>(sort_cols_[k])];
    if (std::isnan(x) != std::isnan(y)) return !std::isnan(x);  // values before no value
    if (x != y) return sort_desc_[k] ? x > y : x < y;
  }
  return a.point < b.point;
}

void ResultKeeper::add(ResultRow r) {
  ++rows_;
  if (r.point % stride_ == 0 && sample_.size() < 20000) sample_.push_back(r);
  best_.push_back(std::move(r));
  if (best_.size() > 4 * top_ + 64) trim();
}

void ResultKeeper::trim() {
  std::stable_sort(best_.begin(), best_.end(),
                   [&](const ResultRow& a, const ResultRow& b) { return better(a, b); });
  if (best_.size() > top_) best_.resize(top_);
}

const std::vector<ResultRow>& ResultKeeper::best() {
  trim();
  return best_;
}

}  // namespace llmsizer::report
