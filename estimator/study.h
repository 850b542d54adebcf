// study.h — the study engine (docs/studies.md): expands a StudySpec's sweep into points
// (mixed-radix over grid x ranges, times the zipped lists; never materialised), checks every
// name, number and expression against the catalogs before anything runs (located errors),
// and evaluates any slice of points [begin, end) with the chosen command into result rows
// that pass the constraints, with derived columns appended. Deterministic: a point's row
// depends only on its index. Thread-safe: one EvalCache per thread.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/diagnostics.h"
#include "core/expression.h"
#include "estimator/measured_time.h"
#include "estimator/performance.h"
#include "schema/catalog.h"
#include "schema/pricing.h"
#include "schema/study.h"
#include "schema/workload.h"

namespace llmsizer::estimator {

struct StudyColumn {
  std::string name;
  bool text = false;  // identifiers (model, hardware, ...); else numbers
  std::string unit;   // for reports, e.g. "s", "tokens/s", "$/hour", "GiB"
};

// One result row: numbers for numeric columns (NaN = no value), strings for text columns.
struct StudyRow {
  std::uint64_t point = 0;
  std::vector<double> num;        // by column index (text columns hold NaN)
  std::vector<std::string> text;  // by column index (numeric columns hold "")
};

// Per-thread caches of prepared models (building a PerfModel costs ~100 us; evaluating it
// ~1 us), keyed by the structural parameters of a point.
struct StudyCache {
  struct Prepared {
    bool valid = false;
    const schema::ModelSpec* model = nullptr;
    const schema::HardwareSpec* hardware = nullptr;
    Deployment setup;
    std::shared_ptr<const PerfModel> perf;
    double weights_bytes = 0;             // per device
    double overhead_bytes = 0;            // per device
    double rent_usd_per_device_hour = 0;  // NaN when no published price
  };
  std::map<std::string, std::shared_ptr<const Prepared>> perf;
  std::map<std::string, std::shared_ptr<const schema::Workload>> workloads;
};

// Hardware entries of the catalog that stand for a measured profile ("measured:<id>"): their
// ops are timed from the profile's kernel tables (measured_time.h). Keyed by short name.
using MeasuredHardware = std::map<std::string, std::shared_ptr<const MeasuredTimeModel>>;

// The distinct "measured:<profile id or path>" hardware values of a study (base, grid, zip).
inline constexpr std::string_view kMeasuredHardwarePrefix = "measured:";
std::vector<const schema::StudyValue*> measured_hardware_refs(const schema::StudySpec& spec);
// Adds profile `p` to `cat` as hardware named `name` (hardware_from_profile at the profile's
// largest thread count) and its time model to `out`.
void add_measured_hardware(const std::string& name, const schema::HardwareProfile& p,
                           schema::Catalog& cat, MeasuredHardware& out);

class Study {
 public:
  static std::optional<Study> prepare(const schema::StudySpec& spec, const schema::Catalog& catalog,
                                      const schema::PriceCatalog& prices, core::Diagnostics& d,
                                      MeasuredHardware measured = {});

  std::uint64_t point_count() const { return points_; }
  const std::vector<StudyColumn>& columns() const { return columns_; }
  const schema::StudySpec& spec() const { return spec_; }
  // Evaluates points [begin, end); rows that pass the constraints go to `sink` in order.
  void evaluate(std::uint64_t begin, std::uint64_t end, StudyCache& cache,
                const std::function<void(StudyRow&&)>& sink) const;
  // The value of every axis key at a point (base values included), for reports.
  std::map<std::string, std::string> parameters(std::uint64_t point) const;
  int column_index(const std::string& name) const;  // -1 when absent

 private:
  struct Axis {
    std::string key;
    std::vector<std::string> values;
  };
  const std::string& value(std::uint64_t point, const std::string& key) const;
  bool evaluate_point(std::uint64_t point, StudyCache& cache, StudyRow& row) const;
  // One evaluator each, on a point whose deployment is prepared (study.cc).
  struct Point;
  bool evaluate_estimate(Point& p) const;
  bool evaluate_serve(Point& p) const;
  bool evaluate_plan(Point& p) const;
  bool evaluate_compare(Point& p) const;

  schema::StudySpec spec_;
  const schema::Catalog* catalog_ = nullptr;
  const schema::PriceCatalog* prices_ = nullptr;
  MeasuredHardware measured_;
  std::string base_dir_;
  std::map<std::string, std::string> base_;
  std::vector<Axis> product_;  // grid + ranges, the last axis varies fastest
  std::vector<Axis> zip_;
  std::uint64_t zip_len_ = 1;
  std::uint64_t points_ = 1;
  std::vector<StudyColumn> columns_;
  std::size_t base_columns_ = 0;  // before derived columns
  std::vector<core::Expression> constraints_;
  std::vector<core::Expression> derived_;
  std::vector<int> col_;  // index of each column evaluate_point() sets (-1: not shown)
};

// The option keys an evaluator takes (for validation and docs).
const std::vector<std::string>& study_keys(const std::string& evaluate);

}  // namespace llmsizer::estimator
