// matmul.h — the CPU matmul kernels: Y[m x n] = X[m x k] * W[n x k]^T with f32 activations
// and weights in f32, f16, bf16 (converted to f32 on load), or llama.cpp's q8_0, q4_0, q4_k
// blocks (used as stored; activations are quantized to 8-bit blocks and multiplied with
// integer dot products). One entry point per family; each has an AVX2 and a portable path.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "core/dtype.h"
#include "kernels/block_layout.h"
#include "kernels/cpu/isa.h"
#include "kernels/cpu/thread_pool.h"
#include "kernels/cpu/workspace.h"

namespace llmsizer::kernels::cpu {

// How the blocks of a q8_0 / q4_0 weight matrix lie in memory.
//  kBlocks:   llama.cpp's array of blocks (BlockQ8_0 / BlockQ4_0) row after row, as in a GGUF
//             file.
//  kRows4x16: the same bytes regrouped for the AVX-512 VNNI kernels (llama.cpp repacks its
//             CPU weights on load in the same spirit). Rows go in tiles of 4 (the last n % 4
//             rows each form a tile of one); each row is cut into groups of 16 blocks (the last
//             one shorter when the row's block count is not a multiple of 16). A group's record
//             is its n f16 scales, then its quants as 32-bit words: word w of the n blocks
//             together (q4_0: 4 words a block, q8_0: 8), so one 512-bit load holds word w of
//             16 blocks and lane j belongs to block j. A tile stores group 0's record of each of
//             its rows, then group 1's, ...: one forward stream however many rows a kernel
//             reads at once. Tiles keep their size (18 or 34 bytes a block), so byte counts and
//             tile offsets do not change. Other instruction sets read it through the portable
//             kernel, so pack only where the VNNI path runs.
enum class WeightLayout : std::uint8_t { kBlocks, kRows4x16 };
std::string_view layout_name(WeightLayout layout);  // "blocks", "rows4x16"
// kBlocks: every dtype; kRows4x16: q8_0 and q4_0.
bool layout_supported(core::DType dtype, WeightLayout layout);

// Rewrites a whole matrix of `rows` rows of k values of q8_0 / q4_0 blocks (row after row,
// core::tensor_bytes in all) between kBlocks and kRows4x16, in place. Exact inverses of each
// other. Throws std::invalid_argument for other dtypes, k not a multiple of 32, or a span of
// the wrong size.
void pack_rows4x16(core::DType dtype, std::int64_t k, std::int64_t rows, std::span<std::byte> data);
void unpack_rows4x16(core::DType dtype, std::int64_t k, std::int64_t rows,
                     std::span<std::byte> data);

// A weight matrix [n x k] (k = the contiguous input dimension) ready for the kernels.
// f32 and block types are a view of the caller's bytes (which must outlive this object);
// f16 and bf16 are converted once, here, into an owned f32 copy. Immutable after
// construction, so one object may serve any number of concurrent calls.
class MatmulWeights {
 public:
  // data.size() must equal core::tensor_bytes(dtype, n, k); block types need k to be a
  // multiple of their block size; dtype one of f32, f16, bf16, q8_0, q4_0, q4_k; `layout`
  // is how `data` already lies (layout_supported). Throws std::invalid_argument otherwise.
  MatmulWeights(core::DType dtype, std::int64_t n, std::int64_t k, std::span<const std::byte> data,
                WeightLayout layout = WeightLayout::kBlocks);

  core::DType source_dtype() const { return source_; }
  core::DType dtype() const { return dtype_; }  // what the kernels read: f32 or a block type
  WeightLayout layout() const { return layout_; }
  std::int64_t n() const { return n_; }
  std::int64_t k() const { return k_; }
  const std::byte* data() const { return data_; }
  std::size_t bytes() const;  // bytes the kernels read per call (core::tensor_bytes of dtype())

 private:
  core::DType source_;
  core::DType dtype_;
  WeightLayout layout_;
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
// Block types (q8_0, q4_0, q4_k): `w` holds n rows of k / block blocks in `layout`.
void matmul_quantized(Isa isa, core::DType dtype, const float* x, const std::byte* w, float* y,
                      std::int64_t m, std::int64_t k, std::int64_t n, ThreadPool& pool,
                      Workspace& ws, WeightLayout layout = WeightLayout::kBlocks);

// The activation quantizers the integer kernels use, bit-identical to
// reference::quantize_act_q8 / quantize_act_q8k. k must be a multiple of 32 / 256.
// quantize_act_q8 writes ceil(k / 256) groups of eight blocks (BlockQ8Act8, zero-padded).
void quantize_act_q8(Isa isa, const float* x, std::int64_t k, BlockQ8Act8* y);
void quantize_act_q8k(Isa isa, const float* x, std::int64_t k, BlockQ8K* y);

}  // namespace llmsizer::kernels::cpu
