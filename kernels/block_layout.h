// block_layout.h — llama.cpp's block-quantized weight layouts (ggml-common.h: q8_0, q4_0,
// q4_k), the 8-bit activation blocks the integer dot products use, and exact f16/bf16 <-> f32
// conversions. Shared by the reference oracles and the CPU kernels; plain data, thread-safe.
#pragma once

#include <bit>
#include <cstdint>

namespace llmsizer::kernels {

inline constexpr int kQK8_0 = 32;  // weights per q8_0 / q4_0 block
inline constexpr int kQK4_0 = 32;
inline constexpr int kQKK = 256;  // weights per K-quant super-block

// q8_0: value = d * qs[i].
struct BlockQ8_0 {
  std::uint16_t d;  // f16 scale
  std::int8_t qs[kQK8_0];
};

// q4_0: value i (0..15) = d * ((qs[i] & 15) - 8); value i + 16 = d * ((qs[i] >> 4) - 8).
struct BlockQ4_0 {
  std::uint16_t d;  // f16 scale
  std::uint8_t qs[kQK4_0 / 2];
};

// q4_k: 8 sub-blocks of 32 with 6-bit scale sc_j and min m_j packed in `scales` (see
// q4k_scale_min); value = d * sc_j * q - dmin * m_j. qs[32c + l] holds element 64c + l in its
// low nibble and element 64c + 32 + l in its high nibble.
struct BlockQ4_K {
  std::uint16_t d;     // f16 super-block scale of the scales
  std::uint16_t dmin;  // f16 super-block scale of the mins
  std::uint8_t scales[12];
  std::uint8_t qs[kQKK / 2];
};

static_assert(sizeof(BlockQ8_0) == 34 && sizeof(BlockQ4_0) == 18 && sizeof(BlockQ4_K) == 144,
              "block layouts must match llama.cpp byte for byte");

// 6-bit scale and min of sub-block j (0..7) of a q4_k block (llama.cpp get_scale_min_k4).
inline void q4k_scale_min(int j, const std::uint8_t* q, std::uint8_t* sc, std::uint8_t* m) {
  if (j < 4) {
    *sc = static_cast<std::uint8_t>(q[j] & 63);
    *m = static_cast<std::uint8_t>(q[j + 4] & 63);
  } else {
    *sc = static_cast<std::uint8_t>((q[j + 4] & 0xF) | ((q[j - 4] >> 6) << 4));
    *m = static_cast<std::uint8_t>((q[j + 4] >> 4) | ((q[j] >> 6) << 4));
  }
}

// Activations quantized for integer dot products against q8_0/q4_0 weights: 32 values,
// x_i ~= d * qs[i]; s = d * sum(qs) (lets q4_0 use unsigned nibbles and subtract 8 * s).
// In-memory only (not a file format).
struct BlockQ8Act {
  float d;
  float s;
  std::int8_t qs[32];
};

// Activations quantized against q4_k weights (llama.cpp's block_q8_K): 256 values,
// x_i ~= d * qs[i]; bsums[g] = sum of qs[16g .. 16g + 15].
struct BlockQ8K {
  float d;
  std::int8_t qs[kQKK];
  std::int16_t bsums[kQKK / 16];
};

// Eight consecutive BlockQ8Act in structure-of-arrays form: the layout the q8_0/q4_0 kernels
// read, so that the scales of eight blocks are one vector load. A row of nb blocks takes
// ceil(nb / 8) groups; blocks past nb are zero (d = s = 0, qs = 0).
struct BlockQ8Act8 {
  float d[8];
  float s[8];
  std::int8_t qs[8][32];
};

// Sixteen consecutive BlockQ8Act for weights in the rows4x16 layout (kernels/cpu/matmul.h):
// qs[w][4 j + i] = element 4 w + i of block j, so 32-bit lane j of each 64-byte row is block
// j, as in the weights. Blocks past a row's end are zero. In-memory only.
struct BlockQ8Act16 {
  float d[16];
  float s[16];
  std::int8_t qs[8][64];
};

static_assert(sizeof(BlockQ8Act) == 40 && sizeof(BlockQ8K) == 292);
static_assert(sizeof(BlockQ8Act8) == 320 && sizeof(BlockQ8Act16) == 2 * sizeof(BlockQ8Act8));

// IEEE binary16 -> binary32, exact (subnormals, inf and NaN included).
inline float f16_to_f32(std::uint16_t h) {
  const std::uint32_t sign = static_cast<std::uint32_t>(h & 0x8000u) << 16;
  const std::uint32_t exp = (h >> 10) & 0x1Fu;
  std::uint32_t mant = h & 0x3FFu;
  std::uint32_t bits;
  if (exp == 0x1F) {
    bits = sign | 0x7F800000u | (mant << 13);
  } else if (exp != 0) {
    bits = sign | ((exp + 112u) << 23) | (mant << 13);
  } else if (mant == 0) {
    bits = sign;
  } else {  // subnormal: normalise
    std::uint32_t e = 113;
    while ((mant & 0x400u) == 0) {
      mant <<= 1;
      --e;
    }
    bits = sign | (e << 23) | ((mant & 0x3FFu) << 13);
  }
  return std::bit_cast<float>(bits);
}

// binary32 -> binary16, round to nearest even (what F16C's vcvtps2ph does by default);
// overflow gives inf, NaN stays NaN.
inline std::uint16_t f32_to_f16(float f) {
  const std::uint32_t x = std::bit_cast<std::uint32_t>(f);
  const std::uint32_t sign = (x >> 16) & 0x8000u;
  const std::uint32_t ax = x & 0x7FFFFFFFu;
  if (ax >= 0x7F800000u)  // inf or NaN
    return static_cast<std::uint16_t>(sign | 0x7C00u | (ax > 0x7F800000u ? 0x200u : 0u));
  if (ax >= 0x477FF000u) return static_cast<std::uint16_t>(sign | 0x7C00u);  // rounds to inf
  if (ax < 0x38800000u) {                                           // result is subnormal or zero
    if (ax < 0x33000000u) return static_cast<std::uint16_t>(sign);  // below half the smallest
    const std::uint32_t e = ax >> 23;
    const std::uint32_t m = (ax & 0x7FFFFFu) | 0x800000u;
    const std::uint32_t shift = 126u - e;  // 14 .. 24
    std::uint32_t r = m >> shift;
    const std::uint32_t rem = m & ((1u << shift) - 1u);
    const std::uint32_t half = 1u << (shift - 1u);
    if (rem > half || (rem == half && (r & 1u))) ++r;
    return static_cast<std::uint16_t>(sign | r);
  }
  std::uint32_t r = ((ax >> 13) - (112u << 10));
  const std::uint32_t rem = ax & 0x1FFFu;
  if (rem > 0x1000u || (rem == 0x1000u && (r & 1u))) ++r;
  return static_cast<std::uint16_t>(sign | r);
}

inline float bf16_to_f32(std::uint16_t h) {
  return std::bit_cast<float>(static_cast<std::uint32_t>(h) << 16);
}

// binary32 -> bfloat16, round to nearest even; NaN stays NaN.
inline std::uint16_t f32_to_bf16(float f) {
  const std::uint32_t x = std::bit_cast<std::uint32_t>(f);
  if ((x & 0x7FFFFFFFu) > 0x7F800000u) return static_cast<std::uint16_t>((x >> 16) | 0x40u);
  return static_cast<std::uint16_t>((x + 0x7FFFu + ((x >> 16) & 1u)) >> 16);
}

}  // namespace llmsizer::kernels
