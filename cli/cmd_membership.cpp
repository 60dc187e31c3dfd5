// mlchain node join|leave: membership changes by consensus.
//
// join: the applicant (the new node's key) signs its application — name,
// address, the layer's genesis — and an admin key signs the add-member op
// that carries it (node/signed_op.h). The op goes to every current member;
// the layer orders it and switches to a new epoch at the next checkpoint
// boundary. The new node, started beforehand with `node run`, follows the
// chain as a learner, becomes a member in that epoch and catches up by state
// transfer; join watches it until it reports ready.
//
// invalidate: mark-invalid, signed by an admin key (the same wait as leave).
//
// leave: remove-member, signed by the leaving node's own key (it resigns)
// or by an admin key (it is removed); join/leave wait until the layer's
// epoch shows the change.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <future>
#include <sstream>
#include <thread>

#include "cli.h"
#include "mlchain/common/clock.h"
#include "mlchain/crypto/ed25519.h"
#include "mlchain/node/config.h"
#include "mlchain/node/genesis_file.h"
#include "mlchain/node/invitation.h"
#include "mlchain/node/signed_op.h"
#include "node_client.h"
#include "progress.h"

namespace mlchain::cli {
namespace {

using Clock = std::chrono::steady_clock;

struct JoinOptions {
  std::string config;
  std::string admin_key;
  std::string invitation;  // instead of admin_key: an accepted invitation (node/invitation.h)
  std::string node;
  std::string address;
  unsigned timeout_s = 120;
  std::int64_t max_lag = 64;  // blocks; negative: order at once
};

struct LeaveOptions {
  std::string config;
  std::string admin_key;
  std::string member;
  std::string node;
  unsigned timeout_s = 60;
  bool force = false;
  bool invalidate = false;  // node invalidate: mark-invalid instead of remove-member
};

std::string https_address(const node::NodeConfig& cfg) {
  std::string host = cfg.listen_host == "0.0.0.0" ? "127.0.0.1" : cfg.listen_host;
  return "https://" + host + ":" + std::to_string(cfg.listen_port);
}

// The layer as one member sees it, checked against our genesis.
Result<codec::Json> fetch_layer(const std::string& url, const std::string& genesis_hash) {
  MLCHAIN_ASSIGN_OR_RETURN(auto layer, node_request(url, "GET", "/v1/layer", {}, std::chrono::milliseconds(10'000)));
  if (layer.value("genesis_hash", "") != genesis_hash) {
    return verification_failed("the layer at " + url + " has genesis " + layer.value("genesis_hash", "?") +
                               ", but the genesis file names " + genesis_hash + ": wrong layer or wrong file");
  }
  return layer;
}

bool is_current_member(const codec::Json& layer, const std::string& key_hex) {
  if (!layer.contains("members") || !layer["members"].is_array()) return false;
  for (const auto& m : layer["members"])
    if (m.value("public_key", "") == key_hex && m.value("status", "") != "invalid") return true;
  return false;
}

std::vector<std::string> member_urls(const codec::Json& layer, const std::string& fallback) {
  std::vector<std::string> urls;
  if (layer.contains("members") && layer["members"].is_array()) {
    for (const auto& m : layer["members"]) {
      std::string a = m.value("address", "");
      if (!a.empty() && m.value("status", "") != "invalid") urls.push_back(a);
    }
  }
  if (urls.empty()) urls.push_back(fallback);
  return urls;
}

// POSTs `body` to `target` at every member at once; their answers in order.
std::vector<Result<codec::Json>> post_to_members(const std::vector<std::string>& urls, const std::string& target,
                                                 const std::string& body, std::chrono::milliseconds timeout) {
  std::vector<std::future<Result<codec::Json>>> pending;
  for (const auto& u : urls) {
    pending.push_back(std::async(std::launch::async, [u, target, body, timeout] {
      return node_request(u, "POST", target, body, timeout);
    }));
  }
  std::vector<Result<codec::Json>> answers;
  for (auto& p : pending) answers.push_back(p.get());
  return answers;
}

// Sends the signed op to every member at once; the first member that
// answers with a committed result decides. A refusal (403/400) is final;
// when every member failed, the error names each one's answer.
Result<codec::Json> submit_to_members(const std::vector<std::string>& urls, const node::SignedOp& op) {
  std::optional<Status> refusal;
  std::string all;
  auto answers = post_to_members(urls, "/v1/ops", node::to_json(op).dump(), std::chrono::milliseconds(20'000));
  for (std::size_t i = 0; i < answers.size(); ++i) {
    auto& r = answers[i];
    if (r.ok()) return std::move(r);
    if (!refusal && r.status().code() != ErrorCode::kUnavailable) refusal = r.status();
    all += (all.empty() ? "" : "; ") + urls[i] + ": " + r.status().message();
  }
  if (refusal) return *refusal;  // the most telling error: a refusal over an unreachable member
  return unavailable("no member committed the op in time (" + all + ")");
}

// Sends every member an admin-signed permit for the applicant's key
// (POST /v1/learners, node/signed_op.h): with it a member answers the
// learner's block fetches, so it replays the chain before it is admitted.
// Ok when at least one member holds the permit; a refusal (not an admin,
// bad signature) is returned over an unreachable member.
Status send_learner_permits(const std::vector<std::string>& urls, const std::string& permit) {
  std::size_t held = 0;
  Status worst;
  for (auto& r : post_to_members(urls, "/v1/learners", permit, std::chrono::milliseconds(10'000))) {
    if (r.ok()) {
      ++held;
    } else if (worst.ok() || worst.code() == ErrorCode::kUnavailable) {
      worst = r.status();
    }
  }
  if (held > 0) return {};
  if (worst.ok()) worst = unavailable("no member answered");
  return worst.with_context("no member took the learner permit");
}

Result<crypto::PrivateKey> load_key(const std::string& path, const char* what) {
  auto k = crypto::PrivateKey::load_pem_file(path);
  if (!k.ok()) return k.status().with_context(std::string(what) + " " + path);
  return k;
}

// The node at `url` is the applicant: it answers, with `key_hex` and
// `genesis_hash`, as a learner (not yet a member, not retired).
// An accepted invitation (written by `node applications accept`) for this
// key into the layer of `genesis_hash`; its signature and expiry checked here,
// the admin by the members.
Result<node::Invitation> load_invitation(const std::string& file, const std::string& genesis_hash,
                                         const crypto::PublicKey& applicant) {
  std::ifstream in(file, std::ios::binary);
  if (!in) return invalid_argument("cannot read invitation " + file);
  std::ostringstream ss;
  ss << in.rdbuf();
  auto j = codec::parse(ss.str(), codec::ParseLimits{64 * 1024, 4, 1024, 32});
  if (!j.ok()) return j.status().with_context("invitation " + file);
  MLCHAIN_ASSIGN_OR_RETURN(auto inv, node::invitation_from_json(*j));
  if (inv.genesis != genesis_hash)
    return verification_failed("the invitation is into genesis " + inv.genesis + "; the config's genesis is " + genesis_hash);
  if (inv.invitee != applicant)
    return verification_failed("the invitation is for " + inv.invitee.key_id() + "; the config's key is " + applicant.key_id());
  crypto::Ed25519Verifier verifier;
  MLCHAIN_TRY(node::check_invitation(inv, unix_millis(SystemClock().now()), verifier));
  return inv;
}

Status check_applicant(const std::string& url, const std::string& key_hex, const std::string& genesis_hash,
                       const std::string& config) {
  auto s = node_request(url, "GET", "/v1/status", {}, std::chrono::milliseconds(5'000));
  if (!s.ok()) {
    return unavailable("the new node does not answer at " + url + " (" + s.status().message() +
                       "); nothing was ordered");
  }
  std::string key = s->value("public_key", "");
  if (key != key_hex) {
    return verification_failed("the node answering at " + url + " has key " + key.substr(0, 16) + "..., not the key of " +
                               config + " (" + key_hex.substr(0, 16) + "...); nothing was ordered");
  }
  std::string genesis = s->value("genesis_hash", "");
  if (genesis != genesis_hash) {
    return verification_failed("the node at " + url + " runs genesis " + genesis + ", not " + genesis_hash +
                               " (the layer's); nothing was ordered");
  }
  std::string role = s->value("role", "");
  if (role != "learner") {
    return failed_precondition("the node at " + url + " is " + (role.empty() ? "in an unknown role" : "a " + role) +
                               ", not a learner waiting to join; nothing was ordered" +
                               (role == "retired" || role == "removed"
                                    ? " (a node that left comes back with a fresh data_dir)"
                                    : ""));
  }
  return {};
}

// An add-member takes effect at the next checkpoint boundary, and from then
// on the quorum counts the new member. A learner still replaying the chain
// cannot vote yet, so admitting it early leaves the layer one voter short
// of its larger quorum: with n = 5 (q = 4) and one member down, a stall
// until the learner catches up (the crash-point runs saw 66 s,
// docs/reliability.md). So wait until the learner is within `max_lag`
// blocks of the layer before ordering anything.
Status wait_for_learner(const JoinOptions& o, const Cli& cli, const std::string& name, const std::string& url,
                        const std::string& contact, const std::string& genesis_hash, Clock::time_point deadline) {
  if (o.max_lag < 0) return {};
  Progress line(Progress::for_stderr(cli, "catch up " + name, std::nullopt, "blocks"));
  std::uint64_t h = 0, top = 0;
  std::string problem;
  while (true) {
    auto l = fetch_layer(contact, genesis_hash);
    auto s = node_request(url, "GET", "/v1/status", {}, std::chrono::milliseconds(5'000));
    if (l.ok() && s.ok()) {
      top = l->value("height", std::uint64_t{0});
      h = s->value("height", std::uint64_t{0});
      if (h + static_cast<std::uint64_t>(o.max_lag) >= top) break;
      line.set(h);
      line.set_status("catching up as a learner: height " + std::to_string(h) + " of " + std::to_string(top));
      problem = "height " + std::to_string(h) + " of the layer's " + std::to_string(top);
    } else {
      problem = !l.ok() ? l.status().message() : s.status().message();
    }
    if (Clock::now() >= deadline) {
      line.finish();
      return unavailable(name + " has not caught up with the layer within " + std::to_string(o.timeout_s) + " s (" +
                         problem + ", --max-lag " + std::to_string(o.max_lag) + "); nothing was ordered");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  line.finish();
  if (top > 0) cli.info(name + " has caught up: height " + std::to_string(h) + " of " + std::to_string(top));
  return {};
}

int run_join(const JoinOptions& o, const Cli& cli) {
  auto cfg = node::load_node_config_file(o.config);
  if (!cfg.ok()) return cli.fail(cfg.status(), "see docs/node-config.md");
  auto genesis = node::load_genesis_file(cfg->genesis);
  if (!genesis.ok()) return cli.fail(genesis.status());
  auto applicant = load_key(cfg->key_file.string(), "node key");
  if (!applicant.ok()) return cli.fail(applicant.status());
  if (o.admin_key.empty() == o.invitation.empty())
    return cli.fail(invalid_argument("give either --admin-key (an admin admits the node) or --invitation (an accepted invitation)"));
  std::optional<crypto::PrivateKey> admin;
  std::optional<node::Invitation> invitation;
  if (!o.admin_key.empty()) {
    auto a = load_key(o.admin_key, "admin key");
    if (!a.ok()) return cli.fail(a.status());
    admin = std::move(a).value();
  } else {
    auto inv = load_invitation(o.invitation, genesis->hash_hex, applicant->public_key());
    if (!inv.ok()) return cli.fail(inv.status(), "nothing was ordered");
    invitation = std::move(inv).value();
  }
  std::string address = o.address.empty() ? https_address(*cfg) : o.address;
  std::string own_url = https_address(*cfg);
  std::string contact = o.node;
  if (contact.empty()) {
    for (const auto& m : genesis->blueprint.members)
      if (m.key != applicant->public_key()) {
        contact = m.address;
        break;
      }
  }
  if (contact.empty()) return cli.fail(invalid_argument("no member to contact: pass --node URL"));

  auto start = Clock::now();
  auto deadline = start + std::chrono::seconds(o.timeout_s);
  const std::string key_hex = applicant->public_key().hex();
  auto layer = fetch_layer(contact, genesis->hash_hex);
  if (!layer.ok()) return cli.fail(layer.status());

  std::string block_id;
  if (is_current_member(*layer, key_hex)) {
    cli.info(cfg->name + " is already a member of " + layer->value("layer", "") + "; waiting for it to be ready");
  } else {
    // The new node must already run, with this key and this genesis: an
    // add-member for a node that is not there leaves the layer with a dead
    // member (a larger quorum) until peer review removes it.
    if (Status st = check_applicant(own_url, key_hex, genesis->hash_hex, o.config); !st.ok()) {
      return cli.fail(st, st.code() == ErrorCode::kUnavailable
                              ? "start it first (mlchain node run --config " + o.config + ") and run node join again"
                              : "nothing was ordered");
    }
    auto urls = member_urls(*layer, contact);
    // Until its add-member is ordered the members link with the learner
    // only under an admin's permit, for block fetches; it runs until
    // --timeout (with a minute's margin) or the 1 h cap.
    auto expires = unix_millis(SystemClock().now()) +
                   std::min<std::int64_t>(node::kLearnerPermitMaxMs, (static_cast<std::int64_t>(o.timeout_s) + 60) * 1000);
    std::string permit = invitation ? codec::Json{{"invitation", node::to_json(*invitation)}}.dump()
                                    : node::to_json(node::sign_learner_permit(*admin, genesis->hash_hex,
                                                                              applicant->public_key(), expires))
                                          .dump();
    if (Status st = send_learner_permits(urls, permit); !st.ok()) {
      return cli.fail(st, st.code() == ErrorCode::kPermissionDenied
                              ? "the admin key must be listed in the blueprint's admin_keys; nothing was ordered"
                              : "nothing was ordered");
    }
    if (Status st = wait_for_learner(o, cli, cfg->name, own_url, contact, genesis->hash_hex, deadline); !st.ok())
      return cli.fail(st, "let it catch up and run node join again (a larger --timeout waits longer)");
    consensus::ConfigChange change{consensus::ConfigAction::kAddMember, applicant->public_key(), cfg->name, address};
    auto proof = applicant->sign(node::join_proof_bytes(genesis->hash_hex, change));
    auto id = node::next_op_id();
    // With an invitation the applicant signs the op itself and carries the
    // admin's consent (node/signed_op.h, authorize_config_op).
    auto op = invitation ? node::sign_op(*applicant, genesis->hash_hex, id,
                                         node::config_op_text(change, proof, node::to_json(*invitation)))
                         : node::sign_op(*admin, genesis->hash_hex, id, node::config_op_text(change, proof));
    cli.info("applying to " + std::to_string(urls.size()) + " members of " + layer->value("layer", "") + " as " +
             cfg->name + " (" + address + ")");
    auto answer = submit_to_members(urls, op);
    if (!answer.ok())
      return cli.fail(answer.status(), answer.status().code() == ErrorCode::kPermissionDenied
                                           ? "the admin key must be listed in the blueprint's admin_keys"
                                           : "nothing may have been ordered; run node join again to retry");
    std::string result = answer->value("result", "");
    if (result.rfind("ok", 0) != 0) return cli.fail(failed_precondition("the layer refused the application: " + result));
    block_id = answer->value("block", "");
    cli.info("ordered in block " + block_id + "; it takes effect at the next checkpoint boundary");
  }

  // Wait for the epoch that has us, then for the node to catch up.
  Progress line(Progress::for_stderr(cli, "join " + cfg->name, std::nullopt, "blocks"));
  std::uint64_t epoch = 0;
  codec::Json status;
  std::string last_problem;
  bool admitted = false, ready = false;
  while (Clock::now() < deadline) {
    auto l = fetch_layer(contact, genesis->hash_hex);
    if (l.ok()) {
      layer = std::move(l);
      if (!admitted && is_current_member(*layer, key_hex)) {
        admitted = true;
        epoch = layer->value("epoch", std::uint64_t{0});
        cli.info("admitted: epoch " + std::to_string(epoch) + ", n = " + std::to_string(layer->value("n", 0)));
      }
    }
    auto s = node_request(own_url, "GET", "/v1/status", {}, std::chrono::milliseconds(5'000));
    std::uint64_t layer_height = layer->value("height", std::uint64_t{0});
    if (s.ok()) {
      status = *s;
      std::uint64_t h = status.value("height", std::uint64_t{0});
      ready = admitted && status.value("ready", false) && status.value("role", "") == "member";
      if (ready) break;
      line.set(h);
      line.set_status(std::string(admitted ? "catching up" : "waiting for the epoch") + ": height " + std::to_string(h) +
                      " of " + std::to_string(layer_height) + " (" + status.value("role", "?") + ")");
      last_problem = status.value("not_ready_reason", "");
    } else {
      last_problem = s.status().message();
      line.set_status("waiting for " + own_url + " (start it: mlchain node run --config " + o.config + ")");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  line.finish();
  double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  if (!ready) {
    if (!admitted) {
      return cli.fail(unavailable("the layer has not admitted " + cfg->name + " within " + std::to_string(o.timeout_s) +
                                  " s (" + last_problem + ")"));
    }
    return cli.fail(unavailable(cfg->name + " was admitted (epoch " + std::to_string(epoch) + ") but is not ready after " +
                                std::to_string(o.timeout_s) + " s: " + last_problem),
                    "is the daemon running? mlchain node run --config " + o.config);
  }
  codec::Json out = {{"node", cfg->name},
                     {"public_key", key_hex},
                     {"address", address},
                     {"layer", layer->value("layer", "")},
                     {"ordered_in", block_id},
                     {"epoch", status.value("epoch", epoch)},
                     {"n", layer->value("n", 0)},
                     {"f", layer->value("f", 0)},
                     {"height", status.value("height", std::uint64_t{0})},
                     {"ready", true},
                     {"seconds", seconds}};
  if (cli.json()) {
    cli.print_json(out);
    return kExitOk;
  }
  char secs[32];
  std::snprintf(secs, sizeof secs, "%.1f s", seconds);
  cli.print_fields({{"joined", cfg->name + " (" + key_hex.substr(0, 16) + "...)"},
                    {"layer", out["layer"].get<std::string>()},
                    {"ordered in", block_id.empty() ? "earlier" : block_id},
                    {"epoch", std::to_string(out["epoch"].get<std::uint64_t>()) + " (n = " + std::to_string(out["n"].get<int>()) +
                                  ", f = " + std::to_string(out["f"].get<int>()) + ")"},
                    {"height", std::to_string(out["height"].get<std::uint64_t>())},
                    {"ready", "yes"},
                    {"took", secs}});
  return kExitOk;
}

// Orders the change and waits for the epoch without the member: what leave
// and invalidate print, or why not (hints folded into the message).
Result<codec::Json> leave_layer(const LeaveOptions& o, const Cli& cli) {
  if (o.invalidate && (o.member.empty() || o.admin_key.empty() || o.node.empty()))
    return invalid_argument("node invalidate needs --member, --admin-key and --node");
  if (o.config.empty() == o.member.empty())
    return invalid_argument("give either --config (the node resigns) or --member with --admin-key (an admin removes it)");
  if (!o.member.empty() && (o.admin_key.empty() || o.node.empty()))
    return invalid_argument("--member needs --admin-key and --node");

  std::optional<crypto::PrivateKey> signer;
  std::string contact = o.node, genesis_hash, name = o.member;
  crypto::PublicKey leaving;
  if (!o.config.empty()) {
    auto cfg = node::load_node_config_file(o.config);
    if (!cfg.ok()) return Status(cfg.status().code(), cfg.status().message() + " (see docs/node-config.md)");
    auto genesis = node::load_genesis_file(cfg->genesis);
    if (!genesis.ok()) return genesis.status();
    auto k = load_key(o.admin_key.empty() ? cfg->key_file.string() : o.admin_key, o.admin_key.empty() ? "node key" : "admin key");
    if (!k.ok()) return k.status();
    auto own = load_key(cfg->key_file.string(), "node key");
    if (!own.ok()) return own.status();
    leaving = own->public_key();
    signer = std::move(k).value();
    genesis_hash = genesis->hash_hex;
    name = cfg->name;
    if (contact.empty()) contact = https_address(*cfg);
  } else {
    auto k = load_key(o.admin_key, "admin key");
    if (!k.ok()) return k.status();
    signer = std::move(k).value();
  }

  auto layer = node_request(contact, "GET", "/v1/layer", {}, std::chrono::milliseconds(10'000));
  if (!layer.ok()) return layer.status();
  if (genesis_hash.empty()) genesis_hash = layer->value("genesis_hash", "");
  if (genesis_hash != layer->value("genesis_hash", ""))
    return verification_failed("the layer at " + contact + " is not the one in the node's genesis file");
  if (o.config.empty()) {
    bool found = false;
    for (const auto& m : (*layer)["members"]) {
      if (m.value("name", "") == o.member || m.value("public_key", "") == o.member) {
        auto k = crypto::PublicKey::from_hex(m.value("public_key", ""));
        if (k.ok()) {
          leaving = *k;
          name = m.value("name", o.member);
          found = true;
        }
      }
    }
    if (!found) return not_found("no member named " + o.member + " in " + layer->value("layer", ""));
  }
  if (!is_current_member(*layer, leaving.hex())) {
    return failed_precondition(name + " is not a current member of " + layer->value("layer", ""));
  }
  // Below 3f+1 = 4 members the layer tolerates no faulty member (f = 0):
  // only on purpose.
  int n = layer->value("n", 0);
  if (n - 1 < 4 && !o.force) {
    return failed_precondition("removing " + name + " leaves " + layer->value("layer", "") + " with n = " +
                               std::to_string(n - 1) + " members: f = 0, one faulty or stopped member " +
                               "then stalls or forks it; nothing was ordered (add a member first with mlchain node " +
                               "join, or pass --force to remove it anyway)");
  }

  auto start = Clock::now();
  consensus::ConfigChange change{o.invalidate ? consensus::ConfigAction::kMarkInvalid : consensus::ConfigAction::kRemoveMember,
                                 leaving, name, ""};
  auto id = node::next_op_id();
  auto op = node::sign_op(*signer, genesis_hash, id, node::config_op_text(change, std::nullopt));
  std::vector<std::string> urls;
  for (const auto& u : member_urls(*layer, contact)) urls.push_back(u);
  auto answer = submit_to_members(urls, op);
  if (!answer.ok()) return answer.status();
  std::string result = answer->value("result", "");
  if (result.rfind("ok", 0) != 0) return failed_precondition("the layer refused: " + result);
  std::string block_id = answer->value("block", "");
  cli.info(std::string(o.invalidate ? "mark-invalid " : "remove-member ") + name + " ordered in block " + block_id +
           "; waiting for the next epoch");

  // Ask a member that stays.
  std::vector<std::string> stay;
  for (const auto& m : (*layer)["members"])
    if (m.value("public_key", "") != leaving.hex() && !m.value("address", "").empty()) stay.push_back(m.value("address", ""));
  if (stay.empty()) stay.push_back(contact);
  Progress line(Progress::for_stderr(cli, "leave " + name, std::nullopt, "blocks"));
  auto deadline = start + std::chrono::seconds(o.timeout_s);
  while (Clock::now() < deadline) {
    for (const auto& u : stay) {
      auto l = node_request(u, "GET", "/v1/layer", {}, std::chrono::milliseconds(5'000));
      if (!l.ok()) continue;
      if (!is_current_member(*l, leaving.hex())) {
        line.finish();
        double seconds = std::chrono::duration<double>(Clock::now() - start).count();
        return codec::Json{{"node", name},          {"public_key", leaving.hex()},   {"layer", l->value("layer", "")},
                           {"ordered_in", block_id}, {"epoch", l->value("epoch", 0)}, {"n", l->value("n", 0)},
                           {"f", l->value("f", 0)},  {"seconds", seconds}};
      }
      line.set(l->value("height", std::uint64_t{0}));
      line.set_status("waiting for the epoch without " + name);
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  return unavailable("remove-member was ordered in " + block_id + " but the layer has not switched epochs within " +
                              std::to_string(o.timeout_s) + " s");
}

int run_leave(const LeaveOptions& o, const Cli& cli) {
  auto out = leave_layer(o, cli);
  if (!out.ok()) return cli.fail(out.status());
  if (cli.json()) {
    cli.print_json(*out);
    return kExitOk;
  }
  cli.print_fields({{o.invalidate ? "invalidated" : "left", (*out)["node"].get<std::string>()},
                    {"layer", (*out)["layer"].get<std::string>()},
                    {"ordered in", (*out)["ordered_in"].get<std::string>()},
                    {"epoch", std::to_string((*out)["epoch"].get<int>()) + " (n = " + std::to_string((*out)["n"].get<int>()) +
                                  ", f = " + std::to_string((*out)["f"].get<int>()) + ")"},
                    {"next", o.invalidate ? "its key is no longer pinned; it is refused from this epoch on"
                                          : "the node has retired; stop its daemon (SIGTERM)"}});
  return kExitOk;
}

}  // namespace

Result<codec::Json> resign_from_layer(const std::string& config, bool force, unsigned timeout_s, const Cli& cli) {
  LeaveOptions o;
  o.config = config;
  o.force = force;
  o.timeout_s = timeout_s;
  return leave_layer(o, cli);
}

void add_membership_commands(CLI::App& node, Cli& cli) {
  auto jo = std::make_shared<JoinOptions>();
  auto* join = node.add_subcommand("join", "Admit a new node to a layer and wait until it is a ready member.");
  cli.file(join->add_option("--config", jo->config, "The NEW node's config TOML (its key, name, listen address, genesis).")
               ->required()
               ->type_name("FILE"));
  cli.file(join->add_option("--admin-key", jo->admin_key, "An admin key of the layer (listed in the blueprint's admin_keys).")
               ->type_name("FILE"));
  cli.file(join->add_option("--invitation", jo->invitation,
                            "Instead of --admin-key: an accepted invitation into the layer (written by\n"
                            "`node applications accept`); the node's own key signs the add-member.")
               ->type_name("FILE"));
  join->add_option("--node", jo->node, "A member to contact (default: the first member in the genesis).")->type_name("URL");
  join->add_option("--address", jo->address, "The address members reach the new node at (default: from its listen).")
      ->type_name("URL");
  join->add_option("--timeout", jo->timeout_s,
                   "Seconds to wait in all: for the learner to catch up, then for it to be a ready member (default 120).")
      ->type_name("SECONDS");
  join->add_option("--max-lag", jo->max_lag,
                   "Order the add-member only once the learner is within this many blocks of the layer (default 64;\n"
                   "a negative value orders at once).")
      ->type_name("BLOCKS");
  join->footer(
      "Start the new node first (it follows the chain as a learner), then admit it:\n"
      "  mlchain node run --config n5.toml &\n"
      "  mlchain node join --config n5.toml --admin-key admin.pem\n"
      "A node that accepted an invitation (mlchain layer invite) joins with it instead of an admin key:\n"
      "  mlchain node join --config c2.toml --invitation c2.invitation.json\n"
      "The application is signed by the new node's key and the add-member op by the admin key;\n"
      "the layer orders it and switches to a new epoch at the next checkpoint boundary.\n"
      "Before ordering anything, join checks that the new node answers at its listen address\n"
      "as a learner with the config's key and the layer's genesis. It then sends every member a\n"
      "learner permit for that key, signed by the admin key (POST /v1/learners, at most 1 h), under\n"
      "which they let the learner fetch the chain, and waits until it has caught up (--max-lag):\n"
      "a member that cannot vote yet would leave the larger quorum short.\n"
      "Exit status: 4 when the admin key is not authorised, 5 on a genesis or key mismatch,\n"
      "3 when the layer or the new node cannot be reached (in time), 1 when the node is not\n"
      "a learner (already retired or removed).");
  join->callback([jo, &cli] { cli.exit_code = run_join(*jo, cli); });

  auto lo = std::make_shared<LeaveOptions>();
  auto* leave = node.add_subcommand("leave", "Remove a member from its layer (it resigns, or an admin removes it).");
  cli.file(leave->add_option("--config", lo->config, "The leaving node's config: it resigns, signing with its own key.")
               ->type_name("FILE"));
  leave->add_option("--member", lo->member, "Name or public key of the member an admin removes.")->type_name("NAME");
  cli.file(leave->add_option("--admin-key", lo->admin_key, "An admin key of the layer (with --member).")->type_name("FILE"));
  leave->add_option("--node", lo->node, "A member to contact (default: the leaving node itself).")->type_name("URL");
  leave->add_option("--timeout", lo->timeout_s, "Seconds to wait for the new epoch (default 60).")->type_name("SECONDS");
  leave->add_flag("--force", lo->force,
                  "Remove even when the layer would keep fewer than 4 members (f = 0: no faulty member tolerated).");
  leave->footer(
      "Examples:\n"
      "  mlchain node leave --config n5.toml\n"
      "  mlchain node leave --member n3 --admin-key admin.pem --node https://127.0.0.1:7101\n"
      "The change takes effect at the next checkpoint boundary; the node then retires.\n"
      "A removal that would leave fewer than 4 members is refused (exit 1, nothing ordered) unless --force.\n"
      "Exit status 4 when the signer may not remove that member.");
  leave->callback([lo, &cli] { cli.exit_code = run_leave(*lo, cli); });

  auto io = std::make_shared<LeaveOptions>();
  io->invalidate = true;
  auto* inv = node.add_subcommand("invalidate", "Mark a member invalid by an admin decision (a faulty or compromised node).");
  inv->add_option("--member", io->member, "Name or public key of the member.")->required()->type_name("NAME");
  cli.file(inv->add_option("--admin-key", io->admin_key, "An admin key of the layer.")->required()->type_name("FILE"));
  inv->add_option("--node", io->node, "A member to contact.")->required()->type_name("URL");
  inv->add_option("--timeout", io->timeout_s, "Seconds to wait for the new epoch (default 60).")->type_name("SECONDS");
  inv->add_flag("--force", io->force,
                "Invalidate even when the layer would keep fewer than 4 members (f = 0).");
  inv->footer(
      "Orders mark-invalid signed by the admin key: from the next checkpoint boundary the member no\n"
      "longer counts, its key is no longer pinned, and the layer's neighbours follow the new member set\n"
      "(docs/contracts.md §4.1). Peer review orders the same op by itself with 2f+1 members' reports.\n"
      "Example:\n"
      "  mlchain node invalidate --member n3 --admin-key admin.pem --node https://127.0.0.1:7101\n"
      "Exit status 4 when the key is not an admin key; 1 when the layer would keep fewer than 4 members.");
  inv->callback([io, &cli] { cli.exit_code = run_leave(*io, cli); });
}

}  // namespace mlchain::cli
