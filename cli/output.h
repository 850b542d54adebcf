// output.h — where the CLI's reports go: stdout, or a file written by core::AtomicFile
// (temp file + rename for a regular file, symlinks followed, devices and FIFOs written
// through), so an interrupted or failed run never leaves half a file.
#pragma once

#include <string>

#include "core/diagnostics.h"

namespace llmsizer::cli {

// Writes `text` to `path` (core::AtomicFile), or to stdout when path is empty or "-". On
// failure, an error located at the path (key --out) is added to diags and false returned.
bool emit(const std::string& path, const std::string& text, core::Diagnostics& diags);

// A rate with an SI prefix and 3 significant digits: format_rate(2.3e11, "FLOP/s") ->
// "230 GFLOP/s".
std::string format_rate(double v, const char* unit);

}  // namespace llmsizer::cli
