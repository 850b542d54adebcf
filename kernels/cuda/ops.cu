// ops.cu — RMSNorm (one block per row, block reduction of the sum of squares), RoPE (one
// thread per rotated pair, angle in double) and SwiGLU (element-wise), with the definitions
// of reference::rmsnorm, reference::rope and reference::gated.
#include "core/op_graph.h"
#include "kernels/cuda/cuda_check.cuh"
#include "kernels/cuda/device_math.cuh"

namespace llmsizer::kernels::cuda {
namespace {

using detail::kWarp;
constexpr int kNormThreads = 256;
constexpr int kThreads = 256;

__global__ void rmsnorm_kernel(NormArgs a) {
  __shared__ float partial[kNormThreads / kWarp];
  const float* x = a.x + static_cast<std::int64_t>(blockIdx.x) * a.dim;
  float* y = a.y + static_cast<std::int64_t>(blockIdx.x) * a.dim;
  float ss = 0.0f;
  for (std::int64_t i = threadIdx.x; i < a.dim; i += blockDim.x) ss = fmaf(x[i], x[i], ss);
  ss = detail::warp_sum(ss);
  if (threadIdx.x % kWarp == 0) partial[threadIdx.x / kWarp] = ss;
  __syncthreads();
  if (threadIdx.x < kWarp) {
    float v = threadIdx.x < kNormThreads / kWarp ? partial[threadIdx.x] : 0.0f;
    v = detail::warp_sum(v);
    if (threadIdx.x == 0) partial[0] = v;
  }
  __syncthreads();
  const float inv = rsqrtf(partial[0] / static_cast<float>(a.dim) + a.eps);
  for (std::int64_t i = threadIdx.x; i < a.dim; i += blockDim.x) y[i] = x[i] * inv * a.gamma[i];
}

__global__ void rope_kernel(RopeArgs a, bool half_split) {
  const std::int64_t half = a.head_dim / 2;
  const std::int64_t idx = static_cast<std::int64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
  if (idx >= a.tokens * a.heads * half) return;
  const std::int64_t i = idx % half, th = idx / half, t = th / a.heads;
  const double theta = static_cast<double>(a.pos[t]) *
                       pow(static_cast<double>(a.base),
                           -2.0 * static_cast<double>(i) / static_cast<double>(a.head_dim));
  double s = 0, c = 0;
  sincos(theta, &s, &c);
  float* v = a.x + th * a.head_dim;
  const std::int64_t i0 = half_split ? i : 2 * i, i1 = half_split ? i + half : 2 * i + 1;
  const double x0 = v[i0], x1 = v[i1];
  v[i0] = static_cast<float>(x0 * c - x1 * s);
  v[i1] = static_cast<float>(x0 * s + x1 * c);
}

__global__ void swiglu_kernel(GatedArgs a) {
  const std::int64_t i = static_cast<std::int64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
  if (i >= a.n) return;
  const float g = a.gate[i];
  a.y[i] = g / (1.0f + expf(-g)) * a.up[i];
}

}  // namespace

void rmsnorm(const NormArgs& a) {
  if (a.rows < 1 || a.dim < 1) throw CudaError("rmsnorm: rows and dim must be positive");
  rmsnorm_kernel<<<static_cast<unsigned>(a.rows), kNormThreads>>>(a);
  LLMSIZER_CUDA_LAUNCHED(core::op_name(core::OpKind::kRmsNorm).data());
}

void rope(bool half_split, const RopeArgs& a) {
  if (a.head_dim % 2 != 0) throw CudaError("rope: head_dim must be even");
  const std::int64_t pairs = a.tokens * a.heads * (a.head_dim / 2);
  if (pairs == 0) return;
  rope_kernel<<<detail::blocks_for(pairs, kThreads), kThreads>>>(a, half_split);
  LLMSIZER_CUDA_LAUNCHED(
      core::op_name(half_split ? core::OpKind::kRopeHalfSplit : core::OpKind::kRopeInterleaved)
          .data());
}

void swiglu(const GatedArgs& a) {
  if (a.n == 0) return;
  swiglu_kernel<<<detail::blocks_for(a.n, kThreads), kThreads>>>(a);
  LLMSIZER_CUDA_LAUNCHED(core::op_name(core::OpKind::kSwiGlu).data());
}

}  // namespace llmsizer::kernels::cuda
