// memory.h — memory sizing of a model on a device under tensor/pipeline parallelism
// (docs/cost-model.md#memory). Pure functions: structs in, structs out; no I/O.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/dtype.h"
#include "core/model_arch.h"
#include "core/weight_scheme.h"
#include "estimator/command_args.h"
#include "schema/hardware_spec.h"
#include "schema/model_spec.h"

namespace llmsizer::estimator {

struct Parallelism {
  std::int64_t tp = 1;  // tensor parallel degree
  std::int64_t pp = 1;  // pipeline stages
  std::int64_t devices() const { return tp * pp; }
};

// Problems with a parallel layout for a model ("tp 3 does not divide 32 heads"); empty = ok.
std::vector<std::string> check_parallelism(const core::ModelArch& a, const Parallelism& p);

struct MemoryInputs {
  const schema::ModelSpec* model = nullptr;
  core::WeightScheme weights;
  core::DType kv = core::DType::kF16;
  core::DType activations = core::DType::kF16;
  Parallelism par;
  std::int64_t batch = 1;
  std::int64_t prompt_tokens = 512;
  std::int64_t output_tokens = 512;
  // Prefill tokens per engine step (chunked prefill, serve's --max-batched-tokens); 0: the
  // whole batch x prompt in one step. Sizes the activations (docs/cost-model.md#memory).
  std::int64_t prefill_chunk_tokens = kServeArgs.max_batched_tokens;
  std::uint64_t capacity_bytes = 0;             // per device
  std::optional<std::uint64_t> overhead_bytes;  // per device; default by hardware class
  schema::HardwareClass hw_class = schema::HardwareClass::kDatacenterGpu;
};

struct MemoryBreakdown {
  std::uint64_t weights_bytes = 0;        // most loaded device
  std::uint64_t weights_bytes_total = 0;  // whole model, unsplit
  double bits_per_weight = 0;
  std::uint64_t kv_bytes_per_token = 0;  // most loaded device, one token of one sequence
  std::uint64_t kv_cache_bytes = 0;      // most loaded device, batch x (prompt + output)
  std::uint64_t activation_bytes = 0;    // per device peak
  std::uint64_t overhead_bytes = 0;
  std::string overhead_basis;
  std::uint64_t total_bytes = 0;
  std::uint64_t capacity_bytes = 0;
  bool fits = false;
  std::string reason;
  std::int64_t max_batch = 0;    // at prompt + output tokens per sequence
  std::int64_t max_context = 0;  // at the given batch, capped at the model's max_context
};

// KV heads one tensor-parallel rank holds (split when tp divides them, else one replica).
std::int64_t kv_heads_per_device(const core::ModelArch& a, std::int64_t tp);
// Fraction of a tensor one tensor-parallel rank stores (1 for replicated tensors).
double tp_share(const core::ModelArch& a, const core::TensorInfo& t, std::int64_t tp);

// Weight bytes of the model on the most loaded device (exact GGUF bytes when the model came
// from a GGUF file and the scheme is "as stored"; otherwise the scheme's per-tensor dtypes).
std::uint64_t weights_bytes_per_device(const schema::ModelSpec& m, const core::WeightScheme& s,
                                       const Parallelism& p, bool as_stored);

// KV-cache bytes per device for one sequence of `context` tokens.
std::uint64_t kv_bytes_per_device(const core::ModelArch& a, core::DType kv, const Parallelism& p,
                                  std::int64_t context);

// Peak transient activation bytes per device of one engine step of `step_tokens` tokens
// over `sequences` sequences (each with its logits).
std::uint64_t step_activation_bytes(const core::ModelArch& a, core::DType act, const Parallelism& p,
                                    std::int64_t step_tokens, std::int64_t sequences);

// The tokens of the largest step of serving `batch` sequences of `prompt_tokens`: with
// chunked prefill (chunk > 0) at most `chunk`, else the whole batch x prompt; never fewer
// than the batch (a decode step). The one rule behind every command's activation memory.
std::int64_t largest_step_tokens(std::int64_t batch, std::int64_t prompt_tokens,
                                 std::int64_t chunk);

// The most sequences of `prompt_tokens` that fit in `room` bytes per device when each
// holds `kv_per_sequence` bytes of KV cache and the largest step's activations (above) come
// on top: the largest B with B * kv_per_sequence + step_activation_bytes(largest step) <=
// room (exact; the activations are piecewise linear in B). 0 when not one fits.
double max_batch_in(double room, double kv_per_sequence, const core::ModelArch& a, core::DType act,
                    const Parallelism& p, std::int64_t prompt_tokens, std::int64_t chunk);

// Runtime reserve per device by hardware class, with its basis text.
std::pair<std::uint64_t, std::string> default_overhead(schema::HardwareClass c,
                                                       std::uint64_t capacity_bytes);

// KV-cache tokens one replica can hold beside its weights, overhead and the activations of
// a step of `step_tokens` tokens (the serving simulator's block pool); 0 when nothing fits.
std::int64_t kv_token_capacity(const MemoryInputs& in, std::int64_t step_tokens);

MemoryBreakdown size_memory(const MemoryInputs& in, bool weights_as_stored = false);

}  // namespace llmsizer::estimator
