// memory.cc — memory sizing (docs/cost-model.md#memory). Weights are summed per tensor
// with the scheme's dtype and placed on pipeline stages and tensor-parallel shards the way
// vLLM/TensorRT-LLM place them; the KV cache and activations follow from the architecture.
#include "estimator/memory.h"

#include <algorithm>
#include <cmath>
#include <tuple>

#include <fmt/format.h>

#include "core/units.h"

namespace llmsizer::estimator {

using core::ModelArch;
using core::TensorInfo;
using core::TensorRole;

namespace {

std::int64_t stage_of_layer(std::int64_t layer, std::int64_t layers, std::int64_t pp) {
  return layer * pp / layers;
}

}  // namespace

std::int64_t kv_heads_per_device(const ModelArch& a, std::int64_t tp) {
  const std::int64_t kv = a.attention.num_kv_heads;
  return kv % tp == 0 ? kv / tp : 1;
}

double tp_share(const ModelArch& a, const TensorInfo& t, std::int64_t tp) {
  if (tp == 1 || !core::role_is_matrix(t.role)) return 1.0;
  switch (t.role) {
    case TensorRole::kRouter:
    case TensorRole::kMlaQA:
    case TensorRole::kMlaKvA:
      return 1.0;  // replicated on every rank
    case TensorRole::kAttnK:
    case TensorRole::kAttnV:
      if (a.attention.kind == core::AttentionKind::kStandard)
        return static_cast<double>(kv_heads_per_device(a, tp)) /
               static_cast<double>(a.attention.num_kv_heads);
      return 1.0 / static_cast<double>(tp);
    default:
      return 1.0 / static_cast<double>(tp);
  }
}

std::vector<std::string> check_parallelism(const ModelArch& a, const Parallelism& p) {
  std::vector<std::string> out;
  if (p.tp < 1 || p.pp < 1) {
    out.push_back("tp and pp must be at least 1");
    return out;
  }
  const auto& at = a.attention;
  if (at.num_heads % p.tp != 0)
    out.push_back(fmt::format("tp {} does not divide the {} attention heads", p.tp, at.num_heads));
  if (at.kind == core::AttentionKind::kStandard && at.num_kv_heads % p.tp != 0 &&
      p.tp % at.num_kv_heads != 0)
    out.push_back(fmt::format("tp {} neither divides nor is a multiple of the {} KV heads", p.tp,
                              at.num_kv_heads));
  if (p.pp > a.num_layers)
    out.push_back(fmt::format("pp {} exceeds the {} layers", p.pp, a.num_layers));
  return out;
}

std::uint64_t weights_bytes_per_device(const schema::ModelSpec& m, const core::WeightScheme& s,
                                       const Parallelism& p, bool as_stored) {
  const ModelArch& a = m.arch;
  std::vector<double> stage_bytes(static_cast<std::size_t>(p.pp), 0.0);
  double total = 0;
  for (const auto& t : core::enumerate_tensors(a)) {
    const double bytes = static_cast<double>(core::tensor_weight_bytes(a, t, s));
    total += bytes;
    const double share = bytes * tp_share(a, t, p.tp);
    if (t.layer >= 0) {
      stage_bytes[static_cast<std::size_t>(stage_of_layer(t.layer, a.num_layers, p.pp))] += share;
    } else if (t.role == TensorRole::kTokenEmbd || t.role == TensorRole::kPosEmbd) {
      stage_bytes.front() += share;
      // Tied embeddings: the last stage needs the matrix too, as its lm_head.
      if (t.role == TensorRole::kTokenEmbd && a.tie_embeddings && p.pp > 1)
        stage_bytes.back() += share;
    } else {
      stage_bytes.back() += share;
    }
  }
  double per_device = *std::max_element(stage_bytes.begin(), stage_bytes.end());
  if (as_stored && !m.gguf_tensors.empty() && total > 0) {
    std::uint64_t stored = 0;
    for (const auto& g : m.gguf_tensors) stored += g.bytes;
    per_device = per_device / total * static_cast<double>(stored);
  }
  return static_cast<std::uint64_t>(per_device + 0.5);
}

std::uint64_t kv_bytes_per_device(const ModelArch& a, core::DType kv, const Parallelism& p,
                                  std::int64_t context) {
  if (context <= 0) return 0;
  std::uint64_t per_token_layer = 0;
  if (a.attention.kind == core::AttentionKind::kMla) {
    per_token_layer = core::kv_bytes_per_token_layer(a, kv);  // latent replicated per rank
  } else {
    per_token_layer =
        core::tensor_bytes(kv, static_cast<std::uint64_t>(2 * kv_heads_per_device(a, p.tp)),
                           static_cast<std::uint64_t>(a.attention.head_dim));
  }
  // Stage s holds layers [s*L/pp, (s+1)*L/pp) (stage_of_layer); the heaviest stage counts.
  std::uint64_t most = 0;
  for (std::int64_t st = 0; st < p.pp; ++st) {
    std::uint64_t tokens = 0;
    const std::int64_t first = (st * a.num_layers + p.pp - 1) / p.pp;
    const std::int64_t end = ((st + 1) * a.num_layers + p.pp - 1) / p.pp;
    for (std::int64_t l = first; l < end; ++l)
      tokens += static_cast<std::uint64_t>(a.layer_kv_tokens(l, context));
    most = std::max(most, tokens);
  }
  return most * per_token_layer;
}

namespace {

// Activation bytes per token of a step (the residual stream twice plus the widest of the
// attention and FFN intermediates) and the logits bytes per sequence.
std::pair<double, double> activation_widths(const ModelArch& a, core::DType act,
                                            const Parallelism& p) {
  const double tp = static_cast<double>(p.tp);
  const auto& at = a.attention;
  double attn_w = 0;
  if (at.kind == core::AttentionKind::kMla) {
    const double h = static_cast<double>(at.num_heads) / tp;
    attn_w = h * static_cast<double>(2 * (at.mla.qk_nope_head_dim + at.mla.qk_rope_head_dim) +
                                     at.mla.v_head_dim) +
             static_cast<double>(at.mla.kv_lora_rank + at.mla.qk_rope_head_dim);
  } else {
    const double hd = static_cast<double>(at.head_dim);
    attn_w = (2.0 * static_cast<double>(at.num_heads) / tp +
              2.0 * static_cast<double>(kv_heads_per_device(a, p.tp))) *
             hd;
  }
  double ffn_i = a.moe.first_dense_layers > 0 || !a.is_moe()
                     ? static_cast<double>(a.ffn.intermediate_size)
                     : 0.0;
  if (a.is_moe())
    ffn_i = std::max(ffn_i, static_cast<double>((a.moe.top_k + a.moe.num_shared_experts) *
                                                a.moe.expert_intermediate_size));
  const double ffn_w = (a.ffn.kind == core::FfnKind::kGated ? 2.0 : 1.0) * ffn_i / tp;
  const double width = 2.0 * static_cast<double>(a.hidden_size) + std::max(attn_w, ffn_w);
  const double elem = core::bits_per_element(act) / 8.0;
  const double logits = static_cast<double>(a.vocab_size) / tp * 4.0;
  return {width * elem, logits};
}

}  // namespace

std::uint64_t step_activation_bytes(const ModelArch& a, core::DType act, const Parallelism& p,
                                    std::int64_t step_tokens, std::int64_t sequences) {
  const auto [per_token, per_seq] = activation_widths(a, act, p);
  return static_cast<std::uint64_t>(static_cast<double>(step_tokens) * per_token +
                                    static_cast<double>(sequences) * per_seq + 0.5);
}

std::int64_t largest_step_tokens(std::int64_t batch, std::int64_t prompt_tokens,
                                 std::int64_t chunk) {
  const std::int64_t whole = batch * prompt_tokens;
  return chunk > 0 ? std::max(std::min(whole, chunk), batch) : whole;
}

double max_batch_in(double room, double kv_per_sequence, const ModelArch& a, core::DType act,
                    const Parallelism& p, std::int64_t prompt_tokens, std::int64_t chunk) {
  if (!(room > 0)) return 0;
  const auto [w, logits] = activation_widths(a, act, p);
  const double P = static_cast<double>(prompt_tokens);
  const double kv = kv_per_sequence;
  if (chunk <= 0) return std::floor(room / (kv + P * w + logits));
  // Three regimes of the largest step's tokens T = max(min(B*P, K), B):
  //   B*P <= K: T = B*P;  K/P < B <= K: T = K;  B > K: T = B.
  const double K = static_cast<double>(chunk);
  double best = 0;
  const double a_max = std::floor(K / P);
  const double b_a = std::min(std::floor(room / (kv + P * w + logits)), a_max);
  if (b_a >= 1) best = b_a;
  const double b_b = std::min(std::floor((room - K * w) / (kv + logits)), K);
  if (b_b >= a_max + 1) best = std::max(best, b_b);
  const double b_c = std::floor(room / (kv + w + logits));
  if (b_c > K) best = std::max(best, b_c);
  return best;
}

std::pair<std::uint64_t, std::string> default_overhead(schema::HardwareClass c,
                                                       std::uint64_t capacity_bytes) {
  using schema::HardwareClass;
  switch (c) {
    case HardwareClass::kDatacenterGpu:
    case HardwareClass::kWorkstationGpu:
    case HardwareClass::kConsumerGpu:
      return {static_cast<std::uint64_t>(core::kGiB),
              "assumed: 1 GiB for the CUDA/ROCm context, library workspaces and allocator "
              "slack"};
    case HardwareClass::kAppleSoc:
      return {capacity_bytes / 4,
              "assumed: 25% of unified memory kept from the GPU by macOS (Metal working-set "
              "limit) and the OS"};
    case HardwareClass::kServerCpu:
    case HardwareClass::kDesktopCpu:
      return {static_cast<std::uint64_t>(2 * core::kGiB),
              "assumed: 2 GiB for the operating system and the inference runtime"};
  }
  return {0, "assumed: none"};
}

std::int64_t kv_token_capacity(const MemoryInputs& in, std::int64_t step_tokens) {
  const core::ModelArch& a = in.model->arch;
  const std::uint64_t weights = weights_bytes_per_device(*in.model, in.weights, in.par, false);
  const std::uint64_t overhead = in.overhead_bytes
                                     ? *in.overhead_bytes
                                     : default_overhead(in.hw_class, in.capacity_bytes).first;
  const std::uint64_t act = step_activation_bytes(a, in.activations, in.par, step_tokens, 1);
  const std::uint64_t used = weights + overhead + act;
  if (used >= in.capacity_bytes) return 0;
  // Per token the heaviest stage stores all its (full-attention) layers' K and V; a
  // sliding-window layer's cache stops growing at the window, which this ignores (the
  // pool is sized for full-length contexts, as vLLM does).
  const std::uint64_t per_token = kv_bytes_per_device(a, in.kv, in.par, 1);
  return per_token ? static_cast<std::int64_t>((in.capacity_bytes - used) / per_token) : 0;
}

MemoryBreakdown size_memory(const MemoryInputs& in, bool weights_as_stored) {
  const schema::ModelSpec& m = *in.model;
  const ModelArch& a = m.arch;
  MemoryBreakdown r;
  const auto params = core::count_params(a);
  r.weights_bytes = weights_bytes_per_device(m, in.weights, in.par, weights_as_stored);
  r.weights_bytes_total = weights_bytes_per_device(m, in.weights, Parallelism{}, weights_as_stored);
  r.bits_per_weight = params.total > 0 ? 8.0 * static_cast<double>(r.weights_bytes_total) /
                                             static_cast<double>(params.total)
                                       : 0.0;
  r.kv_bytes_per_token = kv_bytes_per_device(a, in.kv, in.par, 1);
  const std::int64_t context = in.prompt_tokens + in.output_tokens;
  r.kv_cache_bytes =
      static_cast<std::uint64_t>(in.batch) * kv_bytes_per_device(a, in.kv, in.par, context);
  r.activation_bytes = step_activation_bytes(
      a, in.activations, in.par,
      largest_step_tokens(in.batch, in.prompt_tokens, in.prefill_chunk_tokens), in.batch);
  if (in.overhead_bytes) {
    r.overhead_bytes = *in.overhead_bytes;
    r.overhead_basis = "user (--overhead)";
  } else {
    std::tie(r.overhead_bytes, r.overhead_basis) = default_overhead(in.hw_class, in.capacity_bytes);
  }
  r.total_bytes = r.weights_bytes + r.kv_cache_bytes + r.activation_bytes + r.overhead_bytes;
  r.capacity_bytes = in.capacity_bytes;

  const std::uint64_t fixed = r.weights_bytes + r.overhead_bytes;
  const double room = static_cast<double>(in.capacity_bytes) - static_cast<double>(fixed);
  r.max_batch = static_cast<std::int64_t>(std::min(
      max_batch_in(room, static_cast<double>(kv_bytes_per_device(a, in.kv, in.par, context)), a,
                   in.activations, in.par, in.prompt_tokens, in.prefill_chunk_tokens),
      1e9));

  // Longest context at this batch: KV grows monotonically with context, so bisect.
  auto need = [&](std::int64_t c) {
    return fixed + static_cast<std::uint64_t>(in.batch) * kv_bytes_per_device(a, in.kv, in.par, c) +
           step_activation_bytes(a, in.activations, in.par,
                                 largest_step_tokens(in.batch, std::min(in.prompt_tokens, c),
                                                     in.prefill_chunk_tokens),
                                 in.batch);
  };
  std::int64_t lo = 0, hi = a.max_context;
  if (need(1) > in.capacity_bytes) {
    r.max_context = 0;
  } else {
    lo = 1;
    while (lo < hi) {
      const std::int64_t mid = lo + (hi - lo + 1) / 2;
      if (need(mid) <= in.capacity_bytes)
        lo = mid;
      else
        hi = mid - 1;
    }
    r.max_context = lo;
  }

  const double cap = static_cast<double>(in.capacity_bytes);
  if (context > a.max_context) {
    r.fits = false;
    r.max_batch = 0;
    r.reason = fmt::format("prompt + output = {} tokens exceeds the model's context of {} tokens",
                           context, a.max_context);
  } else if (r.total_bytes <= in.capacity_bytes) {
    r.fits = true;
    r.reason = fmt::format("uses {:.0f}% of device memory",
                           100.0 * static_cast<double>(r.total_bytes) / cap);
  } else if (fixed > in.capacity_bytes) {
    r.fits = false;
    r.reason = fmt::format(
        "weights ({}) and overhead ({}) alone exceed the {} per device; use more devices "
        "(--tp/--pp) or fewer bits per weight",
        core::format_bytes(r.weights_bytes), core::format_bytes(r.overhead_bytes),
        core::format_bytes(in.capacity_bytes));
  } else {
    r.fits = false;
    r.reason = fmt::format(
        "needs {} per device, has {}: the KV cache ({}) and activations ({}) do not fit; the "
        "largest batch at this context is {}",
        core::format_bytes(r.total_bytes), core::format_bytes(in.capacity_bytes),
        core::format_bytes(r.kv_cache_bytes), core::format_bytes(r.activation_bytes), r.max_batch);
  }
  return r;
}

}  // namespace llmsizer::estimator
