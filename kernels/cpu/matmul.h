// matmul.h — the CPU matmul kernels: Y[m x n] = X[m x k] * W[n x k]^T with f32 activations
// and weights in f32, f16, bf16 (converted to f32 on load), or llama.cpp's q8_0, q4_0, q4_k
// blocks (used as stored; activations are quantized to 8-bit blocks and multiplied with
// integer dot products). One entry point per family; each has an AVX2 and a portable path.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "core/dtype.h"
#include "kernels/block_layout.h"
#include "kernels/cpu/isa.h"
#include "kernels/cpu/thread_pool.h"
#include "kernels/cpu/workspace.h"

namespace llmsizer::kernels::cpu {

// A weight matrix [n x k] (k = the contiguous input dimension) ready for the kernels.
// f32 and block types are a view of the caller's bytes (which must outlive this object);
// f16 and bf16 are converted once, here, into an owned f32 copy. Immutable after
// construction, so one object may serve any number of concurrent calls.
class MatmulWeights {
 public:
  // data.size() must equal core::tensor_bytes(dtype, n, k); block types need k to be a
  // multiple of their block size; dtype one of f32, f16, bf16, q8_0, q4_0, q4_k.
  // Throws std::invalid_argument otherwise.
  MatmulWeights(core::DType dtype, std::int64_t n, std::int64_t k, std::span<const std::byte> data);

  core::DType source_dtype() const { return source_; }
  core::DType dtype() const { return dtype_; }  // what the kernels read: f32 or a block type
  std::int64_t n() const { return n_; }
  std::int64_t k() const { return k_; }
  const std::byte* data() const { return data_; }
  std::size_t bytes() const;  // bytes the kernels read per call (core::tensor_bytes of dtype())

 private:
  core::DType source_;
  core::DType dtype_;
  std::int64_t n_, k_;
  const std::byte* data_;
  std::vector<float> converted_;
};

struct MatmulArgs {
  std::span<const float> x;  // [m x k], row-major
  const MatmulWeights* w = nullptr;
  std::span<float> y;  // [m x n], row-major; overwritten
  std::int64_t m = 0;
};

// y = x * w^T, dispatching on w->dtype(). `isa` must be supported (isa_supported). Uses every
// thread of `pool`; scratch comes from `ws` (allocated there only when it must grow).
// Results do not depend on the thread count. Sizes are checked (CHECK) against m, n, k.
void matmul(Isa isa, const MatmulArgs& args, ThreadPool& pool, Workspace& ws);

// The families behind matmul(), callable directly (the registry and benchmarks do).
// f32: packed 6x16 FMA microkernel (cache-blocked GEMM) for m >= 4, direct GEMV below.
void matmul_f32(Isa isa, const float* x, const float* w, float* y, std::int64_t m, std::int64_t k,
                std::int64_t n, ThreadPool& pool, Workspace& ws);
// Block types (q8_0, q4_0, q4_k): `w` holds n rows of k / block blocks.
void matmul_quantized(Isa isa, core::DType dtype, const float* x, const std::byte* w, float* y,
                      std::int64_t m, std::int64_t k, std::int64_t n, ThreadPool& pool,
                      Workspace& ws);

// The activation quantizers the integer kernels use, bit-identical to
// reference::quantize_act_q8 / quantize_act_q8k. k must be a multiple of 32 / 256.
// quantize_act_q8 writes ceil(k / 256) groups of eight blocks (BlockQ8Act8, zero-padded).
void quantize_act_q8(Isa isa, const float* x, std::int64_t k, BlockQ8Act8* y);
void quantize_act_q8k(Isa isa, const float* x, std::int64_t k, BlockQ8K* y);

}  // namespace llmsizer::kernels::cpu
