// statistics.cc — summary statistics (see statistics.h).
#include "core/statistics.h"

#include <algorithm>
#include <vector>

namespace llmsizer::core {

std::optional<double> median(std::span<const double> values) {
  if (values.empty()) return std::nullopt;
  std::vector<double> v(values.begin(), values.end());
  std::sort(v.begin(), v.end());
  const std::size_t n = v.size();
  return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

}  // namespace llmsizer::core
