// cli_runner.h — runs the llmsizer executable as a user would (with the shipped profiles),
// capturing stdout + stderr and the exit code; shared by the CLI tests.
#pragma once

#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <string>

#include <catch2/catch.hpp>

#include "test_paths.h"

namespace llmsizer::test {

struct CliRun {
  int code;
  std::string out;  // stdout + stderr
};

inline CliRun run_cli_captured(const std::string& args) {
  const std::string cmd =
      std::string(LLMSIZER_CLI_PATH) + " --profiles " + profiles_dir() + " " + args + " 2>&1";
  CliRun r{-1, ""};
  FILE* p = popen(cmd.c_str(), "r");
  REQUIRE(p);
  std::array<char, 4096> buf{};
  std::size_t n = 0;
  while ((n = fread(buf.data(), 1, buf.size(), p)) > 0) r.out.append(buf.data(), n);
  const int status = pclose(p);
  r.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

}  // namespace llmsizer::test
