#include "mlchain/contract/packet.h"

#include <algorithm>

#include "mlchain/codec/fields.h"

namespace mlchain::contract {
namespace {

using codec::Json;

constexpr std::string_view kPseudonymDomain = "mlchain-pseudonym/1";
constexpr std::string_view kPseudonymKeyInfo = "mlchain pseudonym key v1";
constexpr std::string_view kOriginDomain = "mlchain-packet-origin/1";
constexpr std::string_view kPacketDomain = "mlchain-packet/1";

std::string hex(const crypto::Digest& d) { return to_hex(ByteView(d.data(), d.size())); }

Bytes domain_bytes(std::string_view domain, const Json& j) {
  Bytes out(domain.begin(), domain.end());
  out.push_back(0);
  auto body = codec::canonical_bytes(j);
  if (body.ok()) out.insert(out.end(), body->begin(), body->end());
  return out;
}

Json string_array(const std::vector<std::string>& v) {
  Json a = Json::array();
  for (const auto& s : v) a.push_back(s);
  return a;
}

Result<std::vector<std::string>> strings_of(const Json& arr, std::string_view what, std::size_t max_len) {
  std::vector<std::string> out;
  for (const auto& e : arr) {
    if (!e.is_string()) return invalid_argument(std::string(what) + ": expected strings");
    const auto& s = e.get_ref<const std::string&>();
    if (s.size() > max_len) return invalid_argument(std::string(what) + ": an entry is too long");
    out.push_back(s);
  }
  return out;
}

Result<crypto::Digest> digest_field(const Json& j, std::string_view field) {
  MLCHAIN_ASSIGN_OR_RETURN(Bytes b, codec::get_hex(j, field, 32));
  crypto::Digest d{};
  std::copy(b.begin(), b.end(), d.begin());
  return d;
}

bool lower_hex(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

Status check_party(std::string_view party_text, const std::string& edge, std::string_view which) {
  if (party_text.size() != edge.size() + 1 + kPseudonymHexChars || party_text.substr(0, edge.size()) != edge ||
      party_text[edge.size()] != '/' || !lower_hex(party_text.substr(edge.size() + 1)))
    return invalid_argument(std::string("packet header '") + std::string(which) + "' must be '" + edge + "/<" +
                            std::to_string(kPseudonymHexChars) + " lower-case hex pseudonym>'");
  return {};
}

// Ids must name one block per high-level layer in travel order: `count`
// of them, for full[1..count].
Status check_ids(const std::vector<std::string>& ids, const std::vector<std::string>& full, std::size_t count) {
  if (ids.size() != count)
    return invalid_argument("packet carries " + std::to_string(ids.size()) + " block ids where " +
                            std::to_string(count) + " are expected at this point of its route");
  for (std::size_t j = 0; j < ids.size(); ++j) {
    MLCHAIN_ASSIGN_OR_RETURN(BlockId id, parse_block_id(ids[j]));
    if (id.layer != full[j + 1])
      return invalid_argument("block id " + std::to_string(j + 1) + " ('" + ids[j] + "') is not from layer '" +
                              full[j + 1] + "', the layer at that position of the route");
  }
  return {};
}

Json origin_json(const Packet& p) {
  const auto& h = p.header;
  return {{"kind", kind_name(p.kind)},
          {"sum", hex(p.sum)},
          {"named_ids", p.kind == PacketKind::kFirst ? Json::array() : string_array(p.block_ids)},
          {"src_edge", p.route.src.empty() ? std::string() : p.source_edge()},
          {"dst_edge", p.route.dst.empty() ? std::string() : p.destination_edge()},
          {"timestamp", h.timestamp_ms},
          {"from", h.from},
          {"to", h.to},
          {"ttl_ms", h.ttl_ms},
          {"edge_key", h.edge_key.hex()},
          {"body_hash", hex(h.body_hash)}};
}

Bytes be64(std::int64_t v) {
  auto u = static_cast<std::uint64_t>(v);
  Bytes b(8);
  for (int i = 0; i < 8; ++i) b[static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(u >> (56 - 8 * i));
  return b;
}

}  // namespace

std::string_view kind_name(PacketKind k) {
  switch (k) {
    case PacketKind::kFirst: return "first";
    case PacketKind::kFollowUp: return "follow-up";
    case PacketKind::kEnd: return "end";
  }
  return "?";
}

Result<BlockId> parse_block_id(std::string_view text) {
  auto hash = text.rfind('#');
  if (hash == std::string_view::npos)
    return invalid_argument("block id must be '<layer path>#<seq>', e.g. 'L2/L1a#1042'");
  BlockId id;
  MLCHAIN_TRY(validate_layer_path(text.substr(0, hash)).with_context("block id"));
  id.layer = std::string(text.substr(0, hash));
  std::string_view digits = text.substr(hash + 1);
  if (digits.empty() || digits.size() > 19 || digits[0] == '0' ||
      !std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; }))
    return invalid_argument("block id sequence must be a positive decimal number without leading zeros");
  for (char c : digits) id.seq = id.seq * 10 + static_cast<std::uint64_t>(c - '0');
  if (id.seq > static_cast<std::uint64_t>(INT64_MAX)) return invalid_argument("block id sequence is too large");
  return id;
}

Result<crypto::SealPrivateKey> edge_seal_key(const crypto::PrivateKey& edge_identity) {
  return crypto::SealPrivateKey::derive_from(edge_identity);
}

Result<crypto::SealPublicKey> parse_seal_public_key(std::string_view hex_text) {
  return crypto::SealPublicKey::from_hex(hex_text);
}

Bytes pseudonym_secret(const crypto::PrivateKey& edge_identity) {
  Bytes seed = edge_identity.seed();
  auto mac = crypto::hmac_sha256(seed, as_bytes(kPseudonymKeyInfo));
  std::fill(seed.begin(), seed.end(), 0);
  return Bytes(mac.begin(), mac.end());
}

std::string pseudonym(ByteView secret, const ObjectUuid& object) {
  Bytes msg(kPseudonymDomain.begin(), kPseudonymDomain.end());
  msg.push_back(0);
  std::string uuid = object.str();
  msg.insert(msg.end(), uuid.begin(), uuid.end());
  auto mac = crypto::hmac_sha256(secret, msg);
  return hex(mac).substr(0, kPseudonymHexChars);
}

std::string party(ByteView secret, const ObjectUuid& object) { return object.edge + "/" + pseudonym(secret, object); }

Result<crypto::Digest> message_sum(const ObjectUuid& from, const ObjectUuid& to, const codec::Json& message,
                                   std::int64_t timestamp_ms) {
  MLCHAIN_ASSIGN_OR_RETURN(Bytes text,
                           codec::canonical_bytes(Json{{"from", from.str()}, {"to", to.str()}, {"message", message}}));
  Bytes ts = be64(timestamp_ms);
  text.insert(text.end(), ts.begin(), ts.end());
  return crypto::sha256(text);
}

Bytes origin_signing_bytes(const Packet& p) { return domain_bytes(kOriginDomain, origin_json(p)); }

Json envelope_json(const Packet& p) {
  Json ids = Json::array();
  ids.push_back(hex(p.sum));
  for (const auto& id : p.block_ids) ids.push_back(id);
  const auto& h = p.header;
  return {{"v", 1},
          {"kind", kind_name(p.kind)},
          {"ids", std::move(ids)},
          {"route", {{"dst", string_array(p.route.dst)}, {"src", string_array(p.route.src)}}},
          {"header",
           {{"timestamp", h.timestamp_ms},
            {"from", h.from},
            {"to", h.to},
            {"ttl_ms", h.ttl_ms},
            {"edge_key", h.edge_key.hex()},
            {"body_hash", hex(h.body_hash)}}},
          {"origin_sig", crypto::signature_hex(p.origin_sig)}};
}

Json to_json(const Packet& p) {
  Json j = envelope_json(p);
  j["body"] = to_base64(p.body);
  return j;
}

crypto::Digest packet_digest(const Packet& p) { return crypto::sha256(domain_bytes(kPacketDomain, envelope_json(p))); }

Result<Packet> packet_from_json(const Json& j) {
  MLCHAIN_TRY(codec::require_object(j, "packet"));
  MLCHAIN_TRY(codec::only_fields(j, {"v", "kind", "ids", "route", "header", "origin_sig", "body"}, "packet"));
  MLCHAIN_ASSIGN_OR_RETURN(std::uint64_t v, codec::get_uint(j, "v"));
  if (v != 1) return invalid_argument("packet version " + std::to_string(v) + " is not supported (expected 1)");
  Packet p;
  MLCHAIN_ASSIGN_OR_RETURN(std::string kind, codec::get_string(j, "kind", 16));
  if (kind == "first") p.kind = PacketKind::kFirst;
  else if (kind == "follow-up") p.kind = PacketKind::kFollowUp;
  else if (kind == "end") p.kind = PacketKind::kEnd;
  else return invalid_argument("packet kind must be first, follow-up or end");
  MLCHAIN_ASSIGN_OR_RETURN(Json ids, codec::get_array(j, "ids", 1 + 2 * kMaxSegments));
  if (ids.empty()) return invalid_argument("packet ids must start with the message sum");
  MLCHAIN_ASSIGN_OR_RETURN(auto id_strings, strings_of(ids, "packet ids", kMaxLayerPathBytes + 21));
  MLCHAIN_ASSIGN_OR_RETURN(p.sum, digest_field(Json{{"sum", id_strings[0]}}, "sum"));
  p.block_ids.assign(id_strings.begin() + 1, id_strings.end());
  MLCHAIN_ASSIGN_OR_RETURN(Json route, codec::get_object(j, "route"));
  MLCHAIN_TRY(codec::only_fields(route, {"dst", "src"}, "packet route"));
  MLCHAIN_ASSIGN_OR_RETURN(Json dst, codec::get_array(route, "dst", 2 * kMaxSegments));
  MLCHAIN_ASSIGN_OR_RETURN(Json src, codec::get_array(route, "src", 2 * kMaxSegments));
  MLCHAIN_ASSIGN_OR_RETURN(p.route.dst, strings_of(dst, "route dst", kMaxLayerPathBytes));
  MLCHAIN_ASSIGN_OR_RETURN(p.route.src, strings_of(src, "route src", kMaxLayerPathBytes));
  MLCHAIN_ASSIGN_OR_RETURN(Json h, codec::get_object(j, "header"));
  MLCHAIN_TRY(codec::only_fields(h, {"timestamp", "from", "to", "ttl_ms", "edge_key", "body_hash"}, "packet header"));
  MLCHAIN_ASSIGN_OR_RETURN(p.header.timestamp_ms, codec::get_int(h, "timestamp"));
  MLCHAIN_ASSIGN_OR_RETURN(p.header.from, codec::get_string(h, "from", kMaxLayerPathBytes + 1 + kPseudonymHexChars));
  MLCHAIN_ASSIGN_OR_RETURN(p.header.to, codec::get_string(h, "to", kMaxLayerPathBytes + 1 + kPseudonymHexChars));
  MLCHAIN_ASSIGN_OR_RETURN(p.header.ttl_ms, codec::get_uint(h, "ttl_ms"));
  MLCHAIN_ASSIGN_OR_RETURN(std::string key, codec::get_string(h, "edge_key", 64));
  MLCHAIN_ASSIGN_OR_RETURN(p.header.edge_key, crypto::PublicKey::from_hex(key));
  MLCHAIN_ASSIGN_OR_RETURN(p.header.body_hash, digest_field(h, "body_hash"));
  MLCHAIN_ASSIGN_OR_RETURN(std::string sig, codec::get_string(j, "origin_sig", 128));
  MLCHAIN_ASSIGN_OR_RETURN(p.origin_sig, crypto::signature_from_hex(sig));
  bool has_body = j.contains("body");
  if (has_body) {
    MLCHAIN_ASSIGN_OR_RETURN(std::string body, codec::get_string(j, "body", (kMaxSealedBodyBytes + 2) / 3 * 4));
    MLCHAIN_ASSIGN_OR_RETURN(p.body, from_base64(body));
  }
  MLCHAIN_TRY(validate_packet(p, has_body));
  return p;
}

Result<Packet> parse_packet(std::string_view text) {
  codec::ParseLimits limits;
  limits.max_bytes = kMaxPacketBytes;
  limits.max_depth = 4;
  limits.max_string_bytes = kMaxPacketBytes;
  limits.max_elements = 256;
  MLCHAIN_ASSIGN_OR_RETURN(Json j, codec::parse(text, limits));
  return packet_from_json(j);
}

Status validate_packet(const Packet& p, bool require_body) {
  if (p.route.src.empty() || p.route.dst.empty())
    return invalid_argument("packet route needs a non-empty src (where it came from) and dst (where it goes)");
  MLCHAIN_ASSIGN_OR_RETURN(Route whole, route_between(p.source_edge(), p.destination_edge()));
  auto full = full_route(p.route);
  if (full != full_route(whole))
    return invalid_argument("packet route is not the route from '" + p.source_edge() + "' to '" +
                            p.destination_edge() + "' (up to the lowest common layer, then down)");
  if (p.kind == PacketKind::kFirst) {
    MLCHAIN_TRY(check_ids(p.block_ids, full, p.route.src.size() - 1));
  } else {
    MLCHAIN_TRY(check_ids(p.block_ids, full, full.size() - 2));
  }
  MLCHAIN_TRY(check_party(p.header.from, p.source_edge(), "from"));
  MLCHAIN_TRY(check_party(p.header.to, p.destination_edge(), "to"));
  if (p.header.ttl_ms == 0 || p.header.ttl_ms > kMaxTtlMs)
    return invalid_argument("packet ttl_ms must be 1.." + std::to_string(kMaxTtlMs));
  if (p.header.timestamp_ms < 0) return invalid_argument("packet timestamp must not be negative");
  if (require_body) {
    if (p.body.size() > kMaxSealedBodyBytes) return resource_exhausted("packet body is larger than allowed");
    if (crypto::sha256(p.body) != p.header.body_hash)
      return verification_failed("packet body does not match header body_hash");
  }
  return {};
}

Status verify_origin(const Packet& p, const crypto::Verifier& verifier) {
  if (!verifier.verify(p.header.edge_key, origin_signing_bytes(p), p.origin_sig))
    return verification_failed("packet origin signature does not verify against the source edge key " +
                               p.header.edge_key.key_id());
  return {};
}

Result<Packet> make_packet(const Outgoing& out, const crypto::PrivateKey& edge_identity, ByteView secret,
                           const crypto::SealPublicKey& destination_seal_key) {
  MLCHAIN_ASSIGN_OR_RETURN(Route r, route(out.from, out.to));
  if (out.ttl_ms == 0 || out.ttl_ms > kMaxTtlMs)
    return invalid_argument("ttl must be between 1 ms and " + std::to_string(kMaxTtlMs / 86'400'000) + " days");
  Packet p;
  p.kind = out.kind;
  p.route = std::move(r);
  MLCHAIN_ASSIGN_OR_RETURN(p.sum, message_sum(out.from, out.to, out.message, out.timestamp_ms));
  if (out.kind != PacketKind::kFirst) p.block_ids = out.contract_ids;
  else if (!out.contract_ids.empty()) return invalid_argument("a first communication names no block ids");
  Json plain = {{"from", out.from.str()}, {"to", out.to.str()}, {"message", out.message},
                {"timestamp", out.timestamp_ms}};
  MLCHAIN_ASSIGN_OR_RETURN(Bytes text, codec::canonical_bytes(plain));
  if (text.size() > kMaxMessageBytes)
    return resource_exhausted("message is " + std::to_string(text.size()) + " bytes; at most " +
                              std::to_string(kMaxMessageBytes) + " fit in a contract packet");
  MLCHAIN_ASSIGN_OR_RETURN(p.body, crypto::seal(destination_seal_key, text, ByteView(p.sum.data(), p.sum.size())));
  p.header.timestamp_ms = out.timestamp_ms;
  p.header.from = party(secret, out.from);
  p.header.to = party(secret, out.to);
  p.header.ttl_ms = out.ttl_ms;
  p.header.edge_key = edge_identity.public_key();
  p.header.body_hash = crypto::sha256(p.body);
  MLCHAIN_TRY(validate_packet(p));
  p.origin_sig = edge_identity.sign(origin_signing_bytes(p));
  return p;
}

Result<std::string> named_block_id(const Packet& p, std::string_view layer) {
  for (const auto& id : p.block_ids) {
    auto b = parse_block_id(id);
    if (b.ok() && b->layer == layer) return id;
  }
  return not_found("the packet names no block of layer '" + std::string(layer) + "'");
}

Status advance(Packet& p, std::string_view this_layer, std::string_view block_id) {
  if (p.route.dst.size() < 2 || p.route.dst.front() != this_layer)
    return failed_precondition("layer '" + std::string(this_layer) +
                               "' is not the next high-level layer on this packet's route");
  MLCHAIN_ASSIGN_OR_RETURN(BlockId id, parse_block_id(block_id));
  if (id.layer != this_layer)
    return invalid_argument("block id '" + std::string(block_id) + "' is not a block of layer '" +
                            std::string(this_layer) + "'");
  if (p.kind == PacketKind::kFirst) {
    p.block_ids.emplace_back(block_id);
  } else {
    MLCHAIN_ASSIGN_OR_RETURN(std::string named, named_block_id(p, this_layer));
    if (named != block_id)
      return invalid_argument("the packet names block '" + named + "' for this layer, not '" +
                              std::string(block_id) + "'");
  }
  p.route.src.insert(p.route.src.begin(), p.route.dst.front());
  p.route.dst.erase(p.route.dst.begin());
  return {};
}

Result<Delivered> open_packet(const Packet& p, const crypto::SealPrivateKey& key) {
  MLCHAIN_TRY(validate_packet(p));
  if (p.route.dst.size() != 1) return failed_precondition("the packet has not reached its destination edge yet");
  auto plain = crypto::unseal(key, p.body, ByteView(p.sum.data(), p.sum.size()));
  if (!plain.ok()) return verification_failed("cannot unseal the packet body: " + plain.status().message());
  codec::ParseLimits limits;
  limits.max_bytes = kMaxSealedBodyBytes;
  auto j = codec::parse(to_string(*plain), limits);
  if (!j.ok()) return verification_failed("unsealed body is not valid JSON: " + j.status().message());
  MLCHAIN_TRY(codec::only_fields(*j, {"from", "to", "message", "timestamp"}, "sealed body"));
  Delivered d;
  MLCHAIN_ASSIGN_OR_RETURN(std::string from, codec::get_string(*j, "from", 512));
  MLCHAIN_ASSIGN_OR_RETURN(std::string to, codec::get_string(*j, "to", 512));
  MLCHAIN_ASSIGN_OR_RETURN(d.from, parse_uuid(from));
  MLCHAIN_ASSIGN_OR_RETURN(d.to, parse_uuid(to));
  MLCHAIN_ASSIGN_OR_RETURN(d.timestamp_ms, codec::get_int(*j, "timestamp"));
  if (!j->contains("message")) return verification_failed("sealed body has no message");
  d.message = (*j)["message"];
  if (d.timestamp_ms != p.header.timestamp_ms)
    return verification_failed("sealed timestamp differs from the packet header's");
  if (d.from.edge != p.source_edge() || d.to.edge != p.destination_edge())
    return verification_failed("sealed UUIDs are not in the packet's source and destination edge layers");
  MLCHAIN_ASSIGN_OR_RETURN(crypto::Digest sum, message_sum(d.from, d.to, d.message, d.timestamp_ms));
  if (sum != p.sum) return verification_failed("Sum(M) of the unsealed message does not match the packet's sum");
  return d;
}

}  // namespace mlchain::contract
