// device_math.cuh — internal to kernels/cuda: device helpers shared by the kernels (f16/bf16
// decoding from raw bits, warp reductions). Header-only, device code.
#pragma once

#include <cuda_fp16.h>

#include <cstdint>

namespace llmsizer::kernels::cuda::detail {

inline constexpr int kWarp = 32;

__device__ __forceinline__ float half_bits_to_float(std::uint16_t h) {
  return __half2float(__ushort_as_half(h));
}
__device__ __forceinline__ float bf16_bits_to_float(std::uint16_t h) {
  return __uint_as_float(static_cast<unsigned>(h) << 16);
}
__device__ __forceinline__ std::uint16_t load_u16(const unsigned char* p) {
  return *reinterpret_cast<const std::uint16_t*>(p);  // callers keep p 2-byte aligned
}

__device__ __forceinline__ float warp_sum(float v) {
#pragma unroll
  for (int o = kWarp / 2; o > 0; o /= 2) v += __shfl_xor_sync(0xffffffffu, v, o);
  return v;
}
__device__ __forceinline__ float warp_max(float v) {
#pragma unroll
  for (int o = kWarp / 2; o > 0; o /= 2) v = fmaxf(v, __shfl_xor_sync(0xffffffffu, v, o));
  return v;
}

}  // namespace llmsizer::kernels::cuda::detail
