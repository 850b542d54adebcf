// matmul.cu — our own matmuls with f32 activations and weights dequantized on the fly: f16,
// bf16, weight-only int8/int4 (weight_formats.h) and llama.cpp q8_0/q4_0 blocks
// (block_layout.h). One warp per output feature, lanes striding along k (coalesced weight
// reads), up to kTokens tokens per warp so a weight is read once per kTokens rows of X; f32
// accumulation and a warp-shuffle reduction. Untuned: meant for decode and small batches.
#include "kernels/block_layout.h"
#include "kernels/cuda/cuda_check.cuh"
#include "kernels/cuda/device_math.cuh"
#include "kernels/cuda/weight_formats.h"

namespace llmsizer::kernels::cuda {
namespace {

using detail::kWarp;

enum class Fmt { kF16, kBF16, kInt8, kInt4, kQ8_0, kQ4_0 };

constexpr int kWarpsPerBlock = 4;
constexpr int kTokens = 4;

// The dequantized weight W[row][col] of an n x k matrix stored as F.
template <Fmt F>
__device__ __forceinline__ float weight_at(const unsigned char* w, std::int64_t row,
                                           std::int64_t col, std::int64_t k, std::int64_t n) {
  if constexpr (F == Fmt::kF16) {
    return detail::half_bits_to_float(detail::load_u16(w + 2 * (row * k + col)));
  } else if constexpr (F == Fmt::kBF16) {
    return detail::bf16_bits_to_float(detail::load_u16(w + 2 * (row * k + col)));
  } else if constexpr (F == Fmt::kInt8) {
    const float scale = detail::half_bits_to_float(detail::load_u16(w + n * k + 2 * row));
    return scale * static_cast<float>(static_cast<signed char>(w[row * k + col]));
  } else if constexpr (F == Fmt::kInt4) {
    const std::int64_t groups = k / kInt4Group, g = col / kInt4Group;
    const std::int64_t values = n * k / 2, scales = n * groups * 2;
    const std::int64_t e = row * k + col;
    const int q = (e % 2 ? w[e / 2] >> 4 : w[e / 2]) & 15;
    const float scale =
        detail::half_bits_to_float(detail::load_u16(w + values + 2 * (row * groups + g)));
    const unsigned zb = w[values + scales + row * ((groups + 1) / 2) + g / 2];
    const int zero = static_cast<int>((g % 2 ? zb >> 4 : zb) & 15u);
    return scale * static_cast<float>(q - zero);
  } else if constexpr (F == Fmt::kQ8_0) {
    const unsigned char* b =
        w + (row * (k / kQK8_0) + col / kQK8_0) * static_cast<std::int64_t>(sizeof(BlockQ8_0));
    const int i = static_cast<int>(col % kQK8_0);
    return detail::half_bits_to_float(detail::load_u16(b)) *
           static_cast<float>(static_cast<signed char>(b[2 + i]));
  } else {  // q4_0
    const unsigned char* b =
        w + (row * (k / kQK4_0) + col / kQK4_0) * static_cast<std::int64_t>(sizeof(BlockQ4_0));
    const int i = static_cast<int>(col % kQK4_0);
    const int q = i < kQK4_0 / 2 ? (b[2 + i] & 15) : (b[2 + i - kQK4_0 / 2] >> 4);
    return detail::half_bits_to_float(detail::load_u16(b)) * static_cast<float>(q - 8);
  }
}

template <Fmt F>
__global__ void matmul_kernel(const float* __restrict__ x, const unsigned char* __restrict__ w,
                              float* __restrict__ y, std::int64_t m, std::int64_t k,
                              std::int64_t n) {
  const int lane = static_cast<int>(threadIdx.x) % kWarp;
  const std::int64_t row =
      static_cast<std::int64_t>(blockIdx.x) * kWarpsPerBlock + threadIdx.x / kWarp;
  const std::int64_t t0 = static_cast<std::int64_t>(blockIdx.y) * kTokens;
  if (row >= n) return;
  const int tokens = static_cast<int>(m - t0 < kTokens ? m - t0 : kTokens);
  float acc[kTokens] = {};
  for (std::int64_t c = lane; c < k; c += kWarp) {
    const float wv = weight_at<F>(w, row, c, k, n);
#pragma unroll
    for (int t = 0; t < kTokens; ++t)
      if (t < tokens) acc[t] = fmaf(wv, x[(t0 + t) * k + c], acc[t]);
  }
#pragma unroll
  for (int t = 0; t < kTokens; ++t) {
    const float s = detail::warp_sum(acc[t]);
    if (lane == 0 && t < tokens) y[(t0 + t) * n + row] = s;
  }
}

template <Fmt F>
void launch(const MatmulArgs& a, const char* name) {
  const dim3 grid(detail::blocks_for(a.n, kWarpsPerBlock), detail::blocks_for(a.m, kTokens));
  matmul_kernel<F><<<grid, kWarpsPerBlock * kWarp>>>(a.x, static_cast<const unsigned char*>(a.w),
                                                     a.y, a.m, a.k, a.n);
  LLMSIZER_CUDA_LAUNCHED(name);
}

}  // namespace

void matmul(core::DType dtype, const MatmulArgs& a) {
  if (a.m < 1 || a.k < 1 || a.n < 1) throw CudaError("matmul: m, k and n must be positive");
  if (a.m > std::int64_t{65535} * kTokens) throw CudaError("matmul: m above 262140");
  switch (dtype) {
    case core::DType::kF16:
      return launch<Fmt::kF16>(a, "matmul_f16");
    case core::DType::kBF16:
      return launch<Fmt::kBF16>(a, "matmul_bf16");
    case core::DType::kInt8:
      return launch<Fmt::kInt8>(a, "matmul_int8");
    case core::DType::kInt4:
      if (a.k % kInt4Group != 0) throw CudaError("matmul int4: k must be a multiple of 128");
      return launch<Fmt::kInt4>(a, "matmul_int4");
    case core::DType::kQ8_0:
      if (a.k % kQK8_0 != 0) throw CudaError("matmul q8_0: k must be a multiple of 32");
      return launch<Fmt::kQ8_0>(a, "matmul_q8_0");
    case core::DType::kQ4_0:
      if (a.k % kQK4_0 != 0) throw CudaError("matmul q4_0: k must be a multiple of 32");
      return launch<Fmt::kQ4_0>(a, "matmul_q4_0");
    default:
      throw CudaError("matmul: no CUDA kernel for weights in " + std::string(core::name(dtype)));
  }
}

}  // namespace llmsizer::kernels::cuda
