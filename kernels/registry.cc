// registry.cc — THE kernel table (see registry.h). One line per kernel variant; within an
// (op, dtype) group the order is the preference order of best_kernel().
#include "kernels/registry.h"

#include "kernels/shape_cost.h"

namespace llmsizer::kernels {
namespace {

using core::DType;
using cpu::Isa;

// ---- entry points: bind the instruction set (and style) of each variant ---------------

template <Isa I>
void run_matmul(const cpu::MatmulArgs& a, cpu::ThreadPool& p, cpu::Workspace& ws) {
  cpu::matmul(I, a, p, ws);
}
template <Isa I>
void run_rmsnorm(const cpu::NormArgs& a, cpu::ThreadPool& p, cpu::Workspace& ws) {
  cpu::rmsnorm(I, a, p, ws);
}
template <Isa I>
void run_layernorm(const cpu::NormArgs& a, cpu::ThreadPool& p, cpu::Workspace& ws) {
  cpu::layernorm(I, a, p, ws);
}
template <Isa I, RopeStyle S>
void run_rope(const cpu::RopeArgs& a, cpu::ThreadPool& p, cpu::Workspace& ws) {
  cpu::rope(I, S, a, p, ws);
}
template <Isa I, Activation A>
void run_activation(const cpu::UnaryArgs& a, cpu::ThreadPool& p, cpu::Workspace& ws) {
  cpu::activation(I, A, a, p, ws);
}
template <Isa I>
void run_softmax(const cpu::SoftmaxArgs& a, cpu::ThreadPool& p, cpu::Workspace& ws) {
  cpu::softmax(I, a, p, ws);
}
template <Isa I>
void run_prefill(const cpu::AttentionArgs& a, cpu::ThreadPool& p, cpu::Workspace& ws) {
  cpu::attention_prefill(I, a, p, ws);
}
template <Isa I>
void run_decode(const cpu::AttentionArgs& a, cpu::ThreadPool& p, cpu::Workspace& ws) {
  cpu::attention_decode(I, a, p, ws);
}

template <Isa I>
void run_add(const cpu::UnaryArgs& a, cpu::ThreadPool& p, cpu::Workspace& ws) {
  cpu::add(I, a, p, ws);
}
template <Isa I>
void run_embedding(const cpu::EmbeddingArgs& a, cpu::ThreadPool& p, cpu::Workspace& ws) {
  cpu::embedding(I, a, p, ws);
}
template <Isa I>
void run_kv_append(const cpu::KvAppendArgs& a, cpu::ThreadPool& p, cpu::Workspace& ws) {
  cpu::kv_append(I, a, p, ws);
}

constexpr double kF32Error = 1e-5;    // f32 accumulation (blocked sums, FMA contraction)
constexpr double kQuantError = 1e-5;  // exact integer sums, f32 scales and accumulation
constexpr double kElemError = 1e-5;   // polynomial exp (~2 ulp), f32 sums
constexpr double kExact = 1e-7;       // pure data movement / identical conversions

constexpr ActQuant kNoQ = ActQuant::kNone;

constexpr cpu::WeightLayout kBlocks = cpu::WeightLayout::kBlocks;
constexpr cpu::WeightLayout kRows4x16 = cpu::WeightLayout::kRows4x16;

#define LLMSIZER_MATMUL(dt_name, dt, isa_name, isa, act, err, kmul)             \
  KernelEntry {                                                                 \
    "matmul_" dt_name "_" isa_name, OpKind::kMatmul, dt, isa, act,              \
        MatmulKernelFn{run_matmul<isa>}, err, kmul, matmul_cost_of<dt>, kBlocks \
  }
// q8_0 / q4_0 weights regrouped on load (cpu::WeightLayout::kRows4x16).
#define LLMSIZER_MATMUL_G16(dt_name, dt, isa_name, isa)                                         \
  KernelEntry {                                                                                 \
    "matmul_" dt_name "_" isa_name "_rows4x16", OpKind::kMatmul, dt, isa, ActQuant::kQ8Block32, \
        MatmulKernelFn{run_matmul<isa>}, kQuantError, 32, matmul_cost_of<dt>, kRows4x16         \
  }
#define LLMSIZER_OP(name, op, isa, fn_type, fn, cost)                           \
  KernelEntry {                                                                 \
    name, op, DType::kF32, isa, kNoQ, fn_type{fn}, kElemError, 1, cost, kBlocks \
  }
#define LLMSIZER_EMBEDDING(dt_name, dt, isa_name, isa)                               \
  KernelEntry {                                                                      \
    "embedding_" dt_name "_" isa_name, OpKind::kEmbedding, dt, isa, kNoQ,            \
        EmbeddingKernelFn{run_embedding<isa>}, kExact,                               \
        static_cast<int>(core::info(dt).block_elems), embedding_cost_of<dt>, kBlocks \
  }
#define LLMSIZER_KV_APPEND(dt_name, dt, isa_name, isa)                                  \
  KernelEntry {                                                                         \
    "kv_append_" dt_name "_" isa_name, OpKind::kKvAppend, dt, isa, kNoQ,                \
        KvAppendKernelFn{run_kv_append<isa>}, kExact, 1, kv_append_cost_of<dt>, kBlocks \
  }
#define LLMSIZER_DECODE(dt_name, dt, isa_name, isa)                                       \
  KernelEntry {                                                                           \
    "attention_decode_" dt_name "_" isa_name, OpKind::kAttentionDecode, dt, isa, kNoQ,    \
        AttentionKernelFn{run_decode<isa>}, kElemError, 1, attention_cost_of<dt>, kBlocks \
  }

constexpr Isa kAvx512Vnni = Isa::kAvx512Vnni;
constexpr Isa kAvx2 = Isa::kAvx2;
constexpr Isa kPortable = Isa::kPortable;

const KernelEntry kTable[] = {
    LLMSIZER_MATMUL("f32", DType::kF32, "avx2", kAvx2, kNoQ, kF32Error, 1),
    LLMSIZER_MATMUL("f32", DType::kF32, "portable", kPortable, kNoQ, kF32Error, 1),
    LLMSIZER_MATMUL("f16", DType::kF16, "avx2", kAvx2, kNoQ, kF32Error, 1),
    LLMSIZER_MATMUL("f16", DType::kF16, "portable", kPortable, kNoQ, kF32Error, 1),
    LLMSIZER_MATMUL("bf16", DType::kBF16, "avx2", kAvx2, kNoQ, kF32Error, 1),
    LLMSIZER_MATMUL("bf16", DType::kBF16, "portable", kPortable, kNoQ, kF32Error, 1),
    LLMSIZER_MATMUL_G16("q8_0", DType::kQ8_0, "avx512vnni", kAvx512Vnni),
    LLMSIZER_MATMUL("q8_0", DType::kQ8_0, "avx512vnni", kAvx512Vnni, ActQuant::kQ8Block32,
                    kQuantError, 32),
    LLMSIZER_MATMUL("q8_0", DType::kQ8_0, "avx2", kAvx2, ActQuant::kQ8Block32, kQuantError, 32),
    LLMSIZER_MATMUL("q8_0", DType::kQ8_0, "portable", kPortable, ActQuant::kQ8Block32, kQuantError,
                    32),
    LLMSIZER_MATMUL_G16("q8_0", DType::kQ8_0, "portable", kPortable),
    LLMSIZER_MATMUL_G16("q4_0", DType::kQ4_0, "avx512vnni", kAvx512Vnni),
    LLMSIZER_MATMUL("q4_0", DType::kQ4_0, "avx512vnni", kAvx512Vnni, ActQuant::kQ8Block32,
                    kQuantError, 32),
    LLMSIZER_MATMUL("q4_0", DType::kQ4_0, "avx2", kAvx2, ActQuant::kQ8Block32, kQuantError, 32),
    LLMSIZER_MATMUL("q4_0", DType::kQ4_0, "portable", kPortable, ActQuant::kQ8Block32, kQuantError,
                    32),
    LLMSIZER_MATMUL_G16("q4_0", DType::kQ4_0, "portable", kPortable),
    LLMSIZER_MATMUL("q4_k", DType::kQ4_K, "avx512vnni", kAvx512Vnni, ActQuant::kQ8Block256,
                    kQuantError, 256),
    LLMSIZER_MATMUL("q4_k", DType::kQ4_K, "avx2", kAvx2, ActQuant::kQ8Block256, kQuantError, 256),
    LLMSIZER_MATMUL("q4_k", DType::kQ4_K, "portable", kPortable, ActQuant::kQ8Block256, kQuantError,
                    256),

    LLMSIZER_OP("rmsnorm_avx2", OpKind::kRmsNorm, kAvx2, NormKernelFn, run_rmsnorm<kAvx2>,
                norm_cost_of),
    LLMSIZER_OP("rmsnorm_portable", OpKind::kRmsNorm, kPortable, NormKernelFn,
                run_rmsnorm<kPortable>, norm_cost_of),
    LLMSIZER_OP("layernorm_avx2", OpKind::kLayerNorm, kAvx2, NormKernelFn, run_layernorm<kAvx2>,
                norm_cost_of),
    LLMSIZER_OP("layernorm_portable", OpKind::kLayerNorm, kPortable, NormKernelFn,
                run_layernorm<kPortable>, norm_cost_of),
    LLMSIZER_OP("rope_interleaved_avx2", OpKind::kRopeInterleaved, kAvx2, RopeKernelFn,
                (run_rope<kAvx2, RopeStyle::kInterleaved>), rope_cost_of),
    LLMSIZER_OP("rope_interleaved_portable", OpKind::kRopeInterleaved, kPortable, RopeKernelFn,
                (run_rope<kPortable, RopeStyle::kInterleaved>), rope_cost_of),
    LLMSIZER_OP("rope_half_split_avx2", OpKind::kRopeHalfSplit, kAvx2, RopeKernelFn,
                (run_rope<kAvx2, RopeStyle::kHalfSplit>), rope_cost_of),
    LLMSIZER_OP("rope_half_split_portable", OpKind::kRopeHalfSplit, kPortable, RopeKernelFn,
                (run_rope<kPortable, RopeStyle::kHalfSplit>), rope_cost_of),
    LLMSIZER_OP("silu_avx2", OpKind::kSilu, kAvx2, UnaryKernelFn,
                (run_activation<kAvx2, Activation::kSilu>), activation_cost_of),
    LLMSIZER_OP("silu_portable", OpKind::kSilu, kPortable, UnaryKernelFn,
                (run_activation<kPortable, Activation::kSilu>), activation_cost_of),
    LLMSIZER_OP("gelu_avx2", OpKind::kGelu, kAvx2, UnaryKernelFn,
                (run_activation<kAvx2, Activation::kGelu>), activation_cost_of),
    LLMSIZER_OP("gelu_portable", OpKind::kGelu, kPortable, UnaryKernelFn,
                (run_activation<kPortable, Activation::kGelu>), activation_cost_of),
    LLMSIZER_OP("swiglu_avx2", OpKind::kSwiGlu, kAvx2, UnaryKernelFn,
                (run_activation<kAvx2, Activation::kSilu>), gated_cost_of),
    LLMSIZER_OP("swiglu_portable", OpKind::kSwiGlu, kPortable, UnaryKernelFn,
                (run_activation<kPortable, Activation::kSilu>), gated_cost_of),
    LLMSIZER_OP("geglu_avx2", OpKind::kGeGlu, kAvx2, UnaryKernelFn,
                (run_activation<kAvx2, Activation::kGelu>), gated_cost_of),
    LLMSIZER_OP("geglu_portable", OpKind::kGeGlu, kPortable, UnaryKernelFn,
                (run_activation<kPortable, Activation::kGelu>), gated_cost_of),
    LLMSIZER_OP("softmax_avx2", OpKind::kSoftmax, kAvx2, SoftmaxKernelFn, run_softmax<kAvx2>,
                softmax_cost_of),
    LLMSIZER_OP("softmax_portable", OpKind::kSoftmax, kPortable, SoftmaxKernelFn,
                run_softmax<kPortable>, softmax_cost_of),
    LLMSIZER_OP("attention_prefill_f32_avx2", OpKind::kAttentionPrefill, kAvx2, AttentionKernelFn,
                run_prefill<kAvx2>, attention_cost_of<DType::kF32>),
    LLMSIZER_OP("attention_prefill_f32_portable", OpKind::kAttentionPrefill, kPortable,
                AttentionKernelFn, run_prefill<kPortable>, attention_cost_of<DType::kF32>),
    LLMSIZER_DECODE("f32", DType::kF32, "avx2", kAvx2),
    LLMSIZER_DECODE("f32", DType::kF32, "portable", kPortable),
    LLMSIZER_DECODE("f16", DType::kF16, "avx2", kAvx2),
    LLMSIZER_DECODE("f16", DType::kF16, "portable", kPortable),
    LLMSIZER_DECODE("q8_0", DType::kQ8_0, "avx2", kAvx2),
    LLMSIZER_DECODE("q8_0", DType::kQ8_0, "portable", kPortable),
    LLMSIZER_OP("add_avx2", OpKind::kAdd, kAvx2, UnaryKernelFn, run_add<kAvx2>, add_cost_of),
    LLMSIZER_OP("add_portable", OpKind::kAdd, kPortable, UnaryKernelFn, run_add<kPortable>,
                add_cost_of),
    LLMSIZER_EMBEDDING("f32", DType::kF32, "avx2", kAvx2),
    LLMSIZER_EMBEDDING("f32", DType::kF32, "portable", kPortable),
    LLMSIZER_EMBEDDING("f16", DType::kF16, "avx2", kAvx2),
    LLMSIZER_EMBEDDING("f16", DType::kF16, "portable", kPortable),
    LLMSIZER_EMBEDDING("bf16", DType::kBF16, "avx2", kAvx2),
    LLMSIZER_EMBEDDING("bf16", DType::kBF16, "portable", kPortable),
    LLMSIZER_EMBEDDING("q8_0", DType::kQ8_0, "avx2", kAvx2),
    LLMSIZER_EMBEDDING("q8_0", DType::kQ8_0, "portable", kPortable),
    LLMSIZER_EMBEDDING("q4_0", DType::kQ4_0, "avx2", kAvx2),
    LLMSIZER_EMBEDDING("q4_0", DType::kQ4_0, "portable", kPortable),
    LLMSIZER_EMBEDDING("q4_k", DType::kQ4_K, "avx2", kAvx2),
    LLMSIZER_EMBEDDING("q4_k", DType::kQ4_K, "portable", kPortable),
    LLMSIZER_KV_APPEND("f32", DType::kF32, "avx2", kAvx2),
    LLMSIZER_KV_APPEND("f32", DType::kF32, "portable", kPortable),
    LLMSIZER_KV_APPEND("f16", DType::kF16, "avx2", kAvx2),
    LLMSIZER_KV_APPEND("f16", DType::kF16, "portable", kPortable),
    LLMSIZER_KV_APPEND("q8_0", DType::kQ8_0, "avx2", kAvx2),
    LLMSIZER_KV_APPEND("q8_0", DType::kQ8_0, "portable", kPortable),
};

#undef LLMSIZER_MATMUL
#undef LLMSIZER_MATMUL_G16
#undef LLMSIZER_OP
#undef LLMSIZER_DECODE
#undef LLMSIZER_EMBEDDING
#undef LLMSIZER_KV_APPEND

}  // namespace

std::span<const KernelEntry> registry() {
  return kTable;
}

const KernelEntry* find_kernel(std::string_view name) {
  for (const auto& e : kTable)
    if (name == e.name) return &e;
  return nullptr;
}

bool runs_here(const KernelEntry& e) {
  return cpu::isa_supported(e.isa);
}

const KernelEntry* best_kernel(OpKind op, core::DType dtype) {
  for (const auto& e : kTable)
    if (e.op == op && e.dtype == dtype && runs_here(e)) return &e;
  return nullptr;
}

const KernelEntry* best_kernel(OpKind op, core::DType dtype, cpu::WeightLayout layout) {
  for (const auto& e : kTable)
    if (e.op == op && e.dtype == dtype && e.layout == layout && runs_here(e)) return &e;
  return nullptr;
}

}  // namespace llmsizer::kernels
