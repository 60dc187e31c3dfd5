#include "cli.h"

namespace mlchain::cli {

void build_app(CLI::App& app, Cli& cli) {
  app.description(
      "mlchain: a multi-layer, blockchain-secured network for the Internet of Things.\n"
      "Edge layers register and authenticate objects; high-level layers order\n"
      "cross-layer contracts with PBFT and each keep their own chain.");
  app.footer(
      "Global options work before or after a command: mlchain key show --key k.pem -o json\n"
      "Environment: MLCHAIN_OUTPUT sets --output; NO_COLOR disables colour.\n"
      "Exit status: 0 ok, 1 failed, 2 usage/config, 3 unreachable, 4 not authorised,\n"
      "5 verification failed, 6 selfcheck found a problem.");
  app.require_subcommand(1);
  app.fallthrough();  // inherited by every subcommand: global flags after the command

  cli.choice(app.add_option("-o,--output", cli.global.output,
                            "Output format: text for people, json for scripts (stable schema).")
                 ->envname("MLCHAIN_OUTPUT")
                 ->type_name("FORMAT")
                 ->capture_default_str(),
             {"text", "json"});
  app.add_flag("-q,--quiet", cli.global.quiet, "Print only data and errors; no progress or notes on stderr.");
  app.add_flag("-v,--verbose", cli.global.verbose, "More detail on stderr; repeat for more (-vv).");
  cli.choice(app.add_option("--color", cli.global.color,
                            "Colour in text output: auto (a terminal without NO_COLOR), always, never.")
                 ->type_name("WHEN")
                 ->capture_default_str(),
             {"auto", "always", "never"});

  setup_version(app, cli);
  setup_key(app, cli);
  setup_layer(app, cli);
  setup_block(app, cli);
  setup_node(app, cli);
  setup_object(app, cli);
  setup_contract(app, cli);
  setup_bench(app, cli);
  setup_sim(app, cli);
  setup_selfcheck(app, cli);
  setup_devnet(app, cli);
  setup_completion(app, cli);
}

}  // namespace mlchain::cli
