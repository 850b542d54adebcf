// cuda_check.cuh — internal to kernels/cuda: turns CUDA runtime and cuBLAS status codes into
// CudaError exceptions that name the failing call and its source location.
#pragma once

#include <cublasLt.h>
#include <cuda_runtime.h>

#include <string>

#include "kernels/cuda/cuda_kernels.h"

namespace llmsizer::kernels::cuda::detail {

[[noreturn]] void throw_cuda(cudaError_t e, const char* call, const char* file, int line);
[[noreturn]] void throw_cublas(cublasStatus_t s, const char* call, const char* file, int line);

// Checks the launch of the kernel just enqueued (configuration errors surface here; faults
// inside the kernel surface at the next synchronising call).
void check_launch(const char* kernel, const char* file, int line);

inline unsigned blocks_for(std::int64_t n, int per_block) {
  return static_cast<unsigned>((n + per_block - 1) / per_block);
}

}  // namespace llmsizer::kernels::cuda::detail

#define LLMSIZER_CUDA(call)                                                                  \
  do {                                                                                       \
    const cudaError_t llmsizer_e_ = (call);                                                  \
    if (llmsizer_e_ != cudaSuccess)                                                          \
      ::llmsizer::kernels::cuda::detail::throw_cuda(llmsizer_e_, #call, __FILE__, __LINE__); \
  } while (0)
#define LLMSIZER_CUBLAS(call)                                                                  \
  do {                                                                                         \
    const cublasStatus_t llmsizer_s_ = (call);                                                 \
    if (llmsizer_s_ != CUBLAS_STATUS_SUCCESS)                                                  \
      ::llmsizer::kernels::cuda::detail::throw_cublas(llmsizer_s_, #call, __FILE__, __LINE__); \
  } while (0)
#define LLMSIZER_CUDA_LAUNCHED(name) \
  ::llmsizer::kernels::cuda::detail::check_launch(name, __FILE__, __LINE__)
