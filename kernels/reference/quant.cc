// quant.cc — reference quantizers and dequantizers (see quant.h). Layouts and rounding follow
// llama.cpp's ggml-quants.c reference functions.
#include "kernels/reference/quant.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "core/check.h"

namespace llmsizer::kernels::reference {
namespace {

std::size_t blocks_for(std::size_t n, int block) {
  LLMSIZER_CHECK(n % static_cast<std::size_t>(block) == 0,
                 "length is not a whole number of blocks");
  return n / static_cast<std::size_t>(block);
}

// Activation rounding: nearest, ties to even (the default FP environment; what AVX's
// cvtps2dq does), so the vector quantizers can match it exactly.
std::int8_t round_q8(float v) {
  return static_cast<std::int8_t>(std::nearbyint(v));
}

template <typename Block>
std::vector<std::byte> quantize_rows(std::span<const float> x, std::int64_t rows, std::int64_t cols,
                                     int block_elems,
                                     void (*row_fn)(std::span<const float>, std::span<Block>)) {
  const auto bpr = blocks_for(static_cast<std::size_t>(cols), block_elems);
  std::vector<Block> blocks(static_cast<std::size_t>(rows) * bpr);
  for (std::int64_t r = 0; r < rows; ++r)
    row_fn(x.subspan(static_cast<std::size_t>(r * cols), static_cast<std::size_t>(cols)),
           std::span<Block>(blocks).subspan(static_cast<std::size_t>(r) * bpr, bpr));
  std::vector<std::byte> out(blocks.size() * sizeof(Block));
  std::memcpy(out.data(), blocks.data(), out.size());
  return out;
}

template <typename Block>
std::vector<float> dequantize_rows(std::span<const std::byte> data, std::int64_t rows,
                                   std::int64_t cols, int block_elems,
                                   void (*row_fn)(std::span<const Block>, std::span<float>)) {
  const auto bpr = blocks_for(static_cast<std::size_t>(cols), block_elems);
  LLMSIZER_CHECK(data.size() == static_cast<std::size_t>(rows) * bpr * sizeof(Block),
                 "quantized data has the wrong size");
  std::vector<Block> blocks(static_cast<std::size_t>(rows) * bpr);
  std::memcpy(blocks.data(), data.data(), data.size());
  std::vector<float> out(static_cast<std::size_t>(rows * cols));
  for (std::int64_t r = 0; r < rows; ++r)
    row_fn(std::span<const Block>(blocks).subspan(static_cast<std::size_t>(r) * bpr, bpr),
           std::span<float>(out).subspan(static_cast<std::size_t>(r * cols),
                                         static_cast<std::size_t>(cols)));
  return out;
}

}  // namespace

void quantize_row_q8_0(std::span<const float> x, std::span<BlockQ8_0> y) {
  LLMSIZER_CHECK(blocks_for(x.size(), kQK8_0) == y.size(), "q8_0: wrong number of blocks");
  for (std::size_t b = 0; b < y.size(); ++b) {
    const float* v = x.data() + b * kQK8_0;
    float amax = 0;
    for (int i = 0; i < kQK8_0; ++i) amax = std::max(amax, std::fabs(v[i]));
    const float d = amax / 127.0f;
    const float id = d != 0 ? 1.0f / d : 0.0f;
    y[b].d = f32_to_f16(d);
    for (int i = 0; i < kQK8_0; ++i) y[b].qs[i] = static_cast<std::int8_t>(std::round(v[i] * id));
  }
}

void quantize_row_q4_0(std::span<const float> x, std::span<BlockQ4_0> y) {
  LLMSIZER_CHECK(blocks_for(x.size(), kQK4_0) == y.size(), "q4_0: wrong number of blocks");
  for (std::size_t b = 0; b < y.size(); ++b) {
    const float* v = x.data() + b * kQK4_0;
    float amax = 0, max = 0;
    for (int i = 0; i < kQK4_0; ++i)
      if (std::fabs(v[i]) > amax) {
        amax = std::fabs(v[i]);
        max = v[i];
      }
    const float d = max / -8.0f;
    const float id = d != 0 ? 1.0f / d : 0.0f;
    y[b].d = f32_to_f16(d);
    for (int i = 0; i < kQK4_0 / 2; ++i) {
      const int q0 = std::min(15, static_cast<int>(static_cast<std::int8_t>(v[i] * id + 8.5f)));
      const int q1 =
          std::min(15, static_cast<int>(static_cast<std::int8_t>(v[i + 16] * id + 8.5f)));
      y[b].qs[i] = static_cast<std::uint8_t>(q0 | (q1 << 4));
    }
  }
}

void quantize_row_q4_k(std::span<const float> x, std::span<BlockQ4_K> y) {
  LLMSIZER_CHECK(blocks_for(x.size(), kQKK) == y.size(), "q4_k: wrong number of blocks");
  for (std::size_t b = 0; b < y.size(); ++b) {
    const float* v = x.data() + b * kQKK;
    BlockQ4_K& out = y[b];
    std::memset(&out, 0, sizeof out);
    float scales[8], mins[8], max_scale = 0, max_min = 0;
    for (int j = 0; j < 8; ++j) {
      float lo = 0, hi = 0;  // llama.cpp keeps min <= 0 so zero is representable
      for (int i = 0; i < 32; ++i) {
        lo = std::min(lo, v[32 * j + i]);
        hi = std::max(hi, v[32 * j + i]);
      }
      scales[j] = (hi - lo) / 15.0f;
      mins[j] = -lo;
      max_scale = std::max(max_scale, scales[j]);
      max_min = std::max(max_min, mins[j]);
    }
    const float inv_scale = max_scale > 0 ? 63.0f / max_scale : 0.0f;
    const float inv_min = max_min > 0 ? 63.0f / max_min : 0.0f;
    for (int j = 0; j < 8; ++j) {
      const auto ls = static_cast<std::uint8_t>(std::min(63L, std::lround(inv_scale * scales[j])));
      const auto lm = static_cast<std::uint8_t>(std::min(63L, std::lround(inv_min * mins[j])));
      if (j < 4) {
        out.scales[j] = ls;
        out.scales[j + 4] = lm;
      } else {
        out.scales[j + 4] = static_cast<std::uint8_t>((ls & 0xF) | ((lm & 0xF) << 4));
        out.scales[j - 4] = static_cast<std::uint8_t>(out.scales[j - 4] | ((ls >> 4) << 6));
        out.scales[j] = static_cast<std::uint8_t>(out.scales[j] | ((lm >> 4) << 6));
      }
    }
    out.d = f32_to_f16(max_scale / 63.0f);
    out.dmin = f32_to_f16(max_min / 63.0f);
    std::uint8_t q[kQKK] = {};
    for (int j = 0; j < 8; ++j) {
      std::uint8_t sc = 0, m = 0;
      q4k_scale_min(j, out.scales, &sc, &m);
      const float d = f16_to_f32(out.d) * sc;
      if (d == 0) continue;
      const float dm = f16_to_f32(out.dmin) * m;
      for (int i = 0; i < 32; ++i) {
        const long l = std::lround((v[32 * j + i] + dm) / d);
        q[32 * j + i] = static_cast<std::uint8_t>(std::clamp(l, 0L, 15L));
      }
    }
    for (int c = 0; c < 4; ++c)
      for (int l = 0; l < 32; ++l)
        out.qs[32 * c + l] = static_cast<std::uint8_t>(q[64 * c + l] | (q[64 * c + 32 + l] << 4));
  }
}

void dequantize_row_q8_0(std::span<const BlockQ8_0> x, std::span<float> y) {
  LLMSIZER_CHECK(y.size() == x.size() * kQK8_0, "q8_0: wrong output size");
  for (std::size_t b = 0; b < x.size(); ++b) {
    const float d = f16_to_f32(x[b].d);
    for (int i = 0; i < kQK8_0; ++i) y[b * kQK8_0 + i] = d * static_cast<float>(x[b].qs[i]);
  }
}

void dequantize_row_q4_0(std::span<const BlockQ4_0> x, std::span<float> y) {
  LLMSIZER_CHECK(y.size() == x.size() * kQK4_0, "q4_0: wrong output size");
  for (std::size_t b = 0; b < x.size(); ++b) {
    const float d = f16_to_f32(x[b].d);
    for (int i = 0; i < kQK4_0 / 2; ++i) {
      y[b * kQK4_0 + i] = d * static_cast<float>((x[b].qs[i] & 0xF) - 8);
      y[b * kQK4_0 + i + 16] = d * static_cast<float>((x[b].qs[i] >> 4) - 8);
    }
  }
}

void dequantize_row_q4_k(std::span<const BlockQ4_K> x, std::span<float> y) {
  LLMSIZER_CHECK(y.size() == x.size() * kQKK, "q4_k: wrong output size");
  for (std::size_t b = 0; b < x.size(); ++b) {
    const float d = f16_to_f32(x[b].d);
    const float dmin = f16_to_f32(x[b].dmin);
    float* out = y.data() + b * kQKK;
    for (int c = 0; c < 4; ++c) {
      std::uint8_t sc = 0, m = 0;
      q4k_scale_min(2 * c, x[b].scales, &sc, &m);
      const float d1 = d * sc, m1 = dmin * m;
      q4k_scale_min(2 * c + 1, x[b].scales, &sc, &m);
      const float d2 = d * sc, m2 = dmin * m;
      const std::uint8_t* q = x[b].qs + 32 * c;
      for (int l = 0; l < 32; ++l) out[64 * c + l] = d1 * static_cast<float>(q[l] & 0xF) - m1;
      for (int l = 0; l < 32; ++l) out[64 * c + 32 + l] = d2 * static_cast<float>(q[l] >> 4) - m2;
    }
  }
}

bool quantize_supported(core::DType dtype) {
  switch (dtype) {
    case core::DType::kF32:
    case core::DType::kF16:
    case core::DType::kBF16:
    case core::DType::kQ8_0:
    case core::DType::kQ4_0:
    case core::DType::kQ4_K:
      return true;
    default:
      return false;
  }
}

std::vector<std::byte> quantize(core::DType dtype, std::span<const float> x, std::int64_t rows,
                                std::int64_t cols) {
  LLMSIZER_CHECK(x.size() == static_cast<std::size_t>(rows * cols), "x has the wrong size");
  switch (dtype) {
    case core::DType::kF32: {
      std::vector<std::byte> out(x.size() * 4);
      std::memcpy(out.data(), x.data(), out.size());
      return out;
    }
    case core::DType::kF16:
    case core::DType::kBF16: {
      std::vector<std::uint16_t> h(x.size());
      for (std::size_t i = 0; i < x.size(); ++i)
        h[i] = dtype == core::DType::kF16 ? f32_to_f16(x[i]) : f32_to_bf16(x[i]);
      std::vector<std::byte> out(h.size() * 2);
      std::memcpy(out.data(), h.data(), out.size());
      return out;
    }
    case core::DType::kQ8_0:
      return quantize_rows<BlockQ8_0>(x, rows, cols, kQK8_0, quantize_row_q8_0);
    case core::DType::kQ4_0:
      return quantize_rows<BlockQ4_0>(x, rows, cols, kQK4_0, quantize_row_q4_0);
    case core::DType::kQ4_K:
      return quantize_rows<BlockQ4_K>(x, rows, cols, kQKK, quantize_row_q4_k);
    default:
      LLMSIZER_CHECK(false, "quantize: unsupported dtype");
  }
  return {};
}

std::vector<float> dequantize(core::DType dtype, std::span<const std::byte> data, std::int64_t rows,
                              std::int64_t cols) {
  const auto n = static_cast<std::size_t>(rows * cols);
  switch (dtype) {
    case core::DType::kF32: {
      LLMSIZER_CHECK(data.size() == n * 4, "f32 data has the wrong size");
      std::vector<float> out(n);
      std::memcpy(out.data(), data.data(), data.size());
      return out;
    }
    case core::DType::kF16:
    case core::DType::kBF16: {
      LLMSIZER_CHECK(data.size() == n * 2, "16-bit data has the wrong size");
      std::vector<std::uint16_t> h(n);
      std::memcpy(h.data(), data.data(), data.size());
      std::vector<float> out(n);
      for (std::size_t i = 0; i < n; ++i)
        out[i] = dtype == core::DType::kF16 ? f16_to_f32(h[i]) : bf16_to_f32(h[i]);
      return out;
    }
    case core::DType::kQ8_0:
      return dequantize_rows<BlockQ8_0>(data, rows, cols, kQK8_0, dequantize_row_q8_0);
    case core::DType::kQ4_0:
      return dequantize_rows<BlockQ4_0>(data, rows, cols, kQK4_0, dequantize_row_q4_0);
    case core::DType::kQ4_K:
      return dequantize_rows<BlockQ4_K>(data, rows, cols, kQKK, dequantize_row_q4_k);
    default:
      LLMSIZER_CHECK(false, "dequantize: unsupported dtype");
  }
  return {};
}

void quantize_act_q8(std::span<const float> x, std::span<BlockQ8Act> y) {
  LLMSIZER_CHECK(blocks_for(x.size(), 32) == y.size(), "act q8: wrong number of blocks");
  for (std::size_t b = 0; b < y.size(); ++b) {
    const float* v = x.data() + b * 32;
    float amax = 0;
    for (int i = 0; i < 32; ++i) amax = std::max(amax, std::fabs(v[i]));
    const float d = amax / 127.0f;
    const float id = d != 0 ? 1.0f / d : 0.0f;
    int sum = 0;
    for (int i = 0; i < 32; ++i) {
      y[b].qs[i] = round_q8(v[i] * id);
      sum += y[b].qs[i];
    }
    y[b].d = d;
    y[b].s = d * static_cast<float>(sum);
  }
}

void quantize_act_q8k(std::span<const float> x, std::span<BlockQ8K> y) {
  LLMSIZER_CHECK(blocks_for(x.size(), kQKK) == y.size(), "act q8k: wrong number of blocks");
  for (std::size_t b = 0; b < y.size(); ++b) {
    const float* v = x.data() + b * kQKK;
    float amax = 0;
    for (int i = 0; i < kQKK; ++i) amax = std::max(amax, std::fabs(v[i]));
    const float d = amax / 127.0f;
    const float id = d != 0 ? 1.0f / d : 0.0f;
    for (int g = 0; g < kQKK / 16; ++g) {
      int sum = 0;
      for (int i = 16 * g; i < 16 * g + 16; ++i) {
        y[b].qs[i] = round_q8(v[i] * id);
        sum += y[b].qs[i];
      }
      y[b].bsums[g] = static_cast<std::int16_t>(sum);
    }
    y[b].d = d;
  }
}

void dequantize_act_q8(std::span<const BlockQ8Act> x, std::span<float> y) {
  LLMSIZER_CHECK(y.size() == x.size() * 32, "act q8: wrong output size");
  for (std::size_t b = 0; b < x.size(); ++b)
    for (int i = 0; i < 32; ++i) y[b * 32 + i] = x[b].d * static_cast<float>(x[b].qs[i]);
}

void dequantize_act_q8k(std::span<const BlockQ8K> x, std::span<float> y) {
  LLMSIZER_CHECK(y.size() == x.size() * kQKK, "act q8k: wrong output size");
  for (std::size_t b = 0; b < x.size(); ++b)
    for (int i = 0; i < kQKK; ++i) y[b * kQKK + i] = x[b].d * static_cast<float>(x[b].qs[i]);
}

}  // namespace llmsizer::kernels::reference
