// The superior book's refresh thread. Whether one answer is acceptable is
// apply_layer_answer's decision; whether enough members agree (f+1 for a
// change) is made here, which also asks, stores, publishes and reports.
#include "mlchain/edge/superior_tracker.h"

#include <algorithm>
#include <map>

#include "mlchain/codec/fields.h"
#include "mlchain/ledger/epoch_cert.h"
#include "mlchain/net/https_client.h"

namespace mlchain::edge {
namespace {

constexpr std::size_t kMaxErrorPart = 240;  // per member, in last_error and the warn line

std::string members_summary(const SuperiorBook& b) {
  std::string out;
  for (const auto& m : b.members)
    out += (out.empty() ? "" : ",") + (m.name.empty() ? m.key.hex().substr(0, 8) : m.name);
  return out;
}

}  // namespace

LayerFetcher https_layer_fetcher(std::chrono::milliseconds timeout) {
  return [timeout](const SuperiorMember& member) -> Result<codec::Json> {
    net::HttpsClientOptions o;
    o.connect_timeout = std::min(timeout, std::chrono::milliseconds(3'000));
    o.total_timeout = timeout;
    o.max_response_bytes = 1 << 20;
    o.server_key = member.key;
    MLCHAIN_ASSIGN_OR_RETURN(auto r, net::https_request(member.address, "GET", "/v1/layer", {}, {}, o));
    if (r.status != 200) {
      return unavailable("GET /v1/layer answered HTTP " + std::to_string(r.status) + ": " + r.body.substr(0, 160));
    }
    auto j = codec::parse(r.body, codec::ParseLimits{1 << 20, 32, 64 * 1024, 200'000});
    if (!j.ok()) return invalid_argument("the /v1/layer answer is not acceptable JSON: " + j.status().message());
    return j;
  };
}

EpochFetcher https_epoch_fetcher(std::chrono::milliseconds timeout) {
  return [timeout](const SuperiorMember& member, std::uint64_t after) -> Result<codec::Json> {
    net::HttpsClientOptions o;
    o.connect_timeout = std::min(timeout, std::chrono::milliseconds(3'000));
    o.total_timeout = timeout;
    o.max_response_bytes = 2 << 20;
    o.server_key = member.key;
    MLCHAIN_ASSIGN_OR_RETURN(auto r, net::https_request(member.address, "GET", "/v1/epochs?after=" + std::to_string(after),
                                                        {}, {}, o));
    if (r.status != 200) {
      return unavailable("GET /v1/epochs answered HTTP " + std::to_string(r.status) + ": " + r.body.substr(0, 160));
    }
    auto j = codec::parse(r.body, codec::ParseLimits{2 << 20, 8, 4096, 64 * 1024});
    if (!j.ok()) return invalid_argument("the /v1/epochs answer is not acceptable JSON: " + j.status().message());
    return j;
  };
}

std::chrono::milliseconds jittered(std::chrono::milliseconds base, Rng& rng) {
  std::int64_t b = std::max<std::int64_t>(base.count(), 1);
  return std::chrono::milliseconds(rng.range(b * 3 / 4, b * 5 / 4));
}

SuperiorTracker::SuperiorTracker(store::Store& store, SuperiorBook initial, Options options, const Clock& clock,
                                 node::Logger& log, LayerFetcher fetch, EpochFetcher epochs)
    : store_(store),
      options_(options),
      clock_(clock),
      log_(log),
      fetch_(fetch ? std::move(fetch) : https_layer_fetcher(std::chrono::milliseconds(5'000))),
      epochs_(epochs ? std::move(epochs) : https_epoch_fetcher(std::chrono::milliseconds(5'000))) {
  status_.book = std::move(initial);
}

SuperiorTracker::~SuperiorTracker() { stop(); }

void SuperiorTracker::start() {
  if (thread_.joinable()) return;
  {
    std::lock_guard lock(mu_);
    stopping_ = false;
  }
  thread_ = std::thread([this] { run(); });
}

void SuperiorTracker::stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

bool SuperiorTracker::stopping() const {
  std::lock_guard lock(mu_);
  return stopping_;
}

SuperiorStatus SuperiorTracker::status() const {
  std::lock_guard lock(mu_);
  return status_;
}

void SuperiorTracker::run() {
  refresh_once();
  for (;;) {
    // Between full rounds, follow the superior's epochs more often (one GET
    // that answers "nothing newer" when nothing changed): a superior whose
    // members are replaced one by one must not get out of this edge's reach.
    auto round_at = std::chrono::steady_clock::now() + jittered(options_.refresh_interval, rng_);
    for (;;) {
      auto now = std::chrono::steady_clock::now();
      auto delay = std::min<std::chrono::steady_clock::duration>(round_at - now, jittered(options_.epoch_interval, rng_));
      {
        std::unique_lock lock(mu_);
        if (wake_.wait_for(lock, delay, [this] { return stopping_; })) return;
      }
      if (std::chrono::steady_clock::now() >= round_at) break;
      follow_epochs_now();
    }
    refresh_once();
  }
}

bool SuperiorTracker::follow_epochs_now(bool on_demand) {
  std::unique_lock round(round_mu_);
  if (on_demand) {
    auto now = std::chrono::steady_clock::now();
    if (demand_at_ != std::chrono::steady_clock::time_point{} && now - demand_at_ < std::chrono::seconds(1))
      return false;
    demand_at_ = now;
  }
  return follow_epochs_locked();
}

bool SuperiorTracker::follow_epochs_locked() {
  SuperiorBook current = status().book;
  ledger::TrustedMembers trusted{current.path, current.genesis_hash, current.epoch, {}};
  for (const auto& m : current.members) trusted.members.push_back(ledger::EpochMember{m.name, m.key, m.address});
  const std::size_t n = current.members.size();
  for (std::size_t i = 0; i < n; ++i) {
    if (stopping()) return false;
    const SuperiorMember& m = current.members[(next_first_ + i) % n];
    if (m.address.empty()) continue;
    auto answer = epochs_(m, current.epoch);
    if (!answer.ok()) continue;  // the /v1/layer round reports unreachable members
    auto read = ledger::read_epochs_answer(*answer, current.epoch);
    if (read.ok() && read->nothing_newer) return false;
    if (read.ok() && read->chain.empty()) continue;  // this member has not collected the newer certificates yet
    Result<ledger::TrustedMembers> next = read.ok() ? ledger::follow_epochs(trusted, read->chain, verifier_)
                                                    : Result<ledger::TrustedMembers>(read.status());
    std::string who = m.name.empty() ? m.key.hex().substr(0, 16) : m.name;
    if (!next.ok()) {
      {
        std::lock_guard lock(mu_);
        ++status_.refused_certificates;
      }
      log_.warn("a superior member answered epoch certificates that do not verify; ignored",
                {{"superior", current.path}, {"from", who}, {"error", next.status().message().substr(0, 300)}});
      continue;
    }
    if (next->epoch <= current.epoch) return false;
    SuperiorBook book = current;
    book.genesis_hash = next->genesis;
    book.epoch = next->epoch;
    book.members.clear();
    for (const auto& em : next->members) {
      SuperiorMember sm{em.name, em.key, em.address};
      if (sm.address.empty()) {
        for (const auto& old : current.members)
          if (old.key == em.key) sm.address = old.address;
      }
      book.members.push_back(std::move(sm));
    }
    book.refreshed_at_ms = unix_millis(clock_.now());
    if (Status st = save_superior_book(store_, book); !st.ok()) {
      log_.warn("superior epoch certificates verified but the book was not stored",
                {{"superior", current.path}, {"error", st.to_string()}});
      return false;
    }
    {
      std::lock_guard lock(mu_);
      status_.book = book;
      ++status_.epochs_followed;
    }
    log_.info("superior address book updated by epoch certificates",
              {{"superior", book.path}, {"from", who}, {"epoch", std::to_string(book.epoch)},
               {"members", members_summary(book)}});
    return true;
  }
  return false;
}

bool SuperiorTracker::refresh_once() {
  std::unique_lock round(round_mu_);
  follow_epochs_locked();
  SuperiorBook current = status().book;
  const std::size_t n = current.members.size();
  // A change of the book (epoch, members, addresses) needs f+1 matching
  // answers of the members trusted now: at least one is honest. One member
  // alone may only confirm the book as it is (issue 14 item 2: one byzantine
  // member answering with itself alone and a huge epoch took the edge over).
  const std::size_t need = n == 0 ? 1 : (n - 1) / 3 + 1;
  std::string errors;
  auto note = [&](const SuperiorMember& m, const std::string& what) {
    std::string who = m.name.empty() ? m.key.hex().substr(0, 16) : m.name;
    errors += (errors.empty() ? "" : "; ") + who + ": " + what.substr(0, kMaxErrorPart);
  };
  struct Vote {
    SuperiorBook book;
    std::vector<std::string> from;
  };
  std::map<std::string, Vote> votes;  // proposed book (without refreshed_at) -> who answered it
  const std::size_t first = n == 0 ? 0 : next_first_ % n;
  ++next_first_;
  std::optional<SuperiorBook> accepted;
  std::string accepted_from;
  for (std::size_t i = 0; i < n && !accepted; ++i) {
    if (stopping()) return false;  // not a failure of the superior: we are shutting down
    const SuperiorMember& m = current.members[(first + i) % n];
    if (m.address.empty()) {
      note(m, "no known address");
      continue;
    }
    auto answer = fetch_(m);
    if (!answer.ok()) {
      note(m, answer.status().to_string());
      continue;
    }
    auto next = apply_layer_answer(current, *answer, unix_millis(clock_.now()));
    if (!next.ok()) {
      note(m, "answer refused: " + next.status().to_string());
      continue;
    }
    std::string who = m.name.empty() ? m.key.hex().substr(0, 16) : m.name;
    if (next->epoch == current.epoch && next->members == current.members) {
      accepted = *next;  // a confirmation: nothing changes but the time
      accepted_from = who;
      break;
    }
    SuperiorBook key_book = *next;
    key_book.refreshed_at_ms = 0;
    auto& vote = votes[codec::canonical(to_json(key_book)).value_or("")];
    vote.book = *next;
    vote.from.push_back(who);
    if (vote.from.size() >= need) {
      accepted = *next;
      for (const auto& f : vote.from) accepted_from += (accepted_from.empty() ? "" : ",") + f;
    }
  }
  // Answers proposing a change that f+1 did not confirm: counted and logged
  // (a lagging or byzantine member, or a change still spreading).
  std::uint64_t unconfirmed = 0;
  for (const auto& [k, v] : votes) {
    if (accepted && v.from.size() >= need && v.book.epoch == accepted->epoch && v.book.members == accepted->members)
      continue;
    ++unconfirmed;
    std::string who;
    for (const auto& f : v.from) who += (who.empty() ? "" : ",") + f;
    log_.warn("a superior member's answer changes the address book but is not confirmed by f+1 of its members; ignored",
              {{"superior", current.path},
               {"from", who},
               {"confirmations", std::to_string(v.from.size()) + " of " + std::to_string(need) + " needed"},
               {"epoch", std::to_string(v.book.epoch)},
               {"members", members_summary(v.book)}});
    if (!accepted)
      errors += (errors.empty() ? "" : "; ") + who + ": proposed epoch " + std::to_string(v.book.epoch) + " (" +
                members_summary(v.book).substr(0, kMaxErrorPart) + "), confirmed by " + std::to_string(v.from.size()) +
                " of the " + std::to_string(need) + " members needed";
  }
  if (accepted) {
    if (Status st = save_superior_book(store_, *accepted); !st.ok()) {
      errors += (errors.empty() ? "" : "; ") + std::string("answer accepted but not stored: ") + st.to_string();
      accepted.reset();
    }
  }
  if (accepted) {
    bool changed = accepted->epoch != current.epoch || accepted->members != current.members;
    {
      std::lock_guard lock(mu_);
      status_.book = *accepted;
      status_.last_error.reset();
      ++status_.rounds;
      status_.unconfirmed += unconfirmed;
    }
    node::LogFields fields = {{"superior", accepted->path},
                              {"from", accepted_from},
                              {"epoch", std::to_string(accepted->epoch)},
                              {"members", members_summary(*accepted)}};
    if (changed) {
      log_.info("superior address book updated", fields);
    } else {
      log_.debug("superior address book confirmed", fields);
    }
    return true;
  }
  if (n == 0) errors = "the book lists no member to ask";
  {
    std::lock_guard lock(mu_);
    status_.last_error = errors;
    ++status_.rounds;
    ++status_.failures;
    status_.unconfirmed += unconfirmed;
  }
  log_.warn("superior address book not refreshed (keeping the current one)",
            {{"superior", current.path}, {"epoch", std::to_string(current.epoch)}, {"errors", errors}});
  return false;
}

}  // namespace mlchain::edge
