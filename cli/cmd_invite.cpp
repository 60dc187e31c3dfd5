// mlchain layer invite / node applications: invitations by cross-layer
// addressing (issue 17 item 2; node/invitation.h; seed paper §IV.B.1.b).
//
//   layer invite        an admin of a layer invites members of other
//                       high-level layers, named by their address in the tree
//                       (PATH:NAME, resolved by GET /v1/directory/PATH) or by
//                       URL; the invitation is delivered to the invited node.
//   node applications   the invited node's operator lists what it holds;
//     accept ID         checks the invitation against the inviting layer's
//                       genesis, records the decision, resigns from the old
//                       layer (ordered remove-member) and writes the config,
//                       genesis and invitation the node joins with
//                       (`node join --invitation`);
//     refuse ID         records a refusal; nothing else changes.
#include <toml++/toml.h>

#include <chrono>
#include <filesystem>
#include <set>
#include <sstream>

#include "cli.h"
#include "duration.h"
#include "mlchain/codec/fields.h"
#include "mlchain/common/clock.h"
#include "mlchain/common/rng.h"
#include "mlchain/crypto/ed25519.h"
#include "mlchain/crypto/hash.h"
#include "mlchain/node/config.h"
#include "mlchain/node/genesis_file.h"
#include "mlchain/node/invitation.h"
#include "mlchain/node/signed_op.h"
#include "node_client.h"

namespace mlchain::cli {
namespace {

namespace fs = std::filesystem;

std::int64_t now_ms() { return unix_millis(SystemClock().now()); }

std::string random_id() {
  std::array<std::uint8_t, 16> b{};
  SystemRng().fill(b);
  return to_hex(ByteView(b.data(), b.size()));
}

// ---- layer invite -------------------------------------------------------------

struct InviteOptions {
  std::string node;
  std::string admin_key;
  std::vector<std::string> to;
  std::string via;
  std::string expires = "24h";
};

struct Invitee {
  std::string target;   // as given
  std::string name;
  crypto::PublicKey key;
  std::string address;
  std::string layer;
};

// PATH:NAME through the directory at `via` (f+1 agreement there), or a URL.
Result<Invitee> resolve_invitee(const std::string& target, const std::string& via) {
  Invitee who;
  who.target = target;
  if (target.rfind("https://", 0) == 0) {
    who.address = target;
  } else {
    auto colon = target.rfind(':');
    if (colon == std::string::npos || colon == 0 || colon + 1 == target.size())
      return invalid_argument("--to " + target + ": give PATH:NAME (a member's address in the tree, e.g. L2/L1a:n2) or "
                              "https://host:port");
    std::string path = target.substr(0, colon), name = target.substr(colon + 1);
    MLCHAIN_ASSIGN_OR_RETURN(auto entry, node_request(via, "GET", "/v1/directory/" + path, {},
                                                      std::chrono::milliseconds(20'000)));
    if (entry.value("edge", false))
      return invalid_argument(path + " is an edge layer: only members of high-level layers can be invited");
    for (const auto& m : entry.value("members", codec::Json::array())) {
      if (m.value("name", "") == name || m.value("public_key", "") == name) {
        who.address = m.value("address", "");
        auto k = crypto::PublicKey::from_hex(m.value("public_key", ""));
        if (!k.ok()) return unavailable("the directory lists " + name + " without a valid key");
        who.key = *k;
        who.name = m.value("name", name);
      }
    }
    if (who.address.empty()) return not_found("the directory entry of " + path + " has no member " + name);
    who.layer = path;
  }
  MLCHAIN_ASSIGN_OR_RETURN(auto status, node_request(who.address, "GET", "/v1/status", {},
                                                     std::chrono::milliseconds(10'000)));
  auto k = crypto::PublicKey::from_hex(status.value("public_key", ""));
  if (!k.ok()) return unavailable(who.address + " answered /v1/status without a public key");
  if (!who.layer.empty() && *k != who.key)
    return verification_failed(who.address + " answers with key " + k->key_id() + "; the directory records " +
                               who.key.key_id() + " for " + who.target);
  if (status.value("role", "") != "member")
    return failed_precondition(who.address + " is not a member of a high-level layer (role " +
                               status.value("role", "?") + ")");
  who.key = *k;
  if (who.layer.empty()) who.layer = status.value("layer", "");
  if (who.name.empty()) who.name = status.value("node", who.address);
  if (status.value("layer", "") != who.layer)
    return verification_failed(who.address + " is a member of " + status.value("layer", "?") + ", not " + who.layer);
  return who;
}

int run_invite(const InviteOptions& o, const Cli& cli) {
  auto admin = crypto::PrivateKey::load_pem_file(o.admin_key);
  if (!admin.ok()) return cli.fail(admin.status().with_context("admin key " + o.admin_key));
  auto ttl = parse_duration_ms(o.expires, "--expires", static_cast<std::uint64_t>(node::kInvitationMaxMs));
  if (!ttl.ok()) return cli.fail(ttl.status());
  if (*ttl < 60'000) return cli.fail(invalid_argument("--expires must be at least 1m"));

  auto doc = node_request(o.node, "GET", "/v1/genesis", {}, std::chrono::milliseconds(10'000));
  if (!doc.ok() && doc.status().code() == ErrorCode::kNotFound) {
    if (auto e = edge_info(o.node)) return cli.fail(edge_node_error(o.node, *e, "mlchain layer invite"));
  }
  if (!doc.ok()) return cli.fail(doc.status());
  auto genesis = node::parse_genesis_json(*doc, o.node + " /v1/genesis");
  if (!genesis.ok()) return cli.fail(genesis.status());
  const auto& admins = genesis->blueprint.admin_keys;
  if (std::find(admins.begin(), admins.end(), admin->public_key()) == admins.end()) {
    return cli.fail(permission_denied("key " + admin->public_key().key_id() + " is not an admin key of " +
                                      genesis->blueprint.layer_path + " (its blueprint's admin_keys); nothing was sent"));
  }
  auto layer = node_request(o.node, "GET", "/v1/layer", {}, std::chrono::milliseconds(10'000));
  if (!layer.ok()) return cli.fail(layer.status());
  std::vector<std::string> contacts;
  for (const auto& m : layer->value("members", codec::Json::array())) {
    if (!m.contains("replica") || m["replica"].is_null()) continue;
    std::string a = m.value("address", "");
    if (a.rfind("https://", 0) == 0 && contacts.size() < node::kMaxInvitationContacts) contacts.push_back(a);
  }
  if (contacts.empty()) contacts.push_back(o.node);

  codec::Json results = codec::Json::array();
  int worst = kExitOk;
  Status first_error;
  for (const auto& target : o.to) {
    auto who = resolve_invitee(target, o.via.empty() ? o.node : o.via);
    if (!who.ok()) {
      cli.info("not invited: " + target + ": " + who.status().message());
      results.push_back({{"to", target}, {"error", who.status().message()}});
      if (first_error.ok()) first_error = who.status();
      worst = std::max(worst, exit_code_for(who.status().code()));
      continue;
    }
    if (who->layer == genesis->blueprint.layer_path) {
      Status st = failed_precondition(target + " is already a member of " + who->layer);
      results.push_back({{"to", target}, {"error", st.message()}});
      if (first_error.ok()) first_error = st;
      worst = std::max(worst, exit_code_for(st.code()));
      continue;
    }
    node::Invitation inv;
    inv.id = random_id();
    inv.layer = genesis->blueprint.layer_path;
    inv.genesis = genesis->hash_hex;
    inv.contacts = contacts;
    inv.invitee = who->key;
    inv.invitee_layer = who->layer;
    inv.expires_ms = now_ms() + static_cast<std::int64_t>(*ttl);
    inv = node::sign_invitation(*admin, std::move(inv));
    auto answer = node_request(who->address, "POST", "/v1/invitations", node::to_json(inv).dump(),
                               std::chrono::milliseconds(10'000));
    if (!answer.ok()) {
      cli.info("not invited: " + target + ": " + answer.status().message());
      results.push_back({{"to", target}, {"error", answer.status().message()}});
      if (first_error.ok()) first_error = answer.status();
      worst = std::max(worst, exit_code_for(answer.status().code()));
      continue;
    }
    cli.info("invited " + who->name + " (" + who->layer + ", " + who->address + "): invitation " + inv.id);
    results.push_back({{"to", target},
                       {"id", inv.id},
                       {"name", who->name},
                       {"public_key", who->key.hex()},
                       {"address", who->address},
                       {"leaves", who->layer},
                       {"expires_ms", inv.expires_ms},
                       {"state", answer->value("state", "pending")}});
  }
  codec::Json out = {{"layer", genesis->blueprint.layer_path}, {"genesis_hash", genesis->hash_hex}, {"invited", results}};
  if (cli.json()) {
    cli.print_json(out);
  } else {
    for (const auto& r : results) {
      if (r.contains("error")) continue;
      cli.print_fields({{"invited", r["name"].get<std::string>() + " of " + r["leaves"].get<std::string>()},
                        {"id", r["id"].get<std::string>()},
                        {"into", genesis->blueprint.layer_path},
                        {"expires", iso_time(r["expires_ms"].get<std::int64_t>())},
                        {"next", "its operator runs: mlchain node applications accept " + r["id"].get<std::string>() +
                                     " --config <its config>"}});
    }
  }
  if (worst != kExitOk) {
    cli.fail(first_error, "nothing was sent to the targets named above as not invited");
    return worst;
  }
  return kExitOk;
}

// ---- node applications ------------------------------------------------------

struct ApplicationsOptions {
  std::string config;
  std::string id;
  std::string out;
  std::string data_dir;
  std::string listen;
  unsigned timeout_s = 60;
  bool force = false;
};

struct OwnNode {
  node::NodeConfig cfg;
  node::GenesisFile genesis;
  crypto::PrivateKey key;
  std::string url;
};

Result<OwnNode> load_own(const std::string& config) {
  auto cfg = node::load_node_config_file(config);
  if (!cfg.ok()) return Status(cfg.status().code(), cfg.status().message() + " (see docs/node-config.md)");
  MLCHAIN_ASSIGN_OR_RETURN(auto genesis, node::load_genesis_file(cfg->genesis));
  auto key = crypto::PrivateKey::load_pem_file(cfg->key_file);
  if (!key.ok()) return key.status().with_context("node key " + cfg->key_file.string());
  std::string url = "https://" + cfg->listen_host + ":" + std::to_string(cfg->listen_port);
  return OwnNode{std::move(cfg).value(), std::move(genesis), std::move(key).value(), url};
}

Result<codec::Json> fetch_held(const OwnNode& own) {
  return node_request(own.url, "GET", "/v1/invitations", {}, std::chrono::milliseconds(10'000),
                      signed_query_headers(own.key, own.genesis.hash_hex, "/v1/invitations"));
}

Status check_against_tree(const OwnNode& own, const node::Invitation& inv, std::string* tree);

int run_list(const ApplicationsOptions& o, const Cli& cli) {
  auto own = load_own(o.config);
  if (!own.ok()) return cli.fail(own.status());
  auto held = fetch_held(*own);
  if (!held.ok()) return cli.fail(held.status(), "is the node running? mlchain node run --config " + o.config);
  // For each pending invitation, what the tree says of the inviting layer
  // (the check accept makes): an impostor shows before anyone accepts.
  for (auto& h : (*held)["invitations"]) {
    if (h.value("state", "") != "pending" || h.value("expired", false)) continue;
    auto inv = node::invitation_from_json(h["invitation"]);
    if (!inv.ok()) continue;
    std::string says;
    Status st = check_against_tree(*own, *inv, &says);
    h["tree"] = {{"ok", st.ok()}, {"says", st.ok() ? says : st.message()}};
  }
  if (cli.json()) {
    cli.print_json(*held);
    return kExitOk;
  }
  const auto& list = (*held)["invitations"];
  if (list.empty()) {
    cli.print_text("no invitations held by " + own->cfg.name + "\n");
    return kExitOk;
  }
  for (const auto& h : list) {
    const auto& inv = h["invitation"];
    std::string state = h.value("state", "?");
    if (h.value("expired", false) && state == "pending") state = "expired";
    cli.print_fields({{"id", inv.value("id", "")},
                      {"into", inv.value("layer", "") + " (genesis " + inv.value("genesis", "").substr(0, 16) + "…)"},
                      {"leaving", inv.value("invitee_layer", "")},
                      {"signed by", inv.value("admin", "").substr(0, 16) + "…"},
                      {"expires", iso_time(inv.value("expires_ms", std::int64_t{0}))},
                      {"state", state},
                      {"tree", h.contains("tree") ? std::string(h["tree"].value("ok", false) ? "" : "REFUSED AT ACCEPT: ") +
                                                        h["tree"].value("says", "")
                                                  : std::string("-")}});
    cli.print_text("\n");
  }
  return kExitOk;
}

Result<node::Invitation> find_held(const OwnNode& own, const std::string& id, std::string* state) {
  MLCHAIN_ASSIGN_OR_RETURN(auto held, fetch_held(own));
  for (const auto& h : held.value("invitations", codec::Json::array())) {
    if (h["invitation"].value("id", "") != id) continue;
    *state = h.value("state", "");
    return node::invitation_from_json(h["invitation"]);
  }
  return not_found(own.cfg.name + " holds no invitation " + id + " (mlchain node applications --config ... lists them)");
}

Status decide(const OwnNode& own, const std::string& id, bool accept) {
  std::string target = "/v1/invitations/" + id + (accept ? "/accept" : "/refuse");
  return node_request(own.url, "POST", target, "{}", std::chrono::milliseconds(10'000),
                      signed_query_headers(own.key, own.genesis.hash_hex, target))
      .status();
}

int run_refuse(const ApplicationsOptions& o, const Cli& cli) {
  auto own = load_own(o.config);
  if (!own.ok()) return cli.fail(own.status());
  std::string state;
  auto inv = find_held(*own, o.id, &state);
  if (!inv.ok()) return cli.fail(inv.status());
  if (Status st = decide(*own, o.id, false); !st.ok()) return cli.fail(st);
  codec::Json out = {{"id", o.id}, {"state", "refused"}, {"layer", inv->layer}, {"node", own->cfg.name}};
  if (cli.json()) cli.print_json(out);
  else cli.print_fields({{"refused", o.id}, {"into", inv->layer}, {"node", own->cfg.name + " stays in " + inv->invitee_layer}});
  return kExitOk;
}

// What the tree says of the inviting path (GET /v1/directory/<path> at the
// invited node, resolved with f+1 agreement): unknown (a layer not attached
// yet) is fine and said; known, at least one of the inviting layer's current
// members (GET /v1/layer at its contacts, for the invitation's genesis) must
// be among the members the tree records for it. `tree` says which.
Status check_against_tree(const OwnNode& own, const node::Invitation& inv, std::string* tree) {
  auto entry = node_request(own.url, "GET", "/v1/directory/" + inv.layer, {}, std::chrono::milliseconds(20'000));
  if (!entry.ok()) {
    if (entry.status().code() == ErrorCode::kNotFound) {
      *tree = "does not know " + inv.layer + " yet (not attached to a superior)";
      return {};
    }
    return entry.status().with_context("asking the tree about " + inv.layer);
  }
  if (entry->value("edge", false))
    return verification_failed("the tree records " + inv.layer + " as an edge layer; this invitation is not from it");
  std::set<std::string> recorded;
  for (const auto& m : entry->value("members", codec::Json::array())) recorded.insert(m.value("public_key", ""));
  for (const auto& c : inv.contacts) {
    auto layer = node_request(c, "GET", "/v1/layer", {}, std::chrono::milliseconds(10'000));
    if (!layer.ok() || layer->value("genesis_hash", "") != inv.genesis) continue;
    for (const auto& m : layer->value("members", codec::Json::array())) {
      if (m.contains("replica") && !m["replica"].is_null() && recorded.count(m.value("public_key", "")) != 0) {
        *tree = "knows " + inv.layer + " with member " + m.value("name", "?") + " of the inviting layer";
        return {};
      }
    }
    return verification_failed("the tree knows " + inv.layer + " with other members than the inviting layer's (genesis " +
                               inv.genesis.substr(0, 16) + "…): this invitation is not from that layer");
  }
  return unavailable("no member of the inviting layer answered GET /v1/layer");
}

std::string slug(const std::string& path) {
  std::string s = path;
  for (char& c : s)
    if (c == '/') c = '-';
  return s;
}

int run_accept(const ApplicationsOptions& o, const Cli& cli) {
  auto own = load_own(o.config);
  if (!own.ok()) return cli.fail(own.status());
  std::string state;
  auto inv = find_held(*own, o.id, &state);
  if (!inv.ok()) return cli.fail(inv.status(), "is the node running? mlchain node run --config " + o.config);
  if (state == "refused") return cli.fail(failed_precondition("invitation " + o.id + " was refused"));
  crypto::Ed25519Verifier verifier;
  if (Status st = node::check_invitation(*inv, now_ms(), verifier); !st.ok()) return cli.fail(st);

  // The inviting layer's genesis, from its members: the admin must be one of
  // its admin keys, or the invitation is worth nothing.
  Result<node::GenesisFile> genesis = unavailable("no member of " + inv->layer + " answered");
  codec::Json genesis_doc;
  for (const auto& c : inv->contacts) {
    auto doc = node_request(c, "GET", "/v1/genesis", {}, std::chrono::milliseconds(10'000));
    if (!doc.ok()) {
      genesis = doc.status().with_context(c);
      continue;
    }
    genesis = node::parse_genesis_json(*doc, c + " /v1/genesis");
    if (genesis.ok() && genesis->hash_hex != inv->genesis)
      genesis = verification_failed(c + " serves genesis " + genesis->hash_hex + ", not the invitation's " + inv->genesis);
    if (genesis.ok()) {
      genesis_doc = *doc;
      break;
    }
  }
  if (!genesis.ok()) return cli.fail(genesis.status(), "nothing was changed");
  if (genesis->blueprint.layer_path != inv->layer)
    return cli.fail(verification_failed("the inviting layer's genesis is for " + genesis->blueprint.layer_path +
                                        ", the invitation says " + inv->layer));
  if (Status st = node::check_invitation_for_layer(*inv, genesis->hash_hex, genesis->blueprint.admin_keys, now_ms(),
                                                   verifier);
      !st.ok())
    return cli.fail(st, "nothing was changed");
  // Anyone can found a layer and name it after one the tree already has: if
  // the tree knows the path, the inviting layer must be that one.
  std::string tree;
  if (Status st = check_against_tree(*own, *inv, &tree); !st.ok()) return cli.fail(st, "nothing was changed");
  cli.info("the tree " + tree);

  // Where the node's new identity goes; refuse before anything is ordered.
  fs::path out = o.out;
  fs::path dir = out.parent_path().empty() ? fs::path(".") : out.parent_path();
  fs::path genesis_path = dir / (out.stem().string() + ".genesis.json");
  fs::path invitation_path = dir / (out.stem().string() + ".invitation.json");
  for (const auto& f : {out, genesis_path, invitation_path}) {
    if (fs::exists(f)) return cli.fail(already_exists(f.string() + " exists"), "choose another --out; nothing was changed");
  }
  fs::path data_dir = o.data_dir.empty() ? fs::path(own->cfg.data_dir.string() + "-" + slug(inv->layer)) : fs::path(o.data_dir);
  if (fs::exists(data_dir) && !fs::is_empty(data_dir))
    return cli.fail(already_exists("the data directory " + data_dir.string() + " is not empty"),
                    "pass --data-dir with a new directory; nothing was changed");

  if (Status st = decide(*own, o.id, true); !st.ok()) return cli.fail(st, "nothing was changed");
  cli.info("accepted invitation " + o.id + " into " + inv->layer + "; resigning from " + inv->invitee_layer);

  // Leave the old layer by its ordered remove-member (skipped when a
  // previous run already did).
  codec::Json left;
  auto layer = node_request(own->url, "GET", "/v1/layer", {}, std::chrono::milliseconds(10'000));
  bool member = false;
  if (layer.ok()) {
    for (const auto& m : layer->value("members", codec::Json::array()))
      member = member || (m.value("public_key", "") == own->key.public_key().hex() && m.contains("replica") &&
                          !m["replica"].is_null());
  }
  if (member) {
    auto l = resign_from_layer(o.config, o.force, o.timeout_s, cli);
    if (!l.ok()) return cli.fail(l.status(), "the acceptance is recorded; run accept again to retry");
    left = *l;
  } else {
    cli.info(own->cfg.name + " is no longer a member of " + inv->invitee_layer + "; nothing to resign");
  }

  // The node's config in the new layer: same key and name, a new data dir.
  std::string listen = o.listen.empty() ? own->cfg.listen_host + ":" + std::to_string(own->cfg.listen_port) : o.listen;
  toml::table t{{"name", own->cfg.name},
                {"key_file", fs::absolute(own->cfg.key_file).string()},
                {"listen", listen},
                {"data_dir", fs::absolute(data_dir).string()},
                {"genesis", fs::absolute(genesis_path).string()}};
  std::ostringstream text;
  text << "# Written by mlchain node applications accept " << o.id << ": " << own->cfg.name << " moves from "
       << inv->invitee_layer << " into " << inv->layer << ".\n"
       << "# Join with: mlchain node join --config " << out.string() << " --invitation " << invitation_path.string()
       << "\n"
       << t << "\n";
  auto doc_text = codec::canonical(genesis_doc);
  if (!doc_text.ok()) return cli.fail(doc_text.status());
  for (const auto& [path, content] : {std::pair{genesis_path, *doc_text + "\n"},
                                      std::pair{invitation_path, node::to_json(*inv).dump(2) + "\n"},
                                      std::pair{out, text.str()}}) {
    if (Status st = crypto::write_file_atomic(path.string(), content, 0644, true); !st.ok()) return cli.fail(st);
  }

  codec::Json result = {{"id", o.id},
                        {"state", "accepted"},
                        {"node", own->cfg.name},
                        {"left", inv->invitee_layer},
                        {"into", inv->layer},
                        {"genesis_hash", inv->genesis},
                        {"config", out.string()},
                        {"genesis", genesis_path.string()},
                        {"invitation", invitation_path.string()}};
  if (!left.is_null()) result["leave"] = left;
  if (cli.json()) {
    cli.print_json(result);
    return kExitOk;
  }
  cli.print_fields({{"accepted", o.id + " into " + inv->layer},
                    {"left", inv->invitee_layer + (left.is_null() ? " (earlier)" : " (ordered in " +
                                                                   left.value("ordered_in", std::string()) + ")")},
                    {"wrote", out.string() + ", " + genesis_path.string() + ", " + invitation_path.string()},
                    {"next", "stop the old daemon (it has retired), then:\n  mlchain node run --config " + out.string() +
                                 " &\n  mlchain node join --config " + out.string() + " --invitation " +
                                 invitation_path.string()}});
  return kExitOk;
}

}  // namespace

void setup_layer_invite(CLI::App* layer, Cli& cli) {
  auto io = std::make_shared<InviteOptions>();
  auto* invite = layer->add_subcommand(
      "invite", "Invite members of other high-level layers to move into this layer (they decide; nothing moves by itself).");
  invite->add_option("--node", io->node, "A member of the inviting layer, https://host:port.")->required()->type_name("URL");
  cli.file(invite->add_option("--admin-key", io->admin_key, "An admin key of the inviting layer (its blueprint's admin_keys).")
               ->required()
               ->type_name("FILE"));
  invite->add_option("--to", io->to,
                     "Who: PATH:NAME, a member by its address in the tree (resolved through GET /v1/directory/PATH),\n"
                     "or https://host:port. Repeat for several.")
      ->required()
      ->type_name("TARGET");
  invite->add_option("--via", io->via, "The node whose directory resolves PATH:NAME (default: --node).")->type_name("URL");
  invite->add_option("--expires", io->expires, "How long the invitation holds: 90s, 30m, 24h, 7d (default 24h, at most 7d).")
      ->type_name("DURATION");
  invite->footer(
      "Example (the founder of L2/L1c invites a member of L2/L1a and one of L2/L1b):\n"
      "  mlchain layer invite --node https://127.0.0.1:7301 --admin-key admin.pem \\\n"
      "      --to L2/L1a:l1a-n2 --to L2/L1b:l1b-n2\n"
      "Each invitation is signed by the admin key and delivered to the invited node, which keeps it\n"
      "until its operator runs `mlchain node applications accept|refuse ID`. An accepted invitation\n"
      "stands in for the admin when the node joins (`node join --invitation`): it lets that key, and\n"
      "only it, join this layer until it expires.\n"
      "Exit status: 4 when the key is not an admin key of the layer; otherwise the worst of the\n"
      "targets (2 bad target, 3 unreachable, 5 the node answers with another key than the directory's).");
  invite->callback([io, &cli] { cli.exit_code = run_invite(*io, cli); });
}

void add_applications_command(CLI::App& node, Cli& cli) {
  auto lo = std::make_shared<ApplicationsOptions>();
  auto* apps = node.add_subcommand("applications", "List the invitations this node holds into other layers; accept or refuse one.");
  cli.file(apps->add_option("--config", lo->config, "The invited node's config (its key signs the request).")
               ->type_name("FILE"));
  apps->footer(
      "  mlchain node applications --config n2.toml                 # list\n"
      "  mlchain node applications accept ID --config n2.toml --out c2.toml\n"
      "  mlchain node applications refuse ID --config n2.toml\n"
      "Invitations arrive from `mlchain layer invite`; nothing joins by itself. The list says, for each\n"
      "pending one, what the tree says of the inviting layer (\"tree\"): accept refuses one the tree\n"
      "knows under that path with other members.");

  auto ao = std::make_shared<ApplicationsOptions>();
  auto* accept = apps->add_subcommand("accept", "Accept an invitation: resign from this layer and prepare to join the other.");
  accept->add_option("id", ao->id, "The invitation id (32 hex, from the list).")->required()->type_name("ID");
  cli.file(accept->add_option("--config", ao->config, "The invited node's config (its current layer).")
               ->required()
               ->type_name("FILE"));
  accept->add_option("--out", ao->out, "The node's new config file to write (its genesis and invitation are written beside it).")
      ->required()
      ->type_name("FILE");
  accept->add_option("--data-dir", ao->data_dir, "The data directory in the new layer (default: the old one + -<new path>).")
      ->type_name("DIR");
  accept->add_option("--listen", ao->listen, "host:port in the new layer (default: the same as now).")->type_name("ADDR");
  accept->add_option("--timeout", ao->timeout_s, "Seconds to wait for the old layer's new epoch (default 60).")
      ->type_name("SECONDS");
  accept->add_flag("--force", ao->force, "Resign even when the old layer keeps fewer than 4 members (f = 0).");
  accept->footer(
      "Checks the invitation against the inviting layer's genesis (fetched from its members: the hash\n"
      "must match and the signer must be one of its admin keys) and, when the tree already knows the\n"
      "inviting path (GET /v1/directory), that it is that layer (one of its members recorded there),\n"
      "records the acceptance, resigns from\n"
      "the current layer by its ordered remove-member and waits for the epoch without this node, then\n"
      "writes the new config, the new layer's genesis and the invitation. Then:\n"
      "  stop the old daemon; mlchain node run --config NEW.toml &\n"
      "  mlchain node join --config NEW.toml --invitation NEW.invitation.json\n"
      "Exit status: 4 the signer is not an admin of the inviting layer, 5 a genesis mismatch,\n"
      "1 the old layer would keep fewer than 4 members (pass --force) or the invitation was refused.");
  accept->callback([ao, &cli] { cli.exit_code = run_accept(*ao, cli); });

  auto ro = std::make_shared<ApplicationsOptions>();
  auto* refuse = apps->add_subcommand("refuse", "Refuse an invitation; the node stays in its layer.");
  refuse->add_option("id", ro->id, "The invitation id (32 hex, from the list).")->required()->type_name("ID");
  cli.file(refuse->add_option("--config", ro->config, "The invited node's config.")->required()->type_name("FILE"));
  refuse->callback([ro, &cli] { cli.exit_code = run_refuse(*ro, cli); });

  apps->callback([apps, lo, &cli] {
    if (!apps->get_subcommands().empty()) return;  // accept or refuse ran
    if (lo->config.empty()) {
      cli.exit_code = cli.fail(invalid_argument("node applications needs --config FILE (the invited node's config)"));
      return;
    }
    cli.exit_code = run_list(*lo, cli);
  });
}

}  // namespace mlchain::cli
