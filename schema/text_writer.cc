// text_writer.cc — deterministic YAML/JSON emitters (see text_writer.h).
#include "schema/text_writer.h"

#include <cmath>

#include <fmt/format.h>

#include "core/check.h"

namespace llmsizer::schema {

std::string format_number(double v) {
  LLMSIZER_CHECK(std::isfinite(v), "a non-finite number reached a writer");
  if (v == std::floor(v) && std::fabs(v) < 1e15) return fmt::format("{:.0f}", v);
  return fmt::format("{}", v);
}

std::string json_escape(std::string_view s) {
  std::string out;
  out.reserve(s.size() + 2);
  for (const char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (c < 0x20)
          out += fmt::format("\\u{:04x}", c);
        else
          out += ch;
    }
  }
  return out;
}

namespace {
// Built by appending: GCC 12 misreports `"\"" + std::string&&` under -Werror=restrict.
std::string quoted(std::string_view s) {
  std::string out;
  out.reserve(s.size() + 2);
  out += '"';
  out += json_escape(s);
  out += '"';
  return out;
}
}  // namespace

std::string csv_field(std::string_view s) {
  if (s.find_first_of(",\"\n") == std::string_view::npos) return std::string(s);
  std::string out = "\"";
  for (const char c : s) {
    if (c == '"') out += '"';
    out += c;
  }
  out += '"';
  return out;
}

std::string yaml_scalar(std::string_view s) {
  bool plain = !s.empty() && s.size() < 200;
  if (plain) {
    const std::string_view specials = ":#{}[],&*!|>'\"%@`\\";
    for (const char c : s) {
      const auto u = static_cast<unsigned char>(c);
      if (u < 0x20 || u >= 0x7f || specials.find(c) != std::string_view::npos) plain = false;
    }
    if (s.front() == ' ' || s.back() == ' ' || s.front() == '-' || s.front() == '?') plain = false;
    // Would it read back as something other than a string?
    static const char* kReserved[] = {"true", "false", "yes",   "no",   "null", "~",    "on",
                                      "off",  "True",  "False", "Null", "NULL", "TRUE", "FALSE"};
    for (const char* r : kReserved) plain = plain && s != r;
    char* end = nullptr;
    const std::string tmp(s);
    std::strtod(tmp.c_str(), &end);
    if (end == tmp.c_str() + tmp.size()) plain = false;
  }
  if (plain) return std::string(s);
  return quoted(s);
}

void YamlWriter::indent() {
  out_.append(static_cast<std::size_t>(depth_) * 2, ' ');
}

void YamlWriter::field(std::string_view key, std::string_view value) {
  indent();
  out_ += fmt::format("{}: {}\n", key, yaml_scalar(value));
}
void YamlWriter::field(std::string_view key, std::int64_t value) {
  indent();
  out_ += fmt::format("{}: {}\n", key, value);
}
void YamlWriter::field(std::string_view key, std::uint64_t value) {
  indent();
  out_ += fmt::format("{}: {}\n", key, value);
}
void YamlWriter::field(std::string_view key, double value) {
  indent();
  out_ += fmt::format("{}: {}\n", key, format_number(value));
}
void YamlWriter::field(std::string_view key, bool value) {
  indent();
  out_ += fmt::format("{}: {}\n", key, value ? "true" : "false");
}
void YamlWriter::field(std::string_view key, const std::vector<std::string>& flow_list) {
  indent();
  out_ += fmt::format("{}: [", key);
  for (std::size_t i = 0; i < flow_list.size(); ++i) {
    if (i) out_ += ", ";
    out_ += yaml_scalar(flow_list[i]);
  }
  out_ += "]\n";
}
void YamlWriter::begin_map(std::string_view key) {
  indent();
  out_ += fmt::format("{}:\n", key);
  ++depth_;
}
void YamlWriter::end_map() {
  LLMSIZER_CHECK(depth_ > 0, "unbalanced YamlWriter::end_map");
  --depth_;
}

void JsonWriter::newline() {
  if (!pretty_) return;
  out_ += '\n';
  out_.append(first_.size() * 2, ' ');
}

void JsonWriter::before_value() {
  if (after_key_) {
    after_key_ = false;
    return;
  }
  if (!first_.empty()) {
    if (!first_.back()) out_ += ',';
    first_.back() = false;
    newline();
  }
}

JsonWriter& JsonWriter::begin_object() {
  before_value();
  out_ += '{';
  first_.push_back(true);
  return *this;
}
JsonWriter& JsonWriter::end_object() {
  LLMSIZER_CHECK(!first_.empty(), "unbalanced JsonWriter::end_object");
  const bool empty = first_.back();
  first_.pop_back();
  if (!empty) newline();
  out_ += '}';
  if (first_.empty() && pretty_) out_ += '\n';
  return *this;
}
JsonWriter& JsonWriter::begin_array() {
  before_value();
  out_ += '[';
  first_.push_back(true);
  return *this;
}
JsonWriter& JsonWriter::end_array() {
  LLMSIZER_CHECK(!first_.empty(), "unbalanced JsonWriter::end_array");
  const bool empty = first_.back();
  first_.pop_back();
  if (!empty) newline();
  out_ += ']';
  return *this;
}
JsonWriter& JsonWriter::key(std::string_view k) {
  before_value();
  out_ += fmt::format("\"{}\":{}", json_escape(k), pretty_ ? " " : "");
  after_key_ = true;
  return *this;
}
JsonWriter& JsonWriter::value(std::string_view v) {
  before_value();
  out_ += quoted(v);
  return *this;
}
JsonWriter& JsonWriter::value(std::int64_t v) {
  before_value();
  out_ += std::to_string(v);
  return *this;
}
JsonWriter& JsonWriter::value(std::uint64_t v) {
  before_value();
  out_ += std::to_string(v);
  return *this;
}
JsonWriter& JsonWriter::value(double v) {
  before_value();
  out_ += format_number(v);
  return *this;
}
JsonWriter& JsonWriter::value(bool v) {
  before_value();
  out_ += v ? "true" : "false";
  return *this;
}
JsonWriter& JsonWriter::null() {
  before_value();
  out_ += "null";
  return *this;
}

}  // namespace llmsizer::schema
