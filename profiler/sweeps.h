// sweeps.h — the kernel sweeps of `llmsizer profile`: which (registry kernel, shape, threads)
// points to time, derived from the models being sized (every distinct matmul of one layer
// plus the lm_head, decode attention over contexts, prefill attention, the row ops); a
// selection that fits a wall-clock budget, predicted from the probes' roofline; the Google
// Benchmark runner that times them into hardware-profile KernelPoints; and the per-kernel
// efficiency summary against the measured FP32 peak and triad bandwidth.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "core/dtype.h"
#include "core/model_arch.h"
#include "core/op_cost.h"
#include "kernels/registry.h"
#include "schema/hardware_profile.h"

namespace llmsizer::profiler {

// A model the sweep takes its shapes from.
struct SweepModel {
  std::string name;
  core::ModelArch arch;
};

// What to sweep and how hard. Defaults are `--quick` (settings_for() in make_profile.h).
struct SweepSettings {
  std::vector<std::int64_t> m_values = {1, 16, 128};  // matmul rows (tokens)
  std::vector<core::DType> weight_dtypes = {core::DType::kF32, core::DType::kF16,
                                            core::DType::kQ8_0, core::DType::kQ4_0,
                                            core::DType::kQ4_K};
  std::vector<core::DType> kv_dtypes = {core::DType::kF32, core::DType::kF16, core::DType::kQ8_0};
  std::vector<std::int64_t> contexts = {256, 1024, 4096};  // decode: positions attended
  std::vector<std::int64_t> prefill_tokens = {128, 512};   // prefill attention, past = 0
  std::vector<std::int64_t> row_tokens = {1, 128};         // norms, RoPE, activations, add
  std::vector<int> threads;                                // empty: {1, all cores}
  // Largest single operand (weight matrix, one layer's KV cache). A matmul whose weights
  // are bigger is measured with n reduced to fit (the recorded shape says so); a context
  // whose cache is bigger is skipped. Bounds the sweep's memory at about 2x this.
  std::uint64_t max_operand_bytes = 256ull << 20;
  // Streamed operands (see SweepPoint::streamed) rotate through copies that total at least
  // this many bytes; 0: 8 x the last-level cache.
  std::uint64_t stream_bytes = 0;
  double budget_s = 45;         // wall-clock for all sweep points (selection and hard stop)
  double min_rep_s = 5e-3;      // Google Benchmark MinTime of one repetition
  double cv_target = 0.03;      // repeat until the CV of the last max(min_reps, 5) is below this,
  int min_reps = 3;             // with at least this many repetitions,
  int max_reps = 12;            // or up to this cap,
  double point_budget_s = 0.4;  // or until a point has used this much time.
  const std::atomic<bool>* cancel = nullptr;
  // Called before each point: what is being measured and the fraction done [0, 1].
  std::function<void(const std::string& step, double fraction)> progress;
};

// One point to time.
struct SweepPoint {
  const kernels::KernelEntry* kernel = nullptr;  // best_kernel(op, dtype) on this host
  kernels::OpShape shape;
  int threads = 1;
  // The operand (weights, KV cache) is read from memory on every call, as in a model whose
  // weights (KV cache) exceed the last-level cache: the runner rotates through copies of it
  // totalling SweepSettings::stream_bytes. Row ops and prefill attention run cache-hot.
  bool streamed = false;
  int tier = 0;            // 0: decode path (m = 1 matmul, decode attention, row ops); 1: prefill
  core::OpCost cost;       // kernel->cost(shape)
  double predicted_s = 0;  // predict_point_seconds (+ operand preparation), set by selection
  // false: predicted not to fit the budget (select_within_budget); run_sweep runs it only if
  // the points before it turn out faster than predicted.
  bool in_budget = true;
};

struct SweepPlan {
  std::vector<SweepPoint> points;  // deterministic order, no duplicates
  std::vector<std::string> notes;  // what was skipped or reduced, and why
};

// Every point the models ask for, deduplicated across models, with the shapes of the calls
// of core's op graph (core/op_graph.h, one device, unfused kernels): the distinct (k, n) of
// its matmuls and of the routed experts' matrices at every m and weight dtype; its decode
// attention at every context and KV dtype; its prefill attention (f32 KV) at every prefill
// size; its norms, RoPE, FFN activation and residual add at every row_tokens; its sampling
// softmax for one sequence; each at every thread count (capped at max_threads). Ops without
// a kernel (MLA projections and attention) and shapes a kernel cannot take are noted and
// skipped. `llc_bytes` decides `streamed`. Pure: same inputs, same plan.
SweepPlan derive_sweep(const std::vector<SweepModel>& models, const SweepSettings& s,
                       int max_threads, std::uint64_t llc_bytes);

// The measured roofline the budget and the summary use.
struct Roofline {
  double fp32_flop_per_s = 0;  // FMA probe, all cores
  double int8_op_per_s = 0;    // int8 dot-product probe, all cores
  int cores = 1;
  std::vector<schema::BandwidthPoint> triad;  // triad rows of the bandwidth curve
  // FP32 peak scaled to `threads` cores.
  double flop_per_s(int threads) const;
  double int8_per_s(int threads) const;  // int8 peak scaled to `threads` cores
  // Triad bytes/s at the thread count (the nearest measured one at or below it) and the
  // smallest measured working set >= working_set_bytes (0 or beyond the curve: the
  // largest, i.e. memory). 0 when the curve is empty.
  double bytes_per_s(int threads, std::uint64_t working_set_bytes) const;
};
Roofline roofline_of(const schema::HardwareProfile& p);

// Predicted seconds of one call (roofline at 50% of FP32 peak, bandwidth of the memory the
// operand comes from) and of the whole point under the repetition rules.
double predict_call_seconds(const SweepPoint& p, const Roofline& r);
double predict_point_seconds(const SweepPoint& p, const Roofline& r, const SweepSettings& s);

// Marks the points that fit `budget_s` (in_budget): tier 0 before tier 1, cheapest first
// within a tier, with the operand preparation of each new operand counted once; sets
// predicted_s. Returns all points in run order (tier, operand, plan order); `dropped`
// receives how many are not in the budget.
std::vector<SweepPoint> select_within_budget(const std::vector<SweepPoint>& points,
                                             const Roofline& r, const SweepSettings& s,
                                             double budget_s, int* dropped);

struct SweepRun {
  std::vector<schema::KernelPoint> points;  // sorted (op, dtype, threads, shape)
  std::string benchmark_json;  // Google Benchmark's JSON of every run (empty if none ran)
  int not_run = 0;             // points not timed (not in budget and never re-admitted, or cut)
  bool cancelled = false;
};

// Times the points with Google Benchmark (one registered benchmark per point and round,
// real time, inputs prepared outside the timed region, kernels on a kernels::cpu::ThreadPool
// of `threads` pinned threads). Starts no point after `deadline_s` seconds. Every few points
// it re-plans the rest with the measured pace (time taken / predicted_s of the points done):
// in urgency order (tier, then cheapest) the points that fit the time left run, the others
// are left out — so a loaded host drops prefill points first and a fast one takes points
// that were not in_budget. Honours s.cancel between and inside repetitions. Not reentrant
// (Google Benchmark's registry is global).
SweepRun run_sweep(const std::vector<SweepPoint>& points, const SweepSettings& s,
                   std::uint64_t llc_bytes, double deadline_s);

// Per (op, dtype, threads, basis): how close the points come to the measured roofline.
// The compute roof is the FP32 FMA peak, or the int8 dot-product peak for matmuls over
// block-quantized weights (they multiply in int8), scaled to the point's threads. A point is
// compute-bound when flop / roof >= bytes / triad bandwidth, memory-bound otherwise;
// efficiency is achieved FLOP/s over the roof or bytes/s over the bandwidth. Points timed
// `streamed` (their recorded condition) are compared with the triad from memory (the
// largest working set), `cached` ones with the triad at their own bytes.
struct EfficiencyRow {
  std::string op;
  std::string dtype;
  std::int64_t threads = 1;
  std::string basis;  // "fp32 peak", "int8 peak" (compute-bound) or "triad" (memory-bound)
  int points = 0;
  double best = 0;    // fraction of the basis, best point
  double median = 0;  // fraction of the basis, median point
};
std::vector<EfficiencyRow> summarize_efficiency(const schema::HardwareProfile& p);
// A fixed-width text table of the rows, with a header line stating the bases.
std::string efficiency_table(const std::vector<EfficiencyRow>& rows);

// "m:1/k:4096/n:14336": the non-default shape fields, as in the profile rows.
std::string shape_label(const kernels::OpShape& s);

}  // namespace llmsizer::profiler
