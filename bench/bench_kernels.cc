// bench_kernels.cc — speed of the CPU kernels on this host: f32 GEMM at 2048^3 (and, in the
// bench_kernels_openblas build, OpenBLAS sgemm side by side), the FMA peak, q4_0/q8_0/q4_k
// matvec with weights larger than the last-level cache (bytes/s counting the quantized
// weight bytes) and a STREAM-style triad measured in the same program.
// Thread count: all cores (hwloc) unless LLMSIZER_BENCH_THREADS is set.
#include <benchmark/benchmark.h>

#include <cstdlib>
#include <memory>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "core/op_cost.h"
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
  const double scalar = 3.0;
  for (auto _ : state) {
    pool.run([&](int t) {
      const std::int64_t per = n / threads;
      const std::int64_t lo = t * per, hi = t == threads - 1 ? n : lo + per;
      double* __restrict pa = a.data();
      const double* __restrict pb = b.data();
      const double* __restrict pc = c.data();
      for (std::int64_t i = lo; i < hi; ++i) pa[i] = pb[i] + scalar * pc[i];
    });
    benchmark::DoNotOptimize(a.data());
    benchmark::ClobberMemory();
  }
  state.counters["bytes_per_s"] = benchmark::Counter(3.0 * 8.0 * static_cast<double>(n),
                                                     benchmark::Counter::kIsIterationInvariantRate);
}

// ---- quantized matvec (decode): weights well past the last-level cache --------------------

void BM_matvec(benchmark::State& state, core::DType dtype) {
  const std::int64_t n = state.range(0), k = state.range(1);
  const int threads = static_cast<int>(state.range(2));
  auto& pool = pool_of(threads);
  // Random weights quantized one row at a time and tiled: the values do not matter, the bytes
  // do; generating a full random matrix would dominate the run time.
  const std::int64_t tile_rows = 64;
  const auto w_tile = random_floats(static_cast<std::size_t>(tile_rows * k), 3);
  const auto tile = kernels::reference::quantize(dtype, w_tile, tile_rows, k);
  std::vector<std::byte> stored(tile.size() * static_cast<std::size_t>(n / tile_rows));
  for (std::size_t off = 0; off < stored.size(); off += tile.size())
    std::copy(tile.begin(), tile.end(), stored.begin() + static_cast<std::ptrdiff_t>(off));
  const kernels::cpu::MatmulWeights weights(dtype, n, k, stored);
  const auto x = random_floats(static_cast<std::size_t>(k), 4);
  std::vector<float> y(static_cast<std::size_t>(n));
  kernels::cpu::Workspace ws;
  for (auto _ : state) {
    kernels::cpu::matmul(kernels::cpu::best_isa(), {x, &weights, y, 1}, pool, ws);
    benchmark::DoNotOptimize(y.data());
  }
  state.counters["weight_bytes_per_s"] = benchmark::Counter(
      static_cast<double>(weights.bytes()), benchmark::Counter::kIsIterationInvariantRate);
  set_flops(state, core::matmul_cost(1, k, n, dtype, core::DType::kF32).flops);
}

// ---- prefill-sized matmul (m = 128 tokens) in each weight dtype ---------------------------

void BM_matmul(benchmark::State& state, core::DType dtype) {
  const std::int64_t m = state.range(0), k = state.range(1), n = state.range(2);
  const int threads = static_cast<int>(state.range(3));
  auto& pool = pool_of(threads);
  const auto w = random_floats(static_cast<std::size_t>(n * k), 3);
  const auto stored = kernels::reference::quantize(dtype, w, n, k);
  const kernels::cpu::MatmulWeights weights(dtype, n, k, stored);
  const auto x = random_floats(static_cast<std::size_t>(m * k), 4);
  std::vector<float> y(static_cast<std::size_t>(m * n));
  kernels::cpu::Workspace ws;
  for (auto _ : state) {
    kernels::cpu::matmul(kernels::cpu::best_isa(), {x, &weights, y, m}, pool, ws);
    benchmark::DoNotOptimize(y.data());
  }
  set_flops(state, core::matmul_cost(m, k, n, dtype, core::DType::kF32).flops);
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
    // 8192 x 8192: q4_0 36 MiB, q8_0 68 MiB, q4_k 36 MiB; 16384 rows doubles them.
    for (std::int64_t n : {16384}) {
      benchmark::RegisterBenchmark("matvec_q4_0", BM_matvec, core::DType::kQ4_0)
          ->Args({n, 8192, th})
          ->Unit(benchmark::kMillisecond)
          ->UseRealTime();
      benchmark::RegisterBenchmark("matvec_q8_0", BM_matvec, core::DType::kQ8_0)
          ->Args({n, 8192, th})
          ->Unit(benchmark::kMillisecond)
          ->UseRealTime();
      benchmark::RegisterBenchmark("matvec_q4_k", BM_matvec, core::DType::kQ4_K)
          ->Args({n, 8192, th})
          ->Unit(benchmark::kMillisecond)
          ->UseRealTime();
      benchmark::RegisterBenchmark("matvec_f32", BM_matvec, core::DType::kF32)
          ->Args({n / 4, 8192, th})
          ->Unit(benchmark::kMillisecond)
          ->UseRealTime();
    }
    for (auto [name, dtype] :
         {std::pair{"matmul_f32", core::DType::kF32}, std::pair{"matmul_q8_0", core::DType::kQ8_0},
          std::pair{"matmul_q4_0", core::DType::kQ4_0},
          std::pair{"matmul_q4_k", core::DType::kQ4_K}})
      benchmark::RegisterBenchmark(name, BM_matmul, dtype)
          ->Args({128, 4096, 4096, th})
          ->Unit(benchmark::kMillisecond)
          ->UseRealTime();
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
