// test_profile_cmd.cc — `llmsizer profile` as a user runs it: option errors exit 2, and
// SIGINT (Ctrl-C) or SIGTERM mid-run exits 128 + signal leaving neither the output nor a temp
// file behind.
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
  CHECK(run_cli("profile --device tpu") == 2);
  CHECK(run_cli("profile --device gpu --gpu -1") == 2);
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

TEST_CASE("profile --device gpu: exit 2 without CUDA, nothing written without a device",
          "[cli][profile]") {
  const fs::path out =
      fs::temp_directory_path() / ("llmsizer-gpu-profile-" + std::to_string(getpid()) + ".yaml");
  const int rc = run_cli("profile --device gpu --quiet --out " + out.string());
#ifdef LLMSIZER_TEST_HAVE_CUDA
  // With a device this measures it (seconds); without one it reports the runtime's reason.
  CHECK((rc == 0 || rc == 1));
  CHECK(fs::exists(out) == (rc == 0));
#else
  CHECK(rc == 2);
  CHECK_FALSE(fs::exists(out));
#endif
  fs::remove(out);
}

TEST_CASE("SIGINT or SIGTERM during profile leaves no file and exits 128 + signal",
          "[cli][profile]") {
  const int sig = GENERATE(SIGINT, SIGTERM);
  INFO("signal " << sig);
  const fs::path dir = fs::temp_directory_path() / ("llmsizer-profile-" + std::to_string(getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  const std::string out = (dir / "p.yaml").string();
  // The child's progress lines (stderr, not a terminal) tell when it is measuring, i.e. its
  // SIGINT handler is in place; a fixed delay raced with slow start-up (a CUDA build loads
  // cuBLASLt first).
  int fds[2];
  REQUIRE(pipe(fds) == 0);
  const pid_t pid = fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    close(fds[0]);
    dup2(fds[1], STDERR_FILENO);
    execl(LLMSIZER_CLI_PATH, "llmsizer", "profile", "--out", out.c_str(),
          static_cast<char*>(nullptr));
    _exit(127);
  }
  close(fds[1]);
  char c = 0;
  while (read(fds[0], &c, 1) == 1 && c != '\n') {
  }
  kill(pid, sig);
  while (read(fds[0], &c, 1) == 1) {  // drain so the child never blocks on a full pipe
  }
  close(fds[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  REQUIRE(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 128 + sig);
  CHECK(fs::is_empty(dir));
  fs::remove_all(dir);
}

#endif
