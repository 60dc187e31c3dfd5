// Untrusted peer input: every malformed, unsigned, forged, wrong-epoch or
// out-of-window message is dropped and counted by reason; nothing crashes and
// nothing else happens.
#include <gtest/gtest.h>

#include "cluster.h"

namespace mlchain::consensus {
namespace {

using testing::Cluster;
using testing::req;

PrePrepare make_pp(const Cluster& c, Seq seq, View view = 0, Epoch epoch = 0) {
  PrePrepare pp;
  pp.epoch = epoch;
  pp.view = view;
  pp.seq = seq;
  pp.time_ms = unix_millis(c.now());
  pp.requests = {req("x", 1)};
  pp.replica = c.config().primary(view);
  return pp;
}

std::uint64_t dropped(Replica& r, const std::string& why) {
  auto it = r.drops().find(why);
  return it == r.drops().end() ? 0 : it->second;
}

TEST(Rejection, ForgedSignature) {
  Cluster c(4);
  auto pp = signed_part(make_pp(c, 1), c.signer(0));
  pp.sig[5] ^= 1;
  c.inject(0, 1, pp);
  c.pump();
  EXPECT_EQ(dropped(c.at(1), "bad_signature"), 1u);
  EXPECT_TRUE(c.records(1).empty() || !c.records(1).count("slot/00000000000000000001"));
}

TEST(Rejection, SignedByTheWrongReplica) {
  Cluster c(4);
  auto pp = signed_part(make_pp(c, 1), c.signer(2));  // claims primary 0, signed by 2
  c.inject(0, 1, pp);
  c.pump();
  EXPECT_EQ(dropped(c.at(1), "bad_signature"), 1u);
}

TEST(Rejection, SenderMismatchAndNonMember) {
  Cluster c(4);
  auto pp = signed_part(make_pp(c, 1), c.signer(0));
  c.inject(3, 1, pp);  // arrives over replica 3's link
  c.inject(9, 1, pp);  // no such member
  c.pump();
  EXPECT_EQ(dropped(c.at(1), "sender_mismatch"), 1u);
  EXPECT_EQ(dropped(c.at(1), "not_a_member"), 1u);
}

TEST(Rejection, WrongEpoch) {
  Cluster c(4);
  c.inject(0, 1, signed_part(make_pp(c, 1, 0, 7), c.signer(0)));
  c.pump();
  EXPECT_EQ(dropped(c.at(1), "wrong_epoch"), 1u);
}

TEST(Rejection, OutsideTheWatermarks) {
  Cluster c(4);  // log_window 4
  c.inject(0, 1, signed_part(make_pp(c, 5), c.signer(0)));
  c.inject(0, 1, signed_part(make_pp(c, 0), c.signer(0)));
  c.pump();
  EXPECT_EQ(dropped(c.at(1), "out_of_watermarks"), 2u);
}

TEST(Rejection, PrimaryClockTooFarOff) {
  Cluster c(4);
  auto pp = make_pp(c, 1);
  pp.time_ms += 60'000;
  c.inject(0, 1, signed_part(pp, c.signer(0)));
  c.pump();
  EXPECT_EQ(dropped(c.at(1), "time_out_of_bounds"), 1u);
}

TEST(Rejection, PrePrepareFromANonPrimary) {
  Cluster c(4);
  auto pp = make_pp(c, 1);
  pp.replica = 2;
  c.inject(2, 1, signed_part(pp, c.signer(2)));
  c.pump();
  EXPECT_EQ(dropped(c.at(1), "not_primary"), 1u);
}

TEST(Rejection, EquivocationKeepsTheFirstPrePrepare) {
  Cluster c(4);
  auto a = signed_part(make_pp(c, 1), c.signer(0));
  auto b = make_pp(c, 1);
  b.requests = {req("y", 1)};
  b = signed_part(b, c.signer(0));
  c.inject(0, 1, a);
  c.inject(0, 1, b);
  c.pump([](const testing::InFlight& f) { return f.to == 1; });
  EXPECT_EQ(dropped(c.at(1), "conflicting_pre_prepare"), 1u);
}

TEST(Rejection, MalformedBytesNeverDecode) {
  for (std::string bad : std::vector<std::string>{"", "{", "[]", "{\"type\":\"prepare\"}", "{\"type\":\"nope\"}",
                          "{\"type\":\"prepare\",\"epoch\":0,\"view\":0,\"seq\":1,\"digest\":\"00\",\"replica\":1,\"sig\":\"00\"}",
                          "{\"type\":\"prepare\",\"epoch\":-1,\"view\":0,\"seq\":1,\"digest\":\"" + std::string(64, '0') +
                              "\",\"replica\":1,\"sig\":\"" + std::string(128, '0') + "\"}",
                          "{\"type\":\"prepare\",\"epoch\":0,\"view\":0,\"seq\":1,\"digest\":\"" + std::string(64, '0') +
                              "\",\"replica\":99,\"sig\":\"" + std::string(128, '0') + "\"}"}) {
    EXPECT_FALSE(decode(as_bytes(bad)).ok()) << bad;
  }
  EXPECT_EQ(decode(as_bytes(std::string(100, 'x')), 10).status().code(), ErrorCode::kResourceExhausted);
}

TEST(Rejection, EveryMessageTypeRoundTrips) {
  Cluster c(4);
  auto pp = signed_part(make_pp(c, 1), c.signer(0));
  Prepare p = signed_part(Prepare{0, 0, 1, pp.digest(), 1, {}}, c.signer(1));
  Commit cm = signed_part(Commit{0, 0, 1, pp.digest(), 2, {}}, c.signer(2));
  Checkpoint cp = signed_part(Checkpoint{0, 2, pp.digest(), 3, {}}, c.signer(3));
  ViewChange vc;
  vc.new_view = 1;
  vc.prepared.push_back(PreparedProof{pp, {p}});
  vc.replica = 1;
  vc = signed_part(vc, c.signer(1));
  NewView nv{0, 1, {vc}, {pp}, 1, {}};
  nv = signed_part(nv, c.signer(1));
  BlockBundle bb{0, {CommittedBatch{pp, {cm}}}, nv, 2, {}};
  bb = signed_part(bb, c.signer(2));
  FetchBlocks fb = signed_part(FetchBlocks{0, 3, 1, {}}, c.signer(1));
  ForwardedRequest fr = signed_part(ForwardedRequest{req("z", 4), 2, {}}, c.signer(2));
  for (Message m : std::vector<Message>{pp, p, cm, cp, vc, nv, bb, fb, fr}) {
    auto back = decode(encode(m));
    ASSERT_TRUE(back.ok()) << type_name(m) << ": " << back.status().to_string();
    EXPECT_EQ(encode(*back), encode(m)) << type_name(m);
    EXPECT_TRUE(verify_signature(*back, c.config().members[sender_of(m)], c.verifier())) << type_name(m);
  }
}

}  // namespace
}  // namespace mlchain::consensus
