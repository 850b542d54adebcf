// self_validation.h — the self-validation harness (docs/validation.md#self-validation): runs
// the reference decoder (kernels/decoder) on this host with random weights of real model
// shapes, measures prefill time, decode time per token at several contexts and peak resident
// memory, predicts the same figures from a measured hardware profile (estimator) and
// compares them; plus the statistics and the result document (JSON, table).
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/diagnostics.h"
#include "core/dtype.h"
#include "schema/catalog.h"
#include "schema/hardware_profile.h"
#include "schema/model_spec.h"

namespace llmsizer::validation {

// The validation matrix of docs/validation.md: each model with its weight dtypes.
struct MatrixRow {
  std::string model;
  std::vector<std::string> weights;
};
const std::vector<MatrixRow>& matrix_rows();

// What to measure for every cell and thread count.
struct RunPlan {
  std::vector<std::int64_t> prompts = {128};         // prefill lengths, tokens
  std::vector<std::int64_t> contexts = {128, 1024};  // decode contexts, tokens
  std::vector<std::int64_t> threads;                 // empty: `cores` (apply_defaults)
  std::int64_t decode_steps = 8;                     // timed steps per context
  core::DType kv = core::DType::kF16;
  std::string weights_dir;  // non-empty: weight files here (created once per shape/dtype)
  std::function<void(const std::string&)> progress;  // status lines; may be empty
};
// The matrix's prompts (128, 512), contexts (128, 1024) and threads (1 and all cores).
void apply_matrix(RunPlan& plan, std::int64_t cores);
// Empty threads become {cores}.
void apply_defaults(RunPlan& plan, std::int64_t cores);

// One decoder build to measure: a model with every matrix in one dtype.
struct Cell {
  schema::ModelSpec model;
  core::DType weights = core::DType::kQ4_0;
  std::string scheme;  // the estimator's weight scheme of the same build, e.g. "q4_0-pure"
};
// Resolves each (model name, weight dtypes) into cells; unknown models, models the decoder
// cannot run and dtypes it does not build are errors at `where` (keys --model, --weights).
std::vector<Cell> resolve_cells(
    const schema::Catalog& catalog,
    const std::vector<std::pair<std::string, std::vector<std::string>>>& models,
    const core::SourceLocation& where, core::Diagnostics& d);
// The KV-cache dtype named `text` if the decoder builds it (f32, f16, q8_0), else an error
// at `where` (--kv).
std::optional<core::DType> parse_kv_dtype(const std::string& text,
                                          const core::SourceLocation& where, core::Diagnostics& d);
// Errors at `where` (--threads) for more threads than the profiled host has.
void check_plan(const RunPlan& plan, const schema::HardwareProfile& profile,
                const core::SourceLocation& where, core::Diagnostics& d);

// One measured-vs-predicted comparison.
struct Metric {
  std::string model;
  std::string weights;  // the scheme
  std::int64_t threads = 0;
  std::string name;         // prefill | decode_step | peak_rss
  std::int64_t tokens = 0;  // prefill: prompt tokens; decode: context; memory: KV capacity
  double measured = 0;      // seconds or bytes
  double predicted = 0;
  std::string basis;  // of the prediction
  double error() const { return measured > 0 ? (predicted - measured) / measured : 0.0; }
};

struct Result {
  std::vector<Metric> metrics;
  std::vector<std::string> notes;
  bool logits_finite = true;
  std::string error;  // non-empty: a decoder could not be built (why); metrics are partial
};

// Runs every cell at every thread count of the plan (check_plan first): decoder timings
// against the measured time model of `profile` at the same thread count. Minutes for big
// models; not thread-safe (it reads and resets this process's peak RSS).
Result run(const std::vector<Cell>& cells, const RunPlan& plan,
           const schema::HardwareProfile& profile);

// Median and largest |error| of one metric name (0 without points).
struct Summary {
  std::size_t n = 0;
  double median = 0;
  double max = 0;
};
Summary summarise(const std::vector<Metric>& metrics, const std::string& name);
// Metrics whose |error| exceeds `tolerance` (a fraction).
std::size_t beyond(const std::vector<Metric>& metrics, double tolerance);

// The header of the result document: what was compared.
struct ResultContext {
  const schema::HardwareProfile* profile = nullptr;
  core::DType kv = core::DType::kF16;
  std::int64_t decode_steps = 0;
  double tolerance = 0.15;  // fraction
};
// The `validation-result` JSON document (docs/validation.md), newline-terminated.
std::string to_json(const Result& r, const ResultContext& c);
// The table for people: one line per metric (! beyond the tolerance), medians, verdict.
std::string to_table(const Result& r, const ResultContext& c);

}  // namespace llmsizer::validation
