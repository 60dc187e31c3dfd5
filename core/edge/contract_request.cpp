// The source edge's pure contract logic (contract_request.h).
#include "mlchain/edge/contract_request.h"

#include <map>
#include <set>

#include "mlchain/codec/fields.h"

namespace mlchain::edge {
namespace {

using Json = codec::Json;

constexpr std::size_t kMaxIds = contract::kMaxSegments * 2;  // more than any route has

}  // namespace

Result<contract::PacketKind> parse_packet_kind(std::string_view name) {
  if (name == "first") return contract::PacketKind::kFirst;
  if (name == "follow-up") return contract::PacketKind::kFollowUp;
  if (name == "end") return contract::PacketKind::kEnd;
  return invalid_argument("field 'kind': '" + std::string(name.substr(0, 40)) + "' is not first, follow-up or end");
}

Result<ContractRequest> contract_request_from_json(const Json& body) {
  MLCHAIN_TRY(codec::require_object(body, "contract body"));
  MLCHAIN_TRY(codec::only_fields(body, {"to", "message", "kind", "ids", "ttl_ms"}, "contract body"));
  ContractRequest r;
  MLCHAIN_ASSIGN_OR_RETURN(r.to, codec::get_string(body, "to", 600));
  if (auto u = contract::parse_uuid(r.to); !u.ok()) return u.status().with_context("field 'to'");
  if (!body.contains("message")) return invalid_argument("field 'message': missing (the message, any JSON value)");
  r.message = body["message"];
  if (auto c = codec::canonical(r.message); !c.ok()) return c.status().with_context("field 'message'");
  MLCHAIN_ASSIGN_OR_RETURN(auto kind, codec::get_optional_string(body, "kind", 16));
  if (kind) {
    MLCHAIN_ASSIGN_OR_RETURN(r.kind, parse_packet_kind(*kind));
  }
  if (body.contains("ids")) {
    MLCHAIN_ASSIGN_OR_RETURN(auto ids, codec::get_array(body, "ids", kMaxIds));
    for (const auto& id : ids) {
      if (!id.is_string()) return invalid_argument("field 'ids': expected an array of block ids (strings)");
      r.ids.push_back(id.get<std::string>());
    }
  }
  if (r.kind == contract::PacketKind::kFirst && !r.ids.empty()) {
    return invalid_argument("field 'ids': a first message names no contract (leave 'ids' out)");
  }
  if (r.kind != contract::PacketKind::kFirst && r.ids.empty()) {
    return invalid_argument("field 'ids': a " + std::string(contract::kind_name(r.kind)) +
                            " names its contract: the block ids the first message returned");
  }
  MLCHAIN_ASSIGN_OR_RETURN(auto ttl, codec::get_optional_uint(body, "ttl_ms"));
  if (ttl) {
    if (*ttl < 1 || *ttl > contract::kMaxTtlMs) {
      return invalid_argument("field 'ttl_ms': must be 1.." + std::to_string(contract::kMaxTtlMs) + " (366 days)");
    }
    r.ttl_ms = *ttl;
  }
  return r;
}

Json contract_request_to_json(const ContractRequest& r) {
  Json j = {{"to", r.to}, {"message", r.message}, {"kind", contract::kind_name(r.kind)}, {"ttl_ms", r.ttl_ms}};
  if (!r.ids.empty()) j["ids"] = r.ids;
  return j;
}

std::vector<std::string> high_level_layers(const contract::Route& r) {
  std::vector<std::string> all = contract::full_route(r);
  if (all.size() < 2) return {};
  return std::vector<std::string>(all.begin() + 1, all.end() - 1);
}

Result<std::vector<std::string>> order_contract_ids(const contract::Route& r, const std::vector<std::string>& ids) {
  std::vector<std::string> layers = high_level_layers(r);
  std::map<std::string, std::size_t, std::less<>> position;
  for (std::size_t i = 0; i < layers.size(); ++i) position.emplace(layers[i], i);
  std::string route_text;
  for (const auto& l : layers) route_text += (route_text.empty() ? "" : ", ") + l;
  std::vector<std::string> out(layers.size());
  for (const auto& id : ids) {
    auto b = contract::parse_block_id(id);
    if (!b.ok()) return b.status().with_context("contract id '" + id.substr(0, 80) + "'");
    auto it = position.find(b->layer);
    if (it == position.end()) {
      return invalid_argument("contract id '" + id.substr(0, 80) + "' is of layer " + b->layer +
                              ", which is not on the route (" + route_text + ")");
    }
    if (!out[it->second].empty()) {
      return invalid_argument("two contract ids for layer " + b->layer + ": " + out[it->second] + " and " +
                              id.substr(0, 80));
    }
    out[it->second] = b->str();
  }
  for (std::size_t i = 0; i < layers.size(); ++i) {
    if (out[i].empty()) {
      return invalid_argument("no contract id for layer " + layers[i] + " (the route crosses " + route_text +
                              "; give one id per layer)");
    }
  }
  return out;
}

std::size_t directory_quorum(std::size_t book_members) { return book_members == 0 ? 1 : (book_members - 1) / 3 + 1; }

Result<crypto::SealPublicKey> directory_seal_key(const Json& entry) {
  MLCHAIN_ASSIGN_OR_RETURN(auto hex, codec::get_string(entry, "seal_key", 128));
  auto k = contract::parse_seal_public_key(hex);
  if (!k.ok()) return k.status().with_context("directory entry 'seal_key'");
  return k;
}

DirectoryDecision decide_directory(std::string_view path, const std::vector<DirectoryReply>& replies,
                                   std::size_t book_members) {
  const std::size_t quorum = directory_quorum(book_members);
  std::map<std::string, std::pair<std::size_t, Json>> votes;  // canonical entry -> (count, entry)
  std::size_t unknown = 0;
  std::size_t not_attached = 0;
  for (const auto& r : replies) {
    if (r.status == 404) {
      ++unknown;
      continue;
    }
    if (r.status != 200 || !r.body.is_object()) continue;
    const Json& e = r.body;
    auto p = codec::get_string(e, "path", contract::kMaxLayerPathBytes);
    auto edge = codec::get_bool(e, "edge");
    if (!p.ok() || *p != path || !edge.ok()) continue;
    if (!*edge) {
      ++not_attached;
      continue;
    }
    if (!directory_seal_key(e).ok()) continue;
    auto c = codec::canonical(e);
    if (!c.ok()) continue;
    auto& v = votes[*c];
    if (v.first++ == 0) v.second = e;
  }
  DirectoryDecision d;
  std::size_t agreed = 0;
  for (const auto& [text, v] : votes) {
    if (v.first >= quorum) {
      ++agreed;
      d.entry = v.second;
    }
  }
  if (agreed > 1) return {DirectoryDecision::Kind::kConflict, Json()};
  if (agreed == 1) {
    d.kind = DirectoryDecision::Kind::kAgreed;
    return d;
  }
  if (unknown >= quorum) return {DirectoryDecision::Kind::kUnknown, Json()};
  if (not_attached >= quorum) return {DirectoryDecision::Kind::kNotAttached, Json()};
  return {DirectoryDecision::Kind::kUndecided, Json()};
}

Json source_hop(std::string_view own_path) { return {{"layer", own_path}, {"edge", true}, {"role", "source"}}; }

Result<Json> with_source_hop(Json answer, std::string_view own_path) {
  if (!answer.is_object()) return invalid_argument("the route's answer is not a JSON object");
  Json hops = Json::array();
  hops.push_back(source_hop(own_path));
  auto it = answer.find("hops");
  if (it != answer.end() && it->is_array()) {
    for (auto& h : *it) hops.push_back(std::move(h));
  }
  answer["hops"] = std::move(hops);
  return answer;
}

Json contract_error(std::string_view code, std::string_view message, std::string_view layer) {
  return {{"error", {{"code", code}, {"message", message}, {"layer", layer}}}};
}

}  // namespace mlchain::edge
