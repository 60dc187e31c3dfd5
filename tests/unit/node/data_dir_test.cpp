// One daemon per data_dir (node/data_dir.h): a second holder is refused with
// the first one's pid; the lock goes with its holder; a failed start in a
// fresh directory leaves nothing behind, and never touches an existing store.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>

#include "mlchain/node/data_dir.h"

namespace mlchain::node {
namespace {

namespace fs = std::filesystem;

struct Scratch {
  fs::path root;
  Scratch() {
    std::string tmpl = ::testing::TempDir() + "mlchain-datadir-XXXXXX";
    root = ::mkdtemp(tmpl.data());
  }
  ~Scratch() {
    std::error_code ec;
    fs::remove_all(root, ec);
  }
};

void touch(const fs::path& p) { std::ofstream(p) << "x"; }

TEST(DataDirLock, ASecondHolderIsRefusedWithTheFirstOnesPid) {
  Scratch s;
  fs::path dir = s.root / "n1";
  auto first = DataDirLock::acquire(dir);
  ASSERT_TRUE(first.ok()) << first.status().to_string();
  EXPECT_TRUE(fs::is_directory(dir));
  auto second = DataDirLock::acquire(dir);
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.status().code(), ErrorCode::kFailedPrecondition);
  EXPECT_NE(second.status().message().find("in use by pid " + std::to_string(::getpid())), std::string::npos)
      << second.status().message();
  // Released with its holder: the next start takes it.
  { auto gone = std::move(first).value(); }
  EXPECT_TRUE(DataDirLock::acquire(dir).ok());
}

TEST(DataDirLock, AFailedStartInAFreshDirectoryLeavesNothing) {
  Scratch s;
  fs::path dir = s.root / "data" / "n5";
  auto lock = DataDirLock::acquire(dir);
  ASSERT_TRUE(lock.ok());
  EXPECT_TRUE(lock->fresh());
  touch(dir / "data.mdb");  // what opening the store created
  touch(dir / "lock.mdb");
  lock->remove_created();
  EXPECT_FALSE(fs::exists(dir));
}

TEST(DataDirLock, AnExistingStoreIsNeverRemoved) {
  Scratch s;
  fs::path dir = s.root / "n1";
  fs::create_directories(dir);
  touch(dir / "data.mdb");
  auto lock = DataDirLock::acquire(dir);
  ASSERT_TRUE(lock.ok());
  EXPECT_FALSE(lock->fresh());
  lock->remove_created();
  EXPECT_TRUE(fs::exists(dir / "data.mdb"));
}

}  // namespace
}  // namespace mlchain::node
