// fuzz_expression.cc — libFuzzer target: core::Expression (study constraints and derived
// columns). The text is parsed against a fixed field list and, when it parses, evaluated on
// a few value vectors (including NaN and too-short ones). Contract checked: no crash/UB; a
// rejection sets an error naming a column.
#include <cmath>
#include <limits>
#include <vector>

#include "core/expression.h"
#include "fuzz/fuzz_common.h"

LLMSIZER_FUZZ_TARGET(expression) {
  using namespace llmsizer;
  static const std::vector<std::string> fields = {"memory.fits", "latency.tpot_s", "batch",
                                                  "cost.usd_per_mtok", "x"};
  std::string error;
  auto e = core::Expression::parse(fuzz::as_text(data, size), fields, &error);
  if (!e) {
    fuzz::require(!error.empty(), "rejected without a message");
    return 0;
  }
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const double inf = std::numeric_limits<double>::infinity();
  const std::vector<std::vector<double>> inputs = {
      {1, 0.05, 8, 2.5, 0}, {0, -1, 0, 0, -0.0}, {nan, inf, -inf, 1e308, 5e-324}, {}};
  for (const auto& v : inputs) (void)e->evaluate(v);
  for (auto i : e->referenced_fields()) fuzz::require(i < fields.size(), "bad field index");
  return 0;
}
