// Layer blueprint: everything the genesis block of a layer records (DESIGN
// §3). `mlchain layer create` will read it from TOML (a later issue); here it
// is a struct with a strict JSON form, which is also what the genesis block
// embeds, so every member computes the same genesis hash from the same
// blueprint.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "mlchain/codec/json.h"
#include "mlchain/consensus/types.h"

namespace mlchain::ledger {

struct MemberInfo {
  std::string name;
  crypto::PublicKey key;
  std::string address;  // https://host:port
  bool valid = true;    // false once marked invalid
};

struct AddressBook {
  std::string path;  // layer path, e.g. "L2/L1a"
  std::vector<MemberInfo> members;
  // Which member set `members` is, for a neighbour whose epochs this layer
  // follows (node/epochs.h): its epoch (0: the genesis members) and its
  // genesis hash ("" when not recorded; the first certificate sets it). A
  // layer founded under a running superior (`mlchain layer found`) records
  // the superior's epoch at founding. In the genesis only when set.
  std::uint64_t epoch = 0;
  std::string genesis = {};
};

// Units as named. Defaults match consensus::ReplicaOptions.
struct ConsensusParams {
  std::uint64_t batch_size = 64;
  std::uint64_t batch_delay_ms = 2;
  std::uint64_t checkpoint_interval = 16;
  std::uint64_t log_window = 64;
  std::uint64_t request_timeout_ms = 200;
  std::uint64_t view_change_timeout_ms = 400;
  std::uint64_t max_clock_skew_ms = 5000;
};

struct Blueprint {
  std::string layer_path;
  std::vector<MemberInfo> members;  // replica id = position
  ConsensusParams params;
  std::vector<crypto::PublicKey> admin_keys;
  std::optional<AddressBook> superior;
  std::vector<AddressBook> subordinates;
  std::int64_t genesis_time_ms = 0;
  // How the layer forwards a contract packet to the next layer
  // (docs/contracts.md §8.7): one member at a time ("responsible", the
  // default), or every member at once ("all"). In the genesis only when "all".
  bool forward_to_all = false;
  // Standby deployments of the superior layer (same path, own members and
  // chain), tried in order when every member of the current superior fails
  // its challenge (docs/contracts.md §9). In the genesis only when present.
  std::vector<AddressBook> alternate_superiors;
  // The number of the layer's first contract block ("L2#<n>"), 1 by
  // default. A standby deployment of a layer starts elsewhere (e.g.
  // 1000000001) so its block ids never name a block of the original's chain.
  // In the genesis only when not 1.
  std::uint64_t contract_first_id = 1;
};

inline constexpr std::size_t kMaxAlternateSuperiors = 8;

// The superior candidates of a layer: index 0 is the blueprint's superior,
// index i > 0 its alternate_superiors[i - 1]. nullptr when out of range (or
// no superior).
const AddressBook* superior_candidate(const Blueprint& b, std::size_t index);
std::size_t superior_candidates(const Blueprint& b);

codec::Json to_json(const Blueprint& b);
// Strict: unknown fields, bad keys or an invalid membership are errors.
Result<Blueprint> blueprint_from_json(const codec::Json& j);

consensus::ReplicaOptions replica_options(const ConsensusParams& p);
// Epoch 0: the valid members, in blueprint order.
consensus::EpochConfig epoch_config(const Blueprint& b);

}  // namespace mlchain::ledger
