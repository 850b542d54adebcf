// estimate_report.h — the result of `llmsizer estimate` as plain data, and its encodings
// (JSON, CSV, Markdown, a terminal table). Field names are the stable JSON contract
// documented in docs/schema/estimate-report.md; every number carries its unit in its name
// and the report states its basis.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace llmsizer::schema {

inline constexpr std::int64_t kEstimateReportVersion = 1;

struct ReportModel {
  std::string id;
  std::string name;
  std::string origin;  // catalog | yaml | hf_config | gguf
  std::uint64_t params_total = 0;
  std::uint64_t params_active = 0;
};

struct ReportHardware {
  std::string id;
  std::string name;
  std::uint64_t capacity_bytes = 0;  // per device
  double bandwidth_bytes_per_s = 0;  // per device
  std::string source;
};

struct ReportSetup {
  std::int64_t devices = 1;  // count
  std::int64_t tp = 1;
  std::int64_t pp = 1;
  std::string weights;  // weight scheme name
  std::string kv;       // KV-cache dtype
  std::string activations;
  std::int64_t batch = 1;
  std::int64_t prompt_tokens = 0;
  std::int64_t output_tokens = 0;
};

struct ReportMemory {
  std::uint64_t weights_bytes = 0;        // per device (the most loaded device)
  std::uint64_t weights_bytes_total = 0;  // whole model
  double bits_per_weight = 0;
  std::uint64_t kv_cache_bytes_per_token = 0;  // per device, one token of one sequence
  std::uint64_t kv_cache_bytes = 0;            // per device, batch x context
  std::uint64_t activation_bytes = 0;          // per device, peak transient
  std::string activation_basis;                // always an assumed formula for now
  std::uint64_t overhead_bytes = 0;            // per device runtime reserve
  std::string overhead_basis;                  // "assumed: ..." or "user"
  std::uint64_t total_bytes = 0;               // per device
  std::uint64_t capacity_bytes = 0;            // per device
  bool fits = false;
  std::string reason;            // why not, or what limits
  std::int64_t max_batch = 0;    // at prompt + output context
  std::int64_t max_context = 0;  // tokens per sequence at the given batch
};

struct ReportOp {
  std::string phase;  // prefill | decode
  std::string name;
  double count = 0;   // layers it runs in
  double time_s = 0;  // total over its layers
  double flops = 0;
  double bytes = 0;
  std::string bound;  // compute | memory | communication | overhead
  std::string basis;  // datasheet (later: measured | interpolated | roofline-measured)
  double share = 0;   // of the phase's time, 0..1
};

// How far the figures are expected to miss (docs/validation.md#error-bands): the quantile of
// |relative error| over the validation results of the estimate's basis. A negative value:
// no validation data for that metric class.
struct ReportErrorBand {
  std::string basis;  // datasheet | measured
  double quantile = 0.8;
  double prefill = -1;  // prefill time, TTFT
  double decode = -1;   // decode step, TPOT, decode/output throughput
  double memory = -1;
  std::int64_t points = 0;
  std::string source;
};

struct ReportPerformance {
  double prefill_time_s = 0;        // batch x prompt, one device group
  double prefill_tokens_per_s = 0;  // all replicas
  std::string prefill_bound;
  double decode_time_per_step_s = 0;  // averaged over the growing context (= TPOT)
  double decode_time_first_step_s = 0;
  double decode_time_last_step_s = 0;
  double decode_tokens_per_s = 0;  // all replicas
  std::string decode_bound;
  double ttft_s = 0;
  double tpot_s = 0;
  double e2e_s = 0;
  double output_tokens_per_s = 0;  // static batch, all replicas
  double output_tokens_per_s_per_device = 0;
  double total_tokens_per_s = 0;  // prompt + output tokens
  std::string compute_dtype;      // the peak used, e.g. "bf16" or "fp8"
  double compute_peak_flop_per_s = 0;
  double compute_efficiency = 0;
  double memory_efficiency = 0;
  double kernel_overhead_s = 0;
  std::string efficiency_basis;
  // The weakest basis of the ops: datasheet | measured | interpolated | roofline-measured.
  std::string time_basis = "datasheet";
  std::optional<ReportErrorBand> error_band;
  std::vector<ReportOp> ops;  // filled with --explain
};

struct EstimateReport {
  ReportModel model;
  ReportHardware hardware;
  ReportSetup setup;
  ReportMemory memory;
  ReportPerformance perf;
  std::string basis;  // datasheet | measured | assumed: what the memory figures rest on
  std::vector<std::string> notes;
};

std::string report_to_json(const EstimateReport& r);
std::string report_to_csv(const std::vector<EstimateReport>& rows);  // header + one row each
std::string report_to_markdown(const EstimateReport& r);
std::string report_to_table(const EstimateReport& r);  // for a terminal

}  // namespace llmsizer::schema
