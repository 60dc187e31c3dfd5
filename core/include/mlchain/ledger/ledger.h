// Ledger: the layer's chain and state in a Store.
//
// Tables: "blocks" (big-endian u64 height -> canonical block JSON), "meta"
// ("head" -> {height, hash, time, chain_digest}, "genesis" -> hash, "epoch"
// -> the current epoch and pending membership changes), "epochs" (epoch ->
// member keys),
// "results" (height -> the hex results of its ops, whose digest the header
// carries), "attestations" (height -> ledger::BlockAttestation, written when
// f+1 members vouched for the block: see attestation.h),
// "clients" (client -> {id, result}: the dedup table, part of the state),
// "consensus" (the replica's durable records, see consensus/replica.h), plus
// whatever tables the StateMachine writes.
//
// Durability: apply() is ONE Store::write transaction (block + head + client
// table + application state). When it returns ok the block is durable
// (LmdbStore fsyncs); a crash leaves the store at the previous block or this
// one, never between. A ledger reopened from its store resumes at its head.
//
// Thread safety: none; the driver that runs the Replica owns the Ledger. The
// Store and StateMachine must outlive it.
#pragma once

#include <memory>
#include <optional>
#include <vector>

#include "mlchain/consensus/events.h"
#include "mlchain/consensus/replica.h"
#include "mlchain/ledger/attestation.h"
#include "mlchain/ledger/block.h"
#include "mlchain/ledger/blueprint.h"
#include "mlchain/ledger/state_machine.h"

namespace mlchain::ledger {

struct Reply {
  std::string client;
  std::uint64_t request_id = 0;
  Bytes result;
};

struct Applied {
  Block block;
  std::vector<Reply> replies;  // one per op, including re-sent cached replies
};

Block make_genesis(const Blueprint& b);

class Ledger {
 public:
  // Initialises an empty store with the blueprint's genesis block, or opens
  // an existing one; refuses (FailedPrecondition) a store whose genesis is a
  // different layer's.
  static Result<std::unique_ptr<Ledger>> open(store::Store& store, const Blueprint& blueprint, StateMachine& app);

  // Which ordered requests are membership changes (consensus/reconfig.h);
  // must be the Replica's filter. Set it before the first apply().
  void set_config_filter(consensus::ConfigFilter filter) { config_filter_ = std::move(filter); }
  // Which ordered requests their clients really sent (consensus/types.h);
  // must be the Replica's. An unauthenticated op is not given to the
  // StateMachine and writes no "clients" row: its result is an error.
  void set_authenticator(consensus::RequestAuthenticator a) { authenticator_ = std::move(a); }

  // Applies the committed batch as block e.seq (must be height() + 1).
  Result<Applied> apply(const consensus::Execute& e);
  // Stores replica records, all in one transaction (a driver should pass
  // every consecutive Persist of one step together: one fsync, not many).
  // Durable when it returns ok.
  Status persist(const consensus::Persist& p);
  Status persist(const std::vector<consensus::Persist>& records);
  // What a restarted Replica needs. Not the clients' request ids: the
  // `clients` table grows with every client key that ever executed an op,
  // so the Replica reads those on demand (client_lookup()).
  Result<consensus::RecoveredState> recover() const;
  // The last executed request id of `client` as of the head block (nullopt:
  // none), from the `clients` table in a read transaction of its own.
  Result<std::optional<std::uint64_t>> last_request_id(std::string_view client) const;
  // last_request_id() as the Replica's ClientLookup (consensus/types.h); the
  // Ledger must outlive the Replica it is given to.
  consensus::ClientLookup client_lookup() const;

  Result<std::optional<Block>> block(std::uint64_t height) const;
  // The results of block `height`'s ops, in order (nullopt: no such block,
  // or one applied before results were kept).
  Result<std::optional<std::vector<Bytes>>> results(std::uint64_t height) const;
  // Complete attestations (f+1 signatures, checked by the caller), in one
  // transaction; a height already attested keeps its first.
  Status store_attestations(const std::vector<BlockAttestation>& attestations);
  // The same, without a transaction of their own (each costs an fsync): kept
  // in memory (attestation() sees them at once) and written with the next
  // apply() or persist(), or by flush_attestations(). A crash may lose them;
  // they are not part of the replicated state.
  void add_attestations(std::vector<BlockAttestation> attestations);
  Status flush_attestations();
  bool has_unsaved_attestations() const { return !unsaved_attestations_.empty(); }
  Result<std::optional<BlockAttestation>> attestation(std::uint64_t height) const;
  // Blocks [from, from + max) that exist, as committed batches for state
  // transfer; past the first, at most max_bytes of request_bytes() in all
  // (0: no byte limit).
  Result<std::vector<consensus::CommittedBatch>> committed_batches(std::uint64_t from, std::size_t max,
                                                                  std::size_t max_bytes = 0) const;
  Result<std::optional<Reply>> cached_reply(const std::string& client) const;

  // The members of `epoch` (for verifying old certificates); NotFound if the
  // chain never reached it.
  Result<consensus::EpochConfig> epoch_config_of(consensus::Epoch epoch) const;
  // Whether `key` was a member in any epoch of this chain so far (a node
  // that never was is a newcomer: RecoveredState::learner).
  Result<bool> ever_member(const crypto::PublicKey& key) const;

  std::uint64_t height() const { return height_; }
  const Digest& head_hash() const { return head_hash_; }
  const Digest& genesis_hash() const { return genesis_hash_; }
  const consensus::EpochConfig& epoch_config() const { return config_; }

 private:
  Ledger(store::Store& store, StateMachine& app, consensus::EpochConfig config, std::uint64_t k)
      : store_(store), app_(app), config_(std::move(config)), checkpoint_interval_(k) {}
  Status load_head();
  Status load_epoch();

  store::Store& store_;
  StateMachine& app_;
  consensus::EpochConfig config_;
  std::uint64_t height_ = 0;
  Digest head_hash_{};
  Digest genesis_hash_{};
  Digest chain_digest_{};
  std::int64_t head_time_ = 0;
  // Reconfiguration (consensus/reconfig.h), applied by the same rule as the
  // Replica and stored with each block: meta "epoch", table "epochs".
  std::uint64_t checkpoint_interval_ = 1;
  std::uint64_t epoch_start_ = 0;
  Digest epoch_start_digest_{};
  std::vector<consensus::ConfigChange> pending_changes_;
  consensus::ConfigFilter config_filter_;
  consensus::RequestAuthenticator authenticator_;
  std::map<std::uint64_t, BlockAttestation> unsaved_attestations_;  // by height
  Status write_attestations(store::WriteTxn& w, const std::vector<BlockAttestation>& attestations);
  Status write_unsaved_in(store::WriteTxn& w);
};

}  // namespace mlchain::ledger
