// registry.h — the explicit list of every kernel: name, op kind, dtype, instruction set,
// entry point, error bound against its naive reference, and its FLOP/byte counts from core/.
// Tests run every entry against its reference; the profiler measures them. Adding a kernel =
// one function + one line in registry.cc. The table is immutable (thread-safe).
#pragma once

#include <cstdint>
#include <span>
#include <string_view>
#include <variant>

#include "core/dtype.h"
#include "core/op_cost.h"
#include "core/op_graph.h"
#include "kernels/cpu/attention.h"
#include "kernels/cpu/isa.h"
#include "kernels/cpu/matmul.h"
#include "kernels/cpu/ops.h"
#include "kernels/cpu/thread_pool.h"
#include "kernels/cpu/workspace.h"

namespace llmsizer::kernels {

// The op vocabulary is core's (core/op_graph.h): the kinds with a kernel are its first
// core::kKernelOpKindCount entries, each with its reference twin in kernels/reference/
// (x + up for kAdd).
using core::OpKind;
using core::OpShape;

// How a matmul treats its f32 activations before multiplying (part of the op's definition;
// the reference applies the same reference::quantize_act_* first).
enum class ActQuant : std::uint8_t {
  kNone,
  kQ8Block32,   // reference::quantize_act_q8 (q8_0 and q4_0 weights)
  kQ8Block256,  // reference::quantize_act_q8k (q4_k weights)
};

using MatmulKernelFn = void (*)(const cpu::MatmulArgs&, cpu::ThreadPool&, cpu::Workspace&);
using NormKernelFn = void (*)(const cpu::NormArgs&, cpu::ThreadPool&, cpu::Workspace&);
using RopeKernelFn = void (*)(const cpu::RopeArgs&, cpu::ThreadPool&, cpu::Workspace&);
using UnaryKernelFn = void (*)(const cpu::UnaryArgs&, cpu::ThreadPool&, cpu::Workspace&);
using SoftmaxKernelFn = void (*)(const cpu::SoftmaxArgs&, cpu::ThreadPool&, cpu::Workspace&);
using AttentionKernelFn = void (*)(const cpu::AttentionArgs&, cpu::ThreadPool&, cpu::Workspace&);
using EmbeddingKernelFn = void (*)(const cpu::EmbeddingArgs&, cpu::ThreadPool&, cpu::Workspace&);
using KvAppendKernelFn = void (*)(const cpu::KvAppendArgs&, cpu::ThreadPool&, cpu::Workspace&);
// The entry point; its alternative follows from the OpKind (matmul -> MatmulKernelFn, norms
// -> NormKernelFn, RoPE -> RopeKernelFn, activations and add -> UnaryKernelFn, softmax ->
// SoftmaxKernelFn, attention -> AttentionKernelFn, embedding -> EmbeddingKernelFn, KV append
// -> KvAppendKernelFn).
using KernelFn =
    std::variant<MatmulKernelFn, NormKernelFn, RopeKernelFn, UnaryKernelFn, SoftmaxKernelFn,
                 AttentionKernelFn, EmbeddingKernelFn, KvAppendKernelFn>;

struct KernelEntry {
  const char* name;  // unique, e.g. "matmul_q4_0_avx2"
  OpKind op;
  core::DType dtype;  // weights (matmul), table (embedding) or KV cache; f32 for the others
  cpu::Isa isa;       // the entry runs only where cpu::isa_supported(isa)
  ActQuant act_quant;
  KernelFn fn;
  // Largest allowed error against the reference, normalised per output: for matmul
  // |y - y_ref| / sum_k |x_k w_k| (the scale of a dot product's rounding error); for every
  // other op |y - y_ref| / (1 + |y_ref|).
  double max_error;
  int k_multiple;  // matmul: k must be divisible by this (the weight block size)
  core::OpCost (*cost)(const OpShape& shape);  // FLOPs and bytes (core/op_cost.h)
  // Matmul: the layout its MatmulWeights must be in (pack_rows4x16 for kRows4x16); the
  // stored bytes and the costs are the same in both. kBlocks for every other op.
  cpu::WeightLayout layout;
};

// Every kernel, the fastest variant of each (op, dtype) first.
std::span<const KernelEntry> registry();
// nullptr when no entry has that name.
const KernelEntry* find_kernel(std::string_view name);
// The first entry for (op, dtype) that runs on this host; nullptr when there is none.
const KernelEntry* best_kernel(OpKind op, core::DType dtype);
// The same among the entries that read weights in `layout` (e.g. kBlocks for weights that
// cannot be rewritten, such as a read-only mapped file).
const KernelEntry* best_kernel(OpKind op, core::DType dtype, cpu::WeightLayout layout);
bool runs_here(const KernelEntry& e);

}  // namespace llmsizer::kernels
