// units.h — parsing and printing of quantities with units.
// Sizes accept SI (kB, MB, GB, TB = 10^3..10^12) and binary (KiB, MiB, GiB, TiB) suffixes
// and plain bytes; printing always says which. Parsing never throws: nullopt on bad input.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace llmsizer::core {

inline constexpr double kGiB = 1024.0 * 1024.0 * 1024.0;
inline constexpr double kMiB = 1024.0 * 1024.0;

// "80GB" -> 8e10, "80GiB" -> 85899345920, "1.5e9" -> 1.5e9. Case-insensitive; rejects
// negative, NaN, infinite and values above 2^63.
std::optional<std::uint64_t> parse_bytes(std::string_view s);

// A positive whole number in [lo, hi]; accepts digits only (no sign, no suffix).
std::optional<std::int64_t> parse_int(std::string_view s, std::int64_t lo, std::int64_t hi);

// "500ms" -> 0.5, "2s", "50us", "1.5m", "0.25h" (a bare number is seconds). Rejects
// negative, NaN and infinite values.
std::optional<double> parse_duration_s(std::string_view s);

// "20rps", "20/s", "20" -> 20 requests per second; "1200/min" -> 20; "72000/h" -> 20.
std::optional<double> parse_rate_per_s(std::string_view s);

// "2e9tok/month", "2B/month", "500M", "70M/day" -> tokens per month (a month is 730 hours,
// so a day is 730/24 of them). Suffixes K M B T; units tok/month, /month, /mo, /day, /d.
// Nothing above kMaxTokensPerMonth: no real load comes near it, and a replica count for it
// would not fit a 64-bit integer.
inline constexpr double kMaxTokensPerMonth = 1e18;
inline constexpr const char* kVolumeHint =
    "a monthly volume up to 1e18 tokens, e.g. 2e9tok/month, 500M, 70M/day";
std::optional<double> parse_tokens_per_month(std::string_view s);

// "2024-06-01" -> itself: a calendar date YYYY-MM-DD (real month and day, leap years).
// Otherwise nothing, with why in *why ("month 13 is not 01-12").
std::optional<std::string> parse_date(std::string_view s, std::string* why);

// "3:1" -> 0.75 (the first part's share of the whole).
std::optional<double> parse_mix(std::string_view s);

// "15.0 GiB" (binary units, 1 decimal; small values in MiB/KiB/B).
std::string format_bytes(std::uint64_t bytes);
// "8.03 B" / "405.9 B" / "494 M" parameters.
std::string format_count(std::uint64_t n);
// Thousands-separated integer: 8,030,261,248.
std::string format_thousands(std::uint64_t n);

}  // namespace llmsizer::core
