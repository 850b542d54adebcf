// bench_kernels.cc — speed of the CPU kernels on this host: f32 GEMM at 2048^3 (and, in the
// bench_kernels_openblas build, OpenBLAS sgemm side by side), the FMA peak, q4_0/q8_0/q4_k
// matvec with weights larger than the last-level cache (bytes/s counting the quantized
// weight bytes, and % of a triad measured in the same program) and prefill-sized quantized
// matmuls (useful FLOP/s and % of the FP32 FMA peak measured in the same program), each in
// the best instruction set here and in AVX2.
// Thread count: all cores (hwloc) unless LLMSIZER_BENCH_THREADS is set.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <memory>
#include <random>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "core/op_cost.h"
#include "kernels/cpu/attention.h"
#include "kernels/cpu/matmul.h"
#include "kernels/cpu/thread_pool.h"
#include "kernels/reference/quant.h"

#if defined(LLMSIZER_BENCH_OPENBLAS)
#include <cblas.h>
#endif

#if defined(__x86_64__)
#include <immintrin.h>
#endif

namespace {

using namespace llmsizer;
using kernels::cpu::Isa;

int bench_threads() {
  if (const char* s = std::getenv("LLMSIZER_BENCH_THREADS")) return std::max(1, std::atoi(s));
  return kernels::cpu::ThreadPool::hardware_cores();
}

kernels::cpu::ThreadPool& pool_of(int threads) {
  static std::unique_ptr<kernels::cpu::ThreadPool> pools[65];
  auto& p = pools[threads];
  if (!p) p = std::make_unique<kernels::cpu::ThreadPool>(threads, /*pin=*/true);
  return *p;
}

std::vector<float> random_floats(std::size_t n, unsigned seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> dist(-1.0f, 1.0f);
  std::vector<float> v(n);
  for (auto& x : v) x = dist(rng);
  return v;
}

// Seconds on the clock the benchmarks report: with one thread the CPU time of the calling
// thread (equal to wall time on an idle machine, and not stretched when other processes take
// turns on the core), with more threads wall time.
double clock_s(int threads) {
  if (threads == 1) {
    timespec ts{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return static_cast<double>(ts.tv_sec) + 1e-9 * static_cast<double>(ts.tv_nsec);
  }
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

// One thread: benchmark CPU time; more: real time (see clock_s).
benchmark::internal::Benchmark* timed(benchmark::internal::Benchmark* b, int threads) {
  return threads == 1 ? b : b->UseRealTime();
}

void set_flops(benchmark::State& state, double flops) {
  state.counters["flop_per_s"] =
      benchmark::Counter(flops, benchmark::Counter::kIsIterationInvariantRate);
}

// ---- f32 GEMM ------------------------------------------------------------------------------

void BM_gemm_f32_llmsizer(benchmark::State& state) {
  const std::int64_t s = state.range(0);
  const int threads = static_cast<int>(state.range(1));
  const auto x = random_floats(static_cast<std::size_t>(s * s), 1);
  const auto w = random_floats(static_cast<std::size_t>(s * s), 2);
  std::vector<float> y(static_cast<std::size_t>(s * s));
  auto& pool = pool_of(threads);
  kernels::cpu::Workspace ws;
  for (auto _ : state) {
    kernels::cpu::matmul_f32(kernels::cpu::best_isa(), x.data(), w.data(), y.data(), s, s, s, pool,
                             ws);
    benchmark::DoNotOptimize(y.data());
  }
  set_flops(state, core::matmul_cost(s, s, s, core::DType::kF32, core::DType::kF32).flops);
}

#if defined(LLMSIZER_BENCH_OPENBLAS)
void BM_gemm_f32_openblas(benchmark::State& state) {
  const int s = static_cast<int>(state.range(0));
  openblas_set_num_threads(static_cast<int>(state.range(1)));
  const auto x = random_floats(static_cast<std::size_t>(s) * s, 1);
  const auto w = random_floats(static_cast<std::size_t>(s) * s, 2);
  std::vector<float> y(static_cast<std::size_t>(s) * s);
  for (auto _ : state) {
    // Y = X * W^T, both row-major: the same operation as the llmsizer kernel.
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, s, s, s, 1.0f, x.data(), s, w.data(), s,
                0.0f, y.data(), s);
    benchmark::DoNotOptimize(y.data());
  }
  set_flops(state, 2.0 * s * s * static_cast<double>(s));
}
#endif

// ---- FMA peak: independent FMA chains, no memory traffic -----------------------------------

#if defined(__x86_64__)
__attribute__((target("avx2,fma"))) float fma_chains(std::int64_t iters) {
  // Distinct starting values, so the compiler cannot merge identical chains.
  __m256 a0 = _mm256_set1_ps(1.00f), a1 = _mm256_set1_ps(1.01f), a2 = _mm256_set1_ps(1.02f);
  __m256 a3 = _mm256_set1_ps(1.03f), a4 = _mm256_set1_ps(1.04f), a5 = _mm256_set1_ps(1.05f);
  __m256 a6 = _mm256_set1_ps(1.06f), a7 = _mm256_set1_ps(1.07f), a8 = _mm256_set1_ps(1.08f);
  __m256 a9 = _mm256_set1_ps(1.09f), a10 = _mm256_set1_ps(1.10f), a11 = _mm256_set1_ps(1.11f);
  const __m256 b = _mm256_set1_ps(0.9999f), c = _mm256_set1_ps(1e-6f);
  for (std::int64_t i = 0; i < iters; ++i) {
    a0 = _mm256_fmadd_ps(a0, b, c);
    a1 = _mm256_fmadd_ps(a1, b, c);
    a2 = _mm256_fmadd_ps(a2, b, c);
    a3 = _mm256_fmadd_ps(a3, b, c);
    a4 = _mm256_fmadd_ps(a4, b, c);
    a5 = _mm256_fmadd_ps(a5, b, c);
    a6 = _mm256_fmadd_ps(a6, b, c);
    a7 = _mm256_fmadd_ps(a7, b, c);
    a8 = _mm256_fmadd_ps(a8, b, c);
    a9 = _mm256_fmadd_ps(a9, b, c);
    a10 = _mm256_fmadd_ps(a10, b, c);
    a11 = _mm256_fmadd_ps(a11, b, c);
  }
  const __m256 s =
      _mm256_add_ps(_mm256_add_ps(_mm256_add_ps(_mm256_add_ps(a0, a1), _mm256_add_ps(a2, a3)),
                                  _mm256_add_ps(_mm256_add_ps(a4, a5), _mm256_add_ps(a6, a7))),
                    _mm256_add_ps(_mm256_add_ps(a8, a9), _mm256_add_ps(a10, a11)));
  alignas(32) float out[8];
  _mm256_store_ps(out, s);
  return out[0];
}

void BM_fma_peak_avx2(benchmark::State& state) {
  const int threads = static_cast<int>(state.range(0));
  constexpr std::int64_t kIters = 1 << 22;
  auto& pool = pool_of(threads);
  float sink[64] = {};
  for (auto _ : state) {
    pool.run([&](int t) { sink[t] = fma_chains(kIters); });
    benchmark::DoNotOptimize(sink);
  }
  set_flops(state, static_cast<double>(threads) * kIters * 12 * 8 * 2);
}
#endif

// ---- memory bandwidth: STREAM triad a = b + s * c ------------------------------------------

// a = b + 3 c, each thread over its contiguous share.
void triad_pass(kernels::cpu::ThreadPool& pool, int threads, std::vector<double>& a,
                const std::vector<double>& b, const std::vector<double>& c) {
  const auto n = static_cast<std::int64_t>(a.size());
  pool.run([&](int t) {
    const std::int64_t per = n / threads;
    const std::int64_t lo = t * per, hi = t == threads - 1 ? n : lo + per;
    double* __restrict pa = a.data();
    const double* __restrict pb = b.data();
    const double* __restrict pc = c.data();
    for (std::int64_t i = lo; i < hi; ++i) pa[i] = pb[i] + 3.0 * pc[i];
  });
}

void BM_triad(benchmark::State& state) {
  const std::int64_t n = state.range(0);
  const int threads = static_cast<int>(state.range(1));
  auto& pool = pool_of(threads);
  std::vector<double> a(static_cast<std::size_t>(n)), b(a.size()), c(a.size());
  // First touch by the threads that use the data (NUMA placement, as STREAM does).
  pool.parallel_for(0, n, 4096, [&](std::int64_t lo, std::int64_t hi) {
    for (std::int64_t i = lo; i < hi; ++i) {
      a[static_cast<std::size_t>(i)] = 1.0;
      b[static_cast<std::size_t>(i)] = 2.0;
      c[static_cast<std::size_t>(i)] = 0.5;
    }
  });
  for (auto _ : state) {
    triad_pass(pool, threads, a, b, c);
    benchmark::DoNotOptimize(a.data());
    benchmark::ClobberMemory();
  }
  state.counters["bytes_per_s"] = benchmark::Counter(3.0 * 8.0 * static_cast<double>(n),
                                                     benchmark::Counter::kIsIterationInvariantRate);
}

// ---- reference rates for the ratio counters, measured once per thread count in this run ----

// Best of five STREAM triads over 3 x 64 MiB of doubles (6x the development machine's LLC),
// in bytes/s counting 24 B per element.
double triad_bytes_per_s(int threads) {
  static double cached[65] = {};
  if (cached[threads] > 0) return cached[threads];
  auto& pool = pool_of(threads);
  const std::int64_t n = 8 << 20;
  std::vector<double> a(static_cast<std::size_t>(n)), b(a.size(), 2.0), c(a.size(), 0.5);
  double best = 0;
  for (int rep = 0; rep < 5; ++rep) {
    const double t0 = clock_s(threads);
    triad_pass(pool, threads, a, b, c);
    benchmark::DoNotOptimize(a.data());
    best = std::max(best, 24.0 * static_cast<double>(n) / (clock_s(threads) - t0));
  }
  return cached[threads] = best;
}

// Best of five runs of the FMA-chain kernel: FP32 FLOP/s with every thread busy.
double fp32_peak_flop_per_s(int threads) {
  static double cached[65] = {};
  if (cached[threads] > 0) return cached[threads];
#if defined(__x86_64__)
  constexpr std::int64_t kIters = 1 << 22;
  auto& pool = pool_of(threads);
  float sink[64] = {};
  double best = 0;
  for (int rep = 0; rep < 5; ++rep) {
    const double t0 = clock_s(threads);
    pool.run([&](int t) { sink[t] = fma_chains(kIters); });
    benchmark::DoNotOptimize(sink);
    best = std::max(best,
                    static_cast<double>(threads) * kIters * 12 * 8 * 2 / (clock_s(threads) - t0));
  }
  return cached[threads] = best;
#else
  (void)threads;
  return 0;
#endif
}

// ---- quantized matvec (decode): weights well past the last-level cache --------------------

// Rows n x depth k x threads x MiB; the weights are repeated in enough copies (at least that
// many MiB in all; 128 = 4x the development machine's LLC) that each call reads its copy from
// memory, as a decoder's successive layers do. Counters: weight bytes/s (bytes as stored) and
// that rate as a percentage of the triad measured in this run with the same thread count.
// With 0 MiB the one copy stays in cache: the kernel's compute ceiling (no triad ratio).
void BM_matvec(benchmark::State& state, core::DType dtype, Isa isa,
               kernels::cpu::WeightLayout layout) {
  const std::int64_t n = state.range(0), k = state.range(1);
  const int threads = static_cast<int>(state.range(2));
  if (!kernels::cpu::isa_supported(isa)) {
    state.SkipWithError("instruction set not supported on this host");
    return;
  }
  auto& pool = pool_of(threads);
  // Random weights quantized one tile of rows at a time and repeated: the values do not
  // matter, the bytes do; generating a full random matrix would dominate the run time.
  const std::int64_t tile_rows = 64;
  const auto w_tile = random_floats(static_cast<std::size_t>(tile_rows * k), 3);
  const auto tile = kernels::reference::quantize(dtype, w_tile, tile_rows, k);
  const std::size_t matrix_bytes = tile.size() * static_cast<std::size_t>(n / tile_rows);
  const auto min_bytes = static_cast<std::size_t>(state.range(3)) << 20;
  const std::size_t copies =
      std::max<std::size_t>(1, (min_bytes + matrix_bytes - 1) / matrix_bytes);
  // In a Workspace buffer: 2 MiB-aligned transparent huge pages, as the reference decoder and
  // the profiler's sweeps hold weights (through 4 KiB pages a one-thread matvec loses a TLB
  // miss and the prefetcher's stream at every page).
  kernels::cpu::Workspace weight_memory;
  const std::span<std::byte> stored = weight_memory.get(matrix_bytes * copies);
  for (std::size_t off = 0; off < stored.size(); off += tile.size())
    std::copy(tile.begin(), tile.end(), stored.begin() + static_cast<std::ptrdiff_t>(off));
  if (layout != kernels::cpu::WeightLayout::kBlocks)
    kernels::cpu::pack_rows4x16(dtype, k, n * static_cast<std::int64_t>(copies), stored);
  std::vector<kernels::cpu::MatmulWeights> weights;
  for (std::size_t c = 0; c < copies; ++c)
    weights.emplace_back(dtype, n, k, stored.subspan(c * matrix_bytes, matrix_bytes), layout);
  const auto x = random_floats(static_cast<std::size_t>(k), 4);
  std::vector<float> y(static_cast<std::size_t>(n));
  kernels::cpu::Workspace ws;
  const double triad = state.range(3) > 0 ? triad_bytes_per_s(threads) : 0.0;
  std::size_t next = 0;
  const double t0 = clock_s(threads);
  for (auto _ : state) {
    kernels::cpu::matmul(isa, {x, &weights[next], y, 1}, pool, ws);
    next = next + 1 == copies ? 0 : next + 1;
    benchmark::DoNotOptimize(y.data());
  }
  const double elapsed = clock_s(threads) - t0;
  const auto bytes = static_cast<double>(weights[0].bytes());
  state.counters["weight_bytes_per_s"] =
      benchmark::Counter(bytes, benchmark::Counter::kIsIterationInvariantRate);
  if (min_bytes > 0) {
    // The loop's own time on the reported clock, so the ratio prints as a plain %.
    state.counters["pct_of_triad"] =
        100.0 * bytes * static_cast<double>(state.iterations()) / elapsed / triad;
    state.counters["triad_bytes_per_s"] = triad;
  }
  set_flops(state, core::matmul_cost(1, k, n, dtype, core::DType::kF32).flops);
}

// ---- prefill-sized matmul (m tokens) in each weight dtype ---------------------------------

// Counters: useful FLOP/s (2 m k n) and that rate as a percentage of the FP32 FMA peak
// measured in this run with the same thread count.
void BM_matmul(benchmark::State& state, core::DType dtype, Isa isa,
               kernels::cpu::WeightLayout layout) {
  const std::int64_t m = state.range(0), k = state.range(1), n = state.range(2);
  const int threads = static_cast<int>(state.range(3));
  if (!kernels::cpu::isa_supported(isa)) {
    state.SkipWithError("instruction set not supported on this host");
    return;
  }
  auto& pool = pool_of(threads);
  const auto w = random_floats(static_cast<std::size_t>(n * k), 3);
  auto stored = kernels::reference::quantize(dtype, w, n, k);
  if (layout != kernels::cpu::WeightLayout::kBlocks)
    kernels::cpu::pack_rows4x16(dtype, k, n, stored);
  const kernels::cpu::MatmulWeights weights(dtype, n, k, stored, layout);
  const auto x = random_floats(static_cast<std::size_t>(m * k), 4);
  std::vector<float> y(static_cast<std::size_t>(m * n));
  kernels::cpu::Workspace ws;
  const double peak = fp32_peak_flop_per_s(threads);
  const double t0 = clock_s(threads);
  for (auto _ : state) {
    kernels::cpu::matmul(isa, {x, &weights, y, m}, pool, ws);
    benchmark::DoNotOptimize(y.data());
  }
  const double elapsed = clock_s(threads) - t0;
  const double flops = core::matmul_cost(m, k, n, dtype, core::DType::kF32).flops;
  set_flops(state, flops);
  if (peak > 0) {
    state.counters["pct_of_fp32_peak"] =
        100.0 * flops * static_cast<double>(state.iterations()) / elapsed / peak;
    state.counters["fp32_peak_flop_per_s"] = peak;
  }
}

// ---- decode attention over a KV cache ------------------------------------------------------

// One query token over `ctx` cached positions of an f16 KV cache (heads, kv_heads, head_dim),
// the caches rotated over >= 128 MiB so that they come from memory, as a decode step's layers
// do. Counter: KV bytes read per second (with wide GQA groups the op is compute-bound).
void BM_attention_decode(benchmark::State& state) {
  const std::int64_t heads = state.range(0), kv_heads = state.range(1), d = state.range(2),
                     ctx = state.range(3);
  const int threads = static_cast<int>(state.range(4));
  auto& pool = pool_of(threads);
  const auto row = static_cast<std::size_t>(ctx * kv_heads * d) * 2;  // one K (or V), f16
  const std::size_t copies = std::max<std::size_t>(1, (std::size_t{128} << 20) / (2 * row));
  kernels::cpu::Workspace kv_memory, ws;
  const std::span<std::byte> kv = kv_memory.get(2 * row * copies);
  const auto vals = random_floats(static_cast<std::size_t>(ctx * kv_heads * d), 5);
  std::vector<std::uint16_t> halves(vals.size());
  for (std::size_t i = 0; i < vals.size(); ++i) halves[i] = kernels::f32_to_f16(vals[i]);
  for (std::size_t c = 0; c < 2 * copies; ++c) std::memcpy(kv.data() + c * row, halves.data(), row);
  const auto q = random_floats(static_cast<std::size_t>(heads * d), 6);
  std::vector<float> out(static_cast<std::size_t>(heads * d));
  kernels::cpu::AttentionArgs a;
  a.q = q;
  a.out = out;
  a.kv_dtype = core::DType::kF16;
  a.past = ctx - 1;
  a.heads = heads;
  a.kv_heads = kv_heads;
  a.head_dim = d;
  a.scale = 1.0f / std::sqrt(static_cast<float>(d));
  std::size_t next = 0;
  for (auto _ : state) {
    a.k = kv.subspan(2 * next * row, row);
    a.v = kv.subspan((2 * next + 1) * row, row);
    kernels::cpu::attention_decode(kernels::cpu::best_isa(), a, pool, ws);
    next = next + 1 == copies ? 0 : next + 1;
    benchmark::DoNotOptimize(out.data());
  }
  state.counters["kv_bytes_per_s"] = benchmark::Counter(
      static_cast<double>(2 * row), benchmark::Counter::kIsIterationInvariantRate);
}

void register_all() {
  const int t = bench_threads();
  std::vector<int> thread_counts = {1};
  if (t > 1) thread_counts.push_back(t);
  for (int th : thread_counts) {
#if defined(__x86_64__)
    benchmark::RegisterBenchmark("fma_peak_avx2", BM_fma_peak_avx2)->Arg(th)->UseRealTime();
#endif
    benchmark::RegisterBenchmark("gemm_f32_llmsizer", BM_gemm_f32_llmsizer)
        ->Args({2048, th})
        ->Unit(benchmark::kMillisecond)
        ->UseRealTime();
#if defined(LLMSIZER_BENCH_OPENBLAS)
    benchmark::RegisterBenchmark("gemm_f32_openblas", BM_gemm_f32_openblas)
        ->Args({2048, th})
        ->Unit(benchmark::kMillisecond)
        ->UseRealTime();
#endif
    // 3 x 256 MiB of doubles: far past any last-level cache.
    benchmark::RegisterBenchmark("triad", BM_triad)
        ->Args({32 << 20, th})
        ->Unit(benchmark::kMillisecond)
        ->UseRealTime();
    // Instruction sets: the best one here and, where that is not AVX2, AVX2 beside it.
    std::vector<Isa> isas = {kernels::cpu::best_isa()};
    if (isas[0] != Isa::kAvx2 && kernels::cpu::isa_supported(Isa::kAvx2))
      isas.push_back(Isa::kAvx2);
    const std::pair<const char*, core::DType> quant[] = {
        {"q4_0", core::DType::kQ4_0}, {"q8_0", core::DType::kQ8_0}, {"q4_k", core::DType::kQ4_K}};
    // Variants: every instruction set in llama.cpp's block layout and, for the VNNI kernels,
    // q8_0/q4_0 also in the rows4x16 layout (named ..._avx512vnni_rows4x16).
    using kernels::cpu::WeightLayout;
    struct Variant {
      Isa isa;
      WeightLayout layout;
      core::DType dtype;
      std::string name;  // "<dtype>_<isa>[_rows4x16]"
    };
    std::vector<Variant> variants;
    for (auto isa : isas)
      for (auto [dname, dtype] : quant)
        for (auto layout : {WeightLayout::kRows4x16, WeightLayout::kBlocks}) {
          const bool grouped = layout == WeightLayout::kRows4x16;
          if (grouped &&
              (isa != Isa::kAvx512Vnni || !kernels::cpu::layout_supported(dtype, layout)))
            continue;
          variants.push_back({isa, layout, dtype,
                              std::string(dname) + "_" + std::string(kernels::cpu::isa_name(isa)) +
                                  (grouped ? "_rows4x16" : "")});
        }
    // Matvec: 16384 x 8192 (q4_0 72 MiB, q8_0 136 MiB) and the Llama-2-7B shapes (11008 x 4096
    // FFN up/gate, 4096 x 11008 down, 4096 x 4096 attention projections), rows x depth.
    for (const auto& v : variants)
      for (auto [n, k] : {std::pair<std::int64_t, std::int64_t>{16384, 8192},
                          {11008, 4096},
                          {4096, 11008},
                          {4096, 4096}}) {
        const std::string name = "matvec_" + v.name;
        timed(benchmark::RegisterBenchmark(name.c_str(), BM_matvec, v.dtype, v.isa, v.layout)
                  ->Args({n, k, th, 128})
                  ->Unit(benchmark::kMillisecond),
              th);
      }
    // In cache (256 x 4096: 576 KiB of q4_0, 1.1 MiB of q8_0), one thread, CPU time: what
    // the kernel can consume when memory is not the limit.
    if (th == 1)
      for (const auto& v : variants) {
        const std::string name = "matvec_incache_" + v.name;
        benchmark::RegisterBenchmark(name.c_str(), BM_matvec, v.dtype, v.isa, v.layout)
            ->Args({256, 4096, 1, 0})
            ->Unit(benchmark::kMicrosecond);
      }
    timed(benchmark::RegisterBenchmark("matvec_f32", BM_matvec, core::DType::kF32,
                                       kernels::cpu::best_isa(), WeightLayout::kBlocks)
              ->Args({4096, 8192, th, 128})
              ->Unit(benchmark::kMillisecond),
          th);
    // Prefill: m tokens x depth k x rows n; TinyLlama (2048, 5632) and Llama-2-7B (4096, 11008)
    // projections, m = 128 and 512.
    const std::int64_t prefill[][3] = {{128, 2048, 2048},  {128, 2048, 5632},  {128, 4096, 4096},
                                       {128, 4096, 11008}, {128, 11008, 4096}, {512, 4096, 4096}};
    for (const auto& v : variants)
      for (const auto& s : prefill) {
        const std::string name = "matmul_" + v.name;
        timed(benchmark::RegisterBenchmark(name.c_str(), BM_matmul, v.dtype, v.isa, v.layout)
                  ->Args({s[0], s[1], s[2], th})
                  ->Unit(benchmark::kMillisecond),
              th);
      }
    // Decode attention, f16 cache: Llama-2-7B (32 x 128, MHA) and TinyLlama (32 / 4 x 64).
    for (std::int64_t ctx : {128, 1024})
      for (const auto& s : {std::array<std::int64_t, 3>{32, 32, 128}, {32, 4, 64}})
        timed(benchmark::RegisterBenchmark("attention_decode_f16", BM_attention_decode)
                  ->Args({s[0], s[1], s[2], ctx, th})
                  ->Unit(benchmark::kMicrosecond),
              th);
    timed(benchmark::RegisterBenchmark("matmul_f32", BM_matmul, core::DType::kF32,
                                       kernels::cpu::best_isa(), WeightLayout::kBlocks)
              ->Args({128, 4096, 4096, th})
              ->Unit(benchmark::kMillisecond),
          th);
  }
}

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  register_all();
  benchmark::AddCustomContext("llmsizer_threads", std::to_string(bench_threads()));
  benchmark::AddCustomContext("llmsizer_isa",
                              std::string(kernels::cpu::isa_name(kernels::cpu::best_isa())));
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
