// A plain model of the command tree, read from CLI11, from which the shell
// completions and man pages are generated. Generated files are committed
// (completions/, man/) and a test fails when they differ from the code.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "cli.h"

namespace mlchain::cli {

struct OptionDoc {
  std::vector<std::string> shorts;  // without dash
  std::vector<std::string> longs;   // without dashes
  std::string positional_name;      // set for positionals
  std::string description;
  std::string type_name;            // e.g. FILE, TEXT; empty for flags
  std::string default_value;
  std::string env;
  std::vector<std::string> choices;
  bool takes_value = false;
  bool required = false;
  bool file = false;
  bool global = false;              // defined on the root, usable everywhere
};

struct CommandDoc {
  std::vector<std::string> path;    // {"key", "gen"}; empty for the root
  std::string description;
  std::string footer;               // examples and notes
  std::vector<OptionDoc> options;   // own options (globals only on the root)
  std::vector<CommandDoc> subcommands;

  std::string path_string() const;  // "key gen"
};

CommandDoc describe(const CLI::App& app, const CompletionHints& hints);

std::string bash_completion(const CommandDoc& root);
std::string zsh_completion(const CommandDoc& root);
std::string fish_completion(const CommandDoc& root);

// File name ("mlchain.1", "mlchain-key-gen.1", ...) → roff text.
std::map<std::string, std::string> man_pages(const CommandDoc& root, const std::string& version);

}  // namespace mlchain::cli
