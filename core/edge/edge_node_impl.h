// EdgeNode::Impl (internal to core/edge): the wired daemon, its HTTP handlers
// and its counters.
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <map>
#include <optional>
#include <memory>
#include <mutex>
#include <string>

#include "mlchain/common/clock.h"
#include "mlchain/common/rng.h"
#include "mlchain/crypto/seal.h"
#include "mlchain/edge/admin.h"
#include "mlchain/edge/contract_sender.h"
#include "mlchain/edge/edge_node.h"
#include "mlchain/edge/registry.h"
#include "mlchain/edge/superior_tracker.h"
#include "mlchain/net/event_loop.h"
#include "mlchain/net/http.h"
#include "mlchain/net/metrics.h"
#include "mlchain/node/data_dir.h"
#include "mlchain/store/store.h"

namespace mlchain::edge {

// Counters for /metrics. Thread-safe.
class EdgeMetrics {
 public:
  static constexpr std::array<double, 12> kBounds = {0.0005, 0.001, 0.002, 0.004, 0.008, 0.016,
                                                     0.032,  0.064, 0.128, 0.256, 0.512, 2.048};
  void object_request(Action action, Reason reason, double seconds);
  void admin_request(std::string_view action, std::string_view code);
  // Contract sends (POST /v1/object/contract after authentication) by
  // outcome ("ok" or the error code; unknown codes from the route count as
  // "other"), and packets received (POST /v1/contract/packet) by outcome
  // (contract_inbox.h InboxAnswer::outcome).
  void contract_send(std::string_view outcome);
  void contract_packet(std::string_view outcome);
  // `superior`: null when no [superior] is configured (its families are then left out).
  std::string text(const net::NetCounters& net, const SuperiorStatus* superior) const;

 private:
  mutable std::mutex mu_;
  std::array<std::uint64_t, kActionCount> accepted_{};                  // by Action
  std::array<std::uint64_t, kReasonCount> refused_{};                   // by Reason
  std::map<std::pair<std::string, std::string>, std::uint64_t> admin_;  // (action, code)
  std::map<std::string, std::uint64_t, std::less<>> contract_sends_;    // outcome
  std::map<std::string, std::uint64_t, std::less<>> contract_packets_;  // outcome
  std::array<std::uint64_t, kBounds.size()> buckets_{};
  std::uint64_t count_ = 0;
  double sum_ = 0;
};

struct EdgeNode::Impl {
  Impl(const EdgeConfig& c, node::Logger& l) : cfg(c), log(l) {}

  // edge_node.cpp
  Status open();
  Status open_superior();
  Status start_network();
  void stop();

  // edge_api.cpp
  net::Response handle(const net::Request& req);
  net::Response handle_object(const net::Request& req, Action action);
  net::Response handle_admin(const net::Request& req, const std::string& action);
  // edge_contract.cpp
  Status open_contracts();
  net::Response handle_contract_request(const net::Request& req);  // POST /v1/object/contract
  net::Response handle_contract_packet(const net::Request& req);   // POST /v1/contract/packet
  codec::Json info_json() const;
  codec::Json superior_json() const;  // null without [superior]
  // edge_selfcheck.cpp: GET /v1/selfcheck (docs/selfcheck.md), one at a time.
  codec::Json run_selfcheck();
  std::atomic<bool> selfcheck_running{false};

  EdgeConfig cfg;
  node::Logger& log;
  std::unique_ptr<crypto::PrivateKey> key;
  std::string certificate_pem;
  SystemClock clock;
  SystemRng rng;
  std::optional<node::DataDirLock> data_lock;  // before store: released after it closes
  std::unique_ptr<store::Store> store;
  std::unique_ptr<Registry> registry;
  std::unique_ptr<AdminAuth> admin;
  std::unique_ptr<SuperiorTracker> superior;         // null without [superior]; stopped before the store closes
  std::unique_ptr<crypto::SealPrivateKey> seal_key;  // derived from `key`; opens contract packets
  crypto::Ed25519Verifier verifier;
  std::unique_ptr<ContractSender> contracts;
  EdgeMetrics metrics;
  std::shared_ptr<net::NetMetrics> net_metrics = std::make_shared<net::NetMetrics>();
  std::unique_ptr<net::EventLoop> loop;
  std::unique_ptr<net::HttpServer> http;
  bool stopped = false;
};

}  // namespace mlchain::edge
