// fuzz_hardware_profile_yaml.cc — libFuzzer target: schema::parse_hardware_profile_yaml (measured
// hardware-profile documents).
// Contract checked (fuzz_common.h): no crash/leak/UB; a rejection comes with an error; an
// accepted document written back parses again.
#include "fuzz/fuzz_common.h"
#include "schema/hardware_profile.h"

LLMSIZER_FUZZ_TARGET(hardware_profile_yaml) {
  using namespace llmsizer;
  return fuzz::document_target(
      data, size,
      [](std::string_view t, const std::string& f, core::Diagnostics& d) {
        return schema::parse_hardware_profile_yaml(t, f, d);
      },
      [](const auto& x) { return schema::write_hardware_profile_yaml(x); });
}
