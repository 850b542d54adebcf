// fuzz_trace_csv.cc — libFuzzer target: schema::load_trace_csv (workload trace CSV; the input
// is written to a per-process temp file because the reader takes a path). Contract checked:
// no crash/leak/UB; rejection comes with an error; accepted rows are finite and ordered.
#include <cmath>

#include "fuzz/fuzz_common.h"
#include "schema/workload.h"

LLMSIZER_FUZZ_TARGET(trace_csv) {
  using namespace llmsizer;
  core::Diagnostics d;
  auto rows = schema::load_trace_csv(llmsizer::fuzz::write_temp(data, size, ".csv"), d);
  fuzz::require_contract(rows, d);
  if (rows) {
    double last = 0;
    for (const auto& r : *rows) {
      fuzz::require(std::isfinite(r.arrival_s) && r.arrival_s >= last, "arrival not ordered");
      fuzz::require(r.prompt_tokens >= 0 && r.output_tokens >= 0, "negative token count");
      last = r.arrival_s;
    }
  }
  return 0;
}
