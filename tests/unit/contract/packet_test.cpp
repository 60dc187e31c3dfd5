#include <gtest/gtest.h>

#include "fixtures.h"
#include "mlchain/contract/packet.h"

namespace mlchain::contract {
namespace {

using testing::World;

TEST(Packet, FirstPacketShapeSumAndSignature) {
  World w;
  Packet p = w.first_packet();
  EXPECT_EQ(p.kind, PacketKind::kFirst);
  EXPECT_TRUE(p.block_ids.empty());
  EXPECT_EQ(p.route.dst, (std::vector<std::string>{"L2/L1a", "L2", "L2/L1b", "L2/L1b/E3"}));
  EXPECT_EQ(p.route.src, (std::vector<std::string>{"L2/L1a/E1"}));
  auto sum = message_sum(w.a(), w.b(), codec::Json{{"offer", "temperature feed"}, {"rate", 10}}, 1'700'000'000'000);
  ASSERT_TRUE(sum.ok());
  EXPECT_EQ(p.sum, *sum);
  auto other = message_sum(w.a(), w.b(), codec::Json{{"offer", "temperature feed"}, {"rate", 10}}, 1'700'000'000'001);
  EXPECT_NE(*other, *sum);  // the timestamp makes every sum different
  auto c = parse_uuid("mlc:L2/L1a/E1/00000000000000cc").value();
  auto same_time = message_sum(c, w.b(), codec::Json{{"offer", "temperature feed"}, {"rate", 10}}, 1'700'000'000'000);
  EXPECT_NE(*same_time, *sum);  // and so do the parties
  // Bytes pinned: SHA-256(canonical M || 8-byte big-endian timestamp).
  std::string m = codec::canonical(codec::Json{{"from", w.a().str()}, {"to", w.b().str()},
                                               {"message", {{"offer", "temperature feed"}, {"rate", 10}}}}).value();
  std::string ts("\x00\x00\x01\x8b\xcf\xe5\x68\x00", 8);
  EXPECT_EQ(*sum, crypto::sha256(m + ts));
  EXPECT_TRUE(verify_origin(p, w.verifier).ok());
  EXPECT_EQ(p.header.from.rfind("L2/L1a/E1/", 0), 0u);
  EXPECT_EQ(p.header.to.rfind("L2/L1b/E3/", 0), 0u);
  // The pseudonym hides the object: not its local id, and keyed by the edge.
  EXPECT_EQ(p.header.from.find("00000000000000aa"), std::string::npos);
  EXPECT_NE(pseudonym(pseudonym_secret(w.e1), w.a()), pseudonym(pseudonym_secret(w.e3), w.a()));
  EXPECT_EQ(pseudonym(pseudonym_secret(w.e1), w.a()), pseudonym(pseudonym_secret(w.e1), w.a()));
}

TEST(Packet, JsonRoundTripIsStrict) {
  World w;
  Packet p = w.first_packet();
  auto text = codec::canonical(to_json(p));
  ASSERT_TRUE(text.ok());
  auto back = parse_packet(*text);
  ASSERT_TRUE(back.ok()) << back.status().to_string();
  EXPECT_EQ(packet_digest(*back), packet_digest(p));
  EXPECT_EQ(back->body, p.body);

  auto j = to_json(p);
  j["extra"] = 1;
  EXPECT_EQ(packet_from_json(j).status().code(), ErrorCode::kInvalidArgument);
  j = to_json(p);
  j["route"]["dst"] = codec::Json::array({"L2", "L2/L1b", "L2/L1b/E3"});  // skips L1a
  EXPECT_FALSE(packet_from_json(j).ok());
  j = to_json(p);
  j["ids"].push_back("L2/L1a#1");  // an id before any layer handled it
  EXPECT_FALSE(packet_from_json(j).ok());
  j = to_json(p);
  j["header"]["ttl_ms"] = 0;
  EXPECT_FALSE(packet_from_json(j).ok());
  j = to_json(p);
  j["header"]["from"] = "L2/L1b/E3/" + std::string(32, 'a');  // party on the wrong edge
  EXPECT_FALSE(packet_from_json(j).ok());
  j = to_json(p);
  j["body"] = to_base64(to_bytes("tampered"));
  EXPECT_EQ(packet_from_json(j).status().code(), ErrorCode::kVerificationFailed);
  j = to_json(p);
  j["header"]["rate"] = 1.5;
  EXPECT_FALSE(packet_from_json(j).ok());
  EXPECT_EQ(parse_packet(std::string(kMaxPacketBytes + 1, ' ')).status().code(), ErrorCode::kResourceExhausted);
  EXPECT_FALSE(parse_packet("{\"v\":1,\"v\":1}").ok());
  EXPECT_FALSE(parse_packet("[]").ok());
}

TEST(Packet, AdvanceAppendsIdAndMovesHead) {
  World w;
  Packet p = w.first_packet();
  EXPECT_EQ(advance(p, "L2", "L2#1").code(), ErrorCode::kFailedPrecondition);  // not our turn
  EXPECT_FALSE(advance(p, "L2/L1a", "L2#1").ok());                             // another layer's id
  ASSERT_TRUE(advance(p, "L2/L1a", "L2/L1a#7").ok());
  EXPECT_EQ(p.block_ids, (std::vector<std::string>{"L2/L1a#7"}));
  EXPECT_EQ(p.route.dst, (std::vector<std::string>{"L2", "L2/L1b", "L2/L1b/E3"}));
  EXPECT_EQ(p.route.src, (std::vector<std::string>{"L2/L1a", "L2/L1a/E1"}));
  ASSERT_TRUE(advance(p, "L2", "L2#3").ok());
  ASSERT_TRUE(advance(p, "L2/L1b", "L2/L1b#12").ok());
  EXPECT_EQ(p.route.dst, (std::vector<std::string>{"L2/L1b/E3"}));
  EXPECT_EQ(p.route.src, (std::vector<std::string>{"L2/L1b", "L2", "L2/L1a", "L2/L1a/E1"}));
  EXPECT_EQ(advance(p, "L2/L1b/E3", "L2/L1b/E3#1").code(), ErrorCode::kFailedPrecondition);
  EXPECT_TRUE(validate_packet(p).ok());
  EXPECT_TRUE(verify_origin(p, w.verifier).ok());  // the origin signature survives the route
  // Still a valid wire packet after the hops.
  auto back = parse_packet(codec::canonical(to_json(p)).value());
  ASSERT_TRUE(back.ok()) << back.status().to_string();
}

TEST(Packet, DestinationOpensAndChecksSum) {
  World w;
  Packet p = w.first_packet();
  for (auto [layer, id] : {std::pair{"L2/L1a", "L2/L1a#1"}, {"L2", "L2#1"}, {"L2/L1b", "L2/L1b#1"}})
    ASSERT_TRUE(advance(p, layer, id).ok());
  auto d = open_packet(p, *edge_seal_key(w.e3));
  ASSERT_TRUE(d.ok()) << d.status().to_string();
  EXPECT_EQ(d->from, w.a());
  EXPECT_EQ(d->to, w.b());
  EXPECT_EQ(d->message["rate"], 10);
  // Wrong key: E1 cannot read what was sealed to E3.
  EXPECT_EQ(open_packet(p, *edge_seal_key(w.e1)).status().code(), ErrorCode::kVerificationFailed);
  // A body moved under another sum fails (the sum is the seal's AAD).
  Packet q = p;
  q.sum[0] ^= 1;
  EXPECT_EQ(open_packet(q, *edge_seal_key(w.e3)).status().code(), ErrorCode::kVerificationFailed);
  // A tampered body fails the hash check.
  Packet t = p;
  t.body[10] ^= 1;
  EXPECT_FALSE(open_packet(t, *edge_seal_key(w.e3)).ok());
}

TEST(Packet, FollowUpNamesOneBlockPerLayer) {
  World w;
  Outgoing out;
  out.kind = PacketKind::kFollowUp;
  out.from = w.b();
  out.to = w.a();
  out.message = codec::Json{{"accept", true}};
  out.timestamp_ms = 1'700'000'000'500;
  out.ttl_ms = 1000;
  out.contract_ids = {"L2/L1b#1", "L2#1", "L2/L1a#1"};  // reversed: the reply retraces the route
  auto p = make_packet(out, w.e3, pseudonym_secret(w.e3), edge_seal_key(w.e1)->public_key());
  ASSERT_TRUE(p.ok()) << p.status().to_string();
  EXPECT_EQ(named_block_id(*p, "L2").value_or(""), "L2#1");
  EXPECT_FALSE(advance(*p, "L2/L1b", "L2/L1b#2").ok());  // not the named block
  ASSERT_TRUE(advance(*p, "L2/L1b", "L2/L1b#1").ok());
  EXPECT_EQ(p->block_ids.size(), 3u);  // unchanged
  out.contract_ids = {"L2/L1a#1", "L2#1", "L2/L1b#1"};  // wrong order for this route
  EXPECT_FALSE(make_packet(out, w.e3, pseudonym_secret(w.e3), edge_seal_key(w.e1)->public_key()).ok());
  out.contract_ids = {"L2/L1b#1", "L2#1"};  // one missing
  EXPECT_FALSE(make_packet(out, w.e3, pseudonym_secret(w.e3), edge_seal_key(w.e1)->public_key()).ok());
}

TEST(Packet, BlockIdsParseStrictly) {
  auto id = parse_block_id("L2/L1a#1042");
  ASSERT_TRUE(id.ok());
  EXPECT_EQ(id->layer, "L2/L1a");
  EXPECT_EQ(id->seq, 1042u);
  for (const char* bad : {"L2/L1a", "L2/L1a#", "L2/L1a#0", "L2/L1a#01", "#1", "L2/L1a#-1", "L2 #1",
                          "L2#99999999999999999999"})
    EXPECT_FALSE(parse_block_id(bad).ok()) << bad;
}

TEST(Packet, SealKeyHelpers) {
  World w;
  auto k = edge_seal_key(w.e3);
  ASSERT_TRUE(k.ok());
  auto again = edge_seal_key(w.e3);
  EXPECT_EQ(k->public_key(), again->public_key());  // derived, deterministic
  auto parsed = parse_seal_public_key(k->public_key().hex());
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ(*parsed, k->public_key());
  EXPECT_FALSE(parse_seal_public_key("zz").ok());
}

}  // namespace
}  // namespace mlchain::contract
