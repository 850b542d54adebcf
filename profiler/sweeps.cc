// sweeps.cc — the kernel sweep plan (derive_sweep), the measured roofline, the time-budgeted
// selection of points and the efficiency summary (see sweeps.h). The Google Benchmark runner
// is in sweep_runner.cc.
#include "profiler/sweeps.h"

#include "core/statistics.h"
#include "profiler/probes.h"

#include "core/op_graph.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <set>
#include <tuple>

#include <fmt/format.h>

namespace llmsizer::profiler {

using core::DType;
using kernels::OpKind;
using kernels::OpShape;

namespace {

auto shape_tuple(const OpShape& s) {
  return std::make_tuple(s.m, s.k, s.n, s.past, s.heads, s.kv_heads, s.head_dim, s.window);
}

// Bytes of every weight matrix of the model stored as `dt` (approximate for blocks that do
// not divide a row: it only decides whether the model fits the last-level cache).
double model_matrix_bytes(const core::ModelArch& a, DType dt) {
  double elements = 0;
  for (const auto& t : core::enumerate_tensors(a))
    if (core::role_is_matrix(t.role)) elements += static_cast<double>(t.elements());
  return elements * core::bits_per_element(dt) / 8.0;
}

// The dtype the matmul kernels read: f16 and bf16 weights are converted to f32 once.
DType matmul_read_dtype(DType dt) {
  return dt == DType::kF16 || dt == DType::kBF16 ? DType::kF32 : dt;
}

// Matmuls over block-quantized weights multiply with int8 dot products (activations are
// quantized to 8 bits first): their compute roof is the int8 peak, not the FP32 one.
bool integer_path(OpKind op, const std::string& dtype) {
  const auto dt = core::parse_dtype(dtype);
  return op == OpKind::kMatmul && dt && core::is_block_quantized(*dt);
}

// Points that share an operand (weights, KV cache) share its preparation.
std::string operand_key(const SweepPoint& p) {
  const auto& s = p.shape;
  switch (p.kernel->op) {
    case OpKind::kMatmul:
      return fmt::format("mm/{}/{}/{}/{}/{}", core::name(p.kernel->dtype), s.k, s.n, p.streamed,
                         p.tier);
    case OpKind::kAttentionDecode:
      return fmt::format("kv/{}/{}/{}/{}/{}", core::name(p.kernel->dtype), s.past, s.kv_heads,
                         s.head_dim, p.streamed);
    default:
      return "";  // prepared per point, no sharing
  }
}

// Seconds to prepare a shared operand: the bytes written (all copies), at ~2 GB/s (f16 and
// bf16 weights are converted per copy: ~1 GB/s).
double predict_setup_seconds(const SweepPoint& p, const SweepSettings& s,
                             std::uint64_t stream_bytes) {
  const double bytes =
      p.kernel->op == OpKind::kMatmul
          ? static_cast<double>(core::tensor_bytes(matmul_read_dtype(p.kernel->dtype),
                                                   static_cast<std::uint64_t>(p.shape.n),
                                                   static_cast<std::uint64_t>(p.shape.k)))
          : p.cost.bytes_read;
  const double footprint = p.streamed ? std::max(bytes, static_cast<double>(stream_bytes)) : bytes;
  const bool convert =
      p.kernel->op == OpKind::kMatmul && matmul_read_dtype(p.kernel->dtype) != p.kernel->dtype;
  (void)s;
  return 5e-3 + footprint / (convert ? 1e9 : 2e9);
}

}  // namespace

std::string shape_label(const OpShape& s) {
  const OpShape d;
  std::string out;
  auto dim = [&](const char* name, std::int64_t v, std::int64_t def) {
    if (v != def) out += fmt::format("{}{}:{}", out.empty() ? "" : "/", name, v);
  };
  dim("m", s.m, d.m);
  dim("k", s.k, d.k);
  dim("n", s.n, d.n);
  dim("past", s.past, d.past);
  dim("heads", s.heads, d.heads);
  dim("kv_heads", s.kv_heads, d.kv_heads);
  dim("head_dim", s.head_dim, d.head_dim);
  dim("window", s.window, d.window);
  return out;
}

SweepPlan derive_sweep(const std::vector<SweepModel>& models, const SweepSettings& s,
                       int max_threads, std::uint64_t llc_bytes) {
  SweepPlan plan;
  max_threads = std::max(1, max_threads);
  std::vector<int> threads;
  if (s.threads.empty()) {
    threads = {1, max_threads};
  } else {
    for (int t : s.threads) threads.push_back(std::clamp(t, 1, max_threads));
  }
  std::sort(threads.begin(), threads.end());
  threads.erase(std::unique(threads.begin(), threads.end()), threads.end());

  std::set<std::tuple<std::string, decltype(shape_tuple(OpShape{})), int>> seen;
  std::set<std::string> noted;
  auto note = [&](const std::string& text) {
    if (noted.insert(text).second) plan.notes.push_back(text);
  };
  auto add = [&](OpKind op, DType dt, const OpShape& shape, bool streamed, int tier) {
    const auto* e = kernels::best_kernel(op, dt);
    if (!e) {
      note(fmt::format("no {} kernel for {} on this host", core::op_name(op), core::name(dt)));
      return;
    }
    for (int t : threads) {
      if (!seen.insert({e->name, shape_tuple(shape), t}).second) continue;
      SweepPoint p;
      p.kernel = e;
      p.shape = shape;
      p.threads = t;
      p.streamed = streamed;
      p.tier = tier;
      p.cost = e->cost(shape);
      plan.points.push_back(p);
    }
  };

  for (const auto& model : models) {
    const auto& a = model.arch;
    // Shapes come from core's op graph of the model on one device, in the reference
    // decoder's kernels (unfused): what the estimator looks up is what is measured.
    auto in = core::uniform_graph_inputs(a, DType::kF32, DType::kF32, DType::kF32, false);
    const core::OpGraph graph(a, in);
    auto decode = [&](double batch, double past) {
      return graph.calls(core::GraphStep{batch, past, 0, 0, 0});
    };
    auto prefill = [&](double tokens) { return graph.calls(core::GraphStep{0, 0, 1, tokens, 0}); };

    // ---- matmuls: the distinct (k, n) of the graph's matmuls (and of the routed experts'
    // matrices), decode and prefill
    std::vector<std::pair<std::int64_t, std::int64_t>> pairs;  // (k, n)
    std::vector<std::string> pair_names;
    auto add_pair = [&](std::int64_t k, std::int64_t n, core::OpRole role) {
      const std::pair<std::int64_t, std::int64_t> kn{k, n};
      if (std::find(pairs.begin(), pairs.end(), kn) != pairs.end()) return;
      pairs.push_back(kn);
      pair_names.emplace_back(core::op_role_name(role));
    };
    for (const auto& calls : {decode(1, 0), prefill(2)})
      for (const auto& c : calls) {
        if (c.kind == OpKind::kMatmul) add_pair(c.shape.k, c.shape.n, c.role);
        if (c.kind == OpKind::kMoeExperts) {  // gate and up (k -> n), down (n -> k)
          add_pair(c.shape.k, c.shape.n, c.role);
          add_pair(c.shape.n, c.shape.k, c.role);
        }
        if (c.kind == OpKind::kMlaQKvA || c.kind == OpKind::kMlaAbsorb)
          note(
              fmt::format("{}: {} has no kernel of its own (timed by the measured roofline): "
                          "not swept",
                          model.name, core::op_role_name(c.role)));
      }
    for (DType dt : s.weight_dtypes) {
      const bool streamed = model_matrix_bytes(a, dt) > static_cast<double>(llc_bytes);
      for (std::size_t i = 0; i < pairs.size(); ++i) {
        const auto [k, n0] = pairs[i];
        if (core::is_block_quantized(dt) &&
            !core::row_fits_blocks(dt, static_cast<std::uint64_t>(k))) {
          note(fmt::format("{}: {} k={} is not a multiple of the {} block: skipped", model.name,
                           pair_names[i], k, core::name(dt)));
          continue;
        }
        // The operand the kernel holds: the stored rows and, for f16/bf16, their f32 copy.
        const std::uint64_t row =
            std::max(core::tensor_bytes(dt, 1, static_cast<std::uint64_t>(k)),
                     core::tensor_bytes(matmul_read_dtype(dt), 1, static_cast<std::uint64_t>(k)));
        std::int64_t n = n0;
        if (row * static_cast<std::uint64_t>(n) > s.max_operand_bytes) {
          n = std::max<std::int64_t>(
              16, static_cast<std::int64_t>(s.max_operand_bytes / row) / 16 * 16);
          n = std::min(n, n0);
          note(fmt::format("{}: {} {}x{} in {} exceeds the operand cap ({} MiB): measured at n={}",
                           model.name, pair_names[i], k, n0, core::name(dt),
                           s.max_operand_bytes >> 20, n));
        }
        for (std::int64_t m : s.m_values) {
          OpShape sh;
          sh.m = m;
          sh.k = k;
          sh.n = n;
          add(OpKind::kMatmul, dt, sh, streamed, m == 1 ? 0 : 1);
        }
      }
    }

    // ---- attention: the graph's decode and prefill attention calls
    auto kernel_shape_ok = [&](const OpShape& sh) {
      return sh.heads > 0 && sh.kv_heads > 0 && sh.heads % sh.kv_heads == 0 && sh.head_dim > 0 &&
             sh.head_dim <= kernels::cpu::kMaxHeadDim;
    };
    bool attention_ok = true;
    for (const auto& c : decode(1, 0))
      if (c.role == core::OpRole::kAttention &&
          (c.kind != OpKind::kAttentionDecode || !kernel_shape_ok(c.shape)))
        attention_ok = false;
    if (!attention_ok) {
      note(fmt::format("{}: attention ({}) has no kernel shape: skipped", model.name,
                       a.attention.kind == core::AttentionKind::kMla ? "MLA" : "heads/head_dim"));
    } else {
      for (std::int64_t ctx : s.contexts) {
        if (a.max_context > 0 && ctx > a.max_context) {
          note(fmt::format("{}: context {} is past its maximum {}: skipped", model.name, ctx,
                           a.max_context));
          continue;
        }
        for (DType dt : s.kv_dtypes) {
          const auto hd = static_cast<std::uint64_t>(a.attention.head_dim);
          if (core::is_block_quantized(dt) && !core::row_fits_blocks(dt, hd)) {
            note(fmt::format("{}: head_dim {} does not fit {} blocks: {} KV skipped", model.name,
                             a.attention.head_dim, core::name(dt), core::name(dt)));
            continue;
          }
          for (const auto& c : decode(1, static_cast<double>(ctx - 1))) {
            if (c.kind != OpKind::kAttentionDecode) continue;
            const std::uint64_t cache =
                2 * core::tensor_bytes(dt, static_cast<std::uint64_t>(ctx * c.shape.kv_heads),
                                       static_cast<std::uint64_t>(c.shape.head_dim));
            if (cache > s.max_operand_bytes) {
              note(fmt::format("{}: {} KV cache at context {} exceeds the operand cap: skipped",
                               model.name, core::name(dt), ctx));
              continue;
            }
            // A decode step streams the weights as well as the KV cache: unless both fit the
            // last-level cache, each step finds the cache evicted by the previous step's
            // weights, so the sweep reads it from memory too (smallest weights: q4_0).
            const bool streamed = static_cast<double>(core::kv_bytes_for_context(a, dt, ctx)) +
                                      model_matrix_bytes(a, DType::kQ4_0) >
                                  static_cast<double>(llc_bytes);
            add(OpKind::kAttentionDecode, dt, c.shape, streamed, 0);
          }
        }
      }
      for (std::int64_t p : s.prefill_tokens) {
        if (a.max_context > 0 && p > a.max_context) continue;
        for (const auto& c : prefill(static_cast<double>(p)))
          if (c.kind == OpKind::kAttentionPrefill) add(c.kind, c.dtype, c.shape, false, 1);
      }
    }

    // ---- row ops at the graph's shapes for `t` sequences of one token (cache-hot: they read
    // what the previous op wrote); the sampling softmax over the vocabulary for one sequence
    // only (a batch is that row repeated). Not swept: the embedding gather and the KV append
    // (no sweep harness), bias adds (no kernel).
    for (std::int64_t t : s.row_tokens)
      for (const auto& c : decode(static_cast<double>(t), 0)) {
        switch (c.kind) {
          case OpKind::kRopeHalfSplit:
          case OpKind::kRopeInterleaved:
            if (attention_ok && c.shape.head_dim % 2 == 0)
              add(c.kind, DType::kF32, c.shape, false, 0);
            break;
          case OpKind::kRmsNorm:
          case OpKind::kLayerNorm:
          case OpKind::kSilu:
          case OpKind::kGelu:
          case OpKind::kSwiGlu:
          case OpKind::kGeGlu:
          case OpKind::kAdd:
            add(c.kind, DType::kF32, c.shape, false, 0);
            break;
          default:
            break;
        }
      }
    for (const auto& c : decode(1, 0))
      if (c.kind == OpKind::kSoftmax && a.vocab_size > 0)
        add(c.kind, DType::kF32, c.shape, false, 0);
  }
  return plan;
}

double Roofline::flop_per_s(int threads) const {
  return fp32_flop_per_s * std::min(threads, cores) / std::max(1, cores);
}

double Roofline::int8_per_s(int threads) const {
  return int8_op_per_s * std::min(threads, cores) / std::max(1, cores);
}

double Roofline::bytes_per_s(int threads, std::uint64_t working_set_bytes) const {
  if (triad.empty()) return 0;
  // The nearest measured thread count at or below `threads` (else the smallest).
  std::int64_t t_use = -1, t_min = triad.front().threads;
  for (const auto& b : triad) {
    t_min = std::min(t_min, b.threads);
    if (b.threads <= threads) t_use = std::max(t_use, b.threads);
  }
  if (t_use < 0) t_use = t_min;
  const schema::BandwidthPoint* pick = nullptr;
  const schema::BandwidthPoint* largest = nullptr;
  for (const auto& b : triad) {
    if (b.threads != t_use) continue;
    if (!largest || b.working_set_bytes > largest->working_set_bytes) largest = &b;
    if (working_set_bytes > 0 && b.working_set_bytes >= working_set_bytes &&
        (!pick || b.working_set_bytes < pick->working_set_bytes))
      pick = &b;
  }
  if (!pick) pick = largest;
  return pick ? pick->bytes_per_s : 0;
}

Roofline roofline_of(const schema::HardwareProfile& p) {
  Roofline r;
  r.fp32_flop_per_s = p.peaks.fp32_flop_per_s;
  r.int8_op_per_s = p.peaks.int8_op_per_s;
  r.cores = static_cast<int>(std::max<std::int64_t>(1, p.topology.cores));
  for (const auto& b : p.bandwidth)
    if (b.kind == schema::BandwidthKind::kTriad && b.bytes_per_s > 0) r.triad.push_back(b);
  return r;
}

double predict_call_seconds(const SweepPoint& p, const Roofline& r) {
  double bytes = p.cost.bytes();
  if (p.kernel->op == OpKind::kMatmul && matmul_read_dtype(p.kernel->dtype) != p.kernel->dtype)
    bytes *= 2;  // f16/bf16 weights are read as their f32 copy
  const double peak = integer_path(p.kernel->op, std::string(core::name(p.kernel->dtype)))
                          ? r.int8_per_s(p.threads) / 2  // int8 kernels reach ~half of it
                          : r.flop_per_s(p.threads);
  const double bw =
      r.bytes_per_s(p.threads, p.streamed ? 0 : static_cast<std::uint64_t>(p.cost.bytes()));
  const double t_compute = p.cost.flops / (peak > 0 ? 0.5 * peak : 1e10);
  const double t_memory = bytes / (bw > 0 ? bw : 1e10);
  return std::max(t_compute, t_memory) + 5e-6;  // + dispatch to the pool
}

double predict_point_seconds(const SweepPoint& p, const Roofline& r, const SweepSettings& s) {
  const double call = predict_call_seconds(p, r);
  const double rep = std::max(s.min_rep_s, call);
  // Calibration (about one repetition) + min_reps, one more round now and then; capped by
  // the point budget, which is checked after each round.
  const double reps = rep * (s.min_reps + 2);
  const double capped = std::max(s.point_budget_s, rep * (s.min_reps + 1)) + rep;
  return 3e-3 + std::min(reps, capped);
}

std::vector<SweepPoint> select_within_budget(const std::vector<SweepPoint>& points,
                                             const Roofline& r, const SweepSettings& s,
                                             double budget_s, int* dropped) {
  const std::uint64_t stream = s.stream_bytes;
  std::vector<double> cost(points.size());
  for (std::size_t i = 0; i < points.size(); ++i) cost[i] = predict_point_seconds(points[i], r, s);
  std::vector<std::size_t> order(points.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    return std::tie(points[a].tier, cost[a]) < std::tie(points[b].tier, cost[b]);
  });
  std::set<std::string> prepared;
  std::vector<bool> take(points.size(), false);
  double used = 0;
  int left_out = 0;
  for (std::size_t i : order) {
    const std::string key = operand_key(points[i]);
    const bool fresh = !key.empty() && !prepared.count(key);
    const double c = cost[i] + (fresh ? predict_setup_seconds(points[i], s, stream) : 0);
    if (used + c > budget_s) {
      ++left_out;
      cost[i] = c;
      continue;
    }
    used += c;
    take[i] = true;
    cost[i] = c;
    if (fresh) prepared.insert(key);
  }
  if (dropped) *dropped = left_out;

  // Run order: tier, then operand groups in plan order, then plan order within a group.
  std::map<std::string, std::size_t> group_first;
  std::vector<std::size_t> chosen;
  for (std::size_t i = 0; i < points.size(); ++i) {
    std::string key = operand_key(points[i]);
    if (key.empty()) key = fmt::format("#{}", i);
    group_first.emplace(key, i);
    chosen.push_back(i);
  }
  auto group_of = [&](std::size_t i) {
    std::string key = operand_key(points[i]);
    return group_first.at(key.empty() ? fmt::format("#{}", i) : key);
  };
  std::stable_sort(chosen.begin(), chosen.end(), [&](std::size_t a, std::size_t b) {
    return std::make_tuple(points[a].tier, group_of(a)) <
           std::make_tuple(points[b].tier, group_of(b));
  });
  std::vector<SweepPoint> out;
  out.reserve(chosen.size());
  for (std::size_t i : chosen) {
    out.push_back(points[i]);
    out.back().predicted_s = cost[i];
    out.back().in_budget = take[i];
  }
  return out;
}

std::vector<EfficiencyRow> summarize_efficiency(const schema::HardwareProfile& p) {
  const Roofline r = roofline_of(p);
  std::map<std::tuple<std::string, std::string, std::int64_t, std::string>, std::vector<double>>
      groups;
  for (const auto& k : p.kernels) {
    if (k.seconds <= 0) continue;
    const int t = static_cast<int>(k.threads);
    const bool int8 = integer_path(k.op, k.dtype);
    const double peak = int8 ? r.int8_per_s(t) : r.flop_per_s(t);
    const double bw = r.bytes_per_s(t, k.condition == schema::TimingCondition::kStreamed
                                           ? 0
                                           : static_cast<std::uint64_t>(k.bytes));
    if (peak <= 0 || bw <= 0) continue;
    const bool compute = k.flop / peak >= k.bytes / bw;
    const double eff = compute ? k.flop_per_s() / peak : k.bytes_per_s() / bw;
    groups[{std::string(core::op_name(k.op)), k.dtype, k.threads,
            compute ? (int8 ? "int8 peak" : "fp32 peak") : "triad"}]
        .push_back(eff);
  }
  std::vector<EfficiencyRow> rows;
  for (const auto& [key, effs] : groups) {
    EfficiencyRow row;
    std::tie(row.op, row.dtype, row.threads, row.basis) = key;
    row.points = static_cast<int>(effs.size());
    row.best = *std::max_element(effs.begin(), effs.end());
    row.median = core::median(effs).value_or(0);
    rows.push_back(row);
  }
  return rows;
}

std::string efficiency_table(const std::vector<EfficiencyRow>& rows) {
  std::string out =
      "Kernel efficiency (op FLOPs and bytes of core/op_cost.h over the median time):\n"
      "  compute-bound points: % of the FP32 FMA peak, or of the int8 dot-product peak for\n"
      "  matmuls over block-quantized weights (peaks scaled to the point's threads);\n"
      "  memory-bound points: % of the triad bandwidth at the same threads, from memory for\n"
      "  the points timed streamed, at the op's own bytes for those timed cached.\n";
  out += fmt::format("{:<18} {:<6} {:>7}  {:<10} {:>6} {:>8} {:>8}\n", "op", "dtype", "threads",
                     "bound", "points", "best", "median");
  for (const auto& r : rows)
    out += fmt::format("{:<18} {:<6} {:>7}  {:<10} {:>6} {:>7.1f}% {:>7.1f}%\n", r.op, r.dtype,
                       r.threads, r.basis, r.points, 100 * r.best, 100 * r.median);
  return out;
}

}  // namespace llmsizer::profiler
