// test_expression.cc — the what-if expression language: precedence, every operator and
// function, three-valued logic with NaN, error messages with their columns, abuse limits and
// a speed sanity loop.
#include <catch2/catch.hpp>

#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "core/expression.h"

using llmsizer::core::Expression;

namespace {

const std::vector<std::string> kFields = {"memory.fits",
                                          "latency.tpot_s",
                                          "rent_usd_per_hour",
                                          "throughput.output_tokens_per_s",
                                          "x",
                                          "y",
                                          "z",
                                          "nan_field"};
const std::vector<double> kValues = {1.0, 0.04, 2.5, 1000.0,
                                     3.0, -2.0, 0.0, std::numeric_limits<double>::quiet_NaN()};

Expression parse_ok(const std::string& text) {
  std::string error;
  std::optional<Expression> e = Expression::parse(text, kFields, &error);
  INFO(text << " -> " << error);
  REQUIRE(e.has_value());
  CHECK(error.empty());
  return *e;
}

double eval(const std::string& text) {
  return parse_ok(text).evaluate(kValues);
}

std::string parse_error(const std::string& text) {
  std::string error;
  std::optional<Expression> e = Expression::parse(text, kFields, &error);
  INFO(text);
  CHECK_FALSE(e.has_value());
  return error;
}

}  // namespace

TEST_CASE("numbers and fields", "[expression]") {
  CHECK(eval("123") == 123.0);
  CHECK(eval("1.5") == 1.5);
  CHECK(eval("2e9") == 2e9);
  CHECK(eval("0.5e-3") == 0.5e-3);
  CHECK(eval("1E+2") == 100.0);
  CHECK(eval(".25") == 0.25);
  CHECK(eval("x") == 3.0);
  CHECK(eval("latency.tpot_s") == 0.04);
  CHECK(eval("  x\t") == 3.0);
  CHECK(eval("true") == 1.0);
  CHECK(eval("false") == 0.0);
}

TEST_CASE("precedence and associativity", "[expression]") {
  CHECK(eval("1 + 2 * 3") == 7.0);
  CHECK(eval("(1 + 2) * 3") == 9.0);
  CHECK(eval("10 - 4 - 3") == 3.0);    // left-associative
  CHECK(eval("100 / 10 / 5") == 2.0);  // left-associative
  CHECK(eval("2 * 3 / 4") == 1.5);     // left to right
  CHECK(eval("-2 * 3") == -6.0);
  CHECK(eval("-x + 1") == -2.0);
  CHECK(eval("- -x") == 3.0);
  CHECK(eval("1 + 2 < 4") == 1.0);       // arithmetic binds tighter than comparison
  CHECK(eval("1 < 2 && 3 < 2") == 0.0);  // comparison binds tighter than &&
  CHECK(eval("1 || 0 && 0") == 1.0);     // && binds tighter than ||
  CHECK(eval("(1 || 0) && 0") == 0.0);
  CHECK(eval("!0 && 0") == 0.0);  // ! binds tighter than &&
  CHECK(eval("!(0 && 0)") == 1.0);
  CHECK(eval("1 ? 2 : 3 + 4") == 2.0);  // ternary is loosest
  CHECK(eval("0 ? 2 : 3 + 4") == 7.0);
  CHECK(eval("0 ? 1 : 0 ? 2 : 3") == 3.0);  // right-associative
  CHECK(eval("1 ? 0 ? 5 : 6 : 7") == 6.0);
  CHECK(eval("x > 2 ? x * 2 : y") == 6.0);
}

TEST_CASE("every operator", "[expression]") {
  CHECK(eval("x + y") == 1.0);
  CHECK(eval("x - y") == 5.0);
  CHECK(eval("x * y") == -6.0);
  CHECK(eval("x / y") == -1.5);
  CHECK(eval("-y") == 2.0);
  CHECK(eval("!x") == 0.0);
  CHECK(eval("!z") == 1.0);
  CHECK(eval("not z") == 1.0);
  for (const auto& [text, expected] :
       std::vector<std::pair<std::string, double>>{{"x < 3", 0.0},
                                                   {"x <= 3", 1.0},
                                                   {"x > 3", 0.0},
                                                   {"x >= 3", 1.0},
                                                   {"x == 3", 1.0},
                                                   {"x != 3", 0.0},
                                                   {"y < x", 1.0},
                                                   {"y > x", 0.0},
                                                   {"1 && 1", 1.0},
                                                   {"1 && 0", 0.0},
                                                   {"0 || 0", 0.0},
                                                   {"0 || 2", 1.0},
                                                   {"1 and 1", 1.0},
                                                   {"0 or 1", 1.0},
                                                   {"x and z", 0.0},
                                                   {"-3 && 1", 1.0}}) {
    INFO(text);
    CHECK(eval(text) == expected);
  }
}

TEST_CASE("every function", "[expression]") {
  CHECK(eval("min(x, y)") == -2.0);
  CHECK(eval("max(x, y)") == 3.0);
  CHECK(eval("abs(y)") == 2.0);
  CHECK(eval("log10(1000)") == Approx(3.0));
  CHECK(eval("ln(1)") == 0.0);
  CHECK(eval("ln(2.718281828459045)") == Approx(1.0));
  CHECK(eval("sqrt(16)") == 4.0);
  CHECK(eval("ceil(1.2)") == 2.0);
  CHECK(eval("floor(-1.2)") == -2.0);
  CHECK(eval("round(2.5)") == 3.0);
  CHECK(eval("round(-2.5)") == -3.0);
  CHECK(eval("clamp(5, 0, 1)") == 1.0);
  CHECK(eval("clamp(-5, 0, 1)") == 0.0);
  CHECK(eval("clamp(0.5, 0, 1)") == 0.5);
  CHECK(eval("max(min(x, 10), abs(y) * 4)") == 8.0);
  CHECK(eval("min (x,y)") == -2.0);  // space before '('
}

TEST_CASE("the example columns and constraints", "[expression]") {
  const Expression c = parse_ok("memory.fits && latency.tpot_s < 0.05");
  CHECK(c.is_boolean());
  CHECK(c.evaluate(kValues) == 1.0);
  CHECK(c.text() == "memory.fits && latency.tpot_s < 0.05");
  CHECK(c.referenced_fields() == std::vector<std::size_t>{0, 1});

  const Expression d =
      parse_ok("rent_usd_per_hour / (throughput.output_tokens_per_s * 3600) * 1e6");
  CHECK_FALSE(d.is_boolean());
  CHECK(d.evaluate(kValues) == Approx(2.5 / 3.6e6 * 1e6));
  CHECK(d.referenced_fields() == std::vector<std::size_t>{2, 3});

  CHECK(parse_ok("x + x * x").referenced_fields() == std::vector<std::size_t>{4});
  CHECK(parse_ok("1 + 2").referenced_fields().empty());
}

TEST_CASE("boolean results", "[expression]") {
  CHECK(parse_ok("x < 1").is_boolean());
  CHECK(parse_ok("x == 1 || y == 2").is_boolean());
  CHECK(parse_ok("not memory.fits").is_boolean());
  CHECK(parse_ok("(x > 1)").is_boolean());
  CHECK(parse_ok("true").is_boolean());
  CHECK(parse_ok("x ? y > 1 : false").is_boolean());
  CHECK_FALSE(parse_ok("x ? y : false").is_boolean());
  CHECK_FALSE(parse_ok("memory.fits").is_boolean());
  CHECK_FALSE(parse_ok("(x > 1) + 1").is_boolean());
  CHECK_FALSE(parse_ok("-(x > 1)").is_boolean());
  CHECK_FALSE(parse_ok("min(x < 1, 1)").is_boolean());
}

TEST_CASE("undefined arithmetic gives NaN", "[expression]") {
  CHECK(std::isnan(eval("1 / 0")));
  CHECK(std::isnan(eval("x / z")));
  CHECK(std::isnan(eval("0 / 0")));
  CHECK(std::isnan(eval("log10(0)")));
  CHECK(std::isnan(eval("log10(y)")));
  CHECK(std::isnan(eval("ln(0)")));
  CHECK(std::isnan(eval("sqrt(-1)")));
  CHECK(std::isnan(eval("clamp(1, 2, 0)")));
  // NaN propagates through arithmetic, comparisons and functions...
  CHECK(std::isnan(eval("nan_field + 1")));
  CHECK(std::isnan(eval("nan_field < 1")));
  CHECK(std::isnan(eval("nan_field != 1")));
  CHECK(std::isnan(eval("min(nan_field, 1)")));
  CHECK(std::isnan(eval("max(1, nan_field)")));
  CHECK(std::isnan(eval("!nan_field")));
  CHECK(std::isnan(eval("nan_field ? 1 : 2")));
  // ...except where the logic decides regardless.
  CHECK(eval("0 && nan_field") == 0.0);
  CHECK(eval("nan_field && 0") == 0.0);
  CHECK(std::isnan(eval("1 && nan_field")));
  CHECK(eval("1 || nan_field") == 1.0);
  CHECK(std::isnan(eval("0 || nan_field")));
  CHECK(eval("z != 0 ? x / z : -1") == -1.0);  // the untaken branch's NaN is dropped
  // Too few values: NaN rather than a read out of bounds.
  const std::vector<double> short_values = {1.0, 2.0};
  CHECK(std::isnan(parse_ok("x").evaluate(short_values)));
  CHECK(parse_ok("latency.tpot_s * 2").evaluate(short_values) == 4.0);
}

TEST_CASE("errors name the column", "[expression]") {
  // Unbalanced parentheses.
  CHECK(parse_error("(x + 1") ==
        "column 7: expected ')' (to close '(' at column 1), "
        "found end of expression");
  CHECK(parse_error("x + 1)") ==
        "column 6: unexpected ')'; expected an operator or end of "
        "expression");
  CHECK(parse_error("min(x, y") ==
        "column 9: expected ')' or ',' (to close '(' at column 4), "
        "found end of expression");
  CHECK(parse_error("()") == "column 2: expected a value, found ')'");
  // Trailing and doubled operators.
  CHECK(parse_error("x +") == "column 4: expected a value, found end of expression");
  CHECK(parse_error("x * * y") == "column 5: expected a value, found '*'");
  CHECK(parse_error("x &&") == "column 5: expected a value, found end of expression");
  CHECK(parse_error("x ? 1") ==
        "column 6: expected ':' (for '?' at column 3), found end of "
        "expression");
  CHECK(parse_error("x y") ==
        "column 3: unexpected name 'y'; expected an operator or end of "
        "expression");
  // Unknown names, with a did-you-mean when one is close.
  CHECK(parse_error("memory.fit && x") ==
        "column 1: unknown name 'memory.fit' (did you mean 'memory.fits'?)");
  CHECK(parse_error("1 + latency.tpot") ==
        "column 5: unknown name 'latency.tpot' (did you mean 'latency.tpot_s'?)");
  CHECK(parse_error("qqqqqqqq") == "column 1: unknown name 'qqqqqqqq'");
  // Functions.
  CHECK(parse_error("x + lg(2)") == "column 5: unknown function 'lg' (did you mean 'ln'?)");
  CHECK(parse_error("sqr(2)").rfind("column 1: unknown function 'sqr' (did you mean", 0) == 0);
  CHECK(parse_error("min(1)") == "column 1: min() takes 2 arguments, found 1");
  CHECK(parse_error("abs(1, 2)") == "column 1: abs() takes 1 argument, found 2");
  CHECK(parse_error("x * clamp(1, 2)") == "column 5: clamp() takes 3 arguments, found 2");
  CHECK(parse_error("sqrt()") == "column 1: sqrt() takes 1 argument, found 0");
  CHECK(parse_error("sqrt + 1") == "column 6: expected '(' after function 'sqrt'");
  // Operators that look like other languages'.
  CHECK(parse_error("x = 1") == "column 3: unexpected '='; use '==' to compare");
  CHECK(parse_error("x & y") == "column 3: unexpected '&'; use '&&' (or 'and')");
  CHECK(parse_error("x | y") == "column 3: unexpected '|'; use '||' (or 'or')");
  CHECK(parse_error("1 < x < 5") ==
        "column 7: comparisons cannot be chained; combine them "
        "with '&&'");
  CHECK(parse_error("x and") == "column 6: expected a value, found end of expression");
  CHECK(parse_error("and x") == "column 1: expected a value, found 'and'");
  // Empty text.
  CHECK(parse_error("") == "column 1: empty expression");
  CHECK(parse_error("   ") == "column 1: empty expression");
  // Garbage bytes and malformed numbers.
  CHECK(parse_error("x # y") == "column 3: unexpected character '#'");
  CHECK(parse_error("x + \xC3\xA9") == "column 5: unexpected byte 0xC3");
  CHECK(parse_error(std::string("x\0y", 3)) == "column 2: unexpected byte 0x00");
  CHECK(parse_error("2GB") == "column 1: malformed number '2GB'");
  CHECK(parse_error("1.5.3") == "column 1: malformed number '1.5.3'");
  CHECK(parse_error("x + 2e") == "column 5: malformed number '2e'");
  CHECK(parse_error("1e999") == "column 1: number '1e999' is out of range");
  // A null error pointer is allowed.
  CHECK_FALSE(Expression::parse("(", kFields, nullptr).has_value());
}

TEST_CASE("limits against abuse", "[expression]") {
  // 64 levels of nesting are fine; 65 are an error, not a stack overflow.
  CHECK(eval(std::string(64, '(') + "x" + std::string(64, ')')) == 3.0);
  CHECK(parse_error(std::string(65, '(') + "x" + std::string(65, ')')) ==
        "column 65: nesting deeper than 64 levels");
  CHECK(parse_error(std::string(100000, '(')).rfind("column 4097: expression longer than", 0) == 0);
  CHECK(parse_error(std::string(4000, '(')) == "column 65: nesting deeper than 64 levels");
  CHECK(parse_error(std::string(4000, '-') + "x") == "column 65: nesting deeper than 64 levels");
  CHECK(parse_error(std::string(4000, '!') + "x") == "column 65: nesting deeper than 64 levels");
  std::string nested_calls;
  for (int i = 0; i < 200; ++i) nested_calls += "abs(";
  CHECK(parse_error(nested_calls).rfind("column 260: nesting deeper than 64 levels", 0) == 0);
  std::string ternaries;
  for (int i = 0; i < 200; ++i) ternaries += "x ? 1 : ";
  ternaries += "0";
  CHECK(parse_error(ternaries).find("nesting deeper than 64 levels") != std::string::npos);

  // Long flat chains are bounded by the node limit: 512 terms make 1023 ops, 513 make 1025.
  std::string sum = "1";
  for (int i = 1; i < 512; ++i) sum += "+1";
  CHECK(eval(sum) == 512.0);
  sum += "+1";
  CHECK(parse_error(sum).find("expression too large (more than 1024 operations)") !=
        std::string::npos);

  // Text at exactly the length limit is accepted.
  std::string spaced = "x" + std::string(Expression::kMaxTextLength - 1, ' ');
  CHECK(eval(spaced) == 3.0);
  CHECK(parse_error(spaced + " ").rfind("column 4097: expression longer than 4096", 0) == 0);
}

TEST_CASE("evaluation is fast enough for a million rows", "[expression]") {
  const Expression e = parse_ok(
      "memory.fits && latency.tpot_s < 0.05 ? rent_usd_per_hour / "
      "(throughput.output_tokens_per_s * 3600) * 1e6 : max(x, y)");
  std::vector<double> row = kValues;
  double total = 0.0;
  for (int i = 0; i < 1'000'000; ++i) {
    row[1] = (i % 100) * 0.001 + 0.0005;
    total += e.evaluate(row);
  }
  // 50 of every 100 rows pass the constraint; the rest contribute max(x, y) = 3.
  CHECK(total == Approx(10'000 * (50 * 2.5 / 3.6 + 50 * 3.0)));
}
