// Helpers of the edge tests: both store backends, a deterministic registry,
// request signing as a device would do it, and whole-store snapshots to prove
// that a refusal changed nothing.
#pragma once

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "mlchain/crypto/hash.h"
#include "mlchain/edge/ids.h"
#include "mlchain/edge/registry.h"
#include "mlchain/store/lmdb_store.h"
#include "mlchain/store/memory_store.h"

#define ASSERT_OK(expr)                                         \
  do {                                                          \
    const ::mlchain::Status assert_ok_s_ = (expr);              \
    ASSERT_TRUE(assert_ok_s_.ok()) << assert_ok_s_.to_string(); \
  } while (false)

namespace mlchain::edge::testing {

class TempDir {
 public:
  TempDir() {
    std::string tmpl = ::testing::TempDir() + "mlchain-edge-XXXXXX";
    char* p = ::mkdtemp(tmpl.data());
    EXPECT_NE(p, nullptr);
    path_ = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

struct Backend {
  std::string name;
  std::function<std::unique_ptr<store::Store>(const std::filesystem::path&)> make;
};
inline void PrintTo(const Backend& b, std::ostream* os) { *os << b.name; }

inline std::vector<Backend> backends() {
  return {{"Memory", [](const std::filesystem::path&) { return store::make_memory_store(); }},
          {"Lmdb", [](const std::filesystem::path& dir) -> std::unique_ptr<store::Store> {
             store::LmdbOptions o;
             o.initial_map_bytes = std::size_t{8} << 20;
             o.durable = false;  // tests: kill -9 safety is tested in tests/unit/store
             auto s = store::open_lmdb(dir / "db", o);
             EXPECT_TRUE(s.ok()) << s.status().to_string();
             return s.ok() ? std::move(s).value() : nullptr;
           }}};
}
inline std::string backend_name(const ::testing::TestParamInfo<Backend>& info) { return info.param.name; }

template <typename T>
T ok_or_die(Result<T> r) {
  EXPECT_TRUE(r.ok()) << r.status().to_string();
  if (!r.ok()) std::abort();
  return std::move(r).value();
}

// Every row of every table: table -> key -> value.
using Snapshot = std::map<std::string, std::map<std::string, std::string>>;
inline Snapshot snapshot(const store::Store& s) {
  Snapshot out;
  auto tables = ok_or_die(s.tables());
  auto txn = ok_or_die(s.begin_read());
  for (const auto& t : tables) {
    auto c = ok_or_die(txn->cursor(t));
    EXPECT_TRUE(c->first().ok());
    while (c->valid()) {
      out[t][std::string(c->key())] = std::string(c->value());
      EXPECT_TRUE(c->next().ok());
    }
  }
  return out;
}

// Deterministic secrets for tests: a seeded stream.
inline SecretSource seeded_secrets(std::uint64_t seed) {
  auto rng = std::make_shared<SeededRng>(seed);
  return [rng](std::span<std::uint8_t> out) {
    rng->fill(out);
    return Status{};
  };
}

// How a device proves a request (docs/edge-requests.md).
struct Device {
  std::string uuid;
  Scheme scheme = Scheme::kHmac;
  Bytes secret;
  std::optional<crypto::PrivateKey> key;
  std::uint64_t counter = 0;

  ObjectRequest request(Action action, std::string body, std::optional<std::uint64_t> at_counter = {}) {
    ObjectRequest r;
    r.action = action;
    r.uuid = uuid;
    r.counter = at_counter ? *at_counter : ++counter;
    r.body = std::move(body);
    std::string msg = signing_string(action, r.uuid, r.counter, r.body);
    if (scheme == Scheme::kHmac) r.signature = crypto::digest_hex(crypto::hmac_sha256(secret, as_bytes(msg)));
    if (scheme == Scheme::kEd25519) r.signature = crypto::signature_hex(key->sign(as_bytes(msg)));
    return r;
  }
};

}  // namespace mlchain::edge::testing
