// matmul.cc — MatmulWeights (load-time conversion of f16/bf16 to f32) and the matmul()
// entry point that dispatches on the weight dtype (see matmul.h).
#include "kernels/cpu/matmul.h"

#include <cstring>
#include <stdexcept>
#include <string>

#include "core/check.h"

namespace llmsizer::kernels::cpu {

MatmulWeights::MatmulWeights(core::DType dtype, std::int64_t n, std::int64_t k,
                             std::span<const std::byte> data, WeightLayout layout)
    : source_(dtype), dtype_(dtype), layout_(layout), n_(n), k_(k), data_(data.data()) {
  using core::DType;
  if (n < 0 || k < 0) throw std::invalid_argument("matmul weights: negative shape");
  switch (dtype) {
    case DType::kF32:
    case DType::kF16:
    case DType::kBF16:
    case DType::kQ8_0:
    case DType::kQ4_0:
    case DType::kQ4_K:
      break;
    default:
      throw std::invalid_argument("matmul weights: unsupported dtype " +
                                  std::string(core::name(dtype)));
  }
  if (!layout_supported(dtype, layout))
    throw std::invalid_argument("matmul weights: " + std::string(core::name(dtype)) + " has no " +
                                std::string(layout_name(layout)) + " layout");
  const auto un = static_cast<std::uint64_t>(n), uk = static_cast<std::uint64_t>(k);
  if (core::is_block_quantized(dtype) && !core::row_fits_blocks(dtype, uk))
    throw std::invalid_argument("matmul weights: k is not a multiple of the block size");
  if (data.size() != core::tensor_bytes(dtype, un, uk))
    throw std::invalid_argument("matmul weights: data has the wrong number of bytes");
  if (dtype == DType::kF16 || dtype == DType::kBF16) {
    converted_.resize(static_cast<std::size_t>(n * k));
    for (std::size_t i = 0; i < converted_.size(); ++i) {
      std::uint16_t h;
      std::memcpy(&h, data.data() + 2 * i, 2);
      converted_[i] = dtype == DType::kF16 ? f16_to_f32(h) : bf16_to_f32(h);
    }
    dtype_ = DType::kF32;
    data_ = reinterpret_cast<const std::byte*>(converted_.data());
  }
}

std::size_t MatmulWeights::bytes() const {
  return static_cast<std::size_t>(
      core::tensor_bytes(dtype_, static_cast<std::uint64_t>(n_), static_cast<std::uint64_t>(k_)));
}

void matmul(Isa isa, const MatmulArgs& a, ThreadPool& pool, Workspace& ws) {
  LLMSIZER_CHECK(a.w != nullptr, "matmul: no weights");
  const std::int64_t k = a.w->k(), n = a.w->n();
  LLMSIZER_CHECK(a.m >= 0 && a.x.size() == static_cast<std::size_t>(a.m * k),
                 "matmul: x has the wrong size");
  LLMSIZER_CHECK(a.y.size() == static_cast<std::size_t>(a.m * n), "matmul: y has the wrong size");
  if (a.w->dtype() == core::DType::kF32)
    matmul_f32(isa, a.x.data(), reinterpret_cast<const float*>(a.w->data()), a.y.data(), a.m, k, n,
               pool, ws);
  else
    matmul_quantized(isa, a.w->dtype(), a.x.data(), a.w->data(), a.y.data(), a.m, k, n, pool, ws,
                     a.w->layout());
}

}  // namespace llmsizer::kernels::cpu
