// Node::Impl (internal to core/node): the wired daemon. Fields marked
// "driver" are touched only on the driver thread.
#pragma once

#include <array>
#include <atomic>
#include <condition_variable>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "driver.h"
#include "mlchain/consensus/replica.h"
#include "mlchain/crypto/verify_cache.h"
#include "mlchain/ledger/epoch_cert.h"
#include "mlchain/ledger/ledger.h"
#include "mlchain/net/event_loop.h"
#include "mlchain/net/http.h"
#include "mlchain/net/metrics.h"
#include "mlchain/net/peer.h"
#include "mlchain/node/data_dir.h"
#include "mlchain/node/genesis_file.h"
#include "mlchain/node/node.h"
#include "mlchain/node/service.h"
#include "mlchain/node/report_book.h"
#include "mlchain/node/signed_op.h"
#include "mlchain/store/store.h"

namespace mlchain::node {

// An API error answer: {"error": {"code", "message"}} with `status` (api.cpp).
net::Response error(int status, std::string_view code, const std::string& message);

// Latency of committed client ops at this node (submit -> reply), seconds.
struct LatencyHistogram {
  static constexpr std::array<double, 12> kBounds = {0.001, 0.002, 0.004, 0.008, 0.016, 0.032,
                                                     0.064, 0.128, 0.256, 0.512, 1.024, 4.096};
  std::array<std::uint64_t, kBounds.size()> counts{};
  std::uint64_t total = 0;
  double sum = 0;
  void observe(double seconds);
};

// Ops of the hosted service go to its machine, all others to `fallback`.
class DispatchStateMachine final : public ledger::StateMachine {
 public:
  explicit DispatchStateMachine(ledger::StateMachine& fallback) : fallback_(fallback) {}
  void set_service(Service* service) { service_ = service; }
  Result<Bytes> apply(store::WriteTxn& txn, const consensus::Request& op, const ledger::OpContext& ctx) override;

 private:
  ledger::StateMachine& fallback_;
  Service* service_ = nullptr;
};

std::unique_ptr<NodeHost> make_host(Node::Impl& node);  // host.cpp

struct Node::Impl {
  struct Waiter {
    net::Reply reply;
    detail::Driver::Clock::time_point start;
    detail::Driver::Clock::time_point deadline;
  };

  Impl(const NodeConfig& c, Logger& l) : cfg(c), log(l) {}

  // node.cpp
  Status open();
  Status start_network();
  void stop();
  void fatal(const Status& st);
  std::string member_name(const crypto::PublicKey& key) const;  // any thread
  // Where member `key` listens: the directory's address (members added by
  // config ops) or else the genesis one; "" if unknown. Driver (or before it runs).
  std::string member_address(const crypto::PublicKey& key) const;
  Status load_directory();  // table "members" -> known_addresses, known_names
  std::string role() const;  // driver: "member", "learner" or "retired"

  // driver.cpp side (driver_node.cpp)
  void step(consensus::Event event);
  void execute(std::vector<consensus::Action> actions);
  // Group commit: makes the queued Persist records durable in one LMDB
  // transaction, then writes the queued sends. Runs after each driver round.
  void flush();
  void flush_persists();
  void queue_send(std::optional<consensus::ReplicaId> to, Bytes bytes);  // id in the current epoch
  void on_executed(const consensus::Execute& e, const ledger::Applied& applied);
  // Block attestations (ledger/attestation.h): sign and broadcast ours for
  // each block applied, collect the peers', store complete ones at flush().
  void attest(const consensus::Execute& e, const ledger::Applied& applied);
  void on_attest(const crypto::PublicKey& from, const consensus::Attest& a);
  const consensus::EpochConfig* config_of_epoch(consensus::Epoch e);  // cached; nullptr if unknown
  // Our attestations of the last kResendAttestations blocks, to a peer whose
  // link came up (it may have restarted and lost what it collected).
  void resend_attestations(const crypto::PublicKey& peer);
  void load_recent_attestations();  // at start: re-sign the recent blocks not yet attested
  void on_tick();
  void on_new_epoch(const consensus::Execute& e);
  // epoch_votes.cpp: certificates of our epoch switches (ledger/epoch_cert.h).
  // The member set of `next` as the chain records it (names and addresses
  // from the genesis or the member directory: the same bytes on every member).
  ledger::EpochCertificate epoch_body(const consensus::EpochConfig& next, std::uint64_t from_height) const;
  // We applied the switch to `next` (first block from_height): sign it if we
  // were a member of the epoch before, and collect the others' votes.
  void epoch_switched(const consensus::EpochConfig& next, std::uint64_t from_height);
  void on_epoch_vote(const crypto::PublicKey& from, const consensus::Attest& v);
  // backfill.cpp: epoch certificates and old blocks' attestations this node
  // missed, from the other members (its own thread; stopped by stop_review).
  void backfill_loop();
  void backfill_round();
  void store_epoch_certificate(const ledger::EpochCertificate& c);
  bool is_member(const crypto::PublicKey& k) const;  // any thread
  // A non-member holding an unexpired learner permit (signed_op.h): its
  // peer link is accepted, for block fetches only. Any thread.
  bool learner_permitted(const crypto::PublicKey& k) const;
  net::Response receive_learner_permit(const std::string& body);  // any thread: POST /v1/learners
  // Invitations into other layers (node/invitation.h; invitations.cpp). Any thread.
  net::Response receive_invitation(const std::string& body);        // POST /v1/invitations
  net::Response list_invitations(const net::Request& req);          // GET /v1/invitations (signed)
  net::Response invitation_status(const std::string& id);           // GET /v1/invitations/<id>
  net::Response decide_invitation(const net::Request& req, const std::string& id, bool accept);  // POST, signed
  net::Response genesis_document() const;                           // GET /v1/genesis
  // Driver thread: answers a permitted learner's FetchBlocks from the ledger.
  void serve_learner(const crypto::PublicKey& learner, const consensus::FetchBlocks& fetch);
  // `forward`: the ForwardedRequest to relay, already signed as replica
  // `forward_id` (empty: sign it here).
  void submit(SignedOp op, Bytes forward, consensus::ReplicaId forward_id, net::Reply reply,
              detail::Driver::Clock::time_point start);
  void on_peer_message(const crypto::PublicKey& from, Bytes payload);  // any thread
  bool ready(std::string* why) const;                                   // driver
  // Catching up (f+1 members checkpointed past us): for I/O threads, set by
  // on_tick from ready(); behind_reason under behind_mu.
  bool behind(std::string* why) const;  // any thread
  std::atomic<bool> behind_now{false};
  mutable std::mutex behind_mu;
  std::string behind_reason;
  void count_rejected_op(const std::string& reason);                    // any thread

  // selfcheck.cpp
  net::Response answer_challenge(const std::string& body);  // any thread
  codec::Json challenge_member(const crypto::PublicKey& member, const std::string& address) const;  // any thread
  codec::Json run_selfcheck();  // its own thread, never the driver's

  // review.cpp: periodic peer review (DESIGN §7)
  void review_loop();
  void review_round();
  std::vector<std::pair<crypto::PublicKey, std::string>> other_members();  // not on the driver thread
  net::Response receive_report(const std::string& body);                    // any thread
  void check_removed(const std::vector<std::pair<crypto::PublicKey, std::string>>& members, std::uint64_t epoch);
  void add_report(const MemberReport& report);                             // any thread; verified
  void stop_review();

  // api.cpp
  void handle(net::Request req, net::Reply reply);  // event-loop thread
  codec::Json layer_json() const;                   // driver
  // GET /v1/layer/application: this member's signature on the layer's
  // application to the superior with genesis `superior` (node/layer_application.h).
  net::Response layer_application(const std::string& superior) const;  // driver
  codec::Json status_json() const;                  // driver
  std::string metrics_text() const;                 // driver

  NodeConfig cfg;
  Logger& log;
  std::function<void(const Status&)> on_fatal;
  std::atomic<bool> fatal_reported{false};
  std::chrono::steady_clock::time_point started = std::chrono::steady_clock::now();

  GenesisFile genesis;
  consensus::ReplicaOptions options;
  mutable std::mutex members_mu;
  std::set<crypto::PublicKey> member_keys;  // current epoch; the TLS pinning predicate reads it
  std::map<crypto::PublicKey, std::string> known_addresses;  // driver: members added by config ops
  std::map<crypto::PublicKey, std::string> known_names;      // members_mu: the same members' names
  // members_mu: learner permits held (key -> expiry, unix ms); at most
  // kMaxLearnerPermits, the soonest to expire replaced first.
  static constexpr std::size_t kMaxLearnerPermits = 16;
  std::map<crypto::PublicKey, std::int64_t> learner_permits;
  // Driver thread: bundles served to each learner in the current window of
  // options.fetch_timeout; at most options.max_serves, as for a member (a
  // fetch loop cannot take the driver).
  std::map<crypto::PublicKey, std::pair<std::chrono::steady_clock::time_point, unsigned>> learner_served;
  std::unique_ptr<crypto::PrivateKey> key;
  std::string certificate_pem;
  std::unique_ptr<crypto::Ed25519Signer> signer;
  crypto::Ed25519Verifier ed25519;
  // Every check goes through the cache: a client envelope verified by the
  // API is not verified again when its block applies here. (Verifying peer
  // messages on the I/O threads first was tried and measured slower with 4
  // nodes on 2 cores: it adds hashing and JSON parsing to a CPU-bound box.)
  crypto::CachingVerifier verifier{ed25519, 1u << 17};

  std::optional<DataDirLock> data_lock;  // before store: released after it closes
  std::unique_ptr<store::Store> store;
  ledger::KvStateMachine kv;
  DispatchStateMachine dispatch{kv};
  ServiceFactory service_factory;
  std::unique_ptr<Service> service;      // optional hosted application (service.h)
  std::unique_ptr<NodeHost> host;        // what the service sees of us
  std::uint64_t own_op_id = 0;  // driver: the last id of an op this node signed (host.cpp)
  std::unique_ptr<SignedOpStateMachine> app;
  std::unique_ptr<ledger::Ledger> ledger;        // driver
  std::unique_ptr<consensus::Replica> replica;   // driver

  std::shared_ptr<net::NetMetrics> net_metrics = std::make_shared<net::NetMetrics>();
  std::unique_ptr<net::EventLoop> loop;
  std::unique_ptr<net::PeerManager> peers;
  std::unique_ptr<net::HttpServer> http;
  detail::Driver driver;
  bool stopped = false;

  // driver
  std::map<std::pair<std::string, std::uint64_t>, std::vector<Waiter>> waiters;
  std::size_t waiter_count = 0;
  std::map<consensus::ReplicaId, consensus::Seq> peer_checkpoint;
  std::vector<consensus::Persist> pending_persists;
  std::vector<std::pair<std::optional<crypto::PublicKey>, Bytes>> outbox;
  consensus::View logged_view = 0;
  bool logged_active = true;
  std::uint64_t committed_ops = 0;
  std::uint64_t committed_blocks = 0;
  LatencyHistogram latency;
  ledger::AttestationCollector attestations;
  std::vector<ledger::BlockAttestation> pending_attestations;  // complete, stored at flush()
  std::map<consensus::Epoch, consensus::EpochConfig> epoch_configs;  // cache for config_of_epoch
  static constexpr std::size_t kResendAttestations = 64;
  std::deque<consensus::Attest> recent_own;  // our last kResendAttestations attestations
  ledger::EpochVoteCollector epoch_votes;
  std::deque<consensus::Attest> recent_epoch_votes;  // ours, resent when a link comes up (at most 8)
  std::atomic<std::uint64_t> epoch_certs_stored{0};
  std::thread backfill_thread;
  std::size_t backfill_turn = 0;              // backfill thread: which member it asks
  std::uint64_t backfill_height = 1;          // driver: heights below are attested here
  std::uint64_t attestations_backfilled = 0;  // driver
  std::uint64_t attestations_backfill_refused = 0;  // driver: did not verify

  // any thread
  mutable std::mutex rejected_mu;
  std::map<std::string, std::uint64_t> rejected_ops;  // client API rejections by reason
  std::atomic<std::uint64_t> peer_decode_errors{0};
  // Consensus sends the link refused (over its size limit, or no such peer):
  // never silent (issue 13: an unsendable pre-prepare livelocked a layer).
  std::atomic<std::uint64_t> peer_sends_refused{0};
  // Our replica id in the current epoch, for I/O threads (driver writes).
  std::atomic<consensus::ReplicaId> self_id{0};
  // Peer review state (review.cpp).
  std::mutex review_mu;
  std::condition_variable review_cv;
  bool review_stop = false;
  std::thread review_thread;
  std::map<crypto::PublicKey, unsigned> review_failures;  // review thread only
  std::mutex reports_mu;
  ReportBook reports;  // reports_mu
  std::set<std::pair<crypto::PublicKey, std::uint64_t>> invalidations_ordered;     // (suspect, epoch)
  consensus::EpochConfig epoch_snapshot;  // members_mu: the current epoch, for I/O threads
  // Set by the review thread when f+1 members are in a later epoch without
  // us (check_removed); removed_reason under members_mu.
  std::atomic<bool> removed{false};
  std::string removed_reason;
  std::mutex selfcheck_mu;
  std::thread selfcheck_thread;  // at most one selfcheck at a time; joined by stop()
  std::atomic<bool> selfcheck_running{false};
};

}  // namespace mlchain::node
