// op_graph.h — THE op vocabulary and THE op graph (docs/cost-model.md#op-graph). OpKind is
// what runs (a kernel op: matmul, rmsnorm, attention_decode ...; or a fused graph op with no
// kernel of its own: moe_experts, all_reduce ...), OpRole is where in the model it runs
// (qkv_proj, o_proj, ffn_down ...); each has one name table here. OpGraph lists the calls of
// one forward step of a model on one device — {role, kind, dtype, shape, count, cost} — built
// only from core/op_cost.h's formulas. The kernels registry, the profile document, the
// profiler's sweeps, the reference decoder and the estimator all speak this vocabulary.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "core/dtype.h"
#include "core/model_arch.h"
#include "core/op_cost.h"

namespace llmsizer::core {

// Every op kind, with the OpShape fields it reads. The first fifteen have CPU kernels
// (kernels/registry.cc) with a reference twin; the rest exist only in the graph.
enum class OpKind : std::uint8_t {
  kMatmul,            // Y[m x n] = X[m x k] W[n x k]^T (m = 1: decode GEMV)
  kRmsNorm,           // m rows of k
  kLayerNorm,         // m rows of k
  kRopeInterleaved,   // m tokens x heads x head_dim, in place
  kRopeHalfSplit,     // as above
  kSilu,              // m x k elements
  kGelu,              // m x k elements
  kSwiGlu,            // silu(gate) * up, m x k elements
  kGeGlu,             // gelu(gate) * up, m x k elements
  kSoftmax,           // m rows of k
  kAttentionPrefill,  // m new tokens after `past`, heads, kv_heads, head_dim, window
  kAttentionDecode,   // one token over past + 1 cached in `dtype`
  kAdd,               // residual add, m x k elements
  kEmbedding,         // m ids into a table of n rows x k in `dtype`
  kKvAppend,          // m tokens x kv_heads x head_dim into a `dtype` cache
  kBiasAdd,           // broadcast add of a k-vector to m rows (no kernel: a plain loop)
  kMlaQKvA,           // MLA query and kv_a projections, fused (m tokens, k hidden)
  kMlaAbsorb,         // MLA decode: kv_b absorbed into query and output (m tokens)
  kAttentionMla,      // MLA attention (latent decode, decompressed prefill)
  kMoeExperts,        // routed experts: m tokens per touched expert, k hidden, n expert width
  kAllReduce,         // tensor-parallel all-reduce
  kAllToAll,          // expert-parallel dispatch / combine
};
inline constexpr std::size_t kOpKindCount = 22;
inline constexpr std::size_t kKernelOpKindCount = 15;  // kinds with a CPU kernel (a prefix)
std::string_view op_name(OpKind k);
std::optional<OpKind> parse_op_kind(std::string_view name);
std::span<const std::string_view> op_kind_names();  // in enum order

// Where in the model a call runs (the per-op rows of --explain and of the decoder's timing).
enum class OpRole : std::uint8_t {
  kEmbedding,
  kNorms,  // the norms inside a block
  kQkvProj,
  kBias,  // q/k/v and output-projection biases (unfused graphs)
  kMlaQKvAProj,
  kMlaKvBDecompress,
  kMlaAbsorb,
  kRope,
  kKvAppend,
  kAttention,
  kOProj,
  kTpAllReduce,
  kResidual,
  kFfnUpGate,
  kFfnAct,
  kFfnDown,
  kMoeRouter,
  kMoeExperts,
  kEpAllToAll,
  kSharedExpertUpGate,
  kSharedExpertDown,
  kFinalNorm,
  kLmHead,
  kSampling,
};
inline constexpr std::size_t kOpRoleCount = 24;
std::string_view op_role_name(OpRole r);
std::optional<OpRole> parse_op_role(std::string_view name);

// Problem size of one call; which fields matter is listed per OpKind above.
struct OpShape {
  std::int64_t m = 1;         // rows / tokens
  std::int64_t k = 1;         // reduction (matmul), row length (norms, elementwise)
  std::int64_t n = 1;         // output features (matmul), table rows (embedding)
  std::int64_t past = 0;      // attention: cached positions before the new tokens
  std::int64_t heads = 1;     // attention, RoPE
  std::int64_t kv_heads = 1;  // attention, KV append
  std::int64_t head_dim = 1;  // attention, RoPE, KV append
  std::int64_t window = 0;    // attention: sliding window, 0 = none
  bool operator==(const OpShape&) const = default;
};

// What a call streams from memory besides activations.
enum class Operand : std::uint8_t { kNone, kWeights, kKvCache };

// One call of the graph on one device. The phase runs `count` x `calls` kernel calls of
// `shape`, each costing `cost`; `total` is the cost of the `calls` of one count together
// (the same formula at the whole batch: = calls x cost up to rounding) and `launches` the
// kernel launches they take. Collectives: cost.bytes_read = bytes per rank, `steps` their
// latency steps.
struct OpCall {
  OpRole role = OpRole::kEmbedding;
  OpKind kind = OpKind::kMatmul;
  DType dtype = DType::kF32;  // weights (matmul), table (embedding), KV cache; f32 otherwise
  OpShape shape;
  double count = 1;  // layers of its kind (1 outside the blocks; x reduces for all-reduce)
  double calls = 1;
  double launches = 1;
  OpCost cost;   // one call
  OpCost total;  // the `calls` of one count
  double steps = 0;
  Operand operand = Operand::kNone;
  bool reads_weights = false;  // over the deployment's weights (their dequantisation applies)
};

// One forward step: decode_seqs sequences add one token each over decode_past cached tokens,
// prefill_seqs sequences each process prefill_tokens over prefill_past cached ones.
struct GraphStep {
  double decode_seqs = 0;
  double decode_past = 0;
  double prefill_seqs = 0;
  double prefill_tokens = 0;
  double prefill_past = 0;
};

// What the graph needs of a deployment, as plain data (the estimator fills it from its
// memory model; tests and the decoder from a uniform dtype: uniform_graph_inputs()).
struct GraphInputs {
  std::int64_t tp = 1;
  std::int64_t ep = 1;          // expert parallel degree: 1, or tp
  double heads = 0;             // query heads on one device
  double kv_heads = 0;          // KV heads on one device
  double kv_entry_bytes = 0;    // KV-cache bytes per token per layer on one device
  double embed_row_bytes = 0;   // bytes of one token-embedding row (the whole table's dtype)
  DType act = DType::kF16;      // activations
  DType kv = DType::kF16;       // KV cache
  DType weights = DType::kF16;  // the scheme's base dtype (fallback for roles without tensors)
  // Per entry of enumerate_tensors(arch): its bytes on one device and its dtype.
  std::vector<double> tensor_bytes;
  std::vector<DType> tensor_dtypes;
  // true: the kernels serving engines run (fused QKV and gate/up GEMMs with bias epilogues,
  // the KV write fused into attention); false: the reference decoder's (separate q, k, v,
  // gate and up matmuls, bias adds, a kv_append call per layer).
  bool fused = true;
  bool sampling = true;  // false: the step ends at the logits (the reference decoder)
};

// A uniform-dtype deployment on one device: every matrix in `weights`, 1-D tensors f32.
GraphInputs uniform_graph_inputs(const ModelArch& a, DType weights, DType kv, DType act,
                                 bool fused);

class OpGraph {
 public:
  static constexpr std::size_t kMaxCalls = 128;

  OpGraph() = default;
  // Resolves everything that does not depend on the step (layer kinds, weights per op,
  // dtypes, dimensions). Precondition: in.tensor_bytes/dtypes match enumerate_tensors(a).
  OpGraph(const ModelArch& a, const GraphInputs& in);

  // Writes the step's calls, in execution order (per layer kind: its ops in order; layer
  // kinds in order of first appearance), into `out` and returns how many. Pure arithmetic:
  // no allocation. `out` must hold kMaxCalls.
  std::size_t build(const GraphStep& st, std::span<OpCall, kMaxCalls> out) const;
  // The same into a vector (allocates; for tests, the decoder and the profiler).
  std::vector<OpCall> calls(const GraphStep& st) const;

  // Layer kinds: dense/MoE x full/sliding attention, at most four.
  struct LayerKind {
    double count = 0;  // layers of this kind
    bool moe = false;
    double window = 0;  // 0 = full attention
    // Weight bytes per layer on one device. Fused forms (summed in tensor order, as
    // engines concatenate them) and the separate matrices of the unfused graph.
    double w_qkv = 0, w_o = 0, w_ffn_in = 0, w_ffn_out = 0, w_router = 0;
    double w_experts = 0, w_shared_in = 0, w_shared_out = 0, w_mla_kvb = 0;
    double w_q = 0, w_k = 0, w_v = 0, w_gate = 0, w_up = 0, w_shared_gate = 0, w_shared_up = 0;
  };
  std::span<const LayerKind> layer_kinds() const { return {kinds_.data(), n_kinds_}; }

 private:
  struct Builder;  // writes one step's calls (op_graph.cc)
  ModelArch arch_;
  GraphInputs in_;  // tensor vectors cleared after construction
  std::array<LayerKind, 4> kinds_{};
  std::size_t n_kinds_ = 0;
  double w_lm_head_ = 0;
  // The dtype most layers store each matrix in (the measured tables are keyed by dtype).
  DType dt_q_ = DType::kF16, dt_k_ = DType::kF16, dt_v_ = DType::kF16, dt_o_ = DType::kF16;
  DType dt_gate_ = DType::kF16, dt_up_ = DType::kF16, dt_down_ = DType::kF16;
  DType dt_embd_ = DType::kF16, dt_out_ = DType::kF16, dt_router_ = DType::kF16;
  DType dt_experts_ = DType::kF16, dt_mla_ = DType::kF16, dt_mla_kvb_ = DType::kF16;
  DType dt_shared_ = DType::kF16;
};

}  // namespace llmsizer::core
