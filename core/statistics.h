// statistics.h — the summary statistics the tool reports over repeated measurements and
// error samples. One definition each, so a "median" means the same in every output.
#pragma once

#include <optional>
#include <span>

namespace llmsizer::core {

// The median of values: the middle one for an odd count, the mean of the two middle ones for
// an even count; nullopt for none. NaNs are not allowed (their order is undefined).
std::optional<double> median(std::span<const double> values);

}  // namespace llmsizer::core
