// matmul_f32.cc — f32 GEMM and GEMV. The GEMM is cache-blocked in the Goto/BLIS way: a
// KC x NC panel of W and an MC x KC block of X are packed into contiguous micro-panels, and a
// 6x16 register-blocked FMA microkernel (12 accumulators) computes C tiles from them. Threads
// split the output into a grid of rectangles, each packing its own panels in the Workspace.
#include <algorithm>
#include <cstring>

#include "core/check.h"
#include "kernels/cpu/matmul.h"

#if LLMSIZER_HAVE_X86
#include <immintrin.h>
#endif

namespace llmsizer::kernels::cpu {
namespace {

constexpr std::int64_t kMR = 6;   // microkernel rows (of X / Y)
constexpr std::int64_t kNR = 16;  // microkernel columns (rows of W / columns of Y)
constexpr std::int64_t kKC =
    256;  // depth of a packed panel: a kNR x kKC B micro-panel is 16 KiB (L1)
constexpr std::int64_t kMC = 144;   // rows of a packed X block: 144 x 256 x 4 = 144 KiB (L2)
constexpr std::int64_t kNC = 2048;  // columns of a packed W panel: 256 x 2048 x 4 = 2 MiB (L3)
constexpr std::int64_t kGemvMaxM = 3;

constexpr std::size_t kPackABytes = kMC * kKC * sizeof(float);
constexpr std::size_t kPackBBytes = kKC * kNC * sizeof(float);
constexpr std::size_t kPerThreadBytes = kPackABytes + kPackBBytes;

// ---- packing (portable) -------------------------------------------------------------------

// X block (mc rows, kc columns, row stride ldx) -> micro-panels of kMR rows:
// a[p * kc * kMR + kk * kMR + r] = x[(p * kMR + r) * ldx + kk], zero rows past mc.
void pack_a_portable(const float* x, std::int64_t ldx, std::int64_t mc, std::int64_t kc, float* a) {
  for (std::int64_t i0 = 0; i0 < mc; i0 += kMR) {
    const std::int64_t rows = std::min(kMR, mc - i0);
    for (std::int64_t kk = 0; kk < kc; ++kk) {
      for (std::int64_t r = 0; r < rows; ++r) a[kk * kMR + r] = x[(i0 + r) * ldx + kk];
      for (std::int64_t r = rows; r < kMR; ++r) a[kk * kMR + r] = 0.0f;
    }
    a += kc * kMR;
  }
}

// W panel (nc rows of W, kc columns) -> micro-panels of kNR: b[p * kc * kNR + kk * kNR + c].
void pack_b_portable(const float* w, std::int64_t ldw, std::int64_t nc, std::int64_t kc, float* b) {
  for (std::int64_t j0 = 0; j0 < nc; j0 += kNR) {
    const std::int64_t cols = std::min(kNR, nc - j0);
    for (std::int64_t c = 0; c < cols; ++c) {
      const float* src = w + (j0 + c) * ldw;
      for (std::int64_t kk = 0; kk < kc; ++kk) b[kk * kNR + c] = src[kk];
    }
    for (std::int64_t c = cols; c < kNR; ++c)
      for (std::int64_t kk = 0; kk < kc; ++kk) b[kk * kNR + c] = 0.0f;
    b += kc * kNR;
  }
}

// C[kMR x kNR] (+)= A panel * B panel.
void ukernel_portable(std::int64_t kc, const float* a, const float* b, float* c, std::int64_t ldc,
                      bool accumulate) {
  float acc[kMR][kNR] = {};
  for (std::int64_t kk = 0; kk < kc; ++kk) {
    for (std::int64_t r = 0; r < kMR; ++r) {
      const float av = a[r];
      for (std::int64_t j = 0; j < kNR; ++j) acc[r][j] += av * b[j];
    }
    a += kMR;
    b += kNR;
  }
  for (std::int64_t r = 0; r < kMR; ++r)
    for (std::int64_t j = 0; j < kNR; ++j)
      c[r * ldc + j] = accumulate ? c[r * ldc + j] + acc[r][j] : acc[r][j];
}

#if LLMSIZER_HAVE_X86

LLMSIZER_TARGET_AVX2 inline void transpose8(__m256& r0, __m256& r1, __m256& r2, __m256& r3,
                                            __m256& r4, __m256& r5, __m256& r6, __m256& r7) {
  const __m256 t0 = _mm256_unpacklo_ps(r0, r1), t1 = _mm256_unpackhi_ps(r0, r1);
  const __m256 t2 = _mm256_unpacklo_ps(r2, r3), t3 = _mm256_unpackhi_ps(r2, r3);
  const __m256 t4 = _mm256_unpacklo_ps(r4, r5), t5 = _mm256_unpackhi_ps(r4, r5);
  const __m256 t6 = _mm256_unpacklo_ps(r6, r7), t7 = _mm256_unpackhi_ps(r6, r7);
  const __m256 s0 = _mm256_shuffle_ps(t0, t2, 0x44), s1 = _mm256_shuffle_ps(t0, t2, 0xEE);
  const __m256 s2 = _mm256_shuffle_ps(t1, t3, 0x44), s3 = _mm256_shuffle_ps(t1, t3, 0xEE);
  const __m256 s4 = _mm256_shuffle_ps(t4, t6, 0x44), s5 = _mm256_shuffle_ps(t4, t6, 0xEE);
  const __m256 s6 = _mm256_shuffle_ps(t5, t7, 0x44), s7 = _mm256_shuffle_ps(t5, t7, 0xEE);
  r0 = _mm256_permute2f128_ps(s0, s4, 0x20);
  r1 = _mm256_permute2f128_ps(s1, s5, 0x20);
  r2 = _mm256_permute2f128_ps(s2, s6, 0x20);
  r3 = _mm256_permute2f128_ps(s3, s7, 0x20);
  r4 = _mm256_permute2f128_ps(s0, s4, 0x31);
  r5 = _mm256_permute2f128_ps(s1, s5, 0x31);
  r6 = _mm256_permute2f128_ps(s2, s6, 0x31);
  r7 = _mm256_permute2f128_ps(s3, s7, 0x31);
}

// Same layout as pack_b_portable; full 16-row panels go through 8x8 register transposes.
LLMSIZER_TARGET_AVX2 void pack_b_avx2(const float* w, std::int64_t ldw, std::int64_t nc,
                                      std::int64_t kc, float* b) {
  std::int64_t j0 = 0;
  for (; j0 + kNR <= nc; j0 += kNR) {
    std::int64_t kk = 0;
    for (; kk + 8 <= kc; kk += 8) {
      for (std::int64_t h = 0; h < 2; ++h) {
        const float* s = w + (j0 + 8 * h) * ldw + kk;
        __m256 r0 = _mm256_loadu_ps(s), r1 = _mm256_loadu_ps(s + ldw);
        __m256 r2 = _mm256_loadu_ps(s + 2 * ldw), r3 = _mm256_loadu_ps(s + 3 * ldw);
        __m256 r4 = _mm256_loadu_ps(s + 4 * ldw), r5 = _mm256_loadu_ps(s + 5 * ldw);
        __m256 r6 = _mm256_loadu_ps(s + 6 * ldw), r7 = _mm256_loadu_ps(s + 7 * ldw);
        transpose8(r0, r1, r2, r3, r4, r5, r6, r7);
        float* d = b + kk * kNR + 8 * h;
        _mm256_store_ps(d, r0);
        _mm256_store_ps(d + kNR, r1);
        _mm256_store_ps(d + 2 * kNR, r2);
        _mm256_store_ps(d + 3 * kNR, r3);
        _mm256_store_ps(d + 4 * kNR, r4);
        _mm256_store_ps(d + 5 * kNR, r5);
        _mm256_store_ps(d + 6 * kNR, r6);
        _mm256_store_ps(d + 7 * kNR, r7);
      }
    }
    for (; kk < kc; ++kk)
      for (std::int64_t c = 0; c < kNR; ++c) b[kk * kNR + c] = w[(j0 + c) * ldw + kk];
    b += kc * kNR;
  }
  if (j0 < nc) pack_b_portable(w + j0 * ldw, ldw, nc - j0, kc, b);
}

// Same layout as pack_a_portable; full 6-row panels read 8 columns of each row at a time.
LLMSIZER_TARGET_AVX2 void pack_a_avx2(const float* x, std::int64_t ldx, std::int64_t mc,
                                      std::int64_t kc, float* a) {
  std::int64_t i0 = 0;
  for (; i0 + kMR <= mc; i0 += kMR) {
    const float* s = x + i0 * ldx;
    std::int64_t kk = 0;
    for (; kk + 8 <= kc; kk += 8) {
      __m256 r0 = _mm256_loadu_ps(s + kk), r1 = _mm256_loadu_ps(s + ldx + kk);
      __m256 r2 = _mm256_loadu_ps(s + 2 * ldx + kk), r3 = _mm256_loadu_ps(s + 3 * ldx + kk);
      __m256 r4 = _mm256_loadu_ps(s + 4 * ldx + kk), r5 = _mm256_loadu_ps(s + 5 * ldx + kk);
      __m256 r6 = _mm256_setzero_ps(), r7 = _mm256_setzero_ps();
      transpose8(r0, r1, r2, r3, r4, r5, r6, r7);
      // Row t of the transpose holds column kk + t of the 6 rows in lanes 0..5.
      float* d = a + kk * kMR;
      alignas(32) float tmp[8];
      const __m256 rows[8] = {r0, r1, r2, r3, r4, r5, r6, r7};
      for (int t = 0; t < 8; ++t) {
        _mm256_store_ps(tmp, rows[t]);
        std::memcpy(d + t * kMR, tmp, kMR * sizeof(float));
      }
    }
    for (; kk < kc; ++kk)
      for (std::int64_t r = 0; r < kMR; ++r) a[kk * kMR + r] = s[r * ldx + kk];
    a += kc * kMR;
  }
  if (i0 < mc) pack_a_portable(x + i0 * ldx, ldx, mc - i0, kc, a);
}

LLMSIZER_TARGET_AVX2 void ukernel_avx2(std::int64_t kc, const float* a, const float* b, float* c,
                                       std::int64_t ldc, bool accumulate) {
  __m256 c00 = _mm256_setzero_ps(), c01 = _mm256_setzero_ps();
  __m256 c10 = _mm256_setzero_ps(), c11 = _mm256_setzero_ps();
  __m256 c20 = _mm256_setzero_ps(), c21 = _mm256_setzero_ps();
  __m256 c30 = _mm256_setzero_ps(), c31 = _mm256_setzero_ps();
  __m256 c40 = _mm256_setzero_ps(), c41 = _mm256_setzero_ps();
  __m256 c50 = _mm256_setzero_ps(), c51 = _mm256_setzero_ps();
  for (std::int64_t r = 0; r < kMR; ++r)
    _mm_prefetch(reinterpret_cast<const char*>(c + r * ldc), _MM_HINT_T0);
#pragma GCC unroll 4
  for (std::int64_t kk = 0; kk < kc; ++kk) {
    const __m256 b0 = _mm256_load_ps(b);
    const __m256 b1 = _mm256_load_ps(b + 8);
    __m256 av = _mm256_broadcast_ss(a);
    c00 = _mm256_fmadd_ps(av, b0, c00);
    c01 = _mm256_fmadd_ps(av, b1, c01);
    av = _mm256_broadcast_ss(a + 1);
    c10 = _mm256_fmadd_ps(av, b0, c10);
    c11 = _mm256_fmadd_ps(av, b1, c11);
    av = _mm256_broadcast_ss(a + 2);
    c20 = _mm256_fmadd_ps(av, b0, c20);
    c21 = _mm256_fmadd_ps(av, b1, c21);
    av = _mm256_broadcast_ss(a + 3);
    c30 = _mm256_fmadd_ps(av, b0, c30);
    c31 = _mm256_fmadd_ps(av, b1, c31);
    av = _mm256_broadcast_ss(a + 4);
    c40 = _mm256_fmadd_ps(av, b0, c40);
    c41 = _mm256_fmadd_ps(av, b1, c41);
    av = _mm256_broadcast_ss(a + 5);
    c50 = _mm256_fmadd_ps(av, b0, c50);
    c51 = _mm256_fmadd_ps(av, b1, c51);
    a += kMR;
    b += kNR;
  }
  const __m256 acc[kMR][2] = {{c00, c01}, {c10, c11}, {c20, c21},
                              {c30, c31}, {c40, c41}, {c50, c51}};
  for (std::int64_t r = 0; r < kMR; ++r) {
    float* cr = c + r * ldc;
    if (accumulate) {
      _mm256_storeu_ps(cr, _mm256_add_ps(_mm256_loadu_ps(cr), acc[r][0]));
      _mm256_storeu_ps(cr + 8, _mm256_add_ps(_mm256_loadu_ps(cr + 8), acc[r][1]));
    } else {
      _mm256_storeu_ps(cr, acc[r][0]);
      _mm256_storeu_ps(cr + 8, acc[r][1]);
    }
  }
}

LLMSIZER_TARGET_AVX2 inline float hsum_avx2(__m256 v) {
  __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  s = _mm_add_ps(s, _mm_movehl_ps(s, s));
  s = _mm_add_ss(s, _mm_movehdup_ps(s));
  return _mm_cvtss_f32(s);
}

// y[i * ldy + j] = x_i . w_j for M rows of x and rows [j0, j1) of w.
template <int M>
LLMSIZER_TARGET_AVX2 void gemv_rows_avx2(const float* x, const float* w, float* y, std::int64_t k,
                                         std::int64_t ldy, std::int64_t j0, std::int64_t j1) {
  const std::int64_t k8 = k / 8 * 8;
  std::int64_t j = j0;
  for (; j + 4 <= j1; j += 4) {
    __m256 acc[M][4];
    for (int i = 0; i < M; ++i)
      for (int r = 0; r < 4; ++r) acc[i][r] = _mm256_setzero_ps();
    const float* wr = w + j * k;
    for (std::int64_t kk = 0; kk < k8; kk += 8) {
      __m256 xv[M];
      for (int i = 0; i < M; ++i) xv[i] = _mm256_loadu_ps(x + i * k + kk);
      for (int r = 0; r < 4; ++r) {
        const __m256 wv = _mm256_loadu_ps(wr + r * k + kk);
        for (int i = 0; i < M; ++i) acc[i][r] = _mm256_fmadd_ps(wv, xv[i], acc[i][r]);
      }
    }
    for (int i = 0; i < M; ++i)
      for (int r = 0; r < 4; ++r) {
        float s = hsum_avx2(acc[i][r]);
        for (std::int64_t kk = k8; kk < k; ++kk) s += x[i * k + kk] * wr[r * k + kk];
        y[i * ldy + j + r] = s;
      }
  }
  for (; j < j1; ++j) {
    const float* wr = w + j * k;
    for (int i = 0; i < M; ++i) {
      __m256 acc = _mm256_setzero_ps();
      for (std::int64_t kk = 0; kk < k8; kk += 8)
        acc = _mm256_fmadd_ps(_mm256_loadu_ps(wr + kk), _mm256_loadu_ps(x + i * k + kk), acc);
      float s = hsum_avx2(acc);
      for (std::int64_t kk = k8; kk < k; ++kk) s += x[i * k + kk] * wr[kk];
      y[i * ldy + j] = s;
    }
  }
}

#endif  // LLMSIZER_HAVE_X86

void gemv_rows_portable(const float* x, const float* w, float* y, std::int64_t m, std::int64_t k,
                        std::int64_t ldy, std::int64_t j0, std::int64_t j1) {
  for (std::int64_t j = j0; j < j1; ++j)
    for (std::int64_t i = 0; i < m; ++i) {
      float acc[8] = {};
      std::int64_t kk = 0;
      for (; kk + 8 <= k; kk += 8)
        for (int l = 0; l < 8; ++l) acc[l] += x[i * k + kk + l] * w[j * k + kk + l];
      float s = 0;
      for (int l = 0; l < 8; ++l) s += acc[l];
      for (; kk < k; ++kk) s += x[i * k + kk] * w[j * k + kk];
      y[i * ldy + j] = s;
    }
}

struct GemmOps {
  void (*pack_a)(const float*, std::int64_t, std::int64_t, std::int64_t, float*);
  void (*pack_b)(const float*, std::int64_t, std::int64_t, std::int64_t, float*);
  void (*ukernel)(std::int64_t, const float*, const float*, float*, std::int64_t, bool);
};

GemmOps ops_for(Isa isa) {
#if LLMSIZER_HAVE_X86
  if (isa_has_avx2(isa)) return {pack_a_avx2, pack_b_avx2, ukernel_avx2};
#endif
  (void)isa;
  return {pack_a_portable, pack_b_portable, ukernel_portable};
}

// One thread's rectangle Y[m0:m1, n0:n1], computed with its own packing buffers.
void gemm_rect(const GemmOps& ops, const float* x, const float* w, float* y, std::int64_t k,
               std::int64_t ldy, std::int64_t m0, std::int64_t m1, std::int64_t n0, std::int64_t n1,
               float* abuf, float* bbuf) {
  alignas(64) float edge[kMR * kNR];
  for (std::int64_t jc = n0; jc < n1; jc += kNC) {
    const std::int64_t nc = std::min(kNC, n1 - jc);
    for (std::int64_t pc = 0; pc < k; pc += kKC) {
      const std::int64_t kc = std::min(kKC, k - pc);
      const bool accumulate = pc > 0;
      ops.pack_b(w + jc * k + pc, k, nc, kc, bbuf);
      for (std::int64_t ic = m0; ic < m1; ic += kMC) {
        const std::int64_t mc = std::min(kMC, m1 - ic);
        ops.pack_a(x + ic * k + pc, k, mc, kc, abuf);
        for (std::int64_t jr = 0; jr < nc; jr += kNR) {
          const std::int64_t nr = std::min(kNR, nc - jr);
          const float* bp = bbuf + jr * kc;
          for (std::int64_t ir = 0; ir < mc; ir += kMR) {
            const std::int64_t mr = std::min(kMR, mc - ir);
            const float* ap = abuf + ir * kc;
            float* c = y + (ic + ir) * ldy + jc + jr;
            if (mr == kMR && nr == kNR) {
              ops.ukernel(kc, ap, bp, c, ldy, accumulate);
            } else {
              ops.ukernel(kc, ap, bp, edge, kNR, false);
              for (std::int64_t r = 0; r < mr; ++r)
                for (std::int64_t j = 0; j < nr; ++j)
                  c[r * ldy + j] =
                      accumulate ? c[r * ldy + j] + edge[r * kNR + j] : edge[r * kNR + j];
            }
          }
        }
      }
    }
  }
}

// Splits `threads` into a tm x tn grid over (m, n) that minimises the microkernel tiles of the
// busiest thread; ties go to splitting n (each thread then packs a disjoint part of W).
void thread_grid(int threads, std::int64_t m, std::int64_t n, int& tm, int& tn) {
  const std::int64_t mt = (m + kMR - 1) / kMR, nt = (n + kNR - 1) / kNR;
  std::int64_t best = -1;
  for (int cand_n = threads; cand_n >= 1; --cand_n) {
    if (threads % cand_n != 0) continue;
    const int cand_m = threads / cand_n;
    const std::int64_t cost = ((mt + cand_m - 1) / cand_m) * ((nt + cand_n - 1) / cand_n);
    if (best < 0 || cost < best) {
      best = cost;
      tm = cand_m;
      tn = cand_n;
    }
  }
}

// [begin, end) of part `p` of `parts`, in whole units of `unit` (the last part takes the rest).
void split_range(std::int64_t total, std::int64_t unit, int parts, int p, std::int64_t& begin,
                 std::int64_t& end) {
  const std::int64_t units = (total + unit - 1) / unit;
  const std::int64_t per = units / parts, extra = units % parts;
  const std::int64_t u0 = p * per + std::min<std::int64_t>(p, extra);
  const std::int64_t u1 = u0 + per + (p < extra ? 1 : 0);
  begin = std::min(total, u0 * unit);
  end = std::min(total, u1 * unit);
}

}  // namespace

void matmul_f32(Isa isa, const float* x, const float* w, float* y, std::int64_t m, std::int64_t k,
                std::int64_t n, ThreadPool& pool, Workspace& ws) {
  LLMSIZER_CHECK(isa_supported(isa), "matmul_f32: instruction set not supported on this host");
  if (m <= 0 || n <= 0) return;
  if (k <= 0) {
    std::fill(y, y + m * n, 0.0f);
    return;
  }
  if (m <= kGemvMaxM) {
    pool.parallel_for(0, n, 16, [&](std::int64_t j0, std::int64_t j1) {
#if LLMSIZER_HAVE_X86
      if (isa_has_avx2(isa)) {
        if (m == 1) gemv_rows_avx2<1>(x, w, y, k, n, j0, j1);
        if (m == 2) gemv_rows_avx2<2>(x, w, y, k, n, j0, j1);
        if (m == 3) gemv_rows_avx2<3>(x, w, y, k, n, j0, j1);
        return;
      }
#endif
      gemv_rows_portable(x, w, y, m, k, n, j0, j1);
    });
    return;
  }
  const GemmOps ops = ops_for(isa);
  int tm = 1, tn = 1;
  thread_grid(pool.size(), m, n, tm, tn);
  auto* base = reinterpret_cast<float*>(
      ws.get(kPerThreadBytes * static_cast<std::size_t>(pool.size())).data());
  pool.run([&](int t) {
    std::int64_t m0 = 0, m1 = 0, n0 = 0, n1 = 0;
    split_range(m, kMR, tm, t / tn, m0, m1);
    split_range(n, kNR, tn, t % tn, n0, n1);
    if (m0 >= m1 || n0 >= n1) return;
    float* abuf = base + static_cast<std::size_t>(t) * (kPerThreadBytes / sizeof(float));
    float* bbuf = abuf + kPackABytes / sizeof(float);
    gemm_rect(ops, x, w, y, k, n, m0, m1, n0, n1, abuf, bbuf);
  });
}

}  // namespace llmsizer::kernels::cpu
