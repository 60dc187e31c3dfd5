// Opening and closing an LmdbEnv: the directory, LMDB's flags, the map size,
// stale reader slots, and the process-wide registry that enforces LMDB's "one
// env per directory per process" (a second env would share lock.mdb's fcntl
// locks, and closing it would drop the first env's).
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <map>
#include <system_error>

#include "lmdb_env.h"
#include "mlchain/store/store.h"

namespace mlchain::store {
namespace fs = std::filesystem;
namespace {

// (dev, ino) of open store directories → pid that opened them. The pid makes
// entries inherited by a fork()ed child stale there.
std::mutex g_registry_mu;
std::map<std::pair<std::uint64_t, std::uint64_t>, pid_t> g_registry;

std::size_t round_up(std::size_t n, std::size_t to) { return (n + to - 1) / to * to; }

Status fsync_dir(const fs::path& dir) {
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return io_error("cannot open directory " + dir.string() + " to sync it: " + std::strerror(errno));
  const int rc = ::fsync(fd);
  const int err = errno;
  ::close(fd);
  if (rc != 0) return io_error("cannot sync directory " + dir.string() + ": " + std::strerror(err));
  return {};
}

Status check_options(const fs::path& dir, const LmdbOptions& o) {
  const std::string where = "cannot open LMDB store " + dir.string() + ": ";
  if (o.max_tables < 1 || o.max_tables > 4096) return invalid_argument(where + "max_tables must be 1..4096");
  if (o.initial_map_bytes < (std::size_t{64} << 10)) return invalid_argument(where + "initial_map_bytes below 64 KiB");
  if (o.max_map_bytes < o.initial_map_bytes) {
    return invalid_argument(where + "max_map_bytes is smaller than initial_map_bytes");
  }
  if (o.grow_wait.count() < 0) return invalid_argument(where + "grow_wait is negative");
  return {};
}

// Creates `dir` (mode 0700) if missing. Returns whether it did.
Result<bool> ensure_directory(const fs::path& dir) {
  std::error_code ec;
  const fs::file_status st = fs::status(dir, ec);
  if (ec && ec != std::errc::no_such_file_or_directory) {
    return io_error("cannot open LMDB store " + dir.string() + ": " + ec.message());
  }
  if (fs::exists(st)) {
    if (!fs::is_directory(st)) {
      return invalid_argument("cannot open LMDB store " + dir.string() +
                              ": the path exists and is not a directory; give the path of a directory (it is "
                              "created if missing)");
    }
    return false;
  }
  fs::create_directories(dir, ec);
  if (!ec) fs::permissions(dir, fs::perms::owner_all, fs::perm_options::replace, ec);
  if (ec) return io_error("cannot create the directory of LMDB store " + dir.string() + ": " + ec.message());
  return true;
}

}  // namespace

LmdbEnv::LmdbEnv(fs::path path, const LmdbOptions& options, MDB_env* env)
    : path_(std::move(path)), options_(options), env_(env) {}

LmdbEnv::~LmdbEnv() {
  mdb_env_close(env_);
  std::lock_guard lock(g_registry_mu);
  auto it = g_registry.find(registry_key_);
  if (it != g_registry.end() && it->second == ::getpid()) g_registry.erase(it);
}

Result<std::shared_ptr<LmdbEnv>> LmdbEnv::open(const fs::path& dir, const LmdbOptions& requested) {
  MLCHAIN_TRY(check_options(dir, requested));
  const auto page = static_cast<std::size_t>(::sysconf(_SC_PAGESIZE));
  LmdbOptions options = requested;
  options.initial_map_bytes = round_up(options.initial_map_bytes, page);
  options.max_map_bytes = round_up(options.max_map_bytes, page);

  MLCHAIN_ASSIGN_OR_RETURN(const bool created_dir, ensure_directory(dir));
  struct stat dir_stat {};
  if (::stat(dir.c_str(), &dir_stat) != 0) {
    return io_error("cannot open LMDB store " + dir.string() + ": " + std::strerror(errno));
  }
  const std::pair<std::uint64_t, std::uint64_t> key{dir_stat.st_dev, dir_stat.st_ino};
  {
    std::lock_guard lock(g_registry_mu);
    auto it = g_registry.find(key);
    if (it != g_registry.end() && it->second == ::getpid()) {
      return failed_precondition("LMDB store " + dir.string() +
                                 " is already open in this process; share that store (LMDB allows one "
                                 "environment per directory per process)");
    }
    g_registry[key] = ::getpid();
  }
  struct Unregister {  // until the env owns the registry entry
    std::pair<std::uint64_t, std::uint64_t> key;
    bool armed = true;
    ~Unregister() {
      if (!armed) return;
      std::lock_guard lock(g_registry_mu);
      g_registry.erase(key);
    }
  } unregister{key};

  const fs::path data_file = dir / "data.mdb";
  std::error_code ec;
  const bool had_data = fs::exists(data_file, ec);
  std::size_t map_bytes = options.initial_map_bytes;
  if (had_data) {
    const std::uintmax_t size = fs::file_size(data_file, ec);
    if (!ec && size > map_bytes) map_bytes = round_up(static_cast<std::size_t>(size), page);
  }

  MDB_env* raw = nullptr;
  int rc = mdb_env_create(&raw);
  if (rc != 0) return lmdb_error(rc, "cannot create an LMDB environment", dir);
  std::shared_ptr<LmdbEnv> env(new LmdbEnv(dir, options, raw));  // closes `raw` on every path out
  env->registry_key_ = key;
  unregister.armed = false;

  if ((rc = mdb_env_set_maxdbs(raw, options.max_tables)) != 0) return env->error(rc, "cannot set max_tables");
  if ((rc = mdb_env_set_mapsize(raw, map_bytes)) != 0) return env->error(rc, "cannot set the map size");
  const unsigned flags = MDB_NOTLS | (options.durable ? 0U : static_cast<unsigned>(MDB_NOSYNC));
  if ((rc = mdb_env_open(raw, dir.c_str(), flags, 0600)) != 0) {
    return env->error(rc, "cannot open LMDB store");
  }
  if (mdb_env_get_maxkeysize(raw) < static_cast<int>(kMaxKeyBytes)) {
    return internal_error("liblmdb was built with keys shorter than " + std::to_string(kMaxKeyBytes) + " bytes");
  }
  // Slots of readers that died without ending their txns pin old pages (the
  // file then grows without bound); clear them now. Nothing to log.
  rc = mdb_reader_check(raw, &env->stale_cleared_at_open_);
  if (rc != 0) return env->error(rc, "cannot check reader slots");
  env->refresh_map_bytes();

  if (!had_data) {
    MLCHAIN_TRY(fsync_dir(dir));  // the new data.mdb and lock.mdb entries
    if (created_dir) MLCHAIN_TRY(fsync_dir(dir.has_parent_path() ? dir.parent_path() : fs::path(".")));
  }

  // The main DB's handle (always MAIN_DBI) and handles for every existing table.
  MDB_txn* txn = nullptr;
  if ((rc = mdb_txn_begin(raw, nullptr, MDB_RDONLY, &txn)) != 0) return env->error(rc, "cannot read the store");
  rc = mdb_dbi_open(txn, nullptr, 0, &env->main_dbi_);
  if (rc == 0)
    rc = mdb_txn_commit(txn);
  else
    mdb_txn_abort(txn);
  if (rc != 0) return env->error(rc, "cannot open the main database");
  MLCHAIN_TRY(env->open_new_tables());
  return env;
}

}  // namespace mlchain::store
