// yaml_reader.h — PRIVATE to schema/: strict, located decoding of yaml-cpp nodes.
// A Reader walks one YAML mapping: each get() records the key it asked for, so finish()
// can report every key nobody asked for as unknown (with a did-you-mean). Duplicate keys,
// wrong types, missing required keys and out-of-range values become Diagnostics located at
// `file:line:col` (1-based; yaml-cpp marks are 0-based). Nothing here throws or exits.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "core/diagnostics.h"

namespace llmsizer::schema::impl {

enum class Need { kRequired, kOptional };

struct DocContext {
  std::string file;
  core::Diagnostics* diags;
};

// Parses text into a node; on a syntax error reports it (located) and returns nullopt.
std::optional<YAML::Node> parse_yaml_text(std::string_view text, const DocContext& ctx);

// Reads a whole file (refuses directories, unreadable and > max_bytes files).
std::optional<std::string> read_text_file(const std::string& path, core::Diagnostics& diags,
                                          std::uint64_t max_bytes = 64ull << 20);

core::SourceLocation location_of(const YAML::Node& n, const DocContext& ctx);

class Reader {
 public:
  // `node` should be a map; if it is not, an error is reported and every get() fails.
  Reader(YAML::Node node, std::string path, const DocContext* ctx);

  bool valid() const { return valid_; }
  bool has(std::string_view key) const;
  const std::string& path() const { return path_; }
  const DocContext& ctx() const { return *ctx_; }
  core::SourceLocation where() const;
  core::SourceLocation where(std::string_view key) const;  // the key's value, or the map

  bool get(std::string_view key, std::string& out, Need need);
  bool get(std::string_view key, std::int64_t& out, Need need, std::int64_t lo, std::int64_t hi);
  bool get(std::string_view key, double& out, Need need, double lo, double hi);
  bool get(std::string_view key, bool& out, Need need);
  bool get(std::string_view key, std::vector<std::string>& out, Need need);

  template <class E>
  bool get_enum(std::string_view key, E& out, Need need,
                const std::vector<std::pair<std::string, E>>& names) {
    std::string s;
    if (!get(key, s, need)) return false;
    std::vector<std::string> all;
    for (const auto& [n, v] : names) {
      if (n == s) {
        out = v;
        return true;
      }
      all.push_back(n);
    }
    std::string list;
    for (const auto& n : all) list += (list.empty() ? "" : ", ") + n;
    error(key, "'" + s + "' is not one of: " + list + core::did_you_mean(s, all));
    return false;
  }

  // A nested mapping; nullopt when absent (error if required) or not a map (error).
  std::optional<Reader> child(std::string_view key, Need need);
  // Raw access for lists of maps and the like (marks the key as known).
  std::optional<YAML::Node> node(std::string_view key, Need need);

  void error(std::string_view key, std::string message) const;
  void error_here(std::string message) const;

  // Reports unknown keys. Call once after all get()s.
  void finish();

 private:
  std::optional<YAML::Node> lookup(std::string_view key, Need need);
  std::string key_path(std::string_view key) const;

  YAML::Node node_;
  std::string path_;
  const DocContext* ctx_;
  bool valid_ = true;
  std::vector<std::string> asked_;
};

// YYYY-MM-DD with a plausible month and day.
bool is_valid_date(const std::string& s);

// Checks `schema:` (== expected), `schema_version:` (supported) and reads `id:` (a
// lower-case [a-z0-9._-] name unless any_id). Returns false on error.
bool read_header(Reader& r, std::string_view expected_schema, std::int64_t max_version,
                 std::string& id, bool any_id = false);

}  // namespace llmsizer::schema::impl
