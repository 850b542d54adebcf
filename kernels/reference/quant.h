// quant.h — reference (scalar, obviously correct) conversions between f32 and the weight
// storage formats the kernels read: f16, bf16, and llama.cpp's q8_0, q4_0 and q4_k blocks,
// plus the 8-bit activation quantization the integer kernels apply. Quantizers create test
// and benchmark weights; dequantizers are the oracles. All functions are pure (thread-safe).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "core/dtype.h"
#include "kernels/block_layout.h"

namespace llmsizer::kernels::reference {

// One row of k values (k a multiple of the block size) into k / block blocks.
// q8_0: d = max|x| / 127, q = round(x / d). q4_0: d = (signed value of max |x|) / -8,
// q = min(15, trunc(x / d + 8.5)) (llama.cpp's reference rounding). q4_k: per sub-block
// scale (max - min) / 15 and min, both 6-bit against f16 super-scales (llama.cpp's layout and
// packing; the scale search is the plain min/max one, not llama.cpp's iterative refinement).
void quantize_row_q8_0(std::span<const float> x, std::span<BlockQ8_0> y);
void quantize_row_q4_0(std::span<const float> x, std::span<BlockQ4_0> y);
void quantize_row_q4_k(std::span<const float> x, std::span<BlockQ4_K> y);
void dequantize_row_q8_0(std::span<const BlockQ8_0> x, std::span<float> y);
void dequantize_row_q4_0(std::span<const BlockQ4_0> x, std::span<float> y);
void dequantize_row_q4_k(std::span<const BlockQ4_K> x, std::span<float> y);

// A [rows x cols] f32 matrix stored as `dtype` (f32, f16, bf16, q8_0, q4_0, q4_k); the result
// has exactly core::tensor_bytes(dtype, rows, cols) bytes. Block types need cols to be a
// multiple of the block size. Aborts (CHECK) on other dtypes.
std::vector<std::byte> quantize(core::DType dtype, std::span<const float> x, std::int64_t rows,
                                std::int64_t cols);
// The inverse: the f32 values a kernel must treat the stored matrix as.
std::vector<float> dequantize(core::DType dtype, std::span<const std::byte> data, std::int64_t rows,
                              std::int64_t cols);
bool quantize_supported(core::DType dtype);

// Activation quantization the integer kernels perform (the definition they must match bit
// for bit): per block, d = max|x| / 127 (f32), q = nearest-even(x * (1 / d)), 0 when d = 0.
// Block32: 32 values per block with s = d * sum(q); Block256: 256 per block with sums per 16.
void quantize_act_q8(std::span<const float> x, std::span<BlockQ8Act> y);
void quantize_act_q8k(std::span<const float> x, std::span<BlockQ8K> y);
void dequantize_act_q8(std::span<const BlockQ8Act> x, std::span<float> y);
void dequantize_act_q8k(std::span<const BlockQ8K> x, std::span<float> y);

}  // namespace llmsizer::kernels::reference
