// LmdbStore across processes: a writer killed with SIGKILL at a random moment,
// reader slots of killed processes, and a map or tables changed by another
// process. Children are fork()ed while the test process is single-threaded,
// touch nothing of the parent's stores, and leave with _exit.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "mlchain/common/rng.h"
#include "store_test_util.h"

namespace mlchain::store::testing {
namespace {

constexpr std::size_t kMiB = std::size_t{1} << 20;

// Runs `body` in a child process, which exits with body's result.
template <typename Body>
pid_t fork_child(Body body) {
  std::fflush(nullptr);
  const pid_t pid = ::fork();
  if (pid == 0) {
    int code = 3;
    try {
      code = body();
    } catch (...) {
    }
    ::_exit(code);
  }
  EXPECT_GT(pid, 0) << std::strerror(errno);
  return pid;
}

int wait_for(pid_t pid) {
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  return status;
}

// Kills and reaps, when a failed assertion leaves the test early, the children
// it has not waited for.
class Children {
 public:
  ~Children() {
    for (pid_t pid : pids_) {
      ::kill(pid, SIGKILL);
      wait_for(pid);
    }
  }
  template <typename Body>
  pid_t fork(Body body) {
    const pid_t pid = fork_child(std::move(body));
    if (pid > 0) pids_.push_back(pid);
    return pid;
  }
  int wait(pid_t pid) {
    std::erase(pids_, pid);
    return wait_for(pid);
  }
  int kill_and_wait(pid_t pid) {
    ::kill(pid, SIGKILL);
    return wait(pid);
  }

 private:
  std::vector<pid_t> pids_;
};

bool write_all(int fd, const void* data, std::size_t n) {
  const char* p = static_cast<const char*>(data);
  while (n > 0) {
    const ssize_t w = ::write(fd, p, n);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) return false;
    p += w;
    n -= static_cast<std::size_t>(w);
  }
  return true;
}

// Reads exactly n bytes; false at end of file.
bool read_all(int fd, void* data, std::size_t n) {
  char* p = static_cast<char*>(data);
  while (n > 0) {
    const ssize_t r = ::read(fd, p, n);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) return false;
    p += r;
    n -= static_cast<std::size_t>(r);
  }
  return true;
}

std::string be64(std::uint64_t v) {
  std::string s(8, '\0');
  for (int i = 7; i >= 0; --i, v >>= 8) s[static_cast<std::size_t>(i)] = static_cast<char>(v & 0xff);
  return s;
}

std::uint64_t from_be64(std::string_view s) {
  std::uint64_t v = 0;
  for (char c : s) v = (v << 8) | static_cast<unsigned char>(c);
  return v;
}

// Txn i writes data[be64(i)] (a value of 1 byte to 12 KiB, so some txns span
// several pages) and meta["last"] = be64(i); after each commit returns, the
// child reports i on `report_fd`. Runs until killed.
int committing_child(const std::filesystem::path& dir, int report_fd) {
  auto store = open_lmdb(dir);
  if (!store.ok()) return 1;
  auto last = get(**store, "meta", "last");
  std::uint64_t i = last ? from_be64(*last) : 0;
  for (;;) {
    ++i;
    const std::string value((i * 7919) % (12 * 1024) + 1, static_cast<char>('a' + i % 26));
    const Status s = (*store)->write([&](WriteTxn& txn) {
      MLCHAIN_TRY(txn.put("data", be64(i), value));
      return txn.put("meta", "last", be64(i));
    });
    if (!s.ok() || !write_all(report_fd, &i, sizeof i)) return 2;
  }
}

TEST(LmdbProcesses, KilledWriterLosesNoReportedCommitAndNeverHalfACommit) {
  TempDir dir;
  const auto path = dir / "db";
  const std::uint64_t seed = 20240611;
  SeededRng rng(seed);
  SCOPED_TRACE("seed " + std::to_string(seed));
  std::uint64_t reported_so_far = 0;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(1500);
  int rounds = 0;
  Children children;
  for (; rounds < 5 && std::chrono::steady_clock::now() < deadline; ++rounds) {
    int fds[2];
    ASSERT_EQ(::pipe(fds), 0);
    const pid_t pid = children.fork([&] {
      ::close(fds[0]);
      return committing_child(path, fds[1]);
    });
    ::close(fds[1]);
    // Let it report a random number of commits, then kill it wherever it is.
    const std::uint64_t wait_reports = 1 + rng.uniform(20);
    std::uint64_t reported = reported_so_far;
    for (std::uint64_t n = 0, i = 0; n < wait_reports && read_all(fds[0], &i, sizeof i); ++n) reported = i;
    ::kill(pid, SIGKILL);
    for (std::uint64_t i = 0; read_all(fds[0], &i, sizeof i);) reported = i;  // reports sent before it died
    ::close(fds[0]);
    const int status = children.wait(pid);
    ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL) << "child failed, status " << status;

    auto store = value_or_die(open_lmdb_store(path));
    const auto last_value = get(*store, "meta", "last");
    ASSERT_TRUE(last_value.has_value());
    const std::uint64_t last = from_be64(*last_value);
    EXPECT_GE(last, reported) << "a commit the child saw succeed is missing";
    // All txns up to `last` are there, nothing after it: no txn half-applied.
    const Rows rows = scan(*store, "data");
    ASSERT_EQ(rows.size(), last);
    for (std::uint64_t i = 1; i <= last; ++i) {
      const auto& [k, v] = rows[i - 1];
      ASSERT_EQ(from_be64(k), i);
      ASSERT_EQ(v.size(), (i * 7919) % (12 * 1024) + 1) << i;
    }
    reported_so_far = last;
  }
  EXPECT_GE(rounds, 2);
}

TEST(LmdbProcesses, StaleReaderSlotOfKilledProcessIsCleared) {
  TempDir dir;
  const auto path = dir / "db";
  ASSERT_OK(put_one(*value_or_die(open_lmdb(path)), "t", "k", "v"));

  // A reader that dies holding its read txn, while `holder` keeps the
  // environment open so the next open does not reset lock.mdb wholesale.
  Children children;
  int ready[2], hold[2];
  ASSERT_EQ(::pipe(ready), 0);
  ASSERT_EQ(::pipe(hold), 0);
  const pid_t holder = children.fork([&] {
    ::close(ready[0]);
    ::close(hold[1]);
    auto store = open_lmdb(path);
    const char c = store.ok() ? 'h' : 'x';
    write_all(ready[1], &c, 1);
    char ignored;
    read_all(hold[0], &ignored, 1);  // until the parent closes the pipe
    return store.ok() ? 0 : 1;
  });
  const pid_t reader = children.fork([&] {
    ::close(ready[0]);
    ::close(hold[1]);
    auto store = open_lmdb(path);
    if (!store.ok()) return 1;
    auto txn = (*store)->begin_read();
    const char c = txn.ok() && get(**txn, "t", "k") == "v" ? 'r' : 'x';
    write_all(ready[1], &c, 1);
    ::pause();  // killed here, txn open
    return 0;
  });
  ::close(ready[1]);
  ::close(hold[0]);
  std::string replies(2, '\0');
  ASSERT_TRUE(read_all(ready[0], replies.data(), 2));
  ::close(ready[0]);
  EXPECT_TRUE(replies == "hr" || replies == "rh") << replies;
  children.kill_and_wait(reader);

  auto store = value_or_die(open_lmdb_store(path));
  EXPECT_EQ(store->stale_readers_cleared_at_open(), 1);
  EXPECT_EQ(value_or_die(store->clear_stale_readers()), 0);
  ASSERT_OK(put_one(*store, "t", "k2", "v2"));
  EXPECT_EQ(get(*store, "t", "k2"), "v2");

  // With the store open here, clear_stale_readers() finds the next one.
  int ready2[2];
  ASSERT_EQ(::pipe(ready2), 0);
  const pid_t reader2 = children.fork([&] {
    ::close(ready2[0]);
    auto other = open_lmdb(path);
    if (!other.ok()) return 1;
    auto txn = (*other)->begin_read();
    const char c = txn.ok() ? 'r' : 'x';
    write_all(ready2[1], &c, 1);
    ::pause();
    return 0;
  });
  ::close(ready2[1]);
  char c = 0;
  ASSERT_TRUE(read_all(ready2[0], &c, 1));
  ::close(ready2[0]);
  EXPECT_EQ(c, 'r');
  children.kill_and_wait(reader2);
  EXPECT_EQ(value_or_die(store->clear_stale_readers()), 1);
  ASSERT_OK(put_one(*store, "t", "k3", "v3"));

  ::close(hold[1]);
  EXPECT_EQ(children.wait(holder), 0);
}

TEST(LmdbProcesses, MapGrownByAnotherProcessIsAdopted) {
  TempDir dir;
  const auto path = dir / "db";
  LmdbOptions options;
  options.initial_map_bytes = kMiB;
  options.durable = false;
  auto store = value_or_die(open_lmdb_store(path, options));
  ASSERT_OK(put_one(*store, "t", "mine", "v"));
  EXPECT_EQ(store->map_bytes(), kMiB);

  Children children;
  const pid_t child = children.fork([&] {
    auto other = open_lmdb(path, options);
    if (!other.ok()) return 1;
    const std::string value(64 * 1024, 'c');
    for (int round = 0; round < 12; ++round) {  // 6 MiB: the map grows to 8 MiB
      const Status s = (*other)->write([&](WriteTxn& txn) {
        for (int i = 0; i < 8; ++i) MLCHAIN_TRY(txn.put("t", "c" + std::to_string(round * 8 + i), value));
        return Status{};
      });
      if (!s.ok()) return 2;
    }
    return 0;
  });
  ASSERT_EQ(children.wait(child), 0);

  // This process's map is still 1 MiB; LMDB reports MDB_MAP_RESIZED and the
  // store adopts the size the child set.
  auto txn = value_or_die(store->begin_read());
  EXPECT_EQ(get(*txn, "t", "c95"), std::string(64 * 1024, 'c'));
  EXPECT_EQ(get(*txn, "t", "mine"), "v");
  txn.reset();
  EXPECT_GE(store->map_bytes(), 6 * kMiB);
  ASSERT_OK(put_one(*store, "t", "after", "v"));
  EXPECT_EQ(scan(*store, "t").size(), 98u);
}

TEST(LmdbProcesses, TablesCreatedByAnotherProcessAreSeen) {
  TempDir dir;
  const auto path = dir / "db";
  auto store = value_or_die(open_lmdb_store(path));
  ASSERT_OK(put_one(*store, "mine", "k", "v"));
  auto before = value_or_die(store->begin_read());

  Children children;
  const pid_t child = children.fork([&] {
    auto other = open_lmdb(path);
    if (!other.ok()) return 1;
    return (*other)->write([](WriteTxn& txn) {
                     MLCHAIN_TRY(txn.put("foreign", "k", "from-child"));
                     return txn.put("foreign2", "k", "from-child");
                   })
                   .ok()
               ? 0
               : 2;
  });
  ASSERT_EQ(children.wait(child), 0);

  EXPECT_EQ(get(*before, "foreign", "k"), std::nullopt);  // older snapshot
  auto after = value_or_die(store->begin_read());
  EXPECT_EQ(get(*after, "foreign", "k"), "from-child");
  EXPECT_EQ(scan(*after, "foreign2"), (Rows{{"k", "from-child"}}));
  EXPECT_EQ(get(*before, "foreign", "k"), std::nullopt);  // still
  EXPECT_EQ(value_or_die(store->tables()), (std::vector<std::string>{"foreign", "foreign2", "mine"}));
  ASSERT_OK(put_one(*store, "foreign", "k2", "from-parent"));
  EXPECT_EQ(scan(*store, "foreign").size(), 2u);
}

TEST(LmdbProcesses, WriteTxnOpensTablesCreatedByAnotherProcess) {
  TempDir dir;
  const auto path = dir / "db";
  auto store = value_or_die(open_lmdb_store(path));
  ASSERT_OK(put_one(*store, "mine", "k", "v"));
  Children children;
  const pid_t child = children.fork([&] {
    auto other = open_lmdb(path);
    return other.ok() && put_one(**other, "foreign", "k", "from-child").ok() ? 0 : 1;
  });
  ASSERT_EQ(children.wait(child), 0);
  ASSERT_OK(store->write([](WriteTxn& txn) {  // first touch of "foreign" is in a write txn
    MLCHAIN_ASSIGN_OR_RETURN(std::optional<Value> v, txn.get("foreign", "k"));
    if (v != "from-child") return internal_error("child's row not visible");
    return txn.put("foreign", "k2", "from-parent");
  }));
  EXPECT_EQ(scan(*store, "foreign"), (Rows{{"k", "from-child"}, {"k2", "from-parent"}}));
}

}  // namespace
}  // namespace mlchain::store::testing
