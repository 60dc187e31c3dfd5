// One daemon per data_dir (issue 20): `node run` and `edge run` hold an
// exclusive flock(2) on <data_dir>/mlchain.lock, which also records their
// pid, for as long as they run. A second process on the same directory is
// refused before it opens the store ("data/n1 is in use by pid N"): two
// writers on one LMDB made peer links flap and would interleave two
// replicas' records. The lock goes with the process (kill -9 included: the
// kernel releases flocks), so a stale file never blocks a restart.
//
// A start that fails (busy port, wrong genesis) leaves nothing behind in a
// data_dir that held no store before: remove_created() deletes the store
// files this run created (and the directory, if it created it and it is
// empty), so the next attempt starts clean.
//
// Thread safety: none needed (one owner).
#pragma once

#include <filesystem>
#include <memory>

#include "mlchain/common/status.h"

namespace mlchain::node {

class DataDirLock {
 public:
  // Creates `dir` (and parents) when missing. FailedPrecondition when
  // another process holds it; the message names that pid.
  static Result<DataDirLock> acquire(const std::filesystem::path& dir);

  DataDirLock(DataDirLock&& other) noexcept;
  DataDirLock& operator=(DataDirLock&& other) noexcept;
  DataDirLock(const DataDirLock&) = delete;
  DataDirLock& operator=(const DataDirLock&) = delete;
  ~DataDirLock();

  // True when the directory held no store (data.mdb) when it was locked.
  bool fresh() const { return fresh_; }
  // After a failed start, with the store closed: when fresh(), removes
  // data.mdb and lock.mdb (and the directory if this lock created it and
  // nothing else is in it). Keeps the lock itself until destruction.
  void remove_created() const;

 private:
  DataDirLock(std::filesystem::path dir, int fd, bool fresh, bool created_dir)
      : dir_(std::move(dir)), fd_(fd), fresh_(fresh), created_dir_(created_dir) {}
  std::filesystem::path dir_;
  int fd_ = -1;
  bool fresh_ = false;
  bool created_dir_ = false;
};

// A daemon's start failed with `why`: stop it if `started`, destroy it
// (closing its store) and then remove the store it created in a fresh
// data_dir (its `data_lock`, held until the store is closed). Returns `why`.
template <typename Impl>
Status abandon_start(std::unique_ptr<Impl>& impl, Status why, bool started) {
  auto lock = std::move(impl->data_lock);
  if (started) impl->stop();
  impl.reset();
  if (lock) lock->remove_created();
  return why;
}

}  // namespace mlchain::node
