// test_units.cc — size parsing and printing, typo suggestions, diagnostic formatting.
#include <catch2/catch.hpp>

#include "core/diagnostics.h"
#include "core/units.h"

using namespace llmsizer::core;

TEST_CASE("sizes parse with SI and binary suffixes", "[units]") {
  CHECK(parse_bytes("80GB") == 80'000'000'000ull);
  CHECK(parse_bytes("80GiB") == 85'899'345'920ull);
  CHECK(parse_bytes("1.5e9") == 1'500'000'000ull);
  CHECK(parse_bytes("512 MiB") == 536'870'912ull);
  CHECK(parse_bytes("7") == 7ull);
  CHECK_FALSE(parse_bytes("-1GB"));
  CHECK_FALSE(parse_bytes("GB"));
  CHECK_FALSE(parse_bytes("12 parsecs"));
  CHECK_FALSE(parse_bytes("1e30"));
  CHECK_FALSE(parse_bytes("nan"));
}

TEST_CASE("durations, rates and token volumes scale by their unit, never to infinity", "[units]") {
  CHECK(parse_duration_s("250ms") == Approx(0.25));
  CHECK(parse_duration_s("2h") == Approx(7200.0));
  CHECK(parse_rate_per_s("120rpm") == Approx(2.0));
  CHECK(parse_tokens_per_month("2b") == Approx(2e9));
  CHECK(parse_tokens_per_month("10m tokens/day") == Approx(1e7 * 730.0 / 24.0));
  // A finite number whose unit pushes it past DBL_MAX is refused (fuzz finding: "2e299t"
  // parsed as infinity tokens per month).
  CHECK_FALSE(parse_tokens_per_month("2e299t"));
  CHECK_FALSE(parse_tokens_per_month("1e300b/day"));
  CHECK_FALSE(parse_duration_s("1e308h"));
  // Beyond any real load (a replica count for it would overflow): refused.
  CHECK_FALSE(parse_tokens_per_month("1e290t"));
  CHECK_FALSE(parse_tokens_per_month("1e30tok/month"));
  CHECK(parse_tokens_per_month("1e18tok/month") == Approx(1e18));
  CHECK_FALSE(parse_tokens_per_month("-5tok/month"));
}

TEST_CASE("dates are real calendar dates, with what is wrong said", "[units]") {
  std::string why;
  CHECK(parse_date("2024-02-29", &why) == "2024-02-29");
  CHECK(parse_date("2000-02-29", &why));
  CHECK_FALSE(parse_date("1900-02-29", &why));
  CHECK(why.find("day 29") != std::string::npos);
  CHECK_FALSE(parse_date("2023-13-45", &why));
  CHECK(why.find("month 13") != std::string::npos);
  CHECK_FALSE(parse_date("2023-04-31", &why));
  CHECK(why.find("01-30") != std::string::npos);
  CHECK_FALSE(parse_date("yesterday", &why));
  CHECK(why.find("YYYY-MM-DD") != std::string::npos);
  CHECK_FALSE(parse_date("2023-1-5", &why));
  CHECK_FALSE(parse_date("", &why));
}

TEST_CASE("printing states units", "[units]") {
  CHECK(format_bytes(85'899'345'920ull) == "80.0 GiB");
  CHECK(format_bytes(512) == "512 B");
  CHECK(format_count(8'030'261'248ull) == "8.03 B");
  CHECK(format_thousands(6'738'415'616ull) == "6,738,415,616");
}

TEST_CASE("did-you-mean finds near misses only", "[diagnostics]") {
  const std::vector<std::string> keys = {"bandwidth_bytes_per_s", "capacity_bytes", "kind"};
  CHECK(did_you_mean("bandwith_bytes_per_s", keys) == " (did you mean 'bandwidth_bytes_per_s'?)");
  CHECK(did_you_mean("completely_different_key", keys).empty());
}

TEST_CASE("diagnostics format compiler-style and count errors", "[diagnostics]") {
  Diagnostics d;
  d.error({"a.yaml", 7, 3}, "memory.bandwith", "unknown key");
  d.warning({"a.yaml", 0, 0}, "", "just a warning");
  CHECK(d.error_count() == 1);
  CHECK(d.format() ==
        "a.yaml:7:3: error: memory.bandwith: unknown key\n"
        "a.yaml: warning: just a warning\n");
}
