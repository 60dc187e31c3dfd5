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
// jittered to [3/4, 5/4] of it (and, between rounds, follow_epochs_now()
// every epoch_interval, jittered likewise), so edge nodes started together do not ask in
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
// Asks one member for its epoch certificates after epoch `after` (GET
// /v1/epochs?after=N, parsed JSON: {"layer", "genesis", "epoch",
// "certificates"}). Same bounds and errors as LayerFetcher.
using EpochFetcher = std::function<Result<codec::Json>(const SuperiorMember& member, std::uint64_t after)>;
EpochFetcher https_epoch_fetcher(std::chrono::milliseconds timeout);

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
  // Epoch certificates a member answered that did not verify (ignored).
  std::uint64_t refused_certificates = 0;
  std::uint64_t epochs_followed = 0;  // book updates by epoch certificates
};

class SuperiorTracker {
 public:
  struct Options {
    std::chrono::milliseconds refresh_interval{30'000};
    // How often, between rounds, the superior's epoch certificates are
    // checked for a newer epoch (follow_epochs_now).
    std::chrono::milliseconds epoch_interval{3'000};
  };

  // `store`, `clock` and `log` must outlive the tracker; `initial` is the
  // book to start from (open_superior_book). `fetch` defaults to
  // https_layer_fetcher(5 s).
  SuperiorTracker(store::Store& store, SuperiorBook initial, Options options, const Clock& clock, node::Logger& log,
                  LayerFetcher fetch = {}, EpochFetcher epochs = {});
  ~SuperiorTracker();  // stop()
  SuperiorTracker(const SuperiorTracker&) = delete;
  SuperiorTracker& operator=(const SuperiorTracker&) = delete;

  void start();
  // Idempotent. Joins the thread.
  void stop();

  // One round, synchronously. True when an answer was accepted and stored.
  // A round first follows the superior's epoch certificates (follow_epochs_now).
  bool refresh_once();
  // Follows the superior's membership by its epoch certificates
  // (ledger/epoch_cert.h): asks the members for certificates after the
  // book's epoch and takes the first chain that verifies from the book's
  // members (one honest answer suffices: the certificates prove themselves;
  // a chain that does not verify is counted, logged and ignored). True when
  // the book moved to a later epoch (saved, then published). Any thread;
  // at most once a second when `on_demand` (a packet signed by keys the
  // book does not know asks for it).
  bool follow_epochs_now(bool on_demand = false);

  SuperiorStatus status() const;

 private:
  void run();
  bool stopping() const;
  bool follow_epochs_locked();  // round_mu_ held

  store::Store& store_;
  const Options options_;
  const Clock& clock_;
  node::Logger& log_;
  LayerFetcher fetch_;
  EpochFetcher epochs_;
  crypto::Ed25519Verifier verifier_;
  std::mutex round_mu_;  // one round or follow at a time
  std::chrono::steady_clock::time_point demand_at_{};  // round_mu_: the last on-demand follow
  SystemRng rng_;               // jitter; used by the refresh thread only
  std::size_t next_first_ = 0;  // which member a round asks first; refresh thread only

  mutable std::mutex mu_;
  std::condition_variable wake_;
  bool stopping_ = false;
  SuperiorStatus status_;
  std::thread thread_;
};

}  // namespace mlchain::edge
