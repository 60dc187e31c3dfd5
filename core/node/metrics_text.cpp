// GET /metrics in the Prometheus text exposition format (version 0.0.4).
#include <sstream>

#include "node_impl.h"

namespace mlchain::node {
namespace {

class Writer {
 public:
  void family(std::string_view name, std::string_view type, std::string_view help) {
    out_ << "# HELP " << name << ' ' << help << "\n# TYPE " << name << ' ' << type << '\n';
  }
  template <typename T>
  void sample(std::string_view name, T value, std::string_view labels = {}) {
    out_ << name;
    if (!labels.empty()) out_ << '{' << labels << '}';
    out_ << ' ' << value << '\n';
  }
  std::string str() const { return out_.str(); }

 private:
  std::ostringstream out_;
};

std::string label(std::string_view key, const std::string& value) {
  std::string v;
  for (char c : value) {
    if (c == '"' || c == '\\') v += '\\';
    if (c == '\n') { v += "\\n"; continue; }
    v += c;
  }
  return std::string(key) + "=\"" + v + "\"";
}

}  // namespace

std::string Node::Impl::metrics_text() const {
  Writer w;
  auto gauge = [&](std::string_view name, std::string_view help, auto value) {
    w.family(name, "gauge", help);
    w.sample(name, value);
  };
  auto counter = [&](std::string_view name, std::string_view help, auto value) {
    w.family(name, "counter", help);
    w.sample(name, value);
  };
  std::string why;
  gauge("mlchain_height", "Height of the last committed block.", ledger->height());
  gauge("mlchain_view", "Current PBFT view.", replica->view());
  gauge("mlchain_epoch", "Current membership replica->config().", replica->config().epoch);
  gauge("mlchain_members", "Members in the current epoch (n).", replica->config().n());
  gauge("mlchain_is_primary", "1 when this node is the primary of its view.", replica->is_primary() ? 1 : 0);
  gauge("mlchain_view_active", "0 while a view change is in progress.", replica->active() ? 1 : 0);
  gauge("mlchain_ready", "1 when connected to a quorum and caught up.", ready(&why) ? 1 : 0);
  gauge("mlchain_stable_checkpoint", "Sequence number of the last stable checkpoint.", replica->stable_seq());
  gauge("mlchain_pending_requests", "Client requests the replica holds, not yet executed.", replica->pending_requests());
  gauge("mlchain_waiting_clients", "HTTP clients waiting for their operation to commit.", waiter_count);
  const auto& st = replica->stats();
  counter("mlchain_view_changes_total", "View changes this replica started.", st.view_changes_started);
  counter("mlchain_new_views_total", "New views this replica entered.", st.new_views_entered);
  counter("mlchain_batches_proposed_total", "Batches proposed as primary.", st.batches_proposed);
  counter("mlchain_batches_fetched_total", "Batches received by state transfer.", st.batches_fetched);
  counter("mlchain_committed_blocks_total", "Blocks committed since this process started.", committed_blocks);
  counter("mlchain_committed_ops_total", "Operations committed since this process started.", committed_ops);
  counter("mlchain_peer_decode_errors_total", "Peer messages that did not decode.", peer_decode_errors.load());
  counter("mlchain_peer_sends_refused_total",
          "Consensus messages the peer link refused to queue (over the link's size limit, or an unknown peer).",
          peer_sends_refused.load());
  counter("mlchain_signature_cache_hits_total", "Signature checks answered from the verified-signature cache.",
          verifier.hits());
  counter("mlchain_signature_verifications_total", "Signature checks that ran Ed25519 verification.", verifier.misses());

  w.family("mlchain_consensus_dropped_total", "counter", "Consensus inputs the replica rejected, by reason.");
  for (const auto& [reason, n] : replica->drops()) w.sample("mlchain_consensus_dropped_total", n, label("reason", reason));
  counter("mlchain_blocks_attested_total",
          "Blocks f+1 members (this one included) vouched for since this process started (ledger/attestation.h).",
          attestations.completed());
  w.family("mlchain_attestations_dropped_total", "counter",
           "Peer block attestations refused, by reason (attest_mismatch: a member vouched for another header).");
  for (const auto& [reason, n] : attestations.drops())
    w.sample("mlchain_attestations_dropped_total", n, label("reason", reason));
  counter("mlchain_attestations_backfilled_total",
          "Old blocks' attestations fetched from other members and stored (node/backfill.cpp).", attestations_backfilled);
  counter("mlchain_attestations_backfill_refused_total",
          "Backfilled attestations that did not verify against the block and its epoch's members (ignored).",
          attestations_backfill_refused);
  counter("mlchain_epoch_certificates_stored_total",
          "Epoch certificates of this layer stored since this process started (collected or backfilled).",
          epoch_certs_stored.load());
  w.family("mlchain_epoch_votes_dropped_total", "counter", "Peer epoch-switch signatures refused, by reason.");
  for (const auto& [reason, n] : epoch_votes.drops())
    w.sample("mlchain_epoch_votes_dropped_total", n, label("reason", reason));
  w.family("mlchain_client_rejected_total", "counter", "Client API operations refused, by reason.");
  {
    std::lock_guard lock(rejected_mu);
    for (const auto& [reason, n] : rejected_ops) w.sample("mlchain_client_rejected_total", n, label("reason", reason));
  }
  auto net = net_metrics->snapshot();
  w.family("mlchain_net_rejected_total", "counter", "Connections, requests and frames refused by the transport, by reason.");
  for (std::size_t i = 0; i < net::kRejectReasonCount; ++i) {
    w.sample("mlchain_net_rejected_total", net.rejected[i],
             label("reason", std::string(net::reject_reason_name(static_cast<net::RejectReason>(i)))));
  }
  counter("mlchain_http_requests_total", "HTTP requests served.", net.http_requests);
  w.family("mlchain_peer_connected", "gauge", "1 when a link to the member (of the current epoch) is up.");
  for (const auto& k : replica->config().members) {
    if (k == key->public_key()) continue;
    auto it = net.peers.find(k);
    w.sample("mlchain_peer_connected", it != net.peers.end() && it->second.connected ? 1 : 0, label("peer", member_name(k)));
  }
  w.family("mlchain_peer_links_up_total", "counter", "Links to the member that completed their hello (both directions).");
  for (const auto& [k, c] : net.peers) w.sample("mlchain_peer_links_up_total", c.links_up, label("peer", member_name(k)));
  w.family("mlchain_peer_messages_in_total", "counter", "Messages received from the member.");
  for (const auto& [k, c] : net.peers) w.sample("mlchain_peer_messages_in_total", c.messages_in, label("peer", member_name(k)));
  w.family("mlchain_peer_messages_out_total", "counter", "Messages written to the member.");
  for (const auto& [k, c] : net.peers) w.sample("mlchain_peer_messages_out_total", c.messages_out, label("peer", member_name(k)));
  w.family("mlchain_peer_queue_drops_total", "counter", "Messages dropped because the member's send queue was full.");
  for (const auto& [k, c] : net.peers) w.sample("mlchain_peer_queue_drops_total", c.queue_drops, label("peer", member_name(k)));

  w.family("mlchain_op_latency_seconds", "histogram", "Submit-to-commit latency of client operations at this node.");
  for (std::size_t i = 0; i < LatencyHistogram::kBounds.size(); ++i) {
    std::ostringstream le;
    le << LatencyHistogram::kBounds[i];
    w.sample("mlchain_op_latency_seconds_bucket", latency.counts[i], label("le", le.str()));
  }
  w.sample("mlchain_op_latency_seconds_bucket", latency.total, label("le", "+Inf"));
  w.sample("mlchain_op_latency_seconds_sum", latency.sum);
  w.sample("mlchain_op_latency_seconds_count", latency.total);
  return w.str() + (service ? service->metrics_text() : std::string());
}

}  // namespace mlchain::node
