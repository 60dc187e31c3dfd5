// mlchain sim: the deterministic PBFT layer simulation from the command line,
// for capacity planning and demos. A thin wrapper over sim::run(); the same
// seed and flags always print the same report.
#include <sstream>

#include "cli.h"
#include "mlchain/sim/sim.h"

namespace mlchain::cli {
namespace {

struct SimCliOptions {
  sim::SimOptions sim;
  std::string kind = "equivocate";
  std::string store = "memory";
  std::string crypto = "fake";
  std::string dir;
  std::vector<std::string> partitions;
  std::vector<std::string> crashes;
  std::vector<std::int64_t> joins;
  std::uint64_t batch_size = 0;
  std::uint64_t checkpoint_interval = 0;
  bool trace = false;
};

Result<std::vector<std::int64_t>> split_ints(const std::string& text, char sep, const std::string& what) {
  std::vector<std::int64_t> out;
  std::stringstream ss(text);
  std::string part;
  while (std::getline(ss, part, sep)) {
    try {
      std::size_t used = 0;
      long long v = std::stoll(part, &used);
      if (used != part.size() || v < 0) throw std::invalid_argument(part);
      out.push_back(v);
    } catch (const std::exception&) {
      return invalid_argument(what + ": '" + part + "' is not a non-negative integer");
    }
  }
  return out;
}

// "AT_MS:HEAL_MS:N,N,..." e.g. 200:1500:0,1
Result<sim::PartitionSpec> parse_partition(const std::string& text) {
  auto first = text.find(':'), second = text.find(':', first == std::string::npos ? 0 : first + 1);
  if (first == std::string::npos || second == std::string::npos) {
    return invalid_argument("--partition '" + text + "': expected AT_MS:HEAL_MS:NODE,NODE,... e.g. 200:1500:0,1");
  }
  MLCHAIN_ASSIGN_OR_RETURN(auto times, split_ints(text.substr(0, second), ':', "--partition"));
  MLCHAIN_ASSIGN_OR_RETURN(auto nodes, split_ints(text.substr(second + 1), ',', "--partition"));
  sim::PartitionSpec p;
  p.at = Millis(times[0]);
  p.heal_at = Millis(times[1]);
  for (auto n : nodes) p.side.push_back(static_cast<std::uint32_t>(n));
  return p;
}

// "NODE:AT_MS[:RESTART_MS]"
Result<sim::CrashSpec> parse_crash(const std::string& text) {
  MLCHAIN_ASSIGN_OR_RETURN(auto v, split_ints(text, ':', "--crash"));
  if (v.size() < 2 || v.size() > 3) {
    return invalid_argument("--crash '" + text + "': expected NODE:AT_MS[:RESTART_MS] e.g. 0:300:900");
  }
  sim::CrashSpec c;
  c.node = static_cast<std::uint32_t>(v[0]);
  c.at = Millis(v[1]);
  c.restart_at = v.size() == 3 ? Micros(Millis(v[2])) : Micros(0);
  return c;
}

std::string fixed(double v, int digits = 2) {
  std::ostringstream ss;
  ss.setf(std::ios::fixed);
  ss.precision(digits);
  ss << v;
  return ss.str();
}

int run_sim(SimCliOptions opts, const Cli& cli) {
  auto kind = sim::parse_byzantine(opts.kind);
  if (!kind) return cli.fail(invalid_argument("--kind '" + opts.kind + "' is not a byzantine behaviour"));
  opts.sim.byzantine_kind = *kind;
  opts.sim.store = opts.store == "lmdb" ? sim::StoreKind::kLmdb : sim::StoreKind::kMemory;
  opts.sim.crypto = opts.crypto == "ed25519" ? sim::CryptoKind::kEd25519 : sim::CryptoKind::kFake;
  if (opts.sim.store == sim::StoreKind::kLmdb) {
    if (opts.dir.empty()) return cli.fail(invalid_argument("--store lmdb needs --dir DIR for the replicas' stores"));
    opts.sim.lmdb_dir = opts.dir;
  }
  for (const auto& p : opts.partitions) {
    auto spec = parse_partition(p);
    if (!spec.ok()) return cli.fail(spec.status());
    opts.sim.partitions.push_back(*spec);
  }
  for (const auto& c : opts.crashes) {
    auto spec = parse_crash(c);
    if (!spec.ok()) return cli.fail(spec.status());
    opts.sim.crashes.push_back(*spec);
  }
  for (auto at : opts.joins) {
    if (at < 0) return cli.fail(invalid_argument("--join takes a time in ms >= 0"));
    opts.sim.reconfigurations.push_back(sim::ReconfigSpec{Micros(at * 1000), consensus::ConfigAction::kAddMember,
                                                          opts.sim.nodes + opts.sim.joiners});
    ++opts.sim.joiners;
  }
  if (opts.batch_size > 0) opts.sim.replica.batch_size = opts.batch_size;
  if (opts.checkpoint_interval > 0) {
    opts.sim.replica.checkpoint_interval = opts.checkpoint_interval;
    opts.sim.replica.log_window = std::max<consensus::Seq>(opts.sim.replica.log_window, 4 * opts.checkpoint_interval);
  }
  if (opts.trace) opts.sim.trace = [](const std::string& line) { std::cerr << line << '\n'; };

  auto report = sim::run(opts.sim);
  if (!report.ok()) return cli.fail(report.status());
  const sim::SimReport& r = *report;
  if (cli.json()) {
    cli.print_json(r.to_json());
  } else {
    std::string verdict = r.safe ? "safe: no two correct replicas disagree on any block" : "UNSAFE";
    if (r.fork) {
      verdict += " (fork at height " + std::to_string(r.fork->height) + ": replica " + std::to_string(r.fork->node_a) +
                 " has " + r.fork->hash_a.substr(0, 16) + "…, replica " + std::to_string(r.fork->node_b) + " has " +
                 r.fork->hash_b.substr(0, 16) + "…)";
    }
    cli.print_fields({
        {"replicas", std::to_string(r.nodes) + " (f = " + std::to_string(r.f) + ", byzantine " +
                         std::to_string(r.byzantine) + (r.byzantine > 0 ? " " + r.byzantine_kind : "") + ")"},
        {"committed ops", std::to_string(r.ops_committed) + " of " + std::to_string(r.ops_requested) +
                              (r.live ? "" : " (NOT live: stopped before all committed)")},
        {"blocks", std::to_string(r.blocks)},
        {"view changes", std::to_string(r.view_changes)},
        {"messages per op", fixed(r.messages_per_op, 1)},
        {"bytes per op", fixed(r.bytes_per_op, 0)},
        {"virtual time", fixed(r.virtual_seconds, 3) + " s"},
        {"throughput", fixed(r.ops_per_virtual_second, 0) + " ops per virtual second"},
        {"latency", "p50 " + fixed(r.latency_p50_ms) + " ms, p99 " + fixed(r.latency_p99_ms) + " ms (virtual)"},
        {"crashes", std::to_string(r.crashes) + " (restarts " + std::to_string(r.restarts) + ", state fetches " +
                        std::to_string(r.fetches) + ")"},
        {"invariants", verdict},
        {"replay", r.summary()},
    });
    for (const auto& v : r.violations) std::cerr << "violation: " << v << '\n';
  }
  return r.safe && r.live ? kExitOk : kExitFailed;
}

}  // namespace

void setup_sim(CLI::App& app, Cli& cli) {
  auto opts = std::make_shared<SimCliOptions>();
  auto* cmd = app.add_subcommand(
      "sim", "Simulate one PBFT layer deterministically under faults and check its safety invariants.");
  auto& s = opts->sim;
  cmd->add_option("--nodes", s.nodes, "Replicas in the layer (1 to 64).")->capture_default_str()->check(CLI::Range(1, 64));
  cmd->add_option("--byzantine", s.byzantine, "Byzantine replicas (the first ones, so the first primary is one).")
      ->capture_default_str();
  cli.choice(cmd->add_option("--kind", opts->kind, "What the byzantine replicas do (see below).")->capture_default_str(),
             {"silent", "equivocate", "forge", "replay", "view-change-spam", "stall", "forged-request-ids",
              "oversized-batches", "future-view-flood", "ghost-proposals"});
  cmd->add_option("--ops", s.ops, "Client operations to commit.")->capture_default_str();
  cmd->add_option("--seed", s.seed, "Seed: the same seed and flags replay the same run.")->capture_default_str();
  cmd->add_option("--clients", s.clients, "Concurrent clients, one request outstanding each.")->capture_default_str();
  cmd->add_option("--byzantine-clients", s.byzantine_clients,
                  "Clients that send different operations under one request id to different replicas.")
      ->capture_default_str();
  cmd->add_option("--drop", s.drop, "Probability that a message is lost (0 to 1).")->check(CLI::Range(0.0, 1.0));
  cmd->add_option("--duplicate", s.duplicate, "Probability that a message is delivered twice.")->check(CLI::Range(0.0, 1.0));
  cmd->add_option("--delay", s.delay_probability, "Probability of an extra delay of up to 50 ms (reorders messages).")
      ->check(CLI::Range(0.0, 1.0));
  cmd->add_option("--partition", opts->partitions,
                  "AT_MS:HEAL_MS:NODE,... cut these replicas off from the rest between the two times (repeatable).")
      ->type_name("SPEC");
  cmd->add_option("--crash", opts->crashes, "NODE:AT_MS[:RESTART_MS] crash a replica, restart it from its store (repeatable).")
      ->type_name("SPEC");
  cmd->add_option("--join", opts->joins,
                  "AT_MS: a new node follows the chain from the start and an admin adds it at AT_MS (repeatable;\n"
                  "each makes an epoch switch at the next checkpoint boundary).")
      ->type_name("AT_MS");
  cmd->add_option("--random-partitions", s.random_partitions, "Extra partitions drawn from the seed.");
  cmd->add_option("--random-crashes", s.random_crashes, "Extra crash/restarts drawn from the seed.");
  cli.choice(cmd->add_option("--store", opts->store, "Replica stores: memory, or lmdb (durable, in --dir).")->capture_default_str(),
             {"memory", "lmdb"});
  cli.file(cmd->add_option("--dir", opts->dir, "Directory for --store lmdb (one subdirectory per replica).")->type_name("DIR"));
  cli.choice(cmd->add_option("--crypto", opts->crypto,
                             "Signatures: fake (fast, still unforgeable inside the simulation) or ed25519 (real).")
                 ->capture_default_str(),
             {"fake", "ed25519"});
  cmd->add_option("--batch-size", opts->batch_size, "Most requests per batch (default: the simulation's).");
  cmd->add_option("--checkpoint-interval", opts->checkpoint_interval, "Checkpoint every k sequence numbers.");
  cmd->add_flag("--trace", opts->trace, "Print view changes, crashes and state fetches with their virtual time to stderr.");
  cmd->footer(
      "Byzantine kinds (--kind):\n"
      "  silent              sends nothing\n"
      "  equivocate          as primary, two pre-prepares for one seq; colluders vote both ways\n"
      "  forge               bad signatures, impersonation, forged commit certificates\n"
      "  replay              re-sends old messages\n"
      "  view-change-spam    floods valid and invalid view changes for higher views\n"
      "  stall               as primary, holds each pre-prepare just under the request timeout\n"
      "  forged-request-ids  requests in honest clients' names with id 2^64-1 (a lock-out attempt)\n"
      "  oversized-batches   16 KiB ops from fresh keys; as primary, batches past the byte budget\n"
      "  future-view-flood   unsigned 8 KiB messages for the views others are entering\n"
      "  ghost-proposals     as primary, proposes seqs past a pending membership change's boundary\n"
      "                      (ghost blocks of the old epoch; try with --join)\n"
      "The checker reports forks, broken chains or certificates, views going back, a client\n"
      "locked out (dedup state past its issued ids), a message over the link limit (livelock),\n"
      "unbounded buffering and a correct replica voting past a pending change's boundary.\n"
      "Exit status 0 when every operation committed and no invariant broke, 1 otherwise.\n"
      "With more byzantine replicas than f the layer may fork: the report shows where.\n"
      "Examples:\n"
      "  mlchain sim --nodes 4 --ops 10000 -o json\n"
      "  mlchain sim --nodes 7 --byzantine 2 --kind forge --drop 0.05 --seed 11\n"
      "  mlchain sim --nodes 4 --crash 0:300:900 --partition 100:800:2,3 --trace\n"
      "  mlchain sim --nodes 4 --byzantine 2 --kind equivocate --seed 3   # f+1 colluders");
  cmd->callback([opts, &cli] { cli.exit_code = run_sim(*opts, cli); });
}

}  // namespace mlchain::cli
