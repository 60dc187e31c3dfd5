// mlchain layer found / layer apply: the tree grows at runtime (issue 17;
// seed paper §IV.B.1.b).
//
//   found: one node starts a new layer under a running superior: a blueprint
//          with the founder as its only member and the superior's current
//          members (with their epoch and genesis), written to DIR with its
//          genesis, as `layer create` writes it. The layer runs at n = 1 and
//          grows by `node join`.
//   apply: the new layer applies to its superior: f+1 of its members sign
//          the application (GET /v1/layer/application), and an admin of the
//          superior orders add-layer there (node/layer_application.h).
#include <toml++/toml.h>

#include <chrono>
#include <filesystem>
#include <map>
#include <sstream>

#include "cli.h"
#include "duration.h"
#include "mlchain/codec/fields.h"
#include "mlchain/common/clock.h"
#include "mlchain/config/blueprint_toml.h"
#include "mlchain/consensus/types.h"
#include "mlchain/crypto/ed25519.h"
#include "mlchain/ledger/ledger.h"
#include "mlchain/node/layer_application.h"
#include "mlchain/node/signed_op.h"
#include "node_client.h"

namespace mlchain::cli {
namespace {

namespace fs = std::filesystem;

bool direct_child(const std::string& path, const std::string& parent) {
  return path.size() > parent.size() + 1 && path.compare(0, parent.size() + 1, parent + "/") == 0 &&
         path.find('/', parent.size() + 1) == std::string::npos;
}

std::int64_t now_ms() { return unix_millis(SystemClock().now()); }

struct LayerFoundOptions {
  std::string path;
  std::string superior;
  std::string key;
  std::string name;
  std::string address;
  std::vector<std::string> admins;
  std::string out;
  std::uint64_t request_timeout_ms = 1000;
  std::uint64_t view_change_timeout_ms = 2000;
  bool force = false;
};

toml::table member_table(const std::string& name, const std::string& key_hex, const std::string& address) {
  return toml::table{{"name", name}, {"public_key", key_hex}, {"address", address}};
}

int run_layer_found(const LayerFoundOptions& o, const Cli& cli) {
  auto founder = crypto::PrivateKey::load_pem_file(o.key);
  if (!founder.ok()) return cli.fail(founder.status().with_context("founder key " + o.key));
  if (o.address.rfind("https://", 0) != 0) return cli.fail(invalid_argument("--address must be https://host:port"));
  std::vector<std::string> admins;
  for (const auto& a : o.admins) {
    auto k = crypto::PublicKey::from_hex(a);
    if (!k.ok()) {
      return cli.fail(invalid_argument("--admin " + a +
                                       " is not a public key (64 hex characters; `mlchain key show "
                                       "--key admin.pem -o json | jq -r .public_key`)"));
    }
    admins.push_back(k->hex());
  }
  std::string name = o.name.empty() ? fs::path(o.key).stem().string() : o.name;
  if (name.empty() || name.size() > 64) return cli.fail(invalid_argument("--name must be 1 to 64 characters"));

  // The superior as it is now: path, genesis, epoch and current members.
  auto sup = node_request(o.superior, "GET", "/v1/layer");
  if (!sup.ok() && sup.status().code() == ErrorCode::kNotFound) {
    if (auto e = edge_info(o.superior)) return cli.fail(edge_node_error(o.superior, *e, "mlchain layer found"));
  }
  if (!sup.ok()) return cli.fail(sup.status().with_context("superior " + o.superior));
  std::string sup_path = codec::string_or_empty(*sup, "layer");
  std::string sup_genesis = codec::string_or_empty(*sup, "genesis_hash");
  auto sup_epoch = codec::get_uint(*sup, "epoch");
  if (sup_path.empty() || sup_genesis.size() != 64 || !sup_epoch.ok())
    return cli.fail(unavailable(o.superior + " answered /v1/layer without a layer, genesis hash or epoch"));
  if (!direct_child(o.path, sup_path)) {
    return cli.fail(invalid_argument("--path " + o.path + " is not a direct subordinate of " + sup_path +
                                     " (expected " + sup_path + "/<name>)"));
  }
  for (const auto& s : sup->value("subordinates", codec::Json::array())) {
    if (s.value("path", "") == o.path) {
      return cli.fail(already_exists("the path already exists: " + sup_path + " records a subordinate " + o.path),
                      "choose another name");
    }
  }
  toml::array sup_members;
  for (const auto& m : sup->value("members", codec::Json::array())) {
    if (!m.contains("replica") || m["replica"].is_null()) continue;  // not in the current epoch
    std::string mname = m.value("name", ""), key = m.value("public_key", ""), address = m.value("address", "");
    if (!crypto::PublicKey::from_hex(key).ok() || address.rfind("https://", 0) != 0 || mname.empty() ||
        mname.size() > 64) {
      return cli.fail(unavailable(o.superior + " listed a member without a valid name, key or https address"));
    }
    sup_members.push_back(member_table(mname, key, address));
  }
  if (sup_members.empty()) return cli.fail(unavailable(o.superior + " listed no current member"));

  // genesis_time is Unix milliseconds, to the second.
  std::int64_t genesis_time = now_ms() / 1000 * 1000;
  toml::table bp{
      {"layer", o.path},
      {"genesis_time", genesis_time},
      {"admin_keys",
       [&] {
         toml::array a;
         for (const auto& k : admins) a.push_back(k);
         return a;
       }()},
      {"consensus", toml::table{{"request_timeout_ms", static_cast<std::int64_t>(o.request_timeout_ms)},
                                {"view_change_timeout_ms", static_cast<std::int64_t>(o.view_change_timeout_ms)}}},
      {"members", toml::array{member_table(name, founder->public_key().hex(), o.address)}},
      {"superior", toml::table{{"path", sup_path},
                               {"epoch", static_cast<std::int64_t>(*sup_epoch)},
                               {"genesis", sup_genesis},
                               {"members", std::move(sup_members)}}},
  };
  std::ostringstream text;
  text << "# Written by mlchain layer found: " << o.path << " founded by " << name << " under " << sup_path
       << " (docs/running-a-layer.md, Grow the tree).\n"
       << "# `mlchain layer create --blueprint` on this file gives the same genesis hash.\n"
       << bp << "\n";

  std::error_code ec;
  fs::create_directories(o.out, ec);
  if (ec) return cli.fail(invalid_argument("cannot create " + o.out + ": " + ec.message()));
  std::string bp_file = (fs::path(o.out) / "blueprint.toml").string();
  std::string genesis_file = (fs::path(o.out) / "genesis.json").string();
  for (const auto& f : {bp_file, genesis_file}) {
    if (!o.force && fs::exists(f)) return cli.fail(already_exists(f + " exists"), "pass --force to replace it");
  }
  Status written = crypto::write_file_atomic(bp_file, text.str(), 0644, true);
  if (!written.ok()) return cli.fail(written);
  auto blueprint = config::load_blueprint_file(bp_file);
  if (!blueprint.ok()) return cli.fail(blueprint.status().with_context("the blueprint just written"));
  ledger::Block genesis = ledger::make_genesis(*blueprint);
  std::string hash = crypto::digest_hex(genesis.hash());
  codec::Json doc = {
      {"blueprint", ledger::to_json(*blueprint)}, {"genesis", ledger::to_json(genesis)}, {"genesis_hash", hash}};
  auto doc_text = codec::canonical(doc);
  if (!doc_text.ok()) return cli.fail(doc_text.status());
  written = crypto::write_file_atomic(genesis_file, *doc_text + "\n", 0644, true);
  if (!written.ok()) return cli.fail(written);

  codec::Json out = {{"layer", o.path},
                     {"genesis_hash", hash},
                     {"founder", name},
                     {"public_key", founder->public_key().hex()},
                     {"address", o.address},
                     {"superior", sup_path},
                     {"superior_genesis", sup_genesis},
                     {"superior_epoch", *sup_epoch},
                     {"blueprint", bp_file},
                     {"file", genesis_file}};
  if (cli.json()) {
    cli.print_json(out);
  } else {
    cli.info("wrote " + bp_file + " and " + genesis_file);
    cli.print_fields({{"layer", o.path + " (1 member: " + name + ", " + o.address + ")"},
                      {"genesis hash", hash},
                      {"superior", sup_path + " (epoch " + std::to_string(*sup_epoch) + ", genesis " +
                                       sup_genesis.substr(0, 16) + "…)"},
                      {"next", "start the founder with `mlchain node run` (genesis = " + genesis_file +
                                   "), admit members with `mlchain node join`, then `mlchain layer apply`"}});
  }
  return kExitOk;
}

struct LayerApplyOptions {
  std::string node;
  std::string superior;
  std::string admin_key;
  std::string lifetime = "365d";
};

int run_layer_apply(const LayerApplyOptions& o, const Cli& cli) {
  auto admin = crypto::PrivateKey::load_pem_file(o.admin_key);
  if (!admin.ok()) return cli.fail(admin.status().with_context("admin key " + o.admin_key));
  auto lifetime = parse_duration_ms(o.lifetime, "--lifetime", 10ull * 366 * 86'400'000);
  if (!lifetime.ok()) return cli.fail(lifetime.status());
  auto sup = node_request(o.superior, "GET", "/v1/layer");
  if (!sup.ok()) return cli.fail(sup.status().with_context("superior " + o.superior));
  std::string sup_path = codec::string_or_empty(*sup, "layer");
  std::string sup_genesis = codec::string_or_empty(*sup, "genesis_hash");
  auto layer = node_request(o.node, "GET", "/v1/layer");
  if (!layer.ok()) return cli.fail(layer.status().with_context("applying layer " + o.node));
  std::string path = codec::string_or_empty(*layer, "layer");
  if (!direct_child(path, sup_path)) {
    return cli.fail(invalid_argument(path + " is not a direct subordinate of " + sup_path + " (--superior " +
                                     o.superior + " answers for " + sup_path + ")"));
  }

  // Ask every member of the applying layer for its signature; keep those on
  // the same application (members agree on the epoch and the member set).
  std::vector<std::string> addresses{o.node};
  for (const auto& m : layer->value("members", codec::Json::array())) {
    if (m.contains("replica") && !m["replica"].is_null() && m.value("address", "") != "" &&
        m.value("address", "") != o.node)
      addresses.push_back(m.value("address", ""));
  }
  std::map<std::string, std::pair<node::LayerApplication, std::vector<node::ApplicationSignature>>> by_text;
  std::string last_error;
  const std::string target = "/v1/layer/application?superior=" + sup_genesis;
  for (const auto& a : addresses) {
    auto r = node_request(a, "GET", target, {}, std::chrono::milliseconds(5'000));
    if (!r.ok()) {
      last_error = a + ": " + r.status().message();
      continue;
    }
    auto app = node::application_from_json(r->value("application", codec::Json::object()));
    auto key = crypto::PublicKey::from_hex(codec::string_or_empty(*r, "public_key"));
    auto sig = crypto::signature_from_hex(codec::string_or_empty(*r, "sig"));
    if (!app.ok() || !key.ok() || !sig.ok() || app->path != path || app->superior != sup_genesis) {
      last_error = a + ": a malformed answer";
      continue;
    }
    auto& slot = by_text[node::to_json(*app).dump()];
    slot.first = *app;
    slot.second.push_back({*key, *sig});
  }
  const std::pair<node::LayerApplication, std::vector<node::ApplicationSignature>>* best = nullptr;
  for (const auto& [text, entry] : by_text) {
    std::size_t need = consensus::max_faults(entry.first.members.size()) + 1;
    if (entry.second.size() >= need && (!best || entry.second.size() > best->second.size())) best = &entry;
  }
  if (best == nullptr) {
    return cli.fail(unavailable("fewer than f+1 members of " + path + " signed one application" +
                                (last_error.empty() ? std::string() : " (last error: " + last_error + ")")),
                    "the members must be running and agree on the current epoch; retry");
  }
  std::int64_t expires_at = now_ms() + static_cast<std::int64_t>(*lifetime);
  auto op = node::sign_op(*admin, sup_genesis, node::next_op_id(),
                          node::add_layer_op_text(best->first, best->second, expires_at));
  auto answer =
      node_request(o.superior, "POST", "/v1/ops", node::to_json(op).dump(), std::chrono::milliseconds(20'000));
  if (!answer.ok()) return cli.fail(answer.status(), "the admin key must be listed in " + sup_path + "'s admin_keys");
  std::string result = codec::string_or_empty(*answer, "result");
  if (result.rfind("ok", 0) != 0) return cli.fail(failed_precondition(sup_path + " refused: " + result));
  const auto& app = best->first;
  codec::Json out = {{"layer", path},
                     {"superior", sup_path},
                     {"genesis", app.genesis},
                     {"epoch", app.epoch},
                     {"members", app.members.size()},
                     {"signed_by", best->second.size()},
                     {"expires_at", expires_at},
                     {"result", result},
                     {"block", codec::string_or_empty(*answer, "block")}};
  if (cli.json()) {
    cli.print_json(out);
  } else {
    cli.print_fields(
        {{"attached", path + " (epoch " + std::to_string(app.epoch) + ", " + std::to_string(app.members.size()) +
                          " members, " + std::to_string(best->second.size()) + " signed)"},
         {"to", sup_path},
         {"trusted until", iso_time(expires_at) + " (--lifetime " + o.lifetime + ")"},
         {"recorded in", codec::string_or_empty(*answer, "block")}});
  }
  return kExitOk;
}

}  // namespace

void setup_layer_grow(CLI::App* layer, Cli& cli) {
  auto fo = std::make_shared<LayerFoundOptions>();
  auto* found =
      layer->add_subcommand("found", "Start a new layer under a running superior, with one node as its only member.");
  found->add_option("--path", fo->path, "The new layer's path, a direct subordinate of the superior, e.g. L2/L1c.")
      ->required()
      ->type_name("PATH");
  found->add_option("--superior", fo->superior, "A member of the running superior layer, https://host:port.")
      ->required()
      ->type_name("URL");
  cli.file(found->add_option("--key", fo->key, "The founder's key file (mlchain key gen); its public key is member 0.")
               ->required()
               ->type_name("FILE"));
  found->add_option("--address", fo->address, "Where the founder listens for peers and clients, https://host:port.")
      ->required()
      ->type_name("URL");
  found->add_option("--admin", fo->admins, "An admin public key of the new layer (64 hex; repeat for several).")
      ->required()
      ->type_name("HEX");
  found->add_option("--out", fo->out, "Directory for blueprint.toml and genesis.json.")->required()->type_name("DIR");
  found->add_option("--name", fo->name, "The founder's member name (default: the key file's name without .pem).")
      ->type_name("NAME");
  found->add_option("--request-timeout-ms", fo->request_timeout_ms, "Consensus request timeout (default 1000).")
      ->type_name("MS");
  found
      ->add_option("--view-change-timeout-ms", fo->view_change_timeout_ms,
                   "Consensus view-change timeout (default 2000).")
      ->type_name("MS");
  found->add_flag("--force", fo->force, "Replace blueprint.toml and genesis.json if they exist.");
  found->footer(
      "Writes DIR/blueprint.toml and DIR/genesis.json: the founder is the layer's only member (n = 1,\n"
      "f = 0), and its [superior] is the running layer as it is now (members, epoch, genesis), so the\n"
      "new layer follows the superior's epoch certificates from there. Start the founder with `mlchain\n"
      "node run`, admit members with `mlchain node join` (f follows n), then `mlchain layer apply`:\n"
      "nothing routes to the new layer until an admin of the superior accepts it.\n"
      "Exit status 2 when the path is not a direct subordinate of the superior or already exists there.\n"
      "Example:\n"
      "  mlchain layer found --path L2/L1c --superior https://127.0.0.1:7201 --key c1.pem \\\n"
      "      --address https://127.0.0.1:7501 --admin \"$(mlchain key show --key admin.pem -o json | jq -r "
      ".public_key)\" \\\n"
      "      --out l1c");
  found->callback([fo, &cli] { cli.exit_code = run_layer_found(*fo, cli); });

  auto ap = std::make_shared<LayerApplyOptions>();
  auto* apply = layer->add_subcommand("apply", "Apply to the superior: it records the whole layer as its subordinate.");
  apply->add_option("--node", ap->node, "A member of the applying layer, https://host:port.")
      ->required()
      ->type_name("URL");
  apply->add_option("--superior", ap->superior, "A member of the superior layer, https://host:port.")
      ->required()
      ->type_name("URL");
  cli.file(
      apply->add_option("--admin-key", ap->admin_key, "An admin key of the SUPERIOR layer: it accepts the application.")
          ->required()
          ->type_name("FILE"));
  apply
      ->add_option("--lifetime", ap->lifetime,
                   "How long the superior trusts the entry (default 365d); apply again to renew it.")
      ->type_name("DURATION");
  apply->footer(
      "Each member of the applying layer signs the application (its path, genesis, current epoch and\n"
      "members, and the superior's genesis); f+1 signatures of one epoch are needed. The superior\n"
      "orders add-layer, signed by the admin key: from then on it routes contracts to the layer,\n"
      "checks its certificates against its members and follows its epochs. Applying again (a newer\n"
      "epoch, a new lifetime) replaces the entry; a path attached with another genesis is refused.\n"
      "Exit status 4 when the admin key is not authorised, 5 when the signatures do not verify,\n"
      "1 when the superior refuses, 3 when too few members answer.\n"
      "Example:\n"
      "  mlchain layer apply --node https://127.0.0.1:7501 --superior https://127.0.0.1:7201 \\\n"
      "      --admin-key admin.pem");
  apply->callback([ap, &cli] { cli.exit_code = run_layer_apply(*ap, cli); });
}

}  // namespace mlchain::cli
