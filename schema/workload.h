// workload.h — a serving workload: how requests arrive and how long their prompts and
// outputs are (docs/schema/workload.md). Parsed strictly like every document; a trace CSV
// (arrival_s,prompt_tokens,output_tokens) is read with located errors.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/diagnostics.h"

namespace llmsizer::schema {

inline constexpr std::int64_t kWorkloadSchemaVersion = 1;

enum class ArrivalKind { kPoisson, kGamma, kTrace };
enum class LengthKind { kFixed, kUniform, kNormal, kLognormal, kEmpirical };

struct LengthSpec {
  LengthKind kind = LengthKind::kFixed;
  double value = 0;   // fixed
  double mean = 0;    // normal, lognormal (of the lengths themselves)
  double stddev = 0;  // normal, lognormal
  std::int64_t min = 1;
  std::int64_t max = 1 << 20;
};

struct TraceRow {
  double arrival_s = 0;
  std::int64_t prompt_tokens = 0;
  std::int64_t output_tokens = 0;
};

struct Workload {
  std::string id;
  std::string name;
  ArrivalKind arrival = ArrivalKind::kPoisson;
  double rate_per_s = 1;  // poisson, gamma
  double cv = 1;          // gamma: coefficient of variation of inter-arrival gaps
  std::string trace_path;
  core::SourceLocation trace_where;  // where the YAML names the trace (for messages)
  std::vector<TraceRow> trace;
  LengthSpec prompt;
  LengthSpec output;
  double shared_prefix_fraction = 0;  // of each prompt, served from the prefix cache
  std::int64_t requests = 1000;
  std::uint64_t seed = 1;
  std::string source;  // where the distributions come from (assumed, a trace, a paper)
  std::string notes;
};

std::optional<Workload> parse_workload_yaml(std::string_view text, const std::string& file,
                                            core::Diagnostics& diags);
// Loads the YAML and, for trace arrivals, the CSV it names (relative to the YAML's folder).
std::optional<Workload> load_workload(const std::string& path, core::Diagnostics& diags);
std::optional<std::vector<TraceRow>> load_trace_csv(const std::string& path,
                                                    core::Diagnostics& diags);
std::string write_workload_yaml(const Workload& w);

}  // namespace llmsizer::schema
