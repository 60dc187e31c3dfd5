// Argument checks shared by both stores, so they reject exactly the same input.
#pragma once

#include <string_view>

#include "mlchain/common/status.h"

namespace mlchain::store {

// 1..kMaxTableNameBytes bytes, no NUL (LMDB takes names as C strings).
Status check_table_name(std::string_view table);
// 1..kMaxKeyBytes bytes (LMDB rejects empty and longer keys).
Status check_key(std::string_view key);
// Both of the above.
Status check_table_and_key(std::string_view table, std::string_view key);

}  // namespace mlchain::store
