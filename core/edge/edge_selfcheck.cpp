// An edge central node examines itself (GET /v1/selfcheck, docs/selfcheck.md):
// its store, its TLS certificate, its superior (every member of the book it
// trusts signs a fresh nonce over TLS pinned to its key; f+1 must, or the
// superior's certificates could not reach this edge), the book's last
// refresh, and its clock against the superior's members. Runs on the
// request's handler thread; one at a time.
#include <algorithm>
#include <future>

#include "edge_node_impl.h"
#include "mlchain/crypto/cert.h"
#include "mlchain/node/challenge.h"

namespace mlchain::edge {
namespace {

codec::Json check(std::string name, bool ok, std::string detail, codec::Json data = codec::Json::object()) {
  return {{"check", std::move(name)}, {"ok", ok}, {"detail", std::move(detail)}, {"data", std::move(data)}};
}

// Half of the layers' default max_clock_skew_ms (5 s): the limit a member's
// selfcheck applies.
constexpr std::int64_t kClockLimitMs = 2'500;

}  // namespace

codec::Json EdgeNode::Impl::run_selfcheck() {
  auto t0 = std::chrono::steady_clock::now();
  codec::Json checks = codec::Json::array();

  // 1. The store answers; the registry reads.
  {
    auto txn = store->begin_read();
    auto listed = txn.ok() ? registry->list("", 1) : Result<std::vector<ObjectRecord>>(txn.status());
    bool ok = txn.ok() && listed.ok();
    checks.push_back(check("store", ok,
                           ok ? "LMDB opens read transactions; the object registry reads"
                              : (txn.ok() ? listed.status().message() : txn.status().message())));
  }

  // 2. Own certificate: matches the key, not expiring within 30 days.
  {
    auto info = crypto::inspect_certificate(certificate_pem);
    std::int64_t now_s = unix_millis(clock.now()) / 1000;
    bool ok = info.ok() && info->public_key == key->public_key() && info->not_after_unix > now_s + 30 * 86400;
    std::string detail = !info.ok() ? info.status().message()
                         : ok ? "TLS certificate valid for " + std::to_string((info->not_after_unix - now_s) / 86400) +
                                    " more days"
                              : "TLS certificate expires in " + std::to_string((info->not_after_unix - now_s) / 86400) +
                                    " days: renew it (mlchain key gen makes a new one)";
    checks.push_back(check("certificate", ok, detail, {{"not_after_unix", info.ok() ? info->not_after_unix : 0}}));
  }

  // 3. The superior, as this edge's book knows it, and 4. the clock.
  if (!superior) {
    checks.push_back(check("superior", true, "no [superior] configured: this edge takes part in no contract"));
  } else {
    SuperiorStatus s = superior->status();
    std::vector<std::future<codec::Json>> answers;
    for (const auto& m : s.book.members)
      answers.push_back(std::async(std::launch::async, [this, m] {
        return node::challenge_node(m.key, m.address, m.name, verifier);
      }));
    codec::Json results = codec::Json::array();
    std::size_t ok = 0;
    std::int64_t worst = 0;
    std::string failed;
    for (auto& a : answers) {
      auto r = a.get();
      if (r.value("result", "") == "ok") {
        ++ok;
        worst = std::max<std::int64_t>(worst, std::abs(r.value("clock_offset_ms", std::int64_t{0})));
      } else {
        failed += (failed.empty() ? "" : ", ") + r.value("name", "?") + " (" + r.value("result", "?") + ")";
      }
      results.push_back(std::move(r));
    }
    std::size_t n = s.book.members.size();
    std::size_t need = n == 0 ? 1 : (n - 1) / 3 + 1;
    bool fresh = !s.last_error.has_value();
    bool sup_ok = ok >= need && fresh;
    std::string detail = std::to_string(ok) + " of " + std::to_string(n) + " members of " + s.book.path + " (epoch " +
                         std::to_string(s.book.epoch) + ") signed a fresh nonce, " + std::to_string(need) +
                         " (f+1) needed";
    if (!failed.empty()) detail += "; failed: " + failed;
    if (!fresh) detail += "; the last address-book refresh failed: " + s.last_error->substr(0, 300);
    checks.push_back(check("superior", sup_ok, detail,
                           {{"layer", s.book.path}, {"epoch", s.book.epoch}, {"members", results},
                            {"book_refreshed_at_ms", s.book.refreshed_at_ms}}));
    if (ok > 0) {
      checks.push_back(check("clock", worst <= kClockLimitMs,
                             "largest clock offset to a superior member: " + std::to_string(worst) + " ms (limit " +
                                 std::to_string(kClockLimitMs) + " ms)",
                             {{"max_offset_ms", worst}}));
    } else {
      checks.push_back(check("clock", false, "no superior member answered: the clock could not be compared"));
    }
  }

  bool all = std::all_of(checks.begin(), checks.end(), [](const codec::Json& c) { return c.value("ok", false); });
  return {{"node", cfg.name},
          {"layer", cfg.layer},
          {"role", "edge"},
          {"ok", all},
          {"checks", checks},
          {"elapsed_ms", std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0).count()}};
}

}  // namespace mlchain::edge
