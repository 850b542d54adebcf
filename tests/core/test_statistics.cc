// test_statistics.cc — core::median: odd and even counts, unsorted input, one value, none.
#include <vector>

#include <catch2/catch.hpp>

#include "core/statistics.h"

using llmsizer::core::median;

TEST_CASE("median of an odd count is the middle value", "[statistics]") {
  const std::vector<double> v{5, 1, 3};
  CHECK(median(v) == 3.0);
  CHECK(v == std::vector<double>{5, 1, 3});  // the input is left as it was
}

TEST_CASE("median of an even count is the mean of the two middle values", "[statistics]") {
  CHECK(median(std::vector<double>{0.1, -0.5, 0.4, 2.0}) == Approx(0.25));
  CHECK(median(std::vector<double>{2, 1}) == 1.5);
}

TEST_CASE("median of one value is that value, of none is nothing", "[statistics]") {
  CHECK(median(std::vector<double>{7.5}) == 7.5);
  CHECK_FALSE(median(std::vector<double>{}).has_value());
}
