// mlchain node run|status: the daemon of one layer member, and a look at one.
//
// `node run` blocks SIGINT/SIGTERM before any thread starts and waits for
// them with sigwait, so shutdown runs on this thread: listener, peer links,
// driver, store — in that order (see node/node.h).
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <mutex>

#include "cli.h"
#include "daemon.h"
#include "mlchain/node/node.h"
#include "mlchain/relay/contract_service.h"
#include "node_client.h"

namespace mlchain::cli {
namespace {

struct NodeRunOptions {
  std::string config;
};

struct NodeStatusOptions {
  std::string node;
};

relay::RelayOptions relay_options(const node::NodeConfig& cfg) {
  relay::RelayOptions o;
  o.superior_review = std::chrono::milliseconds(cfg.superior_review_ms);
  o.freeze_after = static_cast<unsigned>(cfg.superior_freeze_rounds);
  return o;
}

int run_node_run(const NodeRunOptions& opts, const Cli& cli) {
  if (is_edge_config(opts.config)) return run_edge_node(opts.config, cli);  // role = "edge": a central node
  auto cfg = node::load_node_config_file(opts.config);
  if (!cfg.ok()) return cli.fail(cfg.status(), "see docs/node-config.md");
  node::Logger log(cfg->log_format, cli.global.verbose > 0 ? node::LogLevel::kDebug : cfg->log_level);

  sigset_t set = block_shutdown_signals();

  static std::mutex fatal_mu;
  static Status fatal_status;
  auto started = node::Node::start(
      *cfg, log,
      [](const Status& st) {
        {
          std::lock_guard lock(fatal_mu);
          fatal_status = st;
        }
        kill(getpid(), SIGTERM);
      },
      relay::contract_service(relay_options(*cfg)));
  if (!started.ok()) return cli.fail(started.status());
  auto n = std::move(started).value();
  await_shutdown(set, log);
  n->stop();
  std::lock_guard lock(fatal_mu);
  if (!fatal_status.ok()) return cli.fail(fatal_status);
  return kExitOk;
}

// An edge layer's central node: its own document (GET /v1/edge), shown
// like a member's status.
int edge_node_status(const std::string& url, const codec::Json& e, const Cli& cli) {
  if (cli.json()) {
    codec::Json out = e;
    out["role"] = "edge";
    cli.print_json(out);
    return kExitOk;
  }
  std::vector<std::pair<std::string, std::string>> rows = {
      {"node", e.value("name", "")},
      {"layer", e.value("layer", "") + " (edge layer; this is its central node)"},
      {"role", "edge"},
      {"public key", e.value("public_key", "")}};
  if (e.contains("superior") && e["superior"].is_object()) {
    const auto& s = e["superior"];
    std::string members;
    if (s.contains("members") && s["members"].is_array())
      for (const auto& m : s["members"])
        members += (members.empty() ? "" : ", ") + m.value("name", "?") + " " + m.value("address", "");
    rows.emplace_back("superior", s.value("path", "") + " (epoch " + std::to_string(s.value("epoch", 0)) + ")");
    rows.emplace_back("superior members", members.empty() ? "none" : members);
    rows.emplace_back("book refreshed", s["refreshed_at_ms"].is_number_integer()
                                            ? iso_time(s["refreshed_at_ms"].get<std::int64_t>())
                                            : std::string("never (the genesis book)"));
    if (s.contains("last_error") && s["last_error"].is_string())
      rows.emplace_back("last refresh error", s["last_error"].get<std::string>());
  } else {
    rows.emplace_back("superior", "none configured (takes no contracts)");
  }
  cli.print_fields(rows);
  (void)url;
  return kExitOk;
}

int run_node_status(const NodeStatusOptions& opts, const Cli& cli) {
  auto j = node_request(opts.node, "GET", "/v1/status");
  if (!j.ok() && j.status().code() == ErrorCode::kNotFound) {
    if (auto e = edge_info(opts.node)) return edge_node_status(opts.node, *e, cli);
  }
  if (!j.ok()) return cli.fail(j.status());
  if (cli.json()) {
    cli.print_json(*j);
    return kExitOk;
  }
  auto str = [&](const char* k) { return j->contains(k) ? ((*j)[k].is_string() ? (*j)[k].get<std::string>() : (*j)[k].dump()) : ""; };
  std::string peers;
  if (j->contains("connected_peers"))
    for (const auto& p : (*j)["connected_peers"]) peers += (peers.empty() ? "" : ", ") + p.get<std::string>();
  std::string ready = (*j).value("ready", false) ? "yes" : "no (" + str("not_ready_reason") + ")";
  cli.print_fields({{"node", str("node")},
                    {"layer", str("layer")},
                    {"role", str("role") + " (epoch " + str("epoch") + ")"},
                    {"height", str("height")},
                    {"view", str("view") + ((*j).value("view_active", true) ? "" : " (changing)")},
                    {"primary", str("primary") + ((*j).value("is_primary", false) ? " (this node)" : "")},
                    {"ready", ready},
                    {"peers", peers.empty() ? "none" : peers},
                    {"committed ops", str("committed_ops") + " since start"},
                    {"uptime", str("uptime_s") + " s"}});
  return kExitOk;
}

}  // namespace

void setup_node(CLI::App& app, Cli& cli) {
  auto* node = app.add_subcommand("node", "Run a layer member's daemon, inspect nodes, admit and remove members.");
  node->require_subcommand(1);

  auto run_opts = std::make_shared<NodeRunOptions>();
  auto* run = node->add_subcommand("run", "Run the daemon of one layer member or edge central node until SIGINT or SIGTERM.");
  cli.file(run->add_option("--config", run_opts->config,
                           "Node config TOML (docs/node-config.md; role = \"edge\": docs/edge-node.md).")
               ->required()
               ->type_name("FILE"));
  run->footer(
      "Logs go to stderr (text or JSON lines, see log_format); -v logs every block.\n"
      "Example:\n"
      "  mlchain node run --config n1.toml");
  run->callback([run_opts, &cli] { cli.exit_code = run_node_run(*run_opts, cli); });

  auto status_opts = std::make_shared<NodeStatusOptions>();
  auto* status = node->add_subcommand("status", "Show one node: height, view, primary, readiness, peers.");
  status->add_option("--node", status_opts->node,
                     "The node's address, https://host:port: a member of a high-level layer, or an edge layer's\n"
                     "central node (then: its layer, key and superior address book).")
      ->required()
      ->type_name("URL");
  status->footer(
      "Exit status 3 when the node cannot be reached.\n"
      "Example:\n"
      "  mlchain node status --node https://127.0.0.1:7101 -o json");
  status->callback([status_opts, &cli] { cli.exit_code = run_node_status(*status_opts, cli); });

  add_membership_commands(*node, cli);
  add_applications_command(*node, cli);
}

}  // namespace mlchain::cli
