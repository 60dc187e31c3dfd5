// Signed client operations: what POST /v1/ops carries and what the layer orders.
//
// A client holds its own Ed25519 key; its client id is the key's hex. Body:
//   {"client": "<64 hex>", "genesis": "<layer genesis hash>", "id": N,
//    "op": "put k v", "sig": "<128 hex>"}
// The signature covers canonical JSON of the same object without "sig", so it
// is bound to one layer (genesis) and one request id. Ids must increase per
// client; one request per client is in flight at a time.
//
// The ordered consensus::Request is {client, id, op = canonical envelope}:
// the envelope travels with the op, so every replica checks the signature
// again when it applies the block (SignedOpStateMachine) and a byzantine
// primary cannot invent operations for a client.
//
// Thread safety: pure functions; SignedOpStateMachine is as thread-safe as the
// wrapped machine.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "mlchain/codec/json.h"
#include "mlchain/consensus/reconfig.h"
#include "mlchain/consensus/types.h"
#include "mlchain/crypto/ed25519.h"
#include "mlchain/ledger/blueprint.h"
#include "mlchain/ledger/state_machine.h"

namespace mlchain::node {

inline constexpr std::size_t kMaxOpTextBytes = 48 * 1024;  // a contract batch (relay) needs ~40 KiB

struct SignedOp {
  crypto::PublicKey client;
  std::string genesis;  // hex
  std::uint64_t id = 0;
  std::string op;       // UTF-8 text, at most kMaxOpTextBytes
  crypto::Signature sig{};
};

Bytes op_signing_bytes(const SignedOp& op);
SignedOp sign_op(const crypto::PrivateKey& key, std::string genesis, std::uint64_t id, std::string op);
// The one id scheme every sender of a key uses (the CLI for an admin or a
// member, the node for its own relay and review ops): microseconds since
// the Unix epoch, and above `last`, the key's last id the sender knows of.
// A layer refuses an id not above the key's last executed one (409), so
// two schemes under one key (milliseconds here, microseconds there) made a
// member that had relayed contracts unable to leave.
std::uint64_t next_op_id(std::uint64_t last = 0);
codec::Json to_json(const SignedOp& op);
// Strict schema for untrusted input; InvalidArgument names the bad field.
Result<SignedOp> signed_op_from_json(const codec::Json& j);
// VerificationFailed when the signature does not verify.
Status verify_op(const SignedOp& op, const crypto::Verifier& verifier);
// The request the layer orders.
consensus::Request to_request(const SignedOp& op);

// ---- Membership changes (consensus/reconfig.h) ----
// A change is a signed op whose text is "mlchain-config:" + canonical JSON
//   {"action", "key", "name"?, "address"?, "proof"?}
// and it counts only when its signer may order it:
//   - add-member, remove-member, mark-invalid: any admin key of the layer
//     (the blueprint's admin_keys);
//   - remove-member of key K: also K itself (a member may resign);
//   - add-member of key K: also K itself when the op carries "invitation":
//     an invitation (node/invitation.h) into this layer for K, signed by an
//     admin key of this layer (at admission also: not expired).
// add-member must carry "proof": the applicant's signature (hex) over
// join_proof_bytes(), so nobody can enrol a key they do not hold or bind
// another layer's application here. Every replica applies this rule to the
// ordered request (make_config_filter), so a faulty primary cannot invent a
// change; the client API applies it before ordering, so an unauthorised
// change is refused (403) and never reaches the log.
//   - mark-invalid of key K: also any current member, when the op carries
//     "reports": signed peer-review reports (below) about K from at least
//     2f+1 other members of the current epoch, within one review window.
bool is_config_op_text(std::string_view op);
Bytes join_proof_bytes(const std::string& genesis, const consensus::ConfigChange& change);
// The op text for `change`; `proof` is required for add-member.
// `invitation` (to_json of node/invitation.h) when the applicant signs it.
std::string config_op_text(const consensus::ConfigChange& change, const std::optional<crypto::Signature>& proof,
                           const std::optional<codec::Json>& invitation = std::nullopt);
// ---- Peer review reports (DESIGN §7) ----
// A member that fails its challenge twice in a row is reported: the reporter
// signs report_bytes(genesis, suspect, epoch, window) with its member key,
// window = unix ms / kReviewWindowMs. Reports are gossiped to the members
// (POST /v1/report); a member holding 2f+1 of them orders mark-invalid with
// the reports attached (invalidation_op_text).
inline constexpr std::int64_t kReviewWindowMs = 60'000;
struct MemberReport {
  crypto::PublicKey reporter;
  crypto::PublicKey suspect;
  std::uint64_t epoch = 0;
  std::int64_t window = 0;
  crypto::Signature sig{};
};
Bytes report_bytes(const std::string& genesis, const crypto::PublicKey& suspect, std::uint64_t epoch, std::int64_t window);
MemberReport sign_report(const crypto::PrivateKey& reporter, const std::string& genesis, const crypto::PublicKey& suspect,
                         std::uint64_t epoch, std::int64_t window);
codec::Json to_json(const MemberReport& r);
Result<MemberReport> report_from_json(const codec::Json& j);  // strict schema; no signature check
std::string invalidation_op_text(const crypto::PublicKey& suspect, const std::vector<MemberReport>& reports);
// Ok iff `reports` hold valid signatures, for `genesis`, about `suspect`, in
// `epoch`, from at least 2f+1 distinct members other than the suspect, all
// within one window of the newest.
Status check_reports(const std::vector<MemberReport>& reports, const std::string& genesis, const crypto::PublicKey& suspect,
                     const consensus::EpochConfig& epoch, const crypto::Verifier& verifier);

// Learner permits. A node that is not a member yet receives no blocks: the
// members link only with members. `node join` first sends every member a
// permit, signed by an admin of the layer, for the applicant's key; while
// it holds one (until expires_ms, at most kLearnerPermitMaxMs ahead), a
// member accepts that key's peer link and answers its block fetches (state
// transfer only: it sends it nothing else), so the newcomer replays the
// chain before the add-member makes it count in the quorum
// (POST /v1/learners, docs/running-a-layer.md).
inline constexpr std::int64_t kLearnerPermitMaxMs = 3'600'000;
struct LearnerPermit {
  crypto::PublicKey key;
  std::int64_t expires_ms = 0;  // unix ms
  crypto::PublicKey admin;
  crypto::Signature sig{};
};
Bytes learner_permit_bytes(const std::string& genesis, const crypto::PublicKey& key, std::int64_t expires_ms);
LearnerPermit sign_learner_permit(const crypto::PrivateKey& admin, const std::string& genesis, const crypto::PublicKey& key,
                                  std::int64_t expires_ms);
codec::Json to_json(const LearnerPermit& p);
Result<LearnerPermit> learner_permit_from_json(const codec::Json& j);  // strict schema; no signature check
// Ok iff `p` is signed by one of `admin_keys` for `genesis` and expires
// after now_ms and at most kLearnerPermitMaxMs after it. InvalidArgument
// (expiry), PermissionDenied (not an admin), VerificationFailed (signature).
Status check_learner_permit(const LearnerPermit& p, const std::string& genesis,
                            const std::vector<crypto::PublicKey>& admin_keys, std::int64_t now_ms,
                            const crypto::Verifier& verifier);

// A signed query (GET /v1/contracts/<id>, GET /v1/invitations, ...):
// headers X-Mlchain-Key, X-Mlchain-Time (unix ms), X-Mlchain-Sig over
// "mlchain-query/1" 0 genesis hex 0 path 0 time (docs/contracts.md §8.4).
Bytes query_signing_bytes(std::string_view genesis_hex, std::string_view path, std::int64_t time_ms);
// The signer of such a request when its signature verifies and its time is
// within 5 minutes of now_ms; Unauthenticated-style errors as
// VerificationFailed with the reason.
Result<crypto::PublicKey> check_signed_query(const std::map<std::string, std::string>& headers,
                                             std::string_view genesis_hex, std::string_view path, std::int64_t now_ms,
                                             const crypto::Verifier& verifier);

// The current epoch at execution time (the ledger's, for the state machine).
using EpochProvider = std::function<const consensus::EpochConfig&()>;

// The change `op` orders. InvalidArgument: not a well-formed config op;
// PermissionDenied: its signer may not order it; VerificationFailed: bad
// applicant proof or reports. Does not check the envelope's own signature.
// Without `epoch`, report-backed invalidations are refused. `now_ms` >= 0
// (admission) also refuses an expired invitation; the ordered path has no
// clock and passes -1.
Result<consensus::ConfigChange> authorize_config_op(const SignedOp& op, const std::vector<crypto::PublicKey>& admin_keys,
                                                    const crypto::Verifier& verifier,
                                                    const consensus::EpochConfig* epoch = nullptr,
                                                    std::int64_t now_ms = -1);
// The ConfigFilter for the node's Replica and Ledger: the request's envelope
// must be well formed, for `genesis`, correctly signed and authorised
// (report-backed mark-invalid against the epoch the caller passes).
consensus::ConfigFilter make_config_filter(std::string genesis, std::vector<crypto::PublicKey> admin_keys,
                                           const crypto::Verifier& verifier);
// The RequestAuthenticator (consensus/types.h) for the node's Replica and
// Ledger: the op is a well-formed envelope for `genesis` whose client key and
// id are the request's, and its signature verifies. Only then may the
// request advance its client's last id. Pure: a function of the bytes.
consensus::RequestAuthenticator make_request_authenticator(std::string genesis, const crypto::Verifier& verifier);

// ---- Subordinate layers (DESIGN §3, issue 5) ----
// An edge layer attaches to its superior by an ordered op
//   "mlchain-subordinate:" + canonical JSON
//   {"action": "add-subordinate", "path", "name", "key", "address", "proof",
//    "seal_key"?, "expires_at"?}
// signed (envelope) by an admin key of the superior layer; "proof" is the
// edge key's signature over attach_proof_bytes() (the edge holds that key and
// asked to join THIS layer). Applied, it records the edge as a one-member
// address book in table "subordinates" (path -> {"path", "members": [{name,
// public_key, address}], "height", "seal_key"?, "expires_at"?}); a later add for the same
// path replaces the entry (key rotation).
inline constexpr std::string_view kSubordinateOpPrefix = "mlchain-subordinate:";
inline constexpr std::string_view kSubordinatesTable = "subordinates";

struct SubordinateEntry {
  std::string path;  // e.g. "L2/L1a/E1"
  std::string name;
  crypto::PublicKey key;
  std::string address;
  // An edge layer's X25519 sealing key (hex), derived from its identity
  // (contract::edge_seal_key): what a source edge seals contract bodies to.
  // Covered by the attach proof when present. Empty: none published.
  std::string seal_key;
  // Lifetime of the entry (unix ms, block time decides): after it the layer
  // no longer accepts certificates from this subordinate until it is
  // attached again. 0: no lifetime. Covered by the attach proof when set.
  std::int64_t expires_at_ms = 0;
};

bool is_subordinate_op_text(std::string_view op);
Bytes attach_proof_bytes(const std::string& superior_genesis, const SubordinateEntry& entry);
std::string subordinate_op_text(const SubordinateEntry& entry, const crypto::Signature& proof);
// The entry `op` orders, if its envelope signer is an admin, the proof
// verifies and (when `superior_path` is given: the node always gives its
// layer's) the path is a direct subordinate of it. Errors as authorize_config_op.
Result<SubordinateEntry> authorize_subordinate_op(const SignedOp& op, const std::vector<crypto::PublicKey>& admin_keys,
                                                  const crypto::Verifier& verifier, std::string_view superior_path = {});

// The member directory (table "members", written with the block that orders
// an authorised add-member): key hex -> {"name", "address"}. Nodes read it to
// name and reach members that were not in the genesis.
inline constexpr std::string_view kMembersTable = "members";

// Verifies the envelope inside each request (client, id, genesis, signature)
// and applies the inner op to `inner`; a bad envelope yields an error result.
// Config, subordinate and superior ops (superior_change.h) are not passed
// on: an authorised one records the member (directory), the subordinate
// layer or the superior vote/change and yields "ok: ..."; any other yields
// "error: ...".
class SignedOpStateMachine final : public ledger::StateMachine {
 public:
  SignedOpStateMachine(ledger::StateMachine& inner, std::string genesis, std::vector<crypto::PublicKey> admin_keys,
                       const crypto::Verifier& verifier)
      : inner_(inner), genesis_(std::move(genesis)), admin_keys_(std::move(admin_keys)), verifier_(verifier) {}
  Result<Bytes> apply(store::WriteTxn& txn, const consensus::Request& op, const ledger::OpContext& ctx) override;
  void set_epoch_provider(EpochProvider epoch) { epoch_ = std::move(epoch); }
  // The layer's blueprint, for superior changes (superior_change.h); without
  // it every superior op yields "error: this layer has no superior".
  void set_blueprint(ledger::Blueprint blueprint) { blueprint_ = std::move(blueprint); }

 private:
  EpochProvider epoch_;
  ledger::Blueprint blueprint_;
  ledger::StateMachine& inner_;
  std::string genesis_;
  std::vector<crypto::PublicKey> admin_keys_;
  const crypto::Verifier& verifier_;
};

}  // namespace mlchain::node
