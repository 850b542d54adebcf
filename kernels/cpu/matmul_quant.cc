// matmul_quant.cc — weight-only quantized matmul/matvec for llama.cpp's q8_0, q4_0 and q4_k
// blocks. Activations are quantized per block to 8 bits (BlockQ8Act8 / BlockQ8K) once per
// call; each output is then a sum over blocks of integer dot products times f32 scales. The
// AVX2 path multiplies with maddubs (u8 x s8 -> s16) + madd (-> s32), takes the scales of
// eight q8_0/q4_0 blocks as one vector, and uses each unpacked weight block for up to four
// activation rows. The AVX-512 VNNI kernels (matmul_quant_vnni.cc) serve up to eight rows.
#include <algorithm>
#include <cmath>
#include <cstring>

#include "core/check.h"
#include "kernels/cpu/matmul.h"
#include "kernels/cpu/matmul_quant_kernels.h"

#if LLMSIZER_HAVE_X86
#include <immintrin.h>
#endif

namespace llmsizer::kernels::cpu {
namespace {

using quant_detail::DotFn;
using quant_detail::q4k_unpack_scales;
#if LLMSIZER_HAVE_X86
using quant_detail::hsum_epi32;
using quant_detail::scales8;
#endif
using quant_detail::kVnniMaxRows;

constexpr int kMaxRows = 4;  // activation rows sharing one unpacked weight block (AVX2, portable)
constexpr std::size_t kWeightTileBytes = 64 * 1024;

// ---- portable ------------------------------------------------------------------------------

// Block b of a grouped activation row.
struct ActRef {
  const BlockQ8Act8* g;
  float d(std::int64_t b) const { return g[b / 8].d[b % 8]; }
  float s(std::int64_t b) const { return g[b / 8].s[b % 8]; }
  const std::int8_t* qs(std::int64_t b) const { return g[b / 8].qs[b % 8]; }
};

template <int R>
void dot_q8_0_portable(const std::byte* wp, const void* const* acts, std::int64_t nb, float* out) {
  const auto* w = reinterpret_cast<const BlockQ8_0*>(wp);
  for (int r = 0; r < R; ++r) {
    const ActRef a{static_cast<const BlockQ8Act8*>(acts[r])};
    float acc = 0;
    for (std::int64_t b = 0; b < nb; ++b) {
      int isum = 0;
      const std::int8_t* xq = a.qs(b);
      for (int i = 0; i < 32; ++i) isum += w[b].qs[i] * xq[i];
      acc += f16_to_f32(w[b].d) * a.d(b) * static_cast<float>(isum);
    }
    out[r] = acc;
  }
}

template <int R>
void dot_q4_0_portable(const std::byte* wp, const void* const* acts, std::int64_t nb, float* out) {
  const auto* w = reinterpret_cast<const BlockQ4_0*>(wp);
  for (int r = 0; r < R; ++r) {
    const ActRef a{static_cast<const BlockQ8Act8*>(acts[r])};
    float acc = 0, corr = 0;
    for (std::int64_t b = 0; b < nb; ++b) {
      int isum = 0;
      const std::int8_t* xq = a.qs(b);
      for (int i = 0; i < 16; ++i)
        isum += (w[b].qs[i] & 0xF) * xq[i] + (w[b].qs[i] >> 4) * xq[i + 16];
      const float dw = f16_to_f32(w[b].d);
      acc += dw * a.d(b) * static_cast<float>(isum);
      corr += dw * a.s(b);
    }
    out[r] = acc - 8.0f * corr;
  }
}

template <int R>
void dot_q4_k_portable(const std::byte* wp, const void* const* acts, std::int64_t nb, float* out) {
  const auto* w = reinterpret_cast<const BlockQ4_K*>(wp);
  for (int r = 0; r < R; ++r) {
    const auto* a = static_cast<const BlockQ8K*>(acts[r]);
    float acc = 0, corr = 0;
    for (std::int64_t b = 0; b < nb; ++b) {
      int isum = 0, msum = 0;
      for (int j = 0; j < 8; ++j) {
        std::uint8_t sc = 0, mn = 0;
        q4k_scale_min(j, w[b].scales, &sc, &mn);
        const std::uint8_t* q = w[b].qs + 32 * (j / 2);
        const std::int8_t* xq = a[b].qs + 32 * j;
        int s = 0;
        for (int l = 0; l < 32; ++l) s += ((j % 2) ? (q[l] >> 4) : (q[l] & 0xF)) * xq[l];
        isum += sc * s;
        msum += mn * (a[b].bsums[2 * j] + a[b].bsums[2 * j + 1]);
      }
      acc += f16_to_f32(w[b].d) * a[b].d * static_cast<float>(isum);
      corr += f16_to_f32(w[b].dmin) * a[b].d * static_cast<float>(msum);
    }
    out[r] = acc - corr;
  }
}

void quantize_act_q8_portable(const float* x, std::int64_t k, BlockQ8Act8* y) {
  const std::int64_t nb = k / 32;
  for (std::int64_t b = 0; b < nb; ++b) {
    BlockQ8Act8& g = y[b / 8];
    const auto i = static_cast<std::size_t>(b % 8);
    const float* v = x + b * 32;
    float amax = 0;
    for (int l = 0; l < 32; ++l) amax = std::max(amax, std::abs(v[l]));
    const float d = amax / 127.0f;
    const float id = d != 0 ? 1.0f / d : 0.0f;
    int sum = 0;
    for (int l = 0; l < 32; ++l) {
      g.qs[i][l] = static_cast<std::int8_t>(std::nearbyint(v[l] * id));
      sum += g.qs[i][l];
    }
    g.d[i] = d;
    g.s[i] = d * static_cast<float>(sum);
  }
}

// Zeroes the blocks past nb in the last group.
void pad_act_q8(std::int64_t nb, BlockQ8Act8* y) {
  for (std::int64_t b = nb; b % 8 != 0; ++b) {
    BlockQ8Act8& g = y[b / 8];
    const auto i = static_cast<std::size_t>(b % 8);
    g.d[i] = g.s[i] = 0.0f;
    std::memset(g.qs[i], 0, sizeof g.qs[i]);
  }
}

void quantize_act_q8k_portable(const float* x, std::int64_t k, BlockQ8K* y) {
  for (std::int64_t b = 0; b < k / kQKK; ++b) {
    const float* v = x + b * kQKK;
    float amax = 0;
    for (int i = 0; i < kQKK; ++i) amax = std::max(amax, std::abs(v[i]));
    const float d = amax / 127.0f;
    const float id = d != 0 ? 1.0f / d : 0.0f;
    for (int g = 0; g < kQKK / 16; ++g) {
      int sum = 0;
      for (int i = 16 * g; i < 16 * g + 16; ++i) {
        y[b].qs[i] = static_cast<std::int8_t>(std::nearbyint(v[i] * id));
        sum += y[b].qs[i];
      }
      y[b].bsums[g] = static_cast<std::int16_t>(sum);
    }
    y[b].d = d;
  }
}

// ---- AVX2 ----------------------------------------------------------------------------------
#if LLMSIZER_HAVE_X86

LLMSIZER_TARGET_AVX2 inline float hsum_ps(__m256 v) {
  __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  s = _mm_add_ps(s, _mm_movehl_ps(s, s));
  s = _mm_add_ss(s, _mm_movehdup_ps(s));
  return _mm_cvtss_f32(s);
}

LLMSIZER_TARGET_AVX2 inline float hmax_ps(__m256 v) {
  __m128 m = _mm_max_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  m = _mm_max_ps(m, _mm_movehl_ps(m, m));
  m = _mm_max_ss(m, _mm_movehdup_ps(m));
  return _mm_cvtss_f32(m);
}

LLMSIZER_TARGET_AVX2 inline float f16_scalar(std::uint16_t h) {
  return _cvtsh_ss(h);
}

// 32 values -> 32 int8 in order (cvtps2dq rounds to nearest even, like std::nearbyint).
LLMSIZER_TARGET_AVX2 inline __m256i quantize32(const float* v, __m256 id, __m256i* sum32) {
  const __m256i i0 = _mm256_cvtps_epi32(_mm256_mul_ps(_mm256_loadu_ps(v), id));
  const __m256i i1 = _mm256_cvtps_epi32(_mm256_mul_ps(_mm256_loadu_ps(v + 8), id));
  const __m256i i2 = _mm256_cvtps_epi32(_mm256_mul_ps(_mm256_loadu_ps(v + 16), id));
  const __m256i i3 = _mm256_cvtps_epi32(_mm256_mul_ps(_mm256_loadu_ps(v + 24), id));
  sum32[0] = _mm256_add_epi32(i0, i1);
  sum32[1] = _mm256_add_epi32(i2, i3);
  const __m256i p = _mm256_packs_epi16(_mm256_packs_epi32(i0, i1), _mm256_packs_epi32(i2, i3));
  return _mm256_permutevar8x32_epi32(p, _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7));
}

LLMSIZER_TARGET_AVX2 inline __m256 abs_ps(__m256 v) {
  return _mm256_andnot_ps(_mm256_set1_ps(-0.0f), v);
}

LLMSIZER_TARGET_AVX2 void quantize_act_q8_avx2(const float* x, std::int64_t k, BlockQ8Act8* y) {
  for (std::int64_t b = 0; b < k / 32; ++b) {
    BlockQ8Act8& g = y[b / 8];
    const auto i = static_cast<std::size_t>(b % 8);
    const float* v = x + b * 32;
    const __m256 m = _mm256_max_ps(
        _mm256_max_ps(abs_ps(_mm256_loadu_ps(v)), abs_ps(_mm256_loadu_ps(v + 8))),
        _mm256_max_ps(abs_ps(_mm256_loadu_ps(v + 16)), abs_ps(_mm256_loadu_ps(v + 24))));
    const float d = hmax_ps(m) / 127.0f;
    const float id = d != 0 ? 1.0f / d : 0.0f;
    __m256i sums[2];
    const __m256i q = quantize32(v, _mm256_set1_ps(id), sums);
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(g.qs[i]), q);
    g.d[i] = d;
    g.s[i] = d * static_cast<float>(hsum_epi32(_mm256_add_epi32(sums[0], sums[1])));
  }
}

LLMSIZER_TARGET_AVX2 void quantize_act_q8k_avx2(const float* x, std::int64_t k, BlockQ8K* y) {
  for (std::int64_t b = 0; b < k / kQKK; ++b) {
    const float* v = x + b * kQKK;
    __m256 m = _mm256_setzero_ps();
    for (int i = 0; i < kQKK; i += 8) m = _mm256_max_ps(m, abs_ps(_mm256_loadu_ps(v + i)));
    const float d = hmax_ps(m) / 127.0f;
    const float id = d != 0 ? 1.0f / d : 0.0f;
    const __m256 idv = _mm256_set1_ps(id);
    for (int c = 0; c < kQKK / 32; ++c) {
      __m256i sums[2];
      const __m256i q = quantize32(v + 32 * c, idv, sums);
      _mm256_storeu_si256(reinterpret_cast<__m256i*>(y[b].qs + 32 * c), q);
      y[b].bsums[2 * c] = static_cast<std::int16_t>(hsum_epi32(sums[0]));
      y[b].bsums[2 * c + 1] = static_cast<std::int16_t>(hsum_epi32(sums[1]));
    }
    y[b].d = d;
  }
}

// Lane i of v in every lane.
template <int I>
LLMSIZER_TARGET_AVX2 inline __m256 lane(__m256 v) {
  return _mm256_permutevar8x32_ps(v, _mm256_set1_epi32(I));
}

// With one activation row (matvec) two accumulators alternate, so consecutive blocks do not
// wait on one FMA latency chain; with more rows the rows provide the independence.
template <int R>
constexpr int kAccs = R == 1 ? 2 : 1;

template <int R, int I>
LLMSIZER_TARGET_AVX2 inline void q8_0_block8(const BlockQ8_0& w, const BlockQ8Act8* const* g,
                                             const __m256* scale, __m256 (*acc)[kAccs<R>]) {
  const __m256i ones = _mm256_set1_epi16(1);
  const __m256i qw = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(w.qs));
  const __m256i aw = _mm256_sign_epi8(qw, qw);  // |w| as unsigned bytes
  for (int r = 0; r < R; ++r) {
    const __m256i qx = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(g[r]->qs[I]));
    const __m256i p = _mm256_madd_epi16(_mm256_maddubs_epi16(aw, _mm256_sign_epi8(qx, qw)), ones);
    __m256& a = acc[r][I % kAccs<R>];
    a = _mm256_fmadd_ps(_mm256_cvtepi32_ps(p), lane<I>(scale[r]), a);
  }
}

template <int R>
LLMSIZER_TARGET_AVX2 void dot_q8_0_avx2(const std::byte* wp, const void* const* acts,
                                        std::int64_t nb, float* out) {
  const auto* w = reinterpret_cast<const BlockQ8_0*>(wp);
  const BlockQ8Act8* a[R];
  __m256 acc[R][kAccs<R>];
  for (int r = 0; r < R; ++r) {
    a[r] = static_cast<const BlockQ8Act8*>(acts[r]);
    for (auto& v : acc[r]) v = _mm256_setzero_ps();
  }
  const std::int64_t full = nb / 8;
  for (std::int64_t gi = 0; gi < full; ++gi) {
    const BlockQ8_0* wb = w + 8 * gi;
    const __m256 dw = scales8(wb);
    const BlockQ8Act8* g[R];
    __m256 scale[R];
    for (int r = 0; r < R; ++r) {
      g[r] = a[r] + gi;
      scale[r] = _mm256_mul_ps(dw, _mm256_loadu_ps(g[r]->d));
    }
    q8_0_block8<R, 0>(wb[0], g, scale, acc);
    q8_0_block8<R, 1>(wb[1], g, scale, acc);
    q8_0_block8<R, 2>(wb[2], g, scale, acc);
    q8_0_block8<R, 3>(wb[3], g, scale, acc);
    q8_0_block8<R, 4>(wb[4], g, scale, acc);
    q8_0_block8<R, 5>(wb[5], g, scale, acc);
    q8_0_block8<R, 6>(wb[6], g, scale, acc);
    q8_0_block8<R, 7>(wb[7], g, scale, acc);
  }
  float tail[R] = {};
  const std::int64_t rest = nb - 8 * full;
  if (rest > 0) {
    const void* t[R];
    for (int r = 0; r < R; ++r) t[r] = a[r] + full;
    dot_q8_0_portable<R>(wp + 8 * full * sizeof(BlockQ8_0), t, rest, tail);
  }
  for (int r = 0; r < R; ++r) {
    __m256 sum = acc[r][0];
    if constexpr (kAccs<R> == 2) sum = _mm256_add_ps(sum, acc[r][1]);
    out[r] = hsum_ps(sum) + tail[r];
  }
}

template <int R, int I>
LLMSIZER_TARGET_AVX2 inline void q4_0_block8(const BlockQ4_0& w, const BlockQ8Act8* const* g,
                                             const __m256* scale, __m256 (*acc)[kAccs<R>]) {
  const __m256i ones = _mm256_set1_epi16(1);
  // The 16 bytes in both lanes, the high lane shifted right by 4: low lane = low nibbles
  // (elements 0..15), high lane = high nibbles (16..31). Unsigned 0..15: the -8 offset is
  // applied per block through s = d_x * sum(q_x).
  const __m256i raw =
      _mm256_broadcastsi128_si256(_mm_loadu_si128(reinterpret_cast<const __m128i*>(w.qs)));
  const __m256i qw = _mm256_and_si256(_mm256_srlv_epi64(raw, _mm256_set_epi64x(4, 4, 0, 0)),
                                      _mm256_set1_epi8(0x0F));
  for (int r = 0; r < R; ++r) {
    const __m256i qx = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(g[r]->qs[I]));
    const __m256i p = _mm256_madd_epi16(_mm256_maddubs_epi16(qw, qx), ones);
    __m256& a = acc[r][I % kAccs<R>];
    a = _mm256_fmadd_ps(_mm256_cvtepi32_ps(p), lane<I>(scale[r]), a);
  }
}

template <int R>
LLMSIZER_TARGET_AVX2 void dot_q4_0_avx2(const std::byte* wp, const void* const* acts,
                                        std::int64_t nb, float* out) {
  const auto* w = reinterpret_cast<const BlockQ4_0*>(wp);
  const BlockQ8Act8* a[R];
  __m256 acc[R][kAccs<R>];
  for (int r = 0; r < R; ++r) {
    a[r] = static_cast<const BlockQ8Act8*>(acts[r]);
    for (auto& v : acc[r]) v = _mm256_setzero_ps();
  }
  const std::int64_t full = nb / 8;
  for (std::int64_t gi = 0; gi < full; ++gi) {
    const BlockQ4_0* wb = w + 8 * gi;
    const __m256 dw = scales8(wb);
    const __m256 dw8 = _mm256_mul_ps(dw, _mm256_set1_ps(8.0f));
    const BlockQ8Act8* g[R];
    __m256 scale[R];
    for (int r = 0; r < R; ++r) {
      g[r] = a[r] + gi;
      scale[r] = _mm256_mul_ps(dw, _mm256_loadu_ps(g[r]->d));
      // The -8 offset of the eight blocks: - 8 d_w d_x sum(q_x) = - 8 d_w s.
      acc[r][0] = _mm256_fnmadd_ps(dw8, _mm256_loadu_ps(g[r]->s), acc[r][0]);
    }
    q4_0_block8<R, 0>(wb[0], g, scale, acc);
    q4_0_block8<R, 1>(wb[1], g, scale, acc);
    q4_0_block8<R, 2>(wb[2], g, scale, acc);
    q4_0_block8<R, 3>(wb[3], g, scale, acc);
    q4_0_block8<R, 4>(wb[4], g, scale, acc);
    q4_0_block8<R, 5>(wb[5], g, scale, acc);
    q4_0_block8<R, 6>(wb[6], g, scale, acc);
    q4_0_block8<R, 7>(wb[7], g, scale, acc);
  }
  float tail[R] = {};
  const std::int64_t rest = nb - 8 * full;
  if (rest > 0) {
    const void* t[R];
    for (int r = 0; r < R; ++r) t[r] = a[r] + full;
    dot_q4_0_portable<R>(wp + 8 * full * sizeof(BlockQ4_0), t, rest, tail);
  }
  for (int r = 0; r < R; ++r) {
    __m256 sum = acc[r][0];
    if constexpr (kAccs<R> == 2) sum = _mm256_add_ps(sum, acc[r][1]);
    out[r] = hsum_ps(sum) + tail[r];
  }
}

template <int R>
LLMSIZER_TARGET_AVX2 void dot_q4_k_avx2(const std::byte* wp, const void* const* acts,
                                        std::int64_t nb, float* out) {
  const auto* w = reinterpret_cast<const BlockQ4_K*>(wp);
  const BlockQ8K* a[R];
  __m256 acc[R];
  __m128 accm[R];
  for (int r = 0; r < R; ++r) {
    a[r] = static_cast<const BlockQ8K*>(acts[r]);
    acc[r] = _mm256_setzero_ps();
    accm[r] = _mm_setzero_ps();
  }
  const __m256i low4 = _mm256_set1_epi8(0x0F);
  for (std::int64_t b = 0; b < nb; ++b) {
    std::uint32_t sm[4];
    q4k_unpack_scales(w[b].scales, sm);
    // 16-bit scales (lanes 0..7) and mins (8..15).
    const __m256i scales_mins =
        _mm256_cvtepu8_epi16(_mm_set_epi32(static_cast<int>(sm[3]), static_cast<int>(sm[2]),
                                           static_cast<int>(sm[1]), static_cast<int>(sm[0])));
    const __m128i mins = _mm256_extracti128_si256(scales_mins, 1);
    const __m128i sc128 = _mm256_castsi256_si128(scales_mins);
    const __m256i scales = _mm256_set_m128i(sc128, sc128);
    const float d = f16_scalar(w[b].d), dmin = f16_scalar(w[b].dmin);
    __m256i isum[R];
    for (int r = 0; r < R; ++r) {
      isum[r] = _mm256_setzero_si256();
      // Sum over sub-blocks of min_j * sum(q_x in sub-block j): bsums are per 16 values.
      const auto* bs = reinterpret_cast<const __m128i*>(a[r][b].bsums);
      const __m128i q8s = _mm_hadd_epi16(_mm_loadu_si128(bs), _mm_loadu_si128(bs + 1));
      accm[r] = _mm_fmadd_ps(_mm_set1_ps(dmin * a[r][b].d),
                             _mm_cvtepi32_ps(_mm_madd_epi16(mins, q8s)), accm[r]);
    }
    for (int c = 0; c < 4; ++c) {
      const __m256i raw = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(w[b].qs + 32 * c));
      const __m256i lo = _mm256_and_si256(raw, low4);
      const __m256i hi = _mm256_and_si256(_mm256_srli_epi16(raw, 4), low4);
      // Broadcast 16-bit scale 2c (and 2c + 1) to every lane.
      const __m256i slo = _mm256_shuffle_epi8(
          scales, _mm256_set1_epi16(static_cast<short>(0x0100 * (4 * c + 1) + 4 * c)));
      const __m256i shi = _mm256_shuffle_epi8(
          scales, _mm256_set1_epi16(static_cast<short>(0x0100 * (4 * c + 3) + 4 * c + 2)));
      for (int r = 0; r < R; ++r) {
        const auto* xq = reinterpret_cast<const __m256i*>(a[r][b].qs + 64 * c);
        const __m256i plo = _mm256_maddubs_epi16(lo, _mm256_loadu_si256(xq));
        const __m256i phi = _mm256_maddubs_epi16(hi, _mm256_loadu_si256(xq + 1));
        isum[r] = _mm256_add_epi32(
            isum[r], _mm256_add_epi32(_mm256_madd_epi16(plo, slo), _mm256_madd_epi16(phi, shi)));
      }
    }
    for (int r = 0; r < R; ++r)
      acc[r] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(isum[r]), _mm256_set1_ps(d * a[r][b].d), acc[r]);
  }
  for (int r = 0; r < R; ++r) {
    __m128 m = _mm_add_ps(accm[r], _mm_movehl_ps(accm[r], accm[r]));
    m = _mm_add_ss(m, _mm_movehdup_ps(m));
    out[r] = hsum_ps(acc[r]) - _mm_cvtss_f32(m);
  }
}

#endif  // LLMSIZER_HAVE_X86

struct QuantFamily {
  int block_elems;
  std::size_t weight_block_bytes;
  bool act_256;  // activations in BlockQ8K (else BlockQ8Act8)
  DotFn portable[kMaxRows];
  DotFn avx2[kMaxRows];
  const DotFn* vnni;  // kVnniMaxRows entries (nullptr off x86-64)
};

const QuantFamily& family(core::DType dtype) {
#if LLMSIZER_HAVE_X86
#define LLMSIZER_AVX2_DOTS(name) \
  { name<1>, name<2>, name<3>, name<4> }
#else
#define LLMSIZER_AVX2_DOTS(name) \
  { nullptr, nullptr, nullptr, nullptr }
#endif
  static const QuantFamily q8_0{
      kQK8_0,
      sizeof(BlockQ8_0),
      false,
      {dot_q8_0_portable<1>, dot_q8_0_portable<2>, dot_q8_0_portable<3>, dot_q8_0_portable<4>},
      LLMSIZER_AVX2_DOTS(dot_q8_0_avx2),
      quant_detail::vnni_dots().q8_0};
  static const QuantFamily q4_0{
      kQK4_0,
      sizeof(BlockQ4_0),
      false,
      {dot_q4_0_portable<1>, dot_q4_0_portable<2>, dot_q4_0_portable<3>, dot_q4_0_portable<4>},
      LLMSIZER_AVX2_DOTS(dot_q4_0_avx2),
      quant_detail::vnni_dots().q4_0};
  static const QuantFamily q4_k{
      kQKK,
      sizeof(BlockQ4_K),
      true,
      {dot_q4_k_portable<1>, dot_q4_k_portable<2>, dot_q4_k_portable<3>, dot_q4_k_portable<4>},
      LLMSIZER_AVX2_DOTS(dot_q4_k_avx2),
      quant_detail::vnni_dots().q4_k};
#undef LLMSIZER_AVX2_DOTS
  switch (dtype) {
    case core::DType::kQ8_0:
      return q8_0;
    case core::DType::kQ4_0:
      return q4_0;
    case core::DType::kQ4_K:
      return q4_k;
    default:
      LLMSIZER_CHECK(false, "matmul_quantized: dtype is not q8_0, q4_0 or q4_k");
  }
  return q8_0;
}

}  // namespace

void quantize_act_q8(Isa isa, const float* x, std::int64_t k, BlockQ8Act8* y) {
  LLMSIZER_CHECK(k % 32 == 0, "quantize_act_q8: k must be a multiple of 32");
  pad_act_q8(k / 32, y);
#if LLMSIZER_HAVE_X86
  if (isa_has_avx2(isa)) return quantize_act_q8_avx2(x, k, y);
#endif
  (void)isa;
  quantize_act_q8_portable(x, k, y);
}

void quantize_act_q8k(Isa isa, const float* x, std::int64_t k, BlockQ8K* y) {
  LLMSIZER_CHECK(k % kQKK == 0, "quantize_act_q8k: k must be a multiple of 256");
#if LLMSIZER_HAVE_X86
  if (isa_has_avx2(isa)) return quantize_act_q8k_avx2(x, k, y);
#endif
  (void)isa;
  quantize_act_q8k_portable(x, k, y);
}

void matmul_quantized(Isa isa, core::DType dtype, const float* x, const std::byte* w, float* y,
                      std::int64_t m, std::int64_t k, std::int64_t n, ThreadPool& pool,
                      Workspace& ws, WeightLayout layout) {
  LLMSIZER_CHECK(isa_supported(isa), "matmul_quantized: instruction set not supported here");
  LLMSIZER_CHECK(layout_supported(dtype, layout), "matmul_quantized: no such layout for the dtype");
  const bool grouped = layout == WeightLayout::kRows4x16;
  const QuantFamily& fam = family(dtype);
  LLMSIZER_CHECK(k % fam.block_elems == 0, "matmul_quantized: k is not a whole number of blocks");
  if (m <= 0 || n <= 0) return;
  if (k == 0) {
    std::fill(y, y + m * n, 0.0f);
    return;
  }
  const std::int64_t nb = k / fam.block_elems;
  // One activation row: k / 256 BlockQ8K, or ceil(k / 256) groups of eight 32-value blocks.
  // rows4x16: ceil(nb / 16) BlockQ8Act16, made from pairs of BlockQ8Act8 groups.
  const std::int64_t groups16 = (nb + 15) / 16;
  const std::size_t act_row = fam.act_256 ? static_cast<std::size_t>(k / kQKK) * sizeof(BlockQ8K)
                              : grouped
                                  ? static_cast<std::size_t>(groups16) * sizeof(BlockQ8Act16)
                                  : static_cast<std::size_t>((k + 255) / 256) * sizeof(BlockQ8Act8);
  const std::size_t w_row = static_cast<std::size_t>(nb) * fam.weight_block_bytes;
  std::byte* act = ws.get(act_row * static_cast<std::size_t>(m)).data();

  pool.parallel_for(0, m, 1, [&](std::int64_t i0, std::int64_t i1) {
    for (std::int64_t i = i0; i < i1; ++i) {
      std::byte* dst = act + static_cast<std::size_t>(i) * act_row;
      if (fam.act_256) {
        auto* blocks = reinterpret_cast<BlockQ8K*>(dst);
        quantize_act_q8k(isa, x + i * k, k, blocks);
        if (isa == Isa::kAvx512Vnni) quant_detail::interleave_q4_k_acts(blocks, nb);
      } else {
        auto* groups = reinterpret_cast<BlockQ8Act8*>(dst);
        quantize_act_q8(isa, x + i * k, k, groups);
        if (grouped) {
          // An odd number of eight-block groups: the pair's second one is all padding.
          if (const std::int64_t g8 = (nb + 7) / 8; g8 % 2 != 0)
            std::memset(static_cast<void*>(groups + g8), 0, sizeof(BlockQ8Act8));
          quant_detail::group16_acts(groups, groups16);
        } else if (isa == Isa::kAvx512Vnni && dtype == core::DType::kQ4_0) {
          quant_detail::interleave_q4_0_acts(groups, nb / 8);
        }
      }
    }
  });

  // A tile of W rows (about 64 KiB, a multiple of 4 rows) stays in L1/L2 while every group of
  // activation rows passes over it, so W is read from memory once per call whatever m is.
  const std::int64_t tile =
      std::max<std::int64_t>(4, static_cast<std::int64_t>(kWeightTileBytes / w_row) / 4 * 4);
  if (grouped) {
    // rows4x16: tiles of four rows (read by one tile call per group of activation rows), then
    // the last n % 4 rows one by one. Chunks of W rows are multiples of 4, so tiles stay whole.
    const quant_detail::Rows4x16Dots* d = quant_detail::rows4x16_portable_dots(dtype);
    if (isa == Isa::kAvx512Vnni) {
      const auto& v = quant_detail::vnni_dots();
      d = dtype == core::DType::kQ4_0 ? &v.q4_0_rows4x16 : &v.q8_0_rows4x16;
    }
    constexpr int kRows = quant_detail::kTileMaxRows, kTile = quant_detail::kTileRows;
    const std::int64_t n4 = n / kTile * kTile;
    pool.parallel_for(0, n, kTile, [&](std::int64_t j0, std::int64_t j1) {
      const void* rows[kRows];
      float out[kTile * kRows];
      for (std::int64_t jt = j0; jt < j1; jt += tile) {
        const std::int64_t jt1 = std::min(j1, jt + tile);
        for (std::int64_t i0 = 0; i0 < m; i0 += kRows) {
          const int r = static_cast<int>(std::min<std::int64_t>(kRows, m - i0));
          for (int t = 0; t < r; ++t) rows[t] = act + static_cast<std::size_t>(i0 + t) * act_row;
          for (std::int64_t j = jt; j < jt1;) {
            const std::byte* wj = w + static_cast<std::size_t>(j) * w_row;
            const int rows_here = j < n4 ? kTile : 1;
            (rows_here == kTile ? d->tile : d->row)[r - 1](wj, rows, nb, out);
            for (int v = 0; v < rows_here; ++v)
              for (int t = 0; t < r; ++t) y[(i0 + t) * n + j + v] = out[v * r + t];
            j += rows_here;
          }
        }
      }
    });
    return;
  }
  const DotFn* dots = fam.portable;
  int max_rows = kMaxRows;
  if (isa == Isa::kAvx512Vnni) {
    dots = fam.vnni;
    max_rows = kVnniMaxRows;
  } else if (isa_has_avx2(isa)) {
    dots = fam.avx2;
  }
  // Rows of W per chunk: a multiple of 4; small enough to spread a matvec over the threads.
  pool.parallel_for(0, n, 4, [&](std::int64_t j0, std::int64_t j1) {
    const void* rows[kVnniMaxRows];
    float out[kVnniMaxRows];
    for (std::int64_t jt = j0; jt < j1; jt += tile) {
      const std::int64_t jt1 = std::min(j1, jt + tile);
      for (std::int64_t i0 = 0; i0 < m; i0 += max_rows) {
        const int r = static_cast<int>(std::min<std::int64_t>(max_rows, m - i0));
        for (int t = 0; t < r; ++t) rows[t] = act + static_cast<std::size_t>(i0 + t) * act_row;
        for (std::int64_t j = jt; j < jt1; ++j) {
          dots[r - 1](w + static_cast<std::size_t>(j) * w_row, rows, nb, out);
          for (int t = 0; t < r; ++t) y[(i0 + t) * n + j] = out[t];
        }
      }
    }
  });
}

}  // namespace llmsizer::kernels::cpu
