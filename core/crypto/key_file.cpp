// Key files on disk: loading a PEM private key with a permission check, and
// the atomic, mode-preserving write used for every secret file.
//
// Crash safety of write_file_atomic: the contents go to a fresh temp file in
// the target's directory (so the final step is a same-filesystem rename or
// link), are fsync'ed, then moved into place, then the directory is fsync'ed.
// After a crash the target is either absent/old or complete, never partial. A
// crash between creating and moving the temp file can leave a hidden
// ".<name>.tmp.<random>" file of the same mode behind.
#include <fcntl.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstdio>
#include <cstring>

#include "mlchain/crypto/ed25519.h"
#include "openssl_util.h"

namespace mlchain::crypto {
namespace {

namespace fs = std::filesystem;

constexpr off_t kMaxKeyFileSize = 1 << 20;  // a key + certificate is ~1 KB

std::string errno_text(int err) { return std::strerror(err); }

std::string octal_mode(mode_t mode) {
  std::array<char, 8> buf{};
  std::snprintf(buf.data(), buf.size(), "%04o", static_cast<unsigned>(mode & 07777));
  return buf.data();
}

// The path as the user would type it in a shell command.
std::string shell_quoted(const std::string& s) {
  bool plain =
      !s.empty() && s.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_./+-:@,=%") ==
                        std::string::npos;
  if (plain) return s;
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() { reset(); }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }
  // Closes now and reports close()'s error (which can be a deferred write error).
  int close_checked() {
    int rc = ::close(fd_);
    fd_ = -1;
    return rc;
  }
  void reset() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

 private:
  int fd_;
};

// Overwrites a buffer that held key material before it is freed.
class Cleanse {
 public:
  explicit Cleanse(std::string& s) : s_(s) {}
  ~Cleanse() {
    if (!s_.empty()) OPENSSL_cleanse(s_.data(), s_.size());
  }
  Cleanse(const Cleanse&) = delete;
  Cleanse& operator=(const Cleanse&) = delete;

 private:
  std::string& s_;
};

Status exists_error(const std::string& target) { return already_exists(target + " exists; use --force to overwrite"); }

Status write_all(int fd, std::string_view data, const std::string& what) {
  while (!data.empty()) {
    ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return io_error("cannot write " + what + ": " + errno_text(errno));
    }
    data.remove_prefix(static_cast<std::size_t>(n));
  }
  return {};
}

Status fsync_dir(const fs::path& dir) {
  Fd fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (fd.get() < 0) return io_error("cannot open directory " + dir.string() + ": " + errno_text(errno));
  // Some file systems cannot fsync a directory (EINVAL); nothing more to do there.
  if (::fsync(fd.get()) != 0 && errno != EINVAL) {
    return io_error("cannot fsync directory " + dir.string() + ": " + errno_text(errno));
  }
  return {};
}

}  // namespace

Result<PrivateKey> PrivateKey::load_pem_file(const fs::path& path) {
  const std::string name = path.string();
  // O_NONBLOCK: a FIFO must not hang the open; it is refused below.
  Fd fd(::open(name.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK));
  if (fd.get() < 0) {
    int err = errno;
    if (err == ENOENT) return not_found("key file " + name + " does not exist");
    return io_error("cannot open key file " + name + ": " + errno_text(err));
  }
  // fstat the open file, not the path, so the checked file is the read file.
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) return io_error("cannot stat key file " + name + ": " + errno_text(errno));
  if (!S_ISREG(st.st_mode)) return invalid_argument("key file " + name + " is not a regular file");
  // The mode is checked after the content: a file that is not a key at all
  // (a genesis.json named as key_file) must not get a chmod hint.
  const bool exposed = (st.st_mode & 077) != 0;
  if (st.st_size > kMaxKeyFileSize) {
    return invalid_argument("key file " + name + " is too large (" + std::to_string(st.st_size) +
                            " bytes) to be a key file");
  }
  std::string contents;
  Cleanse cleanse(contents);
  contents.reserve(static_cast<std::size_t>(st.st_size) + 1);
  std::array<char, 4096> buf{};
  for (;;) {
    ssize_t n = ::read(fd.get(), buf.data(), buf.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return io_error("cannot read key file " + name + ": " + errno_text(errno));
    }
    if (n == 0) break;
    contents.append(buf.data(), static_cast<std::size_t>(n));
    if (contents.size() > static_cast<std::size_t>(kMaxKeyFileSize)) {
      return invalid_argument("key file " + name + " is too large to be a key file");
    }
  }
  OPENSSL_cleanse(buf.data(), buf.size());
  if (contents.find("-----BEGIN PRIVATE KEY-----") == std::string::npos) {
    return invalid_argument("key file " + name + " holds no PEM private key (no '-----BEGIN PRIVATE KEY-----' line); " +
                            "is it the right file? Keys are made by: mlchain key gen --out FILE");
  }
  if (exposed) {
    const char* what = (st.st_mode & 044) != 0 ? "readable" : "accessible";
    return invalid_argument("key file " + name + " is " + what + " by group/others (mode " + octal_mode(st.st_mode) +
                            "); run: chmod 600 " + shell_quoted(name));
  }
  auto key = from_pem(contents);
  if (!key.ok()) return key.status().with_context("key file " + name);
  return key;
}

Status write_file_atomic(const fs::path& path, std::string_view contents, unsigned mode, bool overwrite) {
  if (mode > 07777) return invalid_argument("file mode " + std::to_string(mode) + " is not a permission mode");
  if (!path.has_filename()) return invalid_argument("\"" + path.string() + "\" does not name a file");
  const std::string target = path.string();
  const fs::path dir = path.has_parent_path() ? path.parent_path() : fs::path(".");

  struct stat st {};
  if (!overwrite && ::lstat(target.c_str(), &st) == 0) return exists_error(target);

  std::array<unsigned char, 8> rnd{};
  if (RAND_bytes(rnd.data(), static_cast<int>(rnd.size())) != 1) {
    return internal_error("RAND_bytes failed: " + detail::openssl_error());
  }
  const std::string tmp = (dir / ("." + path.filename().string() + ".tmp." + to_hex(rnd))).string();

  const auto file_mode = static_cast<mode_t>(mode);
  Fd fd(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, file_mode));
  if (fd.get() < 0) {
    int err = errno;
    if (err == ENOENT) return not_found("directory " + dir.string() + " does not exist");
    return io_error("cannot create a file in " + dir.string() + ": " + errno_text(err));
  }
  bool committed = false;
  struct Unlinker {
    const std::string& p;
    const bool& done;
    ~Unlinker() {
      if (!done) ::unlink(p.c_str());
    }
  } unlinker{tmp, committed};

  // open() applied the umask; fchmod sets exactly the requested mode.
  if (::fchmod(fd.get(), file_mode) != 0) return io_error("cannot chmod " + tmp + ": " + errno_text(errno));
  MLCHAIN_TRY(write_all(fd.get(), contents, tmp));
  if (::fsync(fd.get()) != 0) return io_error("cannot fsync " + tmp + ": " + errno_text(errno));
  if (fd.close_checked() != 0) return io_error("cannot close " + tmp + ": " + errno_text(errno));

  if (overwrite) {
    if (::rename(tmp.c_str(), target.c_str()) != 0) {
      return io_error("cannot rename " + tmp + " to " + target + ": " + errno_text(errno));
    }
  } else if (::link(tmp.c_str(), target.c_str()) == 0) {
    // link() fails if the target appeared since the check above: no race can
    // replace a file the caller did not ask to replace.
    ::unlink(tmp.c_str());
  } else {
    int err = errno;
    if (err == EEXIST) return exists_error(target);
    // File systems without hard links: fall back to check-then-rename.
    if (err != EPERM && err != EOPNOTSUPP && err != ENOSYS) {
      return io_error("cannot link " + tmp + " to " + target + ": " + errno_text(err));
    }
    if (::lstat(target.c_str(), &st) == 0) return exists_error(target);
    if (::rename(tmp.c_str(), target.c_str()) != 0) {
      return io_error("cannot rename " + tmp + " to " + target + ": " + errno_text(errno));
    }
  }
  committed = true;
  return fsync_dir(dir);
}

}  // namespace mlchain::crypto
