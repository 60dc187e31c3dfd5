// Which connections an HttpServer keeps when more arrive than it can hold
// (issue 13, item 10: a flood of idle TCP connections must not lock out
// members, /healthz or other clients). Sans-I/O: the server reports
// accepts, finished handshakes and closes; the budget answers which
// connection to close. No sockets, clocks or threads here.
//
// A connection is in one of three classes:
//   handshaking  accepted, TLS not finished: nobody knows yet who it is;
//   anonymous    TLS finished without a member key (API clients, objects,
//                admins, edges);
//   member       TLS finished with a client certificate whose key the
//                PeerManager's pinning predicate accepts (peer links until
//                they are handed over, members' own API calls).
//
// Budgets, each separate (one class never uses another's slots):
//   handshaking  max_handshakes in all and max_handshakes_per_address per
//                source address. When either is full, the NEW connection is
//                kept and an OLD handshaking one is evicted, from the same
//                address when that address is at its cap, else from the
//                address holding the most handshaking slots (ties: the one
//                whose candidate is older). Within that address the victim
//                is the oldest connection that has not sent a byte yet
//                ("silent"), else the oldest one. An idle flood from a few
//                addresses therefore only ever displaces itself, and never a
//                handshake that is under way (an honest client sends its TLS
//                hello at once) unless the flood sends bytes too. Handshakes
//                are also bounded in time by the server (first_byte_timeout,
//                handshake_timeout).
//   anonymous    max_connections. A handshake that finishes anonymous while
//                it is full is refused (closed: RejectReason::kConnectionLimit).
//   member       max_member_connections, never used by anonymous connections.
// Connections whose handshake finished are never evicted for new ones.
//
// Why evict instead of refusing the newcomer: an idle connection costs its
// sender nothing, so a cap that refuses newcomers is filled by whoever comes
// first and holds on. Evicting the oldest handshake makes holding worthless.
//
// Why the per-address cap counts handshakes only: honest clients behind one
// address (loopback in tests and devnets, a NAT) may keep many established
// keep-alive connections; what an address may not do is pin unfinished ones.
//
// Ids: the caller's connection ids, increasing in accept order (older =
// smaller). Thread safety: none; the HttpServer calls it under its lock.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>

namespace mlchain::net {

class ConnectionBudget {
 public:
  struct Limits {
    std::size_t max_handshakes = 1024;
    std::size_t max_handshakes_per_address = 256;
    std::size_t max_connections = 1024;  // anonymous, handshake finished
    std::size_t max_member_connections = 256;
  };
  enum class Class { kAnonymous, kMember };

  explicit ConnectionBudget(Limits limits);  // a limit of 0 counts as 1

  // A new connection `id` from `address` (an IP, without port) starts its
  // handshake. Returns the connection the caller must close to make room,
  // if any; from then on it is no longer counted as handshaking, and
  // established() refuses it.
  [[nodiscard]] std::optional<std::uint64_t> admit(std::uint64_t id, const std::string& address);

  // `id` sent its first byte (its TLS hello is arriving); a no-op unless
  // it is handshaking.
  void spoke(std::uint64_t id);

  // The handshake of `id` finished. False: its class's budget is full or
  // `id` was evicted or is unknown; the caller must close it.
  [[nodiscard]] bool established(std::uint64_t id, Class cls);

  // `id` is gone, in any state (unknown ids are ignored).
  void closed(std::uint64_t id);

  std::size_t handshaking() const { return handshaking_; }
  std::size_t handshaking_from(const std::string& address) const;
  std::size_t anonymous() const { return anonymous_; }
  std::size_t members() const { return members_; }

 private:
  enum class State { kHandshaking, kEvicted, kAnonymous, kMember };
  struct Entry {
    std::string address;
    State state;
  };
  // One address's handshaking connections, oldest first.
  struct Pending {
    std::set<std::uint64_t> silent;
    std::set<std::uint64_t> spoke;
    std::size_t size() const { return silent.size() + spoke.size(); }
    std::uint64_t victim() const { return silent.empty() ? *spoke.begin() : *silent.begin(); }
  };

  void stop_handshaking(std::uint64_t id, const Entry& entry);
  std::optional<std::uint64_t> victim_for(const std::string& address) const;

  Limits limits_;
  std::map<std::uint64_t, Entry> entries_;
  std::map<std::string, Pending> by_address_;  // addresses with handshaking connections
  std::size_t handshaking_ = 0;
  std::size_t anonymous_ = 0;
  std::size_t members_ = 0;
};

}  // namespace mlchain::net
