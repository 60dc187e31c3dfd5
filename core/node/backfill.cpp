// Backfill of what a node collects by gossip but may have missed (it joined
// later, caught up by state transfer, or was down): the layer's epoch
// certificates (node/epochs.h) and the attestations of old blocks
// (ledger/attestation.h). Without it a newcomer holds neither for the epochs
// before it joined, and once the members of those epochs have all left,
// nobody could prove those blocks nor show the chain of epochs (issue 14
// item 3: a proof of a block from each epoch must stay possible).
//
// Every ~2 s on its own thread: ask the other members (in turn, until one
// has them) for the certificates after the last one stored here, check
// them from the members
// this node trusts for that epoch (ledger::follow_epochs) and store them;
// then walk the heights up from a cursor for blocks without an attestation
// and ask for up to 256 of them from that height (GET
// /v1/attestations?from=H). Attestations are checked on the driver thread
// (against the block and its epoch's members) before they are stored.
#include <algorithm>
#include <future>
#include <random>

#include "mlchain/codec/fields.h"
#include "mlchain/common/rng.h"
#include "mlchain/net/https_client.h"
#include "mlchain/node/epochs.h"
#include "node_impl.h"

namespace mlchain::node {
namespace {

constexpr std::uint64_t kAttestationsPerCall = 256;

Result<codec::Json> get_json(const std::string& address, const crypto::PublicKey& key, const std::string& target) {
  net::HttpsClientOptions o;
  o.connect_timeout = std::chrono::milliseconds(1'000);
  o.total_timeout = std::chrono::milliseconds(3'000);
  o.max_response_bytes = 4 << 20;
  o.server_key = key;
  MLCHAIN_ASSIGN_OR_RETURN(auto r, net::https_request(address, "GET", target, {}, {}, o));
  if (r.status != 200) return unavailable(target + " answered HTTP " + std::to_string(r.status));
  return codec::parse(r.body, codec::ParseLimits{4 << 20, 8, 4096, 256 * 1024});
}

}  // namespace

void Node::Impl::backfill_loop() {
  std::mt19937_64 rng(SystemRng().next_u64());
  std::uniform_int_distribution<long long> jitter(1'500, 2'500);
  std::unique_lock lock(review_mu);
  while (!review_stop) {
    if (review_cv.wait_for(lock, std::chrono::milliseconds(jitter(rng)), [this] { return review_stop; })) break;
    lock.unlock();
    backfill_round();
    lock.lock();
  }
}

void Node::Impl::backfill_round() {
  // Whom to ask: the current members but us, learners included (a newcomer
  // backfills while it follows the chain).
  std::vector<std::pair<crypto::PublicKey, std::string>> members;
  consensus::Epoch epoch = 0;
  std::uint64_t height = 0;
  std::uint64_t missing = 0;  // the first height without an attestation (0: none below the gossiped ones)
  {
    std::promise<void> p;
    auto f = p.get_future();
    if (!driver.post([&] {
          if (replica) {
            for (const auto& k : replica->config().members)
              if (k != key->public_key()) members.emplace_back(k, member_address(k));
            epoch = ledger->epoch_config().epoch;
            height = ledger->height();
            // The last kResendAttestations blocks are still being gossiped;
            // below them, the first height without one (a bounded scan per round).
            std::uint64_t top = height > kResendAttestations ? height - kResendAttestations : 0;
            std::uint64_t h = backfill_height;
            for (std::uint64_t scanned = 0; h <= top && scanned < 4096; ++h, ++scanned) {
              auto a = ledger->attestation(h);
              if (!a.ok() || !*a) break;
            }
            backfill_height = h;
            if (h <= top) missing = h;
          }
          p.set_value();
        }))
      return;
    f.wait();
  }
  members.erase(std::remove_if(members.begin(), members.end(), [](const auto& m) { return m.second.empty(); }),
                members.end());
  if (members.empty()) return;
  ++backfill_turn;  // each round starts with another member

  // 1. Epoch certificates up to the current epoch.
  consensus::Epoch have = 0;
  ledger::TrustedMembers trusted{genesis.blueprint.layer_path, genesis.hash_hex, 0, {}};
  {
    auto txn = store->begin_read();
    if (!txn.ok()) return;
    auto certs = epoch_certificates(**txn, 0, 1u << 20);
    if (!certs.ok()) return;
    if (certs->empty()) {
      for (const auto& m : genesis.blueprint.members)
        if (m.valid) trusted.members.push_back(ledger::EpochMember{m.name, m.key, m.address});
    } else {
      trusted.epoch = certs->back().epoch;
      trusted.members = certs->back().members;
    }
    have = trusted.epoch;
  }
  // Asked in turn until one member's certificates take us further.
  for (std::size_t i = 0; have < epoch && i < members.size(); ++i) {
    const auto& [peer_key, peer_address] = members[(backfill_turn + i) % members.size()];
    auto j = get_json(peer_address, peer_key, "/v1/epochs?after=" + std::to_string(have));
    auto read = j.ok() ? ledger::read_epochs_answer(*j, have) : Result<ledger::EpochsAnswer>(j.status());
    if (!read.ok() || read->chain.empty()) continue;
    std::vector<ledger::EpochCertificate> chain;
    for (auto& c : read->chain) {
      if (c.epoch > epoch) break;  // beyond what our chain shows: not ours to vouch for yet
      chain.push_back(std::move(c));
    }
    auto next = ledger::follow_epochs(trusted, chain, verifier);
    if (!next.ok()) {
      log.warn("backfill: a member's epoch certificates do not verify; ignored",
               {{"member", member_name(peer_key)}, {"error", next.status().message().substr(0, 300)}});
      continue;
    }
    for (const auto& c : chain) {
      if (c.epoch <= have) continue;
      if (Status st = node::store_epoch_certificate(*store, c); !st.ok()) break;
      ++epoch_certs_stored;
    }
    break;
  }

  // 2. Attestations of old blocks.
  if (missing == 0) return;
  std::uint64_t from = missing;
  std::uint64_t top = height - kResendAttestations;
  // Ask the members in turn until one holds the missing one: those that
  // joined later lack the same old attestations, and the members that hold
  // them may leave soon (a layer whose founders are replaced one by one).
  std::vector<ledger::BlockAttestation> got;
  for (std::size_t i = 0; i < members.size(); ++i) {
    const auto& [key_i, address_i] = members[(backfill_turn + i) % members.size()];
    auto j = get_json(address_i, key_i, "/v1/attestations?from=" + std::to_string(from));
    if (!j.ok() || !j->is_object()) continue;
    auto list = codec::get_array(*j, "attestations", kAttestationsPerCall);
    if (!list.ok()) continue;
    got.clear();
    bool has_missing = false;
    for (const auto& x : *list) {
      auto a = ledger::attestation_from_json(x);
      if (!a.ok() || a->height < from || a->height > top) continue;
      has_missing = has_missing || a->height == from;
      got.push_back(std::move(a).value());
    }
    if (has_missing) break;
  }
  if (got.empty()) return;
  driver.post([this, got = std::move(got)] {
    std::vector<ledger::BlockAttestation> good;
    for (const auto& a : got) {
      auto b = ledger->block(a.height);
      if (!b.ok() || !*b) continue;
      const auto* config = config_of_epoch((*b)->certificate.epoch);
      if (!config) continue;
      if (!ledger::verify_attestation(**b, a, *config, verifier).ok()) {
        attestations_backfill_refused += 1;
        continue;
      }
      good.push_back(a);
    }
    if (good.empty()) return;
    attestations_backfilled += good.size();
    pending_attestations.insert(pending_attestations.end(), good.begin(), good.end());
  });
}

}  // namespace mlchain::node
