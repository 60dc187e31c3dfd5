// ContractService (internal to core/relay): the relay's state and helpers.
#pragma once

#include <atomic>
#include <condition_variable>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "mlchain/codec/fields.h"
#include "mlchain/common/background.h"
#include "mlchain/codec/json.h"
#include "mlchain/contract/certificate.h"
#include "mlchain/contract/key_lookup.h"
#include "mlchain/contract/packet.h"
#include "mlchain/contract/state_machine.h"
#include "mlchain/net/https_client.h"
#include "mlchain/net/stall_watch.h"
#include "mlchain/node/superior_change.h"
#include "mlchain/relay/contract_service.h"
#include "mlchain/relay/directory_limits.h"

namespace mlchain::relay {

using Clock = std::chrono::steady_clock;

inline constexpr std::size_t kMaxPending = 4096;  // packets waiting for the next batch
// How often a member asks its high-level neighbours for newer epoch
// certificates (neighbours.cpp), jittered to [3/4, 5/4].
inline constexpr std::chrono::milliseconds kFollowInterval{2'000};

// A layer this layer's chain knows: itself, its superior, a subordinate.
struct BookMember {
  std::string name;
  crypto::PublicKey key;
  std::string address;
};
struct Book {
  std::string path;
  bool edge = false;
  std::vector<BookMember> members;
  std::string seal_key;            // edge layers attached with one
  std::int64_t expires_at_ms = 0;  // attached entries with a lifetime; 0: none
  codec::Json to_json() const;
};
Result<Book> book_from_json(const codec::Json& j);  // strict: a directory answer

inline std::string dump(const codec::Json& j) { return j.dump(-1, ' ', false, codec::Json::error_handler_t::replace); }

// Signs with a key it does not own (the node's).
class KeySigner final : public crypto::Signer {
 public:
  explicit KeySigner(const crypto::PrivateKey& k) : k_(k) {}
  const crypto::PublicKey& public_key() const override { return k_.public_key(); }
  crypto::Signature sign(ByteView m) const override { return k_.sign(m); }

 private:
  const crypto::PrivateKey& k_;
};

// An HTTP answer to pass back: status and JSON body.
struct Answer {
  int status = 200;
  std::string body;
};
Answer error_answer(int status, std::string_view code, const std::string& message, std::string_view layer);

// What ordering a packet yielded.
struct OrderOutcome {
  std::string result;  // the item's result text
  std::uint64_t height = 0;
};

class ContractService final : public node::Service {
 public:
  ContractService(const node::ServiceContext& ctx, RelayOptions options);
  ~ContractService() override;

  std::string_view op_prefix() const override { return contract::kContractOpPrefix; }
  ledger::StateMachine& machine() override { return machine_; }
  Status admit_client_op(const node::SignedOp& op, bool client_is_member, bool client_is_admin) const override;
  Status start(node::NodeHost& host) override;
  void stop() override;
  bool handle(net::Request& req, net::Reply& reply) override;
  std::string metrics_text() const override;
  codec::Json status_json() const override;
  std::vector<codec::Json> selfcheck() const override;

 private:
  struct Pending {
    contract::Packet packet;
    contract::LayerCertificate cert;
    std::string sum;
  };
  using OrderCallback = std::function<void(Result<OrderOutcome>)>;

  // service.cpp
  bool post(std::function<void()> task);  // to the worker pool; false when full or stopping
  bool stopping() const {
    std::lock_guard lock(mu_);
    return stopping_;
  }
  void worker();
  void process_packet(const std::string& body, Clock::time_point deadline, const net::Reply& reply, bool asked);
  // Statement 4 (kAskedHeader): the responsible member's answer to a
  // follow-up, or nullopt when this member handles it (it is responsible, or
  // took over by an ordered op because the responsible one did not answer).
  std::optional<Answer> ask_responsible(const contract::Packet& p, const std::string& body, Clock::time_point deadline);
  void order(const contract::Packet& p, const contract::LayerCertificate& cert, OrderCallback done);
  void flush_batch();  // sends the next batch, or clears in_flight_ when none waits
  void on_batch(std::vector<std::string> sums, Result<node::Ordered> ordered);
  Answer sign(const std::string& body);
  enum class Recorded : std::uint8_t { kYes, kNotYet, kNo };
  Recorded recorded(const contract::Packet& next, std::string* why) const;
  void query(const net::Request& req, const net::Reply& reply);
  void count(const std::string& what);

  // superior.cpp: the superior review and the freeze it may impose.
  void superior_loop();
  void superior_round();
  // "alternate i" / "the blueprint superior" when `cert` (from `claimed`, our
  // superior's path) verifies against a superior candidate other than the
  // current one; nullopt otherwise.
  std::optional<std::string> other_superior_candidate(const store::ReadTxn& txn, const std::string& claimed,
                                                      const contract::LayerCertificate& cert,
                                                      const contract::Packet& p) const;
  void try_other_superiors(const node::CurrentSuperior& current);
  std::string knows_us(const std::vector<BookMember>& members);
  // Why traffic towards the superior is frozen; nullopt when it flows.
  // `txn`: a read transaction the caller holds (no second one is opened on
  // this thread); nullptr: one of its own.
  std::optional<std::string> frozen(const store::ReadTxn* txn = nullptr) const;
  bool superior_stopping() const {
    std::lock_guard lock(sup_mu_);
    return sup_stop_;
  }
  codec::Json superior_json() const;

  // neighbours.cpp: following the high-level neighbours' epochs.
  std::vector<std::string> high_level_neighbours() const;
  // True when `cert`, from the high-level neighbour `claimed`, names signers
  // this layer does not trust for it (or too few it does): its membership
  // may have moved on since we last followed it.
  bool needs_follow(const contract::LayerCertificate& cert, const std::string& claimed) const;
  // Fetches, checks and orders `path`'s newer epoch certificates, until none
  // is newer or `deadline`; returns the epoch trusted afterwards.
  Result<consensus::Epoch> follow(const std::string& path, Clock::time_point deadline);
  void follow_loop();
  // At most one follow per second per neighbour on a packet's account: a
  // flood of packets naming unknown signers costs one GET a second.
  bool admit_demand_follow(const std::string& path);

  // client.cpp
  // The entry this layer's chain records for `path` (self, superior, subordinate).
  Result<Book> local_book(const store::ReadTxn& txn, const std::string& path) const;
  // `anonymous`: asked by an unauthenticated caller (GET /v1/directory).
  // Such lookups that would ask a neighbour share one token bucket
  // (kAnonymousLookupsPerSecond, burst twice that): random paths cannot turn
  // one client into a flood of remote resolutions up the tree.
  Result<Book> resolve(const std::string& path, Clock::time_point deadline, bool anonymous = false);
  bool admit_anonymous_lookup();
  // `order_us`: how long ordering took here (0 for a packet recorded before).
  Answer forward(contract::Packet p, const std::string& id, std::uint64_t height, bool duplicate,
                 Clock::time_point deadline, std::int64_t order_us = 0);
  std::optional<Answer> with_hop(const codec::Json& hop, const std::string& body);
  // 504 outcome_unknown: no member of `next_layer` answered, but `member`
  // may have received the packet (net::may_have_arrived); `last` the error.
  Answer outcome_unknown(const std::string& next_layer, const std::string& member, const std::string& last);
  Answer forward_to_all(const std::vector<BookMember>& members, const std::string& body, const codec::Json& hop,
                        const std::string& next_layer, std::chrono::milliseconds timeout);
  Result<contract::LayerCertificate> gather(const contract::Packet& next, Clock::time_point deadline);
  // POST `body` to `m` like call(), watched (net/stall_watch.h): when its
  // process stopped, Unavailable "stopped answering" after about 2 s (the
  // call itself finishes in the background; the packet is idempotent there)
  // so the next member takes over long before `timeout`.
  Result<net::Response> call_watched(const BookMember& m, const std::string& target, const std::string& body,
                                     const std::map<std::string, std::string>& headers,
                                     std::chrono::milliseconds timeout);
  // One request to `m` over a pooled keep-alive connection; transport errors as Status.
  Result<net::Response> call(const BookMember& m, std::string_view method, const std::string& target,
                             const std::string& body, const std::map<std::string, std::string>& headers,
                             std::chrono::milliseconds timeout);

  node::ServiceContext ctx_;
  RelayOptions options_;
  std::string layer_;
  contract::KeyLookup keys_;
  contract::ContractStateMachine machine_;
  node::NodeHost* host_ = nullptr;

  mutable std::mutex mu_;  // pool
  std::condition_variable cv_;
  std::deque<std::function<void()>> tasks_;
  std::vector<std::thread> threads_;
  bool stopping_ = false;

  std::mutex omu_;                                             // orderer
  std::deque<Pending> pending_;                                // at most kMaxPending
  std::map<std::string, std::vector<OrderCallback>> waiting_;  // sum -> callbacks (pending or in flight)
  bool in_flight_ = false;

  // forward_to_all's and call_watched's calls still running, joined by
  // stop() at the latest (common/background.h).
  BackgroundThreads bg_{512};

  // Next-layer members that failed at the transport: asked last for 30 s.
  net::RecentFailures<Clock::time_point> failed_{std::chrono::seconds(30), 4096};

  std::mutex cmu_;  // connection pool: address + key -> idle connections
  std::map<std::string, std::vector<std::unique_ptr<net::HttpsConnection>>> idle_;

  std::mutex dmu_;  // directory cache
  std::map<std::string, std::pair<Book, Clock::time_point>> directory_;
  MissingPaths directory_missing_{1024, std::chrono::seconds(10)};  // directory_limits.h
  static constexpr double kAnonymousLookupsPerSecond = 16;
  LookupBucket lookup_tokens_{kAnonymousLookupsPerSecond, 2 * kAnonymousLookupsPerSecond};  // dmu_

  struct SuperiorState {
    bool frozen = false;
    unsigned failed_rounds = 0;  // in a row
    std::uint64_t rounds = 0;
    std::uint64_t alarms = 0;
    std::int64_t since_ms = 0;  // unix ms of the first failed round of the current run
    std::string last;           // what the last round found
    std::uint64_t generation = 0;  // superior changes seen (node/superior_change.h)
    std::size_t index = 0;         // the candidate reviewed
    std::uint64_t votes = 0;       // change-superior votes this member ordered
    std::string alternates;        // what the last look at the other candidates found
    // The last vote ordered: (generation, candidate, window); at most one in
    // flight, and one per window.
    bool vote_in_flight = false;
    std::uint64_t voted_generation = ~std::uint64_t{0};
    std::size_t voted_index = 0;
    std::int64_t voted_window = 0;
  };
  mutable std::mutex sup_mu_;
  std::condition_variable sup_cv_;
  bool sup_stop_ = false;
  SuperiorState sup_;
  std::thread superior_thread_;
  std::thread follow_thread_;
  std::mutex follow_mu_;  // one follow() at a time
  std::size_t follow_turn_ = 0;  // follow_mu_: which neighbour member is asked first
  std::mutex demand_mu_;
  std::map<std::string, Clock::time_point> demand_follow_at_;  // demand_mu_; high-level neighbours only

  mutable std::mutex smu_;  // counters
  std::map<std::string, std::uint64_t> counters_;
  std::atomic<std::uint64_t> batches_{0}, batch_items_{0};
};

}  // namespace mlchain::relay
