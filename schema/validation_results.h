// validation_results.h — the committed results that say how far predictions miss: the
// accuracy harness against published measurements (`llmsizer accuracy --format json`,
// datasheet basis) and the self-validation matrix on this host (`llmsizer validate --matrix
// --format json`, measured basis). Reduced to (metric class, relative error) samples from
// which estimates state their error band (docs/validation.md#error-bands). Never throws.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/diagnostics.h"

namespace llmsizer::schema {

enum class ErrorMetric { kPrefill, kDecode, kMemory };
const char* to_string(ErrorMetric m);

struct ErrorSample {
  ErrorMetric metric = ErrorMetric::kDecode;
  double error = 0;  // (predicted - measured) / measured
};

struct ValidationResults {
  std::string kind;  // accuracy-report (datasheet basis) | validation-result (measured basis)
  std::string file;
  std::vector<ErrorSample> samples;
};

// Reads either JSON document. Accuracy points map TTFT and prefill-throughput metrics to
// prefill and every other metric (decode, TPOT, throughput) to decode; skipped points are left
// out. Validation metrics prefill / decode_step / peak_rss map to prefill / decode / memory.
std::optional<ValidationResults> parse_validation_results(std::string_view text,
                                                          const std::string& file,
                                                          core::Diagnostics& diags);
std::optional<ValidationResults> load_validation_results(const std::string& path,
                                                         core::Diagnostics& diags);

}  // namespace llmsizer::schema
