// decoder.cc — the reference decoder (decoder.h): support checks, memory plan, construction
// (weights, KV cache, activation buffers, registry kernels), the forward pass shared by
// prefill and decode, per-op timing with core/ op costs, and the llama-bench-like run.
#include "kernels/decoder/decoder.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <random>
#include <sstream>
#include <variant>

#include <sys/mman.h>
#include <time.h>

#include "core/check.h"
#include "core/op_cost.h"
#include "core/units.h"
#include "kernels/decoder/weights.h"
#include "kernels/registry.h"

namespace llmsizer::kernels {

namespace {

using core::DType;
using Clock = std::chrono::steady_clock;

bool weight_dtype_ok(DType t) {
  return t == DType::kF32 || t == DType::kF16 || t == DType::kQ8_0 || t == DType::kQ4_0 ||
         t == DType::kQ4_K;
}
bool kv_dtype_ok(DType t) {
  return t == DType::kF32 || t == DType::kF16 || t == DType::kQ8_0;
}

std::size_t sz(std::int64_t v) {
  return static_cast<std::size_t>(v);
}

template <class Fn>
Fn kernel_fn(OpKind op, DType dt) {
  const KernelEntry* e = best_kernel(op, dt);
  LLMSIZER_CHECK(e != nullptr, "decoder: no kernel for an op it needs");
  const Fn* f = std::get_if<Fn>(&e->fn);
  LLMSIZER_CHECK(f != nullptr, "decoder: registry entry of the wrong kind");
  return *f;
}

// Anonymous zero-filled memory that is never touched until used (KV cache).
struct AnonRegion {
  void* p = nullptr;
  std::size_t bytes = 0;
  bool allocate(std::size_t n) {
    bytes = std::max<std::size_t>(n, 64);
    p = mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) p = nullptr;
    if (p) madvise(p, bytes, MADV_HUGEPAGE);  // as the weights (weights.cc)
    return p != nullptr;
  }
  ~AnonRegion() {
    if (p) munmap(p, bytes);
  }
  std::byte* data() const { return static_cast<std::byte*>(p); }
};

std::string fingerprint(const core::ModelArch& a, const DecoderConfig& c) {
  const auto& at = a.attention;
  std::ostringstream s;
  s << "hidden=" << a.hidden_size << " layers=" << a.num_layers << " vocab=" << a.vocab_size
    << " heads=" << at.num_heads << " kv_heads=" << at.num_kv_heads << " head_dim=" << at.head_dim
    << " ffn=" << a.ffn.intermediate_size << " qkv_bias=" << at.qkv_bias
    << " out_bias=" << at.out_bias << " tied=" << a.tie_embeddings
    << " final_norm=" << a.norm.final_norm << "\nweights=" << core::name(c.weights)
    << " seed=" << c.seed;
  return s.str();
}

double process_cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + 1e-9 * static_cast<double>(ts.tv_nsec);
}

}  // namespace

core::OpRole decoder_op_role(DecoderOp op) {
  using core::OpRole;
  static constexpr OpRole kRoles[] = {OpRole::kEmbedding, OpRole::kNorms,  OpRole::kQkvProj,
                                      OpRole::kBias,      OpRole::kRope,   OpRole::kKvAppend,
                                      OpRole::kAttention, OpRole::kOProj,  OpRole::kResidual,
                                      OpRole::kFfnUpGate, OpRole::kFfnAct, OpRole::kFfnDown,
                                      OpRole::kFinalNorm, OpRole::kLmHead};
  static_assert(std::size(kRoles) == kDecoderOpCount, "one role per DecoderOp");
  return kRoles[static_cast<std::size_t>(op)];
}

std::string_view decoder_op_name(DecoderOp op) {
  return core::op_role_name(decoder_op_role(op));
}

double PhaseStats::flops() const {
  double s = 0;
  for (const auto& o : ops) s += o.flops;
  return s;
}
double PhaseStats::bytes() const {
  double s = 0;
  for (const auto& o : ops) s += o.bytes;
  return s;
}
double PhaseStats::bytes_read() const {
  double s = 0;
  for (const auto& o : ops) s += o.bytes_read;
  return s;
}
double PhaseStats::op_seconds() const {
  double s = 0;
  for (const auto& o : ops) s += o.seconds;
  return s;
}

std::vector<std::string> decoder_unsupported(const core::ModelArch& a) {
  std::vector<std::string> why;
  const auto& at = a.attention;
  if (a.is_moe()) why.push_back("mixture-of-experts FFNs are not implemented (dense FFN only)");
  if (at.kind != core::AttentionKind::kStandard)
    why.push_back("multi-head latent attention (MLA) is not implemented");
  if (a.position != core::PositionKind::kRope)
    why.push_back(std::string("position encoding '") + core::to_string(a.position) +
                  "' is not implemented (RoPE only)");
  if (a.rotary_dim != 0 && a.rotary_dim != at.head_dim)
    why.push_back("partial rotary embedding (rotary_dim != head_dim) is not implemented");
  if (a.parallel_block) why.push_back("parallel attention/FFN blocks are not implemented");
  if (a.family == core::Family::kGemma2)
    why.push_back(
        "Gemma-2 (sandwich norms, logit softcapping, embedding scaling) is not implemented");
  if (a.norm.kind != core::NormKind::kRmsNorm || a.norm.bias)
    why.push_back("only RMSNorm without bias is implemented");
  else if (a.norm.per_layer != 2)
    why.push_back("only two norms per layer (pre-attention, pre-FFN) are implemented");
  if (a.ffn.kind != core::FfnKind::kGated)
    why.push_back("only gated FFNs (SwiGLU, GeGLU) are implemented");
  if (a.ffn.activation == core::Activation::kRelu)
    why.push_back("ReLU FFNs are not implemented (SiLU or GELU)");
  if (a.ffn.bias) why.push_back("FFN biases are not implemented");
  if (a.lm_head_bias) why.push_back("an lm_head bias is not implemented");
  if (at.kind == core::AttentionKind::kStandard) {
    if (at.head_dim % 2 != 0 || at.head_dim > cpu::kMaxHeadDim)
      why.push_back("head_dim must be even and at most " + std::to_string(cpu::kMaxHeadDim));
    if (at.num_heads <= 0 || at.num_kv_heads <= 0 || at.num_heads % at.num_kv_heads != 0)
      why.push_back("num_heads must be a multiple of num_kv_heads");
  }
  if (a.hidden_size <= 0 || a.num_layers <= 0 || a.vocab_size <= 0 || a.ffn.intermediate_size <= 0)
    why.push_back("hidden_size, num_layers, vocab_size and intermediate_size must be positive");
  return why;
}

namespace {

// Configuration problems given a supported arch; empty when fine.
std::string config_problem(const core::ModelArch& a, const DecoderConfig& c) {
  if (!weight_dtype_ok(c.weights))
    return "weight dtype '" + std::string(core::name(c.weights)) +
           "' is not one the decoder runs (f32, f16, q8_0, q4_0, q4_k)";
  if (!kv_dtype_ok(c.kv))
    return "KV-cache dtype '" + std::string(core::name(c.kv)) +
           "' is not one the decoder runs (f32, f16, q8_0)";
  if (c.batch < 1 || c.max_prefill < 1 || c.max_tokens < c.max_prefill)
    return "batch and prefill length must be >= 1 and the KV capacity >= the prefill length";
  if (c.threads < 1) return "threads must be >= 1";
  const auto& at = a.attention;
  if (c.kv == DType::kQ8_0 && at.head_dim % 32 != 0)
    return "a q8_0 KV cache needs head_dim to be a multiple of 32 (it is " +
           std::to_string(at.head_dim) + ")";
  for (const auto& t : core::enumerate_tensors(a))
    if (core::role_is_matrix(t.role) &&
        !core::row_fits_blocks(c.weights, static_cast<std::uint64_t>(t.cols)))
      return std::string("tensor ") + core::role_name(t.role) + " has rows of " +
             std::to_string(t.cols) + " values, not a whole number of " +
             std::string(core::name(c.weights)) + " blocks of " +
             std::to_string(core::info(c.weights).block_elems);
  return {};
}

}  // namespace

DecoderMemory decoder_memory(const core::ModelArch& a, const DecoderConfig& c) {
  DecoderMemory m;
  const auto layout = decoder_weights::make_layout(a, c.weights);
  m.weights_stored = layout.total;
  m.weights = layout.total;
  if (c.weights == DType::kF16)  // MatmulWeights keeps an f32 copy of every f16 matrix
    for (std::size_t i = 0; i < layout.tensors.size(); ++i)
      if (core::role_is_matrix(layout.tensors[i].role) &&
          (layout.tensors[i].role != core::TensorRole::kTokenEmbd || a.tie_embeddings))
        m.weights += 2 * layout.bytes[i];
  const auto& at = a.attention;
  const auto kv_rows = static_cast<std::uint64_t>(c.batch * c.max_tokens * at.num_kv_heads);
  m.kv_cache = 2 * static_cast<std::uint64_t>(a.num_layers) *
               core::tensor_bytes(c.kv, kv_rows, static_cast<std::uint64_t>(at.head_dim));
  const std::int64_t rows = c.batch * c.max_prefill;
  const std::int64_t d = a.hidden_size, q = at.num_heads * at.head_dim,
                     kv = at.num_kv_heads * at.head_dim, f = a.ffn.intermediate_size;
  const std::int64_t floats =
      rows * (3 * d + 2 * q + 2 * kv + 2 * f) + c.batch * (d + a.vocab_size);
  // Kernel scratch: 8-bit activations of the widest input, GEMM packing panels per thread.
  const std::uint64_t scratch = static_cast<std::uint64_t>(rows * std::max({d, q, f}) * 2) +
                                static_cast<std::uint64_t>(c.threads) * (8u << 20);
  m.activations =
      static_cast<std::uint64_t>(floats) * 4 + static_cast<std::uint64_t>(rows) * 4 + scratch;
  return m;
}

std::uint64_t available_memory_bytes() {
  std::ifstream f("/proc/meminfo");
  std::string key;
  std::uint64_t value = 0;
  std::string unit;
  while (f >> key >> value) {
    std::getline(f, unit);
    if (key == "MemAvailable:") return value * 1024;
  }
  return 0;
}

// Everything the forward pass touches, set up once.
struct Decoder::Impl {
  struct Layer {
    std::span<const float> attn_norm, ffn_norm;
    std::span<const float> bq, bk, bv, bo;  // empty when absent
    const cpu::MatmulWeights *wq = nullptr, *wk = nullptr, *wv = nullptr, *wo = nullptr;
    const cpu::MatmulWeights *wgate = nullptr, *wup = nullptr, *wdown = nullptr;
    bool sliding = false;
  };

  cpu::ThreadPool pool;
  cpu::Workspace ws;
  decoder_weights::Layout layout;
  std::unique_ptr<decoder_weights::Store> store;
  std::vector<std::unique_ptr<cpu::MatmulWeights>> matrices;
  std::vector<cpu::WeightLayout> layouts;  // per tensor: how its bytes lie in the store
  std::vector<Layer> layers;
  std::span<const std::byte> embd;
  std::span<const float> out_norm;
  const cpu::MatmulWeights* lm_head = nullptr;
  AnonRegion kv;                   // [layer][K|V][batch][capacity][kv_heads][head_dim] in cfg.kv
  std::uint64_t kv_seq_bytes = 0;  // one sequence's K (or V) of one layer

  std::vector<float> x, xn, q, k, v, att, tmp, gate, up, last, logits_scratch;
  std::vector<std::int32_t> pos;

  MatmulKernelFn matmul{};
  NormKernelFn rmsnorm{};
  RopeKernelFn rope{};
  UnaryKernelFn gated{};
  UnaryKernelFn add{};
  AttentionKernelFn attn_prefill{};
  AttentionKernelFn attn_decode{};
  EmbeddingKernelFn embedding{};
  KvAppendKernelFn kv_append{};

  explicit Impl(int threads, bool pin) : pool(threads, pin) {}
};

Decoder::Decoder(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Decoder::~Decoder() = default;

int Decoder::threads() const {
  return impl_->pool.size();
}
bool Decoder::pinned() const {
  return impl_->pool.pinned();
}
bool Decoder::weights_mapped() const {
  return impl_->store->mapped_file();
}

bool Decoder::weights_loaded() const {
  return impl_->store->loaded_file();
}
std::size_t Decoder::scratch_bytes() const {
  return impl_->ws.capacity();
}
std::size_t Decoder::tensor_count() const {
  return impl_->layout.tensors.size();
}
core::DType Decoder::tensor_dtype(std::size_t i) const {
  return impl_->layout.dtypes.at(i);
}
std::span<const std::byte> Decoder::tensor_data(std::size_t i) const {
  return {impl_->store->data() + impl_->layout.offsets.at(i), impl_->layout.bytes.at(i)};
}
cpu::WeightLayout Decoder::tensor_layout(std::size_t i) const {
  return impl_->layouts.at(i);
}
std::vector<std::byte> Decoder::tensor_blocks(std::size_t i) const {
  const auto d = tensor_data(i);
  std::vector<std::byte> out(d.begin(), d.end());
  if (tensor_layout(i) != cpu::WeightLayout::kBlocks) {
    const auto& t = impl_->layout.tensors.at(i);
    cpu::unpack_rows4x16(tensor_dtype(i), t.cols, t.rows, out);
  }
  return out;
}
cpu::WeightLayout Decoder::weights_layout() const {
  for (auto l : impl_->layouts)
    if (l != cpu::WeightLayout::kBlocks) return l;
  return cpu::WeightLayout::kBlocks;
}
void Decoder::reset_stats() {
  prefill_ = {};
  decode_ = {};
}

Decoder::Created Decoder::create(const core::ModelArch& a, const DecoderConfig& cfg) {
  Created r;
  const auto t0 = Clock::now();
  if (const auto why = decoder_unsupported(a); !why.empty()) {
    r.error = "the reference decoder cannot run this architecture: " + why.front();
    for (std::size_t i = 1; i < why.size(); ++i) r.error += "; " + why[i];
    return r;
  }
  if (auto p = config_problem(a, cfg); !p.empty()) {
    r.error = p;
    return r;
  }
  const DecoderMemory mem = decoder_memory(a, cfg);
  const std::uint64_t limit =
      cfg.memory_limit_bytes ? cfg.memory_limit_bytes : available_memory_bytes();
  if (limit > 0 && mem.total() > limit) {
    char buf[512];
    std::snprintf(buf, sizeof buf,
                  "does not fit in memory: needs %.2f GiB (weights %.2f GiB, KV cache %.2f GiB, "
                  "activations and scratch %.2f GiB) but %.2f GiB is available%s",
                  static_cast<double>(mem.total()) / (1u << 30),
                  static_cast<double>(mem.weights) / (1u << 30),
                  static_cast<double>(mem.kv_cache) / (1u << 30),
                  static_cast<double>(mem.activations) / (1u << 30),
                  static_cast<double>(limit) / (1u << 30),
                  cfg.memory_limit_bytes ? " (the given limit)" : " (MemAvailable)");
    r.error = buf;
    return r;
  }

  auto impl = std::make_unique<Impl>(cfg.threads, cfg.pin);
  Impl& m = *impl;
  m.layout = decoder_weights::make_layout(a, cfg.weights);
  const std::string total = core::format_bytes(m.layout.total);
  const auto progress = [&](double f) {
    // Percentages only where generation takes long enough to watch (> 256 MiB).
    if (cfg.progress && m.layout.total > (256u << 20))
      cfg.progress("weights: " + std::to_string(static_cast<int>(f * 100 + 0.5)) + "% of " + total +
                   " generated");
  };
  const auto read_progress = [&](double f) {
    if (cfg.progress && m.layout.total > (256u << 20))
      cfg.progress("weights: " + std::to_string(static_cast<int>(f * 100 + 0.5)) + "% of " + total +
                   " read");
  };
  std::string err;
  if (cfg.progress)
    cfg.progress("weights: " + total + " of random " + std::string(core::name(cfg.weights)) +
                 " tensors (seed " + std::to_string(cfg.seed) + ")" +
                 (cfg.weights_file.empty()
                      ? std::string(" in memory")
                      : " in " + cfg.weights_file + " (created when missing, then " +
                            (cfg.mmap_weights ? "mapped)" : "read into memory)")));
  if (cfg.weights_file.empty())
    m.store = decoder_weights::Store::anonymous(m.layout, cfg.seed, m.pool, progress, &err);
  else
    m.store =
        decoder_weights::Store::file(cfg.weights_file, fingerprint(a, cfg), m.layout, cfg.seed,
                                     m.pool, cfg.mmap_weights, progress, read_progress, &err);
  if (!m.store) {
    r.error = err;
    return r;
  }

  // The matmul kernel, and the weight layout it reads: q8_0/q4_0 weights are regrouped in place
  // for the AVX-512 VNNI kernels (cpu::WeightLayout::kRows4x16), except in a mapped file (read-
  // only pages) and the token embedding table (gathered by rows in llama.cpp's layout; a tied
  // lm_head reads it in that layout too).
  const KernelEntry* mm = best_kernel(OpKind::kMatmul, cfg.weights);
  if (mm != nullptr && mm->layout != cpu::WeightLayout::kBlocks && !m.store->writable_data())
    mm = best_kernel(OpKind::kMatmul, cfg.weights, cpu::WeightLayout::kBlocks);
  LLMSIZER_CHECK(mm != nullptr, "decoder: no matmul kernel for the weight dtype");
  m.matmul = std::get<MatmulKernelFn>(mm->fn);
  m.layouts.assign(m.layout.tensors.size(), cpu::WeightLayout::kBlocks);
  if (mm->layout != cpu::WeightLayout::kBlocks) {
    std::vector<std::size_t> packed;
    for (std::size_t i = 0; i < m.layout.tensors.size(); ++i) {
      const auto& t = m.layout.tensors[i];
      if (core::role_is_matrix(t.role) && t.role != core::TensorRole::kTokenEmbd) {
        m.layouts[i] = mm->layout;
        packed.push_back(i);
      }
    }
    const auto p0 = Clock::now();
    std::byte* base = m.store->writable_data();
    m.pool.parallel_for(0, static_cast<std::int64_t>(packed.size()), 1,
                        [&](std::int64_t i0, std::int64_t i1) {
                          for (std::int64_t j = i0; j < i1; ++j) {
                            const std::size_t i = packed[sz(j)];
                            const auto& t = m.layout.tensors[i];
                            cpu::pack_rows4x16(cfg.weights, t.cols, t.rows,
                                               {base + m.layout.offsets[i], m.layout.bytes[i]});
                          }
                        });
    if (cfg.progress) {
      char buf[160];
      std::snprintf(buf, sizeof buf, "weights: %zu matrices regrouped into the %s layout (%.2f s)",
                    packed.size(), std::string(cpu::layout_name(mm->layout)).c_str(),
                    std::chrono::duration<double>(Clock::now() - p0).count());
      cfg.progress(buf);
    }
  }

  // Bind tensors to their slots, walking enumerate_tensors' order.
  const auto& at = a.attention;
  m.layers.resize(sz(a.num_layers));
  std::vector<int> norms_seen(sz(a.num_layers), 0), biases_seen(sz(a.num_layers), 0);
  const std::byte* base = m.store->data();
  for (std::size_t i = 0; i < m.layout.tensors.size(); ++i) {
    const auto& t = m.layout.tensors[i];
    const std::span<const std::byte> bytes(base + m.layout.offsets[i], m.layout.bytes[i]);
    const std::span<const float> vec(reinterpret_cast<const float*>(bytes.data()), sz(t.cols));
    auto mat = [&]() {
      m.matrices.push_back(
          std::make_unique<cpu::MatmulWeights>(cfg.weights, t.rows, t.cols, bytes, m.layouts[i]));
      return m.matrices.back().get();
    };
    Impl::Layer* L = t.layer >= 0 ? &m.layers[sz(t.layer)] : nullptr;
    switch (t.role) {
      case core::TensorRole::kTokenEmbd:
        m.embd = bytes;
        if (a.tie_embeddings) m.lm_head = mat();
        break;
      case core::TensorRole::kOutput:
        m.lm_head = mat();
        break;
      case core::TensorRole::kOutputNorm:
        m.out_norm = vec;
        break;
      case core::TensorRole::kAttnNorm:
        (norms_seen[sz(t.layer)]++ == 0 ? L->attn_norm : L->ffn_norm) = vec;
        break;
      case core::TensorRole::kAttnBias: {
        const int b = biases_seen[sz(t.layer)]++;
        if (at.qkv_bias && b < 3)
          (b == 0 ? L->bq : b == 1 ? L->bk : L->bv) = vec;
        else
          L->bo = vec;
        break;
      }
      case core::TensorRole::kAttnQ:
        L->wq = mat();
        break;
      case core::TensorRole::kAttnK:
        L->wk = mat();
        break;
      case core::TensorRole::kAttnV:
        L->wv = mat();
        break;
      case core::TensorRole::kAttnOutput:
        L->wo = mat();
        break;
      case core::TensorRole::kFfnGate:
        L->wgate = mat();
        break;
      case core::TensorRole::kFfnUp:
        L->wup = mat();
        break;
      case core::TensorRole::kFfnDown:
        L->wdown = mat();
        break;
      default:
        r.error = std::string("internal: unexpected tensor ") + core::role_name(t.role);
        return r;
    }
  }
  for (std::int64_t l = 0; l < a.num_layers; ++l) m.layers[sz(l)].sliding = a.layer_is_sliding(l);

  // KV cache and activation buffers.
  m.kv_seq_bytes =
      core::tensor_bytes(cfg.kv, static_cast<std::uint64_t>(cfg.max_tokens * at.num_kv_heads),
                         static_cast<std::uint64_t>(at.head_dim));
  if (!m.kv.allocate(m.kv_seq_bytes * 2 * sz(cfg.batch) * sz(a.num_layers))) {
    r.error = "cannot allocate the KV cache (" + std::to_string(mem.kv_cache) + " bytes)";
    return r;
  }
  const std::int64_t rows = cfg.batch * cfg.max_prefill;
  const std::int64_t d = a.hidden_size, qd = at.num_heads * at.head_dim,
                     kvd = at.num_kv_heads * at.head_dim, f = a.ffn.intermediate_size;
  m.x.resize(sz(rows * d));
  m.xn.resize(sz(rows * d));
  m.tmp.resize(sz(rows * d));
  m.q.resize(sz(rows * qd));
  m.att.resize(sz(rows * qd));
  m.k.resize(sz(rows * kvd));
  m.v.resize(sz(rows * kvd));
  m.gate.resize(sz(rows * f));
  m.up.resize(sz(rows * f));
  m.last.resize(sz(cfg.batch * d));
  m.logits_scratch.resize(sz(cfg.batch * a.vocab_size));
  m.pos.resize(sz(rows));

  m.rmsnorm = kernel_fn<NormKernelFn>(OpKind::kRmsNorm, DType::kF32);
  m.rope = kernel_fn<RopeKernelFn>(OpKind::kRopeHalfSplit, DType::kF32);
  m.gated = kernel_fn<UnaryKernelFn>(
      a.ffn.activation == core::Activation::kSilu ? OpKind::kSwiGlu : OpKind::kGeGlu, DType::kF32);
  m.add = kernel_fn<UnaryKernelFn>(OpKind::kAdd, DType::kF32);
  m.attn_prefill = kernel_fn<AttentionKernelFn>(OpKind::kAttentionPrefill, DType::kF32);
  m.attn_decode = kernel_fn<AttentionKernelFn>(OpKind::kAttentionDecode, cfg.kv);
  m.embedding = kernel_fn<EmbeddingKernelFn>(OpKind::kEmbedding, cfg.weights);
  m.kv_append = kernel_fn<KvAppendKernelFn>(OpKind::kKvAppend, cfg.kv);

  std::unique_ptr<Decoder> dec(new Decoder(std::move(impl)));
  dec->arch_ = a;
  dec->cfg_ = cfg;
  dec->mem_ = mem;

  // Warm-up: one layer at the prefill shape and one decode step at the last position, untimed,
  // so the kernels' workspace reaches its size (decode attention's grows with the context)
  // before the timed passes (no allocation while timing).
  {
    std::vector<std::int32_t> ids(sz(rows), 0);
    PhaseStats sink;
    dec->forward(ids, cfg.max_prefill, dec->impl_->logits_scratch, &sink, 1);
    dec->pos_ = cfg.max_tokens - 1;
    if (dec->pos_ >= cfg.max_prefill)
      dec->forward(std::span<const std::int32_t>(ids).first(sz(cfg.batch)), 1,
                   dec->impl_->logits_scratch, &sink, 1);
    dec->pos_ = 0;
  }
  dec->setup_seconds_ = std::chrono::duration<double>(Clock::now() - t0).count();
  r.decoder = std::move(dec);
  return r;
}

void Decoder::prefill(std::span<const std::int32_t> tokens, std::int64_t n,
                      std::span<float> logits) {
  LLMSIZER_CHECK(n >= 1 && n <= cfg_.max_prefill, "decoder: prefill longer than max_prefill");
  pos_ = 0;
  const double c0 = process_cpu_seconds();
  const auto t0 = Clock::now();
  forward(tokens, n, logits, &prefill_, arch_.num_layers);
  prefill_.seconds += std::chrono::duration<double>(Clock::now() - t0).count();
  prefill_.cpu_seconds += process_cpu_seconds() - c0;
  prefill_.tokens += n * cfg_.batch;
  prefill_.passes += 1;
  pos_ = n;
}

void Decoder::set_position(std::int64_t p) {
  LLMSIZER_CHECK(p >= 1 && p < cfg_.max_tokens, "decoder: position outside the KV capacity");
  pos_ = p;
}

void Decoder::decode(std::span<const std::int32_t> tokens, std::span<float> logits) {
  LLMSIZER_CHECK(pos_ >= 1 && pos_ < cfg_.max_tokens, "decoder: decode past the KV capacity");
  const double c0 = process_cpu_seconds();
  const auto t0 = Clock::now();
  forward(tokens, 1, logits, &decode_, arch_.num_layers);
  decode_.seconds += std::chrono::duration<double>(Clock::now() - t0).count();
  decode_.cpu_seconds += process_cpu_seconds() - c0;
  decode_.tokens += cfg_.batch;
  decode_.passes += 1;
  pos_ += 1;
}

// One forward pass over n new tokens per sequence at positions pos_ .. pos_ + n - 1
// (n > 1 only with pos_ == 0: prefill). Writes each sequence's last-token logits.
void Decoder::forward(std::span<const std::int32_t> tokens, std::int64_t n, std::span<float> logits,
                      PhaseStats* st, std::int64_t max_layers) {
  Impl& m = *impl_;
  const auto& a = arch_;
  const auto& at = a.attention;
  const DType act = DType::kF32;
  const std::int64_t B = cfg_.batch, rows = B * n, d = a.hidden_size, H = at.num_heads,
                     KV = at.num_kv_heads, hd = at.head_dim, qd = H * hd, kvd = KV * hd,
                     f = a.ffn.intermediate_size, past = pos_;
  LLMSIZER_CHECK(tokens.size() == sz(rows), "decoder: tokens must be batch x n");
  LLMSIZER_CHECK(logits.size() == sz(B * a.vocab_size), "decoder: logits must be batch x vocab");
  LLMSIZER_CHECK(n == 1 || past == 0, "decoder: multi-token passes start at position 0");
  for (std::int64_t b = 0; b < B; ++b)
    for (std::int64_t t = 0; t < n; ++t) m.pos[sz(b * n + t)] = static_cast<std::int32_t>(past + t);

  auto timed = [&](DecoderOp op, OpKind kind, const core::OpCost& cost, auto&& fn) {
    const auto t0 = Clock::now();
    fn();
    auto& o = st->ops[static_cast<std::size_t>(op)];
    o.kind = kind;
    if (o.order < 0) o.order = st->ops_seen++;
    o.seconds += std::chrono::duration<double>(Clock::now() - t0).count();
    o.flops += cost.flops;
    o.bytes += cost.bytes();
    o.bytes_read += cost.bytes_read;
    o.calls += 1;
  };
  auto span = [](std::vector<float>& v, std::int64_t count) {
    return std::span<float>(v.data(), sz(count));
  };
  auto cspan = [](const std::vector<float>& v, std::int64_t count) {
    return std::span<const float>(v.data(), sz(count));
  };
  auto matmul = [&](DecoderOp op, const std::vector<float>& x, const cpu::MatmulWeights* w,
                    std::vector<float>& y, std::int64_t mrows) {
    timed(op, OpKind::kMatmul, core::matmul_cost(mrows, w->k(), w->n(), cfg_.weights, act), [&] {
      m.matmul({cspan(x, mrows * w->k()), w, span(y, mrows * w->n()), mrows}, m.pool, m.ws);
    });
  };
  auto bias = [&](std::vector<float>& y, std::span<const float> bv, std::int64_t width) {
    if (bv.empty()) return;
    timed(DecoderOp::kBias, OpKind::kBiasAdd,
          core::elementwise_cost(static_cast<double>(rows * width), 2, 1, 1, act), [&] {
            // A broadcast add (no registry op): one dispatch over the rows, the inner loop
            // left to the compiler's vectorizer.
            float* base = y.data();
            const float* b = bv.data();
            m.pool.parallel_for(0, rows, 1, [&](std::int64_t r0, std::int64_t r1) {
              for (std::int64_t r = r0; r < r1; ++r) {
                float* row = base + r * width;
                for (std::int64_t i = 0; i < width; ++i) row[i] += b[i];
              }
            });
          });
  };
  auto residual = [&] {
    timed(
        DecoderOp::kResidual, OpKind::kAdd,
        core::elementwise_cost(static_cast<double>(rows * d), 2, 1, 1, act), [&] {
          m.add({cspan(m.x, rows * d), cspan(m.tmp, rows * d), span(m.x, rows * d)}, m.pool, m.ws);
        });
  };
  const double drows = static_cast<double>(rows), dd = static_cast<double>(d);
  const float scale = 1.0f / std::sqrt(static_cast<float>(hd));
  core::AttentionDims dims;
  dims.heads = static_cast<double>(H);
  dims.kv_heads = static_cast<double>(KV);
  dims.qk_dim = dims.v_dim = static_cast<double>(hd);
  dims.kv_entry_bytes =
      static_cast<double>(core::kv_bytes_per_token_layer(a, n > 1 ? act : cfg_.kv));

  timed(DecoderOp::kEmbedding, OpKind::kEmbedding,
        core::embedding_cost(static_cast<double>(rows), static_cast<double>(d),
                             static_cast<double>(core::tensor_bytes(cfg_.weights, 1, sz(d))), act),
        [&] {
          m.embedding({cfg_.weights, m.embd, a.vocab_size, d, tokens, span(m.x, rows * d)}, m.pool,
                      m.ws);
        });

  const std::int64_t layers = std::min(max_layers, a.num_layers);
  for (std::int64_t l = 0; l < layers; ++l) {
    const auto& L = m.layers[sz(l)];
    timed(DecoderOp::kNorm, OpKind::kRmsNorm, core::norm_cost(drows, dd, act), [&] {
      m.rmsnorm(
          {cspan(m.x, rows * d), L.attn_norm, {}, span(m.xn, rows * d), rows, d, cfg_.norm_eps},
          m.pool, m.ws);
    });
    matmul(DecoderOp::kQkv, m.xn, L.wq, m.q, rows);
    matmul(DecoderOp::kQkv, m.xn, L.wk, m.k, rows);
    matmul(DecoderOp::kQkv, m.xn, L.wv, m.v, rows);
    bias(m.q, L.bq, qd);
    bias(m.k, L.bk, kvd);
    bias(m.v, L.bv, kvd);
    const std::span<const std::int32_t> pos(m.pos.data(), sz(rows));
    timed(DecoderOp::kRope, OpKind::kRopeHalfSplit,
          core::rope_cost(drows, static_cast<double>(H + KV), static_cast<double>(hd), act), [&] {
            m.rope({span(m.q, rows * qd), pos, rows, H, hd, cfg_.rope_base}, m.pool, m.ws);
            m.rope({span(m.k, rows * kvd), pos, rows, KV, hd, cfg_.rope_base}, m.pool, m.ws);
          });
    std::byte* layer_kv = m.kv.data() + static_cast<std::uint64_t>(l) * 2 * sz(B) * m.kv_seq_bytes;
    auto kcache = [&](std::int64_t b) {
      return std::span<std::byte>(layer_kv + static_cast<std::uint64_t>(b) * m.kv_seq_bytes,
                                  m.kv_seq_bytes);
    };
    auto vcache = [&](std::int64_t b) {
      return std::span<std::byte>(layer_kv + static_cast<std::uint64_t>(B + b) * m.kv_seq_bytes,
                                  m.kv_seq_bytes);
    };
    timed(DecoderOp::kKvAppend, OpKind::kKvAppend,
          core::kv_append_cost(drows, static_cast<double>(KV), hd, cfg_.kv, act), [&] {
            for (std::int64_t b = 0; b < B; ++b) {
              m.kv_append({cspan(m.k, rows * kvd).subspan(sz(b * n * kvd), sz(n * kvd)), cfg_.kv,
                           kcache(b), cfg_.max_tokens, past, n, KV, hd},
                          m.pool, m.ws);
              m.kv_append({cspan(m.v, rows * kvd).subspan(sz(b * n * kvd), sz(n * kvd)), cfg_.kv,
                           vcache(b), cfg_.max_tokens, past, n, KV, hd},
                          m.pool, m.ws);
            }
          });
    const std::int64_t window = L.sliding ? at.sliding_window : 0;
    timed(
        DecoderOp::kAttention, n > 1 ? OpKind::kAttentionPrefill : OpKind::kAttentionDecode,
        core::attention_cost(dims, static_cast<double>(B), static_cast<double>(n),
                             static_cast<double>(past), static_cast<double>(window), act),
        [&] {
          for (std::int64_t b = 0; b < B; ++b) {
            cpu::AttentionArgs args;
            args.q = cspan(m.q, rows * qd).subspan(sz(b * n * qd), sz(n * qd));
            args.out = span(m.att, rows * qd).subspan(sz(b * n * qd), sz(n * qd));
            args.tokens = n;
            args.past = past;
            args.heads = H;
            args.kv_heads = KV;
            args.head_dim = hd;
            args.window = window;
            args.scale = scale;
            if (n > 1) {  // prefill: K/V of the new tokens, still in f32
              args.kv_dtype = act;
              args.k = std::as_bytes(cspan(m.k, rows * kvd).subspan(sz(b * n * kvd), sz(n * kvd)));
              args.v = std::as_bytes(cspan(m.v, rows * kvd).subspan(sz(b * n * kvd), sz(n * kvd)));
              m.attn_prefill(args, m.pool, m.ws);
            } else {  // decode: the cache, past + 1 positions
              args.kv_dtype = cfg_.kv;
              const std::uint64_t used =
                  core::tensor_bytes(cfg_.kv, static_cast<std::uint64_t>((past + 1) * KV),
                                     static_cast<std::uint64_t>(hd));
              args.k = std::span<const std::byte>(kcache(b).data(), used);
              args.v = std::span<const std::byte>(vcache(b).data(), used);
              m.attn_decode(args, m.pool, m.ws);
            }
          }
        });
    matmul(DecoderOp::kAttnOut, m.att, L.wo, m.tmp, rows);
    bias(m.tmp, L.bo, d);
    residual();
    timed(DecoderOp::kNorm, OpKind::kRmsNorm, core::norm_cost(drows, dd, act), [&] {
      m.rmsnorm(
          {cspan(m.x, rows * d), L.ffn_norm, {}, span(m.xn, rows * d), rows, d, cfg_.norm_eps},
          m.pool, m.ws);
    });
    matmul(DecoderOp::kFfnUpGate, m.xn, L.wgate, m.gate, rows);
    matmul(DecoderOp::kFfnUpGate, m.xn, L.wup, m.up, rows);
    timed(DecoderOp::kActivation,
          a.ffn.activation == core::Activation::kSilu ? OpKind::kSwiGlu : OpKind::kGeGlu,
          core::activation_cost(static_cast<double>(rows * f), true, act), [&] {
            m.gated({cspan(m.gate, rows * f), cspan(m.up, rows * f), span(m.gate, rows * f)},
                    m.pool, m.ws);
          });
    matmul(DecoderOp::kFfnDown, m.gate, L.wdown, m.tmp, rows);
    residual();
  }

  // Final norm of each sequence's last token, then the logits.
  timed(DecoderOp::kFinalNorm, OpKind::kRmsNorm, core::norm_cost(static_cast<double>(B), dd, act),
        [&] {
          for (std::int64_t b = 0; b < B; ++b) {
            const auto src = cspan(m.x, rows * d).subspan(sz((b * n + n - 1) * d), sz(d));
            const auto dst = span(m.last, B * d).subspan(sz(b * d), sz(d));
            if (m.out_norm.empty())
              std::copy(src.begin(), src.end(), dst.begin());
            else
              m.rmsnorm({src, m.out_norm, {}, dst, 1, d, cfg_.norm_eps}, m.pool, m.ws);
          }
        });
  timed(DecoderOp::kLmHead, OpKind::kMatmul,
        core::matmul_cost(B, d, a.vocab_size, cfg_.weights, act), [&] {
          m.matmul({cspan(m.last, B * d), m.lm_head, logits, B}, m.pool, m.ws);
        });
}

DecoderRun run_decoder(Decoder& d, std::int64_t prompt, std::int64_t output, std::uint64_t seed) {
  const auto& a = d.arch();
  const std::int64_t B = d.config().batch;
  std::mt19937_64 rng(seed ^ 0xA5A5A5A5ull);
  std::uniform_int_distribution<std::int32_t> tok(0, static_cast<std::int32_t>(a.vocab_size - 1));
  std::vector<std::int32_t> ids(sz(B * prompt));
  for (auto& t : ids) t = tok(rng);
  std::vector<float> logits(sz(B * a.vocab_size));
  std::vector<std::int32_t> next(sz(B));
  DecoderRun r;
  auto finite_and_argmax = [&] {
    for (std::int64_t b = 0; b < B; ++b) {
      const float* row = logits.data() + b * a.vocab_size;
      std::int64_t best = 0;
      for (std::int64_t i = 0; i < a.vocab_size; ++i) {
        if (!std::isfinite(row[i])) r.logits_finite = false;
        if (row[i] > row[best]) best = i;
      }
      next[sz(b)] = static_cast<std::int32_t>(best);
    }
  };
  d.reset_stats();
  d.prefill(ids, prompt, logits);
  finite_and_argmax();
  for (std::int64_t s = 0; s < output; ++s) {
    d.decode(next, logits);
    finite_and_argmax();
  }
  r.prefill = d.prefill_stats();
  r.decode = d.decode_stats();
  return r;
}

}  // namespace llmsizer::kernels
