// precision.h — the one precision rule of every command (docs/cost-model.md#precision):
// what the activations (the matmul inputs) are computed in when the user does not say.
#pragma once

#include <string>

#include "core/dtype.h"
#include "core/weight_scheme.h"
#include "schema/hardware_spec.h"

namespace llmsizer::estimator {

struct ActivationChoice {
  core::DType dtype = core::DType::kF16;
  std::string why;  // for the output, e.g. "W8A8: fp8 weights on a device with fp8 tensor cores"
};

// FP8 weights on a device with an FP8 tensor-core peak run FP8 activations (W8A8), as
// vLLM, SGLang and TensorRT-LLM do on Hopper and later; every other scheme (16-bit, int8/int4
// weight-only, GGUF) runs 16-bit activations.
ActivationChoice default_activations(const core::WeightScheme& weights,
                                     const schema::HardwareSpec& hardware);

}  // namespace llmsizer::estimator
