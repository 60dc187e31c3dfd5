#include "lmdb_error.h"

#include <lmdb.h>

#include <cerrno>
#include <string>

namespace mlchain::store {

Status lmdb_error(int rc, std::string_view what, const std::filesystem::path& path) {
  std::string msg(what);
  msg += " (";
  msg += path.string();
  msg += "): ";
  msg += mdb_strerror(rc);
  switch (rc) {
    case MDB_MAP_FULL:
      return resource_exhausted(msg + "; abort the transaction (Store::write grows the map and retries)");
    case MDB_READERS_FULL:
      return resource_exhausted(msg + "; too many open read transactions");
    case MDB_DBS_FULL:
      return resource_exhausted(msg + "; too many tables (raise LmdbOptions::max_tables)");
    case MDB_TXN_FULL:
    case MDB_CURSOR_FULL:
    case MDB_PAGE_FULL:
    case ENOMEM:
      return resource_exhausted(msg);
    case MDB_BAD_VALSIZE:
    case EINVAL:
      return invalid_argument(msg);
    case MDB_CORRUPTED:
    case MDB_PAGE_NOTFOUND:
    case MDB_INVALID:
    case MDB_VERSION_MISMATCH:
    case MDB_INCOMPATIBLE:
      return corruption(msg);
    default:
      return io_error(msg);
  }
}

}  // namespace mlchain::store
