// cuda_kernels.h — the CUDA kernels (built only with LLMSIZER_ENABLE_CUDA): cuBLASLt GEMM in
// f16/bf16/fp8, our own GEMV and weight-only dequantizing matmuls (int8, int4, q8_0, q4_0),
// decode and prefill attention, RMSNorm, RoPE, SwiGLU; device discovery, device buffers and
// CUDA-event timing. Plain C++ header (no CUDA headers). Every kernel takes device pointers,
// is enqueued on the legacy default stream and returns without synchronising. Failures of the
// CUDA runtime or cuBLAS throw CudaError (a located message); nothing here exits.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <stdexcept>
#include <string>

#include "core/dtype.h"

namespace llmsizer::kernels::cuda {

struct CudaError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// ---- devices -----------------------------------------------------------------------------

// Number of usable CUDA devices; 0 when there is no driver, no device, or the runtime fails
// (never throws). `why` (optional) receives the runtime's reason when the answer is 0.
int device_count(std::string* why = nullptr);
// Compute capability of the current device as major * 10 + minor (e.g. 90); throws without one.
int compute_capability();
// FP8 tensor-core GEMM (e4m3) needs compute capability 8.9 or later.
inline constexpr int kFp8MinCapability = 89;
// Selects the device the following calls use (cudaSetDevice).
void set_device(int device);
// Waits for all enqueued work; throws when a kernel failed.
void synchronize();

// ---- memory ------------------------------------------------------------------------------

// An owning device allocation (cudaMalloc); move-only.
class DeviceBuffer {
 public:
  DeviceBuffer() = default;
  explicit DeviceBuffer(std::size_t bytes);
  ~DeviceBuffer();
  DeviceBuffer(DeviceBuffer&& o) noexcept;
  DeviceBuffer& operator=(DeviceBuffer&& o) noexcept;
  DeviceBuffer(const DeviceBuffer&) = delete;
  DeviceBuffer& operator=(const DeviceBuffer&) = delete;

  void* data() const { return ptr_; }
  template <class T>
  T* as() const {
    return static_cast<T*>(ptr_);
  }
  std::size_t size() const { return bytes_; }
  // Copies `bytes` (<= size()) from / to host memory; synchronous.
  void upload(const void* host, std::size_t bytes);
  void download(void* host, std::size_t bytes) const;

 private:
  void* ptr_ = nullptr;
  std::size_t bytes_ = 0;
};

// Page-locked host memory (cudaMallocHost), for the host <-> device transfer probe.
class PinnedBuffer {
 public:
  explicit PinnedBuffer(std::size_t bytes);
  ~PinnedBuffer();
  PinnedBuffer(const PinnedBuffer&) = delete;
  PinnedBuffer& operator=(const PinnedBuffer&) = delete;
  void* data() const { return ptr_; }
  std::size_t size() const { return bytes_; }

 private:
  void* ptr_ = nullptr;
  std::size_t bytes_ = 0;
};

// ---- timing ------------------------------------------------------------------------------

// Runs `enqueue` once to warm up, then `reps` times between two CUDA events on the default
// stream; returns the mean milliseconds per call (event resolution about 0.5 us).
double time_ms(const std::function<void()>& enqueue, int reps);

// ---- kernels -----------------------------------------------------------------------------

// Y[m x n] = X[m x k] W[n x k]^T through cuBLASLt with f32 accumulation. dtype f16 or bf16:
// X and W in dtype, Y f32. dtype fp8_e4m3: X and W e4m3 (unit scales), Y bf16 (cuBLASLt's
// FP8 output types); needs compute capability >= kFp8MinCapability, k % 16 == 0, n % 8 == 0.
struct GemmArgs {
  const void* x = nullptr;
  const void* w = nullptr;
  void* y = nullptr;
  std::int64_t m = 1, k = 1, n = 1;
};
void gemm(core::DType dtype, const GemmArgs& a);

// Our own matmuls with f32 activations in and out: Y[m x n] = X[m x k] Wdeq[n x k]^T where W
// is stored as `dtype` and dequantized on the fly: f16 / bf16 (GEMV-style, any m), int8
// (kernels/cuda/weight_formats.h, per-row f16 scale), int4 (group 128, f16 scale + 4-bit
// zero), q8_0 / q4_0 (llama.cpp blocks, kernels/block_layout.h; k % 32 == 0). One warp per
// output feature; meant for decode and small batches (m up to a few dozen).
struct MatmulArgs {
  const float* x = nullptr;
  const void* w = nullptr;
  float* y = nullptr;
  std::int64_t m = 1, k = 1, n = 1;
};
void matmul(core::DType dtype, const MatmulArgs& a);

// y = x / sqrt(mean(x^2) + eps) * gamma per row (reference::rmsnorm).
struct NormArgs {
  const float* x = nullptr;
  const float* gamma = nullptr;
  float* y = nullptr;
  std::int64_t rows = 0, dim = 0;
  float eps = 1e-5f;
};
void rmsnorm(const NormArgs& a);

// RoPE in place on x[tokens][heads][head_dim] (reference::rope); interleaved or half-split
// pairs. Angles are formed in double so long positions keep f32 accuracy.
struct RopeArgs {
  float* x = nullptr;
  const std::int32_t* pos = nullptr;
  std::int64_t tokens = 0, heads = 0, head_dim = 0;
  float base = 10000.0f;
};
void rope(bool half_split, const RopeArgs& a);

// y = silu(gate) * up over n elements (reference::gated with Activation::kSilu).
struct GatedArgs {
  const float* gate = nullptr;
  const float* up = nullptr;
  float* y = nullptr;
  std::int64_t n = 0;
};
void swiglu(const GatedArgs& a);

// Attention with the definitions of reference::attention. q, out: [tokens][heads][head_dim]
// f32; k, v: [past + tokens][kv_heads][head_dim] in kv_dtype (f32 or f16). head_dim <= 256
// and a multiple of 32. Prefill: causal, any tokens (kv f32). Decode: tokens == 1, the KV
// split over thread blocks along the context and merged (the flash-decoding scheme).
struct AttentionArgs {
  const float* q = nullptr;
  const void* k = nullptr;
  const void* v = nullptr;
  core::DType kv_dtype = core::DType::kF32;
  float* out = nullptr;
  std::int64_t tokens = 1, past = 0, heads = 1, kv_heads = 1, head_dim = 32, window = 0;
  float scale = 1.0f;
};
inline constexpr std::int64_t kMaxHeadDim = 256;
void attention_prefill(const AttentionArgs& a);
void attention_decode(const AttentionArgs& a);

}  // namespace llmsizer::kernels::cuda
