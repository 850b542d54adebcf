// probes.cc — the bandwidth, FMA-peak and int8 probes (see probes.h). One harness runs
// every probe: T threads pinned (kernels::cpu::CpuPinning), synchronised by a barrier whose
// completion step times each repetition and decides when the CV is good enough. Kernels use AVX2 /
// AVX-512 intrinsics chosen at run time (target attributes), with scalar fallbacks.
#include "profiler/probes.h"

#include <algorithm>
#include <barrier>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <thread>

#include <fmt/format.h>

#include "core/statistics.h"
#include "kernels/cpu/isa.h"
#include "kernels/cpu/thread_pool.h"

#if defined(__x86_64__)
#include <immintrin.h>
#define LLMSIZER_X86 1
#endif

namespace llmsizer::profiler {

using schema::BandwidthKind;
using Clock = std::chrono::steady_clock;

namespace {

// ---- statistics: coefficient_of_variation() is public (probes.h)

// The repetitions a result is made of: the last max(min_reps, 5). Warm-up and transient
// interference early in a point drop out; rate and CV always describe the same window.
std::vector<double> window(const std::vector<double>& rates, const ProbeSettings& s) {
  const std::size_t w = static_cast<std::size_t>(std::max(s.min_reps, 5));
  if (rates.size() <= w) return rates;
  return {rates.end() - static_cast<std::ptrdiff_t>(w), rates.end()};
}

bool cancelled(const ProbeSettings& s) {
  return s.cancel && s.cancel->load(std::memory_order_relaxed);
}

// ---- the harness -----------------------------------------------------------------------

// Runs body(inner) on `threads` pinned threads until the settings' stop rule holds.
// make_body(i) is called on thread i (so its buffers are first-touched there) and returns
// the work; `work_per_inner` is the units (bytes, FLOPs) all threads do per inner step.
using Body = std::function<void(std::uint64_t inner)>;

struct Phase {
  const ProbeSettings* s = nullptr;
  double work_per_inner = 0;
  double min_rep_s = 0;
  Clock::time_point point_start;
  Clock::time_point t0;
  bool start_phase = true;
  bool calibrating = true;
  std::atomic<std::uint64_t> inner{1};
  std::atomic<bool> stop{false};
  std::vector<double> rates;

  void on_phase() noexcept {
    const auto now = Clock::now();
    if (start_phase) {
      t0 = now;
      start_phase = false;
      return;
    }
    start_phase = true;
    const double dt = std::chrono::duration<double>(now - t0).count();
    const std::uint64_t n = inner.load();
    if (calibrating) {
      if (dt >= 0.5 * min_rep_s || n >= (1ull << 40)) {
        calibrating = false;
        if (dt < min_rep_s)
          inner.store(std::max<std::uint64_t>(
              n, static_cast<std::uint64_t>(
                     std::ceil(static_cast<double>(n) * min_rep_s / std::max(dt, 1e-9)))));
      } else {
        const double grow = dt > 0 ? std::min(1024.0, 1.5 * min_rep_s / dt) : 1024.0;
        inner.store(std::max<std::uint64_t>(
            n + 1, static_cast<std::uint64_t>(static_cast<double>(n) * grow)));
      }
      if (cancelled(*s)) stop.store(true);
      return;
    }
    rates.push_back(work_per_inner * static_cast<double>(n) / std::max(dt, 1e-12));
    const int reps = static_cast<int>(rates.size());
    const double cv = coefficient_of_variation(window(rates, *s));
    const double used = std::chrono::duration<double>(now - point_start).count();
    if ((reps >= s->min_reps && cv < s->cv_target) || reps >= s->max_reps ||
        (reps >= s->min_reps && used > s->point_budget_s) || cancelled(*s))
      stop.store(true);
  }
};

struct PhaseFn {
  Phase* p;
  void operator()() noexcept { p->on_phase(); }
};

Measurement measure_team(int threads, const std::function<Body(int)>& make_body,
                         double work_per_inner, const ProbeSettings& s, double min_rep_s) {
  threads = std::max(1, threads);
  Phase phase;
  phase.s = &s;
  phase.work_per_inner = work_per_inner;
  phase.min_rep_s = min_rep_s;
  phase.point_start = Clock::now();
  std::barrier<PhaseFn> bar(threads, PhaseFn{&phase});
  auto worker = [&](int i) {
    kernels::cpu::CpuPinning::host().bind_current_thread(i);  // best effort
    Body body = make_body(i);
    while (true) {
      bar.arrive_and_wait();
      body(phase.inner.load());
      bar.arrive_and_wait();
      if (phase.stop.load()) break;
    }
  };
  std::vector<std::thread> team;
  for (int i = 0; i < threads; ++i) team.emplace_back(worker, i);
  for (auto& t : team) t.join();
  return summarize(phase.rates, s);
}

// ---- buffers ---------------------------------------------------------------------------

struct FreeDeleter {
  void operator()(double* p) const { std::free(p); }
};
using Buffer = std::unique_ptr<double[], FreeDeleter>;

Buffer make_buffer(std::size_t n, double value) {
  const std::size_t bytes = (n * sizeof(double) + 63) / 64 * 64;
  auto* p = static_cast<double*>(std::aligned_alloc(64, bytes));
  if (!p) throw std::bad_alloc();
  for (std::size_t i = 0; i < n; ++i) p[i] = value;  // first touch on this thread
  return Buffer(p);
}

// Keeps results alive so that the compiler cannot drop the kernels.
std::atomic<double> g_sink{0};

// ---- bandwidth kernels (n is a multiple of 32) --------------------------------------------

#if LLMSIZER_X86
// 8 accumulators: add latency (3-4 cycles) x 2 load ports, so loads and not adds limit.
__attribute__((target("avx2,fma"))) double read_avx2(const double* a, std::size_t n) {
  __m256d acc[8];
  for (auto& x : acc) x = _mm256_setzero_pd();
  for (std::size_t i = 0; i < n; i += 32)
    for (int k = 0; k < 8; ++k) acc[k] = _mm256_add_pd(acc[k], _mm256_load_pd(a + i + 4 * k));
  for (int k = 1; k < 8; ++k) acc[0] = _mm256_add_pd(acc[0], acc[k]);
  alignas(32) double out[4];
  _mm256_store_pd(out, acc[0]);
  return out[0] + out[1] + out[2] + out[3];
}
__attribute__((target("avx2,fma"))) void write_avx2(double* a, std::size_t n, double v) {
  const __m256d x = _mm256_set1_pd(v);
  for (std::size_t i = 0; i < n; i += 16) {
    _mm256_store_pd(a + i, x);
    _mm256_store_pd(a + i + 4, x);
    _mm256_store_pd(a + i + 8, x);
    _mm256_store_pd(a + i + 12, x);
  }
}
__attribute__((target("avx2,fma"))) void copy_avx2(double* a, const double* b, std::size_t n) {
  for (std::size_t i = 0; i < n; i += 16) {
    _mm256_store_pd(a + i, _mm256_load_pd(b + i));
    _mm256_store_pd(a + i + 4, _mm256_load_pd(b + i + 4));
    _mm256_store_pd(a + i + 8, _mm256_load_pd(b + i + 8));
    _mm256_store_pd(a + i + 12, _mm256_load_pd(b + i + 12));
  }
}
__attribute__((target("avx2,fma"))) void triad_avx2(double* a, const double* b, const double* c,
                                                    std::size_t n, double s) {
  const __m256d x = _mm256_set1_pd(s);
  for (std::size_t i = 0; i < n; i += 8) {
    _mm256_store_pd(a + i, _mm256_fmadd_pd(x, _mm256_load_pd(c + i), _mm256_load_pd(b + i)));
    _mm256_store_pd(a + i + 4,
                    _mm256_fmadd_pd(x, _mm256_load_pd(c + i + 4), _mm256_load_pd(b + i + 4)));
  }
}
// 128-bit variants: on some cores (Zen 4) they stream from DRAM faster than 256-bit ones.
double read_sse2(const double* a, std::size_t n) {
  __m128d acc[8];
  for (auto& x : acc) x = _mm_setzero_pd();
  for (std::size_t i = 0; i < n; i += 16)
    for (int k = 0; k < 8; ++k) acc[k] = _mm_add_pd(acc[k], _mm_load_pd(a + i + 2 * k));
  for (int k = 1; k < 8; ++k) acc[0] = _mm_add_pd(acc[0], acc[k]);
  alignas(16) double out[2];
  _mm_store_pd(out, acc[0]);
  return out[0] + out[1];
}
void write_sse2(double* a, std::size_t n, double v) {
  const __m128d x = _mm_set1_pd(v);
  for (std::size_t i = 0; i < n; i += 4) {
    _mm_store_pd(a + i, x);
    _mm_store_pd(a + i + 2, x);
  }
}
void copy_sse2(double* a, const double* b, std::size_t n) {
  for (std::size_t i = 0; i < n; i += 4) {
    _mm_store_pd(a + i, _mm_load_pd(b + i));
    _mm_store_pd(a + i + 2, _mm_load_pd(b + i + 2));
  }
}
void triad_sse2(double* a, const double* b, const double* c, std::size_t n, double s) {
  const __m128d x = _mm_set1_pd(s);
  for (std::size_t i = 0; i < n; i += 4) {
    _mm_store_pd(a + i, _mm_add_pd(_mm_load_pd(b + i), _mm_mul_pd(x, _mm_load_pd(c + i))));
    _mm_store_pd(a + i + 2,
                 _mm_add_pd(_mm_load_pd(b + i + 2), _mm_mul_pd(x, _mm_load_pd(c + i + 2))));
  }
}
// The host's features from the kernels' one detector (kernels/cpu/isa.h): the AVX2 FMA probe
// runs where the AVX2 kernels do, the AVX-512 FMA probe needs only AVX-512 F, and the VNNI
// dot probe runs where the VNNI kernels do, so the peaks describe the paths the kernels take.
bool have_avx2() {
  return kernels::cpu::isa_supported(kernels::cpu::Isa::kAvx2);
}
bool have_avx512() {
  return kernels::cpu::cpu_has(kernels::cpu::CpuFeature::kAvx512f);
}
bool have_vnni() {
  return kernels::cpu::isa_supported(kernels::cpu::Isa::kAvx512Vnni);
}
#else
bool have_avx2() {
  return false;
}
bool have_avx512() {
  return false;
}
bool have_vnni() {
  return false;
}
#endif

double read_scalar(const double* a, std::size_t n) {
  double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
  for (std::size_t i = 0; i < n; i += 4) {
    s0 += a[i];
    s1 += a[i + 1];
    s2 += a[i + 2];
    s3 += a[i + 3];
  }
  return s0 + s1 + s2 + s3;
}

// The yardstick: STREAM's triad as people write it, vectorised by the compiler alone.
void triad_plain(double* __restrict a, const double* __restrict b, const double* __restrict c,
                 std::size_t n, double s) {
  for (std::size_t j = 0; j < n; ++j) a[j] = b[j] + s * c[j];
}

int arrays_of(BandwidthKind k) {
  switch (k) {
    case BandwidthKind::kRead:
    case BandwidthKind::kWrite:
      return 1;
    case BandwidthKind::kCopy:
      return 2;
    case BandwidthKind::kTriad:
      return 3;
  }
  return 1;
}

// Elements per thread for a total working set, rounded to a multiple of 32 (at least 32).
std::size_t elements_per_thread(std::uint64_t ws, int arrays, int threads) {
  const std::uint64_t per = ws / static_cast<std::uint64_t>(arrays * threads) / sizeof(double);
  return static_cast<std::size_t>(std::max<std::uint64_t>(32, per / 32 * 32));
}

// Kernel width: 0 = the plain C loops (the STREAM-style yardstick), 128 = SSE2, 256 = AVX2.
Body make_bandwidth_body(BandwidthKind kind, std::size_t n, int width) {
  auto a = std::make_shared<Buffer>(make_buffer(n, 1.0));
  std::shared_ptr<Buffer> b, c;
  if (arrays_of(kind) >= 2) b = std::make_shared<Buffer>(make_buffer(n, 2.0));
  if (arrays_of(kind) >= 3) c = std::make_shared<Buffer>(make_buffer(n, 0.5));
#if !LLMSIZER_X86
  width = 0;
#endif
  return [=](std::uint64_t inner) {
    double acc = 0;
    double* pa = a->get();
    const double* pb = b ? b->get() : nullptr;
    const double* pc = c ? c->get() : nullptr;
    for (std::uint64_t r = 0; r < inner; ++r) {
      switch (kind) {
        case BandwidthKind::kRead:
#if LLMSIZER_X86
          if (width == 256) acc += read_avx2(pa, n);
          if (width == 128) acc += read_sse2(pa, n);
#endif
          if (width == 0) acc += read_scalar(pa, n);
          break;
        case BandwidthKind::kWrite:
#if LLMSIZER_X86
          if (width == 256) write_avx2(pa, n, static_cast<double>(r));
          if (width == 128) write_sse2(pa, n, static_cast<double>(r));
#endif
          if (width == 0)
            for (std::size_t i = 0; i < n; ++i) pa[i] = static_cast<double>(r);
          break;
        case BandwidthKind::kCopy:
#if LLMSIZER_X86
          if (width == 256) copy_avx2(pa, pb, n);
          if (width == 128) copy_sse2(pa, pb, n);
#endif
          if (width == 0) std::memcpy(pa, pb, n * sizeof(double));
          break;
        case BandwidthKind::kTriad:
#if LLMSIZER_X86
          if (width == 256) triad_avx2(pa, pb, pc, n, 0.5);
          if (width == 128) triad_sse2(pa, pb, pc, n, 0.5);
#endif
          if (width == 0) triad_plain(pa, pb, pc, n, 0.5);
          break;
      }
      acc += pa[r % n];
    }
    g_sink.store(acc, std::memory_order_relaxed);
  };
}

// The faster of the vector widths this CPU has (each point is measured with each).
Measurement measure_bandwidth_point(BandwidthKind kind, std::size_t n, int threads,
                                    const ProbeSettings& s) {
  const double bytes = static_cast<double>(n) * sizeof(double) * arrays_of(kind) * threads;
  std::vector<int> widths = {0};
#if LLMSIZER_X86
  widths = {128};
  if (have_avx2()) widths.push_back(256);
#endif
  Measurement best;
  for (int w : widths) {
    if (cancelled(s)) break;
    const auto m = measure_team(
        threads, [&](int) { return make_bandwidth_body(kind, n, w); }, bytes, s, s.min_rep_s);
    if (m.rate > best.rate) best = m;
  }
  return best;
}

// ---- compute kernels ---------------------------------------------------------------------

constexpr int kFmaChains = 12;             // > latency (4) x FMA units (2): the pipes stay full
constexpr std::uint64_t kFmaIters = 4096;  // per inner step

#if LLMSIZER_X86
__attribute__((target("avx2,fma"))) float fma_avx2(std::uint64_t iters) {
  __m256 acc[kFmaChains];
  for (int k = 0; k < kFmaChains; ++k) acc[k] = _mm256_set1_ps(static_cast<float>(k));
  const __m256 m = _mm256_set1_ps(0.999999f), add = _mm256_set1_ps(1e-6f);
  for (std::uint64_t i = 0; i < iters; ++i)
    for (int k = 0; k < kFmaChains; ++k) acc[k] = _mm256_fmadd_ps(acc[k], m, add);
  __m256 s = acc[0];
  for (int k = 1; k < kFmaChains; ++k) s = _mm256_add_ps(s, acc[k]);
  alignas(32) float out[8];
  _mm256_store_ps(out, s);
  return out[0];
}
__attribute__((target("avx512f"))) float fma_avx512(std::uint64_t iters) {
  __m512 acc[kFmaChains];
  for (int k = 0; k < kFmaChains; ++k) acc[k] = _mm512_set1_ps(static_cast<float>(k));
  const __m512 m = _mm512_set1_ps(0.999999f), add = _mm512_set1_ps(1e-6f);
  for (std::uint64_t i = 0; i < iters; ++i)
    for (int k = 0; k < kFmaChains; ++k) acc[k] = _mm512_fmadd_ps(acc[k], m, add);
  __m512 s = acc[0];
  for (int k = 1; k < kFmaChains; ++k) s = _mm512_add_ps(s, acc[k]);
  alignas(64) float out[16];
  _mm512_store_ps(out, s);
  return out[0] + out[15];
}
// int8: u8 x s8 pairs; maddubs (32 MACs -> i16), madd with ones (-> i32), add.
__attribute__((target("avx2"))) int dot_avx2(std::uint64_t iters) {
  constexpr int kChains = 8;
  __m256i acc[kChains];
  for (int k = 0; k < kChains; ++k) acc[k] = _mm256_setzero_si256();
  const __m256i a = _mm256_set1_epi8(3), b = _mm256_set1_epi8(-2), ones = _mm256_set1_epi16(1);
  for (std::uint64_t i = 0; i < iters; ++i)
    for (int k = 0; k < kChains; ++k)
      acc[k] = _mm256_add_epi32(acc[k], _mm256_madd_epi16(_mm256_maddubs_epi16(a, b), ones));
  __m256i s = acc[0];
  for (int k = 1; k < kChains; ++k) s = _mm256_add_epi32(s, acc[k]);
  return _mm256_extract_epi32(s, 0);
}
__attribute__((target("avx512f,avx512vnni"))) int dot_vnni(std::uint64_t iters) {
  constexpr int kChains = 8;
  __m512i acc[kChains];
  for (int k = 0; k < kChains; ++k) acc[k] = _mm512_setzero_si512();
  const __m512i a = _mm512_set1_epi8(3), b = _mm512_set1_epi8(-2);
  for (std::uint64_t i = 0; i < iters; ++i)
    for (int k = 0; k < kChains; ++k) acc[k] = _mm512_dpbusd_epi32(acc[k], a, b);
  __m512i s = acc[0];
  for (int k = 1; k < kChains; ++k) s = _mm512_add_epi32(s, acc[k]);
  alignas(64) int out[16];
  _mm512_store_si512(out, s);
  return out[0] + out[15];
}
#endif

float fma_scalar(std::uint64_t iters) {
  float acc[kFmaChains];
  for (int k = 0; k < kFmaChains; ++k) acc[k] = static_cast<float>(k);
  for (std::uint64_t i = 0; i < iters; ++i)
    for (int k = 0; k < kFmaChains; ++k) acc[k] = std::fma(acc[k], 0.999999f, 1e-6f);
  float s = 0;
  for (float x : acc) s += x;
  return s;
}

Measurement measure_fma(const ProbeSettings& s, int threads, int lanes) {
  const double flop_per_inner = static_cast<double>(threads) * kFmaIters * kFmaChains * lanes * 2.0;
  return measure_team(
      threads,
      [lanes](int) -> Body {
        return [lanes](std::uint64_t inner) {
          float r = 0;
#if LLMSIZER_X86
          if (lanes == 16) r = fma_avx512(inner * kFmaIters);
          if (lanes == 8) r = fma_avx2(inner * kFmaIters);
#endif
          if (lanes == 1) r = fma_scalar(inner * kFmaIters);
          g_sink.store(r, std::memory_order_relaxed);
        };
      },
      flop_per_inner, s, s.peak_rep_s);
}

Measurement measure_dot(const ProbeSettings& s, int threads, bool vnni) {
  constexpr int kChains = 8;
  // Ops = 2 per u8 x s8 multiply-accumulate: 64 bytes per VNNI instruction, 32 per AVX2 step.
  const double macs = vnni ? 64.0 : 32.0;
  const double per_inner = static_cast<double>(threads) * kFmaIters * kChains * macs * 2.0;
  return measure_team(
      threads,
      [vnni](int) -> Body {
        return [vnni](std::uint64_t inner) {
          int r = 0;
#if LLMSIZER_X86
          r = vnni ? dot_vnni(inner * kFmaIters) : dot_avx2(inner * kFmaIters);
#else
          (void)vnni;
          (void)inner;
#endif
          g_sink.store(r, std::memory_order_relaxed);
        };
      },
      per_inner, s, s.peak_rep_s);
}

}  // namespace

double coefficient_of_variation(const std::vector<double>& v) {
  if (v.size() < 2) return 0;
  double mean = 0;
  for (double x : v) mean += x;
  mean /= static_cast<double>(v.size());
  double var = 0;
  for (double x : v) var += (x - mean) * (x - mean);
  var /= static_cast<double>(v.size() - 1);
  return mean > 0 ? std::sqrt(var) / mean : 0;
}

int core_count() {
  return kernels::cpu::CpuPinning::host().cores();
}

int bytes_per_element(BandwidthKind k) {
  return arrays_of(k) * static_cast<int>(sizeof(double));
}

std::vector<std::uint64_t> sweep_sizes(const ProbeSettings& s, std::uint64_t llc_bytes) {
  const std::uint64_t max = s.max_bytes ? s.max_bytes : 4 * std::max<std::uint64_t>(llc_bytes, 1);
  const double step = std::max(1.01, s.size_step);
  std::vector<std::uint64_t> out;
  for (double b = static_cast<double>(s.min_bytes); b <= static_cast<double>(max) * 1.0001;
       b *= step)
    out.push_back(static_cast<std::uint64_t>(b));
  if (out.empty() || out.back() < max) out.push_back(max);
  return out;
}

std::vector<schema::BandwidthPoint> probe_bandwidth(const ProbeSettings& s,
                                                    std::uint64_t llc_bytes) {
  std::vector<int> threads = s.threads;
  if (threads.empty()) {
    threads = {1};
    if (core_count() > 1) threads.push_back(core_count());
  }
  const auto sizes = sweep_sizes(s, llc_bytes);
  const double total = static_cast<double>(threads.size() * s.kinds.size() * sizes.size());
  std::vector<schema::BandwidthPoint> out;
  double done = 0;
  for (int t : threads)
    for (BandwidthKind kind : s.kinds)
      for (std::uint64_t ws : sizes) {
        if (cancelled(s)) return out;
        if (s.progress)
          s.progress(fmt::format("bandwidth {} {} B x{}", schema::to_string(kind), ws, t),
                     done / total);
        done += 1;
        const int arrays = arrays_of(kind);
        const std::size_t n = elements_per_thread(ws, arrays, t);
        const auto m = measure_bandwidth_point(kind, n, t, s);
        schema::BandwidthPoint p;
        p.kind = kind;
        p.working_set_bytes =
            static_cast<std::uint64_t>(n) * sizeof(double) * static_cast<std::uint64_t>(arrays * t);
        p.threads = t;
        p.bytes_per_s = m.rate;
        p.cv = m.cv;
        p.reps = m.reps;
        p.noisy = m.noisy;
        out.push_back(p);
      }
  return out;
}

Measurement probe_bandwidth_point(BandwidthKind kind, std::uint64_t working_set_bytes, int threads,
                                  const ProbeSettings& s) {
  threads = std::max(1, threads);
  return measure_bandwidth_point(
      kind, elements_per_thread(working_set_bytes, arrays_of(kind), threads), threads, s);
}

Measurement probe_stream_reference_triad(const ProbeSettings& s, std::uint64_t working_set_bytes,
                                         int threads) {
  threads = std::max(1, threads);
  const std::size_t n = elements_per_thread(working_set_bytes, 3, threads);
  const double bytes = static_cast<double>(n) * sizeof(double) * 3 * threads;
  return measure_team(
      threads, [&](int) { return make_bandwidth_body(BandwidthKind::kTriad, n, 0); }, bytes, s,
      s.min_rep_s);
}

double measure_clock_hz(const ProbeSettings& s) {
#if LLMSIZER_X86
  // 16 dependent adds per step, 1 cycle each; the loop's own adds run beside them.
  const auto m = measure_team(
      1,
      [](int) -> Body {
        return [](std::uint64_t inner) {
          std::uint64_t x = 0;
          const std::uint64_t y = 1;
          for (std::uint64_t i = 0; i < inner * 1024; ++i)
            asm volatile(
                "add %1, %0\n\tadd %1, %0\n\tadd %1, %0\n\tadd %1, %0\n\t"
                "add %1, %0\n\tadd %1, %0\n\tadd %1, %0\n\tadd %1, %0\n\t"
                "add %1, %0\n\tadd %1, %0\n\tadd %1, %0\n\tadd %1, %0\n\t"
                "add %1, %0\n\tadd %1, %0\n\tadd %1, %0\n\tadd %1, %0"
                : "+r"(x)
                : "r"(y));
          g_sink.store(static_cast<double>(x), std::memory_order_relaxed);
        };
      },
      1024.0 * 16.0, s, s.peak_rep_s);
  return m.rate;
#else
  (void)s;
  return 0;
#endif
}

PeakResult probe_peaks(const ProbeSettings& s, int threads) {
  PeakResult r;
  const int cores = core_count();
  if (threads <= 0) threads = cores;
  if (s.progress) s.progress("clock", 0.0);
  r.clock_hz = measure_clock_hz(s);
  if (s.progress) s.progress("fp32 fma", 0.2);
  // Theoretical: 2 FMA units of the vector width. AVX-512 counts 2 units only when it beats
  // AVX2 clearly (Intel server cores); otherwise (Zen 4 double-pumps 512-bit FMAs on its
  // 256-bit pipes, client Intel has one 512-bit unit) it counts 1.
  int lanes = 1;
  double units = 2;
  r.fp32_isa = "scalar";
  if (have_avx2()) {
    r.fp32 = measure_fma(s, threads, 8);
    lanes = 8;
    r.fp32_isa = "avx2";
  } else {
    r.fp32 = measure_fma(s, threads, 1);
  }
  if (have_avx512() && !cancelled(s)) {
    if (s.progress) s.progress("fp32 fma avx512", 0.4);
    const auto m = measure_fma(s, threads, 16);
    if (m.rate > r.fp32.rate) {
      units = m.rate > 1.2 * r.fp32.rate ? 2 : 1;
      r.fp32 = m;
      lanes = 16;
      r.fp32_isa = "avx512";
    }
  }
  // The clock again after the FMA runs: turbo and neighbours move it; the higher of the two
  // keeps the theoretical peak a bound.
  if (!cancelled(s)) r.clock_hz = std::max(r.clock_hz, measure_clock_hz(s));
  r.fp32_flop_per_s = r.fp32.rate;
  r.fp32_theoretical_flop_per_s =
      static_cast<double>(std::min(threads, cores)) * units * lanes * 2.0 * r.clock_hz;
  if (s.progress) s.progress("int8 dot", 0.7);
  r.int8_isa = "scalar";
  if (!cancelled(s)) {
    if (have_vnni()) {
      r.int8 = measure_dot(s, threads, true);
      r.int8_isa = "avx512_vnni";
    } else if (have_avx2()) {
      r.int8 = measure_dot(s, threads, false);
      r.int8_isa = "avx2";
    }
  }
  r.int8_op_per_s = r.int8.rate;
  return r;
}

Measurement summarize(const std::vector<double>& rates, const ProbeSettings& s) {
  Measurement m;
  m.reps = static_cast<int>(rates.size());
  if (m.reps == 0) return m;
  const auto w = window(rates, s);
  m.rate = core::median(w).value_or(0);
  m.cv = coefficient_of_variation(w);
  m.noisy = m.cv >= s.cv_target;
  return m;
}

}  // namespace llmsizer::profiler
