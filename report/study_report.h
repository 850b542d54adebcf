// study_report.h — the report of a study run (docs/studies.md): the SVG charts, the Markdown
// page (question, assumptions with their sources, top results, the winner and why, how
// sensitive that is), the self-contained HTML page and the stdout summary. Pure: the study,
// its kept results and the expected errors in, strings out; the CLI decides paths and writes.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "estimator/error_band.h"
#include "estimator/study.h"
#include "report/study_results.h"
#include "schema/pricing.h"

namespace llmsizer::report {

struct StudyReportInput {
  const estimator::Study* study = nullptr;       // required
  const schema::PriceCatalog* prices = nullptr;  // required (its TCO assumptions are listed)
  // The expected error of each time basis: estimator::error_band() of the newest committed
  // validation results of that basis (accuracy = datasheet, validate = measured); nullopt
  // when there are none. A hardware value "measured:<profile>" has the measured basis, any
  // other the datasheet basis.
  std::optional<estimator::ErrorBand> datasheet_band;
  std::optional<estimator::ErrorBand> measured_band;
  bool jsonl = false;  // results.jsonl was written beside results.csv
};

struct StudyChart {
  std::string file;  // e.g. "pareto.svg", relative to the report
  std::string svg;
};

struct StudyReport {
  std::vector<StudyChart> charts;  // in the order of the study's `charts:`
  std::string markdown;            // report.md
  std::string html;                // report.html (the Markdown and the charts inline)
  std::string summary;             // the title and the top 5 rows, for stdout
};

// `kept` holds every result row of the run (ResultKeeper over results.csv).
StudyReport build_study_report(const StudyReportInput& in, ResultKeeper& kept);

// The charts alone (a chart whose columns the study lacks is left out).
std::vector<StudyChart> study_charts(const estimator::Study& study, ResultKeeper& kept);

}  // namespace llmsizer::report
