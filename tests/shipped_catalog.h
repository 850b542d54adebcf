// shipped_catalog.h — the shipped profiles/ catalog, loaded once per test binary.
#pragma once

#include <catch2/catch.hpp>

#include "schema/catalog.h"
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
}  // namespace llmsizer::test
