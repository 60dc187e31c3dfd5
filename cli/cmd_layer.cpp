// mlchain layer create: the genesis of a layer from its blueprint.
//
// Output directory layout (read by `mlchain node run` later):
//   DIR/genesis.json   {"blueprint": ..., "genesis": block, "genesis_hash": hex}
// Every member that runs create on the same blueprint gets byte-identical
// files and the same genesis hash; nodes refuse peers with another hash.
#include <algorithm>
#include <filesystem>

#include <chrono>
#include <map>
#include <optional>

#include "cli.h"
#include "duration.h"
#include "mlchain/codec/fields.h"
#include "mlchain/config/blueprint_toml.h"
#include "mlchain/contract/packet.h"
#include "mlchain/crypto/ed25519.h"
#include "mlchain/ledger/ledger.h"
#include "mlchain/node/signed_op.h"
#include "mlchain/node/superior_change.h"
#include "node_client.h"

namespace mlchain::cli {
namespace {

struct LayerCreateOptions {
  std::string blueprint;
  std::string out;
  bool force = false;
};

int run_layer_create(const LayerCreateOptions& opts, const Cli& cli) {
  auto bp = config::load_blueprint_file(opts.blueprint);
  if (!bp.ok()) return cli.fail(bp.status());
  ledger::Block genesis = ledger::make_genesis(*bp);
  std::string hash = crypto::digest_hex(genesis.hash());
  codec::Json doc = {{"blueprint", ledger::to_json(*bp)}, {"genesis", ledger::to_json(genesis)}, {"genesis_hash", hash}};
  auto text = codec::canonical(doc);
  if (!text.ok()) return cli.fail(text.status());

  std::error_code ec;
  std::filesystem::create_directories(opts.out, ec);
  if (ec) return cli.fail(invalid_argument("cannot create " + opts.out + ": " + ec.message()));
  std::string path = (std::filesystem::path(opts.out) / "genesis.json").string();
  Status written = crypto::write_file_atomic(path, *text + "\n", 0644, opts.force);
  if (!written.ok()) {
    return cli.fail(written, written.code() == ErrorCode::kAlreadyExists ? "pass --force to replace it" : "");
  }
  auto epoch = ledger::epoch_config(*bp);
  codec::Json out = {{"layer", bp->layer_path},
                     {"genesis_hash", hash},
                     {"file", path},
                     {"members", epoch.n()},
                     {"f", epoch.f()},
                     {"quorum", epoch.quorum()}};
  if (cli.json()) {
    cli.print_json(out);
  } else {
    cli.info("wrote " + path);
    cli.print_fields({{"layer", bp->layer_path},
                      {"genesis hash", hash},
                      {"members", std::to_string(epoch.n()) + " (tolerates f = " + std::to_string(epoch.f()) +
                                      " faulty; quorum " + std::to_string(epoch.quorum()) + ")"},
                      {"file", path}});
  }
  return kExitOk;
}

struct LayerShowOptions {
  std::string node;
  bool tree = false;
};

// --tree: the layers reachable from the answering one. Climb the superior
// chain to the root, then walk down every subordinate, each layer asked at
// the addresses its neighbour records (first that answers). Bounded: depth 8,
// 64 requests, 3 s per request.
class TreeWalker {
 public:
  codec::Json walk(const codec::Json& start, const std::string& start_url) {
    std::vector<codec::Json> chain{start};
    std::map<std::string, codec::Json> known{{start.value("layer", ""), start}};
    codec::Json missing_root;
    while (chain.size() < 8) {
      const codec::Json& cur = chain.back();
      if (!cur.contains("superior") || !cur["superior"].is_object()) break;
      auto up = fetch(cur["superior"]);
      if (!up) {
        missing_root = cur["superior"];
        break;
      }
      known[up->value("layer", "")] = *up;
      chain.push_back(*up);
    }
    asked_ = start.value("layer", "");
    (void)start_url;
    codec::Json root = node_of(chain.back(), known, 0);
    if (!missing_root.is_null()) {
      codec::Json top = unreachable(missing_root);
      top["children"] = codec::Json::array({root});
      return top;
    }
    return root;
  }

 private:
  std::optional<codec::Json> fetch(const codec::Json& book) {
    for (const auto& a : book.value("addresses", codec::Json::array())) {
      if (!a.is_string() || budget_ == 0) continue;
      --budget_;
      auto j = node_request(a.get<std::string>(), "GET", "/v1/layer", {}, std::chrono::milliseconds(3'000));
      if (j.ok() && j->value("layer", "") == book.value("path", "")) return std::move(j).value();
      if (!j.ok() && j.status().code() == ErrorCode::kNotFound && budget_ > 0) {
        // An edge layer's central node has no /v1/layer: ask /v1/edge.
        --budget_;
        auto e = node_request(a.get<std::string>(), "GET", "/v1/edge", {}, std::chrono::milliseconds(3'000));
        if (e.ok() && e->value("layer", "") == book.value("path", "")) {
          return codec::Json{{"layer", e->value("layer", "")}, {"edge", true}, {"n", 1}, {"node", e->value("name", "")}};
        }
      }
    }
    return std::nullopt;
  }

  static codec::Json unreachable(const codec::Json& book) {
    return {{"layer", book.value("path", "")}, {"reachable", false}, {"members", book.value("members", 0)},
            {"children", codec::Json::array()}};
  }

  codec::Json node_of(const codec::Json& layer, std::map<std::string, codec::Json>& known, int depth) {
    if (layer.value("edge", false)) {
      return {{"layer", layer.value("layer", "")}, {"reachable", true}, {"edge", true}, {"members", 1},
              {"node", layer.value("node", "")}, {"asked", false}, {"children", codec::Json::array()}};
    }
    codec::Json n = {{"layer", layer.value("layer", "")},
                     {"reachable", true},
                     {"members", layer.value("n", 0)},
                     {"epoch", layer.value("epoch", 0)},
                     {"height", layer.value("height", 0)},
                     {"asked", layer.value("layer", "") == asked_},
                     {"children", codec::Json::array()}};
    for (const auto& sub : layer.value("subordinates", codec::Json::array())) {
      std::string path = sub.value("path", "");
      std::optional<codec::Json> child;
      if (auto it = known.find(path); it != known.end()) child = it->second;
      else if (depth < 8) child = fetch(sub);
      if (child) {
        known[path] = *child;
        n["children"].push_back(node_of(*child, known, depth + 1));
      } else {
        n["children"].push_back(unreachable(sub));
      }
    }
    return n;
  }

  std::string asked_;
  int budget_ = 64;
};

void draw_tree(const codec::Json& n, const std::string& prefix, bool last, bool root, std::string& out) {
  std::string label = n.value("layer", "?");
  if (n.value("edge", false)) {
    label += "  (edge layer, central node " + n.value("node", "") + ")";
  } else if (n.value("reachable", false)) {
    label += "  (" + std::to_string(n.value("members", 0)) + " members, epoch " + std::to_string(n.value("epoch", 0)) +
             ", height " + std::to_string(n.value("height", 0)) + ")";
    if (n.value("asked", false)) label += "  <- asked";
  } else {
    label += "  (unreachable; " + std::to_string(n.value("members", 0)) + " members recorded)";
  }
  out += root ? label + "\n" : prefix + (last ? "└── " : "├── ") + label + "\n";
  const auto& kids = n["children"];
  for (std::size_t i = 0; i < kids.size(); ++i)
    draw_tree(kids[i], root ? "" : prefix + (last ? "    " : "│   "), i + 1 == kids.size(), false, out);
}

// mlchain layer show: the layer as one member sees it now (GET /v1/layer).
int run_layer_show(const LayerShowOptions& opts, const Cli& cli) {
  auto j = node_request(opts.node, "GET", "/v1/layer");
  if (!j.ok() && j.status().code() == ErrorCode::kNotFound) {
    if (auto e = edge_info(opts.node)) return cli.fail(edge_node_error(opts.node, *e, "mlchain layer show"));
  }
  if (!j.ok()) return cli.fail(j.status());
  if (opts.tree) {
    TreeWalker walker;
    codec::Json tree = walker.walk(*j, opts.node);
    if (cli.json()) {
      cli.print_json(tree);
    } else {
      std::string out;
      draw_tree(tree, "", true, true, out);
      cli.print_text(out.substr(0, out.size() - 1));
    }
    return kExitOk;
  }
  if (cli.json()) {
    cli.print_json(*j);
    return kExitOk;
  }
  auto num = [&](const char* k) { return j->contains(k) ? (*j)[k].dump() : std::string("?"); };
  std::string superior = "none";
  if ((*j).contains("superior") && (*j)["superior"].is_object()) {
    const auto& sup = (*j)["superior"];
    std::uint64_t candidate = codec::get_uint(sup, "candidate").value_or(0);
    std::uint64_t candidates = codec::get_uint(sup, "candidates").value_or(1);
    superior = codec::string_or_empty(sup, "path");
    if (candidates > 1)
      superior += candidate == 0 ? " (the blueprint's; " + std::to_string(candidates - 1) + " alternates)"
                                 : " (alternate " + std::to_string(candidate) + ", since height " +
                                       std::to_string(codec::get_uint(sup, "changed_at_height").value_or(0)) + ")";
  }
  std::string subs;
  for (const auto& s : (*j).value("subordinates", codec::Json::array())) subs += (subs.empty() ? "" : ", ") + s.value("path", "");
  cli.print_fields({{"layer", (*j).value("layer", "")},
                    {"genesis hash", (*j).value("genesis_hash", "")},
                    {"epoch", num("epoch")},
                    {"members", num("n") + " (f = " + num("f") + ", quorum " + num("quorum") + ")"},
                    {"view", num("view") + ((*j).value("view_active", true) ? "" : " (changing)")},
                    {"primary", (*j).value("primary", "")},
                    {"height", num("height")},
                    {"superior", superior},
                    {"subordinates", subs.empty() ? "none" : subs},
                    {"reported by", (*j).value("reported_by", "")}});
  std::string table = "\n  NAME      STATUS       ADDRESS                      KEY\n";
  for (const auto& m : (*j).value("members", codec::Json::array())) {
    std::string name = m.value("name", "") + (m.value("self", false) ? "*" : "");
    std::string status = m.value("status", "");
    std::string address = m.value("address", "");
    name.resize(std::max<std::size_t>(name.size(), 9), ' ');
    status.resize(std::max<std::size_t>(status.size(), 12), ' ');
    address.resize(std::max<std::size_t>(address.size(), 28), ' ');
    table += "  " + name + " " + status + " " + address + " " + m.value("public_key", "").substr(0, 16) + "\n";
  }
  cli.print_text(table + "  (* = the node that answered)");
  return kExitOk;
}

struct LayerAttachOptions {
  std::string path;
  std::string name;
  std::string key;
  std::string address;
  std::string admin_key;
  std::string node;
  std::string lifetime = "365d";
};

// mlchain layer attach: record a subordinate (edge) layer on its superior's
// chain by an ordered add-subordinate op (node/signed_op.h).
int run_layer_attach(const LayerAttachOptions& o, const Cli& cli) {
  auto edge_key = crypto::PrivateKey::load_pem_file(o.key);
  if (!edge_key.ok()) return cli.fail(edge_key.status().with_context("subordinate key " + o.key));
  auto admin = crypto::PrivateKey::load_pem_file(o.admin_key);
  if (!admin.ok()) return cli.fail(admin.status().with_context("admin key " + o.admin_key));
  if (o.address.rfind("https://", 0) != 0) return cli.fail(invalid_argument("--address must be https://host:port"));
  auto layer = node_request(o.node, "GET", "/v1/layer");
  if (!layer.ok()) return cli.fail(layer.status());
  std::string superior = layer->value("layer", "");
  if (o.path.size() <= superior.size() + 1 || o.path.compare(0, superior.size() + 1, superior + "/") != 0 ||
      o.path.find('/', superior.size() + 1) != std::string::npos) {
    return cli.fail(invalid_argument("--path " + o.path + " is not a direct subordinate of " + superior + " (expected " +
                                     superior + "/<name>)"));
  }
  std::string genesis = layer->value("genesis_hash", "");
  node::SubordinateEntry e{o.path, o.name.empty() ? o.path.substr(superior.size() + 1) : o.name, edge_key->public_key(),
                           o.address, {}};
  // Publish the edge's sealing key with its entry: source edges seal
  // contract bodies to it (docs/contracts.md §2).
  auto seal = contract::edge_seal_key(*edge_key);
  if (!seal.ok()) return cli.fail(seal.status().with_context("sealing key of " + o.key));
  e.seal_key = seal->public_key().hex();
  auto lifetime = parse_duration_ms(o.lifetime, "--lifetime", 10ull * 366 * 86'400'000);
  if (!lifetime.ok()) return cli.fail(lifetime.status());
  e.expires_at_ms = static_cast<std::int64_t>(
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count() +
      static_cast<std::int64_t>(*lifetime));
  auto proof = edge_key->sign(node::attach_proof_bytes(genesis, e));
  auto id = node::next_op_id();
  auto op = node::sign_op(*admin, genesis, id, node::subordinate_op_text(e, proof));
  auto answer = node_request(o.node, "POST", "/v1/ops", node::to_json(op).dump(), std::chrono::milliseconds(20'000));
  if (!answer.ok()) return cli.fail(answer.status(), "the admin key must be listed in the superior's admin_keys");
  std::string result = answer->value("result", "");
  if (result.rfind("ok", 0) != 0) return cli.fail(failed_precondition(superior + " refused: " + result));
  codec::Json out = {{"subordinate", o.path}, {"superior", superior}, {"public_key", e.key.hex()},
                     {"address", o.address}, {"seal_key", e.seal_key}, {"expires_at", e.expires_at_ms},
                     {"block", answer->value("block", "")}};
  if (cli.json()) {
    cli.print_json(out);
  } else {
    cli.print_fields({{"attached", o.path + " (" + e.key.key_id() + ", " + o.address + ")"},
                      {"to", superior},
                      {"trusted until", iso_time(e.expires_at_ms) + " (--lifetime " + o.lifetime + ")"},
                      {"recorded in", answer->value("block", "")}});
  }
  return kExitOk;
}

struct ChangeSuperiorOptions {
  std::string node;
  std::string admin_key;
  std::size_t to = 0;
};

// mlchain layer change-superior: the operator's decision, an ordered "set"
// superior op signed by an admin key (node/superior_change.h).
int run_change_superior(const ChangeSuperiorOptions& o, const Cli& cli) {
  auto admin = crypto::PrivateKey::load_pem_file(o.admin_key);
  if (!admin.ok()) return cli.fail(admin.status().with_context("admin key " + o.admin_key));
  auto layer = node_request(o.node, "GET", "/v1/layer");
  if (!layer.ok()) return cli.fail(layer.status());
  std::string path = codec::string_or_empty(*layer, "layer");
  const codec::Json& sup = (*layer)["superior"];
  if (!sup.is_object()) return cli.fail(failed_precondition(path + " is a root layer: it has no superior to change"));
  std::size_t current = codec::get_uint(sup, "candidate").value_or(0);
  std::size_t candidates = codec::get_uint(sup, "candidates").value_or(1);
  std::uint64_t changes = codec::get_uint(sup, "changes").value_or(0);
  if (candidates == 0) return cli.fail(unavailable(o.node + " answered /v1/layer without superior candidates"));
  if (o.to >= candidates) {
    return cli.fail(invalid_argument("--to " + std::to_string(o.to) + ": " + path + " has " +
                                     std::to_string(candidates) + " superior candidate(s), 0 to " +
                                     std::to_string(candidates - 1) + " (0 is the blueprint's [superior])"));
  }
  if (o.to == current) return cli.fail(failed_precondition("candidate " + std::to_string(o.to) + " is already the superior of " + path));
  std::string genesis = codec::string_or_empty(*layer, "genesis_hash");
  auto id = node::next_op_id();
  auto op = node::sign_op(*admin, genesis, id, node::superior_set_op_text(changes, o.to));
  auto answer = node_request(o.node, "POST", "/v1/ops", node::to_json(op).dump(), std::chrono::milliseconds(20'000));
  if (!answer.ok()) return cli.fail(answer.status(), "the admin key must be listed in the layer's admin_keys");
  std::string result = codec::string_or_empty(*answer, "result");
  if (result.rfind("ok", 0) != 0) return cli.fail(failed_precondition(path + " refused: " + result));
  codec::Json out = {{"layer", path}, {"superior", codec::string_or_empty(sup, "path")}, {"from", current}, {"to", o.to},
                     {"changes", changes + 1}, {"result", result}, {"block", codec::string_or_empty(*answer, "block")}};
  if (cli.json()) {
    cli.print_json(out);
  } else {
    cli.print_fields({{"layer", path},
                      {"superior", codec::string_or_empty(sup, "path") + ": candidate " + std::to_string(current) + " -> " +
                                       std::to_string(o.to)},
                      {"result", result},
                      {"recorded in", codec::string_or_empty(*answer, "block")}});
  }
  return kExitOk;
}

}  // namespace

void setup_layer(CLI::App& app, Cli& cli) {
  auto* layer = app.add_subcommand("layer", "Establish layers and inspect them.");
  layer->require_subcommand(1);

  auto opts = std::make_shared<LayerCreateOptions>();
  auto* create = layer->add_subcommand("create", "Write a layer's genesis from its blueprint and print the genesis hash.");
  cli.file(create->add_option("--blueprint", opts->blueprint, "Blueprint TOML file (see docs/blueprint.md).")
               ->required()
               ->type_name("FILE"));
  cli.file(create->add_option("--out", opts->out, "Directory to write genesis.json into (created if missing).")
               ->required()
               ->type_name("DIR"));
  create->add_flag("--force", opts->force, "Replace an existing genesis.json.");
  create->footer(
      "Every member runs this on the same blueprint and must print the same genesis hash;\n"
      "nodes refuse to peer with a different genesis.\n"
      "Examples:\n"
      "  mlchain layer create --blueprint docs/examples/layer-L1a.toml --out l1a/\n"
      "  mlchain layer create --blueprint l1a.toml --out l1a/ -o json | jq -r .genesis_hash");
  create->callback([opts, &cli] { cli.exit_code = run_layer_create(*opts, cli); });

  auto show_opts = std::make_shared<LayerShowOptions>();
  auto* show = layer->add_subcommand("show", "Show the layer as a running member sees it: view, primary, height, members.");
  show->add_option("--node", show_opts->node,
                   "Address of any member of a high-level layer, https://host:port (an edge node: see\n"
                   "mlchain node status).")
      ->required()
      ->type_name("URL");
  show->add_flag("--tree", show_opts->tree,
                 "Draw the known layer tree: climb to the root through superior layers, then every subordinate.");
  show->footer(
      "Member status: valid (reachable from the answering node), unreachable, invalid.\n"
      "With --tree each layer is asked at the addresses its neighbour records; layers that do\n"
      "not answer are drawn as unreachable; edge layers answer through their central node\n"
      "(-o json: nested {layer, reachable, edge?, members, epoch, height, asked, children}).\n"
      "Exit status 3 when the node cannot be reached.\n"
      "Examples:\n"
      "  mlchain layer show --node https://127.0.0.1:7101 -o json\n"
      "  mlchain layer show --node https://127.0.0.1:7101 --tree");
  show->callback([show_opts, &cli] { cli.exit_code = run_layer_show(*show_opts, cli); });

  auto at = std::make_shared<LayerAttachOptions>();
  auto* attach = layer->add_subcommand("attach", "Record a subordinate (edge) layer on its superior's chain.");
  attach->add_option("--path", at->path, "The subordinate's layer path, e.g. L2/L1a/E1.")->required()->type_name("PATH");
  cli.file(attach->add_option("--key", at->key, "The subordinate's key file (its central node's key); signs the request.")
               ->required()
               ->type_name("FILE"));
  attach->add_option("--address", at->address, "Where the superior reaches it, https://host:port.")
      ->required()
      ->type_name("URL");
  cli.file(attach->add_option("--admin-key", at->admin_key, "An admin key of the superior layer.")->required()->type_name("FILE"));
  attach->add_option("--node", at->node, "A member of the superior layer, https://host:port.")->required()->type_name("URL");
  attach->add_option("--name", at->name, "A name for its member entry (default: the last path segment).")->type_name("NAME");
  attach->add_option("--lifetime", at->lifetime,
                     "How long the entry is trusted (default 365d): after it, its certificates are refused until\n"
                     "it is attached again; selfcheck names entries within 30 days of it.")
      ->type_name("DURATION");
  attach->footer(
      "The superior orders an add-subordinate operation: the subordinate's key, address and path go\n"
      "on its chain, so every member can verify what the subordinate signs. Attaching the same path\n"
      "again replaces the entry (key rotation, or a new lifetime). The entry carries the subordinate's\n"
      "sealing key, so source edges can seal contract bodies to it.\n"
      "Exit status 4 when the admin key is not authorised.\n"
      "Example:\n"
      "  mlchain layer attach --path L2/L1a/E1 --key e1.pem --address https://127.0.0.1:7401 \\\n"
      "      --admin-key admin.pem --node https://127.0.0.1:7101");
  attach->callback([at, &cli] { cli.exit_code = run_layer_attach(*at, cli); });

  setup_layer_grow(layer, cli);
  setup_layer_invite(layer, cli);

  auto cs = std::make_shared<ChangeSuperiorOptions>();
  auto* change = layer->add_subcommand("change-superior",
                                       "Move the layer to another superior candidate (an admin decision).");
  change->add_option("--node", cs->node, "A member of the layer to move, https://host:port.")->required()->type_name("URL");
  cli.file(change->add_option("--admin-key", cs->admin_key, "An admin key of that layer.")->required()->type_name("FILE"));
  change->add_option("--to", cs->to,
                     "The candidate to trust: 0 is the blueprint's [superior], i its i-th [[alternate_superiors]].")
      ->required()
      ->type_name("N");
  change->footer(
      "A layer's members change superior on their own when every member of the current one fails\n"
      "its challenge and an alternate answers (2f+1 members vote; docs/contracts.md §9.2). This\n"
      "command is the operator's override, e.g. to move back to the repaired original: the layer\n"
      "orders it at once. Contracts then go up through the new superior, and only its certificates\n"
      "are accepted from above. `mlchain layer show` prints the candidate in use.\n"
      "Exit status 4 when the admin key is not authorised, 1 when the layer refuses the change.\n"
      "Example:\n"
      "  mlchain layer change-superior --node https://127.0.0.1:7105 --admin-key admin.pem --to 0");
  change->callback([cs, &cli] { cli.exit_code = run_change_superior(*cs, cli); });
}

}  // namespace mlchain::cli
