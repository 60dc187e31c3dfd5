// mlchain bench layer|contracts: load generators against a running network.
//
// bench layer: each of C workers has its own fresh Ed25519 client key and its
// own keep-alive HTTPS connection (one TLS handshake per worker, not per
// operation), and submits signed "put" operations one after another (PBFT
// allows one outstanding request per client), each waiting for its commit.
// Reports committed ops/s, submit-to-commit latency percentiles and how many
// TLS connections it opened.
//
// bench layer --etcd: the same workers, keys, values and connections against
// an etcd v3 cluster's JSON gateway (POST /v3/kv/put over HTTPS), so a BFT
// layer and a Raft cluster are loaded the same way in one run
// (bench/peers.sh). etcd needs no signed ops: the worker sends the bare put.
//
// bench contracts: bench_contracts.cpp. Benchmarks, not tests: nothing here
// asserts a speed.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <mutex>
#include <thread>

#include "bench_util.h"
#include "cli.h"
#include "mlchain/crypto/ed25519.h"
#include "mlchain/net/https_client.h"
#include "mlchain/node/signed_op.h"
#include "node_client.h"
#include "progress.h"

namespace mlchain::cli {
namespace {

struct BenchLayerOptions {
  std::string node;
  std::uint64_t ops = 1000;
  unsigned concurrency = 8;
  std::string prefix = "bench";
  bool etcd = false;
};

// The outcome of POST /v1/ops, with the same error mapping as node_request.
Status op_status(const Result<net::Response>& r, const std::string& url) {
  if (!r.ok()) {
    if (r.status().code() == ErrorCode::kUnavailable) return unavailable("cannot reach node " + url + ": " + r.status().message());
    return r.status().with_context(url);
  }
  if (r->status >= 200 && r->status < 300) return Status::ok_status();
  std::string message;
  auto j = codec::parse(r->body);
  if (j.ok() && j->is_object() && j->contains("error") && (*j)["error"].is_object()) {
    message = (*j)["error"].value("message", "");
  }
  if (message.empty()) message = r->body.substr(0, 300);
  message = url + " answered " + std::to_string(r->status) + ": " + message;
  if (r->status == 401 || r->status == 403) return permission_denied(message);
  if (r->status == 503 || r->status == 504) return unavailable(message);
  if (r->status < 500) return invalid_argument(message);
  return internal_error(message);
}


int run_bench_layer(const BenchLayerOptions& opts, const Cli& cli) {
  if (opts.ops == 0 || opts.concurrency == 0 || opts.concurrency > 1024)
    return cli.fail(invalid_argument("--ops must be positive and --concurrency 1..1024"));
  // The layer's name and genesis (what ops are signed for); etcd has neither.
  codec::Json layer = {{"layer", "etcd"}};
  if (!opts.etcd) {
    auto info = node_request(opts.node, "GET", "/v1/layer");
    if (!info.ok()) return cli.fail(info.status());
    layer = std::move(info).value();
  }
  std::string genesis = layer.value("genesis_hash", "");

  std::atomic<std::uint64_t> next{0};
  std::mutex mu;
  std::vector<double> latencies_ms;
  std::uint64_t failed = 0;
  std::uint64_t connections = 0;
  std::uint64_t reconnects = 0;
  std::string first_error;
  const auto record_failure = [&](const Status& status) {
    std::lock_guard lock(mu);
    ++failed;
    if (first_error.empty()) first_error = status.message();
  };
  net::HttpsClientOptions client_options;  // as node_request: 30 s per request, 5 s to connect
  client_options.total_timeout = std::chrono::milliseconds(30'000);
  client_options.connect_timeout = std::chrono::milliseconds(5'000);
  Progress progress(Progress::for_stderr(cli, "bench", opts.ops, "ops"));
  std::atomic<std::uint64_t> failed_count{0};
  auto t0 = std::chrono::steady_clock::now();

  // Submits operations until there are none left, one at a time on `conn`.
  const auto submit_all = [&](unsigned w, const crypto::PrivateKey& key, net::HttpsConnection& conn) {
    std::uint64_t id = 0;
    for (;;) {
      std::uint64_t i = next.fetch_add(1);
      if (i >= opts.ops) return;
      ++id;
      std::string k = opts.prefix + "-" + std::to_string(w) + "-" + std::to_string(id), v = "v" + std::to_string(i);
      std::string body, target = "/v1/ops";
      if (opts.etcd) {
        body = codec::Json{{"key", to_base64(to_bytes(k))}, {"value", to_base64(to_bytes(v))}}.dump();
        target = "/v3/kv/put";
      } else {
        body = node::to_json(node::sign_op(key, genesis, id, "put " + k + " " + v)).dump();
      }
      auto start = std::chrono::steady_clock::now();
      auto answer = conn.request("POST", target, body, {{"Content-Type", "application/json"}});
      auto status = op_status(answer, opts.node);
      if (status.ok() && opts.etcd) {
        // etcd's gateway answers 200 with the revision it wrote at.
        auto r = codec::parse(answer->body);
        if (!r.ok() || !r->is_object() || !r->contains("header")) status = internal_error("etcd answered without a header");
      }
      double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
      if (status.ok()) {
        std::lock_guard lock(mu);
        latencies_ms.push_back(ms);
      } else {
        record_failure(status);
        progress.set_status(std::to_string(++failed_count) + " failed");
      }
      progress.add();
    }
  };
  // Each worker: its own client key and its own keep-alive connection.
  const auto worker = [&](unsigned w) {
    auto key = crypto::PrivateKey::generate();
    if (!key.ok()) return record_failure(key.status());
    auto conn = net::HttpsConnection::create(opts.node, client_options);
    if (!conn.ok()) return record_failure(conn.status());
    submit_all(w, *key, *conn);
    std::lock_guard lock(mu);
    connections += conn->stats().connections;
    reconnects += conn->stats().reconnects;
  };
  std::vector<std::thread> threads;
  for (unsigned w = 0; w < opts.concurrency; ++w) threads.emplace_back(worker, w);
  for (auto& t : threads) t.join();
  progress.finish();
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::uint64_t committed = latencies_ms.size();
  double rate = secs > 0 ? static_cast<double>(committed) / secs : 0;
  double p50 = percentile(latencies_ms, 0.50), p99 = percentile(latencies_ms, 0.99);
  double max = latencies_ms.empty() ? 0 : latencies_ms.back();
  codec::Json out = {{"node", opts.node},
                     {"layer", layer.value("layer", "")},
                     {"ops", opts.ops},
                     {"concurrency", opts.concurrency},
                     {"committed", committed},
                     {"failed", failed},
                     {"connections", connections},
                     {"reconnects", reconnects},
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
    cli.print_fields({{"layer", layer.value("layer", "")},
                      {"throughput", buf},
                      {"latency", lat},
                      {"connections", std::to_string(connections) + " TLS (" + std::to_string(reconnects) + " reconnects)"},
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
  layer->add_flag("--etcd", opts->etcd,
                  "--node is an etcd v3 client URL (https): the same puts through etcd's JSON gateway, for a side-by-side "
                  "figure (bench/peers.sh).");
  layer->footer(
      "Exit status 1 if any operation failed, 3 if the node cannot be reached.\n"
      "Example:\n"
      "  mlchain bench layer --node https://127.0.0.1:7101 --ops 2000 --concurrency 16 -o json");
  layer->callback([opts, &cli] { cli.exit_code = run_bench_layer(*opts, cli); });

  setup_bench_contracts(bench, cli);
  setup_bench_soak(bench, cli);
}

}  // namespace mlchain::cli
