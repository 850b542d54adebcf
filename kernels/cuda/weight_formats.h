// weight_formats.h — host-side layouts of the weight formats only the CUDA kernels read:
// weight-only int8 (per-row f16 scale) and int4 (AWQ/GPTQ-style groups of 128 with an f16
// scale and a 4-bit zero point), and FP8 e4m3 conversions. Byte counts equal
// core::tensor_bytes(dtype, rows, cols) so the cost model counts what the kernels read.
// Pure functions (thread-safe); sizes are CHECKed.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace llmsizer::kernels::cuda {

// int8: rows*cols int8 values (row-major), then rows f16 scales; w = scale[r] * q.
// Quantizer: scale = max|w_row| / 127, q = nearest(w / scale).
// int4: rows*cols/2 bytes of values (element 2i in the low nibble, 2i+1 in the high), then
// rows*G f16 scales, then rows*ceil(G/2) bytes of zero points (group 2j low nibble), with
// G = cols / kInt4Group; w = scale[r][g] * (q - zero[r][g]). cols % kInt4Group == 0.
// Quantizer: per group scale = (max - min) / 15 (rounded to f16 first), zero = nearest(-min /
// scale) in 0..15, q = clamp(nearest(w / scale) + zero, 0, 15).
inline constexpr int kInt4Group = 128;
std::vector<std::byte> quantize_int8(std::span<const float> w, std::int64_t rows,
                                     std::int64_t cols);
std::vector<float> dequantize_int8(std::span<const std::byte> data, std::int64_t rows,
                                   std::int64_t cols);
std::vector<std::byte> quantize_int4(std::span<const float> w, std::int64_t rows,
                                     std::int64_t cols);
std::vector<float> dequantize_int4(std::span<const std::byte> data, std::int64_t rows,
                                   std::int64_t cols);

// FP8 e4m3 (OCP "fn": no infinities, max 448, NaN = S.1111.111): round to nearest even,
// saturating to +-448; NaN stays NaN. The decode is exact.
std::uint8_t f32_to_e4m3(float f);
float e4m3_to_f32(std::uint8_t b);

}  // namespace llmsizer::kernels::cuda
