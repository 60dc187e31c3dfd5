#include "mlchain/consensus/reconfig.h"

#include <algorithm>

#include "mlchain/codec/fields.h"
#include "mlchain/codec/json.h"

namespace mlchain::consensus {

std::optional<ConfigChange> parse_config_op(ByteView op) {
  std::string_view text(reinterpret_cast<const char*>(op.data()), op.size());
  if (text.substr(0, kConfigOpPrefix.size()) != kConfigOpPrefix) return std::nullopt;
  auto j = codec::parse(text.substr(kConfigOpPrefix.size()));
  if (!j.ok() || !codec::only_fields(*j, {"action", "key", "name", "address", "proof", "reports", "invitation"}, "config op").ok()) return std::nullopt;
  auto action = codec::get_string(*j, "action", 32);
  auto key = codec::get_string(*j, "key", 64);
  if (!action.ok() || !key.ok()) return std::nullopt;
  auto pk = crypto::PublicKey::from_hex(*key);
  if (!pk.ok()) return std::nullopt;
  ConfigChange c;
  c.key = *pk;
  if (*action == "add-member") c.action = ConfigAction::kAddMember;
  else if (*action == "remove-member") c.action = ConfigAction::kRemoveMember;
  else if (*action == "mark-invalid") c.action = ConfigAction::kMarkInvalid;
  else return std::nullopt;
  if (j->contains("name")) c.name = codec::get_string(*j, "name", 256).value_or(std::string());
  if (j->contains("address")) c.address = codec::get_string(*j, "address", 1024).value_or(std::string());
  return c;
}

std::optional<ConfigChange> config_change_of(const Request& request, const ConfigFilter& filter,
                                             const EpochConfig& in_force) {
  return filter ? filter(request, in_force) : parse_config_op(request.op);
}

Bytes make_config_op(const ConfigChange& c) {
  static constexpr std::string_view kNames[] = {"add-member", "remove-member", "mark-invalid"};
  codec::Json j = {{"action", kNames[static_cast<std::size_t>(c.action)]}, {"key", c.key.hex()}};
  if (!c.name.empty()) j["name"] = c.name;
  if (!c.address.empty()) j["address"] = c.address;
  auto text = codec::canonical(j);
  return to_bytes(std::string(kConfigOpPrefix) + (text.ok() ? *text : std::string("{}")));
}

std::optional<EpochConfig> next_epoch(const EpochConfig& current, const std::vector<ConfigChange>& changes) {
  EpochConfig next = current;
  next.epoch = current.epoch + 1;
  for (const auto& c : changes) {
    auto it = std::find(next.members.begin(), next.members.end(), c.key);
    if (c.action == ConfigAction::kAddMember) {
      if (it == next.members.end()) next.members.push_back(c.key);
    } else if (it != next.members.end()) {
      next.members.erase(it);  // an invalid member no longer votes
    }
  }
  if (next.members.empty() || next.members.size() > kMaxMembers) return std::nullopt;
  return next;
}

}  // namespace mlchain::consensus
