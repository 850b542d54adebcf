// hardware_spec.h — a datasheet device (profiles/hardware/): memory, dense peaks per dtype,
// links, power and published prices, each block with its source and date. Parsing never
// throws; problems are located Diagnostics.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/diagnostics.h"

namespace llmsizer::schema {

inline constexpr std::int64_t kHardwareSchemaVersion = 1;

enum class HardwareClass {
  kDatacenterGpu,
  kWorkstationGpu,
  kConsumerGpu,
  kAppleSoc,
  kServerCpu,
  kDesktopCpu,
};
const char* to_string(HardwareClass c);

struct Provenance {
  std::string source;
  std::string as_of;
};

struct HardwareMemory {
  std::uint64_t capacity_bytes = 0;
  double bandwidth_bytes_per_s = 0;
  std::string kind;
  Provenance from;
};

struct HardwareCompute {
  // Dense peaks by dtype key: f64 f32 tf32 f16 bf16 fp8 int8 int4.
  std::map<std::string, double> peak_flop_per_s;
  std::int64_t units = 0;
  Provenance from;
};

struct HardwareLink {
  std::string kind;
  double bandwidth_bytes_per_s = 0;  // per direction
  Provenance from;
};

struct HardwarePower {
  double tdp_w = 0;
  Provenance from;
};

struct HardwarePrice {
  std::optional<double> purchase_usd;
  std::optional<double> cloud_usd_per_hour;
  std::string cloud_provider;
  Provenance from;
};

// Optional calibration of the time model for this device (docs/schema/hardware.md):
// fractions of the datasheet peaks that real kernels reach, and fixed costs. Unset fields
// fall back to the per-class defaults (basis: assumed).
struct HardwareEfficiency {
  std::optional<double> compute;            // (0, 1]
  std::optional<double> memory;             // (0, 1]
  std::optional<double> kernel_overhead_s;  // per kernel launch / parallel region
  std::optional<double> link_latency_s;     // per collective step
  std::string note;                         // where the values came from
};

struct HardwareSpec {
  std::string id;
  std::string short_name;
  std::vector<std::string> aliases;
  std::string name;
  std::string vendor;
  HardwareClass hw_class = HardwareClass::kDatacenterGpu;
  HardwareMemory memory;
  HardwareCompute compute;
  std::optional<HardwareLink> interconnect;
  std::optional<HardwareLink> host_link;
  HardwarePower power;
  std::optional<HardwarePrice> price;
  std::optional<HardwareEfficiency> efficiency;
  std::string notes;
  std::string origin_path;

  bool is_gpu() const {
    return hw_class == HardwareClass::kDatacenterGpu ||
           hw_class == HardwareClass::kWorkstationGpu || hw_class == HardwareClass::kConsumerGpu;
  }
};

const std::vector<std::string>& peak_dtype_keys();

std::optional<HardwareSpec> parse_hardware_yaml(std::string_view text, const std::string& file,
                                                core::Diagnostics& diags);
std::optional<HardwareSpec> load_hardware_yaml(const std::string& path, core::Diagnostics& diags);
std::string write_hardware_yaml(const HardwareSpec& h);

}  // namespace llmsizer::schema
