// precision_text.h — how every command states the precision it ran with and why (the
// precision rule, estimator/precision.h), in its table and its JSON.
#pragma once

#include <string>

#include "estimator/deployment.h"
#include "schema/text_writer.h"

namespace llmsizer::report {

// "weights fp8_e4m3, KV f16, activations fp8_e4m3 (W8A8: ...)": the precision a command ran
// with and why, for the first lines of its table output.
std::string precision_text(const estimator::Deployment& d);
// The same as JSON keys weights, kv, activations, activations_basis.
void precision_json(schema::JsonWriter& j, const estimator::Deployment& d);

}  // namespace llmsizer::report
