// diagnostics.h — located, collected problems with user input.
// Every loader appends to a Diagnostics instead of throwing or exiting; the CLI prints them
// compiler-style (`file:line:col: error: key.path: message`) and exits 2 when any is an
// error. Lines and columns are 1-based; 0 means "not known". Not thread-safe.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace llmsizer::core {

enum class Severity { kError, kWarning, kNote };

struct SourceLocation {
  std::string file;  // path as given by the user, or "<command line>", "<string>"
  int line = 0;      // 1-based; 0 = unknown
  int column = 0;    // 1-based; 0 = unknown
};

struct Diagnostic {
  Severity severity = Severity::kError;
  SourceLocation where;
  std::string key_path;  // e.g. "architecture.attention.num_heads"; may be empty
  std::string message;
};

class Diagnostics {
 public:
  void error(SourceLocation where, std::string key_path, std::string message);
  void warning(SourceLocation where, std::string key_path, std::string message);
  void note(SourceLocation where, std::string key_path, std::string message);
  void add(Diagnostic d);
  void append(const Diagnostics& other);

  bool has_errors() const { return errors_ > 0; }
  std::size_t error_count() const { return errors_; }
  bool empty() const { return items_.empty(); }
  const std::vector<Diagnostic>& items() const { return items_; }
  void clear();

  // One line per diagnostic, in the order they were added.
  std::string format() const;

 private:
  std::vector<Diagnostic> items_;
  std::size_t errors_ = 0;
};

// `file:line:col: error: key.path: message` (parts that are unknown are left out).
std::string format_diagnostic(const Diagnostic& d);

// Levenshtein distance, case-insensitive.
std::size_t edit_distance(std::string_view a, std::string_view b);

// The candidates closest to `name` (at most `max_results`, best first); only those within
// a distance that makes them plausible typos, or containing `name` as a substring.
std::vector<std::string> closest_matches(std::string_view name,
                                         const std::vector<std::string>& candidates,
                                         std::size_t max_results = 3);

// " (did you mean 'x'?)" or " (did you mean 'x', 'y'?)" or "" when nothing is close.
std::string did_you_mean(std::string_view name, const std::vector<std::string>& candidates);

// ASCII lower-case copy.
std::string to_lower(std::string_view s);

}  // namespace llmsizer::core
