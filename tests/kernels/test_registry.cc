// test_registry.cc — every registry entry against its naive reference, table-driven: several
// shapes per op kind (odd sizes, sizes at and past the blocking and vector widths), 1 and 2
// threads, each kernel's own error bound; plus the table's invariants (unique names, costs
// from core/) and accuracy of the quantized matmuls against the unquantized product.
#include <catch2/catch.hpp>

#include <cmath>
#include <cstring>
#include <random>
#include <set>
#include <string>
#include <variant>
#include <vector>

#include "core/op_cost.h"
#include "kernels/reference/quant.h"
#include "kernels/reference/reference.h"
#include "kernels/registry.h"
#include "random_values.h"

using namespace llmsizer;
using namespace llmsizer::kernels;

namespace {

using testing::uniform;

OpShape mm(std::int64_t m, std::int64_t k, std::int64_t n) {
  OpShape s;
  s.m = m;
  s.k = k;
  s.n = n;
  return s;
}

OpShape attn(std::int64_t tokens, std::int64_t past, std::int64_t heads, std::int64_t kv_heads,
             std::int64_t head_dim, std::int64_t window) {
  OpShape s;
  s.m = tokens;
  s.past = past;
  s.heads = heads;
  s.kv_heads = kv_heads;
  s.head_dim = head_dim;
  s.window = window;
  return s;
}

std::vector<OpShape> shapes_for(const KernelEntry& e) {
  std::vector<OpShape> shapes;
  switch (e.op) {
    case OpKind::kMatmul: {
      std::vector<std::int64_t> ks;
      if (e.k_multiple == 1) ks = {1, 37, 300};  // 300 > the GEMM's depth block of 256
      // 1056 = 33 blocks: two full groups of 16 (rows4x16) or four of 8, and a tail block.
      if (e.k_multiple == 32) ks = {32, 96, 320, 1056};
      if (e.k_multiple == 256) ks = {256, 768};
      for (std::int64_t m : {1, 3, 17})
        for (std::int64_t n : {1, 7, 33})
          for (std::int64_t k : ks) shapes.push_back(mm(m, k, n));
      shapes.push_back(mm(150, ks.back(), 35));  // past the GEMM's row block of 144
      // Every row count of the quantized kernels' row groups (up to 8 rows per group).
      for (std::int64_t m : {2, 4, 5, 6, 7, 12}) shapes.push_back(mm(m, ks.back(), 5));
      break;
    }
    case OpKind::kRmsNorm:
    case OpKind::kLayerNorm:
    case OpKind::kSoftmax:
      for (std::int64_t m : {1, 3, 17})
        for (std::int64_t k : {1, 7, 64, 300}) shapes.push_back(mm(m, k, 1));
      shapes.push_back(mm(2, 5000, 1));
      break;
    case OpKind::kSilu:
    case OpKind::kGelu:
    case OpKind::kSwiGlu:
    case OpKind::kGeGlu:
      for (std::int64_t k : {1, 7, 100}) shapes.push_back(mm(1, k, 1));
      shapes.push_back(mm(3, 20000, 1));  // several parallel chunks
      break;
    case OpKind::kRopeInterleaved:
    case OpKind::kRopeHalfSplit:
      for (std::int64_t tokens : {1, 3, 17})
        for (std::int64_t hd : {2, 6, 64, 80}) {
          OpShape s = mm(tokens, 1, 1);
          s.heads = 3;
          s.head_dim = hd;
          shapes.push_back(s);
        }
      break;
    case OpKind::kAttentionPrefill:
      shapes = {attn(1, 0, 1, 1, 8, 0),   attn(17, 0, 4, 2, 64, 0),  attn(17, 5, 4, 1, 24, 0),
                attn(70, 0, 2, 2, 32, 0), attn(70, 0, 4, 2, 33, 16), attn(9, 20, 3, 3, 80, 7),
                attn(130, 3, 2, 1, 16, 0)};
      break;
    case OpKind::kAdd:
      shapes = {mm(1, 7, 1), mm(3, 20000, 1)};
      break;
    case OpKind::kEmbedding:
      for (std::int64_t ids : {1, 5}) {
        shapes.push_back(mm(ids, e.k_multiple == 1 ? 33 : e.k_multiple, 7));
        shapes.push_back(mm(ids, 2 * std::max(e.k_multiple, 32), 3));
      }
      break;
    case OpKind::kKvAppend:
      for (std::int64_t tokens : {1, 9}) {
        OpShape s = attn(tokens, 3, 1, 2, 64, 0);
        shapes.push_back(s);
        if (e.dtype != core::DType::kQ8_0) {
          s.head_dim = 13;
          shapes.push_back(s);
        }
      }
      break;
    case OpKind::kAttentionDecode:
      shapes = {attn(1, 0, 1, 1, 32, 0), attn(1, 16, 4, 2, 64, 0), attn(1, 200, 8, 1, 32, 0),
                attn(1, 1500, 4, 2, 128, 0), attn(1, 300, 4, 4, 64, 100), attn(1, 70, 2, 1, 96, 0),
                // group 6: one full block of four query heads and a partial one
                attn(1, 130, 12, 2, 64, 0)};
      // group 5 and a head_dim past the 8-wide loop (q8_0 rows need whole 32-blocks); group 3
      // with that tail, which an f16 cache serves from the cache rows directly
      if (e.dtype != core::DType::kQ8_0) {
        shapes.push_back(attn(1, 77, 5, 1, 20, 0));
        shapes.push_back(attn(1, 77, 3, 1, 20, 0));
        default:
          break;  // graph-only kinds have no registry entry (checked below)
      }
      break;
  }
  return shapes;
}

// The activations the op is defined on: x itself, or x through the reference 8-bit quantizer.
std::vector<float> reference_activations(ActQuant q, const std::vector<float>& x, std::int64_t m,
                                         std::int64_t k) {
  if (q == ActQuant::kNone) return x;
  std::vector<float> out(x.size());
  for (std::int64_t i = 0; i < m; ++i) {
    const std::span<const float> row(x.data() + i * k, static_cast<std::size_t>(k));
    const std::span<float> dst(out.data() + i * k, static_cast<std::size_t>(k));
    if (q == ActQuant::kQ8Block32) {
      std::vector<BlockQ8Act> b(static_cast<std::size_t>(k / 32));
      reference::quantize_act_q8(row, b);
      reference::dequantize_act_q8(b, dst);
    } else {
      std::vector<BlockQ8K> b(static_cast<std::size_t>(k / 256));
      reference::quantize_act_q8k(row, b);
      reference::dequantize_act_q8k(b, dst);
    }
  }
  return out;
}

std::vector<float> abs_of(std::vector<float> v) {
  for (auto& x : v) x = std::abs(x);
  return v;
}

// Largest |y - ref| / sum_k |x_k w_k| over all outputs.
double matmul_error(const KernelEntry& e, const OpShape& s, cpu::ThreadPool& pool,
                    cpu::Workspace& ws) {
  REQUIRE(std::holds_alternative<MatmulKernelFn>(e.fn));
  const auto x = uniform(static_cast<std::size_t>(s.m * s.k), 1);
  const auto w = uniform(static_cast<std::size_t>(s.n * s.k), 2);
  auto stored = reference::quantize(e.dtype, w, s.n, s.k);
  const auto w_ref = reference::dequantize(e.dtype, stored, s.n, s.k);
  const auto x_ref = reference_activations(e.act_quant, x, s.m, s.k);
  std::vector<float> ref(static_cast<std::size_t>(s.m * s.n)), scale(ref.size());
  reference::matmul(x_ref, w_ref, ref, s.m, s.k, s.n);
  reference::matmul(abs_of(x_ref), abs_of(w_ref), scale, s.m, s.k, s.n);

  if (e.layout == cpu::WeightLayout::kRows4x16) cpu::pack_rows4x16(e.dtype, s.k, s.n, stored);
  const cpu::MatmulWeights weights(e.dtype, s.n, s.k, stored, e.layout);
  std::vector<float> y(ref.size(), NAN);
  std::get<MatmulKernelFn>(e.fn)({x, &weights, y, s.m}, pool, ws);
  double worst = 0;
  for (std::size_t i = 0; i < y.size(); ++i) {
    const double err = std::abs(static_cast<double>(y[i]) - ref[i]) /
                       std::max(static_cast<double>(scale[i]), 1e-30);
    worst = std::max(worst, std::isnan(err) ? INFINITY : err);
  }
  return worst;
}

// Largest |y - ref| / (1 + |ref|).
double elementwise_error(const std::vector<float>& y, const std::vector<float>& ref) {
  REQUIRE(y.size() == ref.size());
  double worst = 0;
  for (std::size_t i = 0; i < y.size(); ++i) {
    const double err = std::abs(static_cast<double>(y[i]) - ref[i]) / (1.0 + std::abs(ref[i]));
    worst = std::max(worst, std::isnan(err) ? INFINITY : err);
  }
  return worst;
}

double norm_error(const KernelEntry& e, const OpShape& s, cpu::ThreadPool& pool,
                  cpu::Workspace& ws) {
  const auto x = uniform(static_cast<std::size_t>(s.m * s.k), 1, 3.0f);
  auto gamma = uniform(static_cast<std::size_t>(s.k), 2);
  const auto beta = uniform(static_cast<std::size_t>(s.k), 3);
  std::vector<float> ref(x.size()), y(x.size(), NAN);
  const bool layer = e.op == OpKind::kLayerNorm;
  if (layer)
    reference::layernorm(x, gamma, beta, ref, s.m, s.k, 1e-5f);
  else
    reference::rmsnorm(x, gamma, ref, s.m, s.k, 1e-5f);
  cpu::NormArgs a;
  a.x = x;
  a.gamma = gamma;
  if (layer) a.beta = beta;
  a.y = y;
  a.rows = s.m;
  a.dim = s.k;
  a.eps = 1e-5f;
  std::get<NormKernelFn>(e.fn)(a, pool, ws);
  return elementwise_error(y, ref);
}

double rope_error(const KernelEntry& e, const OpShape& s, cpu::ThreadPool& pool,
                  cpu::Workspace& ws) {
  auto x = uniform(static_cast<std::size_t>(s.m * s.heads * s.head_dim), 1);
  std::vector<std::int32_t> pos(static_cast<std::size_t>(s.m));
  for (std::size_t t = 0; t < pos.size(); ++t) pos[t] = static_cast<std::int32_t>(t * 37 + 5);
  auto ref = x;
  const auto style =
      e.op == OpKind::kRopeInterleaved ? RopeStyle::kInterleaved : RopeStyle::kHalfSplit;
  reference::rope(style, ref, pos, s.m, s.heads, s.head_dim, 10000.0f);
  cpu::RopeArgs a;
  a.x = x;
  a.pos = pos;
  a.tokens = s.m;
  a.heads = s.heads;
  a.head_dim = s.head_dim;
  a.base = 10000.0f;
  std::get<RopeKernelFn>(e.fn)(a, pool, ws);
  return elementwise_error(x, ref);
}

double activation_error(const KernelEntry& e, const OpShape& s, cpu::ThreadPool& pool,
                        cpu::Workspace& ws) {
  const auto n = static_cast<std::size_t>(s.m * s.k);
  const auto x = uniform(n, 1, 12.0f);  // both tails of exp and tanh
  const auto up = uniform(n, 2, 2.0f);
  const bool gated = e.op == OpKind::kSwiGlu || e.op == OpKind::kGeGlu;
  const auto act =
      e.op == OpKind::kSilu || e.op == OpKind::kSwiGlu ? Activation::kSilu : Activation::kGelu;
  std::vector<float> ref(n), y(n, NAN);
  if (gated)
    reference::gated(act, x, up, ref);
  else
    reference::activation(act, x, ref);
  cpu::UnaryArgs a;
  a.x = x;
  if (gated) a.up = up;
  a.y = y;
  std::get<UnaryKernelFn>(e.fn)(a, pool, ws);
  return elementwise_error(y, ref);
}

double softmax_error(const KernelEntry& e, const OpShape& s, cpu::ThreadPool& pool,
                     cpu::Workspace& ws) {
  const auto x = uniform(static_cast<std::size_t>(s.m * s.k), 1, 20.0f);
  std::vector<float> ref(x.size()), y(x.size(), NAN);
  reference::softmax(x, ref, s.m, s.k);
  std::get<SoftmaxKernelFn>(e.fn)({x, y, s.m, s.k}, pool, ws);
  return elementwise_error(y, ref);
}

double attention_error(const KernelEntry& e, const OpShape& s, cpu::ThreadPool& pool,
                       cpu::Workspace& ws) {
  const std::int64_t ctx = s.past + s.m;
  const auto q = uniform(static_cast<std::size_t>(s.m * s.heads * s.head_dim), 1, 2.0f);
  const auto k = uniform(static_cast<std::size_t>(ctx * s.kv_heads * s.head_dim), 2, 2.0f);
  const auto v = uniform(static_cast<std::size_t>(ctx * s.kv_heads * s.head_dim), 3);
  // The cache holds K and V in the entry's dtype; the reference reads them back as f32.
  const auto k_stored = reference::quantize(e.dtype, k, ctx * s.kv_heads, s.head_dim);
  const auto v_stored = reference::quantize(e.dtype, v, ctx * s.kv_heads, s.head_dim);
  const auto k_ref = reference::dequantize(e.dtype, k_stored, ctx * s.kv_heads, s.head_dim);
  const auto v_ref = reference::dequantize(e.dtype, v_stored, ctx * s.kv_heads, s.head_dim);
  const float scale = 1.0f / std::sqrt(static_cast<float>(s.head_dim));
  std::vector<float> ref(q.size()), y(q.size(), NAN);
  reference::attention(q, k_ref, v_ref, ref, s.m, s.past, s.heads, s.kv_heads, s.head_dim, s.window,
                       scale);
  cpu::AttentionArgs a;
  a.q = q;
  a.k = k_stored;
  a.v = v_stored;
  a.kv_dtype = e.dtype;
  a.out = y;
  a.tokens = s.m;
  a.past = s.past;
  a.heads = s.heads;
  a.kv_heads = s.kv_heads;
  a.head_dim = s.head_dim;
  a.window = s.window;
  a.scale = scale;
  std::get<AttentionKernelFn>(e.fn)(a, pool, ws);
  return elementwise_error(y, ref);
}

double add_error(const KernelEntry& e, const OpShape& s, cpu::ThreadPool& pool,
                 cpu::Workspace& ws) {
  const auto n = static_cast<std::size_t>(s.m * s.k);
  const auto x = uniform(n, 1), up = uniform(n, 2);
  std::vector<float> ref(n), y(n, NAN);
  for (std::size_t i = 0; i < n; ++i) ref[i] = x[i] + up[i];
  std::get<UnaryKernelFn>(e.fn)({x, up, y}, pool, ws);
  return elementwise_error(y, ref);
}

// Table of n rows x k; ids pick rows (repeats and the last row included).
double embedding_error(const KernelEntry& e, const OpShape& s, cpu::ThreadPool& pool,
                       cpu::Workspace& ws) {
  const auto table = uniform(static_cast<std::size_t>(s.n * s.k), 1, 3.0f);
  const auto stored = reference::quantize(e.dtype, table, s.n, s.k);
  const auto deq = reference::dequantize(e.dtype, stored, s.n, s.k);
  std::vector<std::int32_t> ids(static_cast<std::size_t>(s.m));
  for (std::size_t t = 0; t < ids.size(); ++t)
    ids[t] = static_cast<std::int32_t>((t * 5 + 2) % static_cast<std::size_t>(s.n));
  ids.back() = static_cast<std::int32_t>(s.n - 1);
  std::vector<float> ref, y(ids.size() * static_cast<std::size_t>(s.k), NAN);
  for (const auto id : ids)
    ref.insert(ref.end(), deq.begin() + id * s.k, deq.begin() + (id + 1) * s.k);
  cpu::EmbeddingArgs a;
  a.dtype = e.dtype;
  a.table = stored;
  a.rows = s.n;
  a.dim = s.k;
  a.ids = ids;
  a.out = y;
  std::get<EmbeddingKernelFn>(e.fn)(a, pool, ws);
  return elementwise_error(y, ref);
}

// Appends m tokens at position `past` of a cache with room for past + m + 2; the rows around
// them must stay untouched, the new ones must read back as the reference conversion.
double kv_append_error(const KernelEntry& e, const OpShape& s, cpu::ThreadPool& pool,
                       cpu::Workspace& ws) {
  const std::int64_t capacity = s.past + s.m + 2, rows = capacity * s.kv_heads;
  const auto before = uniform(static_cast<std::size_t>(rows * s.head_dim), 1);
  auto cache = reference::quantize(e.dtype, before, rows, s.head_dim);
  const auto src = uniform(static_cast<std::size_t>(s.m * s.kv_heads * s.head_dim), 2, 4.0f);
  auto expected = before;
  std::copy(src.begin(), src.end(), expected.begin() + s.past * s.kv_heads * s.head_dim);
  const auto ref = reference::dequantize(
      e.dtype, reference::quantize(e.dtype, expected, rows, s.head_dim), rows, s.head_dim);
  cpu::KvAppendArgs a;
  a.src = src;
  a.dtype = e.dtype;
  a.cache = cache;
  a.capacity = capacity;
  a.past = s.past;
  a.tokens = s.m;
  a.kv_heads = s.kv_heads;
  a.head_dim = s.head_dim;
  std::get<KvAppendKernelFn>(e.fn)(a, pool, ws);
  return elementwise_error(reference::dequantize(e.dtype, cache, rows, s.head_dim), ref);
}

double kernel_error(const KernelEntry& e, const OpShape& s, cpu::ThreadPool& pool,
                    cpu::Workspace& ws) {
  switch (e.op) {
    case OpKind::kMatmul:
      return matmul_error(e, s, pool, ws);
    case OpKind::kRmsNorm:
    case OpKind::kLayerNorm:
      return norm_error(e, s, pool, ws);
    case OpKind::kRopeInterleaved:
    case OpKind::kRopeHalfSplit:
      return rope_error(e, s, pool, ws);
    case OpKind::kSilu:
    case OpKind::kGelu:
    case OpKind::kSwiGlu:
    case OpKind::kGeGlu:
      return activation_error(e, s, pool, ws);
    case OpKind::kSoftmax:
      return softmax_error(e, s, pool, ws);
    case OpKind::kAttentionPrefill:
    case OpKind::kAttentionDecode:
      return attention_error(e, s, pool, ws);
    case OpKind::kAdd:
      return add_error(e, s, pool, ws);
    case OpKind::kEmbedding:
      return embedding_error(e, s, pool, ws);
    case OpKind::kKvAppend:
      return kv_append_error(e, s, pool, ws);
    default:
      break;  // graph-only kinds have no registry entry (checked below)
  }
  return INFINITY;
}

}  // namespace

TEST_CASE("every registry kernel matches its reference", "[kernels][registry]") {
  cpu::ThreadPool pool1(1), pool2(2);
  cpu::Workspace ws;
  int ran = 0;
  for (const auto& e : registry()) {
    if (!runs_here(e)) {
      WARN(e.name << ": not supported on this host, skipped");
      continue;
    }
    for (cpu::ThreadPool* pool : {&pool1, &pool2}) {
      for (const auto& s : shapes_for(e)) {
        INFO(e.name << " m=" << s.m << " k=" << s.k << " n=" << s.n << " past=" << s.past
                    << " heads=" << s.heads << "/" << s.kv_heads << " head_dim=" << s.head_dim
                    << " window=" << s.window << " threads=" << pool->size());
        CHECK(kernel_error(e, s, *pool, ws) <= e.max_error);
      }
    }
    ++ran;
  }
  CHECK(ran > 0);
}

TEST_CASE("the registry is well-formed", "[kernels][registry]") {
  std::set<std::string> names;
  for (const auto& e : registry()) {
    INFO(e.name);
    CHECK(names.insert(e.name).second);
    CHECK(find_kernel(e.name) == &e);
    CHECK(e.max_error > 0);
    CHECK(e.k_multiple >= 1);
    // Only the kernel kinds of core's vocabulary have entries; each kernel kind has one.
    CHECK(static_cast<std::size_t>(e.op) < core::kKernelOpKindCount);
    const OpShape s = attn(4, 100, 8, 2, 64, 0);
    const auto c = e.cost(s);
    CHECK((c.flops > 0 || e.op == OpKind::kEmbedding));  // a gather moves bytes only
    CHECK(c.bytes() > 0);
    if (e.op == OpKind::kMatmul) {
      CHECK(std::holds_alternative<MatmulKernelFn>(e.fn));
      const auto want = core::matmul_cost(s.m, s.k, s.n, e.dtype, core::DType::kF32);
      CHECK(c.flops == want.flops);
      CHECK(c.bytes() == want.bytes());
    }
    CHECK(cpu::layout_supported(e.dtype, e.layout));
    CHECK((e.layout == cpu::WeightLayout::kBlocks || e.op == OpKind::kMatmul));
    const bool attention_op = e.op == OpKind::kAttentionPrefill || e.op == OpKind::kAttentionDecode;
    CHECK(std::holds_alternative<AttentionKernelFn>(e.fn) == attention_op);
    CHECK((e.dtype != core::DType::kF32) <= (e.op == OpKind::kMatmul || attention_op ||
                                             e.op == OpKind::kEmbedding ||
                                             e.op == OpKind::kKvAppend));
  }
  CHECK(find_kernel("no_such_kernel") == nullptr);
  for (auto d : {core::DType::kF32, core::DType::kF16, core::DType::kBF16, core::DType::kQ8_0,
                 core::DType::kQ4_0, core::DType::kQ4_K}) {
    const auto* best = best_kernel(OpKind::kMatmul, d);
    REQUIRE(best != nullptr);
    // The best entry has the highest instruction set among this dtype's entries that run here.
    for (const auto& e : registry())
      if (e.op == OpKind::kMatmul && e.dtype == d && runs_here(e)) CHECK(e.isa <= best->isa);
    CHECK(best->isa <= cpu::best_isa());
  }
  for (auto d : {core::DType::kQ8_0, core::DType::kQ4_0, core::DType::kQ4_K}) {
    CHECK(best_kernel(OpKind::kMatmul, d)->isa == cpu::best_isa());
    const auto* blocks = best_kernel(OpKind::kMatmul, d, cpu::WeightLayout::kBlocks);
    REQUIRE(blocks != nullptr);
    CHECK(blocks->layout == cpu::WeightLayout::kBlocks);
    CHECK(blocks->isa == cpu::best_isa());
  }
  // Where the VNNI kernels run, q8_0 / q4_0 weights are regrouped for them.
  if (cpu::best_isa() == cpu::Isa::kAvx512Vnni)
    for (auto d : {core::DType::kQ8_0, core::DType::kQ4_0})
      CHECK(best_kernel(OpKind::kMatmul, d)->layout == cpu::WeightLayout::kRows4x16);
  for (auto d : {core::DType::kF32, core::DType::kF16, core::DType::kQ8_0})
    CHECK(best_kernel(OpKind::kAttentionDecode, d) != nullptr);
  CHECK(best_kernel(OpKind::kAttentionDecode, core::DType::kQ4_0) == nullptr);
}

TEST_CASE("quantized kernels stay close to the unquantized product", "[kernels][registry]") {
  // The activation quantization is part of the op; this bounds what it costs in accuracy.
  const std::int64_t m = 4, k = 512, n = 16;
  const auto x = uniform(static_cast<std::size_t>(m * k), 3);
  const auto w = uniform(static_cast<std::size_t>(n * k), 4);
  cpu::ThreadPool pool(2);
  cpu::Workspace ws;
  for (auto d : {core::DType::kQ8_0, core::DType::kQ4_0, core::DType::kQ4_K}) {
    INFO(core::name(d));
    auto stored = reference::quantize(d, w, n, k);
    const auto w_ref = reference::dequantize(d, stored, n, k);
    std::vector<float> ref(static_cast<std::size_t>(m * n)), y(ref.size());
    reference::matmul(x, w_ref, ref, m, k, n);
    const auto* best = best_kernel(OpKind::kMatmul, d);
    if (best->layout == cpu::WeightLayout::kRows4x16) cpu::pack_rows4x16(d, k, n, stored);
    const cpu::MatmulWeights weights(d, n, k, stored, best->layout);
    std::get<MatmulKernelFn>(best->fn)({x, &weights, y, m}, pool, ws);
    double num = 0, den = 0;
    for (std::size_t i = 0; i < y.size(); ++i) {
      num += (y[i] - ref[i]) * (y[i] - ref[i]);
      den += ref[i] * ref[i];
    }
    CHECK(num / den < 1e-3);  // normalised mean squared error
  }
}

TEST_CASE("matmul reuses its workspace on repeated calls", "[kernels][registry]") {
  const std::int64_t m = 8, k = 64, n = 24;
  const auto x = uniform(static_cast<std::size_t>(m * k), 5);
  const auto w = uniform(static_cast<std::size_t>(n * k), 6);
  cpu::ThreadPool pool(2);
  for (auto d : {core::DType::kF32, core::DType::kQ4_0}) {
    const auto stored = reference::quantize(d, w, n, k);
    const cpu::MatmulWeights weights(d, n, k, stored);
    std::vector<float> y(static_cast<std::size_t>(m * n));
    cpu::Workspace ws;
    cpu::matmul(cpu::best_isa(), {x, &weights, y, m}, pool, ws);
    const auto cap = ws.capacity();
    cpu::matmul(cpu::best_isa(), {x, &weights, y, m}, pool, ws);
    CHECK(ws.capacity() == cap);
  }
}

TEST_CASE("rows4x16 packing is an exact, size-preserving rewrite", "[kernels][registry]") {
  for (auto d : {core::DType::kQ8_0, core::DType::kQ4_0}) {
    // 41 blocks a row (two full groups and one of 9); 6 rows: a tile of 4, then 2 single rows.
    const std::int64_t k = 41 * 32, rows = 6;
    const auto w = uniform(static_cast<std::size_t>(rows * k), 7);
    const auto blocks = reference::quantize(d, w, rows, k);
    auto packed = blocks;
    cpu::pack_rows4x16(d, k, rows, packed);
    CHECK(packed.size() == blocks.size());
    CHECK(packed != blocks);
    const std::size_t row = blocks.size() / rows, block = row / 41;
    const std::size_t words = 16 * (block - 2);  // one row's quants in a group of 16 blocks
    // Tile 0, group 0: the scales of rows 0..3 (32 bytes each), then their words. Row 1's first
    // scale, and word 0 of its first block:
    CHECK(std::memcmp(&packed[32], &blocks[row], 2) == 0);
    CHECK(std::memcmp(&packed[128 + words], &blocks[row + 2], 4) == 0);
    // Row 4 is a tile of its own: its scales, then its words; word 0 of block 1 is lane 1.
    CHECK(std::memcmp(&packed[4 * row + 2], &blocks[4 * row + block], 2) == 0);
    CHECK(std::memcmp(&packed[4 * row + 32 + 4], &blocks[4 * row + block + 2], 4) == 0);
    auto back = packed;
    cpu::unpack_rows4x16(d, k, rows, back);
    CHECK(back == blocks);
  }
  std::vector<std::byte> bytes(18 * 4);
  CHECK_THROWS_AS(cpu::pack_rows4x16(core::DType::kQ4_K, 256, 1, bytes), std::invalid_argument);
  CHECK_THROWS_AS(cpu::pack_rows4x16(core::DType::kQ4_0, 48, 1, bytes), std::invalid_argument);
  CHECK_THROWS_AS(cpu::pack_rows4x16(core::DType::kQ4_0, 32, 3, bytes), std::invalid_argument);
  CHECK_NOTHROW(cpu::pack_rows4x16(core::DType::kQ4_0, 64, 2, bytes));
  std::vector<std::byte> q4k(144);
  CHECK_THROWS_AS(cpu::MatmulWeights(core::DType::kQ4_K, 1, 256, q4k, cpu::WeightLayout::kRows4x16),
                  std::invalid_argument);
}

TEST_CASE("matmul weights reject bad shapes and dtypes", "[kernels][registry]") {
  std::vector<std::byte> bytes(18);
  CHECK_THROWS_AS(cpu::MatmulWeights(core::DType::kQ4_0, 1, 16, bytes), std::invalid_argument);
  CHECK_THROWS_AS(cpu::MatmulWeights(core::DType::kQ4_0, 2, 32, bytes), std::invalid_argument);
  CHECK_THROWS_AS(cpu::MatmulWeights(core::DType::kQ6_K, 1, 256, bytes), std::invalid_argument);
  CHECK_NOTHROW(cpu::MatmulWeights(core::DType::kQ4_0, 1, 32, bytes));
}
