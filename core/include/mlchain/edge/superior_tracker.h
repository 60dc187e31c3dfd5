// SuperiorTracker: keeps the edge's superior address book (superior.h)
// current, in the background.
//
// One round (refresh_once): ask the book's members in turn, starting with a
// different member each round, for GET /v1/layer (by default over HTTPS
// pinned to the member's key in the book; see https_layer_fetcher), merge
// each answer with apply_layer_answer(), and take the first result that is
// either the book as it is (a confirmation: one member suffices) or a
// change that f+1 members of the current book answered identically (one of
// them is honest). Change proposals short of f+1 are ignored, counted
// (SuperiorStatus::unconfirmed) and logged at warn. An accepted book is
// saved to the store first, then published, so what /v1/edge shows is what
// a restart will load. A round in which no member gives an acceptable answer
// is counted, logged at warn and kept as last_error; it is never fatal and
// the previous book stays in use.
//
// The thread (start/stop): one round at once, then one every refresh_interval
// jittered to [3/4, 5/4] of it, so edge nodes started together do not ask in
// step. stop() wakes it and joins it; it waits at most for the request in
// flight, which the fetcher bounds (https_layer_fetcher: request_timeout).
//
// Thread safety: status() from any thread, concurrently with the refresh
// thread. start/stop from one controlling thread. refresh_once() must not be
// called while the thread runs (tests call it instead of start()).
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "mlchain/common/clock.h"
#include "mlchain/common/rng.h"
#include "mlchain/edge/superior.h"
#include "mlchain/node/log.h"
#include "mlchain/store/store.h"

namespace mlchain::edge {

// Asks one member for its /v1/layer answer (parsed JSON). Errors say why
// (unreachable, wrong key, HTTP status, malformed JSON). Called from the
// tracker's thread only.
using LayerFetcher = std::function<Result<codec::Json>(const SuperiorMember& member)>;

// GET <member.address>/v1/layer over TLS 1.3 pinned to member.key; connect
// bounded by min(timeout, 3 s), the whole request by `timeout`; answers over
// 1 MiB or with a status other than 200 are errors.
LayerFetcher https_layer_fetcher(std::chrono::milliseconds timeout);

// A random delay in [base*3/4, base*5/4] (milliseconds, inclusive).
std::chrono::milliseconds jittered(std::chrono::milliseconds base, Rng& rng);

struct SuperiorStatus {
  SuperiorBook book;
  std::optional<std::string> last_error;  // of the last round; none after a success or before any round
  std::uint64_t rounds = 0;               // refresh rounds run
  std::uint64_t failures = 0;             // rounds in which no member gave an acceptable answer
  // Answers that would change the book but that f+1 of its members did not
  // confirm (ignored): a lagging member, or one trying to take the edge over.
  std::uint64_t unconfirmed = 0;
};

class SuperiorTracker {
 public:
  struct Options {
    std::chrono::milliseconds refresh_interval{30'000};
  };

  // `store`, `clock` and `log` must outlive the tracker; `initial` is the
  // book to start from (open_superior_book). `fetch` defaults to
  // https_layer_fetcher(5 s).
  SuperiorTracker(store::Store& store, SuperiorBook initial, Options options, const Clock& clock, node::Logger& log,
                  LayerFetcher fetch = {});
  ~SuperiorTracker();  // stop()
  SuperiorTracker(const SuperiorTracker&) = delete;
  SuperiorTracker& operator=(const SuperiorTracker&) = delete;

  void start();
  // Idempotent. Joins the thread.
  void stop();

  // One round, synchronously. True when an answer was accepted and stored.
  bool refresh_once();

  SuperiorStatus status() const;

 private:
  void run();
  bool stopping() const;

  store::Store& store_;
  const Options options_;
  const Clock& clock_;
  node::Logger& log_;
  LayerFetcher fetch_;
  SystemRng rng_;               // jitter; used by the refresh thread only
  std::size_t next_first_ = 0;  // which member a round asks first; refresh thread only

  mutable std::mutex mu_;
  std::condition_variable wake_;
  bool stopping_ = false;
  SuperiorStatus status_;
  std::thread thread_;
};

}  // namespace mlchain::edge
