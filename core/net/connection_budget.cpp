#include "mlchain/net/connection_budget.h"

#include <algorithm>

namespace mlchain::net {

namespace {
std::size_t at_least_one(std::size_t n) { return std::max<std::size_t>(n, 1); }
}  // namespace

ConnectionBudget::ConnectionBudget(Limits limits) : limits_(limits) {
  limits_.max_handshakes = at_least_one(limits_.max_handshakes);
  limits_.max_handshakes_per_address = at_least_one(limits_.max_handshakes_per_address);
  limits_.max_connections = at_least_one(limits_.max_connections);
  limits_.max_member_connections = at_least_one(limits_.max_member_connections);
}

std::size_t ConnectionBudget::handshaking_from(const std::string& address) const {
  auto it = by_address_.find(address);
  return it == by_address_.end() ? 0 : it->second.size();
}

std::optional<std::uint64_t> ConnectionBudget::victim_for(const std::string& address) const {
  if (auto it = by_address_.find(address);
      it != by_address_.end() && it->second.size() >= limits_.max_handshakes_per_address) {
    return it->second.victim();
  }
  if (handshaking_ < limits_.max_handshakes) return std::nullopt;
  // The busiest address pays; linear in the number of addresses, which the
  // handshake budget bounds.
  const Pending* heaviest = nullptr;
  for (const auto& [addr, pending] : by_address_) {
    if (heaviest == nullptr || pending.size() > heaviest->size() ||
        (pending.size() == heaviest->size() && pending.victim() < heaviest->victim())) {
      heaviest = &pending;
    }
  }
  if (heaviest == nullptr) return std::nullopt;  // unreachable: the budget is full
  return heaviest->victim();
}

std::optional<std::uint64_t> ConnectionBudget::admit(std::uint64_t id, const std::string& address) {
  auto victim = victim_for(address);
  if (victim) {
    auto it = entries_.find(*victim);
    stop_handshaking(*victim, it->second);
    it->second.state = State::kEvicted;
  }
  entries_[id] = Entry{address, State::kHandshaking};
  by_address_[address].silent.insert(id);
  ++handshaking_;
  return victim;
}

void ConnectionBudget::spoke(std::uint64_t id) {
  auto it = entries_.find(id);
  if (it == entries_.end() || it->second.state != State::kHandshaking) return;
  auto& pending = by_address_.at(it->second.address);
  if (pending.silent.erase(id) > 0) pending.spoke.insert(id);
}

bool ConnectionBudget::established(std::uint64_t id, Class cls) {
  auto it = entries_.find(id);
  if (it == entries_.end() || it->second.state != State::kHandshaking) return false;
  stop_handshaking(id, it->second);
  if (cls == Class::kMember) {
    if (members_ >= limits_.max_member_connections) {
      entries_.erase(it);
      return false;
    }
    ++members_;
    it->second.state = State::kMember;
  } else {
    if (anonymous_ >= limits_.max_connections) {
      entries_.erase(it);
      return false;
    }
    ++anonymous_;
    it->second.state = State::kAnonymous;
  }
  return true;
}

void ConnectionBudget::closed(std::uint64_t id) {
  auto it = entries_.find(id);
  if (it == entries_.end()) return;
  switch (it->second.state) {
    case State::kHandshaking:
      stop_handshaking(id, it->second);
      break;
    case State::kAnonymous:
      --anonymous_;
      break;
    case State::kMember:
      --members_;
      break;
    case State::kEvicted:
      break;
  }
  entries_.erase(it);
}

void ConnectionBudget::stop_handshaking(std::uint64_t id, const Entry& entry) {
  auto it = by_address_.find(entry.address);
  if (it == by_address_.end()) return;
  if (it->second.silent.erase(id) + it->second.spoke.erase(id) > 0) --handshaking_;
  if (it->second.size() == 0) by_address_.erase(it);
}

}  // namespace mlchain::net
