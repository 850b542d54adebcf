// text_writer.h — deterministic YAML and JSON emitters for llmsizer documents and reports.
// Keys come out in the order written; numbers use the shortest form that reads back
// exactly; a NaN or infinity is a bug (CHECK), never printed. No third-party types leak.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace llmsizer::schema {

// Block-style YAML. Usage: w.key("memory"); w.begin_map(); w.field("x", 1); w.end_map();
class YamlWriter {
 public:
  void field(std::string_view key, std::string_view value);
  void field(std::string_view key, const char* value) { field(key, std::string_view(value)); }
  void field(std::string_view key, std::int64_t value);
  void field(std::string_view key, std::uint64_t value);
  void field(std::string_view key, int value) { field(key, static_cast<std::int64_t>(value)); }
  void field(std::string_view key, double value);
  void field(std::string_view key, bool value);
  void field(std::string_view key, const std::vector<std::string>& flow_list);
  void begin_map(std::string_view key);
  void end_map();
  const std::string& str() const { return out_; }

 private:
  void indent();
  std::string out_;
  int depth_ = 0;
};

// Compact or pretty JSON.
class JsonWriter {
 public:
  explicit JsonWriter(bool pretty = true) : pretty_(pretty) {}
  JsonWriter& begin_object();
  JsonWriter& end_object();
  JsonWriter& begin_array();
  JsonWriter& end_array();
  JsonWriter& key(std::string_view k);
  JsonWriter& value(std::string_view v);
  JsonWriter& value(const char* v) { return value(std::string_view(v)); }
  JsonWriter& value(std::int64_t v);
  JsonWriter& value(std::uint64_t v);
  JsonWriter& value(int v) { return value(static_cast<std::int64_t>(v)); }
  JsonWriter& value(double v);
  JsonWriter& value(bool v);
  JsonWriter& null();
  const std::string& str() const { return out_; }

 private:
  void before_value();
  void newline();
  std::string out_;
  std::vector<bool> first_;  // per open container: no element yet
  bool after_key_ = false;
  bool pretty_;
};

// Shortest decimal that parses back to the same double ("3.35e+12" -> "3350000000000").
std::string format_number(double v);
std::string json_escape(std::string_view s);
// A CSV field: as is, or double-quoted (quotes doubled) when it holds a comma, quote or newline.
std::string csv_field(std::string_view s);
// Double-quoted YAML scalar when the plain form could be misread, plain otherwise.
std::string yaml_scalar(std::string_view s);

}  // namespace llmsizer::schema
