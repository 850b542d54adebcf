// measured_time.h — the measured time model (docs/cost-model.md#measured-time): times one
// kernel call from a hardware profile's per-kernel efficiency tables instead of datasheet
// peaks. A call's efficiency (its roofline time on the measured peaks and bandwidth curve,
// divided by its measured time) is taken from the table row of the same shape, interpolated
// in log space between the nearest measured shapes, and applied to the query's own roofline;
// with no row for the op, dtype or thread count it falls back to the measured roofline with
// the CPU class efficiencies. Every answer says which of these it used. Pure; thread-safe
// after construction.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/dtype.h"
#include "core/op_cost.h"
#include "core/op_graph.h"
#include "estimator/time_model.h"
#include "schema/hardware_profile.h"
#include "schema/hardware_spec.h"

namespace llmsizer::estimator {

// Where an op's time came from, best first.
enum class TimeBasis : std::uint8_t {
  kMeasured,          // a table row of exactly this op, dtype, shape and thread count
  kInterpolated,      // between (or scaled from) the nearest rows of this op and dtype
  kRooflineMeasured,  // no row: measured peak FLOP/s and bandwidth x CPU class efficiency
  kDatasheet,         // the datasheet roofline (no profile)
};
const char* to_string(TimeBasis b);

struct MeasuredOpTime {
  double time_s = 0;
  Bound bound = Bound::kMemory;
  TimeBasis basis = TimeBasis::kRooflineMeasured;
};

class MeasuredTimeModel {
 public:
  // `threads`: the thread count to predict for; 0 = the largest the profile measured.
  // Rows at other thread counts are ignored (their efficiency does not transfer).
  MeasuredTimeModel(const schema::HardwareProfile& profile, std::int64_t threads);

  // One call of `op` with `dtype` (weights, KV cache or table) at `shape`; `cost` is its
  // core/op_cost.h count (the same formula the profiler used). `stream_bytes`: what the
  // phase streams through the caches around this call (all the weights for a matmul, the
  // whole KV cache for attention; 0 = the call's own bytes): it picks the bandwidth of the
  // call's roofline. A table row's roofline uses the condition the profile recorded for it:
  // streamed rows the bandwidth from memory, cached rows the bandwidth at their own bytes.
  MeasuredOpTime time(core::OpKind op, core::DType dtype, const core::OpShape& shape,
                      const core::OpCost& cost, double stream_bytes = 0) const;

  // Measured bandwidth (bytes/s) for a working set of `bytes` at this thread count: the
  // triad curve (read curve where no triad was measured), interpolated in log-log.
  double bandwidth(double working_set_bytes) const;
  // Measured FP32 FMA peak, scaled from all cores to this thread count.
  double peak_flop_per_s() const { return peak_; }
  std::int64_t threads() const { return threads_; }
  // Thread counts the kernel tables hold (sorted, unique).
  const std::vector<std::int64_t>& table_threads() const { return table_threads_; }
  const std::string& profile_id() const { return profile_id_; }

 private:
  double roofline_s(const core::OpCost& c, double working_set_bytes, Bound* bound) const;

  struct Row {
    core::OpKind op;
    core::DType dtype;
    core::OpShape shape;
    double efficiency;  // roofline time / measured time
  };
  std::string profile_id_;
  std::int64_t threads_ = 1;
  double peak_ = 0;
  std::vector<std::pair<double, double>> bw_curve_;  // (working set, bytes/s), sorted
  std::vector<Row> rows_;
  std::vector<std::int64_t> table_threads_;
  Efficiency fallback_;
};

// A HardwareSpec describing the profiled host for the rest of the estimator (memory
// capacity, DRAM bandwidth at `threads`, FP32 peak): class server-cpu, id = profile id,
// every figure with basis "measured" in its provenance.
schema::HardwareSpec hardware_from_profile(const schema::HardwareProfile& profile,
                                           std::int64_t threads);

// Measured efficiencies to calibrate a datasheet entry of the same kind of device: compute
// = median achieved FLOP/s of the largest-m matmul rows / measured peak; memory = median
// achieved bytes/s of the m = 1 matmul rows whose weights exceed the last-level cache /
// measured DRAM triad. Empty optionals where the profile has no such rows.
EfficiencyOverrides calibration_from_profile(const schema::HardwareProfile& profile,
                                             std::int64_t threads);

}  // namespace llmsizer::estimator
