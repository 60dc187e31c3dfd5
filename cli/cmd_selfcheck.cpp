// mlchain selfcheck: ask a node to examine itself and its neighbours now
// (GET /v1/selfcheck, core/node/selfcheck.cpp) and gate on the answer:
// exit 0 only when every check holds, 6 when one does not, 3 when the node
// cannot be reached. One line per check in text; the node's report in JSON
// (schema in docs/selfcheck.md).
#include <future>

#include "cli.h"
#include "node_client.h"

namespace mlchain::cli {
namespace {

struct SelfcheckOptions {
  std::string node;
  std::string layer;
  unsigned timeout_s = 60;
};

std::string report_text(const codec::Json& report, bool color) {
  std::string text;
  for (const auto& c : report.value("checks", codec::Json::array())) {
    bool good = c.value("ok", false);
    std::string mark = good ? "ok  " : "FAIL";
    if (color) mark = (good ? "\033[32m" : "\033[31;1m") + mark + "\033[0m";
    std::string name = c.value("check", "");
    name.resize(std::max<std::size_t>(name.size(), 12), ' ');
    text += mark + "  " + name + c.value("detail", "") + "\n";
  }
  bool ok = report.value("ok", false);
  return text + (ok ? "selfcheck passed" : "selfcheck FAILED") + " on " + report.value("node", "") + " (" +
         report.value("layer", "") + ")";
}

int run_selfcheck(const SelfcheckOptions& o, const Cli& cli) {
  auto report = node_request(o.node, "GET", "/v1/selfcheck", {}, std::chrono::seconds(o.timeout_s));
  if (!report.ok() && report.status().code() == ErrorCode::kNotFound) {
    if (auto e = edge_info(o.node)) return cli.fail(edge_node_error(o.node, *e, "mlchain selfcheck"));
  }
  if (!report.ok()) return cli.fail(report.status());
  bool ok = report->value("ok", false);
  if (cli.json()) {
    cli.print_json(*report);
  } else {
    cli.print_text(report_text(*report, cli.color_stdout()));
  }
  return ok ? kExitOk : kExitSelfcheck;
}

// The nodes --layer names: a high-level layer's members or an edge layer's
// central node, found from --node. An edge node as --node answers for its
// own layer and finds others through the members of its superior book.
Result<std::vector<LayerMember>> layer_nodes(const SelfcheckOptions& o) {
  auto found = find_layer_members(o.node, o.layer, EdgeLayers::kCentralNode);
  if (found.ok() || found.status().code() != ErrorCode::kNotFound) return found;
  auto e = edge_info(o.node);  // /v1/layer answered 404: an edge node?
  if (!e) return found;
  if (e->value("layer", "") == o.layer) return std::vector<LayerMember>{{e->value("name", ""), o.node}};
  Status last = edge_node_error(o.node, *e, "mlchain selfcheck --layer " + o.layer);
  if (!e->contains("superior") || !(*e)["superior"].is_object()) return last;
  for (const auto& m : (*e)["superior"].value("members", codec::Json::array())) {
    auto via = find_layer_members(m.value("address", ""), o.layer, EdgeLayers::kCentralNode);
    if (via.ok() || via.status().code() != ErrorCode::kUnavailable) return via;
    last = via.status();
  }
  return last;
}

// --layer: every member of the layer examines itself, at once.
int run_layer_selfcheck(const SelfcheckOptions& o, const Cli& cli) {
  auto found = layer_nodes(o);
  if (!found.ok()) return cli.fail(found.status());
  const std::vector<LayerMember>& members = *found;
  std::vector<std::future<Result<codec::Json>>> answers;
  for (const auto& [name, address] : members) {
    answers.push_back(std::async(std::launch::async, [address = address, t = o.timeout_s] {
      return node_request(address, "GET", "/v1/selfcheck", {}, std::chrono::seconds(t));
    }));
  }
  codec::Json list = codec::Json::array();
  bool all = true;
  std::size_t reached = 0;
  std::string text;
  for (std::size_t i = 0; i < members.size(); ++i) {
    auto r = answers[i].get();
    const auto& [name, address] = members[i];
    if (!r.ok()) {
      all = false;
      list.push_back({{"node", name}, {"address", address}, {"ok", false}, {"error", r.status().message()}});
      text += "== " + name + " (" + address + ")\nFAIL  unreachable: " + r.status().message() + "\n\n";
      continue;
    }
    ++reached;
    bool ok = r->value("ok", false);
    all = all && ok;
    list.push_back({{"node", name}, {"address", address}, {"ok", ok}, {"report", *r}});
    text += "== " + name + " (" + address + ")\n" + report_text(*r, cli.color_stdout()) + "\n\n";
  }
  if (reached == 0) {
    return cli.fail(
        unavailable("no member of " + o.layer + " could be reached (" + std::to_string(members.size()) + " tried)"));
  }
  if (cli.json()) {
    cli.print_json({{"layer", o.layer}, {"ok", all}, {"members", list}});
  } else {
    text += std::string(all ? "selfcheck passed on every member of " : "selfcheck FAILED in layer ") + o.layer + " (" +
            std::to_string(reached) + " of " + std::to_string(members.size()) + " members answered)";
    cli.print_text(text);
  }
  return all ? kExitOk : kExitSelfcheck;
}

}  // namespace

void setup_selfcheck(CLI::App& app, Cli& cli) {
  auto o = std::make_shared<SelfcheckOptions>();
  auto* cmd = app.add_subcommand("selfcheck", "Examine a node now: chain, store, certificate, peers, superior, clock.");
  cmd->add_option("--node", o->node, "The node to examine (with --layer: any node of the tree), https://host:port.")
      ->required()
      ->envname("MLCHAIN_NODE")
      ->type_name("URL");
  cmd->add_option("--layer", o->layer,
                  "Examine every member of this layer (found from --node), e.g. L2/L1a; an edge layer's\n"
                  "central node for an edge layer, e.g. L2/L1a/E1.")
      ->type_name("PATH");
  cmd->add_option("--timeout", o->timeout_s, "Seconds to wait for the report (default 60).")->type_name("SECONDS");
  cmd->footer(
      "The node verifies its chain from genesis (links and commit certificates), its store and TLS\n"
      "certificate, challenges every member of its layer and of its superior layer to sign a fresh\n"
      "nonce over a TLS link pinned to the key on chain, and compares clocks.\n"
      "With --layer every member of that layer runs it at once (a member that cannot be reached\n"
      "counts as a failure).\n"
      "Exit status: 0 every check holds, 6 something is wrong, 3 the node (or, with --layer, every\n"
      "member) cannot be reached.\n"
      "An edge layer's central node examines its store, certificate, superior (every member of its\n"
      "book signs a fresh nonce; f+1 must) and clock; as --node it finds other layers through its\n"
      "superior's members.\n"
      "Examples:\n"
      "  mlchain selfcheck --node https://127.0.0.1:7101 --layer L2 -o json | jq '.members[] | select(.ok | not)'\n"
      "  mlchain selfcheck --node https://127.0.0.1:7101\n"
      "  mlchain selfcheck --node https://127.0.0.1:7101 -o json | jq '.checks[] | select(.ok | not)'");
  cmd->callback(
      [o, &cli] { cli.exit_code = o->layer.empty() ? run_selfcheck(*o, cli) : run_layer_selfcheck(*o, cli); });
}

}  // namespace mlchain::cli
