// Reconfiguration: membership changes are ordinary ordered operations whose
// op bytes are "mlchain-config:" + canonical JSON
//   {"action": "add-member" | "remove-member" | "mark-invalid",
//    "key": hex Ed25519 public key, "name": ..., "address": ...}
// They take effect at the first checkpoint boundary (seq % k == 0) at or
// after the batch that executed them: from the next sequence number on the
// layer runs a new epoch (epoch + 1) with the new member list, hence new n,
// f and quorum. Every replica applies the same changes at the same sequence
// number, so the switch needs no extra agreement. Replica ids are positions
// in the member list: removing a member renumbers those after it (the
// driver maps ids by public key).
//
// Authorisation: which ordered requests count as membership changes is the
// application's decision, injected as a ConfigFilter (Replica and Ledger use
// the same one). It must be deterministic, so every replica agrees; a
// request it rejects executes as an ordinary op. The default filter
// (parse_config_op on the request's op bytes) trusts whoever could submit;
// the node's filter demands an admin signature (node/signed_op.h).
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "mlchain/consensus/types.h"

namespace mlchain::consensus {

inline constexpr std::string_view kConfigOpPrefix = "mlchain-config:";

enum class ConfigAction : std::uint8_t { kAddMember, kRemoveMember, kMarkInvalid };

struct ConfigChange {
  ConfigAction action = ConfigAction::kAddMember;
  crypto::PublicKey key;
  std::string name;
  std::string address;
};

// Decides whether an ordered request is a membership change (see above).
// `in_force` is the membership of the epoch the request executes in, as the
// CALLER tracks it: the Replica passes its own config, the Ledger its own
// (they can differ by an epoch while a step executes several blocks and the
// ledger applies them after it; each must judge a block by the epoch that
// block executes in, e.g. for report-backed mark-invalid).
using ConfigFilter = std::function<std::optional<ConfigChange>(const Request&, const EpochConfig& in_force)>;
// `filter` when set, else parse_config_op(request.op).
std::optional<ConfigChange> config_change_of(const Request& request, const ConfigFilter& filter,
                                             const EpochConfig& in_force);

// nullopt if `op` is not a config op; a malformed config op is also nullopt
// (it executes as an ordinary, meaningless op on every replica alike). An
// optional "proof" field (the applicant's signature) and "reports" field
// (members' signed reports, for mark-invalid) are accepted and ignored here:
// filters check them.
std::optional<ConfigChange> parse_config_op(ByteView op);
Bytes make_config_op(const ConfigChange& change);

// The next epoch's membership, or nullopt when the changes would leave an
// invalid layer (no member, more than 64, a duplicate key): then nothing
// changes, on every replica alike. Removing or invalidating a key that is
// not a member, or adding one that is, is a no-op.
std::optional<EpochConfig> next_epoch(const EpochConfig& current, const std::vector<ConfigChange>& changes);

}  // namespace mlchain::consensus
