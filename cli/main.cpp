#include <exception>
#include <iostream>

#include "cli.h"

int main(int argc, char** argv) {
  using namespace mlchain::cli;
  CLI::App app{"", "mlchain"};
  Cli cli;
  build_app(app, cli);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int rc = app.exit(e);
    // CLI11 reports usage errors as 100–127 (help/version as 0): DESIGN §9 says 2.
    return rc == 0 ? kExitOk : kExitUsage;
  } catch (const std::exception& e) {
    std::cerr << "error: " << e.what() << '\n';
    return kExitFailed;
  }
  return cli.exit_code;
}
