// error_band.h — how far an estimate is expected to miss, from validation results of its
// basis (docs/validation.md#error-bands): the q-quantile (default 0.8) of |relative error|
// per metric class over the committed results. Pure.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "schema/validation_results.h"

namespace llmsizer::estimator {

struct ErrorBand {
  std::string basis;  // datasheet | measured
  double quantile = 0.8;
  std::optional<double> prefill;  // relative, e.g. 0.12 = ±12%; nullopt: no validation data
  std::optional<double> decode;
  std::optional<double> memory;
  // Over every sample, whatever its class (what a report quotes as "median error ... on
  // `points` measurements"): the median and the largest |relative error|; nullopt without
  // samples.
  std::optional<double> median;
  std::optional<double> max;
  std::int64_t points = 0;
  std::string source;  // the results file
};

// nullopt for a metric class without samples. quantile in (0, 1].
ErrorBand error_band(const schema::ValidationResults& r, std::string basis, double quantile = 0.8);

}  // namespace llmsizer::estimator
