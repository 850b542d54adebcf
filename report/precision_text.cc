// precision_text.cc — the precision line and JSON keys (see precision_text.h).
#include "report/precision_text.h"

#include <fmt/format.h>

#include "core/dtype.h"

namespace llmsizer::report {

std::string precision_text(const estimator::Deployment& d) {
  std::string t = fmt::format("weights {}, KV {}, activations {}", d.scheme().name,
                              core::name(d.kv), core::name(d.activations));
  if (!d.activations_basis.empty()) t += " (" + d.activations_basis + ")";
  return t;
}

void precision_json(schema::JsonWriter& j, const estimator::Deployment& d) {
  j.key("weights").value(d.scheme().name).key("kv").value(std::string(core::name(d.kv)));
  j.key("activations").value(std::string(core::name(d.activations)));
  j.key("activations_basis").value(d.activations_basis);
}

}  // namespace llmsizer::report
