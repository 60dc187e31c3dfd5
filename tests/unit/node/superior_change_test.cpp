// Superior changes (node/superior_change.h): votes from 2f+1 current members
// within one window move the layer to an alternate; admins decide at once;
// stale, foreign or malformed ops change nothing.
#include <gtest/gtest.h>

#include "mlchain/node/superior_change.h"
#include "mlchain/store/memory_store.h"

namespace mlchain::node {
namespace {

crypto::PrivateKey key_for(int i) {
  auto seed = crypto::sha256("superior change test key " + std::to_string(i));
  return crypto::PrivateKey::from_seed(ByteView(seed.data(), seed.size())).value();
}

ledger::AddressBook book(const std::string& path, int first) {
  ledger::AddressBook b;
  b.path = path;
  for (int i = first; i < first + 4; ++i)
    b.members.push_back({"m" + std::to_string(i), key_for(i).public_key(), "https://127.0.0.1:" + std::to_string(7000 + i), true});
  return b;
}

constexpr std::int64_t kBlockTime = 1'800'000'000'000;  // unix ms
constexpr std::int64_t kWindow = kBlockTime / kSuperiorWindowMs;

class SuperiorChangeTest : public ::testing::Test {
 protected:
  SuperiorChangeTest() : sm_(kv_, "abcd", {admin_.public_key()}, v_) {
    bp_.layer_path = "L2/L1a";
    bp_.superior = book("L2", 100);
    bp_.alternate_superiors = {book("L2", 200), book("L2", 300)};
    bp_.admin_keys = {admin_.public_key()};
    for (int i = 0; i < 4; ++i) {
      members_.push_back(key_for(i));
      epoch_.members.push_back(key_for(i).public_key());
    }
    sm_.set_blueprint(bp_);
    sm_.set_epoch_provider([this]() -> const consensus::EpochConfig& { return epoch_; });
  }

  std::string apply(const crypto::PrivateKey& signer, const std::string& text, std::int64_t time_ms = kBlockTime) {
    Bytes out;
    Status st = store_->write([&](store::WriteTxn& txn) -> Status {
      MLCHAIN_ASSIGN_OR_RETURN(out, sm_.apply(txn, to_request(sign_op(signer, "abcd", ++id_, text)),
                                              ledger::OpContext{++height_, time_ms}));
      return {};
    });
    EXPECT_TRUE(st.ok()) << st.to_string();
    return to_string(out);
  }

  SuperiorState state() { return read_superior_state(*store_->begin_read().value()).value(); }

  std::unique_ptr<store::Store> store_ = store::make_memory_store();
  ledger::KvStateMachine kv_;
  crypto::Ed25519Verifier v_;
  crypto::PrivateKey admin_ = key_for(50);
  SignedOpStateMachine sm_;
  ledger::Blueprint bp_;
  std::vector<crypto::PrivateKey> members_;
  consensus::EpochConfig epoch_;
  std::uint64_t id_ = 0, height_ = 0;
};

TEST_F(SuperiorChangeTest, StartsAtTheBlueprintSuperior) {
  auto c = current_superior(*store_, bp_);
  ASSERT_TRUE(c.ok()) << c.status().to_string();
  EXPECT_EQ(c->state.index, 0u);
  EXPECT_EQ(c->state.generation, 0u);
  EXPECT_EQ(c->book->members[0].key, key_for(100).public_key());
}

TEST_F(SuperiorChangeTest, AQuorumOfVotesMovesTheLayer) {
  std::string vote = superior_vote_op_text(0, 1, kWindow);
  EXPECT_EQ(apply(members_[0], vote), "ok: vote for alternate superior 1 recorded (1 of 3 needed)");
  // The same member again does not count twice.
  EXPECT_EQ(apply(members_[0], vote), "ok: vote for alternate superior 1 recorded (1 of 3 needed)");
  // A vote for another candidate does not add to this one.
  EXPECT_EQ(apply(members_[1], superior_vote_op_text(0, 2, kWindow)),
            "ok: vote for alternate superior 2 recorded (1 of 3 needed)");
  EXPECT_EQ(apply(members_[1], vote), "ok: vote for alternate superior 1 recorded (2 of 3 needed)");
  EXPECT_EQ(state().index, 0u);
  std::string r = apply(members_[2], vote);
  EXPECT_EQ(r.rfind("ok: superior changed to alternate superior 1", 0), 0u) << r;
  auto c = current_superior(*store_, bp_).value();
  EXPECT_EQ(c.state.index, 1u);
  EXPECT_EQ(c.state.generation, 1u);
  EXPECT_EQ(c.state.height, height_);
  EXPECT_EQ(c.state.time_ms, kBlockTime);
  EXPECT_EQ(c.book->members[0].key, key_for(200).public_key());
  // Votes about generation 0 are stale now; the votes were cleared.
  EXPECT_EQ(apply(members_[3], vote).rfind("error: stale", 0), 0u);
  EXPECT_EQ(apply(members_[0], superior_vote_op_text(1, 0, kWindow)),
            "ok: vote for the blueprint's superior recorded (1 of 3 needed)");
}

TEST_F(SuperiorChangeTest, VotesFromOutsideTheEpochOrWindowDoNotCount) {
  auto stranger = key_for(99);
  EXPECT_EQ(apply(stranger, superior_vote_op_text(0, 1, kWindow)).rfind("error: not authorised", 0), 0u);
  EXPECT_EQ(apply(admin_, superior_vote_op_text(0, 1, kWindow)).rfind("error: not authorised", 0), 0u);
  // A vote from a far window (clock or replay) is refused.
  EXPECT_EQ(apply(members_[0], superior_vote_op_text(0, 1, kWindow - 5)).rfind("error: stale", 0), 0u);
  EXPECT_EQ(apply(members_[0], superior_vote_op_text(0, 1, kWindow + 2)).rfind("error: stale", 0), 0u);
  // Old votes (two windows before the newest) do not add up with new ones.
  apply(members_[0], superior_vote_op_text(0, 1, kWindow - 1), kBlockTime - 2 * kSuperiorWindowMs);
  apply(members_[1], superior_vote_op_text(0, 1, kWindow - 1), kBlockTime - 2 * kSuperiorWindowMs);
  EXPECT_EQ(apply(members_[2], superior_vote_op_text(0, 1, kWindow + 1), kBlockTime + kSuperiorWindowMs),
            "ok: vote for alternate superior 1 recorded (1 of 3 needed)");
  // A member that leaves the epoch loses its vote.
  apply(members_[3], superior_vote_op_text(0, 1, kWindow + 1), kBlockTime + kSuperiorWindowMs);
  epoch_.members.erase(epoch_.members.begin() + 3);  // n = 3: quorum 2... of the remaining
  EXPECT_EQ(state().index, 0u);
  std::string r = apply(members_[1], superior_vote_op_text(0, 1, kWindow + 1), kBlockTime + kSuperiorWindowMs);
  EXPECT_EQ(r.rfind("ok: superior changed", 0), 0u) << r;  // m1 and m2 of {m0, m1, m2}: quorum of 3 is 2
}

TEST_F(SuperiorChangeTest, AdminsDecideAtOnceMembersCannot) {
  EXPECT_EQ(apply(members_[0], superior_set_op_text(0, 2)).rfind("error: not authorised", 0), 0u);
  EXPECT_EQ(state().index, 0u);
  EXPECT_EQ(apply(admin_, superior_set_op_text(0, 0)), "error: the blueprint's superior is already the superior");
  EXPECT_EQ(apply(admin_, superior_set_op_text(0, 3)), "error: there is no superior candidate 3");
  std::string r = apply(admin_, superior_set_op_text(0, 2));
  EXPECT_EQ(r.rfind("ok: superior changed to alternate superior 2", 0), 0u) << r;
  EXPECT_EQ(state().index, 2u);
  // A replay of the same decision is stale.
  EXPECT_EQ(apply(admin_, superior_set_op_text(0, 1)).rfind("error: stale", 0), 0u);
  r = apply(admin_, superior_set_op_text(1, 0));
  EXPECT_EQ(r.rfind("ok: superior changed to the blueprint's superior", 0), 0u) << r;
  EXPECT_EQ(state().generation, 2u);
}

TEST_F(SuperiorChangeTest, AdmissionAndSchema) {
  auto vote = sign_op(members_[0], "abcd", 1, superior_vote_op_text(0, 1, kWindow));
  EXPECT_TRUE(admit_superior_op(vote, bp_, true, false).ok());
  EXPECT_EQ(admit_superior_op(vote, bp_, false, true).code(), ErrorCode::kPermissionDenied);
  auto set = sign_op(admin_, "abcd", 2, superior_set_op_text(0, 2));
  EXPECT_TRUE(admit_superior_op(set, bp_, false, true).ok());
  EXPECT_EQ(admit_superior_op(set, bp_, true, false).code(), ErrorCode::kPermissionDenied);
  auto beyond = sign_op(admin_, "abcd", 3, superior_set_op_text(0, 3));
  EXPECT_EQ(admit_superior_op(beyond, bp_, false, true).code(), ErrorCode::kInvalidArgument);
  for (std::string bad : {std::string(kSuperiorOpPrefix) + "{}", std::string(kSuperiorOpPrefix) + "[1]",
                          std::string(kSuperiorOpPrefix) + R"({"action":"vote","generation":0,"index":1})",
                          std::string(kSuperiorOpPrefix) + R"({"action":"set","generation":0,"index":1,"window":3})",
                          std::string(kSuperiorOpPrefix) + R"({"action":"drop","generation":0,"index":1})",
                          std::string(kSuperiorOpPrefix) + R"({"action":"set","generation":-1,"index":1})",
                          std::string(kSuperiorOpPrefix) + R"({"action":"set","generation":0,"index":"1"})"}) {
    EXPECT_EQ(parse_superior_op(bad).status().code(), ErrorCode::kInvalidArgument) << bad;
    EXPECT_EQ(apply(admin_, bad).rfind("error: ", 0), 0u) << bad;
  }
  EXPECT_EQ(state().generation, 0u);
}

TEST(SuperiorChangeRoot, ARootLayerHasNone) {
  ledger::Blueprint bp;
  bp.layer_path = "L2";
  auto store = store::make_memory_store();
  auto c = current_superior(*store, bp);
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->book, nullptr);
}

}  // namespace
}  // namespace mlchain::node
