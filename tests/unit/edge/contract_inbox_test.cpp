// The destination edge (contract_inbox.h) on both stores: a packet certified
// by f+1 members of the superior is delivered once into the object's queue
// with a signed receipt; a replay gets 409 with that receipt; every forged,
// short, tampered or misdirected packet is refused and changes nothing.
#include "mlchain/edge/contract_inbox.h"

#include "contract_test_util.h"

namespace mlchain::edge::testing {
namespace {

using Json = codec::Json;

class ContractInbox : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    store_ = GetParam().make(dir_.path());
    ASSERT_NE(store_, nullptr);
    RegistryOptions o;
    o.layer_path = "L2/L1b/E3";
    o.queue_limit = 3;
    registry_ = ok_or_die(Registry::open(*store_, o, clock_, rng_, seeded_secrets(1)));
    target_ = add();
    book_ = w_.book("L2/L1b");
    seal_ = contract::edge_seal_key(w_.e3).value();
    ctx_.own_path = "L2/L1b/E3";
    ctx_.superior = &book_;
    ctx_.key = &w_.e3;
    ctx_.seal_key = &seal_;
    ctx_.verifier = &w_.verifier;
    ctx_.now_ms = 1'764'000'000'500;
  }

  std::string add() {
    ObjectSpec s;
    s.class_path = "Device/Actuator/Valve";
    s.credential.scheme = Scheme::kHmac;
    auto reg = ok_or_die(registry_->register_object(s));
    device_.uuid = reg.record.uuid;
    device_.secret = *reg.secret;
    return reg.record.uuid;
  }

  // A packet for `to`, through all layers, certified by 2 of L2/L1b's 4 members.
  std::string good_body(const std::string& to, std::int64_t ts = 1'764'000'000'000) {
    contract::Packet p = w_.packet(to, Json{{"offer", "feed"}, {"rate", 10}}, ts);
    w_.advance_all(p);
    return ContractWorld::body(p, w_.cert(p, 2));
  }

  void expect_refused(const std::string& body, int status, const std::string& code, const std::string& outcome = {}) {
    auto before = snapshot(*store_);
    InboxAnswer a = receive_packet(body, ctx_, *registry_);
    EXPECT_EQ(a.status, status) << a.body.dump();
    ASSERT_TRUE(a.body.contains("error")) << a.body.dump();
    EXPECT_EQ(a.body["error"]["code"], code) << a.body.dump();
    EXPECT_EQ(a.body["error"]["layer"], "L2/L1b/E3");
    EXPECT_FALSE(a.body["error"]["message"].get<std::string>().empty());
    if (!outcome.empty()) {
      EXPECT_EQ(a.outcome, outcome);
    }
    EXPECT_EQ(snapshot(*store_), before) << "a refusal changed the store";
  }

  TempDir dir_;
  std::unique_ptr<store::Store> store_;
  ManualClock clock_;
  SeededRng rng_{5};
  std::unique_ptr<Registry> registry_;
  std::string target_;
  Device device_;
  ContractWorld w_;
  SuperiorBook book_;
  crypto::SealPrivateKey seal_;
  InboxContext ctx_;
};

TEST_P(ContractInbox, DeliversOnceWithASignedReceipt) {
  std::string body = good_body(target_);
  InboxAnswer a = receive_packet(body, ctx_, *registry_);
  ASSERT_EQ(a.status, 200) << a.body.dump();
  EXPECT_EQ(a.outcome, "delivered");
  const Json& r = a.body["receipt"];
  EXPECT_EQ(a.body["hops"], Json::parse(R"([{"layer":"L2/L1b/E3","edge":true,"role":"destination"}])"));
  EXPECT_EQ(r["edge"], "L2/L1b/E3");
  EXPECT_EQ(r["sum"], a.body["sum"]);
  EXPECT_EQ(r["ids"], Json::parse(R"(["L2/L1a#7","L2#3","L2/L1b#5"])"));
  EXPECT_EQ(r["kind"], "first");
  EXPECT_EQ(r["delivered_at"], 1'764'000'000'500);
  EXPECT_EQ(r["key"], w_.e3.public_key().hex());
  EXPECT_TRUE(verify_receipt(r, w_.verifier).ok());
  Json forged = r;
  forged["delivered_at"] = 1;
  EXPECT_FALSE(verify_receipt(forged, w_.verifier).ok());

  auto q = ok_or_die(registry_->queued(target_, 10));
  ASSERT_EQ(q.size(), 1u);
  EXPECT_EQ(q[0].from, w_.source_uuid());
  EXPECT_EQ(q[0].body, (Json{{"offer", "feed"}, {"rate", 10}}));
  ASSERT_TRUE(q[0].contract.has_value());
  EXPECT_EQ((*q[0].contract)["kind"], "first");
  EXPECT_EQ((*q[0].contract)["sum"], a.body["sum"]);
  EXPECT_EQ((*q[0].contract)["ids"], r["ids"]);
  EXPECT_EQ((*q[0].contract)["ttl_ms"], 3'600'000);
  EXPECT_EQ(to_json(q[0])["contract"], *q[0].contract);

  // The same packet again (a sender retrying after a lost answer): 409 with the original receipt.
  ctx_.now_ms += 10'000;
  auto before = snapshot(*store_);
  InboxAnswer again = receive_packet(body, ctx_, *registry_);
  EXPECT_EQ(again.status, 409);
  EXPECT_EQ(again.outcome, "replay");
  EXPECT_EQ(again.body["error"]["code"], "replay");
  EXPECT_EQ(again.body["error"]["receipt"], r);
  EXPECT_EQ(snapshot(*store_), before);
  EXPECT_EQ(ok_or_die(registry_->queued(target_, 10)).size(), 1u);

  // The same packet certified by other members is still the same sum: replay.
  contract::Packet p = contract::parse_packet(Json::parse(body)["packet"].dump()).value();
  EXPECT_EQ(receive_packet(ContractWorld::body(p, w_.cert(p, 2, 2)), ctx_, *registry_).status, 409);

  // Another message (another timestamp, so another sum) is delivered.
  EXPECT_EQ(receive_packet(good_body(target_, 1'764'000'000'001), ctx_, *registry_).status, 200);
  EXPECT_EQ(ok_or_die(registry_->queued(target_, 10)).size(), 2u);
}

TEST_P(ContractInbox, CertificatesNeedFPlusOneDistinctMembersOfTheSuperior) {
  contract::Packet p = w_.packet(target_, Json{{"n", 1}});
  w_.advance_all(p);
  // One signature of four members: f + 1 = 2 needed.
  expect_refused(ContractWorld::body(p, w_.cert(p, 1)), 401, "certificate_refused", "certificate_too_few_signatures");
  // The same member twice.
  contract::LayerCertificate dup = w_.cert(p, 1);
  contract::add_signature(dup, w_.members.at("L2/L1b")[0]);
  expect_refused(ContractWorld::body(p, dup), 401, "certificate_refused", "certificate_duplicate_signer");
  // A signer that is not a member of the superior (a member of L2).
  contract::LayerCertificate stranger = w_.cert(p, 1);
  contract::add_signature(stranger, w_.members.at("L2")[1]);
  expect_refused(ContractWorld::body(p, stranger), 401, "certificate_refused", "certificate_signer_not_a_member");
  // A forged signature.
  contract::LayerCertificate forged = w_.cert(p, 2);
  forged.signatures[1].second[0] ^= 0x01;
  expect_refused(ContractWorld::body(p, forged), 401, "certificate_refused", "certificate_forged_signature");
  // A certificate of another packet state (next hop, digest).
  contract::Packet other = w_.packet(target_, Json{{"n", 2}});
  w_.advance_all(other);
  expect_refused(ContractWorld::body(p, w_.cert(other, 2)), 401, "certificate_refused", "certificate_wrong_packet");
  // Nothing was delivered by any of them.
  EXPECT_TRUE(ok_or_die(registry_->queued(target_, 10)).empty());
}

// Issue 14 item 2: the origin signature was checked at the first hop only. A
// message whose origin signature does not hold is refused at the
// destination too, even under a valid certificate of the superior (one its
// members signed over a packet made up or changed on the way).
TEST_P(ContractInbox, TheOriginSignatureIsCheckedAtTheDestination) {
  contract::Packet p = w_.packet(target_, Json{{"n", 1}});
  w_.advance_all(p);
  p.origin_sig[0] ^= 0x01;
  expect_refused(ContractWorld::body(p, w_.cert(p, 2)), 401, "certificate_refused", "certificate_bad_origin");
  EXPECT_TRUE(ok_or_die(registry_->queued(target_, 10)).empty());
}

TEST_P(ContractInbox, OnlyTheSuperiorMayDeliver) {
  // The edge's book names another superior: the packet's last layer is not it.
  SuperiorBook other = w_.book("L2");
  ctx_.superior = &other;
  expect_refused(good_body(target_), 401, "certificate_refused", "certificate_wrong_layer");
  ctx_.superior = nullptr;
  expect_refused(good_body(target_), 503, "no_superior");
}

TEST_P(ContractInbox, TamperedOrMalformedPacketsAreRefused) {
  Json j = Json::parse(good_body(target_));
  // The sealed body changed: its hash no longer matches the header.
  Json t = j;
  std::string b = t["packet"]["body"];
  b[10] = b[10] == 'A' ? 'B' : 'A';
  t["packet"]["body"] = b;
  expect_refused(t.dump(), 400, "bad_request");
  // The message header changed (the certificate covers it).
  Json h = j;
  h["packet"]["header"]["ttl_ms"] = 7'200'000;
  expect_refused(h.dump(), 401, "certificate_refused");
  // Shapes.
  expect_refused("not json", 400, "bad_request");
  expect_refused(R"({"packet": {}})", 400, "bad_request");
  Json extra = j;
  extra["more"] = 1;
  expect_refused(extra.dump(), 400, "bad_request");
  expect_refused(std::string(kMaxContractBodyBytes + 1, ' '), 400, "bad_request");
}

TEST_P(ContractInbox, UnknownOrRevokedDestinationIsRefused) {
  expect_refused(good_body("mlc:L2/L1b/E3/ffffffffffffffff"), 404, "unknown_target");
  ASSERT_TRUE(registry_->revoke(target_).ok());
  expect_refused(good_body(target_), 404, "unknown_target");
}

TEST_P(ContractInbox, PacketsForAnotherLayerAreRefused) {
  // Not yet through the last high-level layer: dst is [L2/L1b, L2/L1b/E3].
  contract::Packet early = w_.packet(target_, Json{{"n", 1}});
  ASSERT_TRUE(contract::advance(early, "L2/L1a", "L2/L1a#7").ok());
  ASSERT_TRUE(contract::advance(early, "L2", "L2#3").ok());
  expect_refused(ContractWorld::body(early, w_.cert(early, 2)), 404, "unknown_layer", "wrong_destination");
  // For a sibling edge layer under the same superior.
  contract::Packet sibling = w_.packet("mlc:L2/L1b/E4/00000000000000cc", Json{{"n", 1}});
  w_.advance_all(sibling);
  expect_refused(ContractWorld::body(sibling, w_.cert(sibling, 2)), 404, "unknown_layer", "wrong_destination");
}

TEST_P(ContractInbox, APacketSealedForAnotherEdgeDoesNotOpen) {
  crypto::SealPrivateKey wrong = contract::edge_seal_key(w_.e1).value();
  ctx_.seal_key = &wrong;
  expect_refused(good_body(target_), 422, "refused", "unreadable");
}

TEST_P(ContractInbox, AnExpiredMessageIsNotDeliveredAndOldSumsAreForgotten) {
  // The registry's clock reads 1,700,000,000,000 ms; messages live 1 h.
  std::int64_t now = 1'700'000'000'000;
  // Sent 2 h ago: expired, refused, nothing stored.
  expect_refused(good_body(target_, now - 7'200'000), 410, "expired");
  // A live one is delivered and remembered (a copy is a replay)...
  std::string live = good_body(target_, now - 3'000'000);
  ASSERT_EQ(receive_packet(live, ctx_, *registry_).status, 200);
  EXPECT_EQ(receive_packet(live, ctx_, *registry_).status, 409);
  // ...until its expiry plus the grace: then a later delivery prunes it, and
  // a copy is refused as expired instead of replayed.
  clock_.advance(Micros((600'000 + kDeliveredGraceMs + 1'000) * 1000));
  std::int64_t later = now + 600'000 + kDeliveredGraceMs + 1'000;
  ASSERT_EQ(receive_packet(good_body(target_, later), ctx_, *registry_).status, 200);
  auto txn = store_->begin_read().value();
  std::size_t rows = 0;
  auto cur = txn->cursor(kContractDeliveredTable).value();
  for ((void)cur->first(); cur->valid(); (void)cur->next()) ++rows;
  EXPECT_EQ(rows, 1u);  // only the newest
  txn.reset();
  auto copy = receive_packet(live, ctx_, *registry_);
  EXPECT_EQ(copy.status, 410) << copy.body.dump();
}

TEST_P(ContractInbox, AMessageFromTheFutureIsRefused) {
  expect_refused(good_body(target_, ctx_.now_ms + kDeliveredGraceMs + 1), 400, "bad_request", "future");
  EXPECT_EQ(receive_packet(good_body(target_, ctx_.now_ms + 60'000), ctx_, *registry_).status, 200);  // within the skew
}

TEST_P(ContractInbox, AFullQueueRefusesAndALaterRetryIsDelivered) {
  for (std::int64_t i = 0; i < 3; ++i)
    ASSERT_EQ(receive_packet(good_body(target_, 1'700'000'000'010 + i), ctx_, *registry_).status, 200);
  std::string body = good_body(target_, 1'700'000'000'020);
  expect_refused(body, 429, "queue_full");
  // The object fetches and acknowledges one; the same packet then goes through.
  Decision f = registry_->process(device_.request(Action::kFetch, R"({"ack": 0, "max": 1})"));
  ASSERT_TRUE(f.accepted()) << f.message;
  EXPECT_EQ(f.result["messages"][0]["contract"]["kind"], "first");
  EXPECT_EQ(receive_packet(body, ctx_, *registry_).status, 200);
  EXPECT_EQ(ok_or_die(registry_->queued(target_, 10)).size(), 3u);
}

INSTANTIATE_TEST_SUITE_P(Stores, ContractInbox, ::testing::ValuesIn(backends()), backend_name);

}  // namespace
}  // namespace mlchain::edge::testing
