// Shared plumbing of the mlchain command line: global options, output,
// exit codes, and the hints that the completion/man generators read.
//
// Every subcommand lives in its own cmd_<name>.cpp with an options struct,
// a setup_<name>(CLI::App&, Cli&) that registers it and a run function.
// Exceptions stop here: run functions return an exit code.
#pragma once

#include <map>
#include <set>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "mlchain/codec/json.h"
#include "mlchain/common/status.h"

namespace mlchain::cli {

// DESIGN §9.
enum ExitCode : int {
  kExitOk = 0,
  kExitFailed = 1,
  kExitUsage = 2,
  kExitUnreachable = 3,
  kExitUnauthorised = 4,
  kExitVerification = 5,
  kExitSelfcheck = 6,
};

int exit_code_for(ErrorCode code);

struct GlobalOptions {
  std::string output = "text";  // text | json
  bool quiet = false;
  int verbose = 0;
  std::string color = "auto";   // auto | always | never
};

// What the generators need beyond what CLI11 exposes: value choices and which
// options take file paths.
struct CompletionHints {
  std::map<const CLI::Option*, std::vector<std::string>> choices;
  std::set<const CLI::Option*> files;
};

class Cli {
 public:
  GlobalOptions global;
  CompletionHints hints;
  int exit_code = kExitOk;

  bool json() const { return global.output == "json"; }
  bool color_stdout() const;
  bool color_stderr() const;

  // Data to stdout: the JSON document (one line) or the text.
  void print_json(const codec::Json& value) const;
  void print_text(const std::string& text) const;
  // Rows of "key: value" for people, keys aligned.
  void print_fields(const std::vector<std::pair<std::string, std::string>>& rows) const;

  // Logs and progress to stderr; info is hidden by -q.
  void info(const std::string& message) const;
  // Prints "error: ..." (and a hint) to stderr, or a JSON error object to
  // stdout with -o json, and returns the exit code for the status.
  int fail(const Status& status, const std::string& hint = {}) const;

  // Registration helpers that also record completion hints.
  CLI::Option* choice(CLI::Option* opt, std::vector<std::string> values);
  CLI::Option* file(CLI::Option* opt);
};

// Builds the whole command tree on `app`. Used by main and by the doc generator.
void build_app(CLI::App& app, Cli& cli);

void setup_version(CLI::App& app, Cli& cli);
void setup_key(CLI::App& app, Cli& cli);
void setup_layer(CLI::App& app, Cli& cli);
// layer found, layer apply (cmd_layer_grow.cpp), under `layer`.
void setup_layer_grow(CLI::App* layer, Cli& cli);
void setup_block(CLI::App& app, Cli& cli);
void setup_node(CLI::App& app, Cli& cli);
// node join|leave (cmd_membership.cpp), registered by setup_node.
void add_membership_commands(CLI::App& node, Cli& cli);
// The leaving node resigns (remove-member signed by its own key) and the call
// waits for the epoch without it (node leave --config); what leave prints.
Result<codec::Json> resign_from_layer(const std::string& config, bool force, unsigned timeout_s, const Cli& cli);
// layer invite (under `layer`) and node applications (under `node`): invitations
// by cross-layer addressing (cmd_invite.cpp).
void setup_layer_invite(CLI::App* layer, Cli& cli);
void add_applications_command(CLI::App& node, Cli& cli);
void setup_bench(CLI::App& app, Cli& cli);
void setup_completion(CLI::App& app, Cli& cli);
void setup_sim(CLI::App& app, Cli& cli);
void setup_selfcheck(CLI::App& app, Cli& cli);
void setup_devnet(CLI::App& app, Cli& cli);
void setup_object(CLI::App& app, Cli& cli);
void setup_contract(CLI::App& app, Cli& cli);

// The edge central node (cli/edge_run.cpp): `node run` calls run_edge_node
// when is_edge_config(config) (the file says role = "edge").
// A unix time in milliseconds as ISO 8601 UTC ("2026-12-07T05:12:55.377Z"),
// for text output (JSON output keeps the milliseconds).
std::string iso_time(std::int64_t unix_ms);

bool is_edge_config(const std::string& config_path);
int run_edge_node(const std::string& config_path, const Cli& cli);

}  // namespace mlchain::cli
