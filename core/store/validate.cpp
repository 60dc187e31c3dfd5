#include "validate.h"

#include <string>

#include "mlchain/store/store.h"

namespace mlchain::store {

Status check_table_name(std::string_view table) {
  if (table.empty()) return invalid_argument("table name is empty");
  if (table.size() > kMaxTableNameBytes) {
    return invalid_argument("table name is " + std::to_string(table.size()) + " bytes; the limit is " +
                            std::to_string(kMaxTableNameBytes));
  }
  if (table.find('\0') != std::string_view::npos) return invalid_argument("table name contains a NUL byte");
  return {};
}

Status check_key(std::string_view key) {
  if (key.empty()) return invalid_argument("key is empty; keys are 1.." + std::to_string(kMaxKeyBytes) + " bytes");
  if (key.size() > kMaxKeyBytes) {
    return invalid_argument("key is " + std::to_string(key.size()) + " bytes; the limit is " +
                            std::to_string(kMaxKeyBytes));
  }
  return {};
}

Status check_table_and_key(std::string_view table, std::string_view key) {
  MLCHAIN_TRY(check_table_name(table));
  return check_key(key);
}

}  // namespace mlchain::store
