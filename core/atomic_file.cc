// atomic_file.cc — temp file + fsync + rename for regular files, write-through for devices,
// symlinks followed (see atomic_file.h). POSIX calls only, so every layer can use it.
#include "core/atomic_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <climits>
#include <cstring>
#include <utility>

#include <fmt/format.h>

namespace llmsizer::core {

namespace {

constexpr std::size_t kChunk = 1 << 16;  // buffered bytes before a write(2)
constexpr int kMaxLinks = 40;            // as the kernel's ELOOP limit

std::string dir_of(const std::string& p) {
  const auto slash = p.rfind('/');
  if (slash == std::string::npos) return ".";
  return slash == 0 ? "/" : p.substr(0, slash);
}

std::string base_of(const std::string& p) {
  const auto slash = p.rfind('/');
  return slash == std::string::npos ? p : p.substr(slash + 1);
}

// What to do about errno `err`, for a message.
std::string remedy(int err, const std::string& dir) {
  switch (err) {
    case ENOSPC:
    case EDQUOT:
      return "free space or choose another path";
    case EACCES:
    case EPERM:
    case EROFS:
      return fmt::format("choose a path you may write (or get write permission on {})", dir);
    case ENOENT:
    case ENOTDIR:
      return fmt::format("the directory {} does not exist; create it or choose another path", dir);
    case ELOOP:
      return "the path is a symlink loop; point it at a file";
    default:
      return "choose another path";
  }
}

std::atomic<unsigned> g_temp_counter{0};

}  // namespace

AtomicFile::AtomicFile(std::string path) : path_(std::move(path)) {
  if (path_.empty()) {
    error_ = "no file name given";
    return;
  }
  // Follow symlinks to the file that is really written; a dangling link's target is created.
  target_ = path_;
  struct stat st {};
  for (int hops = 0;; ++hops) {
    if (::lstat(target_.c_str(), &st) != 0) {
      st = {};
      if (errno != ENOENT) {
        fail("cannot look at the path", errno);
        return;
      }
      break;  // a new file
    }
    if (!S_ISLNK(st.st_mode)) break;
    if (hops == kMaxLinks) {
      fail("cannot follow the symlink", ELOOP);
      return;
    }
    char buf[PATH_MAX];
    const ssize_t n = ::readlink(target_.c_str(), buf, sizeof buf - 1);
    if (n < 0) {
      fail("cannot read the symlink", errno);
      return;
    }
    std::string link(buf, static_cast<std::size_t>(n));
    target_ = link.front() == '/' ? link : dir_of(target_) + "/" + link;
  }
  const bool exists = st.st_mode != 0;
  if (exists && S_ISDIR(st.st_mode)) {
    error_ = "is a directory; give a file name";
    return;
  }
  if (exists && !S_ISREG(st.st_mode)) {
    // A character device, FIFO, socket or block device: renaming over it would replace the
    // node, so write to it directly (a FIFO's open waits for a reader, as a shell's does).
    fd_ = ::open(target_.c_str(), O_WRONLY | O_NOCTTY | O_CLOEXEC);
    if (fd_ < 0) fail("cannot open for writing", errno);
    return;
  }
  const std::string dir = dir_of(target_);
  for (;;) {
    tmp_ = fmt::format("{}/.{}.tmp.{}.{}", dir, base_of(target_), ::getpid(), g_temp_counter++);
    fd_ = ::open(tmp_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
    if (fd_ >= 0 || errno != EEXIST) break;
  }
  if (fd_ < 0) {
    const int err = errno;
    tmp_.clear();
    fail(fmt::format("cannot create a file in {}", dir), err);
    return;
  }
  // An existing file keeps its permission bits; a new one gets 0666 less the umask.
  if (exists && ::fchmod(fd_, st.st_mode & 07777) != 0) fail("cannot keep the file's mode", errno);
}

AtomicFile::AtomicFile(AtomicFile&& o) noexcept
    : path_(std::move(o.path_)),
      target_(std::move(o.target_)),
      tmp_(std::move(o.tmp_)),
      buffer_(std::move(o.buffer_)),
      fd_(std::exchange(o.fd_, -1)),
      committed_(std::exchange(o.committed_, true)),
      error_(std::move(o.error_)) {
  o.tmp_.clear();
}

AtomicFile::~AtomicFile() {
  discard();
}

void AtomicFile::discard() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
  if (!committed_ && !tmp_.empty()) ::unlink(tmp_.c_str());
  tmp_.clear();
}

void AtomicFile::fail(const std::string& what, int err) {
  const std::string via = target_ != path_ && !target_.empty()
                              ? fmt::format(" (the symlink's target {})", target_)
                              : std::string();
  error_ = fmt::format("{}{}: {}; {}", what, via, std::strerror(err),
                       remedy(err, dir_of(target_.empty() ? path_ : target_)));
  discard();
}

bool AtomicFile::flush_buffer() {
  std::size_t off = 0;
  while (off < buffer_.size()) {
    const ssize_t n = ::write(fd_, buffer_.data() + off, buffer_.size() - off);
    if (n < 0) {
      if (errno == EINTR) continue;
      fail("cannot write", errno);
      return false;
    }
    off += static_cast<std::size_t>(n);
  }
  buffer_.clear();
  return true;
}

bool AtomicFile::write(std::string_view text) {
  if (!ok() || committed_) return false;
  buffer_.append(text);
  return buffer_.size() < kChunk || flush_buffer();
}

bool AtomicFile::commit() {
  if (!ok() || committed_) return false;
  if (!flush_buffer()) return false;
  if (tmp_.empty()) {  // written through
    committed_ = true;
    discard();
    return true;
  }
  if (::fsync(fd_) != 0) {
    fail("cannot write", errno);
    return false;
  }
  const int fd = std::exchange(fd_, -1);
  if (::close(fd) != 0) {
    fail("cannot write", errno);
    return false;
  }
  if (::rename(tmp_.c_str(), target_.c_str()) != 0) {
    fail("cannot put the finished file in place", errno);
    return false;
  }
  committed_ = true;
  tmp_.clear();
  return true;
}

bool write_file_atomically(const std::string& path, std::string_view text, std::string* error) {
  AtomicFile f(path);
  if (f.write(text) && f.commit()) return true;
  if (error) *error = f.error();
  return false;
}

}  // namespace llmsizer::core
