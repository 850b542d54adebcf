// accuracy.h — the accuracy harness (docs/validation.md): predicts each published
// measurement with estimate() for the same model, hardware, precision, parallelism, batch and
// lengths, picks the predicted quantity that matches the entry's metric and unit, and
// summarises the signed error overall, per regime and per hardware. Pure and thread-safe:
// the caller loads the files; points that cannot be predicted are kept with their reason.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "estimator/time_model.h"
#include "schema/catalog.h"
#include "schema/hardware_spec.h"
#include "schema/published_data.h"

namespace llmsizer::estimator {

// What an entry measured, after reading its metric name and unit.
enum class PublishedQuantity {
  kOutputTokensPerSPerDevice,  // static batch: batch x output / (TTFT + decode), per device
  kOutputTokensPerS,           // the same, whole deployment
  kDecodeTokensPerSPerUser,    // one sequence's output tokens / its end-to-end time
  kTtft,                       // prefill of batch x prompt (time)
  kPrefillTokensPerS,          // llama-bench ppN: N prompt tokens / prefill time
  kDecodeTokensPerS,           // llama-bench tgN: N tokens / their decode time (no prompt)
};
const char* to_string(PublishedQuantity q);

struct AccuracyRow {
  std::string id;
  std::string where;                                                     // file:line of the entry
  std::string model, hardware, precision, regime, metric, unit, engine;  // as published
  // Resolved setup (empty / zero when skipped before it was resolved).
  std::string catalog_model, catalog_hardware, hardware_class;
  std::string weights, kv, activations;
  std::int64_t devices = 0, tp = 1, pp = 1, batch = 0, input_len = 0, output_len = 0;
  std::optional<PublishedQuantity> quantity;
  double measured = 0;   // in the entry's unit
  double predicted = 0;  // in the entry's unit
  double error = 0;      // (predicted - measured) / measured
  double ratio = 0;      // predicted / measured
  std::string bound;     // bound of the phase that decides the predicted quantity
  bool skipped = false;
  std::string reason;              // why it was skipped
  std::vector<std::string> notes;  // assumptions taken for this point
};

struct AccuracyGroup {
  std::string key;  // regime or catalog hardware name
  std::size_t points = 0;
  double median_abs_error = 0;
  std::size_t within_25pct = 0;
  std::size_t beyond_2x = 0;
};

struct AccuracySummary {
  std::string data_file;
  std::string map_id;
  std::vector<AccuracyRow> rows;  // in the file's order, skipped ones included
  std::size_t predicted = 0;
  std::size_t skipped = 0;
  double median_abs_error = 0;  // over predicted rows (0 when none)
  std::size_t within_25pct = 0;
  std::size_t beyond_2x = 0;               // predicted / measured outside [0.5, 2]
  std::optional<std::size_t> worst;        // row index with the largest |log(ratio)|
  std::vector<AccuracyGroup> by_regime;    // sorted by key
  std::vector<AccuracyGroup> by_hardware;  // sorted by key
};

struct AccuracyOptions {
  // Efficiency overrides applied to every device of a hardware class: for trying class
  // defaults without editing time_model.cc (never per point).
  std::vector<std::pair<schema::HardwareClass, EfficiencyOverrides>> class_overrides;
};

AccuracySummary evaluate_accuracy(const schema::PublishedSet& data, const schema::PublishedMap& map,
                                  const schema::Catalog& catalog,
                                  const AccuracyOptions& options = {});

// Median of |error| over the given rows' predicted entries (0 when none).
double median_abs_error(const std::vector<const AccuracyRow*>& rows);

}  // namespace llmsizer::estimator
