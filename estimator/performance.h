// performance.h — latency and throughput of a model on hardware (docs/cost-model.md#time-
// model): the calls of core's op graph for each phase (core/op_graph.h), timed by the
// datasheet roofline or looked up in a measured profile, with tensor, pipeline and expert
// parallelism. A PerfModel is prepared once per (model, hardware, precision, layout) and
// then evaluated for any batch and lengths without allocating: this is the hot path of
// sweeps and the serving simulator. Thread-safe after construction.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/dtype.h"
#include "core/op_cost.h"
#include "core/op_graph.h"
#include "core/weight_scheme.h"
#include "estimator/deployment.h"
#include "estimator/measured_time.h"
#include "estimator/memory.h"
#include "estimator/time_model.h"
#include "schema/hardware_spec.h"
#include "schema/model_spec.h"

namespace llmsizer::estimator {

enum class OpClass : std::uint8_t { kMatmul, kAttention, kElementwise, kCollective };

// One op of a phase, per device, already multiplied by its layer count.
struct OpRow {
  const char* name = "";
  double count = 0;  // how many times it runs in the phase (layers of its kind)
  double flops = 0;
  double bytes = 0;
  double time_s = 0;
  Bound bound = Bound::kMemory;
  TimeBasis basis = TimeBasis::kDatasheet;  // the weakest basis of its kernel calls
};

struct PhaseResult {
  double time_s = 0;
  double flops = 0;
  double bytes = 0;
  Bound bound = Bound::kMemory;  // the bound that takes most of the time
};

struct Performance {
  PhaseResult prefill;  // batch x prompt, all tokens at once
  double prefill_tokens_per_s = 0;
  double decode_step_first_s = 0;  // one decode step at context = prompt
  double decode_step_last_s = 0;   // at context = prompt + output - 1
  double decode_step_avg_s = 0;    // averaged over the growing context (the TPOT)
  Bound decode_bound = Bound::kMemory;
  double decode_tokens_per_s = 0;  // batch / avg step
  double ttft_s = 0;
  double tpot_s = 0;
  double e2e_s = 0;
  double output_tokens_per_s = 0;  // whole deployment (all replicas)
  double output_tokens_per_s_per_device = 0;
  double total_tokens_per_s = 0;  // (prompt + output) tokens, all replicas
  // Memory per device at this batch and context (the same formulas as size_memory()).
  double memory_weights_bytes = 0;
  double memory_kv_bytes = 0;
  double memory_activation_bytes = 0;  // the largest step (chunked prefill)
  double memory_overhead_bytes = 0;
  double memory_total_bytes = 0;
  bool fits = false;
  double max_batch = 0;  // at prompt + output tokens per sequence
};

// One engine step of continuous batching: decode_seqs sequences each add one token over
// decode_past cached tokens (on average), and prefill_seqs sequences each process a chunk of
// prefill_tokens over prefill_past cached tokens. Weights are read once for all of them.
struct Step {
  double decode_seqs = 0;
  double decode_past = 0;
  double prefill_seqs = 0;
  double prefill_tokens = 0;
  double prefill_past = 0;
};

// The basis a phase's time rests on: the weakest basis among its ops that take at least
// `min_share` of the phase's time (a negligible op timed by the roofline does not downgrade
// a phase whose time is measured).
TimeBasis phase_basis(const std::vector<OpRow>& rows, double min_share = 0.01);

class PerfModel {
 public:
  explicit PerfModel(const Deployment& d);

  // batch sequences, each prompt_tokens then output_tokens (>= 1); replicas = data-parallel
  // copies of the tp x pp x ep layout.
  Performance evaluate(double batch, double prompt_tokens, double output_tokens,
                       double replicas = 1) const;

  PhaseResult prefill(double batch, double prompt_tokens) const;
  // One decode step for `batch` sequences whose cache holds `context` tokens.
  PhaseResult decode_step(double batch, double context) const;

  // A mixed continuous-batching step (no pipeline micro-batching).
  PhaseResult step(const Step& st) const;

  // The per-op table of a phase (for --explain). Allocates; not for hot loops.
  std::vector<OpRow> explain_prefill(double batch, double prompt_tokens) const;
  std::vector<OpRow> explain_decode(double batch, double context) const;

  // The op graph every phase times: fused (serving engines) on the datasheet path, the
  // reference decoder's unfused kernels with a measured profile (core/op_graph.h).
  const core::OpGraph& graph() const { return graph_; }
  const Efficiency& efficiency() const { return eff_; }
  const std::string& compute_peak_key() const { return peak_key_; }
  double compute_peak_flop_per_s() const { return peak_; }

 private:
  // Times the graph's calls of one step; rows go to the sink, one per run of calls of one
  // role in one layer kind.
  template <class Sink>
  PhaseResult run_phase(const Step& st, Sink& sink) const;

  Deployment setup_;
  core::WeightScheme weights_;  // setup_.scheme()
  Efficiency eff_;              // elementwise and attention ops
  Efficiency eff_weights_;      // matmuls over the weights (dequantisation factor applied)
  double peak_ = 0;
  std::string peak_key_;
  double bandwidth_ = 0;
  double link_bw_ = 0;
  core::OpGraph graph_;        // fused (serving engines) without a profile, unfused with one
  double kv_entry_bytes_ = 0;  // per token per layer per device
  double weights_device_bytes_ = 0;
  double overhead_bytes_ = 0;
  double capacity_bytes_ = 0;
};

}  // namespace llmsizer::estimator
