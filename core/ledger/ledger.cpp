#include "mlchain/ledger/ledger.h"

#include <algorithm>

#include "mlchain/codec/fields.h"

namespace mlchain::ledger {
namespace {

using codec::Json;

constexpr std::string_view kBlocks = "blocks";
constexpr std::string_view kMeta = "meta";
constexpr std::string_view kClients = "clients";
constexpr std::string_view kConsensus = "consensus";
constexpr std::string_view kEpochs = "epochs";
constexpr std::string_view kResults = "results";
constexpr std::string_view kAttestations = "attestations";

std::string epoch_key(std::uint64_t e) {
  std::string k(8, '\0');
  for (int i = 0; i < 8; ++i) k[static_cast<std::size_t>(i)] = static_cast<char>(e >> (56 - 8 * i));
  return k;
}

Json members_json(const consensus::EpochConfig& c) {
  Json keys = Json::array();
  for (const auto& k : c.members) keys.push_back(k.hex());
  return keys;
}

Result<consensus::EpochConfig> members_from(const Json& keys, consensus::Epoch epoch) {
  consensus::EpochConfig c;
  c.epoch = epoch;
  if (!keys.is_array()) return corruption("stored member list is not an array");
  for (const auto& k : keys) {
    if (!k.is_string()) return corruption("stored member key is not a string");
    MLCHAIN_ASSIGN_OR_RETURN(auto pk, crypto::PublicKey::from_hex(k.get<std::string>()));
    c.members.push_back(pk);
  }
  return c;
}

std::string height_key(std::uint64_t h) {
  std::string k(8, '\0');
  for (int i = 0; i < 8; ++i) k[static_cast<std::size_t>(i)] = static_cast<char>(h >> (56 - 8 * i));
  return k;
}

// A table that was never written is "unknown" to the store: read it as empty.
Result<std::optional<store::Value>> get_opt(const store::ReadTxn& txn, std::string_view table, std::string_view key) {
  auto v = txn.get(table, key);
  if (!v.ok() && v.status().code() == ErrorCode::kNotFound) return std::optional<store::Value>();
  return v;
}

// Our own blocks: a batch of the byte budget (consensus/types.h, at most
// 1 MiB of requests) stored with hex ops is about twice that. The default
// 1 MiB parse limit refused them, and state transfer could never serve them.
constexpr codec::ParseLimits kBlockLimits{64u << 20, 32, 2 * consensus::kMaxOpBytes + 1024, 10'000'000};

std::string canon(const Json& j) {
  auto t = codec::canonical(j);
  return t.ok() ? *t : std::string();
}

Result<Digest> digest_of(const Json& j, std::string_view f) {
  MLCHAIN_ASSIGN_OR_RETURN(Bytes b, codec::get_hex(j, f, 32));
  Digest d{};
  std::copy(b.begin(), b.end(), d.begin());
  return d;
}

std::string head_json(std::uint64_t height, const Digest& hash, std::int64_t time, const Digest& chain) {
  return canon({{"height", height}, {"hash", to_hex(hash)}, {"time", time}, {"chain_digest", to_hex(chain)}});
}

}  // namespace

Block make_genesis(const Blueprint& b) {
  Block g;
  g.height = 0;
  g.time_ms = b.genesis_time_ms;
  g.config = to_json(b);
  return g;
}

Result<std::unique_ptr<Ledger>> Ledger::open(store::Store& store, const Blueprint& blueprint, StateMachine& app) {
  consensus::EpochConfig config = ledger::epoch_config(blueprint);
  MLCHAIN_TRY(consensus::validate(replica_options(blueprint.params), config));
  std::unique_ptr<Ledger> l(new Ledger(store, app, std::move(config), std::max<std::uint64_t>(1, blueprint.params.checkpoint_interval)));
  Block genesis = make_genesis(blueprint);
  Digest gh = genesis.hash();
  MLCHAIN_ASSIGN_OR_RETURN(auto r, store.begin_read());
  MLCHAIN_ASSIGN_OR_RETURN(auto stored, get_opt(*r, kMeta, "genesis"));
  r.reset();
  if (!stored) {
    Status st = store.write([&](store::WriteTxn& w) -> Status {
      MLCHAIN_TRY(w.put(kBlocks, height_key(0), canon(to_json(genesis))));
      MLCHAIN_TRY(w.put(kMeta, "genesis", to_hex(gh)));
      // The chain digest starts at the genesis hash (see consensus/replica.h).
      return w.put(kMeta, "head", head_json(0, gh, genesis.time_ms, gh));
    });
    if (!st.ok()) return st;
  } else if (*stored != to_hex(gh)) {
    return failed_precondition("this store holds the chain of another layer (genesis " + *stored +
                               ", blueprint gives " + to_hex(gh) + "); use an empty data directory");
  }
  l->genesis_hash_ = gh;
  MLCHAIN_TRY(l->load_head());
  if (!stored) l->epoch_start_digest_ = gh;
  MLCHAIN_TRY(l->load_epoch());
  return l;
}

Status Ledger::load_epoch() {
  MLCHAIN_ASSIGN_OR_RETURN(auto r, store_.begin_read());
  MLCHAIN_ASSIGN_OR_RETURN(auto rec, get_opt(*r, kMeta, "epoch"));
  if (!rec) {
    epoch_start_digest_ = genesis_hash_;  // epoch 0 starts at genesis
    return {};
  }
  MLCHAIN_ASSIGN_OR_RETURN(Json j, codec::parse(*rec));
  MLCHAIN_ASSIGN_OR_RETURN(std::uint64_t epoch, codec::get_uint(j, "epoch"));
  MLCHAIN_ASSIGN_OR_RETURN(config_, members_from(j.value("members", Json()), epoch));
  MLCHAIN_ASSIGN_OR_RETURN(epoch_start_, codec::get_uint(j, "start"));
  MLCHAIN_ASSIGN_OR_RETURN(epoch_start_digest_, digest_of(j, "start_digest"));
  MLCHAIN_ASSIGN_OR_RETURN(Json pending, codec::get_array(j, "pending"));
  pending_changes_.clear();
  for (const auto& p : pending) {
    if (!p.is_string()) return corruption("stored pending change is not a string");
    MLCHAIN_ASSIGN_OR_RETURN(Bytes op, from_hex(p.get<std::string>()));
    if (auto c = consensus::parse_config_op(op)) pending_changes_.push_back(*c);
  }
  return {};
}

Result<consensus::EpochConfig> Ledger::epoch_config_of(consensus::Epoch epoch) const {
  if (epoch == config_.epoch) return config_;
  MLCHAIN_ASSIGN_OR_RETURN(auto r, store_.begin_read());
  MLCHAIN_ASSIGN_OR_RETURN(auto rec, get_opt(*r, kEpochs, epoch_key(epoch)));
  if (!rec) return not_found("this chain has no epoch " + std::to_string(epoch));
  MLCHAIN_ASSIGN_OR_RETURN(Json j, codec::parse(*rec));
  return members_from(j, epoch);
}

Result<bool> Ledger::ever_member(const crypto::PublicKey& key) const {
  for (consensus::Epoch e = 0; e <= config_.epoch; ++e) {
    auto c = epoch_config_of(e);
    if (!c.ok()) {
      if (c.status().code() == ErrorCode::kNotFound && e == 0) continue;  // epoch 0 is stored at the first switch
      return c.status();
    }
    if (c->index_of(key)) return true;
  }
  return false;
}

Status Ledger::load_head() {
  MLCHAIN_ASSIGN_OR_RETURN(auto r, store_.begin_read());
  MLCHAIN_ASSIGN_OR_RETURN(auto head, get_opt(*r, kMeta, "head"));
  if (!head) return corruption("ledger meta has no head record; the store is damaged");
  MLCHAIN_ASSIGN_OR_RETURN(Json j, codec::parse(*head));
  MLCHAIN_ASSIGN_OR_RETURN(height_, codec::get_uint(j, "height"));
  MLCHAIN_ASSIGN_OR_RETURN(head_hash_, digest_of(j, "hash"));
  MLCHAIN_ASSIGN_OR_RETURN(head_time_, codec::get_int(j, "time"));
  MLCHAIN_ASSIGN_OR_RETURN(chain_digest_, digest_of(j, "chain_digest"));
  return {};
}

Result<Applied> Ledger::apply(const consensus::Execute& e) {
  if (e.seq != height_ + 1)
    return failed_precondition("block " + std::to_string(e.seq) + " cannot follow height " + std::to_string(height_));
  Applied out;
  Block& b = out.block;
  b.height = e.seq;
  b.prev_hash = head_hash_;
  b.time_ms = std::max(e.pre_prepare.time_ms, head_time_);
  b.ops = e.pre_prepare.requests;
  b.certificate.epoch = e.epoch;
  b.certificate.view = e.commits.empty() ? e.pre_prepare.view : e.commits.front().view;
  b.certificate.proposed_time_ms = e.pre_prepare.time_ms;
  for (const auto& c : e.commits) b.certificate.signatures.emplace_back(c.replica, c.sig);
  std::vector<consensus::ConfigChange> pending;
  std::optional<consensus::EpochConfig> switched;
  EncodedBlock encoded;
  Status st = store_.write([&](store::WriteTxn& w) -> Status {
    out.replies.clear();
    pending = pending_changes_;
    switched.reset();
    std::vector<Bytes> results;
    OpContext ctx{b.height, b.time_ms, &config_};
    for (const auto& op : b.ops) {
      if (!consensus::is_authentic(op, authenticator_)) {
        // Never sent by its client: nothing executes and the client's dedup
        // row is untouched (see RequestAuthenticator).
        Bytes refused = to_bytes("error: unauthenticated request: its client did not sign it; nothing executed");
        results.push_back(refused);
        out.replies.push_back(Reply{op.client, op.id, std::move(refused)});
        continue;
      }
      MLCHAIN_ASSIGN_OR_RETURN(auto prev, get_opt(w, kClients, op.client));
      std::uint64_t last_id = 0;
      Bytes cached;
      if (prev) {
        MLCHAIN_ASSIGN_OR_RETURN(Json pj, codec::parse(*prev));
        MLCHAIN_ASSIGN_OR_RETURN(last_id, codec::get_uint(pj, "id"));
        MLCHAIN_ASSIGN_OR_RETURN(cached, codec::get_hex(pj, "result"));
      }
      Bytes result;
      if (op.id > last_id) {
        if (auto change = consensus::config_change_of(op, config_filter_, config_)) pending.push_back(*change);
      }
      if (op.id <= last_id) {
        // Executed before (re-proposed after a view change): at most once.
        result = op.id == last_id ? cached : to_bytes("error: stale request id");
      } else {
        MLCHAIN_ASSIGN_OR_RETURN(result, app_.apply(w, op, ctx));
        MLCHAIN_TRY(w.put(kClients, op.client, canon({{"id", op.id}, {"result", to_hex(result)}})));
      }
      results.push_back(result);
      out.replies.push_back(Reply{op.client, op.id, std::move(result)});
    }
    b.results_digest = results_digest(results);
    Json results_hex = Json::array();
    for (const auto& r : results) results_hex.push_back(to_hex(r));
    MLCHAIN_TRY(w.put(kResults, height_key(b.height), canon(results_hex)));
    consensus::EpochConfig current = config_;
    std::uint64_t start = epoch_start_;
    Digest start_digest = epoch_start_digest_;
    if (b.height % checkpoint_interval_ == 0 && !pending.empty()) {
      switched = consensus::next_epoch(config_, pending);
      pending.clear();
      if (switched) {
        current = *switched;
        start = b.height;
        start_digest = e.chain_digest;
        MLCHAIN_TRY(w.put(kEpochs, epoch_key(config_.epoch), canon(members_json(config_))));
        MLCHAIN_TRY(w.put(kEpochs, epoch_key(current.epoch), canon(members_json(current))));
      }
    }
    Json pend = Json::array();
    for (const auto& c : pending) pend.push_back(to_hex(consensus::make_config_op(c)));
    MLCHAIN_TRY(w.put(kMeta, "epoch", canon({{"epoch", current.epoch}, {"members", members_json(current)},
                                             {"start", start}, {"start_digest", to_hex(start_digest)},
                                             {"pending", std::move(pend)}})));
    MLCHAIN_ASSIGN_OR_RETURN(encoded, encode_block(b));
    MLCHAIN_TRY(w.put(kBlocks, height_key(b.height), encoded.text));
    MLCHAIN_TRY(write_unsaved_in(w));
    return w.put(kMeta, "head", head_json(b.height, encoded.hash, b.time_ms, e.chain_digest));
  });
  if (st.ok()) unsaved_attestations_.clear();
  if (!st.ok()) return st;
  height_ = b.height;
  head_hash_ = encoded.hash;
  head_time_ = b.time_ms;
  chain_digest_ = e.chain_digest;
  pending_changes_ = std::move(pending);
  if (switched) {
    config_ = *switched;
    epoch_start_ = b.height;
    epoch_start_digest_ = e.chain_digest;
  }
  return out;
}

Status Ledger::persist(const consensus::Persist& p) { return persist(std::vector<consensus::Persist>{p}); }

Status Ledger::persist(const std::vector<consensus::Persist>& records) {
  if (records.empty()) return {};
  Status st = store_.write([&](store::WriteTxn& w) -> Status {
    for (const auto& p : records) {
      Status s = p.erase ? w.del(kConsensus, p.key) : w.put(kConsensus, p.key, p.value);
      if (!s.ok()) return s;
    }
    return write_unsaved_in(w);
  });
  if (st.ok()) unsaved_attestations_.clear();
  return st;
}

Result<consensus::RecoveredState> Ledger::recover() const {
  consensus::RecoveredState r;
  r.last_executed = height_;
  r.chain_digest = chain_digest_;
  r.config = config_;
  r.epoch_start = epoch_start_;
  r.epoch_start_digest = epoch_start_digest_;
  r.pending_changes = pending_changes_;
  MLCHAIN_ASSIGN_OR_RETURN(auto txn, store_.begin_read());
  auto cur = txn->cursor(kConsensus);
  if (!cur.ok() && cur.status().code() == ErrorCode::kNotFound) return r;
  if (!cur.ok()) return cur.status();
  auto& c = **cur;
  MLCHAIN_TRY(c.first());
  for (; c.valid(); (void)c.next()) r.records.emplace(std::string(c.key()), std::string(c.value()));
  return r;
}

Result<std::optional<std::uint64_t>> Ledger::last_request_id(std::string_view client) const {
  MLCHAIN_ASSIGN_OR_RETURN(auto txn, store_.begin_read());
  MLCHAIN_ASSIGN_OR_RETURN(auto v, get_opt(*txn, kClients, client));
  if (!v) return std::optional<std::uint64_t>();
  MLCHAIN_ASSIGN_OR_RETURN(Json j, codec::parse(*v));
  MLCHAIN_ASSIGN_OR_RETURN(std::uint64_t id, codec::get_uint(j, "id"));
  return std::optional<std::uint64_t>(id);
}

consensus::ClientLookup Ledger::client_lookup() const {
  return [this](std::string_view client) { return last_request_id(client); };
}

Result<std::optional<Block>> Ledger::block(std::uint64_t height) const {
  MLCHAIN_ASSIGN_OR_RETURN(auto txn, store_.begin_read());
  MLCHAIN_ASSIGN_OR_RETURN(auto v, get_opt(*txn, kBlocks, height_key(height)));
  if (!v) return std::optional<Block>();
  MLCHAIN_ASSIGN_OR_RETURN(Json j, codec::parse(*v, kBlockLimits));
  MLCHAIN_ASSIGN_OR_RETURN(Block b, block_from_json(j));
  return std::optional<Block>(std::move(b));
}

Result<std::optional<std::vector<Bytes>>> Ledger::results(std::uint64_t height) const {
  MLCHAIN_ASSIGN_OR_RETURN(auto txn, store_.begin_read());
  MLCHAIN_ASSIGN_OR_RETURN(auto v, get_opt(*txn, kResults, height_key(height)));
  if (!v) return std::optional<std::vector<Bytes>>();
  MLCHAIN_ASSIGN_OR_RETURN(Json j, codec::parse(*v, kBlockLimits));
  if (!j.is_array()) return corruption("stored results of block " + std::to_string(height) + " are not a list");
  std::vector<Bytes> out;
  for (const auto& r : j) {
    if (!r.is_string()) return corruption("stored result of block " + std::to_string(height) + " is not a string");
    MLCHAIN_ASSIGN_OR_RETURN(Bytes b, from_hex(r.get<std::string>()));
    out.push_back(std::move(b));
  }
  return std::optional<std::vector<Bytes>>(std::move(out));
}

Status Ledger::write_unsaved_in(store::WriteTxn& w) {
  if (unsaved_attestations_.empty()) return {};
  std::vector<BlockAttestation> all;
  for (const auto& [h, a] : unsaved_attestations_) all.push_back(a);
  return write_attestations(w, all);
}

Status Ledger::write_attestations(store::WriteTxn& w, const std::vector<BlockAttestation>& attestations) {
  for (const auto& a : attestations) {
    MLCHAIN_ASSIGN_OR_RETURN(auto have, get_opt(w, kAttestations, height_key(a.height)));
    if (have) continue;
    MLCHAIN_TRY(w.put(kAttestations, height_key(a.height), canon(to_json(a))));
  }
  return {};
}

Status Ledger::store_attestations(const std::vector<BlockAttestation>& attestations) {
  if (attestations.empty()) return {};
  return store_.write([&](store::WriteTxn& w) -> Status { return write_attestations(w, attestations); });
}

void Ledger::add_attestations(std::vector<BlockAttestation> attestations) {
  for (auto& a : attestations) unsaved_attestations_.emplace(a.height, std::move(a));
}

Status Ledger::flush_attestations() {
  if (unsaved_attestations_.empty()) return {};
  std::vector<BlockAttestation> all;
  for (auto& [h, a] : unsaved_attestations_) all.push_back(a);
  MLCHAIN_TRY(store_attestations(all));
  unsaved_attestations_.clear();
  return {};
}

Result<std::optional<BlockAttestation>> Ledger::attestation(std::uint64_t height) const {
  if (auto it = unsaved_attestations_.find(height); it != unsaved_attestations_.end())
    return std::optional<BlockAttestation>(it->second);
  MLCHAIN_ASSIGN_OR_RETURN(auto txn, store_.begin_read());
  MLCHAIN_ASSIGN_OR_RETURN(auto v, get_opt(*txn, kAttestations, height_key(height)));
  if (!v) return std::optional<BlockAttestation>();
  MLCHAIN_ASSIGN_OR_RETURN(Json j, codec::parse(*v));
  MLCHAIN_ASSIGN_OR_RETURN(BlockAttestation a, attestation_from_json(j));
  return std::optional<BlockAttestation>(std::move(a));
}

Result<std::vector<consensus::CommittedBatch>> Ledger::committed_batches(std::uint64_t from, std::size_t max,
                                                                        std::size_t max_bytes) const {
  std::vector<consensus::CommittedBatch> out;
  if (from == 0) from = 1;
  std::size_t bytes = 0;
  for (std::uint64_t h = from; h <= height_ && out.size() < max; ++h) {
    MLCHAIN_ASSIGN_OR_RETURN(auto b, block(h));
    if (!b) break;
    bytes += consensus::request_bytes(b->ops) + 300 * b->certificate.signatures.size();
    if (max_bytes != 0 && !out.empty() && bytes > max_bytes) break;
    out.push_back(consensus::CommittedBatch{proposed_batch(*b, config_), certificate_commits(*b)});
  }
  return out;
}

Result<std::optional<Reply>> Ledger::cached_reply(const std::string& client) const {
  MLCHAIN_ASSIGN_OR_RETURN(auto txn, store_.begin_read());
  MLCHAIN_ASSIGN_OR_RETURN(auto v, get_opt(*txn, kClients, client));
  if (!v) return std::optional<Reply>();
  MLCHAIN_ASSIGN_OR_RETURN(Json j, codec::parse(*v));
  Reply r;
  r.client = client;
  MLCHAIN_ASSIGN_OR_RETURN(r.request_id, codec::get_uint(j, "id"));
  MLCHAIN_ASSIGN_OR_RETURN(r.result, codec::get_hex(j, "result"));
  return std::optional<Reply>(std::move(r));
}

}  // namespace mlchain::ledger
