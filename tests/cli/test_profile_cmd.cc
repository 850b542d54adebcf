// test_profile_cmd.cc — `llmsizer profile` as a user runs it: option errors exit 2, and
// Ctrl-C (SIGINT) mid-run exits 130 leaving neither the output nor a temp file behind.
// The full measurement is not run here (it takes seconds); tests/profiler covers it.
#include <catch2/catch.hpp>

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <thread>

namespace fs = std::filesystem;

#ifdef LLMSIZER_TEST_HAVE_PROFILER

namespace {

int run_cli(const std::string& args) {
  const std::string cmd = std::string(LLMSIZER_CLI_PATH) + " " + args + " >/dev/null 2>&1";
  const int status = std::system(cmd.c_str());
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

}  // namespace

TEST_CASE("profile rejects bad options with exit 2", "[cli][profile]") {
  CHECK(run_cli("profile --quick --full") == 2);
  CHECK(run_cli("profile --threads 0") == 2);
  // An unknown sweep model is refused before anything is measured, with its closest names.
  CHECK(run_cli("profile --models tinyllama-1.1b,llama-3.1-8x") == 2);
  std::string text;
  FILE* p =
      popen((std::string(LLMSIZER_CLI_PATH) + " profile --models llama-3.1-8x 2>&1").c_str(), "r");
  REQUIRE(p);
  char buf[512];
  while (std::fgets(buf, sizeof(buf), p)) text += buf;
  pclose(p);
  INFO(text);
  CHECK(text.find("<command line>: error: --models") != std::string::npos);
  CHECK(text.find("llama-3.1-8b") != std::string::npos);  // did you mean
}

TEST_CASE("Ctrl-C during profile leaves no file and exits 130", "[cli][profile]") {
  const fs::path dir = fs::temp_directory_path() / ("llmsizer-profile-" + std::to_string(getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  const std::string out = (dir / "p.yaml").string();
  const pid_t pid = fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    execl(LLMSIZER_CLI_PATH, "llmsizer", "profile", "--quiet", "--out", out.c_str(),
          static_cast<char*>(nullptr));
    _exit(127);
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(400));
  kill(pid, SIGINT);
  int status = 0;
  waitpid(pid, &status, 0);
  REQUIRE(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 130);
  CHECK(fs::is_empty(dir));
  fs::remove_all(dir);
}

#endif
