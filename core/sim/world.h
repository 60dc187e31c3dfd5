// Internal to core/sim: the simulated world (replicas, clients, network,
// event queue, invariant checker). One World per sim::run().
#pragma once

#include <array>
#include <deque>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <variant>
#include <vector>

#include "mlchain/common/rng.h"
#include "mlchain/consensus/replica.h"
#include "mlchain/ledger/ledger.h"
#include "mlchain/sim/sim.h"
#include "mlchain/store/store.h"

namespace mlchain::sim::detail {

using consensus::MessagePtr;
using consensus::ReplicaId;

struct Deliver {
  ReplicaId to = 0;
  ReplicaId from = 0;
  MessagePtr message;
};
struct ClientSend {
  ReplicaId to = 0;
  consensus::Request request;
};
struct ReplyArrive {
  std::uint32_t client = 0;
  ReplicaId from = 0;
  std::uint64_t request_id = 0;
  crypto::Digest result{};
};
struct TimerDue {
  ReplicaId node = 0;
  consensus::TimerKind kind = consensus::TimerKind::kBatch;
  std::uint64_t generation = 0;
};
struct ClientRetry {
  std::uint32_t client = 0;
  std::uint64_t request_id = 0;
};
struct AdminSubmit {
  std::uint32_t index = 0;  // into SimOptions::reconfigurations
};
struct ClientNext {
  std::uint32_t client = 0;
};
struct Crash {
  ReplicaId node = 0;
};
struct Restart {
  ReplicaId node = 0;
};
using Item = std::variant<Deliver, ClientSend, ReplyArrive, TimerDue, ClientRetry, ClientNext, AdminSubmit, Crash, Restart>;

struct Node {
  ReplicaId id = 0;
  bool byzantine = false;
  bool up = false;
  std::unique_ptr<store::Store> store;
  std::unique_ptr<ledger::Ledger> ledger;
  std::unique_ptr<consensus::Replica> replica;
  std::array<std::uint64_t, consensus::kTimerKinds> timer_generation{};
  consensus::View max_view = 0;
  bool was_active = true;  // active() after the previous step (check_view)
  std::optional<ledger::Block> last_block;
  std::deque<MessagePtr> seen;  // for replaying byzantine nodes
  // Before the step being processed (check_vote): a vote above the limit the
  // replica already knew is a ghost vote.
  consensus::Epoch epoch_before = 0;
  consensus::Seq limit_before = 0;
};

struct Client {
  std::string name;
  bool byzantine = false;
  bool admin = false;  // submits one membership change; not counted as an op
  bool busy = false;
  std::uint64_t next_id = 1;  // next_id - 1: the highest id this client issued
  consensus::Request current;
  consensus::Request alternative;  // byzantine clients: same id, other op
  Micros first_sent{0};
  std::map<crypto::Digest, std::set<ReplicaId>> votes;
};

class World {
 public:
  explicit World(const SimOptions& options);
  Status setup();
  void run();
  SimReport report() const;

 private:
  // world.cpp
  void schedule(Micros at, Item item);
  TimePoint wall() const { return kStart + now_; }
  void process(const Item& item);
  void step(Node& n, consensus::Event event);
  void apply_actions(Node& n, std::vector<consensus::Action> actions);
  Status start_node(Node& n);
  void crash(Node& n);
  consensus::Replica* replica_of(ReplicaId id);

  // network.cpp
  void emit_send(Node& from, const consensus::Send& s);
  void transmit(ReplicaId from, ReplicaId to, MessagePtr m, Micros extra = Micros(0));
  bool partitioned(ReplicaId a, ReplicaId b) const;
  Micros latency();
  bool faults_on() const { return now_ < opt_.faults_until; }
  std::uint64_t size_of(const consensus::Message& m) const;

  // byzantine.cpp
  void byzantine_send(Node& from, const consensus::Send& s);
  void equivocate(Node& from, const consensus::PrePrepare& pp);
  void forge(Node& from, const consensus::Message& m, const std::vector<ReplicaId>& to);
  void spam_view_changes(Node& from);
  void forge_request_ids(Node& from, const consensus::Message& m, const std::vector<ReplicaId>& to);
  void flood_big_ops(Node& from, const consensus::Message& m, const std::vector<ReplicaId>& to);
  void flood_future_view(Node& from);
  void propose_ghosts(Node& from, const consensus::PrePrepare& pp, const std::vector<ReplicaId>& to);
  // Re-signs `pp` with `extra` requests appended and sends it instead.
  void send_stuffed(Node& from, const consensus::PrePrepare& pp, std::vector<consensus::Request> extra,
                    const std::vector<ReplicaId>& to);
  std::vector<ReplicaId> recipients(const Node& from, const consensus::Send& s) const;

  // clients.cpp
  void client_issue(std::uint32_t c);
  void admin_submit(std::uint32_t index);
  ReplicaId node_of(const Node& sender, ReplicaId replica) const;  // sender's replica id -> node id
  ReplicaId id_in(const Node& receiver, ReplicaId sender_node) const;  // node id -> receiver's replica id
  void client_send_all(std::uint32_t c);
  void on_reply(const ReplyArrive& r);
  void on_client_retry(const ClientRetry& r);
  void send_replies(Node& n, const std::vector<ledger::Reply>& replies);

  // Authentication (ideal signatures): what clients issued.
  void issue(const consensus::Request& r);
  bool authentic(const consensus::Request& r) const;

  // checker.cpp
  void check_block(Node& n, const ledger::Block& b);
  // Returns false when the link refuses the message (over the limit).
  bool check_size(const Node& from, const consensus::Message& m);
  void check_vote(const Node& from, const consensus::Message& m);
  void check_buffers(Node& n);
  void check_view(Node& n);
  void violation(std::string what);

  static constexpr TimePoint kStart = TimePoint(Micros(1'700'000'000'000'000));

  SimOptions opt_;
  SeededRng rng_;
  Micros now_{0};
  std::uint64_t order_ = 0;
  std::map<std::pair<std::int64_t, std::uint64_t>, Item> queue_;
  std::vector<Node> nodes_;
  std::vector<Client> clients_;
  std::map<std::string, std::uint32_t> client_index_;
  ledger::Blueprint blueprint_;
  consensus::EpochConfig config_;
  std::vector<std::unique_ptr<crypto::Signer>> signers_;
  std::unique_ptr<crypto::Verifier> verifier_;
  ledger::KvStateMachine app_;

  std::map<crypto::PublicKey, ReplicaId> node_by_key_;
  std::map<consensus::Epoch, consensus::EpochConfig> configs_;  // every epoch seen, for the checker

  std::set<crypto::Digest> issued_requests_;
  std::uint64_t big_ops_ = 0;

  // checker state
  std::map<std::uint64_t, std::pair<crypto::Digest, ReplicaId>> canonical_;
  bool stopped_ = false;

  // report state
  std::uint64_t issued_ = 0;
  std::uint64_t completed_ = 0;
  std::vector<std::int64_t> latencies_us_;
  SimReport report_;
};

}  // namespace mlchain::sim::detail
