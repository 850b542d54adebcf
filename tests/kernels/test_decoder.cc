// test_decoder.cc — the reference decoder on tiny shapes: its prefill against a naive forward
// pass built from kernels/reference/ ops (weights dequantized, activations quantized exactly
// as the integer kernels define it), decode over the KV cache against recomputing the whole
// sequence, sliding windows, q/k/v biases, GeGLU, batches, weight files, and every refusal.
#include <catch2/catch.hpp>

#include <unistd.h>

#include <atomic>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <new>
#include <random>
#include <string>
#include <vector>

#include "core/model_arch.h"
#include "kernels/decoder/decoder.h"
#include "kernels/reference/quant.h"
#include "kernels/reference/reference.h"
#include "kernels/registry.h"

using namespace llmsizer;
using namespace llmsizer::kernels;
using core::DType;

// Every operator new in this test binary is counted, so a test can assert that a stretch of
// code allocates nothing. (Kernel scratch comes from Workspace, checked by its capacity.)
namespace {
std::atomic<long> g_news{0};
}  // namespace
void* operator new(std::size_t n) {
  g_news.fetch_add(1, std::memory_order_relaxed);
  if (void* p = std::malloc(n ? n : 1)) return p;
  throw std::bad_alloc();
}
void* operator new(std::size_t n, std::align_val_t al) {
  g_news.fetch_add(1, std::memory_order_relaxed);
  const auto a = static_cast<std::size_t>(al);
  if (void* p = std::aligned_alloc(a, (n + a - 1) / a * a + (n ? 0 : a))) return p;
  throw std::bad_alloc();
}
void* operator new[](std::size_t n) {
  return operator new(n);
}
void* operator new[](std::size_t n, std::align_val_t al) {
  return operator new(n, al);
}
void* operator new(std::size_t n, const std::nothrow_t&) noexcept {
  g_news.fetch_add(1, std::memory_order_relaxed);
  return std::malloc(n ? n : 1);
}
void* operator new[](std::size_t n, const std::nothrow_t& t) noexcept {
  return operator new(n, t);
}
void* operator new(std::size_t n, std::align_val_t al, const std::nothrow_t&) noexcept {
  g_news.fetch_add(1, std::memory_order_relaxed);
  const auto a = static_cast<std::size_t>(al);
  return std::aligned_alloc(a, (n + a - 1) / a * a + (n ? 0 : a));
}
void* operator new[](std::size_t n, std::align_val_t al, const std::nothrow_t& t) noexcept {
  return operator new(n, al, t);
}
void operator delete(void* p) noexcept {
  std::free(p);
}
void operator delete[](void* p) noexcept {
  std::free(p);
}
void operator delete(void* p, std::size_t) noexcept {
  std::free(p);
}
void operator delete[](void* p, std::size_t) noexcept {
  std::free(p);
}
void operator delete(void* p, std::align_val_t) noexcept {
  std::free(p);
}
void operator delete[](void* p, std::align_val_t) noexcept {
  std::free(p);
}
void operator delete(void* p, std::size_t, std::align_val_t) noexcept {
  std::free(p);
}
void operator delete[](void* p, std::size_t, std::align_val_t) noexcept {
  std::free(p);
}
void operator delete(void* p, const std::nothrow_t&) noexcept {
  std::free(p);
}
void operator delete[](void* p, const std::nothrow_t&) noexcept {
  std::free(p);
}
void operator delete(void* p, std::align_val_t, const std::nothrow_t&) noexcept {
  std::free(p);
}
void operator delete[](void* p, std::align_val_t, const std::nothrow_t&) noexcept {
  std::free(p);
}

namespace {

// hidden 256 and q width 256 so every matrix row is whole q4_k blocks; head_dim 32 for a
// q8_0 KV cache.
core::ModelArch tiny_arch() {
  core::ModelArch a;
  a.hidden_size = 256;
  a.num_layers = 2;
  a.vocab_size = 96;
  a.max_context = 64;
  a.attention.num_heads = 8;
  a.attention.num_kv_heads = 2;
  a.attention.head_dim = 32;
  a.ffn.intermediate_size = 512;
  return a;
}

DecoderConfig config(DType w, DType kv, std::int64_t prefill, std::int64_t tokens, int threads = 2,
                     std::int64_t batch = 1) {
  DecoderConfig c;
  c.weights = w;
  c.kv = kv;
  c.batch = batch;
  c.max_prefill = prefill;
  c.max_tokens = tokens;
  c.threads = threads;
  c.seed = 7;
  return c;
}

std::unique_ptr<Decoder> make(const core::ModelArch& a, const DecoderConfig& c) {
  auto r = Decoder::create(a, c);
  INFO(r.error);
  REQUIRE(r.decoder);
  return std::move(r.decoder);
}

std::vector<std::int32_t> random_tokens(std::size_t n, std::int64_t vocab, unsigned seed) {
  std::mt19937 rng(seed);
  std::uniform_int_distribution<std::int32_t> d(0, static_cast<std::int32_t>(vocab - 1));
  std::vector<std::int32_t> t(n);
  for (auto& x : t) x = d(rng);
  return t;
}

// max |x - y| / max |y|
double rel_diff(const std::vector<float>& x, const std::vector<float>& y) {
  REQUIRE(x.size() == y.size());
  double num = 0, den = 0;
  for (std::size_t i = 0; i < x.size(); ++i) {
    REQUIRE(std::isfinite(x[i]));
    num = std::max(num, static_cast<double>(std::fabs(x[i] - y[i])));
    den = std::max(den, static_cast<double>(std::fabs(y[i])));
  }
  return num / den;
}

// The naive forward pass of one sequence from the decoder's own weight bytes; returns the
// last token's logits.
std::vector<float> naive_forward(const Decoder& dec, const std::vector<std::int32_t>& ids) {
  const auto& a = dec.arch();
  const auto& at = a.attention;
  const DType wdt = dec.config().weights;
  const auto tensors = core::enumerate_tensors(a);
  const std::int64_t n = static_cast<std::int64_t>(ids.size()), d = a.hidden_size, H = at.num_heads,
                     KV = at.num_kv_heads, hd = at.head_dim;
  auto deq = [&](std::size_t i) {
    const auto& t = tensors[i];
    return reference::dequantize(dec.tensor_dtype(i), dec.tensor_blocks(i), t.rows, t.cols);
  };
  // The matmul's definition: block weights see 8-bit activations.
  auto act_quant = [&](std::vector<float> x, std::int64_t k) {
    const std::int64_t rows = static_cast<std::int64_t>(x.size()) / k;
    if (wdt == DType::kQ8_0 || wdt == DType::kQ4_0) {
      std::vector<BlockQ8Act> q(static_cast<std::size_t>(k / 32));
      for (std::int64_t r = 0; r < rows; ++r) {
        std::span<float> row(x.data() + r * k, static_cast<std::size_t>(k));
        reference::quantize_act_q8(row, q);
        reference::dequantize_act_q8(q, row);
      }
    } else if (wdt == DType::kQ4_K) {
      std::vector<BlockQ8K> q(static_cast<std::size_t>(k / 256));
      for (std::int64_t r = 0; r < rows; ++r) {
        std::span<float> row(x.data() + r * k, static_cast<std::size_t>(k));
        reference::quantize_act_q8k(row, q);
        reference::dequantize_act_q8k(q, row);
      }
    }
    return x;
  };
  auto matmul = [&](const std::vector<float>& x, std::size_t wi) {
    const auto& t = tensors[wi];
    const std::int64_t rows = static_cast<std::int64_t>(x.size()) / t.cols;
    std::vector<float> y(static_cast<std::size_t>(rows * t.rows));
    reference::matmul(act_quant(x, t.cols), deq(wi), y, rows, t.cols, t.rows);
    return y;
  };
  auto add_bias = [&](std::vector<float>& y, std::size_t bi) {
    const auto b = deq(bi);
    for (std::size_t i = 0; i < y.size(); ++i) y[i] += b[i % b.size()];
  };

  std::vector<float> x(static_cast<std::size_t>(n * d));
  {
    const auto table = deq(0);
    for (std::int64_t t = 0; t < n; ++t)
      std::copy_n(table.begin() + ids[static_cast<std::size_t>(t)] * d, d, x.begin() + t * d);
  }
  std::vector<std::int32_t> pos(static_cast<std::size_t>(n));
  for (std::int64_t t = 0; t < n; ++t)
    pos[static_cast<std::size_t>(t)] = static_cast<std::int32_t>(t);
  std::size_t i = 1;  // walk enumerate_tensors' order
  for (std::int64_t l = 0; l < a.num_layers; ++l) {
    const auto attn_norm = deq(i++), ffn_norm = deq(i++);
    const std::size_t wq = i++, wk = i++, wv = i++, wo = i++;
    std::vector<float> xn(x.size());
    reference::rmsnorm(x, attn_norm, xn, n, d, 1e-5f);
    auto q = matmul(xn, wq), k = matmul(xn, wk), v = matmul(xn, wv);
    if (at.qkv_bias) {
      add_bias(q, i++);
      add_bias(k, i++);
      add_bias(v, i++);
    }
    const std::size_t bo = at.out_bias ? i++ : 0;
    reference::rope(RopeStyle::kHalfSplit, q, pos, n, H, hd, 10000.0f);
    reference::rope(RopeStyle::kHalfSplit, k, pos, n, KV, hd, 10000.0f);
    std::vector<float> att(q.size());
    const std::int64_t window = a.layer_is_sliding(l) ? at.sliding_window : 0;
    reference::attention(q, k, v, att, n, 0, H, KV, hd, window,
                         1.0f / std::sqrt(static_cast<float>(hd)));
    auto o = matmul(att, wo);
    if (at.out_bias) add_bias(o, bo);
    for (std::size_t e = 0; e < x.size(); ++e) x[e] += o[e];
    reference::rmsnorm(x, ffn_norm, xn, n, d, 1e-5f);
    const std::size_t wg = i++, wu = i++, wd = i++;
    auto g = matmul(xn, wg);
    const auto u = matmul(xn, wu);
    reference::gated(
        a.ffn.activation == core::Activation::kSilu ? Activation::kSilu : Activation::kGelu, g, u,
        g);
    const auto dn = matmul(g, wd);
    for (std::size_t e = 0; e < x.size(); ++e) x[e] += dn[e];
  }
  std::vector<float> last(x.end() - d, x.end()), lastn(static_cast<std::size_t>(d));
  reference::rmsnorm(last, deq(i++), lastn, 1, d, 1e-5f);
  return matmul(lastn, a.tie_embeddings ? 0 : i);
}

std::vector<float> prefill_logits(Decoder& dec, const std::vector<std::int32_t>& ids) {
  std::vector<float> logits(static_cast<std::size_t>(dec.config().batch * dec.arch().vocab_size));
  dec.prefill(ids, static_cast<std::int64_t>(ids.size()) / dec.config().batch, logits);
  return logits;
}

// Prefill `prompt` tokens then decode the rest one at a time; the last step's logits.
std::vector<float> decode_logits(Decoder& dec, const std::vector<std::int32_t>& ids,
                                 std::int64_t prompt) {
  const auto& a = dec.arch();
  std::vector<float> logits(static_cast<std::size_t>(a.vocab_size));
  dec.prefill(std::span<const std::int32_t>(ids).first(static_cast<std::size_t>(prompt)), prompt,
              logits);
  for (std::size_t t = static_cast<std::size_t>(prompt); t < ids.size(); ++t)
    dec.decode(std::span<const std::int32_t>(ids).subspan(t, 1), logits);
  return logits;
}

}  // namespace

TEST_CASE("decoder prefill matches a naive forward pass built from reference ops", "[decoder]") {
  const auto a = tiny_arch();
  const auto ids = random_tokens(9, a.vocab_size, 1);
  for (const DType w : {DType::kF32, DType::kF16, DType::kQ8_0, DType::kQ4_0, DType::kQ4_K}) {
    INFO("weights " << core::name(w));
    auto dec = make(a, config(w, DType::kF32, 9, 9));
    const auto got = prefill_logits(*dec, ids);
    const auto want = naive_forward(*dec, ids);
    // Same weights, same activation quantizer; only summation order differs (measured
    // 1e-7 .. 7e-7; an 8-bit activation rounding that flips can cost more, see below).
    CHECK(rel_diff(got, want) < 1e-5);
  }
}

TEST_CASE("decode over the KV cache equals recomputing the whole sequence", "[decoder]") {
  const auto a = tiny_arch();
  const auto ids = random_tokens(12, a.vocab_size, 2);
  // An f32 cache only reorders sums. f16 and q8_0 round K and V; with block weights such a
  // difference can flip the rounding of an 8-bit activation downstream (one step of
  // max|x| / 127), so their bound is wider. Measured: f32 <= 5e-7; f16 8e-5 (f32 weights),
  // <= 1e-2 (block weights); q8_0 2e-3 (f32 weights), <= 9e-3 (block weights).
  for (const DType w : {DType::kF32, DType::kQ4_0, DType::kQ8_0}) {
    for (const DType kv : {DType::kF32, DType::kF16, DType::kQ8_0}) {
      INFO("weights " << core::name(w) << ", KV " << core::name(kv));
      const double bound = kv == DType::kF32  ? 1e-5
                           : w == DType::kF32 ? (kv == DType::kF16 ? 5e-4 : 1e-2)
                                              : 3e-2;
      auto dec = make(a, config(w, kv, 12, 12, 2));
      const auto full = prefill_logits(*dec, ids);
      const auto cached = decode_logits(*dec, ids, 5);
      CHECK(dec->position() == 12);
      CHECK(rel_diff(cached, full) < bound);
      // ... and the comparison is not vacuous: one token fewer gives other logits
      // (measured 0.4 .. 1.5).
      const auto shorter =
          prefill_logits(*dec, std::vector<std::int32_t>(ids.begin(), ids.end() - 1));
      CHECK(rel_diff(shorter, full) > 0.2);
    }
  }
}

TEST_CASE("sliding window: decode equals recompute, and the window changes the result",
          "[decoder]") {
  auto a = tiny_arch();
  a.family = core::Family::kMistral;
  a.attention.sliding_window = 4;
  const auto ids = random_tokens(10, a.vocab_size, 3);
  auto dec = make(a, config(DType::kF32, DType::kF32, 10, 10));
  const auto full = prefill_logits(*dec, ids);
  CHECK(rel_diff(full, naive_forward(*dec, ids)) < 1e-4);
  CHECK(rel_diff(decode_logits(*dec, ids, 3), full) < 2e-3);
  auto plain = make(tiny_arch(), config(DType::kF32, DType::kF32, 10, 10));
  CHECK(rel_diff(prefill_logits(*plain, ids), full) > 1e-2);
}

TEST_CASE("Qwen2-style q/k/v and output biases, GeGLU, tied embeddings", "[decoder]") {
  auto a = tiny_arch();
  a.family = core::Family::kQwen2;
  a.attention.qkv_bias = true;
  a.attention.out_bias = true;
  a.tie_embeddings = true;
  a.ffn.activation = core::Activation::kGeluTanh;
  const auto ids = random_tokens(7, a.vocab_size, 4);
  for (const DType w : {DType::kF32, DType::kQ8_0}) {
    auto dec = make(a, config(w, DType::kF16, 7, 7));
    const auto full = prefill_logits(*dec, ids);
    CHECK(rel_diff(full, naive_forward(*dec, ids)) < 2e-3);
    CHECK(rel_diff(decode_logits(*dec, ids, 4), full) < 1e-2);
  }
}

TEST_CASE("a batch runs each sequence as if alone", "[decoder]") {
  const auto a = tiny_arch();
  const auto s0 = random_tokens(8, a.vocab_size, 5), s1 = random_tokens(8, a.vocab_size, 6);
  std::vector<std::int32_t> both(s0);
  both.insert(both.end(), s1.begin(), s1.end());
  auto batched = make(a, config(DType::kQ4_0, DType::kF16, 6, 8, 2, 2));
  auto single = make(a, config(DType::kQ4_0, DType::kF16, 6, 8, 1, 1));
  std::vector<float> logits(static_cast<std::size_t>(2 * a.vocab_size));
  std::vector<std::int32_t> prompt;
  prompt.insert(prompt.end(), s0.begin(), s0.begin() + 6);
  prompt.insert(prompt.end(), s1.begin(), s1.begin() + 6);
  batched->prefill(prompt, 6, logits);
  for (std::size_t t = 6; t < 8; ++t) {
    const std::int32_t step[] = {s0[t], s1[t]};
    batched->decode(step, logits);
  }
  const auto half = [&](int b) {
    return std::vector<float>(logits.begin() + b * a.vocab_size,
                              logits.begin() + (b + 1) * a.vocab_size);
  };
  // Identical up to summation order (measured 5e-7), except where that flips an 8-bit
  // activation rounding (measured 3.5e-3 once for q4_0 weights).
  CHECK(rel_diff(half(0), decode_logits(*single, s0, 6)) < 1e-2);
  CHECK(rel_diff(half(1), decode_logits(*single, s1, 6)) < 1e-2);
}

TEST_CASE("decoder run: phase and op statistics with core costs", "[decoder]") {
  const auto a = tiny_arch();
  auto dec = make(a, config(DType::kQ4_K, DType::kQ8_0, 16, 20));
  const auto r = run_decoder(*dec, 16, 4, 3);
  CHECK(r.logits_finite);
  CHECK(r.prefill.tokens == 16);
  CHECK(r.prefill.passes == 1);
  CHECK(r.decode.tokens == 4);
  CHECK(r.decode.passes == 4);
  CHECK(r.prefill.seconds > 0);
  CHECK(r.prefill.op_seconds() <= r.prefill.seconds);
  for (std::size_t i = 0; i < kDecoderOpCount; ++i) {
    const auto op = static_cast<DecoderOp>(i);
    INFO(decoder_op_name(op));
    if (op == DecoderOp::kBias) {
      CHECK(r.prefill.ops[i].calls == 0);  // no biases in this model
      continue;
    }
    CHECK(r.prefill.ops[i].calls > 0);
    CHECK(r.decode.ops[i].calls > 0);
    CHECK((op == DecoderOp::kEmbedding ? r.decode.ops[i].bytes : r.decode.ops[i].flops) > 0);
  }
  // Matmul FLOPs of prefill: 2 x tokens x every matrix but the embedding table, plus the
  // lm_head once per sequence.
  double params = 0;
  for (const auto& t : core::enumerate_tensors(a))
    if (core::role_is_matrix(t.role) && t.role != core::TensorRole::kTokenEmbd &&
        t.role != core::TensorRole::kOutput)
      params += static_cast<double>(t.elements());
  const auto& ops = r.prefill.ops;
  const double matmul_flops = ops[static_cast<std::size_t>(DecoderOp::kQkv)].flops +
                              ops[static_cast<std::size_t>(DecoderOp::kAttnOut)].flops +
                              ops[static_cast<std::size_t>(DecoderOp::kFfnUpGate)].flops +
                              ops[static_cast<std::size_t>(DecoderOp::kFfnDown)].flops;
  CHECK(matmul_flops == Approx(2.0 * 16 * params));
  CHECK(ops[static_cast<std::size_t>(DecoderOp::kLmHead)].flops ==
        Approx(2.0 * static_cast<double>(a.vocab_size * a.hidden_size)));
}

TEST_CASE("decoder refuses what it cannot run, with a reason", "[decoder]") {
  auto refused = [](const core::ModelArch& a, const DecoderConfig& c) {
    const auto r = Decoder::create(a, c);
    CHECK(!r.decoder);
    return r.error;
  };
  const auto ok = config(DType::kQ4_0, DType::kF16, 4, 8);
  auto moe = tiny_arch();
  moe.moe.num_experts = 8;
  moe.moe.top_k = 2;
  moe.moe.expert_intermediate_size = 128;
  CHECK_THAT(refused(moe, ok), Catch::Contains("mixture-of-experts"));
  auto mla = tiny_arch();
  mla.attention.kind = core::AttentionKind::kMla;
  CHECK_THAT(refused(mla, ok), Catch::Contains("MLA"));
  auto alibi = tiny_arch();
  alibi.position = core::PositionKind::kAlibi;
  CHECK_THAT(refused(alibi, ok), Catch::Contains("alibi"));
  auto par = tiny_arch();
  par.parallel_block = true;
  CHECK_THAT(refused(par, ok), Catch::Contains("parallel"));
  auto ln = tiny_arch();
  ln.norm.kind = core::NormKind::kLayerNorm;
  CHECK_THAT(refused(ln, ok), Catch::Contains("RMSNorm"));
  auto gemma2 = tiny_arch();
  gemma2.family = core::Family::kGemma2;
  CHECK_THAT(refused(gemma2, ok), Catch::Contains("Gemma-2"));

  CHECK_THAT(refused(tiny_arch(), config(DType::kQ4_1, DType::kF16, 4, 8)),
             Catch::Contains("q4_1"));
  CHECK_THAT(refused(tiny_arch(), config(DType::kQ4_0, DType::kQ4_0, 4, 8)),
             Catch::Contains("KV-cache dtype"));
  auto narrow = tiny_arch();
  narrow.hidden_size = 64;
  CHECK_THAT(refused(narrow, config(DType::kQ4_K, DType::kF16, 4, 8)),
             Catch::Contains("whole number of q4_k blocks"));
  auto small_head = tiny_arch();
  small_head.attention.head_dim = 16;
  CHECK_THAT(refused(small_head, config(DType::kF32, DType::kQ8_0, 4, 8)),
             Catch::Contains("multiple of 32"));

  auto tight = ok;
  const auto need = decoder_memory(tiny_arch(), ok);
  tight.memory_limit_bytes = need.total() - 1;
  CHECK_THAT(refused(tiny_arch(), tight), Catch::Contains("does not fit in memory"));
  tight.memory_limit_bytes = need.total();
  CHECK(Decoder::create(tiny_arch(), tight).decoder);
  // The KV term is core's per-token figure times the capacity.
  CHECK(need.kv_cache == core::kv_bytes_per_token_layer(tiny_arch(), DType::kF16) * 8 * 2);
}

TEST_CASE("weight file: created once, read or mapped after, same bytes as in memory, guarded",
          "[decoder]") {
  namespace fs = std::filesystem;
  const fs::path dir =
      fs::temp_directory_path() / ("llmsizer-decoder-test-" + std::to_string(getpid()));
  fs::create_directories(dir);
  const std::string path = (dir / "tiny.q4_0.bin").string();
  const auto a = tiny_arch();
  auto c = config(DType::kQ4_0, DType::kF16, 4, 8, 2);
  auto anon = make(a, c);
  c.weights_file = path;
  c.threads = 1;  // the bytes must not depend on the thread count
  {
    auto created = make(a, c);
    CHECK(created->weights_loaded());
    CHECK(!created->weights_mapped());
    for (std::size_t i = 0; i < anon->tensor_count(); ++i) {
      const auto x = anon->tensor_blocks(i), y = created->tensor_blocks(i);
      REQUIRE(x.size() == y.size());
      CHECK(std::equal(x.begin(), x.end(), y.begin()));
    }
  }
  std::size_t files = 0;
  for ([[maybe_unused]] const auto& e : fs::directory_iterator(dir)) ++files;
  CHECK(files == 1);  // no temp file left behind
  const auto before = fs::last_write_time(path);
  {
    auto reopened = make(a, c);
    CHECK(reopened->weights_loaded());
    auto mc = c;
    mc.mmap_weights = true;
    auto mapped = make(a, mc);
    CHECK(mapped->weights_mapped());
    CHECK(!mapped->weights_loaded());
    for (std::size_t i = 0; i < anon->tensor_count(); ++i) {
      const auto x = anon->tensor_blocks(i), y = reopened->tensor_blocks(i),
                 z = mapped->tensor_blocks(i);
      REQUIRE(x.size() == y.size());
      REQUIRE(x.size() == z.size());
      CHECK(std::equal(x.begin(), x.end(), y.begin()));
      CHECK(std::equal(x.begin(), x.end(), z.begin()));
    }
    const auto ids = random_tokens(4, a.vocab_size, 9);
    CHECK(rel_diff(prefill_logits(*reopened, ids), prefill_logits(*anon, ids)) < 1e-6);
    // Weights in memory are regrouped for the VNNI kernels; a mapped file's pages cannot be,
    // so it runs the block-layout kernel, to the same result up to f32 rounding.
    CHECK(mapped->weights_layout() == cpu::WeightLayout::kBlocks);
    CHECK(anon->weights_layout() == best_kernel(OpKind::kMatmul, DType::kQ4_0)->layout);
    CHECK(reopened->weights_layout() == anon->weights_layout());
    CHECK(rel_diff(prefill_logits(*mapped, ids), prefill_logits(*anon, ids)) < 1e-5);
  }
  CHECK(fs::last_write_time(path) == before);
  c.seed = 8;
  const auto r = Decoder::create(a, c);
  CHECK(!r.decoder);
  CHECK_THAT(r.error, Catch::Contains("another model shape, weight dtype or seed"));
  fs::remove_all(dir);
}

TEST_CASE("prefill and decode allocate nothing after create()", "[decoder]") {
  const auto a = tiny_arch();
  for (const DType kv : {DType::kF16, DType::kQ8_0}) {
    const long at_start = g_news.load();
    auto dec = make(a, config(DType::kQ4_0, kv, 16, 40, 2, 2));
    CHECK(g_news.load() > at_start);  // the counter sees allocations (create() makes some)
    const auto ids = random_tokens(32, a.vocab_size, 11);
    std::vector<float> logits(static_cast<std::size_t>(2 * a.vocab_size));
    const std::size_t scratch = dec->scratch_bytes();
    const long before = g_news.load();
    dec->prefill(ids, 16, logits);
    for (int s = 0; s < 24; ++s) dec->decode(std::span<const std::int32_t>(ids).first(2), logits);
    CHECK(g_news.load() == before);
    CHECK(dec->scratch_bytes() == scratch);
    CHECK(std::isfinite(logits[0]));
  }
}
