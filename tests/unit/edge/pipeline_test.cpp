// The request pipeline, for every credential scheme on both stores: the right
// request is accepted; a wrong signature, a replayed counter, a revoked
// object, a schema-violating payload and an unauthorised target are each
// refused with their reason and leave the store byte-for-byte unchanged.
#include <atomic>
#include <thread>
#include <tuple>

#include "edge_test_util.h"

namespace mlchain::edge::testing {
namespace {

using Json = codec::Json;

const char* kFormat = R"({"type":"object","required":["temp_cC"],"properties":{
  "temp_cC":{"type":"integer","minimum":-5000,"maximum":8000},"unit":{"type":"string","enum":["C"]}}})";

class Pipeline : public ::testing::TestWithParam<std::tuple<Backend, Scheme>> {
 protected:
  void SetUp() override {
    store_ = std::get<0>(GetParam()).make(dir_.path());
    ASSERT_NE(store_, nullptr);
    RegistryOptions o;
    o.layer_path = "L2/L1a/E1";
    o.policy = CredentialPolicy{true, true, true};
    o.history_limit = 3;
    o.queue_limit = 2;
    registry_ = ok_or_die(Registry::open(*store_, o, clock_, rng_, seeded_secrets(1)));
    thermo_ = add("Device/Sensor/Thermometer/Acme", {"upload", "talk:class:Device/Actuator"}, kFormat, 1);
    valve_ = add("Device/Actuator/Valve", {}, nullptr, 2);
    bob_ = add("User/Individual/Bob", {"upload"}, nullptr, 3);
  }

  Device add(const std::string& cls, std::vector<std::string> perms, const char* format, std::uint8_t seed) {
    ObjectSpec s;
    s.class_path = cls;
    s.permissions = std::move(perms);
    if (format != nullptr) s.format = codec::parse(format).value();
    Device d;
    d.scheme = std::get<1>(GetParam());
    s.credential.scheme = d.scheme;
    if (d.scheme == Scheme::kEd25519) {
      d.key = crypto::PrivateKey::from_seed(Bytes(32, seed)).value();
      s.credential.public_key = d.key->public_key();
    }
    auto reg = ok_or_die(registry_->register_object(s));
    d.uuid = reg.record.uuid;
    if (reg.secret) d.secret = *reg.secret;
    return d;
  }

  // Processes `req`, expects refusal for `reason`, and checks nothing changed.
  void expect_refused(const ObjectRequest& req, Reason reason) {
    auto before = snapshot(*store_);
    Decision d = registry_->process(req);
    EXPECT_EQ(reason_name(d.reason), reason_name(reason)) << d.message;
    EXPECT_FALSE(d.message.empty());
    EXPECT_EQ(snapshot(*store_), before) << "a refusal changed the store";
  }

  Decision accept(const ObjectRequest& req) {
    Decision d = registry_->process(req);
    EXPECT_TRUE(d.accepted()) << reason_name(d.reason) << ": " << d.message;
    return d;
  }

  bool signed_scheme() const { return std::get<1>(GetParam()) != Scheme::kUnsigned; }

  TempDir dir_;
  std::unique_ptr<store::Store> store_;
  ManualClock clock_;
  SeededRng rng_{5};
  std::unique_ptr<Registry> registry_;
  Device thermo_, valve_, bob_;
};

std::string param_name(const ::testing::TestParamInfo<std::tuple<Backend, Scheme>>& info) {
  std::string s(scheme_name(std::get<1>(info.param)));
  s[0] = static_cast<char>(std::toupper(s[0]));
  return std::get<0>(info.param).name + s;
}
INSTANTIATE_TEST_SUITE_P(BackendsAndSchemes, Pipeline,
                         ::testing::Combine(::testing::ValuesIn(backends()),
                                            ::testing::Values(Scheme::kEd25519, Scheme::kHmac, Scheme::kUnsigned)),
                         param_name);

TEST_P(Pipeline, AcceptsAnUploadAndKeepsState) {
  clock_.advance(Micros(1'000'000));
  auto d = accept(thermo_.request(Action::kUpload, R"({"temp_cC": 2137, "unit": "C"})"));
  EXPECT_EQ(d.result["counter"], 1);
  auto r = ok_or_die(registry_->get(thermo_.uuid));
  EXPECT_EQ(r.counter, 1u);
  EXPECT_EQ(r.dynamic.at("temp_cC").value, 2137);
  EXPECT_EQ(r.dynamic.at("temp_cC").time_ms, unix_millis(clock_.now()));
  // Counters may skip; the history is bounded (limit 3) and keeps the newest.
  for (int i = 0; i < 4; ++i) {
    clock_.advance(Micros(1000));
    accept(thermo_.request(Action::kUpload, R"({"temp_cC": )" + std::to_string(100 + i) + "}", 10 + i * 5));
  }
  auto h = ok_or_die(registry_->history(thermo_.uuid, 10));
  ASSERT_EQ(h.size(), 3u);
  EXPECT_EQ(h[0].data["temp_cC"], 101);
  EXPECT_EQ(h[2].data["temp_cC"], 103);
  EXPECT_EQ(h[2].counter, 25u);
  EXPECT_EQ(ok_or_die(registry_->get(thermo_.uuid)).dynamic.at("unit").value, "C");  // last value kept
  auto rows = snapshot(*store_)[std::string(kHistoryTable)];
  EXPECT_EQ(rows.size(), 3u);
}

TEST_P(Pipeline, RefusesAWrongSignature) {
  auto req = thermo_.request(Action::kUpload, R"({"temp_cC": 1})");
  if (!signed_scheme()) {
    // Unsigned objects carry no proof: whatever is in the header is ignored.
    req.signature = "zz";
    accept(req);
    return;
  }
  auto tampered = req;
  tampered.body = R"({"temp_cC": 2})";  // body changed after signing
  expect_refused(tampered, Reason::kBadSignature);
  auto other = req;
  other.signature = bob_.request(Action::kUpload, req.body, req.counter).signature;  // someone else's proof
  expect_refused(other, Reason::kBadSignature);
  auto as_send = req;
  as_send.action = Action::kSend;  // proof bound to the action
  expect_refused(as_send, Reason::kBadSignature);
  auto missing = req;
  missing.signature.clear();
  expect_refused(missing, Reason::kBadSignature);
  auto garbage = req;
  garbage.signature = "zz";
  expect_refused(garbage, Reason::kBadSignature);
  accept(req);  // the genuine one still passes: refusals consumed nothing
}

TEST_P(Pipeline, RefusesAReplayedOrLowerCounter) {
  auto req = thermo_.request(Action::kUpload, R"({"temp_cC": 1})", 7);
  accept(req);
  expect_refused(req, Reason::kReplayed);
  expect_refused(thermo_.request(Action::kUpload, R"({"temp_cC": 1})", 6), Reason::kReplayed);
  expect_refused(thermo_.request(Action::kUpload, R"({"temp_cC": 1})", 0), Reason::kBadRequest);
  accept(thermo_.request(Action::kUpload, R"({"temp_cC": 1})", 8));
}

TEST_P(Pipeline, RefusesARevokedObject) {
  auto req = thermo_.request(Action::kUpload, R"({"temp_cC": 1})");
  ASSERT_TRUE(registry_->revoke(thermo_.uuid).ok());
  expect_refused(req, Reason::kRevoked);
  // A revoked object is no longer a target either (checked before the sender's permission).
  expect_refused(valve_.request(Action::kSend, R"({"to":")" + thermo_.uuid + R"(","body":1})"), Reason::kUnknownTarget);
}

TEST_P(Pipeline, RefusesSchemaViolations) {
  expect_refused(thermo_.request(Action::kUpload, R"({"temp_cC": 9000})"), Reason::kSchemaViolation);
  expect_refused(thermo_.request(Action::kUpload, R"({"unit": "C"})"), Reason::kSchemaViolation);
  expect_refused(thermo_.request(Action::kUpload, R"({"temp_cC": 1, "x": 2})"), Reason::kSchemaViolation);
  expect_refused(thermo_.request(Action::kUpload, R"([1, 2])"), Reason::kSchemaViolation);
  expect_refused(bob_.request(Action::kUpload, R"("just a string")"),
                 Reason::kSchemaViolation);  // no format: still an object
  expect_refused(thermo_.request(Action::kUpload, R"({"temp_cC": 1.5})"), Reason::kBadRequest);  // floats never parse
  expect_refused(thermo_.request(Action::kUpload, R"({"temp_cC": )"), Reason::kBadRequest);
  Decision d = registry_->process(thermo_.request(Action::kUpload, R"({"temp_cC": 9000})"));
  EXPECT_EQ(d.message, "/temp_cC: 9000 is above the maximum 8000");
}

TEST_P(Pipeline, RefusesAnUnauthorisedTargetAndUpload) {
  // thermo may talk to Device/Actuator/*, not to users; valve has no permissions.
  expect_refused(thermo_.request(Action::kSend, R"({"to":")" + bob_.uuid + R"(","body":{"hi":1}})"),
                 Reason::kNotPermitted);
  expect_refused(valve_.request(Action::kSend, R"({"to":")" + thermo_.uuid + R"(","body":1})"), Reason::kNotPermitted);
  expect_refused(valve_.request(Action::kUpload, R"({"open": true})"), Reason::kNotPermitted);
  expect_refused(thermo_.request(Action::kSend, R"({"to":"mlc:L2/L1a/E1/0000000000000000","body":1})"),
                 Reason::kUnknownTarget);
  expect_refused(thermo_.request(Action::kSend, R"({"to":"nobody","body":1})"), Reason::kBadRequest);
  expect_refused(thermo_.request(Action::kSend, R"({"to":"mlc:L2/L1b/E3/0123456789abcdef","body":1})"),
                 Reason::kUnknownTarget);
  expect_refused(thermo_.request(Action::kSend, R"({"to":")" + valve_.uuid + R"("})"), Reason::kBadRequest);
}

TEST_P(Pipeline, RefusesUnknownObjectsAndForeignLayers) {
  Device ghost = thermo_;
  ghost.uuid = "mlc:L2/L1a/E1/0000000000000000";
  expect_refused(ghost.request(Action::kUpload, R"({"temp_cC": 1})"), Reason::kUnknownObject);
  ghost.uuid = "mlc:L2/L1b/E3/" + thermo_.uuid.substr(thermo_.uuid.size() - 16);
  expect_refused(ghost.request(Action::kUpload, R"({"temp_cC": 1})"), Reason::kUnknownObject);
  ghost.uuid = "garbage";
  expect_refused(ghost.request(Action::kUpload, R"({"temp_cC": 1})"), Reason::kBadRequest);
  expect_refused(thermo_.request(Action::kUpload, std::string(kMaxRequestBodyBytes + 1, ' ')), Reason::kBadRequest);
}

TEST_P(Pipeline, DynamicPropertiesAreBounded) {
  // bob has no format: any object goes, but never more than 64 distinct properties in all.
  for (int batch = 0; batch < 4; ++batch) {
    Json data = Json::object();
    for (int i = 0; i < 16; ++i) data["p" + std::to_string(batch * 16 + i)] = i;
    accept(bob_.request(Action::kUpload, data.dump()));
  }
  expect_refused(bob_.request(Action::kUpload, R"({"one_more": 1})"), Reason::kSchemaViolation);
  accept(bob_.request(Action::kUpload, R"({"p0": 99})"));  // updating a known one is fine
  expect_refused(bob_.request(Action::kUpload, "{\"" + std::string(200, 'k') + "\": 1}"), Reason::kSchemaViolation);
}

TEST_P(Pipeline, ConcurrentRequestsWithOneCounterPassOnce) {
  // Eight threads race the same signed request and eight more a lower counter:
  // the counter check inside the write transaction lets exactly one through.
  auto req = thermo_.request(Action::kUpload, R"({"temp_cC": 1})", 100);
  std::vector<ObjectRequest> reqs(8, req);
  for (int i = 0; i < 8; ++i) reqs.push_back(thermo_.request(Action::kUpload, R"({"temp_cC": 2})", 50 + i));
  std::atomic<int> accepted{0}, replayed{0};
  std::vector<std::thread> threads;
  for (const auto& r : reqs) {
    threads.emplace_back([&, r] {
      Decision d = registry_->process(r);
      if (d.accepted()) ++accepted;
      if (d.reason == Reason::kReplayed) ++replayed;
    });
  }
  for (auto& t : threads) t.join();
  // The lower counters may win before 100 lands; whatever the order, the
  // counter only grows and 100 is accepted at most once.
  auto r = ok_or_die(registry_->get(thermo_.uuid));
  EXPECT_EQ(r.counter, 100u);
  EXPECT_EQ(accepted + replayed, 16);
  // History keeps the last history_limit (3) points: every accepted one
  // while there are at most 3; 100 is accepted last, so it is always kept.
  auto history = ok_or_die(registry_->history(thermo_.uuid, 100));
  EXPECT_EQ(history.size(), std::min<std::size_t>(static_cast<std::size_t>(accepted.load()), 3));
  int with_100 = 0;
  for (const auto& h : history) with_100 += h.counter == 100 ? 1 : 0;
  EXPECT_EQ(with_100, 1);
  ASSERT_FALSE(history.empty());
  EXPECT_EQ(history.back().counter, 100u);
}

TEST_P(Pipeline, MessagesGoThroughTheCentralQueue) {
  clock_.advance(Micros(2'000));
  auto sent = accept(thermo_.request(Action::kSend, R"({"to":")" + valve_.uuid + R"(","body":{"open":true}})"));
  EXPECT_EQ(sent.result["seq"], 0);
  accept(thermo_.request(Action::kSend, R"({"to":")" + valve_.uuid + R"(","body":{"open":false}})"));
  // Bounded queue (limit 2).
  expect_refused(thermo_.request(Action::kSend, R"({"to":")" + valve_.uuid + R"(","body":3})"), Reason::kQueueFull);

  auto f = accept(valve_.request(Action::kFetch, R"({"max": 1})"));
  ASSERT_EQ(f.result["messages"].size(), 1u);
  EXPECT_EQ(f.result["messages"][0]["from"], thermo_.uuid);
  EXPECT_EQ(f.result["messages"][0]["body"]["open"], true);
  EXPECT_EQ(f.result["messages"][0]["time_ms"], unix_millis(clock_.now()));
  EXPECT_EQ(f.result["pending"], 2);
  // Ack the first: it is removed; the next fetch starts at the second.
  auto g = accept(valve_.request(Action::kFetch, R"({"ack": 0})"));
  ASSERT_EQ(g.result["messages"].size(), 1u);
  EXPECT_EQ(g.result["messages"][0]["seq"], 1);
  EXPECT_EQ(g.result["pending"], 1);
  accept(thermo_.request(Action::kSend, R"({"to":")" + valve_.uuid + R"(","body":3})"));  // room again
  auto h = accept(valve_.request(Action::kFetch, R"({"ack": 99})"));
  EXPECT_EQ(h.result["messages"].size(), 0u);
  EXPECT_EQ(h.result["pending"], 0);
  EXPECT_TRUE(snapshot(*store_)[std::string(kQueueTable)].empty());
  expect_refused(valve_.request(Action::kFetch, R"({"max": 0})"), Reason::kBadRequest);
  expect_refused(valve_.request(Action::kFetch, R"({"ack": -1})"), Reason::kBadRequest);
}

TEST_P(Pipeline, RotationStopsTheOldCredential) {
  auto old_req = thermo_.request(Action::kUpload, R"({"temp_cC": 1})");
  CredentialSpec next{Scheme::kHmac, {}};
  auto rot = ok_or_die(registry_->rotate(thermo_.uuid, next));
  // Old key, old secret, or (for an unsigned object) no proof: all refused now.
  expect_refused(old_req, Reason::kBadSignature);
  Device now = thermo_;
  now.scheme = Scheme::kHmac;
  now.secret = *rot.secret;
  accept(now.request(Action::kUpload, R"({"temp_cC": 1})", old_req.counter));
}

}  // namespace
}  // namespace mlchain::edge::testing
