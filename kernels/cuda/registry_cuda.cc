// registry_cuda.cc — THE CUDA kernel table (see registry_cuda.h). One line per kernel.
#include "kernels/cuda/registry_cuda.h"

#include "kernels/shape_cost.h"

namespace llmsizer::kernels::cuda {
namespace {

using core::DType;

template <DType D>
void run_gemm(const GemmArgs& a) {
  gemm(D, a);
}
template <DType D>
void run_matmul(const MatmulArgs& a) {
  matmul(D, a);
}
template <bool HalfSplit>
void run_rope(const RopeArgs& a) {
  rope(HalfSplit, a);
}

// Error bounds (normalisation in registry_cuda.h). Tensor-core products of f16/bf16 inputs
// are exact and accumulate in f32, but in an order and with internal truncation cuBLAS does
// not document; fp8 output is bf16 (relative rounding 2^-9). Our own kernels accumulate in
// f32 like the CPU ones; expf/rsqrtf are within 2 ulp.
constexpr double kTensorCoreError = 2e-4;
constexpr double kFp8Error = 6e-3;
constexpr double kF32Error = 1e-5;
constexpr double kElemError = 2e-5;

constexpr int kAmpere = 80;

const CudaKernelEntry kTable[] = {
    {"gemm_f16_cublaslt", OpKind::kMatmul, DType::kF16, DType::kF16, kAmpere,
     GemmKernelFn{run_gemm<DType::kF16>}, kTensorCoreError, 1,
     matmul_cost_of<DType::kF16, DType::kF16>},
    {"gemm_bf16_cublaslt", OpKind::kMatmul, DType::kBF16, DType::kBF16, kAmpere,
     GemmKernelFn{run_gemm<DType::kBF16>}, kTensorCoreError, 1,
     matmul_cost_of<DType::kBF16, DType::kBF16>},
    {"gemm_fp8_e4m3_cublaslt", OpKind::kMatmul, DType::kFP8E4M3, DType::kFP8E4M3, kFp8MinCapability,
     GemmKernelFn{run_gemm<DType::kFP8E4M3>}, kFp8Error, 16,
     matmul_cost_of<DType::kFP8E4M3, DType::kFP8E4M3>},
    {"matmul_f16_cuda", OpKind::kMatmul, DType::kF16, DType::kF32, kAmpere,
     MatmulKernelFn{run_matmul<DType::kF16>}, kF32Error, 1, matmul_cost_of<DType::kF16>},
    {"matmul_bf16_cuda", OpKind::kMatmul, DType::kBF16, DType::kF32, kAmpere,
     MatmulKernelFn{run_matmul<DType::kBF16>}, kF32Error, 1, matmul_cost_of<DType::kBF16>},
    {"matmul_int8_cuda", OpKind::kMatmul, DType::kInt8, DType::kF32, kAmpere,
     MatmulKernelFn{run_matmul<DType::kInt8>}, kF32Error, 1, matmul_cost_of<DType::kInt8>},
    {"matmul_int4_cuda", OpKind::kMatmul, DType::kInt4, DType::kF32, kAmpere,
     MatmulKernelFn{run_matmul<DType::kInt4>}, kF32Error, 128, matmul_cost_of<DType::kInt4>},
    {"matmul_q8_0_cuda", OpKind::kMatmul, DType::kQ8_0, DType::kF32, kAmpere,
     MatmulKernelFn{run_matmul<DType::kQ8_0>}, kF32Error, 32, matmul_cost_of<DType::kQ8_0>},
    {"matmul_q4_0_cuda", OpKind::kMatmul, DType::kQ4_0, DType::kF32, kAmpere,
     MatmulKernelFn{run_matmul<DType::kQ4_0>}, kF32Error, 32, matmul_cost_of<DType::kQ4_0>},
    {"rmsnorm_cuda", OpKind::kRmsNorm, DType::kF32, DType::kF32, kAmpere, NormKernelFn{rmsnorm},
     kElemError, 1, norm_cost_of},
    {"rope_interleaved_cuda", OpKind::kRopeInterleaved, DType::kF32, DType::kF32, kAmpere,
     RopeKernelFn{run_rope<false>}, kElemError, 1, rope_cost_of},
    {"rope_half_split_cuda", OpKind::kRopeHalfSplit, DType::kF32, DType::kF32, kAmpere,
     RopeKernelFn{run_rope<true>}, kElemError, 1, rope_cost_of},
    {"swiglu_cuda", OpKind::kSwiGlu, DType::kF32, DType::kF32, kAmpere, GatedKernelFn{swiglu},
     kElemError, 1, gated_cost_of},
    {"attention_prefill_f32_cuda", OpKind::kAttentionPrefill, DType::kF32, DType::kF32, kAmpere,
     AttentionKernelFn{attention_prefill}, kElemError, 1, attention_cost_of<DType::kF32>},
    {"attention_decode_f32_cuda", OpKind::kAttentionDecode, DType::kF32, DType::kF32, kAmpere,
     AttentionKernelFn{attention_decode}, kElemError, 1, attention_cost_of<DType::kF32>},
    {"attention_decode_f16_cuda", OpKind::kAttentionDecode, DType::kF16, DType::kF32, kAmpere,
     AttentionKernelFn{attention_decode}, kElemError, 1, attention_cost_of<DType::kF16>},
};

}  // namespace

std::span<const CudaKernelEntry> cuda_registry() {
  return kTable;
}

const CudaKernelEntry* find_cuda_kernel(std::string_view name) {
  for (const auto& e : kTable)
    if (name == e.name) return &e;
  return nullptr;
}

bool runs_on(const CudaKernelEntry& e, int capability) {
  return capability >= e.min_capability;
}

}  // namespace llmsizer::kernels::cuda
