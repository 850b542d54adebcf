// precision.cc — the default activation dtype (see precision.h).
#include "estimator/precision.h"

namespace llmsizer::estimator {

ActivationChoice default_activations(const core::WeightScheme& weights,
                                     const schema::HardwareSpec& hardware) {
  const bool fp8_weights =
      weights.base == core::DType::kFP8E4M3 || weights.base == core::DType::kFP8E5M2;
  if (fp8_weights && hardware.compute.peak_flop_per_s.count("fp8") > 0)
    return {core::DType::kFP8E4M3, "W8A8: fp8 weights on a device with fp8 tensor cores"};
  if (fp8_weights)
    return {core::DType::kF16, "weight-only fp8: the device has no fp8 tensor cores"};
  return {core::DType::kF16, "16-bit activations"};
}

}  // namespace llmsizer::estimator
