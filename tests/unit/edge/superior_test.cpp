// The edge's superior address book: the [superior] config table, the merge
// of /v1/layer answers (a pure function), its store row across reopen, and
// the refresh rounds with a fake fetcher (no network).
#include "mlchain/edge/superior.h"

#include <fstream>

#include "edge_test_util.h"
#include "mlchain/edge/config.h"
#include "mlchain/edge/superior_tracker.h"
#include "mlchain/ledger/epoch_cert.h"

namespace mlchain::edge::testing {
namespace {

using Json = codec::Json;

crypto::PublicKey key_of(std::uint8_t seed) {
  return crypto::PrivateKey::from_seed(Bytes(32, seed)).value().public_key();
}

std::string address_of(int i) { return "https://127.0.0.1:" + std::to_string(7100 + i); }

// The superior "L2/L1a" as its genesis.json describes it: n1..n4, plus n5
// already invalid in the blueprint.
node::GenesisFile genesis_l1a() {
  node::GenesisFile g;
  g.blueprint.layer_path = "L2/L1a";
  for (int i = 1; i <= 5; ++i) {
    g.blueprint.members.push_back(
        {"n" + std::to_string(i), key_of(static_cast<std::uint8_t>(i)), address_of(i), i != 5});
  }
  g.hash_hex = std::string(64, 'a');
  return g;
}

Json member_json(int i, std::string status, std::string address = "") {
  return {{"name", "n" + std::to_string(i)},
          {"public_key", key_of(static_cast<std::uint8_t>(i)).hex()},
          {"address", address.empty() ? address_of(i) : address},
          {"status", std::move(status)},
          {"connected", true}};
}

// A /v1/layer answer of L2/L1a at `epoch` listing `members`.
Json answer(std::uint64_t epoch, Json members, std::string hash = std::string(64, 'a'), std::string layer = "L2/L1a") {
  return {{"layer", std::move(layer)},     {"genesis_hash", std::move(hash)}, {"epoch", epoch}, {"n", 4},
          {"members", std::move(members)}, {"subordinates", Json::array()}};
}

std::vector<crypto::PublicKey> keys(const SuperiorBook& b) {
  std::vector<crypto::PublicKey> out;
  for (const auto& m : b.members) out.push_back(m.key);
  return out;
}

// ---- config ----------------------------------------------------------------

const std::string kBase = [] {
  return "role = \"edge\"\nname = \"e1\"\nkey_file = \"e1.pem\"\nlisten = \"127.0.0.1:7301\"\n"
         "data_dir = \"d\"\nlayer = \"L2/L1a/E1\"\nadmin_keys = [\"" +
         key_of(1).hex() + "\"]\n";
}();

TEST(SuperiorConfig, AbsentByDefault) {
  auto c = parse_edge_config_toml(kBase, "e.toml", "/etc/mlchain");
  ASSERT_TRUE(c.ok()) << c.status().to_string();
  EXPECT_FALSE(c->superior.has_value());
}

TEST(SuperiorConfig, ParsesTheTableAndTheInterval) {
  auto c = parse_edge_config_toml(
      "superior_refresh_ms = 5000\n" + kBase + "[superior]\npath = \"L2/L1a\"\ngenesis = \"l1a/genesis.json\"\n",
      "e.toml", "/etc/mlchain");
  ASSERT_TRUE(c.ok()) << c.status().to_string();
  ASSERT_TRUE(c->superior.has_value());
  EXPECT_EQ(c->superior->path, "L2/L1a");
  EXPECT_EQ(c->superior->genesis, "/etc/mlchain/l1a/genesis.json");
  EXPECT_EQ(c->superior->refresh_ms, 5000);
  auto d = parse_edge_config_toml(kBase + "[superior]\npath = \"L2/L1a\"\ngenesis = \"/abs/g.json\"\n", "e.toml", "/x");
  ASSERT_TRUE(d.ok()) << d.status().to_string();
  EXPECT_EQ(d->superior->genesis, "/abs/g.json");
  EXPECT_EQ(d->superior->refresh_ms, 30'000);
}

TEST(SuperiorConfig, RefusesBadTablesWithLocation) {
  auto err = [](const std::string& text) { return parse_edge_config_toml(text, "e.toml", "").status(); };
  auto expect = [&](const std::string& text, const std::string& where, const std::string& what) {
    Status st = err(text);
    EXPECT_EQ(st.code(), ErrorCode::kInvalidArgument) << text;
    EXPECT_NE(st.message().find(where), std::string::npos) << st.message();
    EXPECT_NE(st.message().find(what), std::string::npos) << st.message();
  };
  // Not the parent of the edge layer (line 9 = the path line).
  expect(kBase + "[superior]\npath = \"L2/L1b\"\ngenesis = \"g.json\"\n", "e.toml:9:", "parent");
  expect(kBase + "[superior]\npath = \"L2\"\ngenesis = \"g.json\"\n", "e.toml:9:", "\"L2/L1a\"");
  expect(kBase + "[superior]\npath = \"L2/L1a/\"\ngenesis = \"g.json\"\n", "e.toml:9:", "[superior] 'path'");
  // Missing keys, wrong types, unknown keys.
  expect(kBase + "[superior]\npath = \"L2/L1a\"\n", "e.toml:8:", "missing key 'genesis'");
  expect(kBase + "[superior]\ngenesis = \"g.json\"\n", "e.toml:8:", "missing key 'path'");
  expect(kBase + "[superior]\npath = \"L2/L1a\"\ngenesis = 7\n", "e.toml:10:", "'genesis' must be a string");
  expect(kBase + "[superior]\npath = \"L2/L1a\"\ngenesis = \"g\"\nkeys = []\n", "e.toml:11:", "unknown key 'keys'");
  expect(kBase + "[superior]\npath = \"L2/L1a\"\ngenesis = \"g\"\nsuperior_refresh_ms = 5000\n",
         "e.toml:11:", "before the [superior] table");
  expect(kBase + "superior = \"L2/L1a\"\n", "e.toml:8:", "must be a table");
  // The interval: range, and only with a table.
  expect("superior_refresh_ms = 10\n" + kBase + "[superior]\npath = \"L2/L1a\"\ngenesis = \"g\"\n",
         "e.toml:1:", "1000..86400000");
  expect("superior_refresh_ms = 5000\n" + kBase, "e.toml:1:", "needs a [superior] table");
  // A root edge layer has no superior.
  std::string root = kBase;
  root.replace(root.find("L2/L1a/E1"), 9, "E1");
  expect(root + "[superior]\npath = \"L2\"\ngenesis = \"g\"\n", "e.toml:9:", "no superior");
}

// ---- the merge -------------------------------------------------------------

TEST(SuperiorBook, GenesisGivesTheValidFoundingMembersAtEpochZero) {
  auto b = book_from_genesis(genesis_l1a(), "L2/L1a");
  ASSERT_TRUE(b.ok()) << b.status().to_string();
  EXPECT_EQ(b->epoch, 0u);
  EXPECT_EQ(b->refreshed_at_ms, 0);
  EXPECT_EQ(keys(*b), (std::vector<crypto::PublicKey>{key_of(1), key_of(2), key_of(3), key_of(4)}));
  EXPECT_EQ(b->members[2].address, address_of(3));
  EXPECT_EQ(b->members[2].name, "n3");
  EXPECT_EQ(book_from_genesis(genesis_l1a(), "L2/L1b").status().code(), ErrorCode::kVerificationFailed);
}

TEST(SuperiorBook, AcceptsANewerOrEqualEpochAndDropsInvalidMembers) {
  SuperiorBook b = book_from_genesis(genesis_l1a(), "L2/L1a").value();
  // Epoch 1: n2 marked invalid, n6 joined (n3 unreachable right now: still a member).
  Json members = Json::array({member_json(1, "valid"), member_json(3, "unreachable"), member_json(4, "valid"),
                              member_json(6, "valid"), member_json(2, "invalid")});
  auto next = apply_layer_answer(b, answer(1, members), 1'700'000'000'123);
  ASSERT_TRUE(next.ok()) << next.status().to_string();
  EXPECT_EQ(next->epoch, 1u);
  EXPECT_EQ(next->refreshed_at_ms, 1'700'000'000'123);
  EXPECT_EQ(keys(*next), (std::vector<crypto::PublicKey>{key_of(1), key_of(3), key_of(4), key_of(6)}));
  EXPECT_EQ(next->path, "L2/L1a");
  EXPECT_EQ(next->genesis_hash, b.genesis_hash);
  // The same epoch again (an address moved) is accepted too.
  Json moved = Json::array({member_json(1, "valid", "https://10.0.0.1:9000"), member_json(3, "valid"),
                            member_json(4, "valid"), member_json(6, "valid")});
  auto again = apply_layer_answer(*next, answer(1, moved), 1'700'000'001'000);
  ASSERT_TRUE(again.ok()) << again.status().to_string();
  EXPECT_EQ(again->members[0].address, "https://10.0.0.1:9000");
}

TEST(SuperiorBook, EpochNeverGoesBack) {
  SuperiorBook b = book_from_genesis(genesis_l1a(), "L2/L1a").value();
  b.epoch = 3;
  Json members = Json::array({member_json(1, "valid"), member_json(2, "valid")});
  auto r = apply_layer_answer(b, answer(2, members), 5);
  EXPECT_EQ(r.status().code(), ErrorCode::kFailedPrecondition);
  EXPECT_NE(r.status().message().find("older"), std::string::npos);
  EXPECT_TRUE(apply_layer_answer(b, answer(3, members), 5).ok());
  EXPECT_TRUE(apply_layer_answer(b, answer(4, members), 5).ok());
}

TEST(SuperiorBook, RefusesAnotherLayerOrGenesis) {
  SuperiorBook b = book_from_genesis(genesis_l1a(), "L2/L1a").value();
  Json members = Json::array({member_json(1, "valid")});
  EXPECT_EQ(apply_layer_answer(b, answer(1, members, std::string(64, 'b')), 5).status().code(),
            ErrorCode::kVerificationFailed);
  EXPECT_EQ(apply_layer_answer(b, answer(1, members, std::string(64, 'a'), "L2/L1b"), 5).status().code(),
            ErrorCode::kVerificationFailed);
}

TEST(SuperiorBook, RefusesMalformedAnswers) {
  SuperiorBook b = book_from_genesis(genesis_l1a(), "L2/L1a").value();
  auto code = [&](const Json& a) { return apply_layer_answer(b, a, 5).status().code(); };
  const auto bad = ErrorCode::kInvalidArgument;
  EXPECT_EQ(code(Json::array()), bad);
  EXPECT_EQ(code(answer(1, Json::array())), bad);                             // no member
  EXPECT_EQ(code(answer(1, Json::array({member_json(1, "invalid")}))), bad);  // no current member
  EXPECT_EQ(code(answer(1, Json::array({member_json(1, "retired")}))), bad);  // unknown status
  EXPECT_EQ(code(answer(1, Json::array({member_json(1, "valid"), member_json(1, "invalid")}))), bad);  // twice
  EXPECT_EQ(code(answer(1, Json::array({member_json(1, "valid", "http://x:1")}))), bad);
  EXPECT_EQ(code(answer(1, Json::array({member_json(1, "valid", "https://a b:1")}))), bad);
  Json bad_key = member_json(1, "valid");
  bad_key["public_key"] = "zz";
  EXPECT_EQ(code(answer(1, Json::array({bad_key}))), bad);
  Json no_status = member_json(1, "valid");
  no_status.erase("status");
  EXPECT_EQ(code(answer(1, Json::array({no_status}))), bad);
  Json neg = answer(1, Json::array({member_json(1, "valid")}));
  neg["epoch"] = -1;
  EXPECT_EQ(code(neg), bad);
  Json many = Json::array();
  for (int i = 1; i <= 65; ++i) many.push_back(member_json(i, "valid"));
  EXPECT_EQ(code(answer(1, many)), bad);
}

TEST(SuperiorBook, AnEmptyAddressKeepsTheKnownOne) {
  SuperiorBook b = book_from_genesis(genesis_l1a(), "L2/L1a").value();
  Json m2 = member_json(2, "valid");
  m2["address"] = "";
  Json m7 = member_json(7, "valid");
  m7["address"] = "";
  auto next = apply_layer_answer(b, answer(0, Json::array({m2, m7})), 5);
  ASSERT_TRUE(next.ok()) << next.status().to_string();
  EXPECT_EQ(next->members[0].address, address_of(2));
  EXPECT_EQ(next->members[1].address, "");  // unknown: kept as a key, never asked
}

// ---- the store -------------------------------------------------------------

class SuperiorStoreTest : public ::testing::TestWithParam<Backend> {
 protected:
  TempDir dir_;
};

TEST_P(SuperiorStoreTest, PersistsAcrossReopenAndNeverGoesBack) {
  auto store = GetParam().make(dir_.path());
  auto first = open_superior_book(*store, genesis_l1a(), "L2/L1a");
  ASSERT_TRUE(first.ok()) << first.status().to_string();
  EXPECT_EQ(first->source, BookSource::kGenesis);
  EXPECT_EQ(first->book.members.size(), 4u);

  SuperiorBook e2 =
      apply_layer_answer(first->book, answer(2, Json::array({member_json(1, "valid"), member_json(6, "valid")})), 42)
          .value();
  ASSERT_OK(save_superior_book(*store, e2));
  SuperiorBook e1 = apply_layer_answer(first->book, answer(1, Json::array({member_json(3, "valid")})), 43).value();
  EXPECT_EQ(save_superior_book(*store, e1).code(), ErrorCode::kFailedPrecondition);
  EXPECT_EQ(load_superior_book(*store).value(), std::optional<SuperiorBook>(e2));

  if (GetParam().name == "Lmdb") {  // a real reopen of the directory
    store.reset();
    store = GetParam().make(dir_.path());
  }
  auto again = open_superior_book(*store, genesis_l1a(), "L2/L1a");
  ASSERT_TRUE(again.ok()) << again.status().to_string();
  EXPECT_EQ(again->source, BookSource::kStored);
  EXPECT_EQ(again->book, e2);
  EXPECT_EQ(again->book.refreshed_at_ms, 42);

  // The config now names another genesis for the layer: start over from it.
  node::GenesisFile other = genesis_l1a();
  other.hash_hex = std::string(64, 'c');
  auto replaced = open_superior_book(*store, other, "L2/L1a");
  ASSERT_TRUE(replaced.ok()) << replaced.status().to_string();
  EXPECT_EQ(replaced->source, BookSource::kReplacedOther);
  EXPECT_EQ(replaced->book.epoch, 0u);
  EXPECT_EQ(load_superior_book(*store).value()->genesis_hash, std::string(64, 'c'));
}

TEST_P(SuperiorStoreTest, AnUnreadableRowIsReplacedByTheGenesisBook) {
  auto store = GetParam().make(dir_.path());
  ASSERT_OK(store->write([](store::WriteTxn& t) { return t.put(kSuperiorTable, kSuperiorBookKey, "{nope"); }));
  EXPECT_EQ(load_superior_book(*store).status().code(), ErrorCode::kCorruption);
  auto opened = open_superior_book(*store, genesis_l1a(), "L2/L1a");
  ASSERT_TRUE(opened.ok()) << opened.status().to_string();
  EXPECT_EQ(opened->source, BookSource::kReplacedBroken);
  EXPECT_TRUE(load_superior_book(*store).ok());
}

INSTANTIATE_TEST_SUITE_P(Backends, SuperiorStoreTest, ::testing::ValuesIn(backends()), backend_name);

// ---- refresh rounds (fake fetcher) -----------------------------------------

class SuperiorTrackerTest : public ::testing::Test {
 protected:
  // What each member (by address) answers, and who was asked.
  std::map<std::string, Result<Json>> answers_;
  std::vector<std::string> asked_;
  std::unique_ptr<store::Store> store_ = store::make_memory_store();
  ManualClock clock_{from_unix_millis(1'700'000'000'000)};
  node::Logger log_{node::LogFormat::kText, node::LogLevel::kError};

  void set(int i, Result<Json> r) { answers_.insert_or_assign(address_of(i), std::move(r)); }

  // What each member answers to GET /v1/epochs (none: unreachable).
  std::map<std::string, Json> epochs_;

  std::unique_ptr<SuperiorTracker> make() {
    auto opened = open_superior_book(*store_, genesis_l1a(), "L2/L1a").value();
    return std::make_unique<SuperiorTracker>(
        *store_, opened.book, SuperiorTracker::Options{}, clock_, log_,
        [this](const SuperiorMember& m) -> Result<Json> {
          asked_.push_back(m.name);
          auto it = answers_.find(m.address);
          if (it == answers_.end()) return unavailable("connection refused");
          return it->second;
        },
        [this](const SuperiorMember& m, std::uint64_t) -> Result<Json> {
          auto it = epochs_.find(m.address);
          if (it == epochs_.end()) return unavailable("connection refused");
          return it->second;
        });
  }

  // The certificate of epoch 1 of L2/L1a: members `next`, signed by the
  // epoch-0 members at replica indices `signers` (n1..n4 at 0..3).
  static ledger::EpochCertificate epoch1(const std::vector<int>& next, const std::vector<int>& signers) {
    ledger::EpochCertificate c{"L2/L1a", genesis_l1a().hash_hex, 1, 17, {}, {}};
    for (int i : next) c.members.push_back({"n" + std::to_string(i), key_of(static_cast<std::uint8_t>(i)), address_of(i)});
    for (int r : signers) {
      crypto::Ed25519Signer s(crypto::PrivateKey::from_seed(Bytes(32, static_cast<std::uint8_t>(r + 1))).value());
      auto rid = static_cast<consensus::ReplicaId>(r);
      c.signatures.emplace_back(rid, consensus::signed_part(ledger::epoch_vote(c, rid), s).sig);
    }
    return c;
  }
  static Json epochs_answer(const std::vector<ledger::EpochCertificate>& certs, std::uint64_t epoch) {
    Json list = Json::array();
    for (const auto& c : certs) list.push_back(ledger::to_json(c));
    return Json{{"layer", "L2/L1a"}, {"genesis", genesis_l1a().hash_hex}, {"epoch", epoch}, {"certificates", list}};
  }
};

TEST_F(SuperiorTrackerTest, OneAnswerWithAVerifiedEpochChainMovesTheBook) {
  auto t = make();
  // n1 is unreachable; n2 answers epoch 1 (n6 joined, n1 left), certified by
  // n2 and n3 of epoch 0 (f+1 = 2 of 4): the certificates prove themselves.
  epochs_[address_of(2)] = epochs_answer({epoch1({2, 3, 4, 6}, {1, 2})}, 1);
  EXPECT_TRUE(t->follow_epochs_now());
  SuperiorStatus s = t->status();
  EXPECT_EQ(s.book.epoch, 1u);
  EXPECT_EQ(keys(s.book), (std::vector<crypto::PublicKey>{key_of(2), key_of(3), key_of(4), key_of(6)}));
  EXPECT_EQ(s.book.members[3].address, address_of(6));
  EXPECT_EQ(s.epochs_followed, 1u);
  EXPECT_EQ(load_superior_book(*store_).value()->epoch, 1u);  // stored
  // Nothing newer: no change.
  epochs_[address_of(2)] = epochs_answer({}, 1);
  EXPECT_FALSE(t->follow_epochs_now());
}

TEST_F(SuperiorTrackerTest, ForgedEpochCertificatesAreRefusedAndCounted) {
  auto t = make();
  SuperiorBook before = t->status().book;
  // A byzantine member: a one-member book signed by itself alone, a chain
  // that jumps to a huge epoch, and a certificate changed after signing.
  auto alone = epoch1({1}, {0});
  auto changed = epoch1({2, 3, 4, 6}, {1, 2});
  changed.members.push_back({"evil", key_of(9), address_of(9)});
  auto huge = epoch1({1}, {0, 1});
  huge.epoch = 1'000'000;
  epochs_[address_of(1)] = epochs_answer({alone}, 1);
  epochs_[address_of(2)] = epochs_answer({changed}, 1);
  epochs_[address_of(3)] = epochs_answer({huge}, 1'000'000);
  EXPECT_FALSE(t->follow_epochs_now());
  SuperiorStatus s = t->status();
  EXPECT_EQ(s.book, before);
  EXPECT_EQ(s.refused_certificates, 3u);
  EXPECT_EQ(s.epochs_followed, 0u);
  EXPECT_EQ(load_superior_book(*store_).value()->epoch, 0u);
}

TEST_F(SuperiorTrackerTest, TriesMembersInTurnAndStoresTheFirstGoodAnswer) {
  auto t = make();
  Json members = Json::array({member_json(1, "valid"), member_json(2, "valid"), member_json(6, "valid")});
  set(1, answer(0, Json::array({member_json(1, "valid")}), std::string(64, 'b')));  // wrong layer
  set(2, unavailable("timed out"));
  set(3, answer(1, members));
  set(4, answer(1, members));  // a change needs f+1 = 2 matching answers
  EXPECT_TRUE(t->refresh_once());
  EXPECT_EQ(asked_, (std::vector<std::string>{"n1", "n2", "n3", "n4"}));
  SuperiorStatus s = t->status();
  EXPECT_EQ(s.book.epoch, 1u);
  EXPECT_EQ(keys(s.book), (std::vector<crypto::PublicKey>{key_of(1), key_of(2), key_of(6)}));
  EXPECT_EQ(s.book.refreshed_at_ms, 1'700'000'000'000);
  EXPECT_FALSE(s.last_error.has_value());
  EXPECT_EQ(s.failures, 0u);
  EXPECT_EQ(load_superior_book(*store_).value()->epoch, 1u);  // stored before it is shown
}

TEST_F(SuperiorTrackerTest, AllFailingIsCountedAndKeepsTheBook) {
  auto t = make();
  SuperiorBook before = t->status().book;
  set(4, Json{{"layer", "L2/L1a"}});  // malformed
  EXPECT_FALSE(t->refresh_once());
  SuperiorStatus s = t->status();
  EXPECT_EQ(s.book, before);
  EXPECT_EQ(s.failures, 1u);
  EXPECT_EQ(s.rounds, 1u);
  ASSERT_TRUE(s.last_error.has_value());
  EXPECT_NE(s.last_error->find("n1: "), std::string::npos) << *s.last_error;
  EXPECT_NE(s.last_error->find("connection refused"), std::string::npos) << *s.last_error;
  EXPECT_NE(s.last_error->find("n4: answer refused"), std::string::npos) << *s.last_error;
  EXPECT_EQ(asked_.size(), 4u);
  EXPECT_EQ(load_superior_book(*store_).value()->epoch, 0u);

  // The next round starts with the next member, and a success clears the error.
  asked_.clear();
  // One member may confirm the book as it is.
  set(4, answer(0, Json::array({member_json(1, "valid"), member_json(2, "valid"), member_json(3, "valid"),
                                member_json(4, "valid")})));
  EXPECT_TRUE(t->refresh_once());
  EXPECT_EQ(asked_.front(), "n2");
  EXPECT_FALSE(t->status().last_error.has_value());
  EXPECT_EQ(t->status().failures, 1u);
}

TEST_F(SuperiorTrackerTest, ALaggingMemberDoesNotRollTheBookBack) {
  auto t = make();
  set(1, answer(5, Json::array({member_json(1, "valid"), member_json(2, "valid")})));
  set(2, answer(5, Json::array({member_json(1, "valid"), member_json(2, "valid")})));
  ASSERT_TRUE(t->refresh_once());
  answers_.clear();
  set(2, answer(4, Json::array({member_json(1, "valid"), member_json(2, "valid")})));
  EXPECT_FALSE(t->refresh_once());
  EXPECT_EQ(t->status().book.epoch, 5u);
  EXPECT_NE(t->status().last_error->find("older"), std::string::npos);
  EXPECT_EQ(load_superior_book(*store_).value()->epoch, 5u);
}

TEST_F(SuperiorTrackerTest, TheThreadRefreshesAtStartAndStopsPromptly) {
  auto t = make();
  set(1, answer(2, Json::array({member_json(1, "valid")})));
  set(2, answer(2, Json::array({member_json(1, "valid")})));
  t->start();
  for (int i = 0; i < 500 && t->status().rounds == 0; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(2));
  auto begun = std::chrono::steady_clock::now();
  t->stop();  // the next round is 30 s away: stop must not wait for it
  EXPECT_LT(std::chrono::steady_clock::now() - begun, std::chrono::seconds(2));
  EXPECT_EQ(t->status().book.epoch, 2u);
  t->stop();  // idempotent
}

// Issue 14 item 2: one byzantine member answering with itself alone and a
// huge epoch made the edge trust it alone, for ever. A change now needs f+1
// matching answers of the members trusted now.
TEST_F(SuperiorTrackerTest, OneMemberAloneCannotTakeTheEdgeOver) {
  auto t = make();
  SuperiorBook before = t->status().book;
  Json takeover = answer(1'000'000, Json::array({member_json(1, "valid")}));
  set(1, takeover);
  for (int round = 0; round < 4; ++round) EXPECT_FALSE(t->refresh_once());  // every member asked first once
  EXPECT_EQ(t->status().book, before);
  EXPECT_EQ(load_superior_book(*store_).value()->epoch, 0u);
  EXPECT_EQ(t->status().unconfirmed, 4u);
  EXPECT_NE(t->status().last_error->find("confirmed by 1 of the 2"), std::string::npos) << *t->status().last_error;
  // The real change, answered by two honest members, wins while n1 keeps lying.
  Json real = answer(1, Json::array({member_json(1, "valid"), member_json(2, "valid"), member_json(3, "valid"),
                                     member_json(6, "valid")}));
  set(2, real);
  set(3, real);
  bool done = false;
  for (int round = 0; round < 4 && !done; ++round) done = t->refresh_once();
  ASSERT_TRUE(done);
  EXPECT_EQ(t->status().book.epoch, 1u);
  EXPECT_EQ(keys(t->status().book), (std::vector<crypto::PublicKey>{key_of(1), key_of(2), key_of(3), key_of(6)}));
}

TEST(SuperiorJitter, StaysWithinAQuarter) {
  SeededRng rng(7);
  std::int64_t lo = 1'000'000, hi = 0;
  for (int i = 0; i < 2000; ++i) {
    auto d = jittered(std::chrono::milliseconds(1000), rng).count();
    lo = std::min(lo, d);
    hi = std::max(hi, d);
  }
  EXPECT_GE(lo, 750);
  EXPECT_LE(hi, 1250);
  EXPECT_LT(lo, 800);  // it does spread
  EXPECT_GT(hi, 1200);
}

TEST(SuperiorBookJson, RoundTripsAndIsStrict) {
  SuperiorBook b = book_from_genesis(genesis_l1a(), "L2/L1a").value();
  b.epoch = 9;
  b.refreshed_at_ms = 77;
  auto back = superior_book_from_json(codec::parse(to_json(b).dump()).value());
  ASSERT_TRUE(back.ok()) << back.status().to_string();
  EXPECT_EQ(*back, b);
  Json extra = to_json(b);
  extra["x"] = 1;
  EXPECT_FALSE(superior_book_from_json(extra).ok());
}

}  // namespace
}  // namespace mlchain::edge::testing
