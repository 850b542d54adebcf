// yaml_reader.cc — strict located YAML decoding (see yaml_reader.h).
#include "schema/impl/yaml_reader.h"

#include <cmath>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include <fmt/format.h>
#include <yaml-cpp/depthguard.h>

namespace llmsizer::schema::impl {

namespace fs = std::filesystem;

namespace {

// Length of the valid UTF-8 sequence starting at s[i], or 0 when it is not one (overlong
// forms, surrogates and code points above U+10FFFF are invalid).
std::size_t utf8_sequence(std::string_view s, std::size_t i) {
  const auto b = [&](std::size_t k) { return static_cast<unsigned char>(s[k]); };
  const unsigned char c = b(i);
  if (c < 0x80) return 1;
  std::size_t n = 0;
  unsigned char lo = 0x80, hi = 0xBF;
  if (c >= 0xC2 && c <= 0xDF) {
    n = 2;
  } else if (c >= 0xE0 && c <= 0xEF) {
    n = 3;
    if (c == 0xE0) lo = 0xA0;
    if (c == 0xED) hi = 0x9F;
  } else if (c >= 0xF0 && c <= 0xF4) {
    n = 4;
    if (c == 0xF0) lo = 0x90;
    if (c == 0xF4) hi = 0x8F;
  } else {
    return 0;
  }
  if (i + n > s.size()) return 0;
  if (b(i + 1) < lo || b(i + 1) > hi) return 0;
  for (std::size_t k = 2; k < n; ++k)
    if (b(i + k) < 0x80 || b(i + k) > 0xBF) return 0;
  return n;
}

bool valid_utf8(std::string_view s) {
  for (std::size_t i = 0; i < s.size();) {
    const std::size_t n = utf8_sequence(s, i);
    if (n == 0) return false;
    i += n;
  }
  return true;
}

// yaml-cpp decodes the double-quoted escapes \_ and \N to the single bytes 0xA0 and 0x85,
// not to UTF-8; such a string would be written back (and printed) as invalid UTF-8.
constexpr const char* kBadEscape =
    "decodes to invalid UTF-8 (the escapes \\_ and \\N are not supported); write the "
    "character itself";

}  // namespace

core::SourceLocation location_of(const YAML::Node& n, const DocContext& ctx) {
  const YAML::Mark m = n.Mark();
  if (m.line < 0) return {ctx.file, 0, 0};
  return {ctx.file, m.line + 1, m.column + 1};
}

std::optional<YAML::Node> parse_yaml_text(std::string_view text, const DocContext& ctx) {
  if (text.find('\0') != std::string_view::npos) {
    ctx.diags->error({ctx.file, 0, 0}, "", "file contains NUL bytes: not a text document");
    return std::nullopt;
  }
  int line = 1, column = 1;  // column counts bytes
  for (std::size_t i = 0; i < text.size();) {
    const std::size_t n = utf8_sequence(text, i);
    if (n == 0) {
      ctx.diags->error({ctx.file, line, column}, "",
                       fmt::format("byte 0x{:02X} is not valid UTF-8; save the file as UTF-8",
                                   static_cast<unsigned char>(text[i])));
      return std::nullopt;
    }
    if (text[i] == '\n') {
      ++line;
      column = 1;
    } else {
      ++column;
    }
    i += n;
  }
  try {
    YAML::Node n = YAML::Load(std::string(text));
    return n;
  } catch (const YAML::DeepRecursion& e) {
    ctx.diags->error({ctx.file, e.mark.line >= 0 ? e.mark.line + 1 : 0,
                      e.mark.column >= 0 ? e.mark.column + 1 : 0},
                     "", "nested too deeply (more than 2000 levels of lists or mappings)");
    return std::nullopt;
  } catch (const YAML::Exception& e) {
    ctx.diags->error({ctx.file, e.mark.line >= 0 ? e.mark.line + 1 : 0,
                      e.mark.column >= 0 ? e.mark.column + 1 : 0},
                     "", "YAML syntax error: " + e.msg);
    return std::nullopt;
  }
}

std::optional<std::string> read_text_file(const std::string& path, core::Diagnostics& diags,
                                          std::uint64_t max_bytes) {
  std::error_code ec;
  const auto st = fs::status(path, ec);
  if (ec || !fs::exists(st)) {
    diags.error({path, 0, 0}, "", "no such file");
    return std::nullopt;
  }
  if (fs::is_directory(st)) {
    diags.error({path, 0, 0}, "", "is a directory, expected a file");
    return std::nullopt;
  }
  const auto size = fs::file_size(path, ec);
  if (!ec && size > max_bytes) {
    diags.error({path, 0, 0}, "",
                fmt::format("file is {} bytes, larger than the {} bytes a document may have", size,
                            max_bytes));
    return std::nullopt;
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    diags.error({path, 0, 0}, "", "cannot be opened for reading");
    return std::nullopt;
  }
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

Reader::Reader(YAML::Node node, std::string path, const DocContext* ctx)
    : node_(std::move(node)), path_(std::move(path)), ctx_(ctx) {
  if (!node_.IsMap()) {
    valid_ = false;
    const char* what = node_.IsNull()       ? "nothing"
                       : node_.IsSequence() ? "a list"
                       : node_.IsScalar()   ? "a scalar"
                                            : "something else";
    ctx_->diags->error(location_of(node_, *ctx_), path_,
                       std::string("expected a mapping of keys to values, found ") + what);
    return;
  }
  // yaml-cpp keeps duplicate keys; find them here.
  std::set<std::string> seen;
  for (auto it = node_.begin(); it != node_.end(); ++it) {
    if (!it->first.IsScalar()) {
      ctx_->diags->error(location_of(it->first, *ctx_), path_, "keys must be plain strings");
      continue;
    }
    const std::string k = it->first.Scalar();
    if (!seen.insert(k).second) {
      ctx_->diags->error(location_of(it->first, *ctx_), key_path(k),
                         "duplicate key (each key may appear once)");
    }
  }
}

std::string Reader::key_path(std::string_view key) const {
  if (path_.empty()) return std::string(key);
  return path_ + "." + std::string(key);
}

core::SourceLocation Reader::where() const {
  return location_of(node_, *ctx_);
}

core::SourceLocation Reader::where(std::string_view key) const {
  if (valid_) {
    for (auto it = node_.begin(); it != node_.end(); ++it)
      if (it->first.IsScalar() && it->first.Scalar() == key) return location_of(it->second, *ctx_);
  }
  return where();
}

bool Reader::has(std::string_view key) const {
  if (!valid_) return false;
  for (auto it = node_.begin(); it != node_.end(); ++it)
    if (it->first.IsScalar() && it->first.Scalar() == key) return true;
  return false;
}

void Reader::error(std::string_view key, std::string message) const {
  ctx_->diags->error(where(key), key_path(key), std::move(message));
}

void Reader::error_here(std::string message) const {
  ctx_->diags->error(where(), path_, std::move(message));
}

std::optional<YAML::Node> Reader::lookup(std::string_view key, Need need) {
  asked_.emplace_back(key);
  if (!valid_) return std::nullopt;
  for (auto it = node_.begin(); it != node_.end(); ++it) {
    if (it->first.IsScalar() && it->first.Scalar() == key) {
      if (it->second.IsNull()) {
        if (need == Need::kRequired) error(key, "a value is required here");
        return std::nullopt;
      }
      return it->second;
    }
  }
  if (need == Need::kRequired) ctx_->diags->error(where(), key_path(key), "missing required key");
  return std::nullopt;
}

namespace {
const char* kind_name(const YAML::Node& n) {
  if (n.IsMap()) return "a mapping";
  if (n.IsSequence()) return "a list";
  if (n.IsNull()) return "nothing";
  return "a scalar";
}
}  // namespace

bool Reader::get(std::string_view key, std::string& out, Need need) {
  auto n = lookup(key, need);
  if (!n) return false;
  if (!n->IsScalar()) {
    error(key, std::string("expected a string, found ") + kind_name(*n));
    return false;
  }
  if (!valid_utf8(n->Scalar())) {
    error(key, kBadEscape);
    return false;
  }
  out = n->Scalar();
  return true;
}

bool Reader::get(std::string_view key, std::int64_t& out, Need need, std::int64_t lo,
                 std::int64_t hi) {
  auto n = lookup(key, need);
  if (!n) return false;
  if (!n->IsScalar()) {
    error(key, std::string("expected an integer, found ") + kind_name(*n));
    return false;
  }
  const std::string& s = n->Scalar();
  std::int64_t v = 0;
  bool ok = false;
  if (!s.empty() && s.find_first_not_of("+-0123456789") == std::string::npos) {
    try {
      std::size_t used = 0;
      v = std::stoll(s, &used, 10);
      ok = used == s.size();
    } catch (...) {
      ok = false;
    }
    if (!ok) {
      error(key, "'" + s + "' is not an integer that fits in 64 bits");
      return false;
    }
  } else {
    // Accept whole numbers written in float notation (8.5899e10).
    char* end = nullptr;
    const double d = std::strtod(s.c_str(), &end);
    if (end == s.c_str() + s.size() && std::isfinite(d) && d == std::floor(d) &&
        std::fabs(d) < 9.2e18) {
      v = static_cast<std::int64_t>(d);
      ok = true;
    }
  }
  if (!ok) {
    error(key, "expected an integer, found '" + s + "'");
    return false;
  }
  if (v < lo || v > hi) {
    error(key, fmt::format("{} is out of range [{}, {}]", v, lo, hi));
    return false;
  }
  out = v;
  return true;
}

bool Reader::get(std::string_view key, double& out, Need need, double lo, double hi) {
  auto n = lookup(key, need);
  if (!n) return false;
  if (!n->IsScalar()) {
    error(key, std::string("expected a number, found ") + kind_name(*n));
    return false;
  }
  const std::string& s = n->Scalar();
  char* end = nullptr;
  const double d = s.empty() ? 0 : std::strtod(s.c_str(), &end);
  if (s.empty() || end != s.c_str() + s.size() || !std::isfinite(d)) {
    error(key, "expected a finite number, found '" + s + "'");
    return false;
  }
  if (d < lo || d > hi) {
    error(key, fmt::format("{} is out of range [{}, {}]", s, lo, hi));
    return false;
  }
  out = d;
  return true;
}

bool Reader::get(std::string_view key, bool& out, Need need) {
  auto n = lookup(key, need);
  if (!n) return false;
  const std::string s = n->IsScalar() ? n->Scalar() : "";
  if (s == "true" || s == "True" || s == "TRUE") {
    out = true;
    return true;
  }
  if (s == "false" || s == "False" || s == "FALSE") {
    out = false;
    return true;
  }
  error(key, "expected true or false, found " +
                 (n->IsScalar() ? "'" + s + "'" : std::string(kind_name(*n))));
  return false;
}

bool Reader::get(std::string_view key, std::vector<std::string>& out, Need need) {
  auto n = lookup(key, need);
  if (!n) return false;
  if (!n->IsSequence()) {
    error(key, std::string("expected a list, found ") + kind_name(*n));
    return false;
  }
  std::vector<std::string> v;
  bool ok = true;
  for (std::size_t i = 0; i < n->size(); ++i) {
    const YAML::Node e = (*n)[i];
    if (!e.IsScalar()) {
      ctx_->diags->error(location_of(e, *ctx_), fmt::format("{}[{}]", key_path(key), i),
                         std::string("expected a string, found ") + kind_name(e));
      ok = false;
      continue;
    }
    if (!valid_utf8(e.Scalar())) {
      ctx_->diags->error(location_of(e, *ctx_), fmt::format("{}[{}]", key_path(key), i),
                         kBadEscape);
      ok = false;
      continue;
    }
    v.push_back(e.Scalar());
  }
  if (ok) out = std::move(v);
  return ok;
}

std::optional<Reader> Reader::child(std::string_view key, Need need) {
  auto n = lookup(key, need);
  if (!n) return std::nullopt;
  if (!n->IsMap()) {
    error(key, std::string("expected a mapping, found ") + kind_name(*n));
    return std::nullopt;
  }
  return Reader(*n, key_path(key), ctx_);
}

std::optional<YAML::Node> Reader::node(std::string_view key, Need need) {
  return lookup(key, need);
}

void Reader::finish() {
  if (!valid_) return;
  for (auto it = node_.begin(); it != node_.end(); ++it) {
    if (!it->first.IsScalar()) continue;
    const std::string k = it->first.Scalar();
    bool known = false;
    for (const auto& a : asked_) known = known || a == k;
    if (!known) {
      ctx_->diags->error(location_of(it->first, *ctx_), key_path(k),
                         "unknown key" + core::did_you_mean(k, asked_));
    }
  }
}

bool is_valid_date(const std::string& s) {
  if (s.size() != 10 || s[4] != '-' || s[7] != '-') return false;
  for (const std::size_t i : {0u, 1u, 2u, 3u, 5u, 6u, 8u, 9u})
    if (s[i] < '0' || s[i] > '9') return false;
  const int month = (s[5] - '0') * 10 + (s[6] - '0');
  const int day = (s[8] - '0') * 10 + (s[9] - '0');
  return month >= 1 && month <= 12 && day >= 1 && day <= 31;
}

bool read_header(Reader& r, std::string_view expected_schema, std::int64_t max_version,
                 std::string& id, bool any_id) {
  if (!r.valid()) return false;
  bool ok = true;
  std::string schema;
  if (r.get("schema", schema, Need::kRequired)) {
    if (schema != expected_schema) {
      r.error("schema",
              fmt::format("this is a '{}' document, expected '{}'", schema, expected_schema));
      ok = false;
    }
  } else {
    ok = false;
  }
  std::int64_t version = 0;
  if (!r.get("schema_version", version, Need::kRequired, 1, max_version)) ok = false;
  if (r.get("id", id, Need::kRequired)) {
    if (!any_id) {
      const bool good =
          !id.empty() && id.size() <= 128 &&
          id.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789._-") == std::string::npos;
      if (!good) {
        r.error("id", "'" + id + "' is not a valid id (lower-case letters, digits, '.', '_', '-')");
        ok = false;
      }
    }
  } else {
    ok = false;
  }
  return ok;
}

}  // namespace llmsizer::schema::impl
