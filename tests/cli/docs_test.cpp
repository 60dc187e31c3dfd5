// The shipped completions and man pages must match the command tree; a
// mismatch means someone changed a command without running scripts/gen-docs.sh.
#include <gtest/gtest.h>

#include <filesystem>

#include "cli.h"
#include "doc_model.h"
#include "run_cli.h"

namespace mlchain::cli_test {
namespace {

using mlchain::cli::Cli;
using mlchain::cli::CommandDoc;

CommandDoc current_tree() {
  static Cli cli;  // hints point into the app: keep both alive
  static CLI::App app{"", "mlchain"};
  static bool built = [] {
    mlchain::cli::build_app(app, cli);
    return true;
  }();
  (void)built;
  return mlchain::cli::describe(app, cli.hints);
}

const std::string kSource = MLCHAIN_SOURCE_DIR;
const char* kRegen = "out of date with the command tree: run scripts/gen-docs.sh and commit the result";

TEST(ShippedDocs, CompletionsMatchTheCommandTree) {
  CommandDoc tree = current_tree();
  EXPECT_EQ(read_file(kSource + "/completions/mlchain.bash"), mlchain::cli::bash_completion(tree)) << "bash " << kRegen;
  EXPECT_EQ(read_file(kSource + "/completions/_mlchain"), mlchain::cli::zsh_completion(tree)) << "zsh " << kRegen;
  EXPECT_EQ(read_file(kSource + "/completions/mlchain.fish"), mlchain::cli::fish_completion(tree)) << "fish " << kRegen;
}

TEST(ShippedDocs, ManPagesMatchTheCommandTree) {
  auto pages = mlchain::cli::man_pages(current_tree(), MLCHAIN_VERSION);
  std::size_t shipped = 0;
  for (const auto& entry : std::filesystem::directory_iterator(kSource + "/man"))
    if (entry.path().extension() == ".1") ++shipped;
  EXPECT_EQ(shipped, pages.size()) << "man/ " << kRegen;
  for (const auto& [name, text] : pages) EXPECT_EQ(read_file(kSource + "/man/" + name), text) << "man/" << name << " " << kRegen;
}

TEST(ShippedDocs, EveryCommandHasAManPage) {
  auto pages = mlchain::cli::man_pages(current_tree(), MLCHAIN_VERSION);
  for (const char* page : {"mlchain.1", "mlchain-key.1", "mlchain-key-gen.1", "mlchain-key-show.1", "mlchain-version.1",
                           "mlchain-completion.1"})
    EXPECT_TRUE(pages.count(page)) << page;
}

TEST(Completion, CommandPrintsTheShippedScripts) {
  EXPECT_EQ(mlchain({"completion", "bash"}).out, read_file(kSource + "/completions/mlchain.bash"));
  EXPECT_EQ(mlchain({"completion", "zsh"}).out, read_file(kSource + "/completions/_mlchain"));
  EXPECT_EQ(mlchain({"completion", "fish"}).out, read_file(kSource + "/completions/mlchain.fish"));
  EXPECT_EQ(mlchain({"completion", "tcsh"}).exit_code, 2);
}

// Drives the bash script the way bash's programmable completion does.
std::string complete_bash(const std::string& line) {
  std::string script =
      "source '" + kSource + "/completions/mlchain.bash'\n"
      "COMP_LINE='" + line + "'\n"
      "read -r -a COMP_WORDS <<< \"$COMP_LINE\"\n"
      "[[ \"$COMP_LINE\" == *' ' ]] && COMP_WORDS+=('')\n"
      "COMP_CWORD=$(( ${#COMP_WORDS[@]} - 1 ))\n"
      "_mlchain\n"
      "printf '%s\\n' \"${COMPREPLY[@]}\" | sort | tr '\\n' ' '\n";
  return run("/bin/bash", {"-c", script}).out;
}

TEST(Completion, BashCompletesTheTree) {
  EXPECT_EQ(complete_bash("mlchain "), "bench block completion contract devnet key layer node object selfcheck sim version ");
  EXPECT_EQ(complete_bash("mlchain key "), "gen show sign verify ");
  EXPECT_EQ(complete_bash("mlchain -o json key "), "gen show sign verify ");
  EXPECT_EQ(complete_bash("mlchain key gen --f"), "--force ");
  EXPECT_EQ(complete_bash("mlchain key show --output "), "json text ");
  EXPECT_EQ(complete_bash("mlchain completion "), "bash fish zsh ");
  EXPECT_EQ(complete_bash("mlchain --color "), "always auto never ");
}

}  // namespace
}  // namespace mlchain::cli_test
