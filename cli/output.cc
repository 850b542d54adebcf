// output.cc — atomic report output (see output.h).
#include "cli/output.h"

#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>

#include <fmt/format.h>

namespace llmsizer::cli {

bool emit(const std::string& path, const std::string& text, core::Diagnostics& diags) {
  if (path.empty() || path == "-") {
    std::fwrite(text.data(), 1, text.size(), stdout);
    std::fflush(stdout);
    return true;
  }
  namespace fs = std::filesystem;
  std::error_code ec;
  if (fs::is_directory(path, ec)) {
    diags.error({path, 0, 0}, "--out", "is a directory; give a file name");
    return false;
  }
  const fs::path target(path);
  const fs::path dir = target.has_parent_path() ? target.parent_path() : fs::path(".");
  const std::string tmp =
      (dir / ("." + target.filename().string() + ".tmp." + std::to_string(::getpid()))).string();
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) {
      diags.error({path, 0, 0}, "--out", std::string("cannot write here: ") + std::strerror(errno));
      return false;
    }
    out.write(text.data(), static_cast<std::streamsize>(text.size()));
    out.flush();
    if (!out) {
      diags.error({path, 0, 0}, "--out", "write failed (disk full?)");
      fs::remove(tmp, ec);
      return false;
    }
  }
  fs::rename(tmp, target, ec);
  if (ec) {
    diags.error({path, 0, 0}, "--out", "cannot replace the file: " + ec.message());
    fs::remove(tmp, ec);
    return false;
  }
  return true;
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
