// registry_cuda.h — the explicit list of CUDA kernels (built only with LLMSIZER_ENABLE_CUDA):
// name, op (core::OpKind), weight/cache dtype, activation dtype, the minimum compute
// capability, entry point, error bound against the CPU reference kernels (kernels/reference/)
// and FLOP/byte counts from core/ (kernels/shape_cost.h, the CPU registry's). Tests run every
// entry against its reference when a device is present; the profiler times them. Immutable.
#pragma once

#include <span>
#include <string_view>
#include <variant>

#include "core/dtype.h"
#include "core/op_cost.h"
#include "kernels/cuda/cuda_kernels.h"
#include "kernels/registry.h"

namespace llmsizer::kernels::cuda {

using GemmKernelFn = void (*)(const GemmArgs&);
using MatmulKernelFn = void (*)(const MatmulArgs&);
using NormKernelFn = void (*)(const NormArgs&);
using RopeKernelFn = void (*)(const RopeArgs&);
using GatedKernelFn = void (*)(const GatedArgs&);
using AttentionKernelFn = void (*)(const AttentionArgs&);
// The alternative follows from the entry: kMatmul with act == dtype (f16, bf16, fp8) ->
// GemmKernelFn (cuBLASLt), kMatmul with f32 activations -> MatmulKernelFn; kRmsNorm ->
// NormKernelFn; kRope* -> RopeKernelFn; kSwiGlu -> GatedKernelFn; attention ->
// AttentionKernelFn.
using CudaKernelFn = std::variant<GemmKernelFn, MatmulKernelFn, NormKernelFn, RopeKernelFn,
                                  GatedKernelFn, AttentionKernelFn>;

struct CudaKernelEntry {
  const char* name;  // unique, e.g. "gemm_bf16_cublaslt"
  OpKind op;
  core::DType dtype;   // weights (matmul) or KV cache (attention); f32 for the others
  core::DType act;     // activations in (and out, except gemm: f32 out, bf16 for fp8)
  int min_capability;  // compute capability major * 10 + minor the entry needs
  CudaKernelFn fn;
  // Largest allowed error against the CPU reference, normalised as in kernels::KernelEntry:
  // matmul |y - y_ref| / sum_k |x_k w_k|; others |y - y_ref| / (1 + |y_ref|). The reference
  // sees the same rounded inputs (f16/bf16/fp8 values, dequantized weights and caches).
  double max_error;
  int k_multiple;  // matmul: k must be divisible by this
  core::OpCost (*cost)(const OpShape& shape);
};

std::span<const CudaKernelEntry> cuda_registry();
// nullptr when no entry has that name.
const CudaKernelEntry* find_cuda_kernel(std::string_view name);
// Whether the entry runs on a device of the given compute capability (major * 10 + minor).
bool runs_on(const CudaKernelEntry& e, int capability);

}  // namespace llmsizer::kernels::cuda
