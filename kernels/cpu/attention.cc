// attention.cc — flash-style causal prefill and context-split decode (see attention.h).
// Prefill work items are (head, block of 4 queries); each walks the visible keys in tiles of
// 64 with a running max, sum and output per query (online softmax). Decode splits the visible
// context into chunks, one (max, sum, output) partial per chunk and head, merged at the end.
#include "kernels/cpu/attention.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "core/check.h"
#include "kernels/block_layout.h"
#include "kernels/cpu/vec_math.h"

namespace llmsizer::kernels::cpu {
namespace {

constexpr std::int64_t kBq = 4;   // queries per prefill work item
constexpr std::int64_t kBk = 64;  // keys per tile

// ---- building blocks, portable ----------------------------------------------------------

float dot_portable(const float* a, const float* b, std::int64_t n) {
  float acc[8] = {};
  std::int64_t i = 0;
  for (; i + 8 <= n; i += 8)
    for (int l = 0; l < 8; ++l) acc[l] += a[i + l] * b[i + l];
  float s = 0;
  for (float v : acc) s += v;
  for (; i < n; ++i) s += a[i] * b[i];
  return s;
}

float exp_sum_portable(float* p, std::int64_t n, float m) {
  float s = 0;
  for (std::int64_t i = 0; i < n; ++i) {
    p[i] = std::exp(p[i] - m);
    s += p[i];
  }
  return s;
}

// o += w * v
void axpy_portable(float* o, float w, const float* v, std::int64_t n) {
  for (std::int64_t i = 0; i < n; ++i) o[i] += w * v[i];
}

// S[r][j] = scale * q_r . k_j (see qk_avx2).
void qk_portable(const float* q, std::int64_t q_stride, std::int64_t nr, const float* k,
                 std::int64_t k_stride, std::int64_t nj, std::int64_t d, float scale, float* s,
                 std::int64_t s_stride) {
  for (std::int64_t r = 0; r < nr; ++r)
    for (std::int64_t j = 0; j < nj; ++j)
      s[r * s_stride + j] = scale * dot_portable(q + r * q_stride, k + j * k_stride, d);
}

// O[r] += sum_j P[r][j] v_j (see pv_avx2).
void pv_portable(const float* p, std::int64_t p_stride, std::int64_t nr, std::int64_t nj,
                 const float* v, std::int64_t v_stride, std::int64_t d, float* o,
                 std::int64_t o_stride) {
  for (std::int64_t j = 0; j < nj; ++j)
    for (std::int64_t r = 0; r < nr; ++r)
      axpy_portable(o + r * o_stride, p[r * p_stride + j], v + j * v_stride, d);
}

// ---- building blocks, AVX2 -----------------------------------------------------------------
#if LLMSIZER_HAVE_X86

LLMSIZER_TARGET_AVX2 float dot_avx2(const float* a, const float* b, std::int64_t n) {
  __m256 a0 = _mm256_setzero_ps(), a1 = _mm256_setzero_ps();
  std::int64_t i = 0;
  for (; i + 16 <= n; i += 16) {
    a0 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i), _mm256_loadu_ps(b + i), a0);
    a1 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i + 8), _mm256_loadu_ps(b + i + 8), a1);
  }
  for (; i + 8 <= n; i += 8)
    a0 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i), _mm256_loadu_ps(b + i), a0);
  float s = vec::hsum(_mm256_add_ps(a0, a1));
  for (; i < n; ++i) s += a[i] * b[i];
  return s;
}

LLMSIZER_TARGET_AVX2 float exp_sum_avx2(float* p, std::int64_t n, float m) {
  const __m256 mv = _mm256_set1_ps(m);
  __m256 s = _mm256_setzero_ps();
  std::int64_t i = 0;
  for (; i + 8 <= n; i += 8) {
    const __m256 e = vec::exp(_mm256_sub_ps(_mm256_loadu_ps(p + i), mv));
    _mm256_storeu_ps(p + i, e);
    s = _mm256_add_ps(s, e);
  }
  float sum = vec::hsum(s);
  for (; i < n; ++i) {
    p[i] = std::exp(p[i] - m);
    sum += p[i];
  }
  return sum;
}

LLMSIZER_TARGET_AVX2 void axpy_avx2(float* o, float w, const float* v, std::int64_t n) {
  const __m256 wv = _mm256_set1_ps(w);
  std::int64_t i = 0;
  for (; i + 8 <= n; i += 8)
    _mm256_storeu_ps(o + i, _mm256_fmadd_ps(wv, _mm256_loadu_ps(v + i), _mm256_loadu_ps(o + i)));
  for (; i < n; ++i) o[i] += w * v[i];
}

// Eight K/V elements as f32: f32 as they are, f16 (F16C) converted in registers.
LLMSIZER_TARGET_AVX2 inline __m256 load8(const float* p) {
  return _mm256_loadu_ps(p);
}
LLMSIZER_TARGET_AVX2 inline __m256 load8(const std::uint16_t* p) {
  return _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p)));
}
inline float load1(const float* p) {
  return *p;
}
inline float load1(const std::uint16_t* p) {
  return f16_to_f32(*p);
}

// O[r] += sum_j P[r][j] v_j for NR rows over 8 x NC columns from c: the accumulators stay in
// registers while the keys pass, NR x NC independent FMA chains.
template <int NR, int NC, typename T>
LLMSIZER_TARGET_AVX2 inline void pv_cols(const float* p, std::int64_t p_stride, std::int64_t nj,
                                         const T* v, std::int64_t v_stride, float* o,
                                         std::int64_t o_stride, std::int64_t c) {
  __m256 acc[NR][NC];
  for (int r = 0; r < NR; ++r)
    for (int cc = 0; cc < NC; ++cc) acc[r][cc] = _mm256_loadu_ps(o + r * o_stride + c + 8 * cc);
  for (std::int64_t j = 0; j < nj; ++j) {
    __m256 w[NR];
    for (int r = 0; r < NR; ++r) w[r] = _mm256_set1_ps(p[r * p_stride + j]);
    for (int cc = 0; cc < NC; ++cc) {
      const __m256 vv = load8(v + j * v_stride + c + 8 * cc);
      for (int r = 0; r < NR; ++r) acc[r][cc] = _mm256_fmadd_ps(w[r], vv, acc[r][cc]);
    }
  }
  for (int r = 0; r < NR; ++r)
    for (int cc = 0; cc < NC; ++cc) _mm256_storeu_ps(o + r * o_stride + c + 8 * cc, acc[r][cc]);
}

// Columns in blocks of 8 x NC (NR x NC accumulators and the row weights fit the 16 registers),
// then of 8, then one by one.
template <int NR, typename T>
LLMSIZER_TARGET_AVX2 void pv_rows(const float* p, std::int64_t p_stride, std::int64_t nj,
                                  const T* v, std::int64_t v_stride, std::int64_t d, float* o,
                                  std::int64_t o_stride) {
  constexpr int kNC = NR == 1 ? 8 : NR == 2 ? 4 : 2;
  std::int64_t c = 0;
  for (; c + 8 * kNC <= d; c += 8 * kNC)
    pv_cols<NR, kNC>(p, p_stride, nj, v, v_stride, o, o_stride, c);
  for (; c + 8 <= d; c += 8) pv_cols<NR, 1>(p, p_stride, nj, v, v_stride, o, o_stride, c);
  for (; c < d; ++c)
    for (std::int64_t j = 0; j < nj; ++j)
      for (int r = 0; r < NR; ++r)
        o[r * o_stride + c] += p[r * p_stride + j] * load1(v + j * v_stride + c);
}

// O[r] += sum_j P[r][j] v_j for nr <= kBq rows, nj keys (P rows p_stride apart, O rows
// o_stride apart); v rows f32 or f16.
template <typename T>
LLMSIZER_TARGET_AVX2 void pv_any(const float* p, std::int64_t p_stride, std::int64_t nr,
                                 std::int64_t nj, const T* v, std::int64_t v_stride, std::int64_t d,
                                 float* o, std::int64_t o_stride) {
  switch (nr) {
    case 1:
      return pv_rows<1>(p, p_stride, nj, v, v_stride, d, o, o_stride);
    case 2:
      return pv_rows<2>(p, p_stride, nj, v, v_stride, d, o, o_stride);
    case 3:
      return pv_rows<3>(p, p_stride, nj, v, v_stride, d, o, o_stride);
    default:
      return pv_rows<4>(p, p_stride, nj, v, v_stride, d, o, o_stride);
  }
}
LLMSIZER_TARGET_AVX2 void pv_avx2(const float* p, std::int64_t p_stride, std::int64_t nr,
                                  std::int64_t nj, const float* v, std::int64_t v_stride,
                                  std::int64_t d, float* o, std::int64_t o_stride) {
  pv_any(p, p_stride, nr, nj, v, v_stride, d, o, o_stride);
}
LLMSIZER_TARGET_AVX2 void pv16_avx2(const float* p, std::int64_t p_stride, std::int64_t nr,
                                    std::int64_t nj, const std::uint16_t* v, std::int64_t v_stride,
                                    std::int64_t d, float* o, std::int64_t o_stride) {
  pv_any(p, p_stride, nr, nj, v, v_stride, d, o, o_stride);
}

// Lanes 0..3: the horizontal sums of a, b, c, d.
LLMSIZER_TARGET_AVX2 inline __m128 hsum4(__m256 a, __m256 b, __m256 c, __m256 d) {
  const __m256 h = _mm256_hadd_ps(_mm256_hadd_ps(a, b), _mm256_hadd_ps(c, d));
  return _mm_add_ps(_mm256_castps256_ps128(h), _mm256_extractf128_ps(h, 1));
}

// S[r][j + t] = scale * q_r . k_(j+t) for NR rows and NP keys from j: NR x NP independent FMA
// chains, each key's loads shared by the rows and each row's by the keys.
template <int NR, int NP, typename T>
LLMSIZER_TARGET_AVX2 inline void qk_keys(const float* q, std::int64_t q_stride, const T* k,
                                         std::int64_t k_stride, std::int64_t d, float scale,
                                         float* s, std::int64_t s_stride) {
  constexpr int kN = NR * NP;
  static_assert(kN <= 8, "at most 8 accumulators");
  const std::int64_t d8 = d / 8 * 8;
  __m256 acc[8];
  for (auto& x : acc) x = _mm256_setzero_ps();
  for (std::int64_t c = 0; c < d8; c += 8) {
    __m256 kv[NP];
    for (int t = 0; t < NP; ++t) kv[t] = load8(k + t * k_stride + c);
    for (int r = 0; r < NR; ++r) {
      const __m256 qv = _mm256_loadu_ps(q + r * q_stride + c);
      for (int t = 0; t < NP; ++t) acc[r * NP + t] = _mm256_fmadd_ps(qv, kv[t], acc[r * NP + t]);
    }
  }
  alignas(32) float sums[8];
  _mm_store_ps(sums, hsum4(acc[0], acc[1], acc[2], acc[3]));
  if constexpr (kN > 4) _mm_store_ps(sums + 4, hsum4(acc[4], acc[5], acc[6], acc[7]));
  for (int r = 0; r < NR; ++r)
    for (int t = 0; t < NP; ++t) {
      float tail = 0;
      for (std::int64_t c = d8; c < d; ++c)
        tail += q[r * q_stride + c] * load1(k + t * k_stride + c);
      s[r * s_stride + t] = scale * (sums[r * NP + t] + tail);
    }
}

template <int NR, typename T>
LLMSIZER_TARGET_AVX2 void qk_rows(const float* q, std::int64_t q_stride, const T* k,
                                  std::int64_t k_stride, std::int64_t nj, std::int64_t d,
                                  float scale, float* s, std::int64_t s_stride) {
  constexpr int kNP = NR == 1 ? 8 : NR == 2 ? 4 : 2;  // keys per pass
  std::int64_t j = 0;
  for (; j + kNP <= nj; j += kNP)
    qk_keys<NR, kNP>(q, q_stride, k + j * k_stride, k_stride, d, scale, s + j, s_stride);
  for (; j < nj; ++j)
    qk_keys<NR, 1>(q, q_stride, k + j * k_stride, k_stride, d, scale, s + j, s_stride);
}

// S[r][j] = scale * q_r . k_j for nr <= kBq query rows (q_stride apart) and nj keys (k_stride
// apart); k rows f32 or f16.
template <typename T>
LLMSIZER_TARGET_AVX2 void qk_any(const float* q, std::int64_t q_stride, std::int64_t nr, const T* k,
                                 std::int64_t k_stride, std::int64_t nj, std::int64_t d,
                                 float scale, float* s, std::int64_t s_stride) {
  switch (nr) {
    case 1:
      return qk_rows<1>(q, q_stride, k, k_stride, nj, d, scale, s, s_stride);
    case 2:
      return qk_rows<2>(q, q_stride, k, k_stride, nj, d, scale, s, s_stride);
    case 3:
      return qk_rows<3>(q, q_stride, k, k_stride, nj, d, scale, s, s_stride);
    default:
      return qk_rows<4>(q, q_stride, k, k_stride, nj, d, scale, s, s_stride);
  }
}
LLMSIZER_TARGET_AVX2 void qk_avx2(const float* q, std::int64_t q_stride, std::int64_t nr,
                                  const float* k, std::int64_t k_stride, std::int64_t nj,
                                  std::int64_t d, float scale, float* s, std::int64_t s_stride) {
  qk_any(q, q_stride, nr, k, k_stride, nj, d, scale, s, s_stride);
}
LLMSIZER_TARGET_AVX2 void qk16_avx2(const float* q, std::int64_t q_stride, std::int64_t nr,
                                    const std::uint16_t* k, std::int64_t k_stride, std::int64_t nj,
                                    std::int64_t d, float scale, float* s, std::int64_t s_stride) {
  qk_any(q, q_stride, nr, k, k_stride, nj, d, scale, s, s_stride);
}

// One f16 or q8_0 cache row -> f32.
LLMSIZER_TARGET_AVX2 void row_to_f32_avx2(core::DType dt, const std::byte* src, std::int64_t d,
                                          float* dst) {
  if (dt == core::DType::kF16) {
    std::int64_t i = 0;
    for (; i + 8 <= d; i += 8)
      _mm256_storeu_ps(
          dst + i, _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(src + 2 * i))));
    for (; i < d; ++i) {
      std::uint16_t h;
      std::memcpy(&h, src + 2 * i, 2);
      dst[i] = f16_to_f32(h);
    }
    return;
  }
  const auto* blocks = reinterpret_cast<const BlockQ8_0*>(src);
  for (std::int64_t b = 0; b < d / 32; ++b) {
    const __m256 s = _mm256_set1_ps(_cvtsh_ss(blocks[b].d));
    for (int part = 0; part < 4; ++part) {
      const __m128i q8 = _mm_loadl_epi64(reinterpret_cast<const __m128i*>(blocks[b].qs + 8 * part));
      _mm256_storeu_ps(dst + 32 * b + 8 * part,
                       _mm256_mul_ps(s, _mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(q8))));
    }
  }
}

#endif  // LLMSIZER_HAVE_X86

void row_to_f32_portable(core::DType dt, const std::byte* src, std::int64_t d, float* dst) {
  if (dt == core::DType::kF16) {
    for (std::int64_t i = 0; i < d; ++i) {
      std::uint16_t h;
      std::memcpy(&h, src + 2 * i, 2);
      dst[i] = f16_to_f32(h);
    }
    return;
  }
  const auto* blocks = reinterpret_cast<const BlockQ8_0*>(src);
  for (std::int64_t b = 0; b < d / 32; ++b) {
    const float s = f16_to_f32(blocks[b].d);
    for (int i = 0; i < 32; ++i) dst[32 * b + i] = s * static_cast<float>(blocks[b].qs[i]);
  }
}

struct Ops {
  float (*dot)(const float*, const float*, std::int64_t);
  float (*exp_sum)(float*, std::int64_t, float);
  void (*axpy)(float*, float, const float*, std::int64_t);
  void (*row_to_f32)(core::DType, const std::byte*, std::int64_t, float*);
  void (*qk)(const float*, std::int64_t, std::int64_t, const float*, std::int64_t, std::int64_t,
             std::int64_t, float, float*, std::int64_t);
  void (*pv)(const float*, std::int64_t, std::int64_t, std::int64_t, const float*, std::int64_t,
             std::int64_t, float*, std::int64_t);
  // qk and pv over f16 rows, converted in registers (nullptr: convert rows with row_to_f32).
  void (*qk16)(const float*, std::int64_t, std::int64_t, const std::uint16_t*, std::int64_t,
               std::int64_t, std::int64_t, float, float*, std::int64_t);
  void (*pv16)(const float*, std::int64_t, std::int64_t, std::int64_t, const std::uint16_t*,
               std::int64_t, std::int64_t, float*, std::int64_t);
};

Ops ops_for(Isa isa) {
  LLMSIZER_CHECK(isa_supported(isa), "attention: instruction set not supported on this host");
#if LLMSIZER_HAVE_X86
  if (isa_has_avx2(isa))
    return {dot_avx2, exp_sum_avx2, axpy_avx2, row_to_f32_avx2,
            qk_avx2,  pv_avx2,      qk16_avx2, pv16_avx2};
#endif
  return {dot_portable, exp_sum_portable, axpy_portable, row_to_f32_portable,
          qk_portable,  pv_portable,      nullptr,       nullptr};
}

std::size_t kv_row_bytes(core::DType dt, std::int64_t d) {
  switch (dt) {
    case core::DType::kF32:
      return static_cast<std::size_t>(d) * 4;
    case core::DType::kF16:
      return static_cast<std::size_t>(d) * 2;
    case core::DType::kQ8_0:
      return static_cast<std::size_t>(d / 32) * sizeof(BlockQ8_0);
    default:
      LLMSIZER_CHECK(false, "attention: KV cache dtype must be f32, f16 or q8_0");
  }
  return 0;
}

void check_args(const AttentionArgs& a) {
  LLMSIZER_CHECK(a.tokens >= 1 && a.past >= 0 && a.window >= 0, "attention: bad shape");
  LLMSIZER_CHECK(a.kv_heads >= 1 && a.heads % a.kv_heads == 0,
                 "attention: heads must be a multiple of kv_heads");
  LLMSIZER_CHECK(a.head_dim >= 1 && a.head_dim <= kMaxHeadDim, "attention: head_dim out of range");
  LLMSIZER_CHECK(a.kv_dtype != core::DType::kQ8_0 || a.head_dim % 32 == 0,
                 "attention: a q8_0 cache needs head_dim % 32 == 0");
  const auto q_elems = static_cast<std::size_t>(a.tokens * a.heads * a.head_dim);
  LLMSIZER_CHECK(a.q.size() == q_elems && a.out.size() == q_elems, "attention: q/out sizes");
  const std::size_t kv_bytes = static_cast<std::size_t>((a.past + a.tokens) * a.kv_heads) *
                               kv_row_bytes(a.kv_dtype, a.head_dim);
  LLMSIZER_CHECK(a.k.size() == kv_bytes && a.v.size() == kv_bytes, "attention: k/v sizes");
}

// One prefill work item: queries t0 .. t0 + nr - 1 of head h.
void prefill_item(const Ops& ops, const AttentionArgs& a, std::int64_t h, std::int64_t t0,
                  std::int64_t nr) {
  const std::int64_t d = a.head_dim, group = a.heads / a.kv_heads, g = h / group;
  const std::int64_t kv_stride = a.kv_heads * d, q_stride = a.heads * d;
  const auto* k = reinterpret_cast<const float*>(a.k.data()) + g * d;
  const auto* v = reinterpret_cast<const float*>(a.v.data()) + g * d;
  const float* q = a.q.data() + t0 * q_stride + h * d;
  alignas(32) float s[kBq][kBk];
  alignas(32) float o[kBq][kMaxHeadDim];
  float m[kBq] = {}, l[kBq] = {};
  std::int64_t lo[kBq] = {}, hi[kBq] = {};  // visible keys of each query, inclusive
  for (std::int64_t r = 0; r < nr; ++r) {
    const std::int64_t i = a.past + t0 + r;
    hi[r] = i;
    lo[r] = a.window > 0 ? std::max<std::int64_t>(0, i - a.window + 1) : 0;
    m[r] = -INFINITY;
    l[r] = 0;
    std::fill(o[r], o[r] + d, 0.0f);
  }
  for (std::int64_t jt = lo[0]; jt <= hi[nr - 1]; jt += kBk) {
    const std::int64_t nj = std::min(kBk, hi[nr - 1] + 1 - jt);
    for (std::int64_t r = 0; r < nr; ++r) {
      // Scores of the visible keys of this tile; zero weight elsewhere.
      const std::int64_t j0 = std::max(jt, lo[r]) - jt, j1 = std::min(jt + nj - 1, hi[r]) - jt;
      std::fill(s[r], s[r] + nj, 0.0f);
      if (j0 > j1) continue;
      float mt = -INFINITY;
      for (std::int64_t j = j0; j <= j1; ++j) {
        s[r][j] = a.scale * ops.dot(q + r * q_stride, k + (jt + j) * kv_stride, d);
        mt = std::max(mt, s[r][j]);
      }
      const float m_new = std::max(m[r], mt);
      const float alpha = m[r] == -INFINITY ? 0.0f : std::exp(m[r] - m_new);
      const float sum = ops.exp_sum(s[r] + j0, j1 - j0 + 1, m_new);
      l[r] = l[r] * alpha + sum;
      m[r] = m_new;
      if (alpha != 1.0f)
        for (std::int64_t c = 0; c < d; ++c) o[r][c] *= alpha;
    }
    ops.pv(&s[0][0], kBk, nr, nj, v + jt * kv_stride, kv_stride, d, &o[0][0], kMaxHeadDim);
  }
  for (std::int64_t r = 0; r < nr; ++r) {
    float* out = a.out.data() + (t0 + r) * q_stride + h * d;
    const float inv = 1.0f / l[r];
    for (std::int64_t c = 0; c < d; ++c) out[c] = o[r][c] * inv;
  }
}

}  // namespace

void attention_prefill(Isa isa, const AttentionArgs& a, ThreadPool& pool, Workspace&) {
  check_args(a);
  LLMSIZER_CHECK(a.kv_dtype == core::DType::kF32, "attention_prefill: K/V must be f32");
  const Ops ops = ops_for(isa);
  const std::int64_t blocks = (a.tokens + kBq - 1) / kBq;
  pool.parallel_for(0, a.heads * blocks, 1, [&](std::int64_t w0, std::int64_t w1) {
    for (std::int64_t w = w0; w < w1; ++w) {
      const std::int64_t h = w % a.heads, b = w / a.heads;
      prefill_item(ops, a, h, b * kBq, std::min(kBq, a.tokens - b * kBq));
    }
  });
}

void attention_decode(Isa isa, const AttentionArgs& a, ThreadPool& pool, Workspace& ws) {
  check_args(a);
  LLMSIZER_CHECK(a.tokens == 1, "attention_decode: one query token");
  const Ops ops = ops_for(isa);
  const std::int64_t d = a.head_dim, group = a.heads / a.kv_heads;
  const std::int64_t i = a.past;  // the query's position; the cache holds 0 .. i
  const std::int64_t first = a.window > 0 ? std::max<std::int64_t>(0, i - a.window + 1) : 0;
  const std::int64_t visible = i + 1 - first;
  const int threads = pool.size();
  // Chunks of the context: about four per thread, 64 to kMaxChunk positions. The workspace
  // holds 4 x threads partials at least, so its size never shrinks as the context grows and
  // a warm-up at the longest context sizes it for every shorter one.
  constexpr std::int64_t kMaxChunk = 1024;
  const std::int64_t chunk =
      std::clamp<std::int64_t>((visible + 4 * threads - 1) / (4 * threads), 64, kMaxChunk);
  const std::int64_t chunks = (visible + chunk - 1) / chunk;
  const std::int64_t partial_slots = std::max<std::int64_t>(chunks, 4 * threads);
  const std::size_t row_bytes = kv_row_bytes(a.kv_dtype, d);
  const bool f32_cache = a.kv_dtype == core::DType::kF32;
  // An f16 cache is read in place where the kernels convert in registers (AVX2 + F16C) and
  // each row serves one block of query heads (group <= kBq: MHA and narrow GQA); otherwise
  // (q8_0, wider groups, the portable path) rows are converted to f32 a tile at a time, once
  // for all the query heads that share them.
  const bool f16_direct = a.kv_dtype == core::DType::kF16 && ops.qk16 != nullptr && group <= kBq;
  const bool in_place = f32_cache || f16_direct;
  // Positions per tile: every KV head's row of a tile converted to f32 fits in about 64 KiB.
  const std::int64_t tile_rows = std::clamp<std::int64_t>(16384 / (a.kv_heads * d), 4, kBk);

  // Layout: partials [chunks][heads][d + 2] (output, max, sum), then per thread: scores
  // [heads][chunk] and, for an f16/q8_0 cache, one tile [kv_heads][tile_rows][d] of K or V
  // rows converted to f32.
  const auto partial_floats = static_cast<std::size_t>(partial_slots * a.heads * (d + 2));
  const auto thread_floats =
      static_cast<std::size_t>(a.heads * chunk + (in_place ? 0 : a.kv_heads * tile_rows * d));
  auto* base = reinterpret_cast<float*>(
      ws.get((partial_floats + thread_floats * static_cast<std::size_t>(threads)) * sizeof(float))
          .data());
  pool.run([&](int t) {
    float* scores = base + partial_floats + thread_floats * static_cast<std::size_t>(t);
    float* tile = scores + a.heads * chunk;
    // Positions jt .. jt + nj - 1 of the cache, read in memory order (position-major, all KV
    // heads of a position together, so the hardware prefetcher sees one stream): returns
    // KV head g's rows as f32 (or f16 for f16_direct), `stride` elements apart, in place for an
    // f32 or directly read f16 cache.
    const auto load_tile = [&](std::span<const std::byte> cache, std::int64_t jt, std::int64_t nj) {
      if (in_place) return;
      for (std::int64_t j = 0; j < nj; ++j) {
        for (std::int64_t g = 0; g < a.kv_heads; ++g)
          ops.row_to_f32(
              a.kv_dtype,
              cache.data() + static_cast<std::size_t>((jt + j) * a.kv_heads + g) * row_bytes, d,
              tile + (g * tile_rows + j) * d);
      }
    };
    const auto head_rows = [&](std::span<const std::byte> cache, std::int64_t jt, std::int64_t g,
                               std::int64_t& stride) -> const void* {
      if (f32_cache) {
        stride = a.kv_heads * d;
        return reinterpret_cast<const float*>(cache.data()) + (jt * a.kv_heads + g) * d;
      }
      if (f16_direct) {
        stride = a.kv_heads * d;
        return reinterpret_cast<const std::uint16_t*>(cache.data()) + (jt * a.kv_heads + g) * d;
      }
      stride = d;
      return tile + g * tile_rows * d;
    };
    for (std::int64_t c = t; c < chunks; c += threads) {
      const std::int64_t j0 = first + c * chunk, j1 = std::min(i + 1, j0 + chunk), n = j1 - j0;
      float* part0 = base + static_cast<std::size_t>(c * a.heads * (d + 2));
      // Walks the chunk's tiles of `cache`: fn(h, nr, rows, stride, jt, nj) per KV head and
      // block of nr <= kBq of its query heads (first head h), which share the rows.
      const auto each_block = [&](std::span<const std::byte> cache, const auto& fn) {
        std::int64_t stride = 0;
        for (std::int64_t jt = j0; jt < j1; jt += tile_rows) {
          const std::int64_t nj = std::min(tile_rows, j1 - jt);
          load_tile(cache, jt, nj);
          for (std::int64_t g = 0; g < a.kv_heads; ++g) {
            const void* rows = head_rows(cache, jt, g, stride);
            for (std::int64_t r0 = 0; r0 < group; r0 += kBq)
              fn(g * group + r0, std::min(kBq, group - r0), rows, stride, jt, nj);
          }
        }
      };
      each_block(a.k, [&](std::int64_t h, std::int64_t nr, const void* kr, std::int64_t stride,
                          std::int64_t jt, std::int64_t nj) {
        float* s_out = scores + h * chunk + (jt - j0);
        if (f16_direct)
          ops.qk16(a.q.data() + h * d, d, nr, static_cast<const std::uint16_t*>(kr), stride, nj, d,
                   a.scale, s_out, chunk);
        else
          ops.qk(a.q.data() + h * d, d, nr, static_cast<const float*>(kr), stride, nj, d, a.scale,
                 s_out, chunk);
      });
      for (std::int64_t h = 0; h < a.heads; ++h) {
        float* sr = scores + h * chunk;
        float* part = part0 + h * (d + 2);
        const float mx = *std::max_element(sr, sr + n);
        part[d] = mx;
        part[d + 1] = ops.exp_sum(sr, n, mx);
        std::fill(part, part + d, 0.0f);
      }
      each_block(a.v, [&](std::int64_t h, std::int64_t nr, const void* vr, std::int64_t stride,
                          std::int64_t jt, std::int64_t nj) {
        const float* p = scores + h * chunk + (jt - j0);
        if (f16_direct)
          ops.pv16(p, chunk, nr, nj, static_cast<const std::uint16_t*>(vr), stride, d,
                   part0 + h * (d + 2), d + 2);
        else
          ops.pv(p, chunk, nr, nj, static_cast<const float*>(vr), stride, d, part0 + h * (d + 2),
                 d + 2);
      });
    }
  });
  // Merge: out = sum_c e^(m_c - M) o_c / sum_c e^(m_c - M) l_c.
  pool.parallel_for(0, a.heads, 4, [&](std::int64_t h0, std::int64_t h1) {
    for (std::int64_t h = h0; h < h1; ++h) {
      float mx = -INFINITY;
      for (std::int64_t c = 0; c < chunks; ++c)
        mx = std::max(mx, base[static_cast<std::size_t>((c * a.heads + h) * (d + 2) + d)]);
      float* out = a.out.data() + h * d;
      std::fill(out, out + d, 0.0f);
      float total = 0;
      for (std::int64_t c = 0; c < chunks; ++c) {
        const float* part = base + static_cast<std::size_t>((c * a.heads + h) * (d + 2));
        const float wgt = std::exp(part[d] - mx);
        total += wgt * part[d + 1];
        ops.axpy(out, wgt, part, d);
      }
      const float inv = 1.0f / total;
      for (std::int64_t e = 0; e < d; ++e) out[e] *= inv;
    }
  });
}

}  // namespace llmsizer::kernels::cpu
