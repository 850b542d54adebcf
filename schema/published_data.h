// published_data.h — published inference measurements and the map that ties their names to
// the catalog (docs/validation.md). The measurements come from the shared calibration set
// (profiles/published/published_calibration.yaml, a foreign file read as it is: unknown keys are
// allowed, wrong types are located errors); the `published-map` document
// (profiles/validation/published_map.yaml) is one of ours and is parsed strictly.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/diagnostics.h"
#include "core/dtype.h"
#include "core/weight_scheme.h"

namespace llmsizer::schema {

inline constexpr std::int64_t kPublishedMapSchemaVersion = 1;

// A length the entry states as a number, or the text it gives instead ("not stated ...").
struct PublishedLength {
  std::optional<std::int64_t> tokens;
  std::string text;  // set when the entry wrote a sentence instead of a number
};

// One entry of `measurements:`, with the fields the harness uses; the rest (source,
// secondary_metrics, dates, ...) stays in the file.
struct PublishedPoint {
  std::string id;
  core::SourceLocation where;  // the entry in its file
  std::string model;
  std::string hardware;
  std::string precision;
  std::int64_t hardware_count = 1;
  std::optional<std::int64_t> tp;
  std::optional<std::int64_t> pp;
  std::optional<std::int64_t> batch_size;
  PublishedLength input_len;
  PublishedLength output_len;
  std::string metric;  // e.g. "output_throughput_per_gpu", "decode_tokens_per_s (tg128)"
  double value = 0;
  std::string unit;    // e.g. "output tokens/s/GPU", "ms", "tokens/s"
  std::string regime;  // e.g. throughput_bound, decode_bound_batch1 (empty if not given)
  std::string engine;
  std::string batching;
  std::string notes;
};

struct PublishedSet {
  std::string file;
  std::string compiled;  // meta.compiled, when present
  std::vector<PublishedPoint> points;
};

// Reads the `measurements:` list of a calibration file. Other top-level sections are
// ignored. nullopt (with located errors) on syntax errors, wrong types, missing required
// fields (id, model, hardware, precision, metric, value, unit) and duplicate ids.
std::optional<PublishedSet> parse_published_yaml(std::string_view text, const std::string& file,
                                                 core::Diagnostics& diags);
std::optional<PublishedSet> load_published(const std::string& path, core::Diagnostics& diags);

// A published model or hardware id and the catalog name it means, or why it has none.
struct PublishedName {
  std::string published;
  std::string catalog;  // empty when `missing` says why there is no catalog entry
  std::string missing;
  std::string note;
};

// A published precision string and the llmsizer precision it means, or why it has none.
struct PublishedPrecision {
  std::string published;  // matched exactly
  std::optional<core::WeightScheme> weights;
  core::DType kv = core::DType::kF16;
  core::DType activations = core::DType::kF16;
  std::string missing;
  std::string note;
};

// A length to assume when an entry of an engine does not state it.
struct PublishedLengthDefault {
  std::string engine_prefix;  // matches entries whose `engine` starts with it
  std::optional<std::int64_t> input_len;
  std::optional<std::int64_t> output_len;
  std::string note;  // where the assumed value comes from
};

// How to read an ambiguous throughput unit for the listed entries (e.g. a table headed
// 'out tok/s' whose TP>1 rows are per GPU): the entry's own unit is kept, the reading noted.
struct PublishedUnitReading {
  std::vector<std::string> ids;
  bool per_device = false;
  std::string note;  // the evidence for the reading
};

struct PublishedMap {
  std::string id;
  std::string source;  // which calibration file it was written for
  std::vector<PublishedName> models;
  std::vector<PublishedName> hardware;
  std::vector<PublishedPrecision> precisions;
  std::vector<PublishedLengthDefault> unstated_lengths;
  std::vector<PublishedUnitReading> unit_readings;
};

std::optional<PublishedMap> parse_published_map_yaml(std::string_view text, const std::string& file,
                                                     core::Diagnostics& diags);
std::optional<PublishedMap> load_published_map(const std::string& path, core::Diagnostics& diags);

}  // namespace llmsizer::schema
