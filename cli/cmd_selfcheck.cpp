// mlchain selfcheck: ask a node to examine itself and its neighbours now
// (GET /v1/selfcheck, core/node/selfcheck.cpp) and gate on the answer:
// exit 0 only when every check holds, 6 when one does not, 3 when the node
// cannot be reached. One line per check in text; the node's report in JSON
// (schema in docs/selfcheck.md).
#include "cli.h"
#include "node_client.h"

namespace mlchain::cli {
namespace {

struct SelfcheckOptions {
  std::string node;
  unsigned timeout_s = 60;
};

int run_selfcheck(const SelfcheckOptions& o, const Cli& cli) {
  auto report = node_request(o.node, "GET", "/v1/selfcheck", {}, std::chrono::seconds(o.timeout_s));
  if (!report.ok()) return cli.fail(report.status());
  bool ok = report->value("ok", false);
  if (cli.json()) {
    cli.print_json(*report);
  } else {
    bool color = cli.color_stdout();
    std::string text;
    for (const auto& c : report->value("checks", codec::Json::array())) {
      bool good = c.value("ok", false);
      std::string mark = good ? "ok  " : "FAIL";
      if (color) mark = (good ? "\033[32m" : "\033[31;1m") + mark + "\033[0m";
      std::string name = c.value("check", "");
      name.resize(std::max<std::size_t>(name.size(), 12), ' ');
      text += mark + "  " + name + c.value("detail", "") + "\n";
    }
    text += std::string(ok ? "selfcheck passed" : "selfcheck FAILED") + " on " + report->value("node", "") + " (" +
            report->value("layer", "") + ")";
    cli.print_text(text);
  }
  return ok ? kExitOk : kExitSelfcheck;
}

}  // namespace

void setup_selfcheck(CLI::App& app, Cli& cli) {
  auto o = std::make_shared<SelfcheckOptions>();
  auto* cmd = app.add_subcommand("selfcheck", "Examine a node now: chain, store, certificate, peers, superior, clock.");
  cmd->add_option("--node", o->node, "The node to examine, https://host:port.")->required()->type_name("URL");
  cmd->add_option("--timeout", o->timeout_s, "Seconds to wait for the report (default 60).")->type_name("SECONDS");
  cmd->footer(
      "The node verifies its chain from genesis (links and commit certificates), its store and TLS\n"
      "certificate, challenges every member of its layer and of its superior layer to sign a fresh\n"
      "nonce over a TLS link pinned to the key on chain, and compares clocks.\n"
      "Exit status: 0 every check holds, 6 something is wrong, 3 the node cannot be reached.\n"
      "Examples:\n"
      "  mlchain selfcheck --node https://127.0.0.1:7101\n"
      "  mlchain selfcheck --node https://127.0.0.1:7101 -o json | jq '.checks[] | select(.ok | not)'");
  cmd->callback([o, &cli] { cli.exit_code = run_selfcheck(*o, cli); });
}

}  // namespace mlchain::cli
