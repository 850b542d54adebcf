// diagnostics.cc — formatting and typo suggestions for located input errors.
#include "core/diagnostics.h"

#include <algorithm>
#include <cctype>

#include <fmt/format.h>

namespace llmsizer::core {

void Diagnostics::error(SourceLocation where, std::string key_path, std::string message) {
  add({Severity::kError, std::move(where), std::move(key_path), std::move(message)});
}
void Diagnostics::warning(SourceLocation where, std::string key_path, std::string message) {
  add({Severity::kWarning, std::move(where), std::move(key_path), std::move(message)});
}
void Diagnostics::note(SourceLocation where, std::string key_path, std::string message) {
  add({Severity::kNote, std::move(where), std::move(key_path), std::move(message)});
}
void Diagnostics::add(Diagnostic d) {
  if (d.severity == Severity::kError) ++errors_;
  items_.push_back(std::move(d));
}
void Diagnostics::append(const Diagnostics& other) {
  for (const auto& d : other.items_) add(d);
}
void Diagnostics::clear() {
  items_.clear();
  errors_ = 0;
}

std::string Diagnostics::format() const {
  std::string out;
  for (const auto& d : items_) {
    out += format_diagnostic(d);
    out += '\n';
  }
  return out;
}

std::string format_diagnostic(const Diagnostic& d) {
  std::string out;
  if (!d.where.file.empty()) {
    out += d.where.file;
    if (d.where.line > 0) {
      out += fmt::format(":{}", d.where.line);
      if (d.where.column > 0) out += fmt::format(":{}", d.where.column);
    }
    out += ": ";
  }
  switch (d.severity) {
    case Severity::kError:
      out += "error: ";
      break;
    case Severity::kWarning:
      out += "warning: ";
      break;
    case Severity::kNote:
      out += "note: ";
      break;
  }
  if (!d.key_path.empty()) out += d.key_path + ": ";
  out += d.message;
  return out;
}

std::string to_lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::size_t edit_distance(std::string_view a_in, std::string_view b_in) {
  const std::string a = to_lower(a_in);
  const std::string b = to_lower(b_in);
  std::vector<std::size_t> prev(b.size() + 1), cur(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) prev[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t sub = prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1);
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, sub});
    }
    std::swap(prev, cur);
  }
  return prev[b.size()];
}

std::vector<std::string> closest_matches(std::string_view name,
                                         const std::vector<std::string>& candidates,
                                         std::size_t max_results) {
  const std::string lname = to_lower(name);
  const std::size_t limit = std::max<std::size_t>(2, lname.size() / 3);
  std::vector<std::pair<std::size_t, std::string>> scored;
  for (const auto& c : candidates) {
    std::size_t dist = edit_distance(lname, c);
    const std::string lc = to_lower(c);
    // One contains the other ("llama-2-7" in "llama-2-7b", "batch" in "batchsize").
    if ((lname.size() >= 3 && lc.find(lname) != std::string::npos) ||
        (lc.size() >= 4 && lname.find(lc) != std::string::npos)) {
      dist = std::min(dist, std::size_t{1});
    }
    if (dist <= limit) scored.emplace_back(dist, c);
  }
  std::stable_sort(scored.begin(), scored.end(),
                   [](const auto& x, const auto& y) { return x.first < y.first; });
  std::vector<std::string> out;
  for (const auto& [dist, c] : scored) {
    if (out.size() >= max_results) break;
    if (std::find(out.begin(), out.end(), c) == out.end()) out.push_back(c);
  }
  return out;
}

std::string did_you_mean(std::string_view name, const std::vector<std::string>& candidates) {
  const auto best = closest_matches(name, candidates, 3);
  if (best.empty()) return "";
  std::string out = " (did you mean ";
  for (std::size_t i = 0; i < best.size(); ++i) {
    if (i) out += ", ";
    out += "'" + best[i] + "'";
  }
  return out + "?)";
}

}  // namespace llmsizer::core
