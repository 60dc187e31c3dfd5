// ContractSender: the source edge's I/O for POST /v1/object/contract
// (docs/contracts.md §8.5): resolve the destination edge's sealing key
// through the superior (§8.3), build and sign the packet, hand it to one
// superior member (§8.1) and turn the route's answer into the object's.
//
// Whom it talks to: only members of the superior's address book (the
// SuperiorTracker's current book), at their recorded addresses, over TLS
// pinned to their recorded keys (https_member_call). Nothing else.
//
// Directory: members are asked one after another, starting at a random
// one, until decide_directory() (contract_request.h) reaches a verdict: f+1
// identical entries, or f+1 "404". Agreed entries are cached for
// cache_ttl (by layer path).
//
// Stopped members: every call to a member is watched (net/stall_watch.h):
// one that has not answered after stall_watch.probe_after and completes no
// fresh TLS handshake within probe_timeout is given up (its process stopped;
// the call finishes in the background) and the next member is asked. A
// member that failed at the transport goes last for `failed_for`, so one
// stopped or dead member costs one send about 2 s, not every send its
// timeout.
//
// Sending: the packet is built once; members are tried in turn starting at
// this edge's own first choice, and after a transport failure (no HTTP answer: refused,
// reset, TLS, timeout) the SAME packet (same sum) goes to the next member,
// so the layer treats it as a retry (§8.1 step 4); likewise after a 503
// busy / unavailable / not_member (that member cannot serve now). Any other
// HTTP answer ends the loop: 200 is returned with the edge's own hop first
// (with_source_hop); anything else is passed back unchanged (status and body). The whole send
// is bounded by `deadline` (per member: min(post_timeout, time left)).
//
// Concurrency: a send blocks its caller for up to `deadline`. At most
// max_in_flight sends run at once (try_reserve); the edge node refuses more
// with 503 busy, so contracts in flight never take all of its handler
// threads. Thread-safe: send() and try_reserve() from any thread.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "mlchain/codec/json.h"
#include "mlchain/common/background.h"
#include "mlchain/common/clock.h"
#include "mlchain/common/rng.h"
#include "mlchain/crypto/ed25519.h"
#include "mlchain/edge/contract_request.h"
#include "mlchain/edge/superior.h"
#include "mlchain/net/stall_watch.h"

namespace mlchain::edge {

// One HTTP exchange with a superior member. An HTTP answer of any status is
// a value; only a transport failure is an error.
struct MemberResponse {
  int status = 0;
  std::string body;
};
using MemberCall =
    std::function<Result<MemberResponse>(const SuperiorMember& member, std::string_view method, std::string_view target,
                                         std::string_view body, std::chrono::milliseconds timeout)>;
// HTTPS to member.address pinned to member.key; connect bounded by
// min(timeout, 3 s); answers over 1 MiB are errors.
MemberCall https_member_call();
// Is the member's process running? OK when it completes a fresh TLS
// handshake within `timeout` (net::handshake_probe).
using MemberProbe = std::function<Status(const SuperiorMember& member, std::chrono::milliseconds timeout)>;
MemberProbe https_member_probe();

struct SendOutcome {
  int status = 200;
  codec::Json body;     // the answer to the object
  std::string outcome;  // metrics label: "ok", a downstream or local error code
};

class ContractSender {
 public:
  struct Options {
    std::size_t max_in_flight = 64;
    std::chrono::milliseconds post_timeout{30'000};
    std::chrono::milliseconds directory_timeout{5'000};
    std::chrono::milliseconds deadline{60'000};
    std::chrono::milliseconds cache_ttl{60'000};
    net::StallWatch stall_watch{};
    std::chrono::milliseconds failed_for{30'000};
  };
  // The current superior book; nullopt without [superior].
  using BookSource = std::function<std::optional<SuperiorBook>()>;

  // `key`, `clock` and `rng` must outlive the sender; `rng` is used under
  // the sender's lock. `call` defaults to https_member_call(), `probe` to
  // https_member_probe() with it, and to "always running" with a given call
  // (a test's stand-in has no process to probe unless it brings a probe).
  ContractSender(std::string own_path, const crypto::PrivateKey& key, BookSource book, const Clock& clock, Rng& rng,
                 Options options, MemberCall call = {}, MemberProbe probe = {});

  // A reserved place among max_in_flight; released when destroyed.
  class Slot {
   public:
    explicit Slot(ContractSender* s) : s_(s) {}
    Slot(Slot&& o) noexcept : s_(o.s_) { o.s_ = nullptr; }
    Slot& operator=(Slot&&) = delete;
    Slot(const Slot&) = delete;
    ~Slot();

   private:
    ContractSender* s_;
  };
  std::optional<Slot> try_reserve();
  std::size_t in_flight() const;

  // `from` is the authenticated object's UUID; `req` as the registry
  // accepted it. Never throws; every failure is an answer.
  SendOutcome send(std::string_view from, const ContractRequest& req);

  // From now on sends ask no further member (one in flight ends by its
  // timeout) and answer 503 unreachable: lets the node stop promptly.
  void shutdown();

 private:
  struct Cached {
    codec::Json entry;
    TimePoint expires;
  };
  // The destination edge's seal key and the directory entry it came from
  // (`entry`: kept by the send for its whole life, so a receipt is checked
  // against the key the packet was sealed for even if the cache entry
  // expires meanwhile), or the answer that explains why not.
  std::optional<SendOutcome> resolve(const SuperiorBook& book, const std::string& edge_path, TimePoint deadline,
                                     crypto::SealPublicKey& out, codec::Json& entry);
  // The success answer for a 409 replay from the destination edge that
  // carries the receipt of exactly our packet `p`, signed by the key the
  // directory `entry` gives for `dest_edge`; nullopt for any other refusal.
  std::optional<codec::Json> delivered_before(const codec::Json& error, const contract::Packet& p,
                                              const std::string& dest_edge, const codec::Json& entry);
  // `receipt` is for exactly `p`'s sum, from `dest_edge`, signed by the key
  // the directory `entry` (the one resolve() gave this send) names.
  static bool valid_receipt(const codec::Json& receipt, const contract::Packet& p, const std::string& dest_edge,
                            const codec::Json& entry);
  std::size_t random_start(std::size_t n);
  // call_, watched for a stopped process; a transport failure marks the
  // member failed for options_.failed_for.
  Result<MemberResponse> call_member(const SuperiorMember& m, std::string_view method, const std::string& target,
                                     const std::string& body, std::chrono::milliseconds timeout);
  // `members` from index `first` on, those failed lately moved last.
  std::vector<SuperiorMember> in_order(const std::vector<SuperiorMember>& members, std::size_t first);
  bool stopping() const;
  std::chrono::milliseconds left(TimePoint deadline, std::chrono::milliseconds cap) const;

  const std::string own_path_;
  const crypto::PrivateKey& key_;
  const crypto::Ed25519Signer signer_;  // key_, for the edge's certificate
  const Bytes pseudonym_secret_;        // never logged
  BookSource book_;
  const Clock& clock_;
  const Options options_;
  MemberCall call_;

  mutable std::mutex mu_;
  Rng& rng_;
  std::size_t in_flight_ = 0;
  bool shutdown_ = false;
  std::map<std::string, Cached, std::less<>> cache_;
  net::RecentFailures<TimePoint> failed_{options_.failed_for, 1024};  // members that failed at the transport
  MemberProbe probe_;
  // Watched calls still running; declared last, so destroyed (joined) first.
  BackgroundThreads background_{256};
};

}  // namespace mlchain::edge
