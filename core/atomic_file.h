// atomic_file.h — the one way the tool writes an output file. A regular file (or a new path)
// is written to a temporary in the same directory, fsynced and renamed into place, so a reader
// sees the old file or the whole new one, never half; a symlink is followed (its target is
// written, a dangling link's target created); a character device, FIFO or socket is written
// through, since renaming over it would replace the device node.
#pragma once

#include <string>
#include <string_view>

namespace llmsizer::core {

// One output file. Open with the constructor, write() any number of times, then commit().
// Any failure (cannot create, ENOSPC, EACCES, missing directory, rename failed) sets ok() to
// false and error() to a message that names the path and says what to do; later calls do
// nothing. Destroying an uncommitted file removes its temporary, so the target keeps its old
// content (or stays absent). Data written through to a device is not taken back.
class AtomicFile {
 public:
  explicit AtomicFile(std::string path);
  ~AtomicFile();
  AtomicFile(const AtomicFile&) = delete;
  AtomicFile& operator=(const AtomicFile&) = delete;
  AtomicFile(AtomicFile&& other) noexcept;
  AtomicFile& operator=(AtomicFile&&) = delete;

  bool ok() const { return error_.empty(); }
  // Why the file could not be written, e.g. "/dev/full: cannot write (No space left on
  // device); free space or choose another path". Empty while ok().
  const std::string& error() const { return error_; }
  // The path as given (a symlink stays the symlink's name).
  const std::string& path() const { return path_; }

  // Appends text (buffered; a device sees it in chunks, and at commit()). False on failure.
  bool write(std::string_view text);
  // Writes what is buffered; a regular file is then fsynced, given the old file's mode (or
  // the umask's default for a new one) and renamed over the target. True when the whole
  // file is in place.
  bool commit();

 private:
  bool flush_buffer();
  void fail(const std::string& what, int err);
  void discard();

  std::string path_;    // as given
  std::string target_;  // after following symlinks
  std::string tmp_;     // the temporary beside target_, empty when writing through
  std::string buffer_;
  int fd_ = -1;
  bool committed_ = false;
  std::string error_;
};

// Writes text to path with AtomicFile. False with *error set on failure.
bool write_file_atomically(const std::string& path, std::string_view text, std::string* error);

}  // namespace llmsizer::core
