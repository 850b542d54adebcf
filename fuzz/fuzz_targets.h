// fuzz_targets.h — every fuzz target by name, for replaying saved inputs in the test suite
// (the fuzz/*.cc sources compiled with LLMSIZER_FUZZ_REPLAY; see fuzz_common.h).
#pragma once

#include <cstddef>
#include <cstdint>

int llmsizer_fuzz_expression(const std::uint8_t* data, std::size_t size);
int llmsizer_fuzz_gguf(const std::uint8_t* data, std::size_t size);
int llmsizer_fuzz_hardware_profile_yaml(const std::uint8_t* data, std::size_t size);
int llmsizer_fuzz_hardware_yaml(const std::uint8_t* data, std::size_t size);
int llmsizer_fuzz_hf_config(const std::uint8_t* data, std::size_t size);
int llmsizer_fuzz_model_yaml(const std::uint8_t* data, std::size_t size);
int llmsizer_fuzz_pricing_yaml(const std::uint8_t* data, std::size_t size);
int llmsizer_fuzz_slo(const std::uint8_t* data, std::size_t size);
int llmsizer_fuzz_study_yaml(const std::uint8_t* data, std::size_t size);
int llmsizer_fuzz_trace_csv(const std::uint8_t* data, std::size_t size);
int llmsizer_fuzz_units(const std::uint8_t* data, std::size_t size);
int llmsizer_fuzz_workload_yaml(const std::uint8_t* data, std::size_t size);

namespace llmsizer::fuzz {

struct Target {
  const char* name;
  int (*run)(const std::uint8_t* data, std::size_t size);
};

inline constexpr Target kTargets[] = {
    {"expression", llmsizer_fuzz_expression},
    {"gguf", llmsizer_fuzz_gguf},
    {"hardware_profile_yaml", llmsizer_fuzz_hardware_profile_yaml},
    {"hardware_yaml", llmsizer_fuzz_hardware_yaml},
    {"hf_config", llmsizer_fuzz_hf_config},
    {"model_yaml", llmsizer_fuzz_model_yaml},
    {"pricing_yaml", llmsizer_fuzz_pricing_yaml},
    {"slo", llmsizer_fuzz_slo},
    {"study_yaml", llmsizer_fuzz_study_yaml},
    {"trace_csv", llmsizer_fuzz_trace_csv},
    {"units", llmsizer_fuzz_units},
    {"workload_yaml", llmsizer_fuzz_workload_yaml},
};

}  // namespace llmsizer::fuzz
