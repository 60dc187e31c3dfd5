// mlchain-gendocs OUTDIR: writes OUTDIR/completions/{mlchain.bash,_mlchain,mlchain.fish}
// and OUTDIR/man/*.1 from the command tree. scripts/gen-docs.sh runs it over
// the source tree; tests/cli checks the committed files are current.
#include <filesystem>
#include <fstream>
#include <iostream>

#include "cli.h"
#include "doc_model.h"

namespace {

bool write(const std::filesystem::path& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  return static_cast<bool>(out);
}

}  // namespace

int main(int argc, char** argv) {
  using namespace mlchain::cli;
  if (argc != 2) {
    std::cerr << "usage: mlchain-gendocs OUTDIR\n";
    return kExitUsage;
  }
  std::filesystem::path out = argv[1];
  CLI::App app{"", "mlchain"};
  Cli cli;
  build_app(app, cli);
  CommandDoc doc = describe(app, cli.hints);
  std::filesystem::create_directories(out / "completions");
  std::filesystem::create_directories(out / "man");
  for (const auto& old : std::filesystem::directory_iterator(out / "man"))
    if (old.path().extension() == ".1") std::filesystem::remove(old.path());
  bool ok = write(out / "completions" / "mlchain.bash", bash_completion(doc)) &&
            write(out / "completions" / "_mlchain", zsh_completion(doc)) &&
            write(out / "completions" / "mlchain.fish", fish_completion(doc));
  for (const auto& [name, text] : man_pages(doc, MLCHAIN_VERSION)) ok = ok && write(out / "man" / name, text);
  if (!ok) {
    std::cerr << "mlchain-gendocs: cannot write under " << out << '\n';
    return kExitFailed;
  }
  return kExitOk;
}
