// deployment.h — the one description of a deployment every command and study resolves into
// (docs/architecture.md#deployment): a model on a device, its precision (weights, KV cache,
// activations), the parallel layout, the memory reserve, time-model overrides and, when ops
// are timed from measurements, the measured profile. PerfModel, the memory model, the
// serving simulator, the planner and estimate() all take it; check_deployment() is the one
// place its values are validated.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/dtype.h"
#include "core/weight_scheme.h"
#include "estimator/command_args.h"
#include "estimator/measured_time.h"
#include "estimator/memory.h"
#include "estimator/time_model.h"
#include "schema/hardware_spec.h"
#include "schema/model_spec.h"

namespace llmsizer::estimator {

struct Deployment {
  const schema::ModelSpec* model = nullptr;
  const schema::HardwareSpec* hardware = nullptr;
  std::optional<core::WeightScheme> weights;  // nullopt: bf16, or as stored for GGUF input
  core::DType kv = core::DType::kF16;
  core::DType activations = core::DType::kF16;
  // Why `activations` is what it is, for the output: "given (--activations)" or the reason
  // of the precision rule (estimator/precision.h). Empty: not said.
  std::string activations_basis;
  Parallelism par;
  std::int64_t ep = 1;  // expert parallel degree: 1, or tp (experts spread over the tp ranks)
  std::optional<std::uint64_t> overhead_bytes;  // per device; default by hardware class
  EfficiencyOverrides efficiency;
  // Prefill tokens per engine step (chunked prefill, as serving engines run it; serve's
  // --max-batched-tokens); 0: the whole batch x prompt at once. Sizes the activations.
  std::int64_t prefill_chunk_tokens = kServeArgs.max_batched_tokens;
  // When set, ops are timed from this measured profile (basis measured / interpolated /
  // roofline-measured) instead of the datasheet roofline; `hardware` should then be
  // hardware_from_profile() of the same profile. Must outlive every model built from it.
  const MeasuredTimeModel* measured = nullptr;

  // The weight scheme to time with: the given one, the GGUF file's own mix, or bf16.
  core::WeightScheme scheme() const;
  // No scheme given and the model is a GGUF file: its tensors keep their stored types.
  bool as_stored() const;
  // The memory model's inputs for `batch` sequences of prompt + output tokens.
  MemoryInputs memory_inputs(std::int64_t batch, std::int64_t prompt_tokens,
                             std::int64_t output_tokens) const;
};

// The dtype policy of every command and study: KV caches in the dtypes serving engines offer
// (vLLM and TensorRT-LLM fp8, llama.cpp's --cache-type-k/v block types), activations in float
// types. parse_*_dtype() returns nullopt with `why` = "'x' is not a KV-cache dtype (did you
// mean ...?); one of: ...".
const std::vector<std::string>& kv_cache_dtype_names();
const std::vector<std::string>& activation_dtype_names();
std::optional<core::DType> parse_kv_dtype(std::string_view s, std::string* why);
std::optional<core::DType> parse_activation_dtype(std::string_view s, std::string* why);

// Everything wrong with a deployment, one sentence each naming the option ("--tp 3 does not
// divide 32 heads", "--memory-eff nan is not a fraction in (0, 1]"); empty = it can be
// evaluated. Every command and study calls it before building a model from the deployment.
std::vector<std::string> check_deployment(const Deployment& d);

}  // namespace llmsizer::estimator
