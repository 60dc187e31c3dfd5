#include <iostream>

#include "cli.h"
#include "doc_model.h"

namespace mlchain::cli {
namespace {

struct CompletionOptions {
  std::string shell;
};

int run_completion(const CompletionOptions& opts, const CLI::App& root, const Cli& cli) {
  CommandDoc doc = describe(root, cli.hints);
  if (opts.shell == "bash") std::cout << bash_completion(doc);
  else if (opts.shell == "zsh") std::cout << zsh_completion(doc);
  else std::cout << fish_completion(doc);
  return kExitOk;
}

}  // namespace

void setup_completion(CLI::App& app, Cli& cli) {
  auto opts = std::make_shared<CompletionOptions>();
  auto* cmd = app.add_subcommand("completion", "Print a shell completion script for bash, zsh or fish.");
  cli.choice(cmd->add_option("shell", opts->shell, "The shell: bash, zsh or fish.")->required(), {"bash", "zsh", "fish"});
  cmd->footer(
      "Examples:\n"
      "  source <(mlchain completion bash)\n"
      "  mlchain completion zsh > \"${fpath[1]}/_mlchain\"\n"
      "  mlchain completion fish > ~/.config/fish/completions/mlchain.fish\n"
      "The same scripts are shipped in completions/ of the source tree.");
  CLI::App* root = &app;
  cmd->callback([opts, root, &cli] { cli.exit_code = run_completion(*opts, *root, cli); });
}

}  // namespace mlchain::cli
