// Periodic peer review (DESIGN §7, issue 7): at jittered intervals this node
// challenges every other member (selfcheck.cpp: sign a fresh nonce over TLS
// pinned to the key on chain). A member that fails twice in a row is
// reported: we sign a report and gossip it to the members (POST /v1/report).
// A node that holds valid reports about one suspect from 2f+1 members (at
// least 2) of the current epoch, within one window, orders mark-invalid with
// the reports attached; every replica checks them again at execution
// (signed_op.h), and from the next epoch the suspect no longer counts.
#include <future>
#include <random>

#include "mlchain/common/rng.h"
#include "mlchain/net/https_client.h"
#include "mlchain/common/clock.h"
#include "node_impl.h"

namespace mlchain::node {
std::vector<std::pair<crypto::PublicKey, std::string>> Node::Impl::other_members() {
  std::vector<std::pair<crypto::PublicKey, std::string>> out;
  std::promise<void> p;
  auto f = p.get_future();
  if (!driver.post([this, &out, &p] {
        if (replica && !replica->learner() && !replica->retired()) {
          for (const auto& k : replica->config().members) {
            if (k != key->public_key()) out.emplace_back(k, member_address(k));
          }
        }
        p.set_value();
      }))
    return out;
  f.wait();
  return out;
}

void Node::Impl::review_loop() {
  std::mt19937_64 rng(SystemRng().next_u64());
  std::unique_lock lock(review_mu);
  while (!review_stop) {
    auto base = static_cast<double>(cfg.review_interval_ms);
    std::uniform_real_distribution<double> jitter(base * 0.5, base * 1.5);
    auto wait = std::chrono::milliseconds(static_cast<std::int64_t>(jitter(rng)));
    if (review_cv.wait_for(lock, wait, [this] { return review_stop; })) break;
    lock.unlock();
    review_round();
    lock.lock();
  }
}

void Node::Impl::review_round() {
  auto members = other_members();
  std::vector<MemberReport> mine;
  std::uint64_t epoch;
  {
    std::lock_guard lock(members_mu);
    epoch = epoch_snapshot.epoch;
  }
  std::size_t answered = 0;
  for (const auto& [k, address] : members) {
    auto r = challenge_member(k, address);
    if (r.value("result", "") == "ok") {
      review_failures[k] = 0;
      ++answered;
      continue;
    }
    unsigned fails = ++review_failures[k];
    log.warn("peer review: member failed its challenge",
             {{"member", member_name(k)}, {"result", r.value("result", "")}, {"in_a_row", std::to_string(fails)}});
    if (fails >= 2) mine.push_back(sign_report(*key, genesis.hash_hex, k, epoch, unix_millis(SystemClock().now()) / kReviewWindowMs));
  }
  // Members that answer challenges but keep no peer link with us may have
  // removed us from the layer (left, or marked invalid): ask them.
  if (answered > 0 && (peers ? peers->connected_peers().size() : 0) == 0) check_removed(members, epoch);
  for (const auto& rep : mine) {
    add_report(rep);
    std::string body = to_json(rep).dump();
    net::HttpsClientOptions o;
    o.connect_timeout = std::chrono::milliseconds(1'000);
    o.total_timeout = std::chrono::milliseconds(2'000);
    o.max_response_bytes = 16 * 1024;
    for (const auto& [k, address] : members) {
      if (k == rep.suspect || address.empty()) continue;
      o.server_key = k;
      auto resp = net::https_request(address, "POST", "/v1/report", body, {{"Content-Type", "application/json"}}, o);
      if (!resp.ok() || resp->status != 200) {
        log.debug("report not delivered", {{"to", member_name(k)}, {"error", resp.ok() ? std::to_string(resp->status) : resp.status().message()}});
      }
    }
  }
}

net::Response Node::Impl::receive_report(const std::string& body) {
  auto j = codec::parse(body, codec::ParseLimits{4096, 2, 256, 8});
  if (!j.ok()) return error(400, "bad_request", "a report is a JSON object: " + j.status().message());
  auto rep = report_from_json(*j);
  if (!rep.ok()) return error(400, "bad_request", rep.status().message());
  consensus::EpochConfig epoch;
  {
    std::lock_guard lock(members_mu);
    epoch = epoch_snapshot;
  }
  if (!epoch.index_of(rep->reporter) || rep->reporter == rep->suspect)
    return error(403, "not_a_member", "reports are accepted from other members of the current epoch only");
  // Only members can be invalidated: a report about any other key would
  // only grow the reports map (one entry per made-up suspect).
  if (!epoch.index_of(rep->suspect))
    return error(404, "no_such_member", "the suspect is not a member of the current epoch");
  if (rep->epoch != epoch.epoch) return error(409, "wrong_epoch", "the report is for epoch " + std::to_string(rep->epoch));
  std::int64_t now_window = unix_millis(SystemClock().now()) / kReviewWindowMs;
  if (rep->window < now_window - 1 || rep->window > now_window + 1)
    return error(409, "stale", "the report's window is not the current one");
  if (!verifier.verify(rep->reporter, report_bytes(genesis.hash_hex, rep->suspect, rep->epoch, rep->window), rep->sig))
    return error(401, "bad_signature", "the report's signature does not verify against its reporter");
  log.info("peer review: report received", {{"reporter", member_name(rep->reporter)}, {"suspect", member_name(rep->suspect)}});
  add_report(*rep);
  return net::Response::json(200, R"({"accepted":true})");
}

void Node::Impl::add_report(const MemberReport& report) {
  std::vector<MemberReport> evidence;
  consensus::EpochConfig epoch;
  {
    std::lock_guard lock(members_mu);
    epoch = epoch_snapshot;
  }
  {
    std::lock_guard lock(reports_mu);
    // Bounded by the membership (report_book.h): reports of earlier epochs
    // or about former members are forgotten here.
    evidence = reports.add(report, epoch);
    if (evidence.empty()) return;
    if (!check_reports(evidence, genesis.hash_hex, report.suspect, epoch, verifier).ok()) return;
    if (!invalidations_ordered.insert({report.suspect, epoch.epoch}).second) return;
  }
  if (!epoch.index_of(key->public_key()) || report.suspect == key->public_key()) return;
  log.warn("peer review: ordering mark-invalid", {{"member", member_name(report.suspect)},
                                                  {"reports", std::to_string(evidence.size())}});
  auto suspect = report.suspect;
  host->order(invalidation_op_text(report.suspect, evidence), [this, suspect](Result<Ordered> r) {
    log.info("peer review: mark-invalid answered",
             {{"member", member_name(suspect)}, {"result", r.ok() ? r->result.substr(0, 200) : r.status().message()}});
  });
}

// Asks the members for their view of the layer (GET /v1/layer, TLS pinned to
// each member's key). When f+1 of them (at least one honest) are in a later
// epoch whose members do not include this node's key, it was removed: say so
// (log once, /readyz, /v1/status role "removed") instead of waiting forever
// for links its former peers refuse.
void Node::Impl::check_removed(const std::vector<std::pair<crypto::PublicKey, std::string>>& members,
                               std::uint64_t epoch) {
  if (removed) return;
  std::size_t n = members.size() + 1;
  std::size_t need = consensus::max_faults(n) + 1;
  std::size_t votes = 0;
  std::uint64_t their_epoch = 0;
  std::string our = key->public_key().hex();
  for (const auto& [k, address] : members) {
    if (address.empty()) continue;
    net::HttpsClientOptions o;
    o.server_key = k;
    o.connect_timeout = std::chrono::milliseconds(1'000);
    o.total_timeout = std::chrono::milliseconds(3'000);
    o.max_response_bytes = 1024 * 1024;
    auto resp = net::https_request(address, "GET", "/v1/layer", {}, {}, o);
    if (!resp.ok() || resp->status != 200) continue;
    auto j = codec::parse(resp->body, codec::ParseLimits{1024 * 1024, 6, 4096, 10'000});
    if (!j.ok() || !j->is_object() || j->value("genesis_hash", "") != genesis.hash_hex) continue;
    std::uint64_t e = j->value("epoch", std::uint64_t{0});
    if (e <= epoch) continue;
    bool listed = false;
    for (const auto& m : j->value("members", codec::Json::array())) {
      std::string status = m.value("status", "");
      listed = listed || (m.value("public_key", "") == our && (status == "valid" || status == "unreachable"));
    }
    if (listed) continue;
    ++votes;
    their_epoch = std::max(their_epoch, e);
  }
  if (votes < need) return;
  {
    std::lock_guard lock(members_mu);
    removed_reason = "removed from layer " + genesis.blueprint.layer_path + ": " + std::to_string(votes) +
                     " members are in epoch " + std::to_string(their_epoch) +
                     ", which does not include this node (it left, or was marked invalid); to come back, start it "
                     "with a fresh data_dir and run mlchain node join";
  }
  removed = true;
  log.error("this node is no longer a member of its layer", {{"layer", genesis.blueprint.layer_path},
                                                             {"epoch", std::to_string(their_epoch)},
                                                             {"our_epoch", std::to_string(epoch)},
                                                             {"hint", "fresh data_dir + mlchain node join"}});
}

void Node::Impl::stop_review() {
  {
    std::lock_guard lock(review_mu);
    review_stop = true;
  }
  review_cv.notify_all();
  if (review_thread.joinable()) review_thread.join();
  if (backfill_thread.joinable()) backfill_thread.join();
}

}  // namespace mlchain::node
