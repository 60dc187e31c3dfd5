// mlchain bench layer: a load generator against a running layer.
//
// Each of C workers has its own fresh Ed25519 client key and submits signed
// "put" operations one after another (PBFT allows one outstanding request
// per client), each waiting for its commit. Reports committed ops/s and
// submit-to-commit latency percentiles. A benchmark, not a test.
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <iostream>
#include <mutex>
#include <thread>

#include "cli.h"
#include "mlchain/node/signed_op.h"
#include "node_client.h"

namespace mlchain::cli {
namespace {

struct BenchLayerOptions {
  std::string node;
  std::uint64_t ops = 1000;
  unsigned concurrency = 8;
  std::string prefix = "bench";
};

double percentile(std::vector<double>& v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  auto i = static_cast<std::size_t>(p * static_cast<double>(v.size() - 1) + 0.5);
  return v[std::min(i, v.size() - 1)];
}

int run_bench_layer(const BenchLayerOptions& opts, const Cli& cli) {
  if (opts.ops == 0 || opts.concurrency == 0 || opts.concurrency > 1024)
    return cli.fail(invalid_argument("--ops must be positive and --concurrency 1..1024"));
  auto layer = node_request(opts.node, "GET", "/v1/layer");
  if (!layer.ok()) return cli.fail(layer.status());
  std::string genesis = layer->value("genesis_hash", "");

  std::atomic<std::uint64_t> next{0};
  std::atomic<std::uint64_t> done{0};
  std::mutex mu;
  std::vector<double> latencies_ms;
  std::uint64_t failed = 0;
  std::string first_error;
  auto t0 = std::chrono::steady_clock::now();
  bool tty = isatty(STDERR_FILENO) && !cli.global.quiet;

  auto worker = [&](unsigned w) {
    auto key = crypto::PrivateKey::generate();
    if (!key.ok()) return;
    std::uint64_t id = 0;
    for (;;) {
      std::uint64_t i = next.fetch_add(1);
      if (i >= opts.ops) return;
      ++id;
      std::string op = "put " + opts.prefix + "-" + std::to_string(w) + "-" + std::to_string(id) + " v" + std::to_string(i);
      auto signed_op = node::sign_op(*key, genesis, id, op);
      std::string body = node::to_json(signed_op).dump();
      auto start = std::chrono::steady_clock::now();
      auto r = node_request(opts.node, "POST", "/v1/ops", body);
      double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
      std::lock_guard lock(mu);
      if (r.ok()) {
        latencies_ms.push_back(ms);
      } else {
        ++failed;
        if (first_error.empty()) first_error = r.status().message();
      }
      auto d = ++done;
      if (tty && d % 100 == 0) std::cerr << "\r" << d << "/" << opts.ops << " ops" << std::flush;
    }
  };
  std::vector<std::thread> threads;
  for (unsigned w = 0; w < opts.concurrency; ++w) threads.emplace_back(worker, w);
  for (auto& t : threads) t.join();
  if (tty) std::cerr << "\r\033[K";
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::uint64_t committed = latencies_ms.size();
  double rate = secs > 0 ? static_cast<double>(committed) / secs : 0;
  double p50 = percentile(latencies_ms, 0.50), p99 = percentile(latencies_ms, 0.99);
  double max = latencies_ms.empty() ? 0 : latencies_ms.back();
  codec::Json out = {{"node", opts.node},
                     {"layer", layer->value("layer", "")},
                     {"ops", opts.ops},
                     {"concurrency", opts.concurrency},
                     {"committed", committed},
                     {"failed", failed},
                     {"seconds_x1000", static_cast<std::int64_t>(secs * 1000)},
                     {"ops_per_second", static_cast<std::int64_t>(rate)},
                     {"latency_us", {{"p50", static_cast<std::int64_t>(p50 * 1000)},
                                     {"p99", static_cast<std::int64_t>(p99 * 1000)},
                                     {"max", static_cast<std::int64_t>(max * 1000)}}}};
  if (!first_error.empty()) out["first_error"] = first_error;
  if (cli.json()) {
    cli.print_json(out);
  } else {
    char buf[160];
    std::snprintf(buf, sizeof buf, "%.1f ops/s (%llu committed in %.2f s)", rate,
                  static_cast<unsigned long long>(committed), secs);
    char lat[160];
    std::snprintf(lat, sizeof lat, "p50 %.2f ms, p99 %.2f ms, max %.2f ms", p50, p99, max);
    cli.print_fields({{"layer", layer->value("layer", "")},
                      {"throughput", buf},
                      {"latency", lat},
                      {"failed", std::to_string(failed) + (first_error.empty() ? "" : " (first: " + first_error + ")")}});
  }
  return failed == 0 ? kExitOk : kExitFailed;
}

}  // namespace

void setup_bench(CLI::App& app, Cli& cli) {
  auto* bench = app.add_subcommand("bench", "Load generators against a running network.");
  bench->require_subcommand(1);
  auto opts = std::make_shared<BenchLayerOptions>();
  auto* layer = bench->add_subcommand("layer", "Submit signed operations to a layer; print committed ops/s and latency.");
  layer->add_option("--node", opts->node, "Address of the member to submit to, https://host:port.")->required()->type_name("URL");
  layer->add_option("--ops", opts->ops, "Operations to submit.")->capture_default_str();
  layer->add_option("--concurrency", opts->concurrency, "Concurrent clients (each with its own key).")->capture_default_str();
  layer->add_option("--prefix", opts->prefix, "Key prefix of the put operations.")->capture_default_str();
  layer->footer(
      "Exit status 1 if any operation failed, 3 if the node cannot be reached.\n"
      "Example:\n"
      "  mlchain bench layer --node https://127.0.0.1:7101 --ops 2000 --concurrency 16 -o json");
  layer->callback([opts, &cli] { cli.exit_code = run_bench_layer(*opts, cli); });
}

}  // namespace mlchain::cli
