// The source edge's pure contract logic: the object's request body, the
// order of contract ids along the route, the f+1 directory agreement, and
// the hop the edge puts first in the answer.
#include "mlchain/edge/contract_request.h"

#include "contract_test_util.h"
#include "mlchain/edge/object.h"

namespace mlchain::edge::testing {
namespace {

using Json = codec::Json;

const std::string kTo = "mlc:L2/L1b/E3/00000000000000bb";

TEST(ContractRequest, ParsesWithDefaultsAndNormalises) {
  auto r = contract_request_from_json(Json{{"to", kTo}, {"message", {{"offer", 1}}}});
  ASSERT_TRUE(r.ok()) << r.status().to_string();
  EXPECT_EQ(r->kind, contract::PacketKind::kFirst);
  EXPECT_EQ(r->ttl_ms, kDefaultContractTtlMs);
  Json n = contract_request_to_json(*r);
  EXPECT_EQ(n, (Json{{"to", kTo}, {"message", {{"offer", 1}}}, {"kind", "first"}, {"ttl_ms", kDefaultContractTtlMs}}));
  auto again = contract_request_from_json(n);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(contract_request_to_json(*again), n);

  auto f = contract_request_from_json(
      Json{{"to", kTo}, {"message", nullptr}, {"kind", "end"}, {"ids", {"L2#3"}}, {"ttl_ms", 1000}});
  ASSERT_TRUE(f.ok()) << f.status().to_string();
  EXPECT_EQ(f->kind, contract::PacketKind::kEnd);
  EXPECT_EQ(f->ids, std::vector<std::string>{"L2#3"});
  EXPECT_EQ(f->ttl_ms, 1000u);
}

TEST(ContractRequest, RefusesBadBodies) {
  auto refused = [](const Json& j) {
    auto r = contract_request_from_json(j);
    EXPECT_FALSE(r.ok()) << j.dump();
    if (!r.ok()) {
      EXPECT_EQ(r.status().code(), ErrorCode::kInvalidArgument) << j.dump();
    }
  };
  refused(Json::array());
  refused(Json{{"message", 1}});                                                    // no to
  refused(Json{{"to", kTo}});                                                       // no message
  refused(Json{{"to", "L2/L1b/E3/bb"}, {"message", 1}});                            // not a UUID
  refused(Json{{"to", kTo}, {"message", 1}, {"extra", 1}});                         // unknown field
  refused(Json{{"to", kTo}, {"message", 1}, {"kind", "second"}});                   // bad kind
  refused(Json{{"to", kTo}, {"message", 1}, {"ids", {"L2#3"}}});                    // ids on a first
  refused(Json{{"to", kTo}, {"message", 1}, {"kind", "follow-up"}});                // follow-up without ids
  refused(Json{{"to", kTo}, {"message", 1}, {"kind", "end"}, {"ids", {1, 2}}});     // ids not strings
  refused(Json{{"to", kTo}, {"message", 1}, {"ttl_ms", 0}});                        // ttl too short
  refused(Json{{"to", kTo}, {"message", 1}, {"ttl_ms", contract::kMaxTtlMs + 1}});  // ttl too long
  refused(Json{{"to", kTo}, {"message", {{"t", 1.5}}}});                            // a float
}

TEST(ContractIds, AreOrderedAlongTheRoute) {
  auto a = contract::parse_uuid("mlc:L2/L1a/E1/aa").value();
  auto b = contract::parse_uuid(kTo).value();
  auto route = contract::route(a, b).value();
  EXPECT_EQ(high_level_layers(route), (std::vector<std::string>{"L2/L1a", "L2", "L2/L1b"}));
  auto ordered = order_contract_ids(route, {"L2/L1b#5", "L2/L1a#7", "L2#3"});
  ASSERT_TRUE(ordered.ok()) << ordered.status().to_string();
  EXPECT_EQ(*ordered, (std::vector<std::string>{"L2/L1a#7", "L2#3", "L2/L1b#5"}));
  // A reply goes the other way: the same ids, reversed.
  auto back = order_contract_ids(contract::route(b, a).value(), {"L2/L1a#7", "L2#3", "L2/L1b#5"});
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(*back, (std::vector<std::string>{"L2/L1b#5", "L2#3", "L2/L1a#7"}));

  EXPECT_FALSE(order_contract_ids(route, {"L2/L1a#7", "L2#3"}).ok());                      // one missing
  EXPECT_FALSE(order_contract_ids(route, {"L2/L1a#7", "L2#3", "L2/L1b#5", "L2#4"}).ok());  // two for L2
  EXPECT_FALSE(order_contract_ids(route, {"L2/L1a#7", "L2#3", "L2/L1c#5"}).ok());          // off the route
  EXPECT_FALSE(order_contract_ids(route, {"L2/L1a#7", "L2#3", "L2/L1b/E3#1"}).ok());       // an edge layer
  EXPECT_FALSE(order_contract_ids(route, {"L2/L1a#07", "L2#3", "L2/L1b#5"}).ok());         // bad seq
  EXPECT_FALSE(order_contract_ids(route, {"L2/L1a", "L2#3", "L2/L1b#5"}).ok());            // no seq
  // Two edges under one superior: one high-level layer.
  auto near = contract::route_between("L2/L1a/E1", "L2/L1a/E2").value();
  EXPECT_EQ(*order_contract_ids(near, {"L2/L1a#1"}), std::vector<std::string>{"L2/L1a#1"});
}

Json entry(const std::string& seal_hex, const std::string& path = "L2/L1b/E3") {
  return {{"path", path},
          {"edge", true},
          {"members", {{{"name", "e3"}, {"public_key", std::string(64, 'b')}, {"address", "https://e3:1"}}}},
          {"seal_key", seal_hex}};
}

TEST(Directory, NeedsFPlusOneIdenticalEntries) {
  ContractWorld w;
  std::string k1 = contract::edge_seal_key(w.e3).value().public_key().hex();
  std::string k2 = contract::edge_seal_key(w.e1).value().public_key().hex();
  using K = DirectoryDecision::Kind;
  EXPECT_EQ(directory_quorum(1), 1u);
  EXPECT_EQ(directory_quorum(3), 1u);
  EXPECT_EQ(directory_quorum(4), 2u);
  EXPECT_EQ(directory_quorum(7), 3u);
  const std::string p = "L2/L1b/E3";
  // 4 members: f = 1, two identical answers needed.
  EXPECT_EQ(decide_directory(p, {{200, entry(k1)}}, 4).kind, K::kUndecided);
  auto d = decide_directory(p, {{200, entry(k1)}, {0, nullptr}, {200, entry(k1)}}, 4);
  ASSERT_EQ(d.kind, K::kAgreed);
  EXPECT_EQ(d.entry, entry(k1));
  EXPECT_EQ(directory_seal_key(d.entry).value().hex(), k1);
  // A lying member alone changes nothing; two different honest-looking entries do not add up.
  EXPECT_EQ(decide_directory(p, {{200, entry(k1)}, {200, entry(k2)}}, 4).kind, K::kUndecided);
  EXPECT_EQ(decide_directory(p, {{200, entry(k1)}, {200, entry(k2)}, {200, entry(k2)}}, 4).entry, entry(k2));
  EXPECT_EQ(decide_directory(p, {{200, entry(k1)}, {200, entry(k2)}, {200, entry(k2)}, {200, entry(k1)}}, 4).kind,
            K::kConflict);
  // 404 from f+1 members: no such layer.
  EXPECT_EQ(decide_directory(p, {{404, nullptr}, {200, entry(k1)}, {404, nullptr}}, 4).kind, K::kUnknown);
  EXPECT_EQ(decide_directory(p, {{404, nullptr}, {500, nullptr}}, 4).kind, K::kUndecided);
  // Entries that are not for this edge layer never count.
  EXPECT_EQ(decide_directory(p, {{200, entry(k1, "L2/L1b/E4")}, {200, entry(k1, "L2/L1b/E4")}}, 4).kind, K::kUndecided);
  Json not_edge = entry(k1);
  not_edge["edge"] = false;
  // f+1 know the path but not as an attached edge (a blueprint's subordinate
  // no layer attach recorded): not attached, said so (issue 20).
  EXPECT_EQ(decide_directory(p, {{200, not_edge}}, 4).kind, K::kUndecided);
  EXPECT_EQ(decide_directory(p, {{200, not_edge}, {200, not_edge}}, 4).kind, K::kNotAttached);
  EXPECT_EQ(decide_directory(p, {{200, not_edge}, {200, entry(k1)}, {200, entry(k1)}}, 4).kind, K::kAgreed);
  EXPECT_EQ(decide_directory(p, {{200, not_edge}, {404, nullptr}, {404, nullptr}}, 4).kind, K::kUnknown);
  Json bad_key = entry("zz");
  EXPECT_EQ(decide_directory(p, {{200, bad_key}, {200, bad_key}}, 4).kind, K::kUndecided);
  Json no_key = entry(k1);
  no_key.erase("seal_key");
  EXPECT_EQ(decide_directory(p, {{200, no_key}, {200, no_key}}, 4).kind, K::kUndecided);
  EXPECT_EQ(decide_directory(p, {{500, entry(k1)}, {503, entry(k1)}}, 4).kind, K::kUndecided);
  // One member: its answer is enough.
  EXPECT_EQ(decide_directory(p, {{200, entry(k1)}}, 1).kind, K::kAgreed);
}

TEST(ContractAnswer, SourceHopGoesFirst) {
  Json answer = {{"sum", "ab"}, {"hops", {{{"layer", "L2/L1a"}, {"id", "L2/L1a#7"}}}}, {"receipt", {{"edge", "x"}}}};
  auto a = with_source_hop(answer, "L2/L1a/E1");
  ASSERT_TRUE(a.ok());
  ASSERT_EQ((*a)["hops"].size(), 2u);
  EXPECT_EQ((*a)["hops"][0], (Json{{"layer", "L2/L1a/E1"}, {"edge", true}, {"role", "source"}}));
  EXPECT_EQ((*a)["hops"][1]["id"], "L2/L1a#7");
  EXPECT_EQ((*a)["receipt"], answer["receipt"]);
  EXPECT_EQ((*with_source_hop(Json{{"sum", "ab"}}, "E"))["hops"].size(), 1u);
  EXPECT_FALSE(with_source_hop(Json::array(), "E").ok());
  EXPECT_EQ(contract_error("replay", "m", "L2")["error"],
            (Json{{"code", "replay"}, {"message", "m"}, {"layer", "L2"}}));
}

TEST(ContractAction, TheRegistryAuthenticatesChecksThePermissionAndConsumesTheCounter) {
  auto store = store::make_memory_store();
  ManualClock clock;
  SeededRng rng{3};
  RegistryOptions o;
  o.layer_path = "L2/L1a/E1";
  auto reg = ok_or_die(Registry::open(*store, o, clock, rng, seeded_secrets(4)));
  auto add = [&](std::vector<std::string> perms) {
    ObjectSpec s;
    s.class_path = "Device/App";
    s.permissions = std::move(perms);
    s.credential.scheme = Scheme::kHmac;
    auto r = ok_or_die(reg->register_object(s));
    return Device{r.record.uuid, Scheme::kHmac, *r.secret, std::nullopt, 0};
  };
  Device app = add({"contract"});
  Device plain = add({"upload", "talk:*"});
  const std::string body = Json{{"to", kTo}, {"message", {{"offer", 1}}}}.dump();

  EXPECT_EQ(validate_permission("contract").ok(), true);
  EXPECT_EQ(validate_permission("contract:*").ok(), false);
  auto before = snapshot(*store);
  Decision no = reg->process(plain.request(Action::kContract, body));
  EXPECT_EQ(no.reason, Reason::kNotPermitted) << no.message;
  EXPECT_EQ(snapshot(*store), before);

  Decision same_edge = reg->process(app.request(Action::kContract, Json{{"to", plain.uuid}, {"message", 1}}.dump()));
  EXPECT_EQ(same_edge.reason, Reason::kBadRequest) << same_edge.message;
  EXPECT_EQ(reg->process(app.request(Action::kContract, R"({"to": 1})")).reason, Reason::kBadRequest);
  EXPECT_EQ(snapshot(*store), before);

  Decision yes = reg->process(app.request(Action::kContract, body));
  ASSERT_TRUE(yes.accepted()) << yes.message;
  EXPECT_EQ(yes.result, contract_request_to_json(contract_request_from_json(Json::parse(body)).value()));
  EXPECT_EQ(ok_or_die(reg->get(app.uuid)).counter, app.counter);
  // The same signed request again is a replay: one request, one packet.
  EXPECT_EQ(reg->process(app.request(Action::kContract, body, app.counter)).reason, Reason::kReplayed);
  EXPECT_EQ(action_name(Action::kContract), "contract");
  EXPECT_EQ(parse_action("contract").value(), Action::kContract);
}

}  // namespace
}  // namespace mlchain::edge::testing
