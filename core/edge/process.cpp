// The object request pipeline (registry.h): verify identity, parse by class,
// check permission, then execute in one write transaction or refuse.
//
// The signature is checked against a read snapshot, outside the write lock
// (it is the expensive part); the write transaction re-reads the record and
// re-checks revocation, credential version and counter, so a request that
// raced with a rotation, a revocation or a concurrent request of the same
// object is refused, never half-applied.
#include <algorithm>

#include "group_commit.h"
#include "mlchain/codec/fields.h"
#include "mlchain/crypto/ed25519.h"
#include "mlchain/crypto/hash.h"
#include "mlchain/edge/contract_request.h"
#include "mlchain/edge/ids.h"
#include "mlchain/edge/registry.h"

namespace mlchain::edge {
namespace {

using Json = codec::Json;

constexpr std::size_t kMaxDataProperties = 64;

// A refusal inside the transaction: nothing written, decision set, not a store error.
Status refuse(Decision& out, Reason r, std::string message) {
  out = Decision::refuse(r, std::move(message));
  return {};
}

Decision verify_proof(const ObjectRequest& req, const ObjectRecord& r, const std::optional<std::string>& secret) {
  if (r.scheme == Scheme::kUnsigned) return {};
  if (req.signature.empty()) {
    return Decision::refuse(Reason::kBadSignature, "object " + r.uuid + " uses " + std::string(scheme_name(r.scheme)) +
                                                       ": the request needs X-Mlc-Signature");
  }
  std::string message = signing_string(req.action, req.uuid, req.counter, req.body);
  auto sig = from_hex(req.signature);
  if (r.scheme == Scheme::kEd25519) {
    if (!sig.ok() || sig->size() != 64) {
      return Decision::refuse(Reason::kBadSignature, "X-Mlc-Signature must be 128 hex characters (Ed25519)");
    }
    crypto::Signature s{};
    std::copy(sig->begin(), sig->end(), s.begin());
    if (!crypto::verify(*r.public_key, as_bytes(message), s)) {
      return Decision::refuse(
          Reason::kBadSignature,
          "the Ed25519 signature does not verify over the signing string (see docs/edge-requests.md)");
    }
    return {};
  }
  if (!sig.ok() || sig->size() != 32) {
    return Decision::refuse(Reason::kBadSignature, "X-Mlc-Signature must be 64 hex characters (HMAC-SHA256)");
  }
  if (!secret || secret->size() != kSecretBytes)
    return Decision::refuse(Reason::kInternal, "the object's secret is missing");
  crypto::Digest mac = crypto::hmac_sha256(as_bytes(*secret), as_bytes(message));
  if (!crypto::constant_time_equal(ByteView(mac), ByteView(*sig))) {
    return Decision::refuse(Reason::kBadSignature,
                            "the HMAC does not match the signing string (see docs/edge-requests.md)");
  }
  return {};
}

struct SendBody {
  std::string to;
  Json body;
};

struct FetchBody {
  std::optional<std::uint64_t> ack;
  std::size_t max = 10;
};

Result<SendBody> parse_send(const Json& j) {
  MLCHAIN_TRY(codec::require_object(j, "send body"));
  MLCHAIN_TRY(codec::only_fields(j, {"to", "body"}, "send body"));
  SendBody s;
  MLCHAIN_ASSIGN_OR_RETURN(s.to, codec::get_string(j, "to", 600));
  if (!j.contains("body")) return invalid_argument("field 'body': missing (the message, any JSON value)");
  s.body = j["body"];
  MLCHAIN_ASSIGN_OR_RETURN(auto c, codec::canonical(s.body));
  if (c.size() > kMaxMessageBytes) {
    return invalid_argument("the message body is " + std::to_string(c.size()) + " bytes; at most " +
                            std::to_string(kMaxMessageBytes));
  }
  return s;
}

Result<FetchBody> parse_fetch(const Json& j) {
  MLCHAIN_TRY(codec::require_object(j, "fetch body"));
  MLCHAIN_TRY(codec::only_fields(j, {"ack", "max"}, "fetch body"));
  FetchBody f;
  MLCHAIN_ASSIGN_OR_RETURN(f.ack, codec::get_optional_uint(j, "ack"));
  MLCHAIN_ASSIGN_OR_RETURN(auto max, codec::get_optional_uint(j, "max"));
  if (max) {
    if (*max < 1 || *max > kMaxFetch) return invalid_argument("field 'max': must be 1.." + std::to_string(kMaxFetch));
    f.max = static_cast<std::size_t>(*max);
  }
  return f;
}

}  // namespace

Decision Registry::process(const ObjectRequest& req) {
  if (req.body.size() > kMaxRequestBodyBytes) {
    return Decision::refuse(Reason::kBadRequest, "the body is " + std::to_string(req.body.size()) + " bytes; at most " +
                                                     std::to_string(kMaxRequestBodyBytes));
  }
  if (req.counter == 0) return Decision::refuse(Reason::kBadRequest, "the counter must be 1..2^64-1");
  auto u = parse_uuid(req.uuid);
  if (!u.ok()) return Decision::refuse(Reason::kBadRequest, u.status().message());
  if (u->layer != options_.layer_path) {
    return Decision::refuse(Reason::kUnknownObject, "object " + req.uuid + " belongs to edge layer " + u->layer +
                                                        ", not to this one (" + options_.layer_path + ")");
  }

  // 1. Identity, on a read snapshot.
  ObjectRecord record;
  std::optional<std::string> secret;
  {
    auto txn = store_.begin_read();
    if (!txn.ok()) return Decision::refuse(Reason::kInternal, txn.status().to_string());
    auto r = detail::load_record(**txn, req.uuid);
    if (!r.ok()) return Decision::refuse(Reason::kInternal, r.status().to_string());
    if (!*r) return Decision::refuse(Reason::kUnknownObject, "no object " + req.uuid + " in this edge layer");
    record = std::move(**r);
    if (record.revoked) return Decision::refuse(Reason::kRevoked, "object " + req.uuid + " has been revoked");
    if (record.scheme == Scheme::kHmac) {
      auto s = (*txn)->get(kSecretsTable, req.uuid);
      if (!s.ok()) return Decision::refuse(Reason::kInternal, s.status().to_string());
      secret = std::move(*s);
    }
  }
  Decision proof = verify_proof(req, record, secret);
  secret.reset();
  if (!proof.accepted()) return proof;
  if (req.counter <= record.counter) {
    return Decision::refuse(Reason::kReplayed, "counter " + std::to_string(req.counter) +
                                                   " is not above the last accepted " + std::to_string(record.counter));
  }

  // 2. Parse by class: the body, and for uploads the object's format.
  auto body = codec::parse(req.body, codec::ParseLimits{kMaxRequestBodyBytes, 16, 16 * 1024, 10'000});
  if (!body.ok())
    return Decision::refuse(Reason::kBadRequest, "the body is not acceptable JSON: " + body.status().message());
  if (req.action == Action::kUpload) {
    if (!body->is_object()) return Decision::refuse(Reason::kSchemaViolation, "/: a data point must be a JSON object");
    if (body->size() > kMaxDataProperties) {
      return Decision::refuse(Reason::kSchemaViolation,
                              "/: at most " + std::to_string(kMaxDataProperties) + " properties per data point");
    }
    for (const auto& [k, v] : body->items()) {
      if (k.empty() || k.size() > kMaxNameBytes) {
        return Decision::refuse(Reason::kSchemaViolation,
                                "/: property names must be 1.." + std::to_string(kMaxNameBytes) + " bytes");
      }
    }
    auto format = format_of(record);
    if (!format.ok()) return Decision::refuse(Reason::kInternal, format.status().to_string());
    if (*format) {
      if (Status st = (*format)->validate(*body); !st.ok())
        return Decision::refuse(Reason::kSchemaViolation, st.message());
    }
    // 3. Permission.
    if (!may_upload(record.permissions)) {
      return Decision::refuse(Reason::kNotPermitted, "object " + req.uuid + " lacks the 'upload' permission");
    }
  }
  if (req.action == Action::kContract && !may_contract(record.permissions)) {
    return Decision::refuse(Reason::kNotPermitted, "object " + req.uuid + " lacks the 'contract' permission");
  }
  // (send: the target's class is read inside the transaction; fetch needs no permission.)
  return execute(req, record, *body);
}

Decision Registry::execute(const ObjectRequest& req, const ObjectRecord& verified, const Json& body) {
  std::optional<SendBody> send;
  std::optional<FetchBody> fetch;
  std::optional<ContractRequest> contract;
  if (req.action == Action::kContract) {
    auto c = contract_request_from_json(body);
    if (!c.ok()) return Decision::refuse(Reason::kBadRequest, c.status().message());
    auto to = contract::parse_uuid(c->to);
    if (to.ok() && to->edge == options_.layer_path) {
      return Decision::refuse(Reason::kBadRequest, c->to + " is an object of this edge layer: use the send action");
    }
    contract = std::move(*c);
  } else if (req.action == Action::kSend) {
    auto s = parse_send(body);
    if (!s.ok()) return Decision::refuse(Reason::kBadRequest, s.status().message());
    send = std::move(*s);
  } else if (req.action == Action::kFetch) {
    auto f = parse_fetch(body);
    if (!f.ok()) return Decision::refuse(Reason::kBadRequest, f.status().message());
    fetch = *f;
  }

  const std::int64_t now = unix_millis(clock_.now());
  // Runs inside a group-commit batch (group_commit.h): refusals write nothing.
  auto apply = [&](store::WriteTxn& txn, Decision& out) -> Status {
    MLCHAIN_ASSIGN_OR_RETURN(auto loaded, detail::load_record(txn, req.uuid));
    if (!loaded) return refuse(out, Reason::kUnknownObject, "no object " + req.uuid + " in this edge layer");
    ObjectRecord r = std::move(*loaded);
    if (r.revoked) return refuse(out, Reason::kRevoked, "object " + req.uuid + " has been revoked");
    if (r.credential_version != verified.credential_version) {
      return refuse(out, Reason::kBadSignature, "the object's credential was rotated while the request was checked");
    }
    if (req.counter <= r.counter) {
      return refuse(
          out, Reason::kReplayed,
          "counter " + std::to_string(req.counter) + " is not above the last accepted " + std::to_string(r.counter));
    }
    r.counter = req.counter;
    r.updated_ms = now;

    switch (req.action) {
      case Action::kUpload: {
        // Bound the record: at most kMaxDataProperties distinct dynamic properties ever.
        std::size_t added = 0;
        for (const auto& [k, v] : body.items()) added += r.dynamic.count(k) == 0 ? 1u : 0u;
        if (r.dynamic.size() + added > kMaxDataProperties) {
          return refuse(out, Reason::kSchemaViolation,
                        "/: the object would have more than " + std::to_string(kMaxDataProperties) +
                            " distinct dynamic properties");
        }
        for (const auto& [k, v] : body.items()) r.dynamic[k] = DynamicValue{v, now, req.counter};
        std::uint64_t seq = r.history_next++;
        MLCHAIN_ASSIGN_OR_RETURN(auto row, codec::canonical(to_json(HistoryEntry{seq, now, req.counter, body})));
        MLCHAIN_TRY(txn.put(kHistoryTable, detail::row_key(r.uuid, seq), row));
        while (r.history_next - r.history_first > options_.history_limit) {
          MLCHAIN_TRY(txn.del(kHistoryTable, detail::row_key(r.uuid, r.history_first++)));
        }
        out.result = {{"accepted", true}, {"uuid", r.uuid}, {"counter", req.counter}, {"seq", seq}, {"time_ms", now}};
        break;
      }
      case Action::kSend: {
        auto target_uuid = parse_uuid(send->to);
        if (!target_uuid.ok()) return refuse(out, Reason::kBadRequest, "field 'to': " + target_uuid.status().message());
        if (target_uuid->layer != options_.layer_path) {
          return refuse(out, Reason::kUnknownTarget,
                        send->to + " belongs to edge layer " + target_uuid->layer +
                            "; objects of other edge layers are reached through contracts");
        }
        bool self = send->to == r.uuid;
        std::optional<ObjectRecord> target;
        if (!self) {
          MLCHAIN_ASSIGN_OR_RETURN(target, detail::load_record(txn, send->to));
        }
        ObjectRecord* dest = self ? &r : (target ? &*target : nullptr);
        if (dest == nullptr || dest->revoked) {
          return refuse(out, Reason::kUnknownTarget, "no active object " + send->to + " in this edge layer");
        }
        if (!may_talk(r.permissions, dest->uuid, dest->class_path)) {
          return refuse(out, Reason::kNotPermitted,
                        "object " + r.uuid + " may not talk to " + dest->uuid + " (class " + dest->class_path +
                            "); it needs a talk: permission");
        }
        if (dest->queue_next - dest->queue_first >= options_.queue_limit) {
          return refuse(out, Reason::kQueueFull,
                        "the queue of " + dest->uuid + " holds " + std::to_string(options_.queue_limit) +
                            " messages; retry later");
        }
        std::uint64_t seq = dest->queue_next++;
        MLCHAIN_ASSIGN_OR_RETURN(auto row,
                                 codec::canonical(to_json(Message{seq, r.uuid, now, send->body, std::nullopt})));
        MLCHAIN_TRY(txn.put(kQueueTable, detail::row_key(dest->uuid, seq), row));
        if (!self) MLCHAIN_TRY(detail::save_record(txn, *target));
        out.result = {{"queued", true}, {"to", dest->uuid}, {"seq", seq}, {"counter", req.counter}, {"time_ms", now}};
        break;
      }
      case Action::kFetch: {
        if (fetch->ack) {
          std::uint64_t until = std::min(*fetch->ack + 1, r.queue_next);
          if (*fetch->ack == UINT64_MAX) until = r.queue_next;
          while (r.queue_first < until) MLCHAIN_TRY(txn.del(kQueueTable, detail::row_key(r.uuid, r.queue_first++)));
        }
        Json messages = Json::array();
        for (std::uint64_t s = r.queue_first; s < r.queue_next && messages.size() < fetch->max; ++s) {
          MLCHAIN_ASSIGN_OR_RETURN(auto raw, txn.get(kQueueTable, detail::row_key(r.uuid, s)));
          if (!raw) return corruption("queued message " + std::to_string(s) + " of " + r.uuid + " is missing");
          auto m = codec::parse(*raw);
          if (!m.ok()) return corruption("queued message " + std::to_string(s) + " of " + r.uuid + " is not JSON");
          messages.push_back(std::move(*m));
        }
        out.result = {{"messages", messages}, {"pending", r.queue_next - r.queue_first}, {"counter", req.counter}};
        break;
      }
      case Action::kContract:
        // Only the counter is recorded here; the caller sends the packet.
        out.result = contract_request_to_json(*contract);
        break;
    }
    return detail::save_record(txn, r);
  };
  return commit_->run(apply);
}

}  // namespace mlchain::edge
