// GET /metrics of an edge node, Prometheus text format 0.0.4.
#include <sstream>

#include "edge_node_impl.h"

namespace mlchain::edge {

void EdgeMetrics::object_request(Action action, Reason reason, double seconds) {
  std::lock_guard lock(mu_);
  if (reason == Reason::kAccepted) {
    ++accepted_[static_cast<std::size_t>(action)];
  } else {
    ++refused_[static_cast<std::size_t>(reason)];
  }
  ++count_;
  sum_ += seconds;
  for (std::size_t i = 0; i < kBounds.size(); ++i)
    if (seconds <= kBounds[i]) ++buckets_[i];
}

void EdgeMetrics::admin_request(std::string_view action, std::string_view code) {
  std::lock_guard lock(mu_);
  ++admin_[{std::string(action), std::string(code)}];
}

namespace {
// Codes a route may answer with (docs/contracts.md §8) and the edge's own:
// the label set stays bounded whatever a remote layer says.
bool known_send_outcome(std::string_view code) {
  static constexpr std::string_view kKnown[] = {
      "ok",         "bad_request", "certificate_refused", "unknown_layer", "replay",
      "expired",    "refused",     "unreachable",         "timeout",       "unknown_target",
      "queue_full", "no_superior", "misconfigured",       "bad_answer",    "directory_conflict",
      "busy",       "internal",    "not_recorded"};
  for (auto k : kKnown)
    if (k == code) return true;
  return false;
}
}  // namespace

void EdgeMetrics::contract_send(std::string_view outcome) {
  std::lock_guard lock(mu_);
  ++contract_sends_[std::string(known_send_outcome(outcome) ? outcome : "other")];
}

void EdgeMetrics::contract_packet(std::string_view outcome) {
  std::lock_guard lock(mu_);
  ++contract_packets_[std::string(outcome)];
}

std::string EdgeMetrics::text(const net::NetCounters& net, const SuperiorStatus* superior) const {
  std::lock_guard lock(mu_);
  std::ostringstream out;
  auto family = [&](std::string_view name, std::string_view type, std::string_view help) {
    out << "# HELP " << name << ' ' << help << "\n# TYPE " << name << ' ' << type << '\n';
  };
  family("mlchain_edge_requests_accepted_total", "counter", "Object requests accepted, by action.");
  for (Action a : {Action::kUpload, Action::kSend, Action::kFetch, Action::kContract}) {
    out << "mlchain_edge_requests_accepted_total{action=\"" << action_name(a) << "\"} "
        << accepted_[static_cast<std::size_t>(a)] << '\n';
  }
  family("mlchain_edge_requests_refused_total", "counter", "Object requests refused, by reason.");
  for (std::size_t i = 1; i < kReasonCount; ++i) {
    out << "mlchain_edge_requests_refused_total{reason=\"" << reason_name(static_cast<Reason>(i)) << "\"} "
        << refused_[i] << '\n';
  }
  family("mlchain_edge_admin_requests_total", "counter", "Admin requests, by action and outcome code.");
  for (const auto& [k, n] : admin_) {
    out << "mlchain_edge_admin_requests_total{action=\"" << k.first << "\",code=\"" << k.second << "\"} " << n << '\n';
  }
  family("mlchain_edge_contract_sends_total", "counter",
         "Contract messages sent for objects (after authentication), by outcome: ok or the refusing code.");
  for (const auto& [k, n] : contract_sends_)
    out << "mlchain_edge_contract_sends_total{outcome=\"" << k << "\"} " << n << '\n';
  family("mlchain_edge_contract_packets_total", "counter",
         "Contract packets received from the superior, by outcome: delivered or the reason refused.");
  for (const auto& [k, n] : contract_packets_) {
    out << "mlchain_edge_contract_packets_total{outcome=\"" << k << "\"} " << n << '\n';
  }
  family("mlchain_edge_request_latency_seconds", "histogram",
         "Time to verify and execute or refuse one object request.");
  for (std::size_t i = 0; i < kBounds.size(); ++i) {
    out << "mlchain_edge_request_latency_seconds_bucket{le=\"" << kBounds[i] << "\"} " << buckets_[i] << '\n';
  }
  out << "mlchain_edge_request_latency_seconds_bucket{le=\"+Inf\"} " << count_ << '\n';
  out << "mlchain_edge_request_latency_seconds_sum " << sum_ << '\n';
  out << "mlchain_edge_request_latency_seconds_count " << count_ << '\n';
  family("mlchain_net_rejected_total", "counter", "Connections and requests refused by the transport, by reason.");
  for (std::size_t i = 0; i < net::kRejectReasonCount; ++i) {
    out << "mlchain_net_rejected_total{reason=\"" << net::reject_reason_name(static_cast<net::RejectReason>(i))
        << "\"} " << net.rejected[i] << '\n';
  }
  family("mlchain_http_requests_total", "counter", "HTTP requests served.");
  out << "mlchain_http_requests_total " << net.http_requests << '\n';
  if (superior != nullptr) {
    family("mlchain_edge_superior_members", "gauge", "Members in the superior layer's address book held by this edge.");
    out << "mlchain_edge_superior_members " << superior->book.members.size() << '\n';
    family("mlchain_edge_superior_epoch", "gauge", "The superior layer's membership epoch of that address book.");
    out << "mlchain_edge_superior_epoch " << superior->book.epoch << '\n';
    family("mlchain_edge_superior_refresh_failures_total", "counter",
           "Address book refresh rounds in which no superior member gave an acceptable answer.");
    out << "mlchain_edge_superior_refresh_failures_total " << superior->failures << '\n';
    family("mlchain_edge_superior_unconfirmed_answers_total", "counter",
           "Superior answers that would change the address book but that f+1 of its members did not confirm (ignored).");
    out << "mlchain_edge_superior_unconfirmed_answers_total " << superior->unconfirmed << '\n';
    family("mlchain_edge_superior_epochs_followed_total", "counter",
           "Superior address-book updates by verified epoch certificates.");
    out << "mlchain_edge_superior_epochs_followed_total " << superior->epochs_followed << '\n';
    family("mlchain_edge_superior_refused_epoch_certificates_total", "counter",
           "Epoch-certificate answers of superior members that did not verify (ignored).");
    out << "mlchain_edge_superior_refused_epoch_certificates_total " << superior->refused_certificates << '\n';
  }
  return out.str();
}

}  // namespace mlchain::edge
