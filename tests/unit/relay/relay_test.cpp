// The contract relay of a member node, against a fake host: one-member
// layer L2/L1a (so its certificate needs only its own signature) whose
// superior L2 listens nowhere (a closed loopback port), fed packets from E1.
// What is checked: refusals before ordering (and that nothing is ordered),
// ordering and the recorded block, retries not ordered twice, replays,
// certificate parts only for recorded packets, directory and query rules.
#include <gtest/gtest.h>

#include <filesystem>
#include <future>
#include <thread>

#include "../contract/fixtures.h"
#include "mlchain/contract/state_machine.h"
#include "mlchain/ledger/block.h"
#include "mlchain/node/superior_change.h"
#include "mlchain/relay/contract_service.h"
#include "mlchain/store/memory_store.h"

namespace mlchain::relay {
namespace {

using codec::Json;
using contract::testing::World;

constexpr const char* kNowhere = "https://127.0.0.1:9";  // discard port: nothing listens
constexpr const char* kStandby = "https://127.0.0.1:13";  // daytime port: nothing listens either

class FakeHost final : public node::NodeHost {
 public:
  // `founding`: this node is one of the genesis members (else it joined later).
  explicit FakeHost(const World& w, bool founding = true, bool alternate = false)
      : key_(contract::testing::key_from(10, 0)), log_(node::LogFormat::kText, node::LogLevel::kError) {
    auto& bp = genesis_.blueprint;
    bp.layer_path = "L2/L1a";
    bp.members.push_back({"a1", founding ? key_.public_key() : contract::testing::key_from(10, 9).public_key(),
                          "https://127.0.0.1:9", true});
    bp.admin_keys.push_back(admin.public_key());
    ledger::AddressBook sup{"L2", {}};
    for (const auto& s : w.layers.at("L2").signers) sup.members.push_back({"l2", s.public_key(), kNowhere, true});
    bp.superior = sup;
    // A standby of L2 (another closed port), for superior changes.
    if (alternate) bp.alternate_superiors.push_back({"L2", {{"l2-standby", contract::testing::key_from(66, 0).public_key(), kStandby, true}}});
    genesis_.genesis = ledger::make_genesis(bp);
    // E1 attached by an ordered add-subordinate op (what `layer attach` does).
    Json member = {{"name", "E1"}, {"public_key", w.e1.public_key().hex()}, {"address", kNowhere}};
    Json row = {{"path", "L2/L1a/E1"}, {"members", Json::array({member})}, {"height", 1},
                {"seal_key", contract::edge_seal_key(w.e1)->public_key().hex()}};
    EXPECT_TRUE(store_->write([&](store::WriteTxn& txn) { return txn.put(node::kSubordinatesTable, "L2/L1a/E1", row.dump()); }).ok());
    genesis_.hash_hex = crypto::digest_hex(genesis_.genesis.hash());
  }
  const node::GenesisFile& genesis() const override { return genesis_; }
  const std::string& node_name() const override { return name_; }
  const crypto::PrivateKey& key() const override { return key_; }
  const crypto::Verifier& verifier() const override { return verifier_; }
  store::Store& store() override { return *store_; }
  node::Logger& log() override { return log_; }
  std::vector<node::HostMember> members() const override { return {{key_.public_key(), "a1", "https://127.0.0.1:9"}}; }
  bool is_member(const crypto::PublicKey& k) const override { return k == key_.public_key(); }
  bool behind(std::string* why) const override {
    if (behind_by.empty()) return false;
    *why = behind_by;
    return true;
  }
  void order(std::string op_text, std::function<void(Result<node::Ordered>)> done) override {
    ++ordered;
    std::string result;
    std::uint64_t h = ++height_;
    Status st = store_->write([&](store::WriteTxn& txn) -> Status {
      MLCHAIN_ASSIGN_OR_RETURN(Bytes r, service->machine().apply(txn, consensus::Request{key_.public_key().hex(), h, to_bytes(op_text)},
                                                                 ledger::OpContext{h, time_ms}));
      result = to_string(r);
      return {};
    });
    if (!st.ok()) return done(st);
    done(node::Ordered{result, h});
  }
  codec::Json challenge(const crypto::PublicKey&, const std::string&) const override { return {{"result", "silent"}}; }
  Result<std::optional<ledger::Block>> block(std::uint64_t) const override { return unavailable("no ledger in this fake"); }

  node::Service* service = nullptr;
  std::string behind_by;  // set: the host is catching up (what behind() says)
  std::atomic<int> ordered{0};
  std::int64_t time_ms = 1'700'000'000'000;
  crypto::PrivateKey admin = contract::testing::key_from(77, 0);

 private:
  node::GenesisFile genesis_;
  std::string name_ = "a1";
  crypto::PrivateKey key_;
  crypto::Ed25519Verifier verifier_;
  std::unique_ptr<store::Store> store_ = store::make_memory_store();
  node::Logger log_;
  std::uint64_t height_ = 0;
};

struct Relay {
  World w;
  FakeHost host;
  std::unique_ptr<node::Service> svc;

  explicit Relay(std::chrono::milliseconds superior_retry = std::chrono::milliseconds(0), bool founding = true,
                 bool alternate = false)
      : host(w, founding, alternate) {
    RelayOptions o;
    o.workers = 4;
    o.superior_review = std::chrono::milliseconds(0);
    o.superior_retry = superior_retry;
    o.default_budget = std::chrono::milliseconds(3'000);
    svc = contract_service(o)(node::ServiceContext{host.genesis(), host.verifier(), host.log()}).value();
    host.service = svc.get();
    EXPECT_TRUE(svc->start(host).ok());
  }
  ~Relay() { svc->stop(); }

  // One request through handle(); waits (bounded) for the reply.
  net::Response call(const std::string& method, const std::string& target, std::string body = {},
                     std::map<std::string, std::string> headers = {}) {
    net::Request req;
    req.method = method;
    req.target = target;
    req.body = std::move(body);
    req.headers = std::move(headers);
    auto p = std::make_shared<std::promise<net::Response>>();
    auto f = p->get_future();
    net::Reply reply = [p](net::Response r) { p->set_value(std::move(r)); };
    EXPECT_TRUE(svc->handle(req, reply)) << target;
    EXPECT_EQ(f.wait_for(std::chrono::seconds(20)), std::future_status::ready);
    return f.get();
  }
  net::Response post_packet(const contract::Packet& p, const contract::LayerCertificate& c) {
    return call("POST", "/v1/contract/packet", Json{{"packet", contract::to_json(p)}, {"cert", contract::to_json(c)}}.dump());
  }
  static std::string code(const net::Response& r) {
    auto j = Json::parse(r.body, nullptr, false);
    return j.is_object() && j.contains("error") ? j["error"].value("code", "") : "";
  }
  contract::Lookup get(const std::string& id) {
    auto txn = host.store().begin_read().value();
    return contract::get_contract(*txn, id).value();
  }
};

TEST(Relay, RefusesBeforeOrdering) {
  Relay r;
  contract::Packet p = r.w.first_packet();
  // Forged: signed by a key E1 does not hold.
  contract::LayerCertificate forged = contract::begin_certificate(p, "L2/L1a/E1");
  crypto::Ed25519Signer rogue(contract::testing::key_from(99, 0));
  contract::add_signature(forged, rogue);
  auto a = r.post_packet(p, forged);
  EXPECT_EQ(a.status, 401) << a.body;
  EXPECT_EQ(Relay::code(a), "certificate_refused");
  // Tampered body: the header's body hash no longer matches.
  contract::Packet tampered = p;
  tampered.body[tampered.body.size() / 2] ^= 1;
  auto b = r.post_packet(tampered, r.w.certify(p, "L2/L1a/E1", 1));
  EXPECT_EQ(b.status, 400) << b.body;
  // No body at all, wrong layer, junk.
  contract::Packet bare = p;
  bare.body.clear();
  EXPECT_EQ(r.call("POST", "/v1/contract/packet",
                   Json{{"packet", contract::envelope_json(bare)}, {"cert", contract::to_json(r.w.certify(p, "L2/L1a/E1", 1))}}.dump())
                .status,
            400);
  contract::Packet elsewhere = p;
  ASSERT_TRUE(contract::advance(elsewhere, "L2/L1a", "L2/L1a#1").ok());
  auto c = r.post_packet(elsewhere, r.w.certify(elsewhere, "L2/L1a", 4));
  EXPECT_EQ(Relay::code(c), "wrong_layer") << c.body;
  EXPECT_EQ(r.call("POST", "/v1/contract/packet", "{not json").status, 400);
  EXPECT_EQ(r.call("GET", "/v1/contract/packet").status, 405);
  EXPECT_EQ(r.host.ordered.load(), 0);
  EXPECT_EQ(r.get("L2/L1a#1").kind, contract::LookupKind::kNotFound);
}

TEST(Relay, OrdersOnceRecordsAndFailsForwardingToAnUnreachableSuperior) {
  Relay r;
  contract::Packet p = r.w.first_packet();
  auto cert = r.w.certify(p, "L2/L1a/E1", 1);
  auto a = r.post_packet(p, cert);
  // Recorded here, but nobody of L2 listens: the sender learns it.
  EXPECT_EQ(a.status, 503) << a.body;
  EXPECT_EQ(Relay::code(a), "unreachable");
  EXPECT_EQ(r.host.ordered.load(), 1);
  auto l = r.get("L2/L1a#1");
  ASSERT_EQ(l.kind, contract::LookupKind::kFound);
  EXPECT_EQ(l.block->k.size(), 1u);
  EXPECT_EQ(l.block->responsible, r.host.key().public_key().hex());
  // The same packet again (the sender's retry, or another member's): not
  // ordered again, forwarded again.
  auto b = r.post_packet(p, cert);
  EXPECT_EQ(Relay::code(b), "unreachable");
  EXPECT_EQ(r.host.ordered.load(), 1);
  auto status = Json::parse(r.svc->status_json().dump());
  EXPECT_EQ(status.value("retries", 0), 1);
  EXPECT_EQ(status.value("batches", 0), 1);
}

// A member that is catching up (restarted, healed) would hold a new packet
// until it has caught up — seconds in the soak, for every packet sent to it:
// it refuses with 503 unavailable, so the sender's next member orders it.
// A packet it already recorded is still forwarded (that needs no ordering).
TEST(Relay, AMemberCatchingUpPassesNewPacketsOn) {
  Relay r;
  contract::Packet p = r.w.first_packet();
  auto cert = r.w.certify(p, "L2/L1a/E1", 1);
  ASSERT_EQ(Relay::code(r.post_packet(p, cert)), "unreachable");  // recorded; L2 listens nowhere
  r.host.behind_by = "catching up: at height 3, members checkpointed 40";
  contract::Packet p2 = r.w.first_packet(1'700'000'000'001);
  auto a = r.post_packet(p2, r.w.certify(p2, "L2/L1a/E1", 1));
  EXPECT_EQ(a.status, 503) << a.body;
  EXPECT_EQ(Relay::code(a), "unavailable");
  EXPECT_NE(a.body.find("catching up"), std::string::npos) << a.body;
  EXPECT_EQ(r.host.ordered.load(), 1) << "nothing new ordered while behind";
  auto again = r.post_packet(p, cert);
  EXPECT_EQ(Relay::code(again), "unreachable") << "a recorded packet is forwarded again: " << again.body;
}

// After an ordered change-superior, packets go up to the alternate: the
// forwarding error names its member, not the original's.
TEST(Relay, ForwardsToTheSuperiorOnChain) {
  Relay r(std::chrono::milliseconds(0), true, true);
  ASSERT_TRUE(r.host.store().write([](store::WriteTxn& w) {
    return w.put(node::kSuperiorTable, "current", R"({"generation":1,"height":1,"index":1,"time_ms":0})");
  }).ok());
  contract::Packet p = r.w.first_packet();
  auto a = r.post_packet(p, r.w.certify(p, "L2/L1a/E1", 1));
  EXPECT_EQ(a.status, 503) << a.body;
  EXPECT_NE(a.body.find("l2-standby"), std::string::npos) << a.body;
  EXPECT_EQ(a.body.find(kNowhere), std::string::npos) << a.body;
  auto d = Json::parse(r.call("GET", "/v1/directory/L2").body);
  EXPECT_EQ(d["members"][0].value("name", ""), "l2-standby") << d.dump();
}

// A packet from above certified by another deployment of L2 than the one
// this layer trusts (here: its standby while the original is current) is
// refused as retryable superior_mismatch, before anything is ordered.
TEST(Relay, APacketFromAnotherDeploymentOfTheSuperiorIsAMismatch) {
  Relay r(std::chrono::milliseconds(0), true, true);
  contract::Outgoing out;
  out.from = r.w.b();
  out.to = r.w.a();
  out.message = Json{{"reply", 1}};
  out.timestamp_ms = 1'700'000'000'000;
  out.ttl_ms = 3'600'000;
  auto p = contract::make_packet(out, r.w.e3, contract::pseudonym_secret(r.w.e3),
                                 contract::edge_seal_key(r.w.e1)->public_key()).value();
  ASSERT_TRUE(contract::advance(p, "L2/L1b", "L2/L1b#1").ok());
  ASSERT_TRUE(contract::advance(p, "L2", "L2#1").ok());
  contract::LayerCertificate by_standby = contract::begin_certificate(p, "L2");
  crypto::Ed25519Signer standby(contract::testing::key_from(66, 0));
  contract::add_signature(by_standby, standby);
  auto a = r.post_packet(p, by_standby);
  EXPECT_EQ(a.status, 503) << a.body;
  EXPECT_EQ(Relay::code(a), "superior_mismatch") << a.body;
  EXPECT_EQ(r.host.ordered.load(), 0);
  // A stranger's signature is still a plain refusal.
  contract::LayerCertificate forged = contract::begin_certificate(p, "L2");
  crypto::Ed25519Signer rogue(contract::testing::key_from(99, 0));
  contract::add_signature(forged, rogue);
  EXPECT_EQ(Relay::code(r.post_packet(p, forged)), "certificate_refused");
  // The trusted deployment's certificate passes Statement 1 and is ordered.
  auto ok = r.post_packet(p, r.w.certify(p, "L2", 2));
  EXPECT_NE(Relay::code(ok), "superior_mismatch") << ok.body;
  EXPECT_EQ(r.host.ordered.load(), 1) << ok.body;
}

// Threads of this process, from /proc/self/task.
std::size_t thread_count() {
  std::size_t n = 0;
  for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator("/proc/self/task")) ++n;
  return n;
}

// Each forwarding call runs on a thread of its own (call_watched); stop()
// joins them all, so none outlives the service. They used to be detached:
// one still finishing after stop() raced with the process's exit (OpenSSL's
// cleanup against the thread's own; TSan, scripts/sanitize.sh tsan). Without
// the join the count below is off by the threads still exiting, and TSan
// reports the race at exit.
TEST(Relay, StopLeavesNoForwardingThreadBehind) {
  std::thread([] {}).join();  // TSan starts its own background thread at the first pthread_create
  std::size_t before = thread_count();
  for (int i = 0; i < 10; ++i) {
    {
      Relay r;
      contract::Packet p = r.w.first_packet();
      EXPECT_EQ(Relay::code(r.post_packet(p, r.w.certify(p, "L2/L1a/E1", 1))), "unreachable");
    }
    ASSERT_EQ(thread_count(), before) << "after round " << i;
  }
}

TEST(Relay, APacketForAnUnansweringSuperiorWaitsForItThenTimesOut) {
  Relay r(std::chrono::milliseconds(100));
  contract::Packet p = r.w.first_packet();
  auto a = r.post_packet(p, r.w.certify(p, "L2/L1a/E1", 1));
  EXPECT_EQ(a.status, 504) << a.body;
  EXPECT_EQ(Relay::code(a), "timeout");
  EXPECT_EQ(Json::parse(r.svc->status_json().dump()).value("forward_waiting", 0), 1);
  EXPECT_EQ(r.get("L2/L1a#1").kind, contract::LookupKind::kFound);  // recorded; the sender may retry later
}

TEST(Relay, AMemberThatJoinedAfterTheGenesisSignsTheCertificate) {
  // This node joined after the genesis. Certificates are signed by f+1
  // members of the CURRENT epoch (neighbours follow the membership by epoch
  // certificates, node/epochs.h): it signs and forwards. (It used to refuse,
  // signing with genesis members only, so a layer whose founders had all
  // left could certify nothing; issue 14 item 3.)
  Relay r(std::chrono::milliseconds(0), false);
  contract::Packet p = r.w.first_packet();
  auto a = r.post_packet(p, r.w.certify(p, "L2/L1a/E1", 1));
  EXPECT_EQ(Relay::code(a), "unreachable") << a.body;  // certified; the fake superior has no live member
  EXPECT_EQ(Json::parse(r.svc->status_json().dump()).value("forward_no_certificate", 0), 0) << r.svc->status_json();
  EXPECT_EQ(r.get("L2/L1a#1").kind, contract::LookupKind::kFound);
}

TEST(Relay, ReplayedSumInAnotherPacketIsRefused) {
  Relay r;
  contract::Packet p = r.w.first_packet();
  ASSERT_EQ(r.post_packet(p, r.w.certify(p, "L2/L1a/E1", 1)).status, 503);
  // A follow-up carrying the first message's sum and timestamp: same sum,
  // another packet.
  contract::Packet f = r.w.follow_up(1'700'000'000'000, {"L2/L1a#1", "L2#1", "L2/L1b#1"});
  f.sum = p.sum;
  auto moved = r.post_packet(f, r.w.certify(f, "L2/L1a/E1", 1));
  // The origin signature no longer covers the sum: Statement 1 refuses it first.
  EXPECT_EQ(moved.status, 401) << moved.body;
  EXPECT_EQ(r.get("L2/L1a#1").block->k.size(), 1u);
}

TEST(Relay, SignsOnlyWhatItsStateRecords) {
  Relay r;
  contract::Packet p = r.w.first_packet();
  ASSERT_EQ(r.post_packet(p, r.w.certify(p, "L2/L1a/E1", 1)).status, 503);
  contract::Packet next = p;
  ASSERT_TRUE(contract::advance(next, "L2/L1a", "L2/L1a#1").ok());
  auto ask = [&](const contract::Packet& q) {
    return r.call("POST", "/v1/contract/sign", Json{{"packet", contract::envelope_json(q)}, {"layer", "L2/L1a"}}.dump());
  };
  auto ok = ask(next);
  ASSERT_EQ(ok.status, 200) << ok.body;
  auto j = Json::parse(ok.body);
  auto sig = crypto::signature_from_hex(j.value("sig", "")).value();
  contract::LayerCertificate c = contract::begin_certificate(next, "L2/L1a");
  EXPECT_TRUE(r.host.verifier().verify(r.host.key().public_key(),
                                       contract::certificate_signing_bytes(c.layer, c.next_hop, c.packet), sig));
  // Another ttl in the header: same sum and id, another packet -> refused.
  contract::Packet other = next;
  other.header.ttl_ms += 1;
  EXPECT_EQ(Relay::code(ask(other)), "not_recorded");
  // A sum this member has not applied (yet): 409, the gatherer retries.
  contract::Packet unknown = r.w.first_packet(1'700'000'000'999);
  ASSERT_TRUE(contract::advance(unknown, "L2/L1a", "L2/L1a#1").ok());
  EXPECT_EQ(Relay::code(ask(unknown)), "not_yet");
  // Named under another id than the one recorded.
  contract::Packet wrong = p;
  ASSERT_TRUE(contract::advance(wrong, "L2/L1a", "L2/L1a#2").ok());
  EXPECT_EQ(Relay::code(ask(wrong)), "not_recorded");
  // With a body, or for another layer: bad requests.
  EXPECT_EQ(r.call("POST", "/v1/contract/sign", Json{{"packet", contract::to_json(next)}, {"layer", "L2/L1a"}}.dump()).status, 400);
  EXPECT_EQ(Relay::code(r.call("POST", "/v1/contract/sign",
                               Json{{"packet", contract::envelope_json(next)}, {"layer", "L2"}}.dump())),
            "wrong_layer");
}

TEST(Relay, DirectoryAnswersFromItsOwnChain) {
  Relay r;
  auto self = r.call("GET", "/v1/directory/L2%2FL1a");
  ASSERT_EQ(self.status, 200) << self.body;
  EXPECT_EQ(Json::parse(self.body)["members"].size(), 1u);
  auto sup = r.call("GET", "/v1/directory/L2");
  ASSERT_EQ(sup.status, 200);
  EXPECT_EQ(Json::parse(sup.body)["members"].size(), 4u);
  auto edge = r.call("GET", "/v1/directory/L2/L1a/E1");  // unencoded slashes work too
  ASSERT_EQ(edge.status, 200) << edge.body;
  EXPECT_EQ(Json::parse(edge.body)["members"][0].value("public_key", ""), r.w.e1.public_key().hex());
  EXPECT_TRUE(Json::parse(edge.body).value("edge", false));
  EXPECT_EQ(Json::parse(edge.body).value("seal_key", ""), contract::edge_seal_key(r.w.e1)->public_key().hex());
  // Under an edge layer: nothing. Bad paths: 400.
  EXPECT_EQ(r.call("GET", "/v1/directory/L2/L1a/E1/X").status, 404);
  EXPECT_EQ(r.call("GET", "/v1/directory/L2%2F..%2Fx").status, 400);
  // Elsewhere in the tree: asked of L2, which does not answer.
  EXPECT_EQ(Relay::code(r.call("GET", "/v1/directory/L2/L1b")), "unreachable");
}

TEST(Relay, ContractQueriesAreSignedAndAuthorised) {
  Relay r;
  contract::Packet p = r.w.first_packet();
  ASSERT_EQ(r.post_packet(p, r.w.certify(p, "L2/L1a/E1", 1)).status, 503);
  std::string target = "/v1/contracts/L2%2FL1a%231";
  auto signed_by = [&](const crypto::PrivateKey& k, std::int64_t t, const std::string& path) {
    auto sig = k.sign(query_signing_bytes(r.host.genesis().hash_hex, path, t));
    return std::map<std::string, std::string>{
        {"x-mlchain-key", k.public_key().hex()}, {"x-mlchain-time", std::to_string(t)}, {"x-mlchain-sig", crypto::signature_hex(sig)}};
  };
  auto now = static_cast<std::int64_t>(
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count());
  EXPECT_EQ(Relay::code(r.call("GET", target)), "bad_signature");
  // Signed for another path, or too old.
  EXPECT_EQ(Relay::code(r.call("GET", target, {}, signed_by(r.host.admin, now, "/v1/contracts/L2%2FL1a%232"))), "bad_signature");
  EXPECT_EQ(Relay::code(r.call("GET", target, {}, signed_by(r.host.admin, now - 600'000, target))), "bad_signature");
  // A key that is neither member, admin nor a party's edge: 403 (the
  // directory of the destination edge is not reachable here either).
  EXPECT_EQ(Relay::code(r.call("GET", target, {}, signed_by(contract::testing::key_from(55, 0), now, target))), "not_authorized");
  // The admin passes authority; this fake host has no ledger to read the
  // blocks from: 503, not 403.
  EXPECT_EQ(r.call("GET", target, {}, signed_by(r.host.admin, now, target)).status, 503);
  // The source edge (a party) too.
  EXPECT_EQ(r.call("GET", target, {}, signed_by(r.w.e1, now, target)).status, 503);
  // Another layer's id, and junk.
  EXPECT_EQ(r.call("GET", "/v1/contracts/L2%231", {}, signed_by(r.host.admin, now, "/v1/contracts/L2%231")).status, 404);
  EXPECT_EQ(r.call("GET", "/v1/contracts/nonsense").status, 400);
}

TEST(Relay, AnExpiredAddressBookEntryIsRefused) {
  Relay r;
  Json member = {{"name", "E1"}, {"public_key", r.w.e1.public_key().hex()}, {"address", kNowhere}};
  Json row = {{"path", "L2/L1a/E1"}, {"members", Json::array({member})}, {"height", 1}, {"expires_at", 1'000}};
  ASSERT_TRUE(r.host.store().write([&](store::WriteTxn& txn) { return txn.put(node::kSubordinatesTable, "L2/L1a/E1", row.dump()); }).ok());
  contract::Packet p = r.w.first_packet();
  auto a = r.post_packet(p, r.w.certify(p, "L2/L1a/E1", 1));
  EXPECT_EQ(a.status, 401) << a.body;
  EXPECT_NE(a.body.find("expired"), std::string::npos) << a.body;
  EXPECT_EQ(r.host.ordered.load(), 0);
  EXPECT_EQ(r.call("GET", "/v1/directory/L2/L1a/E1").status, 404);
  // The state machine refuses it the same way by block time (every replica).
  std::string result;
  ASSERT_TRUE(r.host.store().write([&](store::WriteTxn& txn) -> Status {
    MLCHAIN_ASSIGN_OR_RETURN(Bytes out, r.svc->machine().apply(txn, consensus::Request{"x", 1, to_bytes(contract::contract_op_text(p, r.w.certify(p, "L2/L1a/E1", 1)).value())},
                                                        ledger::OpContext{1, 2'000}));
    result = to_string(out);
    return {};
  }).ok());
  EXPECT_EQ(result.rfind("error: statement 1:", 0), 0u) << result;
  EXPECT_NE(result.find("expired"), std::string::npos) << result;
}

TEST(Relay, OnlyAdminsMayPruneAndNobodyMayInjectPackets) {
  Relay r;
  node::SignedOp prune{r.host.admin.public_key(), r.host.genesis().hash_hex, 1, contract::prune_op_text(), {}};
  EXPECT_TRUE(r.svc->admit_client_op(prune, false, true).ok());
  EXPECT_EQ(r.svc->admit_client_op(prune, true, false).code(), ErrorCode::kPermissionDenied);
  contract::Packet p = r.w.first_packet();
  node::SignedOp inject{r.w.e1.public_key(), r.host.genesis().hash_hex, 1,
                        contract::contract_op_text(p, r.w.certify(p, "L2/L1a/E1", 1)).value(), {}};
  EXPECT_EQ(r.svc->admit_client_op(inject, false, true).code(), ErrorCode::kPermissionDenied);
  EXPECT_TRUE(r.svc->admit_client_op(inject, true, false).ok());
}

}  // namespace
}  // namespace mlchain::relay
