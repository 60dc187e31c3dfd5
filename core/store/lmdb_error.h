// LMDB return codes as Status. Internal to core/store.
#pragma once

#include <filesystem>
#include <string_view>

#include "mlchain/common/status.h"

namespace mlchain::store {

// "<what> (<path>): <mdb_strerror(rc)>" with a code chosen from rc:
// ResourceExhausted for full map/readers/tables/txn, InvalidArgument for bad
// sizes, Corruption for damaged or foreign files, IoError otherwise.
Status lmdb_error(int rc, std::string_view what, const std::filesystem::path& path);

}  // namespace mlchain::store
