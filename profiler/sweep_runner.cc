// sweep_runner.cc — times sweep points with Google Benchmark (see sweeps.h: run_sweep). Each
// point's inputs are prepared once, outside the timed region (weights quantized from a
// random 64-row tile, then tiled; streamed operands copied until they fill the stream
// footprint); then one benchmark is registered per point and round, run through a reporter
// that collects the per-repetition times, until the CV rule of SweepSettings holds.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstring>
#include <map>
#include <memory>
#include <sstream>

#include <fmt/format.h>

#include "core/statistics.h"
#include "kernels/reference/quant.h"
#include "profiler/probes.h"
#include "profiler/sweeps.h"

namespace llmsizer::profiler {

using core::DType;
using kernels::OpKind;
using Clock = std::chrono::steady_clock;

namespace {

namespace cpu = kernels::cpu;

// Deterministic values in [-1, 1), cheap enough for hundreds of MB (an LCG; the values do
// not change the speed of these kernels, only the bytes do).
void fill(std::span<float> v, std::uint32_t seed) {
  std::uint32_t x = seed * 2654435761u + 12345u;
  for (auto& f : v) {
    x = x * 1664525u + 1013904223u;
    f = static_cast<float>(static_cast<std::int32_t>(x)) * (1.0f / 2147483648.0f);
  }
}

std::vector<float> values(std::int64_t n, std::uint32_t seed) {
  std::vector<float> v(static_cast<std::size_t>(std::max<std::int64_t>(n, 1)));
  fill(v, seed);
  return v;
}

std::size_t round64(std::size_t b) {
  return (b + 63) / 64 * 64;
}

// `rows` x `cols` stored as dt: a 64-row random tile quantized by the reference quantizer,
// repeated down the rows, written to dst (core::tensor_bytes(dt, rows, cols) bytes).
void write_matrix(DType dt, std::int64_t rows, std::int64_t cols, std::byte* dst) {
  const std::int64_t tile_rows = std::min<std::int64_t>(rows, 64);
  const auto tile_f = values(tile_rows * cols, 7);
  const auto tile = kernels::reference::quantize(dt, tile_f, tile_rows, cols);
  const std::size_t row_bytes = tile.size() / static_cast<std::size_t>(tile_rows);
  for (std::int64_t r = 0; r < rows; r += tile_rows) {
    const std::int64_t n = std::min(tile_rows, rows - r);
    std::memcpy(dst + static_cast<std::size_t>(r) * row_bytes, tile.data(),
                static_cast<std::size_t>(n) * row_bytes);
  }
}

std::size_t copies_for(bool streamed, std::size_t bytes, std::uint64_t stream_bytes) {
  if (!streamed || bytes == 0) return 1;
  return std::clamp<std::size_t>((stream_bytes + bytes - 1) / bytes, 1, 4096);
}

// A prepared weight matrix (and its copies when streamed). The arena holds the stored bytes
// (all copies, or for f16/bf16 the one source the converted f32 copies are made from).
struct MatmulOperand {
  std::vector<std::unique_ptr<cpu::MatmulWeights>> copies;
};

void prepare_matmul(const SweepPoint& p, std::uint64_t stream_bytes, cpu::Workspace& arena,
                    MatmulOperand& op) {
  op.copies.clear();
  const DType dt = p.kernel->dtype;
  const std::int64_t k = p.shape.k, n = p.shape.n;
  const std::size_t bytes =
      core::tensor_bytes(dt, static_cast<std::uint64_t>(n), static_cast<std::uint64_t>(k));
  if (dt == DType::kF16 || dt == DType::kBF16) {
    auto src = arena.get(bytes);
    write_matrix(dt, n, k, src.data());
    const std::span<const std::byte> view(src.data(), bytes);
    const std::size_t c = copies_for(p.streamed, bytes * 2, stream_bytes);  // f32 copies
    for (std::size_t i = 0; i < c; ++i)
      op.copies.push_back(std::make_unique<cpu::MatmulWeights>(dt, n, k, view));
    return;
  }
  const std::size_t stride = round64(bytes);
  const std::size_t c = copies_for(p.streamed, bytes, stream_bytes);
  auto mem = arena.get(stride * c);
  write_matrix(dt, n, k, mem.data());
  // In the layout the kernel reads (as the reference decoder regroups its weights).
  const cpu::WeightLayout layout = p.kernel->layout;
  if (layout != cpu::WeightLayout::kBlocks) cpu::pack_rows4x16(dt, k, n, mem.first(bytes));
  for (std::size_t i = 1; i < c; ++i) std::memcpy(mem.data() + i * stride, mem.data(), bytes);
  for (std::size_t i = 0; i < c; ++i)
    op.copies.push_back(std::make_unique<cpu::MatmulWeights>(
        dt, n, k, std::span<const std::byte>(mem.data() + i * stride, bytes), layout));
}

// A decode KV cache (K then V, [past + 1][kv_heads][head_dim] each), copies when streamed.
struct KvOperand {
  std::vector<std::span<const std::byte>> k, v;
};

void prepare_kv(const SweepPoint& p, std::uint64_t stream_bytes, cpu::Workspace& arena,
                KvOperand& op) {
  op.k.clear();
  op.v.clear();
  const DType dt = p.kernel->dtype;
  const std::int64_t rows = (p.shape.past + p.shape.m) * p.shape.kv_heads;
  const std::size_t bytes = core::tensor_bytes(dt, static_cast<std::uint64_t>(rows),
                                               static_cast<std::uint64_t>(p.shape.head_dim));
  const std::size_t stride = round64(bytes);
  const std::size_t c = copies_for(p.streamed, 2 * bytes, stream_bytes);
  auto mem = arena.get(2 * stride * c);
  write_matrix(dt, rows, p.shape.head_dim, mem.data());
  for (std::size_t i = 1; i < 2 * c; ++i) std::memcpy(mem.data() + i * stride, mem.data(), bytes);
  for (std::size_t i = 0; i < c; ++i) {
    op.k.emplace_back(mem.data() + 2 * i * stride, bytes);
    op.v.emplace_back(mem.data() + (2 * i + 1) * stride, bytes);
  }
}

// Buffers of one point that are not shared with others.
struct PointBuffers {
  std::vector<float> a, b, c, d;
  std::vector<std::int32_t> pos;
};

std::span<const std::byte> as_bytes(const std::vector<float>& v) {
  return std::as_bytes(std::span<const float>(v));
}

using Call = std::function<void(std::int64_t)>;

// The call the benchmark times: call(i) runs the kernel once on copy i (mod copies).
Call make_call(const SweepPoint& p, const MatmulOperand& mm, const KvOperand& kv, PointBuffers& buf,
               cpu::ThreadPool& pool, cpu::Workspace& ws) {
  const auto& s = p.shape;
  const auto* e = p.kernel;
  switch (e->op) {
    case OpKind::kMatmul: {
      buf.a = values(s.m * s.k, 1);
      buf.b.assign(static_cast<std::size_t>(s.m * s.n), 0.0f);
      const auto fn = std::get<kernels::MatmulKernelFn>(e->fn);
      return [&, fn, m = s.m](std::int64_t i) {
        const auto* w = mm.copies[static_cast<std::size_t>(i) % mm.copies.size()].get();
        fn({buf.a, w, buf.b, m}, pool, ws);
      };
    }
    case OpKind::kAttentionDecode:
    case OpKind::kAttentionPrefill: {
      const std::int64_t q = s.m * s.heads * s.head_dim;
      buf.a = values(q, 2);
      buf.b.assign(static_cast<std::size_t>(q), 0.0f);
      cpu::AttentionArgs args;
      args.q = buf.a;
      args.out = buf.b;
      args.kv_dtype = e->dtype;
      args.tokens = s.m;
      args.past = s.past;
      args.heads = s.heads;
      args.kv_heads = s.kv_heads;
      args.head_dim = s.head_dim;
      args.window = s.window;
      args.scale = 1.0f / std::sqrt(static_cast<float>(s.head_dim));
      const auto fn = std::get<kernels::AttentionKernelFn>(e->fn);
      if (e->op == OpKind::kAttentionPrefill) {
        buf.c = values((s.past + s.m) * s.kv_heads * s.head_dim, 3);
        buf.d = values((s.past + s.m) * s.kv_heads * s.head_dim, 4);
        args.k = as_bytes(buf.c);
        args.v = as_bytes(buf.d);
        return [&, fn, args](std::int64_t) { fn(args, pool, ws); };
      }
      return [&, fn, args](std::int64_t i) mutable {
        const std::size_t c = static_cast<std::size_t>(i) % kv.k.size();
        args.k = kv.k[c];
        args.v = kv.v[c];
        fn(args, pool, ws);
      };
    }
    case OpKind::kRmsNorm:
    case OpKind::kLayerNorm: {
      buf.a = values(s.m * s.k, 5);
      buf.b = values(s.k, 6);
      buf.c = values(s.k, 7);
      buf.d.assign(buf.a.size(), 0.0f);
      cpu::NormArgs args;
      args.x = buf.a;
      args.gamma = buf.b;
      if (e->op == OpKind::kLayerNorm) args.beta = buf.c;
      args.y = buf.d;
      args.rows = s.m;
      args.dim = s.k;
      const auto fn = std::get<kernels::NormKernelFn>(e->fn);
      return [&, fn, args](std::int64_t) { fn(args, pool, ws); };
    }
    case OpKind::kRopeInterleaved:
    case OpKind::kRopeHalfSplit: {
      buf.a = values(s.m * s.heads * s.head_dim, 8);
      buf.pos.resize(static_cast<std::size_t>(s.m));
      for (std::size_t t = 0; t < buf.pos.size(); ++t) buf.pos[t] = static_cast<std::int32_t>(t);
      cpu::RopeArgs args;
      args.x = buf.a;
      args.pos = buf.pos;
      args.tokens = s.m;
      args.heads = s.heads;
      args.head_dim = s.head_dim;
      const auto fn = std::get<kernels::RopeKernelFn>(e->fn);
      return [&, fn, args](std::int64_t) { fn(args, pool, ws); };
    }
    case OpKind::kSilu:
    case OpKind::kGelu:
    case OpKind::kSwiGlu:
    case OpKind::kGeGlu:
    case OpKind::kAdd: {
      const bool two = e->op == OpKind::kSwiGlu || e->op == OpKind::kGeGlu || e->op == OpKind::kAdd;
      buf.a = values(s.m * s.k, 9);
      if (two) buf.b = values(s.m * s.k, 10);
      buf.c.assign(buf.a.size(), 0.0f);
      cpu::UnaryArgs args;
      args.x = buf.a;
      if (two) args.up = buf.b;
      args.y = buf.c;
      const auto fn = std::get<kernels::UnaryKernelFn>(e->fn);
      return [&, fn, args](std::int64_t) { fn(args, pool, ws); };
    }
    case OpKind::kSoftmax: {
      buf.a = values(s.m * s.k, 11);
      buf.b.assign(buf.a.size(), 0.0f);
      const auto fn = std::get<kernels::SoftmaxKernelFn>(e->fn);
      return [&, fn, rows = s.m, n = s.k](std::int64_t) { fn({buf.a, buf.b, rows, n}, pool, ws); };
    }
    default:
      break;  // not swept (embedding, kv_append: derive_sweep never asks; graph-only kinds
              // have no registry entry)
  }
  return {};
}

// Collects what Google Benchmark reports: every run for the raw JSON, and the seconds per
// call of each repetition of the current round.
class Collector final : public benchmark::BenchmarkReporter {
 public:
  bool ReportContext(const Context&) override { return true; }
  void ReportRuns(const std::vector<Run>& runs) override {
    for (Run r : runs) {
      if (r.run_type == Run::RT_Iteration && !r.error_occurred && r.iterations > 0) {
        round_seconds.push_back(r.real_accumulated_time / static_cast<double>(r.iterations));
        if (round_iterations == 0) round_iterations = r.iterations;
      }
      r.statistics = nullptr;  // points into the benchmark instance, cleared after the round
      r.memory_result = nullptr;
      all.push_back(std::move(r));
    }
  }
  std::vector<Run> all;
  std::vector<double> round_seconds;
  benchmark::IterationCount round_iterations = 0;
};

std::string benchmark_json(const std::vector<benchmark::BenchmarkReporter::Run>& runs) {
  if (runs.empty()) return "";
  using Context = benchmark::BenchmarkReporter::Context;
  if (!Context::executable_name) Context::executable_name = "llmsizer profile";
  std::ostringstream out, err;
  benchmark::JSONReporter json;
  json.SetOutputStream(&out);
  json.SetErrorStream(&err);
  const Context ctx;
  json.ReportContext(ctx);
  json.ReportRuns(runs);
  json.Finalize();
  return out.str();
}

}  // namespace

SweepRun run_sweep(const std::vector<SweepPoint>& points, const SweepSettings& s,
                   std::uint64_t llc_bytes, double deadline_s) {
  SweepRun run;
  const auto start = Clock::now();
  auto elapsed = [&] { return std::chrono::duration<double>(Clock::now() - start).count(); };
  auto cancelled = [&] { return s.cancel && s.cancel->load(std::memory_order_relaxed); };
  // 8 x the LLC: on the reference VM (2 cores that may sit on two L3 slices) a 64 MiB triad
  // still ran 30% above the 128 MiB one, and f32 matvecs rotating over 4 x the LLC (under 3
  // copies of a 46 MB matrix) read 43-56 GB/s where the decoder streams at 38.
  const std::uint64_t stream =
      s.stream_bytes ? s.stream_bytes : 8 * std::max<std::uint64_t>(llc_bytes, 1 << 20);

  // One pinned pool per thread count for the whole sweep; created in ascending order and
  // destroyed in reverse, so the caller's own binding is restored at the end.
  std::vector<int> counts;
  for (const auto& p : points) counts.push_back(p.threads);
  std::sort(counts.begin(), counts.end());
  counts.erase(std::unique(counts.begin(), counts.end()), counts.end());
  std::vector<std::unique_ptr<cpu::ThreadPool>> pools;
  for (int t : counts) pools.push_back(std::make_unique<cpu::ThreadPool>(t, /*pin=*/true));
  auto pool_of = [&](int t) -> cpu::ThreadPool& {
    const auto it = std::lower_bound(counts.begin(), counts.end(), t);
    return *pools[static_cast<std::size_t>(it - counts.begin())];
  };

  // Fractions for the progress callback: predicted seconds of the points done so far.
  std::vector<double> weight(points.size());
  double total = 0;
  for (std::size_t i = 0; i < points.size(); ++i) {
    weight[i] = points[i].predicted_s > 0 ? points[i].predicted_s : s.min_rep_s * (s.min_reps + 2);
    if (points[i].in_budget) total += weight[i];
  }

  cpu::Workspace arena, ws;
  MatmulOperand mm;
  KvOperand kv;
  std::string prepared;
  Collector collector;
  double done = 0;
  const std::size_t window = static_cast<std::size_t>(std::max(s.min_reps, 5));

  // Re-planning: the rest is predicted at the pace measured so far (time taken / predicted
  // for the points done; trusted below 1 only after a second of predictions, and never
  // below 0.5) and, in urgency order (tier, then cheapest), what fits the time left runs.
  std::vector<bool> skip(points.size(), false);
  for (std::size_t i = 0; i < points.size(); ++i) skip[i] = !points[i].in_budget;
  double predicted_done = 0;
  auto replan = [&](std::size_t next) {
    const double ratio = predicted_done > 0 ? elapsed() / predicted_done : 1.0;
    const double pace = predicted_done >= 1.0 ? std::max(0.5, ratio) : std::max(1.0, ratio);
    std::vector<std::size_t> rest;
    for (std::size_t i = next; i < points.size(); ++i) rest.push_back(i);
    std::stable_sort(rest.begin(), rest.end(), [&](std::size_t a, std::size_t b) {
      return std::tie(points[a].tier, weight[a]) < std::tie(points[b].tier, weight[b]);
    });
    double need = 0;
    const double left = deadline_s - elapsed();
    for (std::size_t i : rest) {
      const double c = weight[i] * pace;
      skip[i] = need + c > left;
      if (!skip[i]) need += c;
    }
  };

  for (std::size_t idx = 0; idx < points.size(); ++idx) {
    const auto& p = points[idx];
    if (cancelled()) break;
    if (idx > 0 && idx % 8 == 0) replan(idx);
    if (skip[idx] || elapsed() > deadline_s) {
      ++run.not_run;
      continue;
    }
    predicted_done += weight[idx];
    const std::string name =
        fmt::format("{}/{}/threads:{}", p.kernel->name, shape_label(p.shape), p.threads);
    // Done share of the predicted total, or of the deadline when the run is slower.
    if (s.progress)
      s.progress(name, std::max(total > 0 ? done / total : 0,
                                deadline_s > 0 ? std::min(0.99, elapsed() / deadline_s) : 0));
    done += weight[idx];

    // Shared operands are prepared when the group changes (points arrive grouped).
    std::string key;
    if (p.kernel->op == OpKind::kMatmul)
      key = fmt::format("mm/{}/{}/{}/{}", p.kernel->name, p.shape.k, p.shape.n, p.streamed);
    if (p.kernel->op == OpKind::kAttentionDecode)
      key = fmt::format("kv/{}/{}", p.kernel->name, shape_label(p.shape));
    if (!key.empty() && key != prepared) {
      mm.copies.clear();
      if (p.kernel->op == OpKind::kMatmul) prepare_matmul(p, stream, arena, mm);
      if (p.kernel->op == OpKind::kAttentionDecode) prepare_kv(p, stream, arena, kv);
      prepared = key;
    }
    PointBuffers buf;
    auto& pool = pool_of(p.threads);
    const Call call = make_call(p, mm, kv, buf, pool, ws);
    if (!call) continue;
    call(0);  // warm-up: first touch of the outputs, workspace growth

    std::vector<double> times;  // the last `window` repetitions: seconds per call
    int reps_taken = 0;
    std::int64_t counter = 1;
    benchmark::IterationCount iterations = 0;
    const auto point_start = Clock::now();
    for (int round = 1;; ++round) {
      collector.round_seconds.clear();
      collector.round_iterations = 0;
      benchmark::ClearRegisteredBenchmarks();
      const std::string bench_name = round == 1 ? name : fmt::format("{}/round:{}", name, round);
      auto* b = benchmark::RegisterBenchmark(bench_name.c_str(), [&](benchmark::State& st) {
        for (auto _ : st) {
          if (cancelled()) {
            st.SkipWithError("interrupted");
            break;
          }
          call(counter++);
        }
        st.counters["flop_per_s"] =
            benchmark::Counter(p.cost.flops, benchmark::Counter::kIsIterationInvariantRate);
        st.counters["bytes_per_s"] =
            benchmark::Counter(p.cost.bytes(), benchmark::Counter::kIsIterationInvariantRate);
      });
      const int reps = round == 1 ? std::max(1, s.min_reps) : 2;
      // Google Benchmark 1.7 adds mean, median, stddev and cv aggregates by itself.
      b->UseRealTime()->Unit(benchmark::kMicrosecond)->Repetitions(reps);
      if (iterations > 0)
        b->Iterations(iterations);
      else
        b->MinTime(s.min_rep_s);
      benchmark::RunSpecifiedBenchmarks(&collector, ".");
      if (iterations == 0) iterations = collector.round_iterations;
      times.insert(times.end(), collector.round_seconds.begin(), collector.round_seconds.end());
      reps_taken += static_cast<int>(collector.round_seconds.size());
      if (times.size() > window)
        times.erase(times.begin(), times.end() - static_cast<std::ptrdiff_t>(window));
      const double used = std::chrono::duration<double>(Clock::now() - point_start).count();
      if (cancelled() || collector.round_seconds.empty() ||
          (reps_taken >= s.min_reps && coefficient_of_variation(times) < s.cv_target) ||
          reps_taken >= s.max_reps || (reps_taken >= s.min_reps && used > s.point_budget_s))
        break;
    }
    benchmark::ClearRegisteredBenchmarks();
    if (cancelled()) break;
    if (times.empty()) continue;
    schema::KernelPoint k;
    k.op = p.kernel->op;
    k.kernel = p.kernel->name;
    k.dtype = std::string(core::name(p.kernel->dtype));
    k.shape = p.shape;
    k.condition =
        p.streamed ? schema::TimingCondition::kStreamed : schema::TimingCondition::kCached;
    k.threads = p.threads;
    k.seconds = core::median(times).value_or(0);
    k.flop = p.cost.flops;
    k.bytes = p.cost.bytes();
    k.cv = coefficient_of_variation(times);
    k.reps = reps_taken;
    k.noisy = k.cv >= s.cv_target;
    run.points.push_back(k);
  }
  run.cancelled = cancelled();
  benchmark::ClearRegisteredBenchmarks();
  run.benchmark_json = benchmark_json(collector.all);
  std::sort(run.points.begin(), run.points.end(), [](const auto& a, const auto& b) {
    const auto& x = a.shape;
    const auto& y = b.shape;
    const auto an = core::op_name(a.op), bn = core::op_name(b.op);
    return std::tie(an, a.dtype, a.threads, x.m, x.k, x.n, x.past, x.heads, x.kv_heads, x.head_dim,
                    x.window) < std::tie(bn, b.dtype, b.threads, y.m, y.k, y.n, y.past, y.heads,
                                         y.kv_heads, y.head_dim, y.window);
  });
  while (!pools.empty()) pools.pop_back();
  return run;
}

}  // namespace llmsizer::profiler
