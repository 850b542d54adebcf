// fuzz_slo.cc — libFuzzer target: estimator::parse_slo (the --slo strings, e.g.
// ttft_p99=500ms,tpot_p99=50ms). Contract checked: no crash/UB; a rejection sets a message;
// an accepted SLO formats and parses back.
#include "estimator/serving.h"
#include "fuzz/fuzz_common.h"

LLMSIZER_FUZZ_TARGET(slo) {
  using namespace llmsizer;
  std::string error;
  auto slo = estimator::parse_slo(fuzz::as_text(data, size), &error);
  if (!slo) {
    fuzz::require(!error.empty(), "rejected without a message");
    return 0;
  }
  std::string again;
  fuzz::require(estimator::parse_slo(estimator::format_slo(*slo), &again).has_value(),
                "format_slo output does not parse again");
  return 0;
}
