#include "mlchain/node/superior_change.h"

#include <algorithm>

#include "mlchain/codec/fields.h"

namespace mlchain::node {
namespace {

constexpr std::string_view kCurrentKey = "current";

std::string op_text(const codec::Json& j) {
  auto text = codec::canonical(j);
  return std::string(kSuperiorOpPrefix) + (text.ok() ? *text : std::string("{}"));
}

codec::ParseLimits small_limits() {
  codec::ParseLimits l;
  l.max_bytes = 1024;
  l.max_depth = 2;
  return l;
}

}  // namespace

std::string superior_candidate_name(std::size_t index) {
  return index == 0 ? "the blueprint's superior" : "alternate superior " + std::to_string(index);
}

Result<SuperiorState> read_superior_state(const store::ReadTxn& txn) {
  MLCHAIN_ASSIGN_OR_RETURN(auto row, txn.get(kSuperiorTable, kCurrentKey));
  SuperiorState s;
  if (!row) return s;
  auto j = codec::parse(*row, small_limits());
  if (!j.ok()) return corruption("stored superior state: " + j.status().message());
  auto read = [&]() -> Status {
    MLCHAIN_ASSIGN_OR_RETURN(auto index, codec::get_uint(*j, "index"));
    MLCHAIN_ASSIGN_OR_RETURN(s.generation, codec::get_uint(*j, "generation"));
    MLCHAIN_ASSIGN_OR_RETURN(s.height, codec::get_uint(*j, "height"));
    MLCHAIN_ASSIGN_OR_RETURN(s.time_ms, codec::get_int(*j, "time_ms"));
    s.index = static_cast<std::size_t>(index);
    return Status();
  };
  if (Status st = read(); !st.ok()) return corruption("stored superior state: " + st.message());
  return s;
}

Result<CurrentSuperior> current_superior(const store::ReadTxn& txn, const ledger::Blueprint& blueprint) {
  CurrentSuperior c;
  if (!blueprint.superior) return c;
  MLCHAIN_ASSIGN_OR_RETURN(c.state, read_superior_state(txn));
  c.book = ledger::superior_candidate(blueprint, c.state.index);
  if (c.book == nullptr)
    return corruption("the stored superior is candidate " + std::to_string(c.state.index) +
                      ", which this layer's blueprint does not have");
  return c;
}

Result<CurrentSuperior> current_superior(const store::Store& store, const ledger::Blueprint& blueprint) {
  if (!blueprint.superior) return CurrentSuperior{};
  MLCHAIN_ASSIGN_OR_RETURN(auto txn, store.begin_read());
  return current_superior(*txn, blueprint);
}

bool is_superior_op_text(std::string_view op) { return op.substr(0, kSuperiorOpPrefix.size()) == kSuperiorOpPrefix; }

std::string superior_vote_op_text(std::uint64_t generation, std::size_t index, std::int64_t window) {
  return op_text({{"action", "vote"}, {"generation", generation}, {"index", index}, {"window", window}});
}

std::string superior_set_op_text(std::uint64_t generation, std::size_t index) {
  return op_text({{"action", "set"}, {"generation", generation}, {"index", index}});
}

Result<SuperiorOp> parse_superior_op(std::string_view text) {
  if (!is_superior_op_text(text)) return invalid_argument("not a superior op");
  auto j = codec::parse(text.substr(kSuperiorOpPrefix.size()), small_limits());
  if (!j.ok()) return invalid_argument("malformed superior op: " + j.status().message());
  MLCHAIN_TRY(codec::require_object(*j, "superior op"));
  SuperiorOp op;
  MLCHAIN_ASSIGN_OR_RETURN(op.action, codec::get_string(*j, "action", 16));
  if (op.action == "vote") {
    MLCHAIN_TRY(codec::only_fields(*j, {"action", "generation", "index", "window"}, "superior vote"));
    MLCHAIN_ASSIGN_OR_RETURN(op.window, codec::get_int(*j, "window"));
  } else if (op.action == "set") {
    MLCHAIN_TRY(codec::only_fields(*j, {"action", "generation", "index"}, "superior set"));
  } else {
    return invalid_argument("unknown superior action '" + op.action + "' (vote or set)");
  }
  MLCHAIN_ASSIGN_OR_RETURN(op.generation, codec::get_uint(*j, "generation"));
  MLCHAIN_ASSIGN_OR_RETURN(auto index, codec::get_uint(*j, "index"));
  if (index > ledger::kMaxAlternateSuperiors) return invalid_argument("superior index " + std::to_string(index) + " is out of range");
  op.index = static_cast<std::size_t>(index);
  return op;
}

Status admit_superior_op(const SignedOp& op, const ledger::Blueprint& blueprint, bool client_is_member,
                         bool client_is_admin) {
  MLCHAIN_ASSIGN_OR_RETURN(SuperiorOp s, parse_superior_op(op.op));
  if (ledger::superior_candidate(blueprint, s.index) == nullptr) {
    return invalid_argument("this layer has " + std::to_string(ledger::superior_candidates(blueprint)) +
                            " superior candidate(s); there is no index " + std::to_string(s.index));
  }
  if (s.action == "vote" && !client_is_member)
    return permission_denied("superior votes are ordered by members of the current epoch only");
  if (s.action == "set" && !client_is_admin)
    return permission_denied("key " + op.client.key_id() + " is not an admin key of this layer; changing the " +
                             "superior by decision must be signed by a key in the blueprint's admin_keys");
  return Status();
}

Result<std::string> apply_superior_op(store::WriteTxn& txn, const SignedOp& env, const ledger::Blueprint& blueprint,
                                      const consensus::EpochConfig* epoch, const ledger::OpContext& ctx) {
  auto op = parse_superior_op(env.op);
  if (!op.ok()) return "error: " + op.status().message();
  if (!blueprint.superior) return std::string("error: this layer has no superior");
  if (ledger::superior_candidate(blueprint, op->index) == nullptr)
    return "error: there is no superior candidate " + std::to_string(op->index);
  MLCHAIN_ASSIGN_OR_RETURN(SuperiorState state, read_superior_state(txn));
  if (op->generation != state.generation) {
    return "error: stale: the superior has changed " + std::to_string(state.generation) +
           " time(s); this op is about generation " + std::to_string(op->generation);
  }
  if (op->index == state.index) return "error: " + superior_candidate_name(op->index) + " is already the superior";

  if (op->action == "set") {
    const auto& admins = blueprint.admin_keys;
    if (std::find(admins.begin(), admins.end(), env.client) == admins.end())
      return std::string("error: not authorised: only an admin key of the layer may set the superior");
  } else {
    if (epoch == nullptr || !epoch->index_of(env.client))
      return std::string("error: not authorised: superior votes count from members of the current epoch only");
    std::int64_t block_window = ctx.time_ms / kSuperiorWindowMs;
    if (op->window < block_window - 1 || op->window > block_window + 1)
      return "error: stale: the vote's window " + std::to_string(op->window) + " is not the block's (" +
             std::to_string(block_window) + ")";
    auto row = codec::canonical(codec::Json{{"generation", op->generation}, {"index", op->index}, {"window", op->window}});
    if (!row.ok()) return row.status();
    MLCHAIN_TRY(txn.put(kSuperiorVotesTable, env.client.hex(), *row));
    // Count the current members' votes for (generation, index) within one
    // window of the newest.
    std::vector<std::int64_t> windows;
    MLCHAIN_ASSIGN_OR_RETURN(auto cur, txn.cursor(kSuperiorVotesTable));
    for (Status st = cur->first(); st.ok() && cur->valid(); st = cur->next()) {
      auto key = crypto::PublicKey::from_hex(std::string(cur->key()));
      if (!key.ok() || !epoch->index_of(*key)) continue;
      auto v = codec::parse(cur->value(), small_limits());
      if (!v.ok() || !v->is_object()) continue;
      auto generation = codec::get_uint(*v, "generation");
      auto index = codec::get_uint(*v, "index");
      auto window = codec::get_int(*v, "window");
      if (!generation.ok() || !index.ok() || !window.ok()) continue;
      if (*generation != op->generation || *index != op->index) continue;
      windows.push_back(*window);
    }
    std::int64_t newest = windows.empty() ? 0 : *std::max_element(windows.begin(), windows.end());
    std::size_t votes = static_cast<std::size_t>(
        std::count_if(windows.begin(), windows.end(), [newest](std::int64_t w) { return w >= newest - 1; }));
    if (votes < epoch->quorum()) {
      return "ok: vote for " + superior_candidate_name(op->index) + " recorded (" + std::to_string(votes) + " of " +
             std::to_string(epoch->quorum()) + " needed)";
    }
  }
  SuperiorState next{op->index, state.generation + 1, ctx.height, ctx.time_ms};
  auto row = codec::canonical(codec::Json{
      {"index", next.index}, {"generation", next.generation}, {"height", next.height}, {"time_ms", next.time_ms}});
  if (!row.ok()) return row.status();
  MLCHAIN_TRY(txn.put(kSuperiorTable, kCurrentKey, *row));
  MLCHAIN_TRY(txn.clear(kSuperiorVotesTable));
  return "ok: superior changed to " + superior_candidate_name(op->index) + " (" + blueprint.superior->path + ", change " +
         std::to_string(next.generation) + ", by " + (op->action == "set" ? "admin decision" : "member votes") + ")";
}

}  // namespace mlchain::node
