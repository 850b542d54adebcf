// output.cc — report output: stdout, or core::AtomicFile (see output.h).
#include "cli/output.h"

#include <cerrno>
#include <cstdio>
#include <cstring>

#include <fmt/format.h>

#include "core/atomic_file.h"

namespace llmsizer::cli {

bool emit(const std::string& path, const std::string& text, core::Diagnostics& diags) {
  if (path.empty() || path == "-") {
    const bool whole = std::fwrite(text.data(), 1, text.size(), stdout) == text.size();
    if (whole && std::fflush(stdout) == 0) return true;
    diags.error(
        {"<stdout>", 0, 0}, "",
        fmt::format("cannot write ({}); free space or redirect elsewhere", std::strerror(errno)));
    return false;
  }
  core::AtomicFile f(path);
  if (f.write(text) && f.commit()) return true;
  diags.error({path, 0, 0}, "--out", f.error());
  return false;
}

std::string format_rate(double v, const char* unit) {
  const char* prefix[] = {"", "k", "M", "G", "T", "P"};
  int i = 0;
  while (v >= 1000 && i < 5) {
    v /= 1000;
    ++i;
  }
  return fmt::format("{:.3g} {}{}", v, prefix[i], unit);
}

}  // namespace llmsizer::cli
