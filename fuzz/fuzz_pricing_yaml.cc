// fuzz_pricing_yaml.cc — libFuzzer target: schema::parse_price_document, which dispatches on
// `schema:` to the four price kinds (api pricing, cloud pricing, purchase prices, cost
// assumptions); the seed corpus holds documents of every kind. Contract checked: no
// crash/leak/UB; rejection comes with an error.
#include "fuzz/fuzz_common.h"
#include "schema/pricing.h"

LLMSIZER_FUZZ_TARGET(pricing_yaml) {
  using namespace llmsizer;
  core::Diagnostics d;
  schema::PriceCatalog into;
  const bool ok = schema::parse_price_document(fuzz::as_text(data, size), "fuzz.yaml", into, d);
  if (!ok) fuzz::require(d.has_errors(), "rejected without an error diagnostic");
  return 0;
}
