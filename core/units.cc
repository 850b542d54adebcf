// units.cc — quantity parsing/printing (see units.h).
#include "core/units.h"

#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdlib>

#include <fmt/format.h>

#include "core/diagnostics.h"

namespace llmsizer::core {

std::optional<std::uint64_t> parse_bytes(std::string_view s) {
  std::size_t i = 0;
  while (i < s.size() && (std::isdigit(static_cast<unsigned char>(s[i])) || s[i] == '.' ||
                          s[i] == 'e' || s[i] == 'E' || s[i] == '+'))
    ++i;
  // 'e' may start a unit? No unit starts with e, so the number ends at the first letter
  // that is not an exponent marker followed by a digit.
  std::string num(s.substr(0, i));
  while (!num.empty() && (num.back() == 'e' || num.back() == 'E' || num.back() == '+')) {
    num.pop_back();
    --i;
  }
  if (num.empty()) return std::nullopt;
  char* end = nullptr;
  const double v = std::strtod(num.c_str(), &end);
  if (end != num.c_str() + num.size() || !std::isfinite(v) || v < 0) return std::nullopt;
  std::string unit = to_lower(s.substr(i));
  while (!unit.empty() && unit.front() == ' ') unit.erase(unit.begin());
  double mult = 1;
  if (unit.empty() || unit == "b")
    mult = 1;
  else if (unit == "kb" || unit == "k")
    mult = 1e3;
  else if (unit == "mb" || unit == "m")
    mult = 1e6;
  else if (unit == "gb" || unit == "g")
    mult = 1e9;
  else if (unit == "tb" || unit == "t")
    mult = 1e12;
  else if (unit == "kib")
    mult = 1024.0;
  else if (unit == "mib")
    mult = kMiB;
  else if (unit == "gib")
    mult = kGiB;
  else if (unit == "tib")
    mult = kGiB * 1024.0;
  else
    return std::nullopt;
  const double bytes = v * mult;
  if (bytes > 9.2e18) return std::nullopt;
  return static_cast<std::uint64_t>(std::llround(bytes));
}

std::optional<std::int64_t> parse_int(std::string_view s, std::int64_t lo, std::int64_t hi) {
  if (s.empty()) return std::nullopt;
  std::int64_t v = 0;
  const auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || ptr != s.data() + s.size() || v < lo || v > hi) return std::nullopt;
  return v;
}

namespace {
// Splits "12.5ms" into 12.5 and "ms"; false when the number part is not a finite number.
bool split_number(std::string_view s, double& value, std::string& unit) {
  std::size_t i = 0;
  while (i < s.size() &&
         (std::isdigit(static_cast<unsigned char>(s[i])) || s[i] == '.' ||
          ((s[i] == 'e' || s[i] == 'E') && i + 1 < s.size() &&
           (std::isdigit(static_cast<unsigned char>(s[i + 1])) || s[i + 1] == '-' ||
            s[i + 1] == '+')) ||
          ((s[i] == '-' || s[i] == '+') && i > 0 && (s[i - 1] == 'e' || s[i - 1] == 'E'))))
    ++i;
  const std::string num(s.substr(0, i));
  if (num.empty()) return false;
  char* end = nullptr;
  value = std::strtod(num.c_str(), &end);
  if (end != num.c_str() + num.size() || !std::isfinite(value) || value < 0) return false;
  unit = to_lower(s.substr(i));
  while (!unit.empty() && unit.front() == ' ') unit.erase(unit.begin());
  return true;
}

// A finite number scaled by its unit: nothing when the product overflows ("1e308h",
// "2e299t": a fuzz finding, the parsers returned infinity).
std::optional<double> scaled(double v, double unit) {
  const double r = v * unit;
  if (!std::isfinite(r)) return std::nullopt;
  return r;
}
}  // namespace

std::optional<double> parse_duration_s(std::string_view s) {
  double v = 0;
  std::string u;
  if (!split_number(s, v, u)) return std::nullopt;
  if (u.empty() || u == "s") return v;
  if (u == "ms") return v * 1e-3;
  if (u == "us") return v * 1e-6;
  if (u == "m" || u == "min") return scaled(v, 60.0);
  if (u == "h") return scaled(v, 3600.0);
  return std::nullopt;
}

std::optional<double> parse_rate_per_s(std::string_view s) {
  double v = 0;
  std::string u;
  if (!split_number(s, v, u)) return std::nullopt;
  if (u.empty() || u == "rps" || u == "/s" || u == "qps") return v;
  if (u == "/min" || u == "rpm") return v / 60.0;
  if (u == "/h" || u == "rph") return v / 3600.0;
  return std::nullopt;
}

std::optional<double> parse_tokens_per_month(std::string_view s) {
  double v = 0;
  std::string u;
  if (!split_number(s, v, u)) return std::nullopt;
  double mult = 1;
  if (!u.empty() && (u[0] == 'k' || u[0] == 'm' || u[0] == 'b' || u[0] == 't') &&
      (u.size() == 1 || u[1] == '/' || u[1] == 't' || u[1] == ' ')) {
    // A count suffix, unless it starts a unit word ("tok").
    if (!(u[0] == 't' && u.rfind("tok", 0) == 0)) {
      mult = u[0] == 'k' ? 1e3 : u[0] == 'm' ? 1e6 : u[0] == 'b' ? 1e9 : 1e12;
      u.erase(0, 1);
      while (!u.empty() && u.front() == ' ') u.erase(u.begin());  // "10m tokens/day"
    }
  }
  if (u.rfind("tok", 0) == 0) u.erase(0, u.rfind("tokens", 0) == 0 ? 6 : 3);
  double per = 1;  // months
  if (u.empty() || u == "/month" || u == "/mo")
    per = 1;
  else if (u == "/day" || u == "/d")
    per = 730.0 / 24.0;
  else
    return std::nullopt;
  const auto r = scaled(v, mult * per);
  if (!r || *r < 0 || *r > kMaxTokensPerMonth) return std::nullopt;
  return r;
}

std::optional<std::string> parse_date(std::string_view s, std::string* why) {
  auto digits = [&](std::size_t from, std::size_t n) {
    int v = 0;
    for (std::size_t i = from; i < from + n; ++i) {
      if (s[i] < '0' || s[i] > '9') return -1;
      v = v * 10 + (s[i] - '0');
    }
    return v;
  };
  if (s.size() != 10 || s[4] != '-' || s[7] != '-' || digits(0, 4) < 0 || digits(5, 2) < 0 ||
      digits(8, 2) < 0) {
    *why = fmt::format("'{}' is not a date YYYY-MM-DD (e.g. 2024-06-01)", s);
    return std::nullopt;
  }
  const int y = digits(0, 4), m = digits(5, 2), d = digits(8, 2);
  if (m < 1 || m > 12) {
    *why = fmt::format("'{}': month {:02d} is not 01-12", s, m);
    return std::nullopt;
  }
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  const bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  const int last = kDays[m - 1] + (m == 2 && leap ? 1 : 0);
  if (d < 1 || d > last) {
    *why = fmt::format("'{}': day {:02d} is not in {}-{:02d} (01-{})", s, d, y, m, last);
    return std::nullopt;
  }
  return std::string(s);
}

std::optional<double> parse_mix(std::string_view s) {
  const auto colon = s.find(':');
  if (colon == std::string_view::npos) return std::nullopt;
  double a = 0, b = 0;
  std::string ua, ub;
  if (!split_number(s.substr(0, colon), a, ua) || !split_number(s.substr(colon + 1), b, ub) ||
      !ua.empty() || !ub.empty() || a + b <= 0)
    return std::nullopt;
  return a / (a + b);
}

std::string format_bytes(std::uint64_t bytes) {
  const double b = static_cast<double>(bytes);
  if (b >= kGiB) return fmt::format("{:.1f} GiB", b / kGiB);
  if (b >= kMiB) return fmt::format("{:.1f} MiB", b / kMiB);
  if (b >= 1024.0) return fmt::format("{:.1f} KiB", b / 1024.0);
  return fmt::format("{} B", bytes);
}

std::string format_count(std::uint64_t n) {
  const double v = static_cast<double>(n);
  if (v >= 1e12) return fmt::format("{:.2f} T", v / 1e12);
  if (v >= 1e9) return fmt::format("{:.2f} B", v / 1e9);
  if (v >= 1e6) return fmt::format("{:.1f} M", v / 1e6);
  if (v >= 1e3) return fmt::format("{:.1f} K", v / 1e3);
  return fmt::format("{}", n);
}

std::string format_thousands(std::uint64_t n) {
  std::string digits = std::to_string(n);
  std::string out;
  const std::size_t len = digits.size();
  for (std::size_t i = 0; i < len; ++i) {
    out += digits[i];
    const std::size_t rest = len - i - 1;
    if (rest > 0 && rest % 3 == 0) out += ',';
  }
  return out;
}

}  // namespace llmsizer::core
