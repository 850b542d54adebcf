// study_cmd.cc — `llmsizer study FILE`: run a what-if study on all cores in a deterministic
// order, stream every passing point to CSV/JSONL (constant memory), optionally one shard
// (--shard i/n) of it, merge shards (--merge), and write the report: Markdown with the
// question, assumptions and their sources, the top results, the winner and why, and SVG
// charts (also embedded in a self-contained HTML page), built by report/study_report.h.
// See docs/studies.md.
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <thread>

#include <fmt/format.h>

#include "cli/commands.h"
#include "cli/deployment.h"
#include "cli/output.h"
#include "cli/stop_signals.h"
#include "core/atomic_file.h"
#include "core/units.h"
#include "estimator/measured_time.h"
#include "estimator/study.h"
#include "report/study_report.h"
#include "report/study_results.h"
#include "schema/hardware_profile.h"
#include "schema/pricing.h"

namespace llmsizer::cli {

namespace fs = std::filesystem;

namespace {

// SIGINT/SIGTERM during a study (StopSignals): while results stream, workers stop at the
// next chunk, the temporaries are removed (core::AtomicFile's destructor) and the command exits
// 128+signal, so the folder keeps the old results or none, never half a file and no
// temporary. Later (merge, report) the short remaining writes finish, each atomically, and
// the command then exits 128+signal.

// True while f is fine; otherwise adds f's error, located at its path, to d.
bool file_ok(const core::AtomicFile& f, core::Diagnostics& d) {
  if (f.ok()) return true;
  d.error({f.path(), 0, 0}, "--out", f.error());
  return false;
}

}  // namespace

// Hardware values "measured:<profile id or path>" in a study stand for a measured hardware
// profile (<profiles>/measured/<id>.yaml, or the path), timed from its kernel tables.
static estimator::MeasuredHardware load_measured_hardware(const schema::StudySpec& spec,
                                                          const std::string& profiles_dir,
                                                          schema::Catalog& cat,
                                                          core::Diagnostics& d) {
  estimator::MeasuredHardware out;
  for (const auto* v : estimator::measured_hardware_refs(spec)) {
    const std::string ref = v->text.substr(estimator::kMeasuredHardwarePrefix.size());
    const bool is_path = ref.find('/') != std::string::npos || ref.ends_with(".yaml");
    const std::string path = is_path ? ref : profiles_dir + "/measured/" + ref + ".yaml";
    if (!fs::exists(path)) {
      d.error(v->where, "hardware",
              fmt::format("'{}': no measured profile {} (run llmsizer profile --out {})", v->text,
                          path, path));
      continue;
    }
    if (auto p = schema::load_hardware_profile_yaml(path, d))
      estimator::add_measured_hardware(v->text, *p, cat, out);
  }
  return out;
}

namespace {

// Everything a study run needs, filled in place (the study points into the catalogs).
struct StudyInputs {
  std::optional<schema::StudySpec> spec;
  std::optional<schema::Catalog> catalog;
  std::optional<schema::PriceCatalog> prices;
  std::optional<estimator::Study> study;
};

// The point resolution: the study document, the catalogs and the measured hardware it
// names, prepared into a Study. False (diagnostics in d) on bad input.
bool resolve_study(const GlobalOptions& g, const StudyOptions& o, StudyInputs& in,
                   core::Diagnostics& d) {
  in.spec = schema::load_study(o.file, d);
  in.catalog = catalog(g, d);
  in.prices = schema::load_price_catalog(g.profiles, d);
  if (!in.spec || !in.catalog || !in.prices) return false;
  auto measured = load_measured_hardware(*in.spec, g.profiles, *in.catalog, d);
  if (d.has_errors()) return false;
  in.study = estimator::Study::prepare(*in.spec, *in.catalog, *in.prices, d, std::move(measured));
  return in.study.has_value();
}

struct Shard {
  std::uint64_t i = 0, n = 1;
};

std::optional<Shard> parse_shard(const std::string& text, core::Diagnostics& d) {
  if (text.empty()) return Shard{};
  const auto slash = text.find('/');
  const auto i = slash == std::string::npos ? std::nullopt
                                            : core::parse_int(text.substr(0, slash), 0, 1 << 20);
  const auto n = slash == std::string::npos ? std::nullopt
                                            : core::parse_int(text.substr(slash + 1), 1, 1 << 20);
  if (!i || !n || *i >= *n) {
    d.error(kCmdLine, "--shard", fmt::format("'{}' is not i/n with 0 <= i < n (e.g. 0/4)", text));
    return std::nullopt;
  }
  return Shard{static_cast<std::uint64_t>(*i), static_cast<std::uint64_t>(*n)};
}

void print_progress(std::uint64_t done, std::uint64_t total,
                    std::chrono::steady_clock::time_point t0) {
  const double el = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  const double frac =
      static_cast<double>(done) / static_cast<double>(std::max<std::uint64_t>(1, total));
  const int bar = static_cast<int>(frac * 30);
  std::fprintf(stderr, "\r[%-30s] %5.1f%% %llu/%llu points, %.1f s left   ",
               std::string(static_cast<std::size_t>(bar), '#').c_str(), 100 * frac,
               static_cast<unsigned long long>(done), static_cast<unsigned long long>(total),
               frac > 0 ? el / frac - el : 0.0);
}

// Evaluates the shard's points and writes results(.shard-i-of-n).csv/.jsonl. Returns -1 when
// done, else the exit code.
int write_results(const StudyOptions& o, const estimator::Study& study, Shard shard,
                  const fs::path& out_dir, const std::string& stem, core::Diagnostics& d) {
  const auto& cols = study.columns();
  const bool tty = ::isatty(2) && !o.quiet;
  const std::uint64_t total = study.point_count();
  const std::uint64_t begin = total * shard.i / shard.n, end = total * (shard.i + 1) / shard.n;
  const fs::path csv_path = out_dir / (stem + ".csv");
  core::AtomicFile csv(csv_path.string());
  std::optional<core::AtomicFile> jsonl;
  if (study.spec().out_jsonl) jsonl.emplace((out_dir / (stem + ".jsonl")).string());
  if (!file_ok(csv, d) || (jsonl && !file_ok(*jsonl, d))) return fail(d);
  csv.write(report::results_csv_header(cols));
  // Waves of chunks: threads evaluate chunks in parallel; each wave is written in chunk
  // order, so the files are identical for any thread count, and memory stays bounded.
  const std::uint64_t chunk = 2048;
  const int threads = std::max(1, o.threads);
  const std::uint64_t wave = static_cast<std::uint64_t>(threads) * 8;
  std::vector<estimator::StudyCache> caches(static_cast<std::size_t>(threads));
  const auto t0 = std::chrono::steady_clock::now();
  std::uint64_t done = 0, passed = 0;
  for (std::uint64_t w0 = begin; w0 < end; w0 += chunk * wave) {
    const std::uint64_t w1 = std::min(end, w0 + chunk * wave);
    const std::uint64_t nchunks = (w1 - w0 + chunk - 1) / chunk;
    std::vector<std::string> csv_out(nchunks), json_out(nchunks);
    std::vector<std::uint64_t> counts(nchunks, 0);
    std::atomic<std::uint64_t> next{0};
    auto worker = [&](int t) {
      for (std::uint64_t c = next++; c < nchunks && !StopSignals::signal(); c = next++) {
        const std::uint64_t b = w0 + c * chunk, e = std::min(w1, b + chunk);
        study.evaluate(b, e, caches[static_cast<std::size_t>(t)], [&](estimator::StudyRow&& r) {
          ++counts[c];
          report::append_csv_row(r, cols, csv_out[c]);
          if (jsonl) report::append_jsonl_row(r, cols, json_out[c]);
        });
      }
    };
    std::vector<std::thread> pool;
    for (int t = 1; t < threads; ++t) pool.emplace_back(worker, t);
    worker(0);
    for (auto& t : pool) t.join();
    if (StopSignals::signal()) {
      if (tty) std::fprintf(stderr, "\n");
      std::fprintf(stderr, "interrupted: no results written (the old files, if any, are kept)\n");
      return 128 + StopSignals::signal();
    }
    for (std::uint64_t c = 0; c < nchunks; ++c) {
      csv.write(csv_out[c]);
      if (jsonl) jsonl->write(json_out[c]);
      passed += counts[c];
    }
    done += w1 - w0;
    if (tty) print_progress(done, end - begin, t0);
  }
  if (tty) std::fprintf(stderr, "\n");
  csv.commit();
  if (jsonl) jsonl->commit();
  if (!file_ok(csv, d) || (jsonl && !file_ok(*jsonl, d))) return fail(d);
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::fprintf(
      stdout,
      "%s: %llu points evaluated (%llu pass the constraints) in %.2f s on %d threads -> %s\n",
      study.spec().id.c_str(), static_cast<unsigned long long>(end - begin),
      static_cast<unsigned long long>(passed), secs, threads, csv_path.string().c_str());
  return -1;
}

// Concatenates results.shard-*-of-N.csv in shard order into results.csv. Returns -1 when
// done, else the exit code.
int merge_shards(const estimator::Study& study, const fs::path& out_dir, core::Diagnostics& d) {
  const std::string header = report::results_csv_header(study.columns());
  std::vector<fs::path> shards;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(out_dir, ec)) {
    const std::string n = e.path().filename().string();
    if (n.rfind("results.shard-", 0) == 0 && e.path().extension() == ".csv")
      shards.push_back(e.path());
  }
  auto shard_index = [](const fs::path& p) {
    return std::atoll(p.filename().string().c_str() + std::string("results.shard-").size());
  };
  std::sort(shards.begin(), shards.end(),
            [&](const fs::path& a, const fs::path& b) { return shard_index(a) < shard_index(b); });
  if (shards.empty()) {
    d.error({out_dir.string(), 0, 0}, "--merge", "no results.shard-*-of-*.csv files here");
    return fail(d);
  }
  for (std::size_t i = 0; i < shards.size(); ++i)
    if (shard_index(shards[i]) != static_cast<long long>(i)) {
      d.error({shards[i].string(), 0, 0}, "--merge", fmt::format("shard {} is missing", i));
      return fail(d);
    }
  core::AtomicFile csv((out_dir / "results.csv").string());
  csv.write(header);
  for (const auto& s : shards) {
    std::ifstream in(s);
    std::string line;
    bool first = true;
    while (std::getline(in, line)) {
      if (first) {
        first = false;
        if (line + "\n" != header) {
          d.error({s.string(), 1, 1}, "--merge",
                  "its columns differ from this study's (another study's shard?)");
          return fail(d);
        }
        continue;
      }
      csv.write(line + "\n");
    }
  }
  csv.commit();
  if (!file_ok(csv, d)) return fail(d);
  std::fprintf(stdout, "%s: merged %zu shards -> %s\n", study.spec().id.c_str(), shards.size(),
               (out_dir / "results.csv").string().c_str());
  return -1;
}

// The report, built from results.csv streamed back (report/study_report.h), and its files.
int write_report(const GlobalOptions& g, const StudyOptions& o, const StudyInputs& in,
                 const fs::path& out_dir, core::Diagnostics& d) {
  const auto& study = *in.study;
  report::ResultKeeper kept(study);
  {
    std::ifstream results(out_dir / "results.csv");
    std::string line;
    std::getline(results, line);
    while (std::getline(results, line))
      if (auto r = report::parse_result_line(line, study.columns())) kept.add(std::move(*r));
  }
  report::StudyReportInput ri;
  ri.study = &study;
  ri.prices = &*in.prices;
  ri.datasheet_band = find_error_band(g.profiles, false);
  ri.measured_band = find_error_band(g.profiles, true);
  ri.jsonl = study.spec().out_jsonl && !o.merge;
  const auto rep = report::build_study_report(ri, kept);
  for (const auto& c : rep.charts)
    if (!emit((out_dir / c.file).string(), c.svg, d)) return fail(d);
  if (study.spec().out_markdown && !emit((out_dir / "report.md").string(), rep.markdown, d))
    return fail(d);
  if (study.spec().out_html && !emit((out_dir / "report.html").string(), rep.html, d))
    return fail(d);
  std::fprintf(stdout, "%sreport: %s\n", rep.summary.c_str(),
               (out_dir / "report.md").string().c_str());
  return StopSignals::signal() ? 128 + StopSignals::signal() : 0;
}

}  // namespace

int run_study(const GlobalOptions& g, const StudyOptions& o) {
  StopSignals stop_signals;
  core::Diagnostics d;
  StudyInputs in;
  if (!resolve_study(g, o, in, d)) return fail(d);
  const auto shard = parse_shard(o.shard, d);
  if (!shard) return fail(d);
  const fs::path out_dir = o.out.empty() ? fs::path("out") / in.spec->id : fs::path(o.out);
  std::error_code ec;
  fs::create_directories(out_dir, ec);
  if (ec || !fs::is_directory(out_dir)) {
    d.error({out_dir.string(), 0, 0}, "--out", "cannot create the output directory");
    return fail(d);
  }
  if (o.merge) {
    if (const int rc = merge_shards(*in.study, out_dir, d); rc >= 0) return rc;
  } else {
    const bool sharded = shard->n > 1;
    const std::string stem =
        sharded ? fmt::format("results.shard-{}-of-{}", shard->i, shard->n) : "results";
    if (const int rc = write_results(o, *in.study, *shard, out_dir, stem, d); rc >= 0) return rc;
    if (sharded)
      return StopSignals::signal() ? 128 + StopSignals::signal() : 0;  // merge writes the report
  }
  return write_report(g, o, in, out_dir, d);
}

}  // namespace llmsizer::cli
