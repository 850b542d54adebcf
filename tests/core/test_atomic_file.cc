// test_atomic_file.cc — core::AtomicFile on every kind of path: regular (mode kept), new,
// symlink and dangling symlink (followed, link kept), FIFO and /dev/null (written through,
// still the same node), /dev/full and a missing directory (an error, nothing left behind).
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>

#include <catch2/catch.hpp>

#include "core/atomic_file.h"

namespace fs = std::filesystem;
using llmsizer::core::AtomicFile;
using llmsizer::core::write_file_atomically;

namespace {

struct TempDir {
  fs::path dir;
  TempDir() {
    dir = fs::temp_directory_path() / ("llmsizer-atomic-" + std::to_string(::getpid()));
    fs::remove_all(dir);
    fs::create_directories(dir);
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(dir, ec);
  }
  std::size_t entries() const {
    std::size_t n = 0;
    for ([[maybe_unused]] const auto& e : fs::directory_iterator(dir)) ++n;
    return n;
  }
};

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace

TEST_CASE("a new path is created whole, with no temporary left", "[atomic_file]") {
  TempDir t;
  std::string err;
  REQUIRE(write_file_atomically((t.dir / "new.txt").string(), "hello\n", &err));
  CHECK(err.empty());
  CHECK(slurp(t.dir / "new.txt") == "hello\n");
  CHECK(t.entries() == 1);
}

TEST_CASE("a regular file is replaced and keeps its mode", "[atomic_file]") {
  TempDir t;
  const fs::path p = t.dir / "old.txt";
  std::ofstream(p) << "old content that is longer\n";
  REQUIRE(::chmod(p.c_str(), 0640) == 0);
  std::string err;
  REQUIRE(write_file_atomically(p.string(), "new\n", &err));
  CHECK(slurp(p) == "new\n");
  struct stat st {};
  REQUIRE(::stat(p.c_str(), &st) == 0);
  CHECK((st.st_mode & 07777) == 0640);
  CHECK(t.entries() == 1);
}

TEST_CASE("an uncommitted file leaves the old content and no temporary", "[atomic_file]") {
  TempDir t;
  const fs::path p = t.dir / "keep.txt";
  std::ofstream(p) << "old\n";
  {
    AtomicFile f(p.string());
    REQUIRE(f.ok());
    // More than one buffered chunk, so part of it has reached the temporary.
    CHECK(f.write(std::string(200000, 'x')));
    CHECK(t.entries() == 2);
  }
  CHECK(slurp(p) == "old\n");
  CHECK(t.entries() == 1);
}

TEST_CASE("a symlink is followed: its target is written, the link stays", "[atomic_file]") {
  TempDir t;
  std::ofstream(t.dir / "target.txt") << "old\n";
  fs::create_symlink("target.txt", t.dir / "link.txt");  // relative, as users make them
  std::string err;
  REQUIRE(write_file_atomically((t.dir / "link.txt").string(), "new\n", &err));
  CHECK(fs::is_symlink(fs::symlink_status(t.dir / "link.txt")));
  CHECK(slurp(t.dir / "target.txt") == "new\n");
  CHECK(t.entries() == 2);
}

TEST_CASE("a dangling symlink's target is created", "[atomic_file]") {
  TempDir t;
  fs::create_directories(t.dir / "sub");
  fs::create_symlink(t.dir / "sub" / "made.txt", t.dir / "dangling");
  std::string err;
  REQUIRE(write_file_atomically((t.dir / "dangling").string(), "made\n", &err));
  CHECK(fs::is_symlink(fs::symlink_status(t.dir / "dangling")));
  CHECK(slurp(t.dir / "sub" / "made.txt") == "made\n");
}

TEST_CASE("a FIFO is written through, not replaced", "[atomic_file]") {
  TempDir t;
  const fs::path fifo = t.dir / "pipe";
  REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
  std::string got;
  std::thread reader([&] { got = slurp(fifo); });
  const std::string text(100000, 'f');  // more than a pipe buffer
  std::string err;
  const bool ok = write_file_atomically(fifo.string(), text, &err);
  reader.join();
  CHECK(ok);
  CHECK(err.empty());
  CHECK(got == text);
  CHECK(fs::is_fifo(fs::symlink_status(fifo)));
  CHECK(t.entries() == 1);
}

TEST_CASE("/dev/null is written through and stays a character device", "[atomic_file]") {
  std::string err;
  CHECK(write_file_atomically("/dev/null", "discarded\n", &err));
  CHECK(err.empty());
  CHECK(fs::is_character_file(fs::symlink_status("/dev/null")));
}

TEST_CASE("/dev/full is an error that says the device is full", "[atomic_file]") {
  if (!fs::is_character_file("/dev/full")) {
    WARN("no /dev/full on this host");
    return;
  }
  std::string err;
  CHECK_FALSE(write_file_atomically("/dev/full", "text\n", &err));
  CHECK_THAT(err, Catch::Contains("No space left on device"));
  CHECK_THAT(err, Catch::Contains("free space or choose another path"));
  CHECK(fs::is_character_file(fs::symlink_status("/dev/full")));
}

TEST_CASE("a missing directory is an error naming it", "[atomic_file]") {
  TempDir t;
  const fs::path p = t.dir / "absent" / "out.txt";
  AtomicFile f(p.string());
  CHECK_FALSE(f.ok());
  CHECK_FALSE(f.write("x"));
  CHECK_FALSE(f.commit());
  CHECK_THAT(f.error(), Catch::Contains((t.dir / "absent").string() + " does not exist"));
  CHECK_FALSE(fs::exists(t.dir / "absent"));
}

TEST_CASE("a directory is refused", "[atomic_file]") {
  TempDir t;
  std::string err;
  CHECK_FALSE(write_file_atomically(t.dir.string(), "x", &err));
  CHECK_THAT(err, Catch::Contains("is a directory"));
}
