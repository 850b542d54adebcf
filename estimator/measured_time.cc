// measured_time.cc — efficiency transfer from a hardware profile's kernel tables
// (docs/cost-model.md#measured-time).
#include "estimator/measured_time.h"

#include <algorithm>
#include <array>
#include <cmath>

#include "core/statistics.h"

namespace llmsizer::estimator {

const char* to_string(TimeBasis b) {
  switch (b) {
    case TimeBasis::kMeasured:
      return "measured";
    case TimeBasis::kInterpolated:
      return "interpolated";
    case TimeBasis::kRooflineMeasured:
      return "roofline-measured";
    case TimeBasis::kDatasheet:
      return "datasheet";
  }
  return "?";
}

namespace {

// The axis along which rows of one op are interpolated: tokens (m) for everything except
// decode attention, whose time grows with the cached context.
bool primary_is_past(core::OpKind op) {
  return op == core::OpKind::kAttentionDecode;
}

double primary(core::OpKind op, const core::OpShape& s) {
  return static_cast<double>(primary_is_past(op) ? s.past + 1 : s.m);
}

// The other shape fields as one vector (log distance between two shapes of the same op).
std::array<double, 7> secondary(core::OpKind op, const core::OpShape& s) {
  const bool past = primary_is_past(op);
  return {static_cast<double>(past ? s.m : s.past + 1),
          static_cast<double>(s.k),
          static_cast<double>(s.n),
          static_cast<double>(s.heads),
          static_cast<double>(s.kv_heads),
          static_cast<double>(s.head_dim),
          static_cast<double>(s.window + 1)};
}

double log_distance(const std::array<double, 7>& a, const std::array<double, 7>& b) {
  double d = 0;
  for (std::size_t i = 0; i < a.size(); ++i) d += std::abs(std::log(a[i] / b[i]));
  return d;
}

// Bandwidth points (working set, bytes/s) of `kind` at the thread count closest to `threads`.
std::vector<std::pair<double, double>> curve(const schema::HardwareProfile& p,
                                             schema::BandwidthKind kind, std::int64_t threads) {
  std::int64_t best = -1;
  for (const auto& b : p.bandwidth)
    if (b.kind == kind && (best < 0 || std::abs(b.threads - threads) < std::abs(best - threads)))
      best = b.threads;
  std::vector<std::pair<double, double>> c;
  for (const auto& b : p.bandwidth)
    if (b.kind == kind && b.threads == best && b.bytes_per_s > 0)
      c.emplace_back(static_cast<double>(b.working_set_bytes), b.bytes_per_s);
  std::sort(c.begin(), c.end());
  return c;
}

}  // namespace

MeasuredTimeModel::MeasuredTimeModel(const schema::HardwareProfile& profile, std::int64_t threads)
    : profile_id_(profile.id) {
  for (const auto& k : profile.kernels) table_threads_.push_back(k.threads);
  std::sort(table_threads_.begin(), table_threads_.end());
  table_threads_.erase(std::unique(table_threads_.begin(), table_threads_.end()),
                       table_threads_.end());
  const std::int64_t cores = std::max<std::int64_t>(1, profile.context.cores);
  if (threads > 0) {
    threads_ = threads;
  } else if (!table_threads_.empty()) {
    threads_ = table_threads_.back();
  } else {
    threads_ = cores;
  }
  // The FMA probe ran on every core; threads beyond the cores add nothing to FMA throughput.
  peak_ = profile.peaks.fp32_flop_per_s * static_cast<double>(std::min(threads_, cores)) /
          static_cast<double>(cores);
  bw_curve_ = curve(profile, schema::BandwidthKind::kTriad, threads_);
  if (bw_curve_.empty()) bw_curve_ = curve(profile, schema::BandwidthKind::kRead, threads_);
  fallback_ = class_default_efficiency(schema::HardwareClass::kServerCpu);
  for (const auto& k : profile.kernels) {
    if (k.threads != threads_ || k.seconds <= 0) continue;
    const auto dt = core::parse_dtype(k.dtype);
    if (!dt) continue;
    Bound b{};
    // The working set the row was timed at: streamed operands come from memory (the
    // largest working set of the curve), cached ones at the call's own bytes.
    const bool streamed = k.condition == schema::TimingCondition::kStreamed;
    const double roof = roofline_s(core::OpCost{k.flop, k.bytes, 0}, streamed ? 1e15 : k.bytes, &b);
    if (!(roof > 0)) continue;
    rows_.push_back(Row{k.op, *dt, k.shape, roof / k.seconds});
  }
}

double MeasuredTimeModel::bandwidth(double working_set_bytes) const {
  if (bw_curve_.empty()) return 0;
  if (working_set_bytes <= bw_curve_.front().first) return bw_curve_.front().second;
  if (working_set_bytes >= bw_curve_.back().first) return bw_curve_.back().second;
  for (std::size_t i = 1; i < bw_curve_.size(); ++i) {
    const auto& [x1, y1] = bw_curve_[i];
    if (working_set_bytes > x1) continue;
    const auto& [x0, y0] = bw_curve_[i - 1];
    const double t = std::log(working_set_bytes / x0) / std::log(x1 / x0);
    return std::exp(std::log(y0) + t * (std::log(y1) - std::log(y0)));
  }
  return bw_curve_.back().second;
}

double MeasuredTimeModel::roofline_s(const core::OpCost& c, double working_set_bytes,
                                     Bound* bound) const {
  const double bw = bandwidth(working_set_bytes);
  const double tc = peak_ > 0 ? c.flops / peak_ : 0.0;
  const double tm = bw > 0 ? c.bytes() / bw : 0.0;
  *bound = tc >= tm ? Bound::kCompute : Bound::kMemory;
  return std::max(tc, tm);
}

MeasuredOpTime MeasuredTimeModel::time(core::OpKind op, core::DType dtype,
                                       const core::OpShape& shape, const core::OpCost& cost,
                                       double stream_bytes) const {
  MeasuredOpTime r;
  const double ws = std::max(stream_bytes, cost.bytes());
  const double roof = roofline_s(cost, ws, &r.bound);
  // The nearest measured shapes of this op and dtype (smallest log distance over the
  // non-interpolated fields), then linear interpolation of log efficiency over the primary
  // axis in log space, clamped at the ends of the measured range.
  const auto want = secondary(op, shape);
  double best = -1;
  const Row* anchor = nullptr;
  for (const auto& row : rows_) {
    if (row.op != op || row.dtype != dtype) continue;
    const double d = log_distance(secondary(op, row.shape), want);
    if (!anchor || d < best) best = d, anchor = &row;
  }
  if (!anchor) {
    const OpTime t = time_compute_op(cost, peak_, bandwidth(ws), fallback_, 1);
    r.time_s = t.time_s;
    r.bound = t.bound;
    r.basis = TimeBasis::kRooflineMeasured;
    return r;
  }
  const auto anchor_key = secondary(op, anchor->shape);
  std::vector<std::pair<double, double>> line;  // (log primary, log efficiency)
  for (const auto& row : rows_)
    if (row.op == op && row.dtype == dtype && secondary(op, row.shape) == anchor_key)
      line.emplace_back(std::log(primary(op, row.shape)), std::log(row.efficiency));
  std::sort(line.begin(), line.end());
  const double x = std::log(primary(op, shape));
  double log_eff = line.front().second;
  bool exact = false;
  if (x >= line.back().first) {
    log_eff = line.back().second;
    exact = x == line.back().first;
  } else if (x > line.front().first) {
    for (std::size_t i = 1; i < line.size(); ++i) {
      if (x > line[i].first) continue;
      const auto& [x0, y0] = line[i - 1];
      const auto& [x1, y1] = line[i];
      log_eff = x1 > x0 ? y0 + (x - x0) / (x1 - x0) * (y1 - y0) : y1;
      exact = x == x1;
      break;
    }
  } else {
    exact = x == line.front().first;
  }
  r.time_s = roof / std::exp(log_eff);
  r.basis = exact && best == 0 ? TimeBasis::kMeasured : TimeBasis::kInterpolated;
  return r;
}

schema::HardwareSpec hardware_from_profile(const schema::HardwareProfile& profile,
                                           std::int64_t threads) {
  const MeasuredTimeModel m(profile, threads);
  schema::HardwareSpec h;
  h.id = profile.id;
  h.short_name = profile.id;
  h.name = profile.context.cpu_model + " (measured: " + profile.id + ", " +
           std::to_string(m.threads()) + " threads)";
  h.vendor = "measured";
  h.hw_class = schema::HardwareClass::kServerCpu;
  const schema::Provenance from{"measured: hardware profile " + profile.id,
                                profile.context.date_utc.substr(0, 10)};
  h.memory.capacity_bytes = profile.topology.memory_bytes;
  h.memory.bandwidth_bytes_per_s = m.bandwidth(1e15);  // the largest working set measured
  h.memory.kind = "host DRAM";
  h.memory.from = from;
  h.compute.peak_flop_per_s["f32"] = m.peak_flop_per_s();
  h.compute.units = std::min(m.threads(), std::max<std::int64_t>(1, profile.context.cores));
  h.compute.from = from;
  h.notes = "built from a measured hardware profile";
  return h;
}

EfficiencyOverrides calibration_from_profile(const schema::HardwareProfile& profile,
                                             std::int64_t threads) {
  const MeasuredTimeModel m(profile, threads);
  std::uint64_t llc = 0;
  for (const auto& c : profile.topology.caches) llc = std::max(llc, c.size_bytes);
  std::int64_t max_m = 0;
  for (const auto& k : profile.kernels)
    if (k.op == core::OpKind::kMatmul && k.threads == m.threads())
      max_m = std::max(max_m, k.shape.m);
  std::vector<double> compute, memory;
  const double dram = m.bandwidth(1e15);
  for (const auto& k : profile.kernels) {
    if (k.op != core::OpKind::kMatmul || k.threads != m.threads() || k.seconds <= 0) continue;
    if (k.shape.m == max_m && max_m >= 64 && m.peak_flop_per_s() > 0)
      compute.push_back(k.flop / k.seconds / m.peak_flop_per_s());
    if (k.shape.m == 1 && k.bytes > 2.0 * static_cast<double>(llc) && dram > 0)
      memory.push_back(k.bytes / k.seconds / dram);
  }
  EfficiencyOverrides o;
  if (!compute.empty()) o.compute = std::min(1.0, *core::median(compute));
  if (!memory.empty()) o.memory = std::min(1.0, *core::median(memory));
  return o;
}

}  // namespace llmsizer::estimator
