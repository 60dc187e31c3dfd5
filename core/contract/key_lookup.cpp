#include "mlchain/contract/key_lookup.h"

#include "mlchain/codec/fields.h"
#include "mlchain/node/epochs.h"
#include "mlchain/node/layer_application.h"
#include "mlchain/node/signed_op.h"
#include "mlchain/node/superior_change.h"

namespace mlchain::contract {
namespace {

Result<LayerKeys> from_row(std::string_view layer, const std::string& row, std::int64_t time_ms) {
  codec::ParseLimits limits;
  limits.max_bytes = 64 * 1024;
  limits.max_depth = 4;
  MLCHAIN_ASSIGN_OR_RETURN(codec::Json j, codec::parse(row, limits));
  if (j.contains("expires_at")) {
    MLCHAIN_ASSIGN_OR_RETURN(std::int64_t expires, codec::get_int(j, "expires_at"));
    if (time_ms > expires) {
      return not_found("the address-book entry of '" + std::string(layer) + "' expired at " + std::to_string(expires) +
                       " (time " + std::to_string(time_ms) + "); attach it again");
    }
  }
  MLCHAIN_ASSIGN_OR_RETURN(codec::Json members, codec::get_array(j, "members", consensus::kMaxMembers));
  LayerKeys k;
  k.path = std::string(layer);
  for (const auto& m : members) {
    MLCHAIN_ASSIGN_OR_RETURN(std::string hex, codec::get_string(m, "public_key", 64));
    MLCHAIN_ASSIGN_OR_RETURN(crypto::PublicKey key, crypto::PublicKey::from_hex(hex));
    k.members.push_back(key);
  }
  return k;
}

}  // namespace

LayerKeys from_book(const ledger::AddressBook& book) {
  LayerKeys k;
  k.path = book.path;
  for (const auto& m : book.members)
    if (m.valid) k.members.push_back(m.key);
  return k;
}

KeyLookup address_book_lookup(ledger::Blueprint blueprint) {
  return [bp = std::move(blueprint)](const store::ReadTxn& txn, std::string_view layer,
                                     std::int64_t time_ms) -> Result<LayerKeys> {
    if (layer.empty() || layer.size() > store::kMaxKeyBytes) return not_found("no such layer");
    auto row = txn.get(node::kSubordinatesTable, layer);
    if (!row.ok() && row.status().code() != ErrorCode::kNotFound) return row.status();
    if (row.ok() && row->has_value()) {
      auto k = from_row(layer, **row, time_ms);
      if (!k.ok() && k.status().code() == ErrorCode::kNotFound) return k;  // expired
      if (!k.ok()) return corruption("stored subordinate entry of '" + std::string(layer) + "': " + k.status().message());
      // A layer of members (node/layer_application.h): its keys follow its epochs, below.
      MLCHAIN_ASSIGN_OR_RETURN(auto attached, node::attached_layer(txn, layer));
      if (!attached) return k;
    }
    // A high-level neighbour: the superior this layer trusts now (an ordered
    // change may have moved it to an alternate, node/superior_change.h) or a
    // subordinate of the blueprint, at the epoch the chain follows it to
    // (node/epochs.h): certificates signed by its current members count.
    auto trusted = node::trusted_neighbour(txn, bp, layer);
    if (!trusted.ok() && trusted.status().code() == ErrorCode::kNotFound)
      return not_found("this layer records no keys for '" + std::string(layer) + "'");
    if (!trusted.ok()) return trusted.status();
    LayerKeys k;
    k.path = std::string(layer);
    for (const auto& m : trusted->members) k.members.push_back(m.key);
    return k;
  };
}

}  // namespace mlchain::contract
