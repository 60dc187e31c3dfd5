// The superior book's refresh thread. The decision (accept or refuse an
// answer) is apply_layer_answer's; this file only asks, stores, publishes
// and reports.
#include "mlchain/edge/superior_tracker.h"

#include <algorithm>

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

std::chrono::milliseconds jittered(std::chrono::milliseconds base, Rng& rng) {
  std::int64_t b = std::max<std::int64_t>(base.count(), 1);
  return std::chrono::milliseconds(rng.range(b * 3 / 4, b * 5 / 4));
}

SuperiorTracker::SuperiorTracker(store::Store& store, SuperiorBook initial, Options options, const Clock& clock,
                                 node::Logger& log, LayerFetcher fetch)
    : store_(store),
      options_(options),
      clock_(clock),
      log_(log),
      fetch_(fetch ? std::move(fetch) : https_layer_fetcher(std::chrono::milliseconds(5'000))) {
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
    auto delay = jittered(options_.refresh_interval, rng_);
    std::unique_lock lock(mu_);
    if (wake_.wait_for(lock, delay, [this] { return stopping_; })) return;
    lock.unlock();
    refresh_once();
  }
}

bool SuperiorTracker::refresh_once() {
  SuperiorBook current = status().book;
  const std::size_t n = current.members.size();
  std::string errors;
  auto note = [&](const SuperiorMember& m, const std::string& what) {
    std::string who = m.name.empty() ? m.key.hex().substr(0, 16) : m.name;
    errors += (errors.empty() ? "" : "; ") + who + ": " + what.substr(0, kMaxErrorPart);
  };
  const std::size_t first = n == 0 ? 0 : next_first_ % n;
  ++next_first_;
  for (std::size_t i = 0; i < n; ++i) {
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
    if (Status st = save_superior_book(store_, *next); !st.ok()) {
      note(m, "answer accepted but not stored: " + st.to_string());
      break;  // a local problem: asking others would not help
    }
    bool changed = next->epoch != current.epoch || next->members != current.members;
    {
      std::lock_guard lock(mu_);
      status_.book = *next;
      status_.last_error.reset();
      ++status_.rounds;
    }
    node::LogFields fields = {{"superior", next->path},
                              {"from", m.name},
                              {"epoch", std::to_string(next->epoch)},
                              {"members", members_summary(*next)}};
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
  }
  log_.warn("superior address book not refreshed (keeping the current one)",
            {{"superior", current.path}, {"epoch", std::to_string(current.epoch)}, {"errors", errors}});
  return false;
}

}  // namespace mlchain::edge
