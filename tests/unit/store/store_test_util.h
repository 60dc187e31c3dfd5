// Helpers shared by the store tests: temp directories, the two backends the
// shared suite runs against, and small read helpers.
#pragma once

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "mlchain/store/lmdb_store.h"
#include "mlchain/store/memory_store.h"
#include "mlchain/store/store.h"

#define ASSERT_OK(expr)                                         \
  do {                                                          \
    const ::mlchain::Status assert_ok_s_ = (expr);              \
    ASSERT_TRUE(assert_ok_s_.ok()) << assert_ok_s_.to_string(); \
  } while (false)
#define EXPECT_OK(expr)                                         \
  do {                                                          \
    const ::mlchain::Status expect_ok_s_ = (expr);              \
    EXPECT_TRUE(expect_ok_s_.ok()) << expect_ok_s_.to_string(); \
  } while (false)

namespace mlchain::store::testing {

// A fresh directory under the test temp dir, removed with its contents.
class TempDir {
 public:
  TempDir() {
    std::string tmpl = ::testing::TempDir() + "mlchain-store-XXXXXX";
    char* p = ::mkdtemp(tmpl.data());
    EXPECT_NE(p, nullptr) << "mkdtemp " << tmpl;
    path_ = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }
  std::filesystem::path operator/(const std::string& name) const { return path_ / name; }

 private:
  std::filesystem::path path_;
};

// Makes a fresh, empty store; `dir` is an empty directory it may use.
struct Backend {
  std::string name;
  std::function<std::unique_ptr<Store>(const std::filesystem::path& dir)> make;
};

inline void PrintTo(const Backend& backend, std::ostream* os) { *os << backend.name; }

inline std::vector<Backend> backends() {
  return {
      {"Memory", [](const std::filesystem::path&) { return make_memory_store(); }},
      {"Lmdb",
       [](const std::filesystem::path& dir) -> std::unique_ptr<Store> {
         LmdbOptions options;
         options.initial_map_bytes = std::size_t{4} << 20;  // LargeValuesAndManyKeys must grow it
         auto store = open_lmdb(dir / "db", options);
         EXPECT_TRUE(store.ok()) << store.status().to_string();
         return store.ok() ? std::move(store).value() : nullptr;
       }},
  };
}

template <typename T>
T value_or_die(Result<T> r) {
  EXPECT_TRUE(r.ok()) << r.status().to_string();
  if (!r.ok()) std::abort();
  return std::move(r).value();
}

// The value under `key`, nullopt when absent, "<error ...>" on error.
inline std::optional<std::string> get(const ReadTxn& txn, std::string_view table, std::string_view key) {
  auto r = txn.get(table, key);
  if (!r.ok()) return "<error " + r.status().to_string() + ">";
  return *r;
}

inline std::optional<std::string> get(const Store& store, std::string_view table, std::string_view key) {
  auto txn = value_or_die(store.begin_read());
  return get(*txn, table, key);
}

using Rows = std::vector<std::pair<std::string, std::string>>;

// Every row of `table`, walking forward (or backward) with a cursor.
inline Rows scan(const ReadTxn& txn, std::string_view table, bool backward = false) {
  Rows rows;
  auto cursor = value_or_die(txn.cursor(table));
  Status s = backward ? cursor->last() : cursor->first();
  while (s.ok() && cursor->valid()) {
    rows.emplace_back(cursor->key(), cursor->value());
    s = backward ? cursor->prev() : cursor->next();
  }
  EXPECT_TRUE(s.ok()) << s.to_string();
  return rows;
}

inline Rows scan(const Store& store, std::string_view table, bool backward = false) {
  auto txn = value_or_die(store.begin_read());
  return scan(*txn, table, backward);
}

inline Status put_one(Store& store, std::string_view table, std::string_view key, std::string_view value) {
  return store.write([&](WriteTxn& txn) { return txn.put(table, key, value); });
}

}  // namespace mlchain::store::testing

namespace mlchain::store::testing {

// The fixture of the shared suite: a fresh store of the parameter's backend.
class StoreFixture : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    store_ = GetParam().make(dir_.path());
    ASSERT_NE(store_, nullptr);
  }
  void TearDown() override { store_.reset(); }

  Store& store() { return *store_; }

  TempDir dir_;
  std::unique_ptr<Store> store_;
};

inline std::string backend_name(const ::testing::TestParamInfo<Backend>& info) { return info.param.name; }

}  // namespace mlchain::store::testing
