// study_results.h — the result files of a study (results.csv, results.jsonl; docs/studies.md)
// and what a report keeps of them: the top rows by the study's sort and an evenly spaced
// sample for the charts. Pure: rows and lines in, text and rows out; the CLI does the I/O.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "estimator/study.h"

namespace llmsizer::report {

// `point,<column names>\n`: the first line of results.csv and of every shard.
std::string results_csv_header(const std::vector<estimator::StudyColumn>& cols);
// Appends the row as one results.csv line (text cells quoted as needed, numbers in
// schema::format_number, no value = empty cell).
void append_csv_row(const estimator::StudyRow& r, const std::vector<estimator::StudyColumn>& cols,
                    std::string& out);
// Appends the row as one results.jsonl line (no value = null).
void append_jsonl_row(const estimator::StudyRow& r, const std::vector<estimator::StudyColumn>& cols,
                      std::string& out);

// One results.csv line read back: the point, the cells as written (without the point) and
// their numbers (NaN for text and empty cells).
struct ResultRow {
  std::uint64_t point = 0;
  std::vector<std::string> cells;
  std::vector<double> num;
};
// nullopt when the line does not have one cell per column plus the point.
std::optional<ResultRow> parse_result_line(const std::string& line,
                                           const std::vector<estimator::StudyColumn>& cols);

// Keeps the top `study.spec().top` rows by the study's sort (rows with a value before rows
// without; ties by point) and every stride-th point (stride = point_count / 5000, at least 1;
// at most 20,000 rows) for the charts. Rows must be added in point order. The study must
// outlive the keeper.
class ResultKeeper {
 public:
  explicit ResultKeeper(const estimator::Study& study);
  void add(ResultRow r);
  // The rows so far, best first (at most top).
  const std::vector<ResultRow>& best();
  const std::vector<ResultRow>& sample() const { return sample_; }
  std::uint64_t rows() const { return rows_; }  // every row added

 private:
  bool better(const ResultRow& a, const ResultRow& b) const;
  void trim();

  std::vector<int> sort_cols_;
  std::vector<bool> sort_desc_;
  std::size_t top_ = 10;
  std::uint64_t stride_ = 1;
  std::vector<ResultRow> best_;
  std::vector<ResultRow> sample_;
  std::uint64_t rows_ = 0;
};

}  // namespace llmsizer::report
