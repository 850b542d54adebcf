// fuzz_units.cc — libFuzzer target: the CLI value parsers in core/units.h (sizes like 80GB,
// integers, durations, rates like 20rps, tokens per month, mixes like 3:1), every one fed the
// same text. Contract checked: no crash/UB; every accepted value is finite and not negative
// (the parsers promise to reject negative, NaN and infinite input).
#include <cmath>

#include "core/units.h"
#include "fuzz/fuzz_common.h"

LLMSIZER_FUZZ_TARGET(units) {
  using namespace llmsizer;
  const auto s = fuzz::as_text(data, size);
  if (auto b = core::parse_bytes(s)) fuzz::require(*b <= (1ull << 63), "size above 2^63");
  if (auto i = core::parse_int(s, 1, 1 << 20))
    fuzz::require(*i >= 1 && *i <= (1 << 20), "integer out of its range");
  for (auto f : {core::parse_duration_s, core::parse_rate_per_s, core::parse_tokens_per_month,
                 core::parse_mix}) {
    if (auto v = f(s)) fuzz::require(std::isfinite(*v) && *v >= 0, "non-finite or negative value");
  }
  if (auto m = core::parse_mix(s)) fuzz::require(*m <= 1, "mix share above 1");
  return 0;
}
