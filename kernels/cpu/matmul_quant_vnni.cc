// matmul_quant_vnni.cc — AVX-512 VNNI dot products for the quantized matmul (q8_0, q4_0,
// q4_k weights against 8-bit activation blocks; see matmul_quant_kernels.h for the contract).
// vpdpbusd (u8 x s8, four products summed into s32) on 512-bit vectors, an f32 scale per
// block: q8_0 two blocks per vector, weights made unsigned (+ 128); q4_0 four blocks per
// vector pair (low / high nibbles, unsigned) against re-ordered activations; both remove the
// weight offset through the activation block sums s = d_x * sum(q_x). q4_k: 128 values per
// 64-byte load, maddubs + vpdpwssd with the 6-bit sub-block scales, activations re-ordered to
// match. Each unpacked weight vector serves R activation rows (1 for matvec, up to 8).
#include <cstddef>
#include <cstring>
#include <type_traits>

#include "kernels/block_layout.h"
#include "kernels/cpu/isa.h"
#include "kernels/cpu/matmul_quant_kernels.h"

#if LLMSIZER_HAVE_X86
#include <immintrin.h>
#endif

// GCC 12's AVX-512 intrinsics start from _mm512_undefined_*() (`__m512 __Y = __Y;`), which
// -Wuninitialized reports at every inlined use; the values are overwritten or masked off.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif

namespace llmsizer::kernels::cpu::quant_detail {
namespace {
#if LLMSIZER_HAVE_X86

#define LLMSIZER_VNNI LLMSIZER_TARGET_AVX512VNNI

LLMSIZER_VNNI inline float hsum_ps(__m512 v) {
  __m256 s = _mm256_add_ps(_mm512_castps512_ps256(v),
                           _mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(v), 1)));
  __m128 h = _mm_add_ps(_mm256_castps256_ps128(s), _mm256_extractf128_ps(s, 1));
  h = _mm_add_ps(h, _mm_movehl_ps(h, h));
  h = _mm_add_ss(h, _mm_movehdup_ps(h));
  return _mm_cvtss_f32(h);
}

// Lanes 0..7 = lane 2P of v, lanes 8..15 = lane 2P + 1: the scales of a block pair.
template <int P>
LLMSIZER_VNNI inline __m512 pair_lanes(__m512 v) {
  return _mm512_permutexvar_ps(
      _mm512_inserti64x4(_mm512_set1_epi32(2 * P), _mm256_set1_epi32(2 * P + 1), 1), v);
}

// Matvec (R = 1): four accumulators so consecutive pairs do not wait on one FMA chain; with
// more rows the rows provide the independence.
template <int R>
constexpr int kAccs = R == 1 ? 4 : 1;

// Per-row state of the q8_0/q4_0 kernels over one group of eight blocks.
template <int R>
struct Rows {
  const BlockQ8Act8* g[R];
  __m512 scale[R];  // d_w * d_x of the eight blocks (lanes 0..7)
};

// q8_0 weights + 128 (unsigned) of blocks 2P and 2P + 1.
template <int P>
LLMSIZER_VNNI inline __m512i q8_0_pair(const BlockQ8_0* wb) {
  const __m512i w = _mm512_inserti64x4(
      _mm512_castsi256_si512(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(wb[2 * P].qs))),
      _mm256_loadu_si256(reinterpret_cast<const __m256i*>(wb[2 * P + 1].qs)), 1);
  return _mm512_xor_si512(w, _mm512_set1_epi8(static_cast<char>(0x80)));
}

// Lanes 4i..4i+3 = lane 4H + i of v (i = 0..3): the scales of blocks 4H..4H+3.
template <int H>
LLMSIZER_VNNI inline __m512 quad_lanes(__m512 v) {
  constexpr int b = 4 * H;
  return _mm512_permutexvar_ps(_mm512_setr_epi32(b, b, b, b, b + 1, b + 1, b + 1, b + 1, b + 2,
                                                 b + 2, b + 2, b + 2, b + 3, b + 3, b + 3, b + 3),
                               v);
}

// q4_0, blocks 4H..4H+3 of a group (unsigned nibbles 0..15) against the interleaved activation
// layout (interleave_q4_0_acts): elements 0..15 of the four blocks, then 16..31.
template <int R, int H>
LLMSIZER_VNNI inline void q4_0_quad(const BlockQ4_0* wb, const Rows<R>& rows,
                                    __m512 (*acc)[kAccs<R>]) {
  const auto* q = wb + 4 * H;
  const auto load = [&](int i) {
    return _mm_loadu_si128(reinterpret_cast<const __m128i*>(q[i].qs));
  };
  const __m256i z01 = _mm256_inserti128_si256(_mm256_castsi128_si256(load(0)), load(1), 1);
  const __m256i z23 = _mm256_inserti128_si256(_mm256_castsi128_si256(load(2)), load(3), 1);
  const __m512i z = _mm512_inserti64x4(_mm512_castsi256_si512(z01), z23, 1);
  const __m512i low4 = _mm512_set1_epi8(0x0F);
  const __m512i lo = _mm512_and_si512(z, low4);
  const __m512i hi = _mm512_and_si512(_mm512_srli_epi16(z, 4), low4);
  for (int r = 0; r < R; ++r) {
    const std::int8_t* x = rows.g[r]->qs[4 * H];
    __m512i p = _mm512_dpbusd_epi32(_mm512_setzero_si512(), lo, _mm512_loadu_si512(x));
    p = _mm512_dpbusd_epi32(p, hi, _mm512_loadu_si512(x + 64));
    __m512& a = acc[r][H % kAccs<R>];
    a = _mm512_fmadd_ps(_mm512_cvtepi32_ps(p), quad_lanes<H>(rows.scale[r]), a);
  }
}

// The f16 scales of a group of eight q4_0 blocks (18 B apart, all within its first 128 bytes)
// in lanes 0..7: one two-source word permute instead of eight scalar loads.
LLMSIZER_VNNI inline __m512 q4_0_scales8(const BlockQ4_0* wb) {
  const auto* bytes = reinterpret_cast<const char*>(wb);
  const __m512i a = _mm512_loadu_si512(bytes), b = _mm512_loadu_si512(bytes + 64);
  // Word indices 9i (i = 0..7), four to a 64-bit lane.
  const __m512i idx = _mm512_setr_epi64(0 | 9 << 16 | 18LL << 32 | 27LL << 48,
                                        36 | 45 << 16 | 54LL << 32 | 63LL << 48, 0, 0, 0, 0, 0, 0);
  const __m512i d16 = _mm512_permutex2var_epi16(a, idx, b);
  return _mm512_zextps256_ps512(_mm256_cvtph_ps(_mm512_castsi512_si128(d16)));
}

template <int R, int P>
LLMSIZER_VNNI inline void pair_dot(__m512i wq, const Rows<R>& rows, __m512 (*acc)[kAccs<R>]) {
  for (int r = 0; r < R; ++r) {
    const __m512i x = _mm512_loadu_si512(rows.g[r]->qs[2 * P]);
    const __m512i p = _mm512_dpbusd_epi32(_mm512_setzero_si512(), wq, x);
    __m512& a = acc[r][P % kAccs<R>];
    a = _mm512_fmadd_ps(_mm512_cvtepi32_ps(p), pair_lanes<P>(rows.scale[r]), a);
  }
}

// Shared driver of q8_0 and q4_0: the unsigned weight form adds kOffset (128 or 8), removed
// per block as kOffset * d_w * s.
template <int R, typename Block>
LLMSIZER_VNNI void dot_blocks(const std::byte* wp, const void* const* acts, std::int64_t nb,
                              float* out) {
  constexpr float kOffset = std::is_same_v<Block, BlockQ8_0> ? 128.0f : 8.0f;
  const auto* w = reinterpret_cast<const Block*>(wp);
  const BlockQ8Act8* a[R];
  __m512 acc[R][kAccs<R>];
  // Few rows: the offsets accumulate apart (sum of d_w * s, times kOffset at the end), which
  // keeps them off the dot products' FMA chains; many rows: folded in, saving registers.
  constexpr bool kSeparateCorr = R <= 2;
  __m512 corr[R];
  for (int r = 0; r < R; ++r) {
    a[r] = static_cast<const BlockQ8Act8*>(acts[r]);
    for (auto& v : acc[r]) v = _mm512_setzero_ps();
    corr[r] = _mm512_setzero_ps();
  }
  const std::int64_t full = nb / 8;
  for (std::int64_t gi = 0; gi < full; ++gi) {
    const Block* wb = w + 8 * gi;
    __m512 dw;
    if constexpr (std::is_same_v<Block, BlockQ8_0>)
      dw = _mm512_zextps256_ps512(scales8(wb));
    else
      dw = q4_0_scales8(wb);
    const __m512 dw_off = kSeparateCorr ? dw : _mm512_mul_ps(dw, _mm512_set1_ps(kOffset));
    Rows<R> rows;
    for (int r = 0; r < R; ++r) {
      rows.g[r] = a[r] + gi;
      rows.scale[r] = _mm512_mul_ps(dw, _mm512_maskz_loadu_ps(0xFF, rows.g[r]->d));
      const __m512 sx = _mm512_maskz_loadu_ps(0xFF, rows.g[r]->s);
      if constexpr (kSeparateCorr)
        corr[r] = _mm512_fmadd_ps(dw, sx, corr[r]);
      else
        acc[r][0] = _mm512_fnmadd_ps(dw_off, sx, acc[r][0]);
    }
    if constexpr (std::is_same_v<Block, BlockQ8_0>) {
      pair_dot<R, 0>(q8_0_pair<0>(wb), rows, acc);
      pair_dot<R, 1>(q8_0_pair<1>(wb), rows, acc);
      pair_dot<R, 2>(q8_0_pair<2>(wb), rows, acc);
      pair_dot<R, 3>(q8_0_pair<3>(wb), rows, acc);
    } else {
      q4_0_quad<R, 0>(wb, rows, acc);
      q4_0_quad<R, 1>(wb, rows, acc);
    }
  }
  float tail[R] = {};
  for (std::int64_t b = 8 * full; b < nb; ++b) {
    // Single blocks past the last full group, 256 bits at a time.
    __m256i wq;
    if constexpr (std::is_same_v<Block, BlockQ8_0>) {
      wq = _mm256_xor_si256(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(w[b].qs)),
                            _mm256_set1_epi8(static_cast<char>(0x80)));
    } else {
      const __m256i raw =
          _mm256_broadcastsi128_si256(_mm_loadu_si128(reinterpret_cast<const __m128i*>(w[b].qs)));
      wq = _mm256_and_si256(_mm256_srlv_epi64(raw, _mm256_set_epi64x(4, 4, 0, 0)),
                            _mm256_set1_epi8(0x0F));
    }
    const float dw = _cvtsh_ss(w[b].d);
    const auto i = static_cast<std::size_t>(b % 8);
    for (int r = 0; r < R; ++r) {
      const BlockQ8Act8& g = a[r][b / 8];
      const __m256i x = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(g.qs[i]));
      const int isum = hsum_epi32(_mm256_dpbusd_epi32(_mm256_setzero_si256(), wq, x));
      tail[r] += dw * g.d[i] * static_cast<float>(isum) - kOffset * dw * g.s[i];
    }
  }
  for (int r = 0; r < R; ++r) {
    __m512 sum = acc[r][0];
    for (int j = 1; j < kAccs<R>; ++j) sum = _mm512_add_ps(sum, acc[r][j]);
    if constexpr (kSeparateCorr) sum = _mm512_fnmadd_ps(_mm512_set1_ps(kOffset), corr[r], sum);
    out[r] = hsum_ps(sum) + tail[r];
  }
}

template <int R>
LLMSIZER_VNNI void dot_q8_0_vnni(const std::byte* wp, const void* const* acts, std::int64_t nb,
                                 float* out) {
  dot_blocks<R, BlockQ8_0>(wp, acts, nb, out);
}

template <int R>
LLMSIZER_VNNI void dot_q4_0_vnni(const std::byte* wp, const void* const* acts, std::int64_t nb,
                                 float* out) {
  dot_blocks<R, BlockQ4_0>(wp, acts, nb, out);
}

// ---- rows4x16 layout (matmul.h): 32-bit lane j of every vector is block j ------------------

// The few-rows kernels keep the weight offset's correction apart from the dot products' FMA
// chains; with many accumulators it is folded in (acc -= offset * d_w * s), saving registers.
template <int R, int NW>
constexpr bool kFoldCorr = R* NW > 2;

// One group (n blocks, n = 16 unless kMasked) of a tile of NW weight rows at grp, against
// R activation rows: R x NW x (W dot products) and one f32 scale vector each, no shuffles. q4_0:
// the low nibbles of word w are elements 4w..4w+3 of each block and pair with activation word
// w, the high nibbles (masked in place, 16 x their value) with word w + 4. Each activation vector
// serves the NW weight rows and each weight vector the R activation rows, which keeps the loads per
// dot product low.
template <int R, int NW, bool Q4, bool kMasked>
LLMSIZER_VNNI inline void g16_group(const char* grp, int n, const BlockQ8Act16* const* x,
                                    __m512 (*acc)[NW], __m512 (*corr)[NW]) {
  constexpr int kWords = Q4 ? 4 : 8;
  // q4_0: two chains, low nibbles and high nibbles (the latter kept in place, x 16, so that
  // one AND extracts them; the chain is shifted back once per group). q8_0: two chains for a
  // single dot, one otherwise.
  constexpr int kChains = Q4 || R * NW == 1 ? 2 : 1;
  constexpr float kOffset = Q4 ? 8.0f : 128.0f;
  const auto m = static_cast<__mmask16>(kMasked ? (1u << n) - 1 : 0xFFFFu);
  const int lanes = kMasked ? n : 16;
  const int row_words = 4 * kWords * lanes;  // bytes of one row's words in the group
  __m512 dw[NW];
  for (int v = 0; v < NW; ++v) {
    const char* sc = grp + 2 * lanes * v;
    dw[v] = _mm512_cvtph_ps(kMasked ? _mm256_maskz_loadu_epi16(m, sc)
                                    : _mm256_loadu_si256(reinterpret_cast<const __m256i*>(sc)));
  }
  __m512i isum[R][NW][kChains];
  for (auto& row : isum)
    for (auto& col : row)
      for (auto& c : col) c = _mm512_setzero_si512();
  // Row by row, word by word: the loads walk the tile forward, which the hardware prefetchers
  // follow (word by word across the rows, they see four interleaved strides and fall behind).
  for (int v = 0; v < NW; ++v) {
    for (int w = 0; w < kWords; ++w) {
      const char* src = grp + 2 * lanes * NW + row_words * v + 4 * lanes * w;
      __m512i raw = kMasked ? _mm512_maskz_loadu_epi32(m, src) : _mm512_loadu_si512(src);
      // Keep the weights in a register: folded into both of their uses, they load twice.
      __asm__("" : "+v"(raw));
      if constexpr (Q4) {
        const __m512i lo = _mm512_and_si512(raw, _mm512_set1_epi8(0x0F));
        const __m512i hi16 = _mm512_and_si512(raw, _mm512_set1_epi8(static_cast<char>(0xF0)));
        for (int r = 0; r < R; ++r) {
          auto& is = isum[r][v];
          is[0] = _mm512_dpbusd_epi32(is[0], lo, _mm512_loadu_si512(x[r]->qs[w]));
          is[1] = _mm512_dpbusd_epi32(is[1], hi16, _mm512_loadu_si512(x[r]->qs[w + 4]));
        }
      } else {
        const __m512i u = _mm512_xor_si512(raw, _mm512_set1_epi8(static_cast<char>(0x80)));
        for (int r = 0; r < R; ++r) {
          auto& is = isum[r][v][w % kChains];
          is = _mm512_dpbusd_epi32(is, u, _mm512_loadu_si512(x[r]->qs[w]));
        }
      }
    }
  }
  for (int r = 0; r < R; ++r) {
    const __m512 dx = _mm512_loadu_ps(x[r]->d), sx = _mm512_loadu_ps(x[r]->s);
    for (int v = 0; v < NW; ++v) {
      __m512i s = isum[r][v][0];
      if constexpr (Q4)  // the high-nibble chain is 16 x its products, exactly
        s = _mm512_add_epi32(s, _mm512_srai_epi32(isum[r][v][1], 4));
      else if constexpr (kChains == 2)
        s = _mm512_add_epi32(s, isum[r][v][1]);
      acc[r][v] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(s), _mm512_mul_ps(dw[v], dx), acc[r][v]);
      if constexpr (kFoldCorr<R, NW>)
        acc[r][v] = _mm512_fnmadd_ps(_mm512_mul_ps(dw[v], _mm512_set1_ps(kOffset)), sx, acc[r][v]);
      else
        corr[r][v] = _mm512_fmadd_ps(dw[v], sx, corr[r][v]);
    }
  }
}

// out[v * R + r] = dot(row v of a tile of NW rows at wp, activation row r). Unsigned weights
// (q4_0 nibbles 0..15, q8_0 + 128); the offset (8 or 128) comes off as offset * sum over blocks
// of d_w * s (s = d_x * sum(q_x)).
template <int R, int NW, bool Q4>
LLMSIZER_VNNI void dot_g16_vnni(const std::byte* wp, const void* const* acts, std::int64_t nb,
                                float* out) {
  constexpr std::size_t kBlockBytes = Q4 ? sizeof(BlockQ4_0) : sizeof(BlockQ8_0);
  constexpr std::size_t kRecordBytes = 16 * kBlockBytes;
  constexpr float kOffset = Q4 ? 8.0f : 128.0f;
  const BlockQ8Act16* x[R];
  __m512 acc[R][NW], corr[R][NW];
  for (int r = 0; r < R; ++r) {
    x[r] = static_cast<const BlockQ8Act16*>(acts[r]);
    for (int v = 0; v < NW; ++v) acc[r][v] = corr[r][v] = _mm512_setzero_ps();
  }
  const auto* grp = reinterpret_cast<const char*>(wp);
  const std::int64_t full = nb / 16;
  for (std::int64_t g = 0; g < full; ++g, grp += NW * kRecordBytes) {
    g16_group<R, NW, Q4, false>(grp, 16, x, acc, corr);
    for (auto& xr : x) ++xr;
  }
  if (const int n = static_cast<int>(nb - 16 * full); n > 0)
    g16_group<R, NW, Q4, true>(grp, n, x, acc, corr);
  for (int r = 0; r < R; ++r)
    for (int v = 0; v < NW; ++v)
      out[v * R + r] = hsum_ps(
          kFoldCorr<R, NW> ? acc[r][v]
                           : _mm512_fnmadd_ps(_mm512_set1_ps(kOffset), corr[r][v], acc[r][v]));
}

template <int R>
LLMSIZER_VNNI void row_q8_0_vnni(const std::byte* wp, const void* const* acts, std::int64_t nb,
                                 float* out) {
  dot_g16_vnni<R, 1, false>(wp, acts, nb, out);
}
template <int R>
LLMSIZER_VNNI void row_q4_0_vnni(const std::byte* wp, const void* const* acts, std::int64_t nb,
                                 float* out) {
  dot_g16_vnni<R, 1, true>(wp, acts, nb, out);
}
template <int R>
LLMSIZER_VNNI void tile_q8_0_vnni(const std::byte* wp, const void* const* acts, std::int64_t nb,
                                  float* out) {
  dot_g16_vnni<R, kTileRows, false>(wp, acts, nb, out);
}
template <int R>
LLMSIZER_VNNI void tile_q4_0_vnni(const std::byte* wp, const void* const* acts, std::int64_t nb,
                                  float* out) {
  dot_g16_vnni<R, kTileRows, true>(wp, acts, nb, out);
}

// q4k_unpack_scales in one vector: bytes 0..7 the 6-bit scales, 8..15 the mins of a block.
// The block's first 16 bytes are (d, dmin) and the 12 packed bytes u0, u1, u2 (32-bit lanes).
LLMSIZER_VNNI inline __m128i q4k_scales_mins(const BlockQ4_K* w) {
  static_assert(offsetof(BlockQ4_K, scales) == 4);
  const __m128i u = _mm_loadu_si128(reinterpret_cast<const __m128i*>(w));
  // a = (u0, u2, u1, u2 >> 4); b = (u0, u0, u1, u1) >> 2, for the high bits (bits 6-7 -> 4-5).
  const __m128i a =
      _mm_srlv_epi32(_mm_shuffle_epi32(u, _MM_SHUFFLE(3, 2, 3, 1)), _mm_setr_epi32(0, 0, 0, 4));
  const __m128i b = _mm_srli_epi32(_mm_shuffle_epi32(u, _MM_SHUFFLE(2, 2, 1, 1)), 2);
  const __m128i lo =
      _mm_and_si128(a, _mm_setr_epi32(0x3f3f3f3f, 0x0f0f0f0f, 0x3f3f3f3f, 0x0f0f0f0f));
  return _mm_or_si128(lo, _mm_and_si128(b, _mm_setr_epi32(0, 0x30303030, 0, 0x30303030)));
}

// pshufb control: word J of each 128-bit lane in every word of lanes 0-1, word J2 in lanes 2-3.
template <int J, int J2>
LLMSIZER_VNNI inline __m512i spread_words() {
  return _mm512_inserti64x4(_mm512_set1_epi16(static_cast<short>(0x0202 * J + 0x0100)),
                            _mm256_set1_epi16(static_cast<short>(0x0202 * J2 + 0x0100)), 1);
}

// Sub-blocks 4P..4P+3 (128 values, 64 weight bytes) of a q4_k block for every row, against
// the interleaved activation order (interleave_q4_k_acts): sub-blocks 4P, 4P+2, 4P+1, 4P+3.
// `scales` holds the eight 16-bit sub-block scales in every 128-bit lane.
template <int R, int P>
LLMSIZER_VNNI inline void q4_k_half(const BlockQ4_K& w, __m512i scales, const BlockQ8K* const* x,
                                    __m512i* isum) {
  const __m512i raw = _mm512_loadu_si512(w.qs + 64 * P);
  const __m512i low4 = _mm512_set1_epi8(0x0F);
  // Low nibbles: sub-blocks 4P (bytes 0..31) and 4P+2; high nibbles: 4P+1 and 4P+3.
  const __m512i lo = _mm512_and_si512(raw, low4);
  const __m512i hi = _mm512_and_si512(_mm512_srli_epi16(raw, 4), low4);
  const __m512i sc_lo = _mm512_shuffle_epi8(scales, spread_words<4 * P, 4 * P + 2>());
  const __m512i sc_hi = _mm512_shuffle_epi8(scales, spread_words<4 * P + 1, 4 * P + 3>());
  for (int r = 0; r < R; ++r) {
    const std::int8_t* q = x[r]->qs + 128 * P;
    const __m512i plo = _mm512_maddubs_epi16(lo, _mm512_loadu_si512(q));
    const __m512i phi = _mm512_maddubs_epi16(hi, _mm512_loadu_si512(q + 64));
    isum[r] = _mm512_dpwssd_epi32(_mm512_dpwssd_epi32(isum[r], plo, sc_lo), phi, sc_hi);
  }
}

template <int R>
LLMSIZER_VNNI void dot_q4_k_vnni(const std::byte* wp, const void* const* acts, std::int64_t nb,
                                 float* out) {
  const auto* w = reinterpret_cast<const BlockQ4_K*>(wp);
  const BlockQ8K* a[R];
  __m512 acc[R];
  __m256 accm[R];
  for (int r = 0; r < R; ++r) {
    a[r] = static_cast<const BlockQ8K*>(acts[r]);
    acc[r] = _mm512_setzero_ps();
    accm[r] = _mm256_setzero_ps();
  }
  for (std::int64_t b = 0; b < nb; ++b) {
    const __m128i packed = q4k_scales_mins(&w[b]);
    // 16-bit scales in every 128-bit lane; mins twice each (one per 16-value bsum).
    const __m512i scales = _mm512_broadcast_i32x4(_mm_cvtepu8_epi16(packed));
    const __m256i mins = _mm256_cvtepu8_epi16(_mm_shuffle_epi8(
        packed, _mm_setr_epi8(8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13, 14, 14, 15, 15)));
    const float d = _cvtsh_ss(w[b].d), dmin = _cvtsh_ss(w[b].dmin);
    const BlockQ8K* x[R];
    __m512i isum[R];
    for (int r = 0; r < R; ++r) {
      x[r] = a[r] + b;
      isum[r] = _mm512_setzero_si512();
      // min_j * sum(q_x of sub-block j), the bsums being per 16 values.
      const __m256i bs = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(x[r]->bsums));
      accm[r] = _mm256_fmadd_ps(_mm256_set1_ps(dmin * x[r]->d),
                                _mm256_cvtepi32_ps(_mm256_madd_epi16(mins, bs)), accm[r]);
    }
    q4_k_half<R, 0>(w[b], scales, x, isum);
    q4_k_half<R, 1>(w[b], scales, x, isum);
    for (int r = 0; r < R; ++r)
      acc[r] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(isum[r]), _mm512_set1_ps(d * x[r]->d), acc[r]);
  }
  for (int r = 0; r < R; ++r)
    out[r] = hsum_ps(_mm512_sub_ps(acc[r], _mm512_zextps256_ps512(accm[r])));
}

#undef LLMSIZER_VNNI
#define LLMSIZER_VNNI_DOTS(name) \
  { name<1>, name<2>, name<3>, name<4>, name<5>, name<6>, name<7>, name<8> }
#define LLMSIZER_VNNI_ROWS4X16(dt)                                  \
  {                                                                 \
    {row_##dt##_vnni<1>, row_##dt##_vnni<2>, row_##dt##_vnni<3>}, { \
      tile_##dt##_vnni<1>, tile_##dt##_vnni<2>, tile_##dt##_vnni<3> \
    }                                                               \
  }
#else
#define LLMSIZER_VNNI_DOTS(name) \
  {}
#define LLMSIZER_VNNI_ROWS4X16(dt) \
  {}
#endif  // LLMSIZER_HAVE_X86

}  // namespace

void interleave_q4_0_acts(BlockQ8Act8* groups, std::int64_t count) {
  for (std::int64_t gi = 0; gi < count; ++gi) {
    std::int8_t in[8][32];
    std::memcpy(in, groups[gi].qs, sizeof in);
    auto* out = &groups[gi].qs[0][0];
    for (int h = 0; h < 2; ++h)
      for (int c = 0; c < 4; ++c) {
        std::memcpy(out + 128 * h + 16 * c, in[4 * h + c], 16);
        std::memcpy(out + 128 * h + 64 + 16 * c, in[4 * h + c] + 16, 16);
      }
  }
}

void interleave_q4_k_acts(BlockQ8K* blocks, std::int64_t count) {
  for (std::int64_t b = 0; b < count; ++b) {
    std::int8_t in[kQKK];
    std::memcpy(in, blocks[b].qs, sizeof in);
    // Per 128 values: sub-blocks (of 32) 0, 2, 1, 3.
    constexpr int kOrder[4] = {0, 2, 1, 3};
    for (int half = 0; half < 2; ++half)
      for (int i = 0; i < 4; ++i)
        std::memcpy(blocks[b].qs + 128 * half + 32 * i, in + 128 * half + 32 * kOrder[i], 32);
  }
}

const VnniDots& vnni_dots() {
  static_assert(kVnniMaxRows == 8, "LLMSIZER_VNNI_DOTS lists eight row counts");
  static_assert(kTileMaxRows == 3, "LLMSIZER_VNNI_ROWS4X16 lists three row counts");
  static const VnniDots dots{LLMSIZER_VNNI_DOTS(dot_q8_0_vnni), LLMSIZER_VNNI_DOTS(dot_q4_0_vnni),
                             LLMSIZER_VNNI_DOTS(dot_q4_k_vnni), LLMSIZER_VNNI_ROWS4X16(q8_0),
                             LLMSIZER_VNNI_ROWS4X16(q4_0)};
  return dots;
}
#undef LLMSIZER_VNNI_DOTS
#undef LLMSIZER_VNNI_ROWS4X16

}  // namespace llmsizer::kernels::cpu::quant_detail
