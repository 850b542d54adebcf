// study_cmd.cc — `llmsizer study FILE`: run a what-if study on all cores in a deterministic
// order, stream every passing point to CSV/JSONL (constant memory), optionally one shard
// (--shard i/n) of it, merge shards (--merge), and write the report: Markdown with the
// question, assumptions and their sources, the top results, the winner and why, and SVG
// charts (also embedded in a self-contained HTML page). See docs/studies.md.
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include <fmt/format.h>

#include "cli/commands.h"
#include "cli/deployment.h"
#include "cli/output.h"
#include "cli/stop_signals.h"
#include "core/units.h"
#include "estimator/measured_time.h"
#include "estimator/study.h"
#include "schema/hardware_profile.h"
#include "schema/pricing.h"
#include "schema/svg_chart.h"
#include "schema/text_writer.h"

namespace llmsizer::cli {

namespace fs = std::filesystem;

namespace {

// SIGINT/SIGTERM during a study (StopSignals): while results stream, workers stop at the
// next chunk, the temporaries are removed (AtomicFile's destructor) and the command exits
// 128+signal, so the folder keeps the old results or none, never half a file and no
// temporary. Later (merge, report) the short remaining writes finish, each atomically, and
// the command then exits 128+signal.

std::string num_text(double v) {
  return std::isfinite(v) ? schema::format_number(v) : "";
}

// A file written through a temporary and renamed into place on commit(): an interrupted
// run leaves the old file or none, never half a file.
class AtomicFile {
 public:
  explicit AtomicFile(fs::path target) : target_(std::move(target)) {
    tmp_ = target_.parent_path() /
           ("." + target_.filename().string() + ".tmp." + std::to_string(::getpid()));
    out_.open(tmp_, std::ios::binary | std::ios::trunc);
  }
  ~AtomicFile() {
    if (!done_) {
      out_.close();
      std::error_code ec;
      fs::remove(tmp_, ec);
    }
  }
  bool ok() const { return static_cast<bool>(out_); }
  void write(const std::string& s) { out_.write(s.data(), static_cast<std::streamsize>(s.size())); }
  bool commit() {
    out_.flush();
    const bool good = static_cast<bool>(out_);
    out_.close();
    std::error_code ec;
    if (good) fs::rename(tmp_, target_, ec);
    done_ = good && !ec;
    return done_;
  }

 private:
  fs::path target_, tmp_;
  std::ofstream out_;
  bool done_ = false;
};

std::vector<std::string> parse_csv_line(const std::string& line) {
  std::vector<std::string> out;
  std::string cur;
  bool quoted = false;
  for (std::size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    if (quoted) {
      if (c == '"' && i + 1 < line.size() && line[i + 1] == '"')
        cur += '"', ++i;
      else if (c == '"')
        quoted = false;
      else
        cur += c;
    } else if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      out.push_back(cur);
      cur.clear();
    } else {
      cur += c;
    }
  }
  out.push_back(cur);
  return out;
}

struct Row {
  std::uint64_t point = 0;
  std::vector<std::string> cells;  // as in the CSV
  std::vector<double> num;
};

// Keeps the top N rows by the study's sort and an evenly spaced sample for the charts.
struct Keeper {
  const estimator::Study* study = nullptr;
  std::vector<int> sort_cols;
  std::vector<bool> sort_desc;
  std::size_t top = 10;
  std::uint64_t stride = 1;
  std::vector<Row> best;
  std::vector<Row> sample;
  std::uint64_t rows = 0;

  bool better(const Row& a, const Row& b) const {
    for (std::size_t k = 0; k < sort_cols.size(); ++k) {
      const double x = a.num[static_cast<std::size_t>(sort_cols[k])];
      const double y = b.num[static_cast<std::size_t>(sort_cols[k])];
      if (std::isnan(x) != std::isnan(y)) return !std::isnan(x);  // values before no value
      if (x != y) return sort_desc[k] ? x > y : x < y;
    }
    return a.point < b.point;
  }
  void add(Row r) {
    ++rows;
    if (r.point % stride == 0 && sample.size() < 20000) sample.push_back(r);
    best.push_back(std::move(r));
    if (best.size() > 4 * top + 64) trim();
  }
  void trim() {
    std::stable_sort(best.begin(), best.end(),
                     [&](const Row& a, const Row& b) { return better(a, b); });
    if (best.size() > top) best.resize(top);
  }
};

std::string chart_path_name(const std::string& c) {
  return c + ".svg";
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

int run_study(const GlobalOptions& g, const StudyOptions& o) {
  StopSignals stop_signals;
  core::Diagnostics d;
  auto spec = schema::load_study(o.file, d);
  auto cat = catalog(g, d);
  auto prices = schema::load_price_catalog(g.profiles, d);
  if (!spec || !cat || !prices) return fail(d);
  auto measured = load_measured_hardware(*spec, g.profiles, *cat, d);
  if (d.has_errors()) return fail(d);
  auto study = estimator::Study::prepare(*spec, *cat, *prices, d, std::move(measured));
  if (!study) return fail(d);
  std::uint64_t shard_i = 0, shard_n = 1;
  if (!o.shard.empty()) {
    const auto slash = o.shard.find('/');
    const auto i = slash == std::string::npos
                       ? std::nullopt
                       : core::parse_int(o.shard.substr(0, slash), 0, 1 << 20);
    const auto n = slash == std::string::npos
                       ? std::nullopt
                       : core::parse_int(o.shard.substr(slash + 1), 1, 1 << 20);
    if (!i || !n || *i >= *n) {
      d.error(kCmdLine, "--shard",
              fmt::format("'{}' is not i/n with 0 <= i < n (e.g. 0/4)", o.shard));
      return fail(d);
    }
    shard_i = static_cast<std::uint64_t>(*i);
    shard_n = static_cast<std::uint64_t>(*n);
  }
  const fs::path out_dir = o.out.empty() ? fs::path("out") / spec->id : fs::path(o.out);
  std::error_code ec;
  fs::create_directories(out_dir, ec);
  if (ec || !fs::is_directory(out_dir)) {
    d.error({out_dir.string(), 0, 0}, "--out", "cannot create the output directory");
    return fail(d);
  }
  const auto& cols = study->columns();
  std::string header;
  for (std::size_t i = 0; i < cols.size(); ++i) header += (i ? "," : "") + cols[i].name;
  header = "point," + header + "\n";
  const bool sharded = shard_n > 1;
  const std::string stem =
      sharded ? fmt::format("results.shard-{}-of-{}", shard_i, shard_n) : "results";
  const fs::path csv_path = out_dir / (stem + ".csv");
  const fs::path jsonl_path = out_dir / (stem + ".jsonl");
  const bool tty = ::isatty(2) && !o.quiet;

  if (!o.merge) {
    const std::uint64_t total = study->point_count();
    const std::uint64_t begin = total * shard_i / shard_n, end = total * (shard_i + 1) / shard_n;
    AtomicFile csv(csv_path);
    std::optional<AtomicFile> jsonl;
    if (spec->out_jsonl) jsonl.emplace(jsonl_path);
    if (!csv.ok() || (jsonl && !jsonl->ok())) {
      d.error({out_dir.string(), 0, 0}, "--out", "cannot write results here");
      return fail(d);
    }
    csv.write(header);
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
          std::string& cs = csv_out[c];
          std::string& js = json_out[c];
          study->evaluate(b, e, caches[static_cast<std::size_t>(t)], [&](estimator::StudyRow&& r) {
            ++counts[c];
            cs += std::to_string(r.point);
            if (jsonl) js += fmt::format("{{\"point\":{}", r.point);
            for (std::size_t i = 0; i < cols.size(); ++i) {
              const std::string v = cols[i].text ? r.text[i] : num_text(r.num[i]);
              cs += ',';
              cs += cols[i].text ? schema::csv_field(v) : v;
              if (jsonl) {
                js += ",\"" + cols[i].name + "\":";
                if (cols[i].text)
                  js += "\"" + schema::json_escape(v) + "\"";
                else
                  js += v.empty() ? "null" : v;
              }
            }
            cs += '\n';
            if (jsonl) js += "}\n";
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
      if (tty) {
        const double el =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        const double frac = static_cast<double>(done) /
                            static_cast<double>(std::max<std::uint64_t>(1, end - begin));
        const int bar = static_cast<int>(frac * 30);
        std::fprintf(stderr, "\r[%-30s] %5.1f%% %llu/%llu points, %.1f s left   ",
                     std::string(static_cast<std::size_t>(bar), '#').c_str(), 100 * frac,
                     static_cast<unsigned long long>(done),
                     static_cast<unsigned long long>(end - begin), frac > 0 ? el / frac - el : 0.0);
      }
    }
    if (tty) std::fprintf(stderr, "\n");
    if (!csv.commit() || (jsonl && !jsonl->commit())) {
      d.error({out_dir.string(), 0, 0}, "--out", "writing the results failed (disk full?)");
      return fail(d);
    }
    const double secs =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    std::fprintf(
        stdout,
        "%s: %llu points evaluated (%llu pass the constraints) in %.2f s on %d threads -> %s\n",
        spec->id.c_str(), static_cast<unsigned long long>(end - begin),
        static_cast<unsigned long long>(passed), secs, threads, csv_path.string().c_str());
    if (sharded)
      return StopSignals::signal() ? 128 + StopSignals::signal() : 0;  // merge writes the report
  } else {
    // Merge: concatenate results.shard-*-of-N.csv in shard order into results.csv.
    std::vector<fs::path> shards;
    for (const auto& e : fs::directory_iterator(out_dir, ec)) {
      const std::string n = e.path().filename().string();
      if (n.rfind("results.shard-", 0) == 0 && e.path().extension() == ".csv")
        shards.push_back(e.path());
    }
    auto shard_index = [](const fs::path& p) {
      return std::atoll(p.filename().string().c_str() + std::string("results.shard-").size());
    };
    std::sort(shards.begin(), shards.end(), [&](const fs::path& a, const fs::path& b) {
      return shard_index(a) < shard_index(b);
    });
    if (shards.empty()) {
      d.error({out_dir.string(), 0, 0}, "--merge", "no results.shard-*-of-*.csv files here");
      return fail(d);
    }
    for (std::size_t i = 0; i < shards.size(); ++i)
      if (shard_index(shards[i]) != static_cast<long long>(i)) {
        d.error({shards[i].string(), 0, 0}, "--merge", fmt::format("shard {} is missing", i));
        return fail(d);
      }
    AtomicFile csv(out_dir / "results.csv");
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
    if (!csv.commit()) {
      d.error({out_dir.string(), 0, 0}, "--merge", "writing results.csv failed");
      return fail(d);
    }
    std::fprintf(stdout, "%s: merged %zu shards -> %s\n", spec->id.c_str(), shards.size(),
                 (out_dir / "results.csv").string().c_str());
  }
  // ---------------- the report, streamed back from results.csv ----------------
  Keeper keep;
  keep.study = &*study;
  keep.top = static_cast<std::size_t>(spec->top);
  keep.stride = std::max<std::uint64_t>(1, study->point_count() / 5000);
  for (const auto& s : spec->sort) {
    keep.sort_cols.push_back(study->column_index(s.column));
    keep.sort_desc.push_back(s.descending);
  }
  {
    std::ifstream in(out_dir / "results.csv");
    std::string line;
    std::getline(in, line);
    while (std::getline(in, line)) {
      auto cells = parse_csv_line(line);
      if (cells.size() != cols.size() + 1) continue;
      Row r;
      r.point = static_cast<std::uint64_t>(std::atoll(cells[0].c_str()));
      cells.erase(cells.begin());
      r.num.resize(cols.size());
      for (std::size_t i = 0; i < cols.size(); ++i) {
        char* end = nullptr;
        const double v = cells[i].empty() ? std::nan("") : std::strtod(cells[i].c_str(), &end);
        r.num[i] = cols[i].text ? std::nan("") : v;
      }
      r.cells = std::move(cells);
      keep.add(std::move(r));
    }
    keep.trim();
  }
  auto col = [&](const char* name) { return study->column_index(name); };
  auto cell = [&](const Row& r, int c) {
    return c < 0 ? std::string("-") : r.cells[static_cast<std::size_t>(c)];
  };
  // Charts.
  std::vector<std::pair<std::string, std::string>> charts;  // file, svg
  for (const auto& c : spec->charts) {
    if (c == "pareto") {
      const int xc = col("usd_per_hour") >= 0 ? col("usd_per_hour") : col("rent_monthly_usd");
      const int yc = col("ttft_p99_s") >= 0 ? col("ttft_p99_s")
                     : col("tpot_s") >= 0   ? col("tpot_s")
                                            : col("e2e_s");
      if (xc < 0 || yc < 0) continue;
      schema::SvgChart ch;
      ch.title = spec->title + ": cost vs latency";
      ch.x_label = study->columns()[static_cast<std::size_t>(xc)].name + " (" +
                   study->columns()[static_cast<std::size_t>(xc)].unit + ")";
      ch.y_label = study->columns()[static_cast<std::size_t>(yc)].name + " (" +
                   study->columns()[static_cast<std::size_t>(yc)].unit + ")";
      schema::SvgSeries all{"all configurations", {}, {}, schema::SvgSeries::Style::kPoints, {}};
      for (const auto& r : keep.sample) {
        all.x.push_back(r.num[static_cast<std::size_t>(xc)]);
        all.y.push_back(r.num[static_cast<std::size_t>(yc)]);
      }
      schema::SvgSeries front{"Pareto front", {}, {}, schema::SvgSeries::Style::kLinePoints, {}};
      for (auto i : schema::pareto_front(all.x, all.y)) {
        front.x.push_back(all.x[i]);
        front.y.push_back(all.y[i]);
        const Row& r = keep.sample[i];
        front.point_labels.push_back(cell(r, col("hardware")) + " " + cell(r, col("weights")));
      }
      ch.series = {all, front};
      charts.emplace_back(chart_path_name(c), schema::render_line_chart(ch));
    } else if (c == "throughput_vs_batch") {
      const int xc = col("batch"), yc = col("output_tokens_per_s");
      if (xc < 0 || yc < 0) continue;
      schema::SvgChart ch;
      ch.title = spec->title + ": throughput vs batch";
      ch.x_label = "batch (sequences)";
      ch.y_label = "output throughput (tokens/s)";
      ch.log_x = true;
      std::map<std::string, schema::SvgSeries> by;
      for (const auto& r : keep.sample) {
        const std::string name = cell(r, col("hardware")) + " " + cell(r, col("weights")) + " tp" +
                                 cell(r, col("tp")) +
                                 (col("model") >= 0 ? " " + cell(r, col("model")) : "");
        auto& s = by[name];
        s.name = name;
        s.x.push_back(r.num[static_cast<std::size_t>(xc)]);
        s.y.push_back(r.num[static_cast<std::size_t>(yc)]);
      }
      for (auto& [n, s] : by) {
        std::vector<std::size_t> idx(s.x.size());
        for (std::size_t i = 0; i < idx.size(); ++i) idx[i] = i;
        std::sort(idx.begin(), idx.end(), [&](auto a, auto b) { return s.x[a] < s.x[b]; });
        schema::SvgSeries sorted{n, {}, {}, schema::SvgSeries::Style::kLinePoints, {}};
        for (auto i : idx) sorted.x.push_back(s.x[i]), sorted.y.push_back(s.y[i]);
        if (ch.series.size() < 8) ch.series.push_back(sorted);
      }
      charts.emplace_back(chart_path_name(c), schema::render_line_chart(ch));
    } else if (c == "cost_vs_volume") {
      const int vc = col("volume_tokens_per_month");
      if (vc < 0) continue;
      schema::SvgChart ch;
      ch.title = spec->title + ": $/1M tokens vs monthly volume";
      ch.x_label = "volume (tokens/month)";
      ch.y_label = "cost ($ per 1M tokens)";
      ch.log_x = ch.log_y = true;
      std::map<std::string, schema::SvgSeries> series;
      std::map<std::string, double> api_price;
      for (const auto& r : keep.sample) {
        const double v = r.num[static_cast<std::size_t>(vc)];
        const std::string opt = cell(r, col("tp")) + " x " + cell(r, col("hardware"));
        for (const char* k : {"rent_monthly_usd", "own_monthly_usd"}) {
          const int kc = col(k);
          if (kc < 0 || !std::isfinite(r.num[static_cast<std::size_t>(kc)])) continue;
          auto& s = series[opt + (k[0] == 'r' ? " rented" : " owned")];
          s.name = opt + (k[0] == 'r' ? " rented" : " owned");
          s.x.push_back(v);
          s.y.push_back(r.num[static_cast<std::size_t>(kc)] / (v / 1e6));
        }
        api_price[cell(r, col("api"))] =
            r.num[static_cast<std::size_t>(col("api_monthly_usd"))] / (v / 1e6);
        const int be = col("breakeven_rent_tokens_per_month");
        if (be >= 0 && std::isfinite(r.num[static_cast<std::size_t>(be)]) &&
            ch.markers.size() < 6) {
          const double bv = r.num[static_cast<std::size_t>(be)];
          bool dup = false;
          for (const auto& m : ch.markers) dup = dup || std::fabs(m.x - bv) < 1e-6 * bv;
          if (!dup)
            ch.markers.push_back(
                {"break-even vs " + cell(r, col("api")), bv, api_price[cell(r, col("api"))]});
        }
      }
      for (auto& [n, s] : series) {
        std::vector<std::size_t> idx(s.x.size());
        for (std::size_t i = 0; i < idx.size(); ++i) idx[i] = i;
        std::sort(idx.begin(), idx.end(), [&](auto a, auto b) { return s.x[a] < s.x[b]; });
        schema::SvgSeries sorted{n, {}, {}, schema::SvgSeries::Style::kLinePoints, {}};
        for (auto i : idx) sorted.x.push_back(s.x[i]), sorted.y.push_back(s.y[i]);
        ch.series.push_back(sorted);
      }
      for (const auto& [n, p] : api_price) ch.hlines.push_back({n + " (API)", p});
      charts.emplace_back(chart_path_name(c), schema::render_line_chart(ch));
    } else if (c == "memory") {
      if (col("weights_gib") < 0) continue;
      schema::SvgBarChart bc;
      bc.title = spec->title + ": memory per device";
      bc.y_label = "memory per device (GiB)";
      bc.segments = {"weights", "KV cache", "activations", "overhead"};
      for (const auto& r : keep.best) {
        schema::SvgBarGroup gr;
        gr.label =
            cell(r, col("hardware")) + " " + cell(r, col("weights")) + " tp" + cell(r, col("tp"));
        for (const char* k : {"weights_gib", "kv_cache_gib", "activation_gib", "overhead_gib"})
          gr.values.push_back(r.num[static_cast<std::size_t>(col(k))]);
        bc.bars.push_back(gr);
        if (!bc.limit) {
          bc.limit = r.num[static_cast<std::size_t>(col("capacity_gib"))];
          bc.limit_label = "capacity of " + cell(r, col("hardware"));
        }
      }
      charts.emplace_back(chart_path_name(c), schema::render_stacked_bars(bc));
    }
  }
  for (const auto& [file, svg] : charts)
    if (!emit((out_dir / file).string(), svg, d)) return fail(d);
  // Markdown.
  std::string md = "# " + spec->title + "\n\n";
  if (!spec->question.empty()) md += spec->question + "\n\n";
  md += "## How this was computed\n\n";
  md += fmt::format("- Command evaluated per point: `{}`; {} points, {} pass the constraints.\n",
                    spec->evaluate, study->point_count(), keep.rows);
  for (const auto& a : spec->base)
    md += fmt::format("- base `{}` = `{}`\n", a.key, a.values[0].text);
  for (const auto* group : {&spec->grid, &spec->ranges, &spec->zip})
    for (const auto& a : *group) {
      std::string vals;
      for (std::size_t i = 0; i < a.values.size() && i < 12; ++i)
        vals += (i ? ", " : "") + a.values[i].text;
      if (a.values.size() > 12) vals += fmt::format(", ... ({} values)", a.values.size());
      md += fmt::format("- swept `{}`: {}\n", a.key, vals);
    }
  for (const auto& c : spec->constraints) md += fmt::format("- constraint: `{}`\n", c.text);
  for (const auto& dv : spec->derived)
    md += fmt::format("- derived `{}` = `{}`\n", dv.name, dv.text);
  md +=
      "- Basis: datasheet roofline with per-class efficiencies (basis: assumed; "
      "docs/validation.md: "
      "median error 5.8% on 49 published measurements); memory computed from the architecture.\n";
  if (prices->assumptions) {
    md += "- TCO assumptions (profiles/costs/assumptions.yaml):\n";
    for (const auto& [k, v] : prices->assumptions->values)
      md += fmt::format("  - {} = {} — {} ({})\n", k, schema::format_number(v.value), v.from.source,
                        v.from.as_of);
  }
  md +=
      "- Rental prices: the cheapest published on-demand offer per device in profiles/costs; API "
      "prices: the newest snapshot in profiles/apis (each with its source and date).\n\n";
  md += "## Results\n\n";
  if (keep.best.empty()) {
    md += "No point passes the constraints.\n\n";
  } else {
    std::vector<int> shown;
    for (std::size_t i = 0; i < cols.size(); ++i) shown.push_back(static_cast<int>(i));
    md += "| # |";
    for (int c : shown) md += " " + cols[static_cast<std::size_t>(c)].name + " |";
    md += "\n|---|";
    for (std::size_t i = 0; i < shown.size(); ++i) md += "---|";
    md += "\n";
    for (std::size_t i = 0; i < keep.best.size(); ++i) {
      md += fmt::format("| {} |", i + 1);
      for (int c : shown) {
        const std::string& v = keep.best[i].cells[static_cast<std::size_t>(c)];
        const double x = keep.best[i].num[static_cast<std::size_t>(c)];
        md += " " +
              (cols[static_cast<std::size_t>(c)].text || v.empty() ? (v.empty() ? "-" : v)
                                                                   : fmt::format("{:.4g}", x)) +
              " |";
      }
      md += "\n";
    }
    md += "\n## The winner and why\n\n";
    const Row& w = keep.best.front();
    std::string ident;
    for (const char* k : {"model", "hardware", "weights", "api"})
      if (col(k) >= 0)
        ident += (ident.empty() ? "" : ", ") + std::string(k) + " " + cell(w, col(k));
    md += fmt::format("**{}** (tp {}, {} devices)", ident, cell(w, col("tp")),
                      cell(w, col("devices")));
    if (!spec->sort.empty()) {
      const int sc = study->column_index(spec->sort[0].column);
      md += fmt::format(" is first by `{}` = {:.4g}", spec->sort[0].column,
                        w.num[static_cast<std::size_t>(sc)]);
      if (keep.best.size() > 1) {
        const double a = w.num[static_cast<std::size_t>(sc)],
                     b = keep.best[1].num[static_cast<std::size_t>(sc)];
        const double margin = std::fabs(b - a) / std::max(1e-300, std::fabs(a));
        md += fmt::format("; the runner-up ({}{}) is {:.1f}% {}.\n\n",
                          cell(keep.best[1], col("hardware")),
                          col("weights") >= 0 ? " " + cell(keep.best[1], col("weights")) : "",
                          100 * margin, spec->sort[0].descending ? "lower" : "higher");
        md += "## How sensitive the conclusion is\n\n";
        md += fmt::format(
            "The predictions rest on assumed efficiencies whose validated median error is 5.8% (up "
            "to "
            "~2x for single outliers, docs/validation.md). A margin of {:.1f}% between the winner "
            "and "
            "the runner-up is {} that error{}. Prices are dated snapshots; re-run with your own "
            "prices "
            "(base `usd_per_hour`, `purchase_usd`) to check the ranking.\n\n",
            100 * margin,
            margin > 0.25   ? "well beyond"
            : margin > 0.06 ? "about the size of"
                            : "within",
            margin > 0.25 ? ": the ranking is robust" : ": treat the top entries as equivalent");
      } else {
        md += ".\n\n";
      }
    }
  }
  if (!charts.empty()) {
    md += "## Charts\n\n";
    for (const auto& [file, svg] : charts) md += fmt::format("![{}]({})\n\n", file, file);
  }
  md += fmt::format("All {} passing points: `results.csv`{}.\n", keep.rows,
                    spec->out_jsonl && !o.merge ? ", `results.jsonl`" : "");
  if (spec->out_markdown && !emit((out_dir / "report.md").string(), md, d)) return fail(d);
  if (spec->out_html) {
    std::string html =
        "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>" +
        schema::json_escape(spec->title) +
        "</title><style>body{font-family:sans-serif;max-width:1100px;margin:2em auto}"
        "table{border-collapse:collapse;font-size:12px}td,th{border:1px solid #ccc;"
        "padding:2px 6px}pre{white-space:pre-wrap}</style></head><body>\n<pre>";
    for (char ch : md) {
      if (ch == '<')
        html += "&lt;";
      else if (ch == '>')
        html += "&gt;";
      else if (ch == '&')
        html += "&amp;";
      else
        html += ch;
    }
    html += "</pre>\n";
    for (const auto& [file, svg] : charts) html += "<div>" + svg + "</div>\n";
    html += "</body></html>\n";
    if (!emit((out_dir / "report.html").string(), html, d)) return fail(d);
  }
  // The summary on stdout.
  std::fprintf(stdout, "\n%s\n", spec->title.c_str());
  for (std::size_t i = 0; i < keep.best.size() && i < 5; ++i) {
    std::string line = fmt::format("  {}.", i + 1);
    for (const char* k : {"model", "hardware", "weights", "api", "tp"})
      if (col(k) >= 0) line += " " + cell(keep.best[i], col(k));
    for (const auto& s : spec->sort) {
      const int c = study->column_index(s.column);
      line += fmt::format("  {} {:.4g}", s.column, keep.best[i].num[static_cast<std::size_t>(c)]);
    }
    std::fprintf(stdout, "%s\n", line.c_str());
  }
  std::fprintf(stdout, "report: %s\n", (out_dir / "report.md").string().c_str());
  return StopSignals::signal() ? 128 + StopSignals::signal() : 0;
}

}  // namespace llmsizer::cli
