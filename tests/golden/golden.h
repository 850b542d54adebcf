// golden.h — compares an output with its committed expected file under tests/golden/, naming
// the first differing line; LLMSIZER_UPDATE_GOLDEN=1 rewrites the file instead (README.md).
// Numbers in a line may differ in their last digits (relative 1e-9): nothing else may.
#pragma once

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <regex>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include <catch2/catch.hpp>

namespace llmsizer::test {

inline std::string golden_dir() {
  return LLMSIZER_GOLDEN_DIR;
}

inline bool updating_golden() {
  const char* v = std::getenv("LLMSIZER_UPDATE_GOLDEN");
  return v && *v && std::string(v) != "0";
}

inline std::string read_text(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

inline std::vector<std::string> split_lines(const std::string& s) {
  std::vector<std::string> out;
  std::size_t at = 0;
  while (at < s.size()) {
    const auto nl = s.find('\n', at);
    out.push_back(s.substr(at, nl == std::string::npos ? std::string::npos : nl - at));
    at = nl == std::string::npos ? s.size() : nl + 1;
  }
  return out;
}

// Equal, or equal once every number is read as a double and compared within 1e-9.
inline bool lines_match(const std::string& a, const std::string& b) {
  if (a == b) return true;
  static const std::regex kNumber(R"([-+]?[0-9]+\.?[0-9]*(?:[eE][-+]?[0-9]+)?)");
  auto parts = [](const std::string& s) {
    std::vector<std::string> text;
    std::vector<double> nums;
    std::size_t last = 0;
    for (std::sregex_iterator it(s.begin(), s.end(), kNumber), end; it != end; ++it) {
      text.push_back(s.substr(last, static_cast<std::size_t>(it->position()) - last));
      nums.push_back(std::strtod(it->str().c_str(), nullptr));
      last = static_cast<std::size_t>(it->position() + it->length());
    }
    text.push_back(s.substr(last));
    return std::pair{text, nums};
  };
  const auto [ta, na] = parts(a);
  const auto [tb, nb] = parts(b);
  if (ta != tb || na.size() != nb.size()) return false;
  for (std::size_t i = 0; i < na.size(); ++i)
    if (std::fabs(na[i] - nb[i]) > 1e-9 * std::max(std::fabs(na[i]), std::fabs(nb[i])))
      return false;
  return true;
}

// The first line where `actual` and `expected` differ: "line N: expected '...', got '...'";
// nullopt when they match.
inline std::optional<std::string> first_difference(const std::string& expected,
                                                   const std::string& actual) {
  const auto e = split_lines(expected), a = split_lines(actual);
  for (std::size_t i = 0; i < std::max(e.size(), a.size()); ++i) {
    const std::string* x = i < e.size() ? &e[i] : nullptr;
    const std::string* y = i < a.size() ? &a[i] : nullptr;
    if (x && y && lines_match(*x, *y)) continue;
    return "line " + std::to_string(i + 1) + ": expected " + (x ? "'" + *x + "'" : "end of file") +
           ", got " + (y ? "'" + *y + "'" : "end of file");
  }
  if ((!expected.empty() && expected.back() == '\n') != (!actual.empty() && actual.back() == '\n'))
    return std::string("the final newline differs");
  return std::nullopt;
}

// Checks `actual` against tests/golden/<rel> (or writes it there when updating).
inline void check_golden(const std::string& rel, const std::string& actual) {
  const std::filesystem::path path = std::filesystem::path(golden_dir()) / rel;
  if (updating_golden()) {
    std::filesystem::create_directories(path.parent_path());
    std::ofstream(path, std::ios::binary) << actual;
    return;
  }
  INFO("tests/golden/" << rel << " (regenerate: scripts/update-golden.sh; tests/golden/README.md)");
  REQUIRE(std::filesystem::exists(path));
  const auto diff = first_difference(read_text(path), actual);
  if (diff) FAIL_CHECK("tests/golden/" + rel + ": " + *diff);
}

// Replaces every occurrence of `from` by `to`.
inline std::string replace_all(std::string s, const std::string& from, const std::string& to) {
  if (from.empty()) return s;
  for (std::size_t at = s.find(from); at != std::string::npos; at = s.find(from, at + to.size()))
    s.replace(at, from.size(), to);
  return s;
}

}  // namespace llmsizer::test
