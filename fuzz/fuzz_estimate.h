// fuzz_estimate.h — the deeper oracle for model targets (model_yaml, hf_config, gguf): an
// accepted model is estimated on a datasheet L4 (profiles/hardware/nvidia/l4.yaml, path
// compiled in as LLMSIZER_FUZZ_HARDWARE) at a small batch and a context within the model's
// maximum; every figure of the report must be finite. Finds UB (signed overflow) and NaN in
// core/ and estimator/ on architectures the schema accepts.
#pragma once

#include <algorithm>
#include <cmath>

#include "estimator/estimate.h"
#include "fuzz/fuzz_common.h"
#include "schema/hardware_spec.h"
#include "schema/model_spec.h"

namespace llmsizer::fuzz {

inline void estimate_model(const schema::ModelSpec& m) {
  static const schema::HardwareSpec hw = [] {
    core::Diagnostics d;
    auto h = schema::load_hardware_yaml(LLMSIZER_FUZZ_HARDWARE, d);
    require(h.has_value(), "the fuzz hardware profile does not load");
    return *h;
  }();
  estimator::EstimateRequest r;
  r.model = &m;
  r.hardware = &hw;
  r.batch = 8;
  const std::int64_t max_ctx = std::max<std::int64_t>(2, m.arch.max_context);
  r.prompt_tokens = std::clamp<std::int64_t>(max_ctx / 2, 1, 512);
  r.output_tokens = std::clamp<std::int64_t>(max_ctx - r.prompt_tokens, 1, 64);
  r.explain = true;
  if (!estimator::check_request(r).empty()) return;
  const auto rep = estimator::estimate(r);
  const auto& p = rep.perf;
  for (double v : {p.prefill_time_s, p.decode_time_per_step_s, p.ttft_s, p.tpot_s, p.e2e_s,
                   p.output_tokens_per_s, p.total_tokens_per_s, rep.memory.bits_per_weight})
    require(std::isfinite(v) && v >= 0, "a non-finite or negative figure in the estimate");
  for (const auto& op : p.ops)
    require(std::isfinite(op.time_s) && std::isfinite(op.flops) && std::isfinite(op.bytes),
            "a non-finite per-op figure");
}

}  // namespace llmsizer::fuzz
