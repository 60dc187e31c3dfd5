#include <lmdb.h>
#include <openssl/crypto.h>

#include <boost/version.hpp>

#include "cli.h"

#ifndef MLCHAIN_VERSION
#define MLCHAIN_VERSION "0.0.0"
#endif
#ifndef MLCHAIN_GIT_COMMIT
#define MLCHAIN_GIT_COMMIT "unknown"
#endif

namespace mlchain::cli {
namespace {

int run_version(const Cli& cli) {
  codec::Json info = {
      {"version", MLCHAIN_VERSION},
      {"commit", MLCHAIN_GIT_COMMIT},
      {"openssl", OpenSSL_version(OPENSSL_VERSION)},
      {"lmdb", mdb_version(nullptr, nullptr, nullptr)},
      {"boost", BOOST_LIB_VERSION},
      {"compiler", __VERSION__},
  };
  if (cli.json()) {
    cli.print_json(info);
  } else {
    cli.print_text(std::string("mlchain ") + MLCHAIN_VERSION + " (commit " + MLCHAIN_GIT_COMMIT + ")");
    if (cli.global.verbose > 0) {
      cli.print_fields({{"openssl", info["openssl"]},
                        {"lmdb", info["lmdb"]},
                        {"boost", info["boost"]},
                        {"compiler", info["compiler"]}});
    }
  }
  return kExitOk;
}

}  // namespace

void setup_version(CLI::App& app, Cli& cli) {
  auto* cmd = app.add_subcommand("version", "Print the version of mlchain and of the libraries it was built with.");
  cmd->footer("Examples:\n  mlchain version\n  mlchain version -v\n  mlchain version -o json");
  cmd->callback([&cli] { cli.exit_code = run_version(cli); });
}

}  // namespace mlchain::cli
