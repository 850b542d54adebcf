// weight_formats.cc — int8/int4 weight-only layouts and FP8 e4m3 conversions (see
// weight_formats.h).
#include "kernels/cuda/weight_formats.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>

#include "core/check.h"
#include "kernels/block_layout.h"

namespace llmsizer::kernels::cuda {
namespace {

std::size_t sz(std::int64_t v) {
  return static_cast<std::size_t>(v);
}

void put_u16(std::byte* p, std::uint16_t v) {
  std::memcpy(p, &v, sizeof v);
}
std::uint16_t get_u16(const std::byte* p) {
  std::uint16_t v;
  std::memcpy(&v, p, sizeof v);
  return v;
}

std::size_t int4_zero_bytes_per_row(std::int64_t groups) {
  return sz((groups + 1) / 2);
}

}  // namespace

std::vector<std::byte> quantize_int8(std::span<const float> w, std::int64_t rows,
                                     std::int64_t cols) {
  LLMSIZER_CHECK(rows > 0 && cols > 0 && w.size() == sz(rows * cols), "int8: size mismatch");
  std::vector<std::byte> out(sz(rows * cols) + sz(rows) * 2);
  for (std::int64_t r = 0; r < rows; ++r) {
    const float* row = w.data() + r * cols;
    float amax = 0;
    for (std::int64_t c = 0; c < cols; ++c) amax = std::max(amax, std::fabs(row[c]));
    const float scale = f16_to_f32(f32_to_f16(amax / 127.0f));
    const float inv = scale > 0 ? 1.0f / scale : 0.0f;
    for (std::int64_t c = 0; c < cols; ++c) {
      const float q = std::clamp(std::nearbyint(row[c] * inv), -127.0f, 127.0f);
      out[sz(r * cols + c)] = static_cast<std::byte>(static_cast<std::int8_t>(q));
    }
    put_u16(out.data() + sz(rows * cols) + sz(r) * 2, f32_to_f16(scale));
  }
  return out;
}

std::vector<float> dequantize_int8(std::span<const std::byte> data, std::int64_t rows,
                                   std::int64_t cols) {
  LLMSIZER_CHECK(data.size() == sz(rows * cols) + sz(rows) * 2, "int8: size mismatch");
  std::vector<float> out(sz(rows * cols));
  for (std::int64_t r = 0; r < rows; ++r) {
    const float scale = f16_to_f32(get_u16(data.data() + sz(rows * cols) + sz(r) * 2));
    for (std::int64_t c = 0; c < cols; ++c)
      out[sz(r * cols + c)] =
          scale * static_cast<float>(static_cast<std::int8_t>(data[sz(r * cols + c)]));
  }
  return out;
}

std::vector<std::byte> quantize_int4(std::span<const float> w, std::int64_t rows,
                                     std::int64_t cols) {
  LLMSIZER_CHECK(rows > 0 && cols > 0 && w.size() == sz(rows * cols), "int4: size mismatch");
  LLMSIZER_CHECK(cols % kInt4Group == 0, "int4: cols must be a multiple of the group size");
  const std::int64_t groups = cols / kInt4Group;
  const std::size_t values = sz(rows * cols) / 2, scales = sz(rows * groups) * 2;
  std::vector<std::byte> out(values + scales + sz(rows) * int4_zero_bytes_per_row(groups));
  auto* zeros = reinterpret_cast<std::uint8_t*>(out.data() + values + scales);
  for (std::int64_t r = 0; r < rows; ++r) {
    for (std::int64_t g = 0; g < groups; ++g) {
      const float* src = w.data() + r * cols + g * kInt4Group;
      float lo = 0, hi = 0;  // the range always holds 0 so that zero is representable
      for (int i = 0; i < kInt4Group; ++i) {
        lo = std::min(lo, src[i]);
        hi = std::max(hi, src[i]);
      }
      const float scale = f16_to_f32(f32_to_f16((hi - lo) / 15.0f));
      const float inv = scale > 0 ? 1.0f / scale : 0.0f;
      const float zero = std::clamp(std::nearbyint(-lo * inv), 0.0f, 15.0f);
      put_u16(out.data() + values + sz(r * groups + g) * 2, f32_to_f16(scale));
      auto& zb = zeros[sz(r) * int4_zero_bytes_per_row(groups) + sz(g / 2)];
      zb = static_cast<std::uint8_t>(zb | (static_cast<unsigned>(zero) << (g % 2 ? 4 : 0)));
      for (int i = 0; i < kInt4Group; ++i) {
        const auto q =
            static_cast<unsigned>(std::clamp(std::nearbyint(src[i] * inv) + zero, 0.0f, 15.0f));
        const std::size_t e = sz(r * cols + g * kInt4Group + i);
        auto& b = reinterpret_cast<std::uint8_t&>(out[e / 2]);
        b = static_cast<std::uint8_t>(b | (q << (e % 2 ? 4 : 0)));
      }
    }
  }
  return out;
}

std::vector<float> dequantize_int4(std::span<const std::byte> data, std::int64_t rows,
                                   std::int64_t cols) {
  LLMSIZER_CHECK(cols % kInt4Group == 0, "int4: cols must be a multiple of the group size");
  const std::int64_t groups = cols / kInt4Group;
  const std::size_t values = sz(rows * cols) / 2, scales = sz(rows * groups) * 2;
  LLMSIZER_CHECK(data.size() == values + scales + sz(rows) * int4_zero_bytes_per_row(groups),
                 "int4: size mismatch");
  const auto* bytes = reinterpret_cast<const std::uint8_t*>(data.data());
  std::vector<float> out(sz(rows * cols));
  for (std::int64_t r = 0; r < rows; ++r)
    for (std::int64_t g = 0; g < groups; ++g) {
      const float scale = f16_to_f32(get_u16(data.data() + values + sz(r * groups + g) * 2));
      const unsigned zb =
          bytes[values + scales + sz(r) * int4_zero_bytes_per_row(groups) + sz(g / 2)];
      const int zero = static_cast<int>((g % 2 ? zb >> 4 : zb) & 15u);
      for (int i = 0; i < kInt4Group; ++i) {
        const std::size_t e = sz(r * cols + g * kInt4Group + i);
        const int q = static_cast<int>((e % 2 ? bytes[e / 2] >> 4 : bytes[e / 2]) & 15u);
        out[e] = scale * static_cast<float>(q - zero);
      }
    }
  return out;
}

std::uint8_t f32_to_e4m3(float f) {
  if (std::isnan(f)) return 0x7F;
  const std::uint8_t sign = std::signbit(f) ? 0x80 : 0x00;
  const float a = std::fabs(f);
  if (a >= 464.0f) return sign | 0x7E;  // 464 = halfway between 448 and the next (NaN) step
  if (a < 0.015625f) {                  // below 2^-6: subnormal steps of 2^-9 (8 becomes 2^-6)
    const auto q = static_cast<unsigned>(std::nearbyint(a * 512.0f));
    return static_cast<std::uint8_t>(sign | q);
  }
  int e = 0;
  const float m = std::frexp(a, &e);  // a = m * 2^e, m in [0.5, 1)
  --e;                                // a = (2m) * 2^e, 2m in [1, 2)
  auto q = static_cast<unsigned>(std::nearbyint((2.0f * m - 1.0f) * 8.0f));
  if (q == 8) {
    q = 0;
    ++e;
  }
  unsigned bits = (static_cast<unsigned>(e + 7) << 3) | q;
  if (bits > 0x7E) bits = 0x7E;
  return static_cast<std::uint8_t>(sign | bits);
}

float e4m3_to_f32(std::uint8_t b) {
  const int exp = (b >> 3) & 15, man = b & 7;
  float v;
  if (exp == 15 && man == 7)
    v = std::numeric_limits<float>::quiet_NaN();
  else if (exp == 0)
    v = std::ldexp(static_cast<float>(man), -9);
  else
    v = std::ldexp(1.0f + static_cast<float>(man) / 8.0f, exp - 7);
  return (b & 0x80) ? -v : v;
}

}  // namespace llmsizer::kernels::cuda
