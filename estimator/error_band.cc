// error_band.cc — quantiles of |error| per metric class (error_band.h).
#include "estimator/error_band.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "core/statistics.h"

namespace llmsizer::estimator {

namespace {
// Nearest-rank quantile of |x|.
std::optional<double> quantile_abs(std::vector<double> v, double q) {
  if (v.empty()) return std::nullopt;
  for (auto& x : v) x = std::abs(x);
  std::sort(v.begin(), v.end());
  const auto rank = static_cast<std::size_t>(std::ceil(q * static_cast<double>(v.size())));
  return v[std::clamp<std::size_t>(rank, 1, v.size()) - 1];
}

// Median of |x| (core::median).
std::optional<double> median_abs(std::vector<double> v) {
  for (auto& x : v) x = std::abs(x);
  return core::median(v);
}
}  // namespace

ErrorBand error_band(const schema::ValidationResults& r, std::string basis, double quantile) {
  std::vector<double> pre, dec, mem, all;
  for (const auto& s : r.samples) {
    all.push_back(s.error);
    (s.metric == schema::ErrorMetric::kPrefill  ? pre
     : s.metric == schema::ErrorMetric::kDecode ? dec
                                                : mem)
        .push_back(s.error);
  }
  ErrorBand b;
  b.basis = std::move(basis);
  b.quantile = quantile;
  b.prefill = quantile_abs(pre, quantile);
  b.decode = quantile_abs(dec, quantile);
  b.memory = quantile_abs(mem, quantile);
  b.median = median_abs(all);
  b.max = quantile_abs(all, 1.0);
  b.points = static_cast<std::int64_t>(r.samples.size());
  b.source = r.file;
  return b;
}

}  // namespace llmsizer::estimator
