// `mlchain node run` for a config with role = "edge": the central node of an
// edge layer (edge/edge_node.h). Same process model as a layer member
// (cmd_node.cpp): SIGINT/SIGTERM are blocked before any thread starts and
// awaited with sigwait, so shutdown runs on this thread.

#include "cli.h"
#include "daemon.h"
#include "mlchain/edge/config.h"
#include "mlchain/edge/edge_node.h"

namespace mlchain::cli {

bool is_edge_config(const std::string& config_path) {
  auto role = edge::config_file_role(config_path);
  return role.ok() && *role == "edge";
}

int run_edge_node(const std::string& config_path, const Cli& cli) {
  auto cfg = edge::load_edge_config_file(config_path);
  if (!cfg.ok()) return cli.fail(cfg.status(), "see docs/edge-node.md");
  node::Logger log(cfg->log_format, cli.global.verbose > 0 ? node::LogLevel::kDebug : cfg->log_level);

  sigset_t set = block_shutdown_signals();

  auto started = edge::EdgeNode::start(*cfg, log);
  if (!started.ok()) return cli.fail(started.status());
  auto n = std::move(started).value();
  await_shutdown(set, log);
  n->stop();
  return kExitOk;
}

}  // namespace mlchain::cli
