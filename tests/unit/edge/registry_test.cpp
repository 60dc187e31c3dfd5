// The registry on both stores: registration, listing, revocation, rotation,
// policy. Deterministic: ManualClock, SeededRng ids, seeded secrets.
#include <algorithm>
#include <atomic>
#include <set>
#include <thread>

#include "edge_test_util.h"

namespace mlchain::edge::testing {
namespace {

using Json = codec::Json;

class RegistryTest : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    store_ = GetParam().make(dir_.path());
    ASSERT_NE(store_, nullptr);
    open_registry({});
  }
  void open_registry(CredentialPolicy policy) {
    RegistryOptions o;
    o.layer_path = "L2/L1a/E1";
    o.policy = policy;
    o.history_limit = 3;
    registry_ = ok_or_die(Registry::open(*store_, o, clock_, rng_, seeded_secrets(7)));
  }
  ObjectSpec thermometer(Scheme scheme = Scheme::kHmac) {
    ObjectSpec s;
    s.class_path = "Device/Sensor/Thermometer/Acme";
    s.permissions = {"upload"};
    s.description = "roof thermometer";
    s.static_props = {{"address", "roof-1"}, {"model", 7}};
    s.functions = {"calibrate"};
    s.credential.scheme = scheme;
    if (scheme == Scheme::kEd25519) s.credential.public_key = key_.public_key();
    return s;
  }

  TempDir dir_;
  std::unique_ptr<store::Store> store_;
  ManualClock clock_;
  SeededRng rng_{42};
  crypto::PrivateKey key_ = crypto::PrivateKey::from_seed(Bytes(32, 9)).value();
  std::unique_ptr<Registry> registry_;
};
INSTANTIATE_TEST_SUITE_P(Backends, RegistryTest, ::testing::ValuesIn(backends()), backend_name);

TEST_P(RegistryTest, RegisterStoresTheWholeRecord) {
  auto reg = ok_or_die(registry_->register_object(thermometer()));
  auto u = ok_or_die(parse_uuid(reg.record.uuid));
  EXPECT_EQ(u.layer, "L2/L1a/E1");
  ASSERT_TRUE(reg.secret.has_value());
  EXPECT_EQ(reg.secret->size(), kSecretBytes);

  auto got = ok_or_die(registry_->get(reg.record.uuid));
  EXPECT_EQ(got.class_path, "Device/Sensor/Thermometer/Acme");
  EXPECT_EQ(got.permissions, std::vector<std::string>{"upload"});
  EXPECT_EQ(got.static_props.at("address"), "roof-1");
  EXPECT_EQ(got.static_props.at("model"), 7);
  EXPECT_EQ(got.functions, std::vector<std::string>{"calibrate"});
  EXPECT_EQ(got.scheme, Scheme::kHmac);
  EXPECT_EQ(got.created_ms, unix_millis(clock_.now()));
  EXPECT_FALSE(got.revoked);
  EXPECT_EQ(got.counter, 0u);
}

TEST_P(RegistryTest, IdsComeFromTheInjectedRngAndAreUnique) {
  std::set<std::string> ids;
  for (int i = 0; i < 20; ++i) ids.insert(ok_or_die(registry_->register_object(thermometer())).record.uuid);
  EXPECT_EQ(ids.size(), 20u);
  // Same seed, fresh store: the same first id.
  auto other = store::make_memory_store();
  SeededRng rng{42};
  RegistryOptions o;
  o.layer_path = "L2/L1a/E1";
  auto r2 = ok_or_die(Registry::open(*other, o, clock_, rng, seeded_secrets(7)));
  EXPECT_EQ(ids.count(ok_or_die(r2->register_object(thermometer())).record.uuid), 1u);
}

TEST_P(RegistryTest, SecretIsNeverInTheRecordOrListing) {
  auto reg = ok_or_die(registry_->register_object(thermometer()));
  std::string secret_hex = to_hex(*reg.secret);
  std::string shown = codec::canonical(to_json(ok_or_die(registry_->get(reg.record.uuid)))).value();
  EXPECT_EQ(shown.find(secret_hex), std::string::npos);
  for (const auto& r : ok_or_die(registry_->list("", 100))) {
    EXPECT_EQ(codec::canonical(to_json(r)).value().find(secret_hex), std::string::npos);
  }
  // The object table itself never holds it either (only edge_secrets does).
  auto snap = snapshot(*store_);
  for (const auto& [k, v] : snap[std::string(kObjectsTable)])
    EXPECT_EQ(v.find(to_string(*reg.secret)), std::string::npos);
  EXPECT_EQ(snap[std::string(kSecretsTable)].at(reg.record.uuid), to_string(*reg.secret));
}

TEST_P(RegistryTest, ListPagesInUuidOrder) {
  std::vector<std::string> ids;
  for (int i = 0; i < 5; ++i) ids.push_back(ok_or_die(registry_->register_object(thermometer())).record.uuid);
  std::sort(ids.begin(), ids.end());
  auto first = ok_or_die(registry_->list("", 2));
  ASSERT_EQ(first.size(), 2u);
  EXPECT_EQ(first[0].uuid, ids[0]);
  auto rest = ok_or_die(registry_->list(first[1].uuid, 100));
  ASSERT_EQ(rest.size(), 3u);
  EXPECT_EQ(rest[0].uuid, ids[2]);
  EXPECT_EQ(rest[2].uuid, ids[4]);
}

TEST_P(RegistryTest, InvalidSpecsChangeNothing) {
  auto before = snapshot(*store_);
  auto bad = thermometer();
  bad.class_path = "Device//X";
  EXPECT_EQ(registry_->register_object(bad).status().code(), ErrorCode::kInvalidArgument);
  bad = thermometer();
  bad.permissions = {"root"};
  EXPECT_EQ(registry_->register_object(bad).status().code(), ErrorCode::kInvalidArgument);
  bad = thermometer();
  bad.format = Json{{"type", "object"}, {"properties", {{"t", {{"type", "number"}}}}}};
  EXPECT_EQ(registry_->register_object(bad).status().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(registry_->register_object(thermometer(Scheme::kUnsigned)).status().code(), ErrorCode::kPermissionDenied);
  // A failing TxnCheck aborts the whole registration.
  EXPECT_EQ(registry_
                ->register_object(thermometer(),
                                  [](store::WriteTxn& txn) -> Status {
                                    MLCHAIN_TRY(txn.put("edge_admin_nonces", "n", "1"));
                                    return permission_denied("replayed admin request");
                                  })
                .status()
                .code(),
            ErrorCode::kPermissionDenied);
  EXPECT_EQ(snapshot(*store_), before);
}

TEST_P(RegistryTest, PolicyDecidesTheSchemes) {
  open_registry(CredentialPolicy{false, true, true});
  EXPECT_EQ(registry_->register_object(thermometer(Scheme::kEd25519)).status().code(), ErrorCode::kPermissionDenied);
  auto u = ok_or_die(registry_->register_object(thermometer(Scheme::kUnsigned)));
  EXPECT_FALSE(u.secret.has_value());
  EXPECT_EQ(u.record.scheme, Scheme::kUnsigned);
}

TEST_P(RegistryTest, RevokeIsPermanentAndDropsTheSecret) {
  auto reg = ok_or_die(registry_->register_object(thermometer()));
  clock_.advance(Micros(5'000));
  auto r = ok_or_die(registry_->revoke(reg.record.uuid));
  EXPECT_TRUE(r.revoked);
  EXPECT_EQ(r.revoked_ms, unix_millis(clock_.now()));
  EXPECT_EQ(snapshot(*store_)[std::string(kSecretsTable)].count(reg.record.uuid), 0u);
  EXPECT_EQ(registry_->revoke(reg.record.uuid).status().code(), ErrorCode::kFailedPrecondition);
  EXPECT_EQ(registry_->rotate(reg.record.uuid, CredentialSpec{}).status().code(), ErrorCode::kFailedPrecondition);
  EXPECT_EQ(registry_->revoke("mlc:L2/L1a/E1/0000000000000000").status().code(), ErrorCode::kNotFound);
}

TEST_P(RegistryTest, RotateReplacesTheCredential) {
  auto reg = ok_or_die(registry_->register_object(thermometer()));
  auto rot = ok_or_die(registry_->rotate(reg.record.uuid, CredentialSpec{Scheme::kHmac, {}}));
  ASSERT_TRUE(rot.secret.has_value());
  EXPECT_NE(*rot.secret, *reg.secret);
  EXPECT_EQ(rot.record.credential_version, 2u);
  auto to_ed = ok_or_die(registry_->rotate(reg.record.uuid, CredentialSpec{Scheme::kEd25519, key_.public_key()}));
  EXPECT_FALSE(to_ed.secret.has_value());
  EXPECT_EQ(to_ed.record.scheme, Scheme::kEd25519);
  EXPECT_EQ(snapshot(*store_)[std::string(kSecretsTable)].count(reg.record.uuid), 0u);
}

TEST_P(RegistryTest, ConcurrentObjectsShareCommitsAndLoseNothing) {
  // Eight objects upload from eight threads at once: group commit batches
  // their writes; every accepted upload is in its object's record and history.
  std::vector<Device> devices;
  for (int i = 0; i < 8; ++i) {
    auto s = thermometer();
    s.static_props.clear();
    auto reg = ok_or_die(registry_->register_object(s));
    Device d;
    d.uuid = reg.record.uuid;
    d.secret = *reg.secret;
    devices.push_back(std::move(d));
  }
  std::atomic<int> accepted{0};
  std::vector<std::thread> threads;
  for (auto& d : devices) {
    threads.emplace_back([&, dev = &d] {
      for (int i = 0; i < 25; ++i)
        if (registry_->process(dev->request(Action::kUpload, "{\"n\":" + std::to_string(i) + "}")).accepted())
          ++accepted;
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(accepted, 200);
  for (const auto& d : devices) {
    auto r = ok_or_die(registry_->get(d.uuid));
    EXPECT_EQ(r.counter, 25u);
    EXPECT_EQ(r.dynamic.at("n").value, 24);
    EXPECT_EQ(r.history_next, 25u);
    EXPECT_EQ(ok_or_die(registry_->history(d.uuid, 100)).size(), 3u);  // history_limit 3
  }
}

TEST_P(RegistryTest, RecordsSurviveReopen) {
  auto reg = ok_or_die(registry_->register_object(thermometer()));
  registry_.reset();
  open_registry({});
  EXPECT_EQ(ok_or_die(registry_->get(reg.record.uuid)).class_path, "Device/Sensor/Thermometer/Acme");
}

}  // namespace
}  // namespace mlchain::edge::testing
