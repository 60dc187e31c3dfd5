#include "mlchain/node/data_dir.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>
#include <system_error>

namespace mlchain::node {

Result<DataDirLock> DataDirLock::acquire(const std::filesystem::path& dir) {
  std::error_code ec;
  bool existed = std::filesystem::exists(dir, ec);
  if (!existed) {
    std::filesystem::create_directories(dir, ec);
    if (ec) return unavailable("cannot create data_dir " + dir.string() + ": " + ec.message());
  }
  bool fresh = !std::filesystem::exists(dir / "data.mdb", ec);
  std::filesystem::path file = dir / "mlchain.lock";
  int fd = ::open(file.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) return unavailable("cannot open " + file.string() + ": " + std::strerror(errno));
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    int err = errno;
    char buf[32] = {};
    ssize_t n = ::pread(fd, buf, sizeof buf - 1, 0);
    ::close(fd);
    std::string pid = n > 0 ? std::string(buf, static_cast<std::size_t>(n)) : std::string();
    while (!pid.empty() && (pid.back() == '\n' || pid.back() == ' ')) pid.pop_back();
    if (err == EWOULDBLOCK) {
      return failed_precondition("data_dir " + dir.string() + " is in use by " +
                                 (pid.empty() ? std::string("another process") : "pid " + pid) +
                                 " (another mlchain node or edge on the same directory); stop it, or give this one "
                                 "its own data_dir");
    }
    return unavailable("cannot lock " + file.string() + ": " + std::strerror(err));
  }
  std::string me = std::to_string(::getpid()) + "\n";
  if (::ftruncate(fd, 0) != 0 || ::pwrite(fd, me.data(), me.size(), 0) != static_cast<ssize_t>(me.size())) {
    // The lock holds without the pid; only the message of a second process suffers.
  }
  return DataDirLock(dir, fd, fresh, !existed);
}

DataDirLock::DataDirLock(DataDirLock&& o) noexcept
    : dir_(std::move(o.dir_)), fd_(o.fd_), fresh_(o.fresh_), created_dir_(o.created_dir_) {
  o.fd_ = -1;
}

DataDirLock& DataDirLock::operator=(DataDirLock&& o) noexcept {
  if (this != &o) {
    if (fd_ >= 0) ::close(fd_);
    dir_ = std::move(o.dir_);
    fd_ = o.fd_;
    fresh_ = o.fresh_;
    created_dir_ = o.created_dir_;
    o.fd_ = -1;
  }
  return *this;
}

DataDirLock::~DataDirLock() {
  if (fd_ >= 0) ::close(fd_);  // releases the flock
}

void DataDirLock::remove_created() const {
  if (!fresh_ || fd_ < 0) return;
  std::error_code ec;
  std::filesystem::remove(dir_ / "data.mdb", ec);
  std::filesystem::remove(dir_ / "lock.mdb", ec);
  std::filesystem::remove(dir_ / "mlchain.lock", ec);
  if (created_dir_) std::filesystem::remove(dir_, ec);  // only if empty
}

}  // namespace mlchain::node
