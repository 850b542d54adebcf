// shipped_catalog.h — the shipped profiles/ catalog and prices, loaded once per test binary.
#pragma once

#include <catch2/catch.hpp>

#include "schema/catalog.h"
#include "schema/pricing.h"
#include "test_paths.h"

namespace llmsizer::test {
inline const schema::Catalog& shipped_catalog() {
  static const schema::Catalog c = [] {
    core::Diagnostics d;
    auto loaded = schema::load_catalog(profiles_dir(), d);
    INFO(d.format());
    REQUIRE(loaded);
    return *loaded;
  }();
  return c;
}
// The shipped price documents (profiles/apis, profiles/costs), loaded once.
inline const schema::PriceCatalog& shipped_prices() {
  static const schema::PriceCatalog p = [] {
    core::Diagnostics d;
    auto loaded = schema::load_price_catalog(profiles_dir(), d);
    INFO(d.format());
    REQUIRE(loaded);
    return *loaded;
  }();
  return p;
}
}  // namespace llmsizer::test
