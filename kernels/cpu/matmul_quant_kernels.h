// matmul_quant_kernels.h — internal to kernels/cpu: the dot-product signature shared by the
// quantized matmul driver (matmul_quant.cc) and its AVX-512 VNNI kernels
// (matmul_quant_vnni.cc). A dot function computes out[r] = dot(one weight row of nb blocks,
// activation row r) for its fixed number of rows R; acts[r] points at row r's quantized blocks
// (BlockQ8Act8 groups for q8_0/q4_0, BlockQ8K for q4_k). Pure functions, thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>

#include "core/dtype.h"
#include "kernels/block_layout.h"
#include "kernels/cpu/isa.h"

#if LLMSIZER_HAVE_X86
#include <immintrin.h>
#endif

namespace llmsizer::kernels::cpu::quant_detail {

using DotFn = void (*)(const std::byte* w, const void* const* acts, std::int64_t nb, float* out);

// Activation rows one VNNI dot call serves (each unpacked weight block is reused R times).
inline constexpr int kVnniMaxRows = 8;

// The rows4x16 layout (matmul.h) stores tiles of kTileRows weight rows. A tile function
// computes out[v * R + r] = dot(row v of the tile at w, activation row r) for the kTileRows
// rows and R = 1..kTileMaxRows activation rows (index R - 1); a row function (DotFn) reads one
// row of the last n % 4 rows of a matrix, stored as a tile of one row. Activations are
// BlockQ8Act16.
inline constexpr int kTileRows = 4;
inline constexpr int kTileMaxRows = 3;
struct Rows4x16Dots {
  DotFn row[kTileMaxRows];
  DotFn tile[kTileMaxRows];
};

// The AVX-512 VNNI kernels for R = 1..kVnniMaxRows rows (index R - 1), and for the rows4x16
// layout. Every entry is nullptr when the build is not for x86-64; callers check
// isa_supported(Isa::kAvx512Vnni) first.
struct VnniDots {
  DotFn q8_0[kVnniMaxRows];
  DotFn q4_0[kVnniMaxRows];
  DotFn q4_k[kVnniMaxRows];
  Rows4x16Dots q8_0_rows4x16;
  Rows4x16Dots q4_0_rows4x16;
};
const VnniDots& vnni_dots();

// Portable kernels for the rows4x16 layout, for q8_0 or q4_0 (nullptr for other dtypes).
const Rows4x16Dots* rows4x16_portable_dots(core::DType dtype);

// Rewrites `count` pairs of BlockQ8Act8 groups (blocks 16i .. 16i + 15) into BlockQ8Act16, in
// place (the two have the same size). Portable code.
void group16_acts(BlockQ8Act8* groups, std::int64_t count);

// The q4_0 VNNI kernel reads full groups of eight activation blocks in a different order:
// per half group (blocks 4h..4h+3), elements 0..15 of the four blocks, then elements 16..31.
// Rewrites `count` groups in place (scales and sums stay); the blocks of a partial last group
// keep the BlockQ8Act8 order. Portable code.
void interleave_q4_0_acts(BlockQ8Act8* groups, std::int64_t count);
// The q4_k VNNI kernel reads each 128 values of a BlockQ8K as sub-blocks (of 32) 0, 2, 1, 3;
// rewrites the qs of `count` blocks in place (d and bsums stay). Portable code.
void interleave_q4_k_acts(BlockQ8K* blocks, std::int64_t count);

// The 8 six-bit scales (bytes 0..7) and mins (bytes 8..15) of a q4_k block, unpacked with
// llama.cpp's mask trick; the same values as q4k_scale_min(j) for j = 0..7.
inline void q4k_unpack_scales(const std::uint8_t* packed, std::uint32_t out[4]) {
  constexpr std::uint32_t kMask1 = 0x3f3f3f3f, kMask2 = 0x0f0f0f0f, kMask3 = 0x03030303;
  std::uint32_t u[3];
  std::memcpy(u, packed, 12);
  out[3] = ((u[2] >> 4) & kMask2) | (((u[1] >> 6) & kMask3) << 4);
  out[2] = u[1] & kMask1;
  out[1] = (u[2] & kMask2) | (((u[0] >> 6) & kMask3) << 4);
  out[0] = u[0] & kMask1;
}

#if LLMSIZER_HAVE_X86
// AVX2 helpers, inlinable into the AVX-512 kernels too (their target is a superset).
LLMSIZER_TARGET_AVX2 inline int hsum_epi32(__m256i v) {
  __m128i s = _mm_add_epi32(_mm256_castsi256_si128(v), _mm256_extracti128_si256(v, 1));
  s = _mm_add_epi32(s, _mm_unpackhi_epi64(s, s));
  s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 0xB1));
  return _mm_cvtsi128_si32(s);
}

// f16 scales of eight consecutive blocks as one f32 vector (scalar loads, packed in integer
// registers, one conversion).
template <typename Block>
LLMSIZER_TARGET_AVX2 inline __m256 scales8(const Block* w) {
  std::uint64_t lo = 0, hi = 0;
  for (int i = 0; i < 4; ++i) {
    lo |= static_cast<std::uint64_t>(w[i].d) << (16 * i);
    hi |= static_cast<std::uint64_t>(w[i + 4].d) << (16 * i);
  }
  return _mm256_cvtph_ps(_mm_set_epi64x(static_cast<long long>(hi), static_cast<long long>(lo)));
}
#endif

}  // namespace llmsizer::kernels::cpu::quant_detail
