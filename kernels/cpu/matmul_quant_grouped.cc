// matmul_quant_grouped.cc — the rows4x16 weight layout of q8_0 / q4_0 matrices (matmul.h):
// the in-place packing and unpacking, the BlockQ8Act16 activation order that matches it, and
// the portable dot kernels over it (the AVX-512 VNNI ones are in matmul_quant_vnni.cc). A
// group of n <= 16 blocks of a tile's T rows: the T x n f16 scales, then for each row W words
// (4 for q4_0, 8 for q8_0) of n 32-bit lanes, lane j of word w being bytes 4w .. 4w + 3 of
// block j's quants. A tile holds its groups in order.
#include <algorithm>
#include <cstring>
#include <stdexcept>
#include <string>
#include <vector>

#include "kernels/cpu/matmul.h"
#include "kernels/cpu/matmul_quant_kernels.h"

namespace llmsizer::kernels::cpu {
namespace {

constexpr int kGroup = 16;
using quant_detail::kTileRows;
using quant_detail::Rows4x16Dots;

// 32-bit words of quants per block, bytes per block.
struct Geometry {
  int words;
  std::size_t block_bytes;
};

Geometry geometry(core::DType dtype) {
  if (dtype == core::DType::kQ8_0) return {8, sizeof(BlockQ8_0)};
  if (dtype == core::DType::kQ4_0) return {4, sizeof(BlockQ4_0)};
  throw std::invalid_argument("rows4x16 layout: " + std::string(core::name(dtype)) +
                              " is not q8_0 or q4_0");
}

// Checks the arguments of pack/unpack; returns the blocks per row.
std::int64_t check_rows(core::DType dtype, std::int64_t k, std::int64_t rows,
                        std::span<std::byte> data) {
  const Geometry g = geometry(dtype);
  if (k < 0 || rows < 0 || k % 32 != 0)
    throw std::invalid_argument("rows4x16 layout: k must be a non-negative multiple of 32");
  const auto expect =
      static_cast<std::size_t>(k / 32) * static_cast<std::size_t>(rows) * g.block_bytes;
  if (data.size() != expect)
    throw std::invalid_argument("rows4x16 layout: " + std::to_string(data.size()) +
                                " bytes given for " + std::to_string(rows) + " rows of " +
                                std::to_string(k) + " values (" + std::to_string(expect) + ")");
  return k / 32;
}

// Group g of the `rows` rows of a tile (n blocks each, consecutive at blocks[v] for row v) <->
// its rows4x16 form at rec: the n f16 scales of row 0, of row 1, ..., then the quant words of
// row 0 (word w of the n blocks together), of row 1, ...
void regroup(const Geometry& g, int n, int rows, std::byte* const* blocks, std::byte* rec,
             bool pack) {
  const auto un = static_cast<std::size_t>(n);
  const std::size_t words = 4 * static_cast<std::size_t>(g.words) * un;  // bytes, one row
  for (int v = 0; v < rows; ++v)
    for (int j = 0; j < n; ++j) {
      std::byte* blk = blocks[v] + static_cast<std::size_t>(j) * g.block_bytes;
      std::byte* scale = rec + 2 * (static_cast<std::size_t>(v) * un + static_cast<std::size_t>(j));
      if (pack)
        std::memcpy(scale, blk, 2);
      else
        std::memcpy(blk, scale, 2);
      for (int w = 0; w < g.words; ++w) {
        std::byte* word = rec + 2 * static_cast<std::size_t>(rows) * un +
                          static_cast<std::size_t>(v) * words +
                          4 * (un * static_cast<std::size_t>(w) + static_cast<std::size_t>(j));
        std::byte* quant = blk + 2 + 4 * static_cast<std::size_t>(w);
        if (pack)
          std::memcpy(word, quant, 4);
        else
          std::memcpy(quant, word, 4);
      }
    }
}

// A tile of `rows` (4, or 1 for the last n % 4 rows of a matrix) rows of nb blocks: group 0 of
// its rows, then group 1, ... (the last group has nb % 16 blocks when that is not 0).
// Rewritten through a copy of the tile.
void regroup_tile(const Geometry& g, std::int64_t nb, int rows, std::byte* tile, bool pack,
                  std::vector<std::byte>& tmp) {
  const std::size_t row_bytes = static_cast<std::size_t>(nb) * g.block_bytes;
  tmp.assign(tile, tile + row_bytes * static_cast<std::size_t>(rows));
  std::size_t rec = 0;  // offset of group b / 16 in the rows4x16 tile
  for (std::int64_t b = 0; b < nb; b += kGroup) {
    const int n = static_cast<int>(std::min<std::int64_t>(kGroup, nb - b));
    std::byte* blocks[kTileRows];
    std::byte* from = pack ? tmp.data() : tile;  // the blocks side
    for (int v = 0; v < rows; ++v)
      blocks[v] = from + static_cast<std::size_t>(v) * row_bytes +
                  static_cast<std::size_t>(b) * g.block_bytes;
    regroup(g, n, rows, blocks, (pack ? tile : tmp.data()) + rec, pack);
    rec += static_cast<std::size_t>(rows * n) * g.block_bytes;
  }
}

void regroup_rows(core::DType dtype, std::int64_t k, std::int64_t rows, std::span<std::byte> data,
                  bool pack) {
  const std::int64_t nb = check_rows(dtype, k, rows, data);
  const Geometry g = geometry(dtype);
  const std::size_t row_bytes = static_cast<std::size_t>(nb) * g.block_bytes;
  std::vector<std::byte> tmp;
  for (std::int64_t r = 0; r < rows;) {
    const int t = rows - r >= kTileRows ? kTileRows : 1;
    regroup_tile(g, nb, t, data.data() + static_cast<std::size_t>(r) * row_bytes, pack, tmp);
    r += t;
  }
}

// ---- portable dot kernels over the rows4x16 layout ----------------------------------------

// out[v * R + r] = dot(row v of a tile of NW rows at wp, activation row r).
template <int R, int NW, bool Q4>
void dot_g16_portable(const std::byte* wp, const void* const* acts, std::int64_t nb, float* out) {
  constexpr int kWords = Q4 ? 4 : 8;
  constexpr std::size_t kBlockBytes = Q4 ? sizeof(BlockQ4_0) : sizeof(BlockQ8_0);
  for (int r = 0; r < R; ++r)
    for (int v = 0; v < NW; ++v) {
      const auto* a = static_cast<const BlockQ8Act16*>(acts[r]);
      const std::byte* grp = wp;  // the tile's current group
      float acc = 0;
      for (std::int64_t b = 0; b < nb; b += kGroup, ++a) {
        const int n = static_cast<int>(std::min<std::int64_t>(kGroup, nb - b));
        const std::size_t words = 4 * static_cast<std::size_t>(kWords * n);  // bytes, one row
        const std::byte* scales = grp + 2 * static_cast<std::size_t>(v * n);
        const auto* q = reinterpret_cast<const std::uint8_t*>(
            grp + 2 * static_cast<std::size_t>(NW * n) + v * words);
        for (int j = 0; j < n; ++j) {
          std::uint16_t d;
          std::memcpy(&d, scales + 2 * j, 2);
          int isum = 0;
          for (int w = 0; w < kWords; ++w)
            for (int i = 0; i < 4; ++i) {
              const std::uint8_t byte = q[4 * (n * w + j) + i];
              if constexpr (Q4) {
                // Low nibble: element 4w + i; high nibble: element 16 + 4w + i; both - 8.
                isum += ((byte & 0xF) - 8) * a->qs[w][4 * j + i] +
                        ((byte >> 4) - 8) * a->qs[w + 4][4 * j + i];
              } else {
                isum += static_cast<std::int8_t>(byte) * a->qs[w][4 * j + i];
              }
            }
          acc += f16_to_f32(d) * a->d[j] * static_cast<float>(isum);
        }
        grp += static_cast<std::size_t>(NW * n) * kBlockBytes;
      }
      out[v * R + r] = acc;
    }
}

template <int R>
void dot_q8_0_g16_portable(const std::byte* wp, const void* const* acts, std::int64_t nb,
                           float* out) {
  dot_g16_portable<R, 1, false>(wp, acts, nb, out);
}
template <int R>
void dot_q4_0_g16_portable(const std::byte* wp, const void* const* acts, std::int64_t nb,
                           float* out) {
  dot_g16_portable<R, 1, true>(wp, acts, nb, out);
}
template <int R>
void tile_q8_0_portable(const std::byte* wp, const void* const* acts, std::int64_t nb, float* out) {
  dot_g16_portable<R, kTileRows, false>(wp, acts, nb, out);
}
template <int R>
void tile_q4_0_portable(const std::byte* wp, const void* const* acts, std::int64_t nb, float* out) {
  dot_g16_portable<R, kTileRows, true>(wp, acts, nb, out);
}

}  // namespace

std::string_view layout_name(WeightLayout layout) {
  return layout == WeightLayout::kRows4x16 ? "rows4x16" : "blocks";
}

bool layout_supported(core::DType dtype, WeightLayout layout) {
  return layout == WeightLayout::kBlocks || dtype == core::DType::kQ8_0 ||
         dtype == core::DType::kQ4_0;
}

void pack_rows4x16(core::DType dtype, std::int64_t k, std::int64_t rows,
                   std::span<std::byte> data) {
  regroup_rows(dtype, k, rows, data, true);
}

void unpack_rows4x16(core::DType dtype, std::int64_t k, std::int64_t rows,
                     std::span<std::byte> data) {
  regroup_rows(dtype, k, rows, data, false);
}

namespace quant_detail {

const Rows4x16Dots* rows4x16_portable_dots(core::DType dtype) {
  static const Rows4x16Dots q8{
      {dot_q8_0_g16_portable<1>, dot_q8_0_g16_portable<2>, dot_q8_0_g16_portable<3>},
      {tile_q8_0_portable<1>, tile_q8_0_portable<2>, tile_q8_0_portable<3>}};
  static const Rows4x16Dots q4{
      {dot_q4_0_g16_portable<1>, dot_q4_0_g16_portable<2>, dot_q4_0_g16_portable<3>},
      {tile_q4_0_portable<1>, tile_q4_0_portable<2>, tile_q4_0_portable<3>}};
  if (dtype == core::DType::kQ8_0) return &q8;
  if (dtype == core::DType::kQ4_0) return &q4;
  return nullptr;
}

void group16_acts(BlockQ8Act8* groups, std::int64_t count) {
  for (std::int64_t i = 0; i < count; ++i) {
    BlockQ8Act8 in[2];
    std::memcpy(in, groups + 2 * i, sizeof in);
    BlockQ8Act16 out;
    for (int j = 0; j < kGroup; ++j) {
      const BlockQ8Act8& g = in[j / 8];
      out.d[j] = g.d[j % 8];
      out.s[j] = g.s[j % 8];
      for (int w = 0; w < 8; ++w) std::memcpy(&out.qs[w][4 * j], &g.qs[j % 8][4 * w], 4);
    }
    std::memcpy(static_cast<void*>(groups + 2 * i), &out, sizeof out);
  }
}

}  // namespace quant_detail
}  // namespace llmsizer::kernels::cpu
