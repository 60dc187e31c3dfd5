// mlchain bench contracts: C pairs of objects (A_i on one edge, B_i on an edge of
// another L1 subtree), each pair driven by one worker over its own keep-alive
// connections, send cross-layer contract messages (docs/contracts.md §8.5)
// back to back, each waiting for the destination's receipt. Reports
// contracts/s, per-message latency, refusals by code and the same-run
// Ed25519 verify rate V1 of one core. Benchmarks, not tests: nothing here
// asserts a speed.
#include <algorithm>
#include <atomic>
#include <cctype>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <latch>
#include <map>
#include <mutex>
#include <optional>
#include <sstream>
#include <thread>

#include "bench_objects.h"
#include "bench_util.h"
#include "cli.h"
#include "duration.h"
#include "mlchain/contract/packet.h"
#include "mlchain/crypto/ed25519.h"
#include "mlchain/edge/contract_inbox.h"
#include "mlchain/edge/request.h"
#include "mlchain/net/https_client.h"
#include "mlchain/node/signed_op.h"
#include "node_client.h"
#include "object_client.h"
#include "progress.h"

namespace mlchain::cli {
namespace bench {

// POST /v1/object/<action> signed as `from` (request.h), on `conn`.
Sent object_post(net::HttpsConnection& conn, BenchObject& from, edge::Action action, const std::string& body) {
  std::uint64_t counter = ++from.counter;
  std::string signing = edge::signing_string(action, from.uuid, counter, body);
  std::map<std::string, std::string> headers = {
      {"Content-Type", "application/json"},
      {"X-Mlc-Object", from.uuid},
      {"X-Mlc-Counter", std::to_string(counter)},
      {"X-Mlc-Signature", crypto::signature_hex(from.key.sign(as_bytes(signing)))}};
  Sent s;
  auto start = std::chrono::steady_clock::now();
  auto r = conn.request("POST", "/v1/object/" + std::string(edge::action_name(action)), body, headers);
  s.ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  if (!r.ok()) {
    s.code = "transport_" + std::string(error_code_name(r.status().code()));
    s.message = conn.address() + ": " + r.status().message();
    return s;
  }
  auto j = codec::parse(r->body);
  if (j.ok()) s.answer = std::move(*j);
  if (r->status != 200) {
    s.code = "http_" + std::to_string(r->status);
    if (s.answer.is_object() && s.answer.contains("error") && s.answer["error"].is_object()) {
      s.code = s.answer["error"].value("code", s.code);
      s.message = s.answer["error"].value("message", "") + " (layer " + s.answer["error"].value("layer", "?") + ")";
    }
    s.message = conn.address() + " answered " + std::to_string(r->status) + " " + s.code + ": " + s.message;
    return s;
  }
  s.ok = j.ok();
  if (!s.ok) s.code = "bad_answer", s.message = conn.address() + " answered 200 without JSON";
  return s;
}

// One contract message from `from` to `to`; success needs the destination
// edge's receipt, signed (checked here) by layer `dst_layer`. A 503 "busy"
// (the source edge already has its maximum of contract messages in flight;
// nothing was ordered) is retried after a pause, up to kBusyWait; `ms` then
// counts from the first attempt and `busy_retries` says how often.
Sent send_contract_message(net::HttpsConnection& conn, BenchObject& from, const BenchObject& to,
                           const std::string& dst_layer, const char* kind, const codec::Json& ids,
                           const codec::Json& message, std::optional<std::uint64_t> ttl_ms) {
  codec::Json body = {{"to", to.uuid}, {"message", message}, {"kind", kind}};
  if (!ids.is_null()) body["ids"] = ids;
  if (ttl_ms) body["ttl_ms"] = *ttl_ms;
  const std::string text = body.dump();
  Sent s;
  double waited_ms = 0;
  unsigned retries = 0;
  for (auto pause = std::chrono::milliseconds(5);; pause = std::min(pause * 2, std::chrono::milliseconds(100))) {
    s = object_post(conn, from, edge::Action::kContract, text);
    s.ms += waited_ms;
    if (s.ok || s.code != "busy" || s.ms + static_cast<double>(pause.count()) > kBusyWait.count()) break;
    auto slept = std::chrono::steady_clock::now();
    std::this_thread::sleep_for(pause);
    waited_ms = s.ms + std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - slept).count();
    ++retries;
  }
  s.busy_retries = retries;
  if (!s.ok) return s;
  const codec::Json& a = s.answer;
  static const crypto::Ed25519Verifier verifier;
  if (!a.is_object() || !a.contains("receipt") || !a["receipt"].is_object()) {
    s.ok = false, s.code = "no_receipt", s.message = conn.address() + " answered 200 without a receipt";
  } else if (a["receipt"].value("edge", "") != dst_layer || !edge::verify_receipt(a["receipt"], verifier).ok()) {
    s.ok = false, s.code = "bad_receipt", s.message = "the receipt is not " + dst_layer + "'s valid signature";
  }
  return s;
}

// Single-core Ed25519 verifications per second: one fixed signature
// verified in a loop for about `duration`.
std::uint64_t measure_v1(std::chrono::milliseconds duration) {
  auto key = crypto::PrivateKey::generate();
  if (!key.ok()) return 0;
  const std::string message(64, 'v');
  const auto sig = key->sign(as_bytes(message));
  const crypto::Ed25519Verifier verifier;
  std::uint64_t n = 0, good = 0;
  auto t0 = std::chrono::steady_clock::now();
  std::chrono::duration<double> elapsed{};
  do {
    for (int i = 0; i < 64; ++i, ++n) good += verifier.verify(key->public_key(), as_bytes(message), sig) ? 1u : 0u;
    elapsed = std::chrono::steady_clock::now() - t0;
  } while (elapsed < duration);
  if (good != n) return 0;  // a broken verifier: no figure rather than a wrong one
  return static_cast<std::uint64_t>(static_cast<double>(n) / elapsed.count());
}

codec::Json latency_json(std::vector<double>& ms) {
  double p50 = percentile(ms, 0.50), p90 = percentile(ms, 0.90), p99 = percentile(ms, 0.99);
  double max = ms.empty() ? 0 : ms.back();
  const auto us = [](double v) { return static_cast<std::int64_t>(v * 1000); };
  return {{"count", ms.size()}, {"p50", us(p50)}, {"p90", us(p90)}, {"p99", us(p99)}, {"max", us(max)}};
}

// Registers a fresh Ed25519 object with the contract permission on `edge`.
Result<BenchObject> register_object(const std::string& edge, const crypto::PrivateKey& admin) {
  MLCHAIN_ASSIGN_OR_RETURN(auto key, crypto::PrivateKey::generate());
  codec::Json args = {{"class", "Device/Test"},
                      {"permissions", {"contract"}},
                      {"static", codec::Json::object()},
                      {"functions", codec::Json::array()},
                      {"description", "bench contracts"},
                      {"credential", {{"scheme", "ed25519"}, {"public_key", key.public_key().hex()}}}};
  MLCHAIN_ASSIGN_OR_RETURN(auto reply, admin_call(EdgeEndpoint{edge, std::nullopt}, admin, "register", args));
  if (!reply.contains("object") || !reply["object"].is_object() || !reply["object"].contains("uuid") ||
      !reply["object"]["uuid"].is_string())
    return internal_error(edge + " registered an object but did not name its uuid");
  return BenchObject{std::move(key), reply["object"]["uuid"].get<std::string>(), 0, 0};
}

}  // namespace bench

namespace {

using namespace bench;  // NOLINT: the objects and messages shared with bench soak (bench_objects.h)

struct BenchContractsOptions {
  std::string devnet;
  std::string edge_a;
  std::string edge_b;
  std::string admin_key;
  std::uint64_t contracts = 500;
  unsigned concurrency = 8;
  bool full = false;
  std::string ttl;
};

// The edge's default queue_limit is 256 undelivered messages per object: a
// receiving object drops what it has received (one fetch with a large ack)
// before it holds this many.
constexpr unsigned kDrainEvery = 100;
constexpr std::uint64_t kAckAll = 9'007'199'254'740'991;  // 2^53 - 1: above any queue seq
// The edge itself waits up to 60 s for the route (ContractSender::Options).
constexpr std::chrono::milliseconds kContractTimeout{90'000};


struct EdgePair {
  std::string a, b;  // URLs
  std::string admin_key;
};

// Components shared by two layer paths ("L2/L1a/E1", "L2/L1b/E3" -> 1).
std::size_t common_depth(const std::string& x, const std::string& y) {
  std::size_t depth = 0, i = 0;
  for (; i < x.size() && i < y.size() && x[i] == y[i]; ++i)
    if (x[i] == '/') ++depth;
  bool whole = (i == x.size() || x[i] == '/') && (i == y.size() || y[i] == '/');
  return depth + (whole && i > 0 ? 1 : 0);
}

// From DIR/devnet.json (docs/devnet.md): A is the first edge node, B the
// first edge whose layer shares the fewest path components with A's, so the
// route crosses the top layer (E1 and E3 in the default devnet).
Result<EdgePair> edges_from_devnet(const std::string& dir) {
  std::string file = dir + "/devnet.json";
  std::ifstream in(file);
  if (!in)
    return invalid_argument("--devnet: no devnet in " + dir + " (" + file +
                            " does not exist); start one with `mlchain devnet up`");
  std::stringstream ss;
  ss << in.rdbuf();
  auto j = codec::parse(ss.str(), codec::ParseLimits{16u << 20, 32, 1u << 20, 1'000'000});
  if (!j.ok()) return j.status().with_context(file);
  std::vector<std::pair<std::string, std::string>> edges;  // layer, address
  try {
    for (const auto& n : j->at("nodes")) {
      if (n.at("role").get<std::string>() == "edge")
        edges.emplace_back(n.at("layer").get<std::string>(), n.at("address").get<std::string>());
    }
  } catch (const std::exception& e) {
    return invalid_argument(file + " is not a devnet state file: " + e.what());
  }
  if (edges.size() < 2) return invalid_argument(file + " lists fewer than two edge nodes");
  const auto& a = edges.front();
  const std::pair<std::string, std::string>* b = nullptr;
  for (const auto& e : edges) {
    if (e.first == a.first) continue;
    if (!b || common_depth(a.first, e.first) < common_depth(a.first, b->first)) b = &e;
  }
  if (!b) return invalid_argument(file + ": every edge node is in layer " + a.first + "; need two edge layers");
  std::string admin = dir + "/admin.pem";
  return EdgePair{a.second, b->second, admin};
}

std::string latency_text(const codec::Json& l) {
  char buf[160];
  const auto ms = [&](const char* k) { return static_cast<double>(l[k].get<std::int64_t>()) / 1000; };
  std::snprintf(buf, sizeof buf, "p50 %.1f ms, p90 %.1f ms, p99 %.1f ms, max %.1f ms", ms("p50"), ms("p90"), ms("p99"),
                ms("max"));
  return buf;
}

// Shared state of one run; workers update it under `mu`.
struct ContractRun {
  std::mutex mu;
  std::map<std::string, std::vector<double>> latencies;  // by kind
  std::vector<double> all;
  std::map<std::string, std::uint64_t> errors;  // by code
  std::string first_error;
  std::uint64_t completed = 0, failed = 0, messages_ok = 0, messages_failed = 0, drains = 0, busy_retries = 0;
  std::uint64_t connections = 0, reconnects = 0;

  void record(const char* kind, const Sent& s) {
    std::lock_guard lock(mu);
    busy_retries += s.busy_retries;
    if (s.ok) {
      latencies[kind].push_back(s.ms);
      all.push_back(s.ms);
      ++messages_ok;
    } else {
      ++errors[s.code];
      ++messages_failed;
      if (first_error.empty()) first_error = s.message;
    }
  }
};

// The worker of pair i: registers A (edge a) and B (edge b), then runs
// contracts until none are left.
struct PairWorker {
  const BenchContractsOptions& opts;
  ContractRun& run;
  std::optional<Progress>& progress;  // emplaced before the workers start sending
  std::atomic<std::uint64_t>& next;
  std::string layer_a, layer_b;
  std::optional<std::uint64_t> ttl_ms;
  BenchObject a, b;

  // Drops what `obj` has received once it holds kDrainEvery messages.
  void maybe_drain(net::HttpsConnection& conn, BenchObject& obj) {
    if (++obj.undrained < kDrainEvery) return;
    obj.undrained = 0;
    Sent s = object_post(conn, obj, edge::Action::kFetch, codec::Json{{"ack", kAckAll}, {"max", 1}}.dump());
    std::lock_guard lock(run.mu);
    ++run.drains;
    if (!s.ok) ++run.errors["fetch_" + s.code];
  }

  void contracts(net::HttpsConnection& conn_a, net::HttpsConnection& conn_b) {
    for (;;) {
      std::uint64_t i = next.fetch_add(1);
      if (i >= opts.contracts) return;
      const codec::Json none;
      codec::Json msg = {{"bench", i}, {"step", 1}};
      Sent first = send_contract_message(conn_a, a, b, layer_b, "first", none, msg, ttl_ms);
      run.record("first", first);
      bool ok = first.ok;
      if (ok) maybe_drain(conn_b, b);
      if (ok && opts.full) {
        codec::Json ids = first.answer["receipt"]["ids"];
        Sent reply =
            send_contract_message(conn_b, b, a, layer_a, "follow-up", ids, {{"bench", i}, {"step", 2}}, ttl_ms);
        run.record("follow-up", reply);
        ok = reply.ok;
        if (ok) maybe_drain(conn_a, a);
        if (ok) {
          Sent end = send_contract_message(conn_a, a, b, layer_b, "end", ids, {{"bench", i}, {"step", 3}}, ttl_ms);
          run.record("end", end);
          ok = end.ok;
          if (ok) maybe_drain(conn_b, b);
        }
      }
      {
        std::lock_guard lock(run.mu);
        ++(ok ? run.completed : run.failed);
        if (!ok) progress->set_status(std::to_string(run.failed) + " failed");
      }
      progress->add();
    }
  }
};

Status check_options(const BenchContractsOptions& o) {
  if (o.contracts == 0) return invalid_argument("--contracts must be positive");
  if (o.concurrency == 0 || o.concurrency > 256) return invalid_argument("--concurrency must be 1..256");
  bool explicit_edges = !o.edge_a.empty() || !o.edge_b.empty();
  if (o.devnet.empty() == !explicit_edges)
    return invalid_argument("give either --devnet DIR or both --edge-a URL and --edge-b URL");
  if (explicit_edges && (o.edge_a.empty() || o.edge_b.empty()))
    return invalid_argument("give both --edge-a and --edge-b");
  if (explicit_edges && o.admin_key.empty())
    return invalid_argument("--admin-key is required with --edge-a/--edge-b (an admin key of both edge layers)");
  return {};
}

int run_bench_contracts(BenchContractsOptions opts, const Cli& cli) {
  if (Status st = check_options(opts); !st.ok()) return cli.fail(st);
  std::optional<std::uint64_t> ttl_ms;
  if (!opts.ttl.empty()) {
    auto t = parse_duration_ms(opts.ttl, "--ttl", contract::kMaxTtlMs);
    if (!t.ok()) return cli.fail(t.status());
    ttl_ms = *t;
  }
  if (!opts.devnet.empty()) {
    auto pair = edges_from_devnet(opts.devnet);
    if (!pair.ok()) return cli.fail(pair.status());
    opts.edge_a = pair->a, opts.edge_b = pair->b;
    if (opts.admin_key.empty()) opts.admin_key = pair->admin_key;
  }
  auto admin = crypto::PrivateKey::load_pem_file(opts.admin_key);
  if (!admin.ok()) return cli.fail(admin.status().with_context("--admin-key"));
  auto info_a = edge_info({opts.edge_a, std::nullopt});
  if (!info_a.ok()) return cli.fail(info_a.status());
  auto info_b = edge_info({opts.edge_b, std::nullopt});
  if (!info_b.ok()) return cli.fail(info_b.status());
  std::string layer_a = info_a->value("layer", ""), layer_b = info_b->value("layer", "");
  if (layer_a.empty() || layer_b.empty() || layer_a == layer_b)
    return cli.fail(invalid_argument("--edge-a and --edge-b must be edge nodes of two different edge layers (got '" +
                                     layer_a + "' and '" + layer_b + "')"));

  ContractRun run;
  std::atomic<std::uint64_t> next{0};
  std::optional<Progress> progress;
  std::mutex setup_mu;
  Status setup_error;
  std::atomic<bool> abort{false};
  std::latch ready(opts.concurrency), go(1);
  Progress registering(Progress::for_stderr(cli, "register", 2ull * opts.concurrency, "objects"));
  net::HttpsClientOptions client_options;
  client_options.total_timeout = kContractTimeout;
  client_options.connect_timeout = std::chrono::milliseconds(5'000);

  const auto worker = [&](unsigned) {
    std::optional<net::HttpsConnection> conn_a, conn_b;
    std::optional<PairWorker> w;
    Status st = [&]() -> Status {
      MLCHAIN_ASSIGN_OR_RETURN(auto a, register_object(opts.edge_a, *admin));
      registering.add();
      MLCHAIN_ASSIGN_OR_RETURN(auto b, register_object(opts.edge_b, *admin));
      registering.add();
      MLCHAIN_ASSIGN_OR_RETURN(auto ca, net::HttpsConnection::create(opts.edge_a, client_options));
      MLCHAIN_ASSIGN_OR_RETURN(auto cb, net::HttpsConnection::create(opts.edge_b, client_options));
      MLCHAIN_TRY(ca.connect());
      MLCHAIN_TRY(cb.connect());
      conn_a.emplace(std::move(ca)), conn_b.emplace(std::move(cb));
      w.emplace(PairWorker{opts, run, progress, next, layer_a, layer_b, ttl_ms, std::move(a), std::move(b)});
      return {};
    }();
    if (!st.ok()) {
      std::lock_guard lock(setup_mu);
      if (setup_error.ok()) setup_error = st;
      abort = true;
    }
    ready.count_down();
    go.wait();
    if (abort) return;
    w->contracts(*conn_a, *conn_b);
    std::lock_guard lock(run.mu);
    run.connections += conn_a->stats().connections + conn_b->stats().connections;
    run.reconnects += conn_a->stats().reconnects + conn_b->stats().reconnects;
  };
  std::vector<std::thread> threads;
  for (unsigned w = 0; w < opts.concurrency; ++w) threads.emplace_back(worker, w);
  ready.wait();
  registering.finish();
  if (abort) {
    go.count_down();
    for (auto& t : threads) t.join();
    return cli.fail(setup_error.with_context("registering the benchmark's objects"));
  }
  // V1 on one core, in this run, while the network is idle.
  std::uint64_t v1 = measure_v1(std::chrono::milliseconds(1000));
  progress.emplace(Progress::for_stderr(cli, "contracts", opts.contracts, "contracts"));
  auto t0 = std::chrono::steady_clock::now();
  go.count_down();
  for (auto& t : threads) t.join();
  progress->finish();
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();

  const auto per_second = [&](std::uint64_t n) { return secs > 0 ? static_cast<double>(n) / secs : 0.0; };
  double contracts_rate = per_second(run.completed), messages_rate = per_second(run.messages_ok);
  double ratio = v1 > 0 ? contracts_rate / static_cast<double>(v1) : 0;
  codec::Json errors = codec::Json::object();
  for (const auto& [code, n] : run.errors) errors[code] = n;
  codec::Json by_kind = codec::Json::object();
  for (auto& [kind, v] : run.latencies) by_kind[kind] = latency_json(v);
  codec::Json latency = latency_json(run.all);
  codec::Json out = {{"edge_a", {{"url", opts.edge_a}, {"layer", layer_a}}},
                     {"edge_b", {{"url", opts.edge_b}, {"layer", layer_b}}},
                     {"contracts", opts.contracts},
                     {"concurrency", opts.concurrency},
                     {"full", opts.full},
                     {"messages_per_contract", opts.full ? 3 : 1},
                     {"completed", run.completed},
                     {"failed", run.failed},
                     {"messages_ok", run.messages_ok},
                     {"messages_failed", run.messages_failed},
                     {"seconds_x1000", static_cast<std::int64_t>(secs * 1000)},
                     {"contracts_per_second_x1000", static_cast<std::int64_t>(contracts_rate * 1000)},
                     {"messages_per_second_x1000", static_cast<std::int64_t>(messages_rate * 1000)},
                     {"latency_us", latency},
                     {"latency_us_by_kind", by_kind},
                     {"errors", errors},
                     {"busy_retries", run.busy_retries},
                     {"queue_drains", run.drains},
                     {"connections", run.connections},
                     {"reconnects", run.reconnects},
                     {"v1_verify_per_second", v1},
                     {"ratio_to_v1_ppm", static_cast<std::int64_t>(ratio * 1e6)}};
  if (!run.first_error.empty()) out["first_error"] = run.first_error;
  if (cli.json()) {
    cli.print_json(out);
  } else {
    char rate[200], v1_text[120];
    std::snprintf(rate, sizeof rate, "%.2f contracts/s, %.2f messages/s (%llu of %llu contracts in %.2f s)",
                  contracts_rate, messages_rate, static_cast<unsigned long long>(run.completed),
                  static_cast<unsigned long long>(opts.contracts), secs);
    std::snprintf(v1_text, sizeof v1_text, "%llu Ed25519 verify/s on one core; contracts/s / V1 = %.3g",
                  static_cast<unsigned long long>(v1), ratio);
    std::string error_text;
    for (const auto& [code, n] : run.errors)
      error_text += (error_text.empty() ? "" : ", ") + code + " " + std::to_string(n);
    std::vector<std::pair<std::string, std::string>> rows = {
        {"route", layer_a + " -> " + layer_b + (opts.full ? " (first + reply + end)" : " (first message only)")},
        {"throughput", rate},
        {"latency", latency_text(latency)}};
    if (opts.full)
      for (const auto& [kind, l] : by_kind.items()) rows.emplace_back("  " + kind, latency_text(l));
    rows.emplace_back("V1", v1_text);
    rows.emplace_back("connections", std::to_string(run.connections) + " TLS (" + std::to_string(run.reconnects) +
                                         " reconnects), " + std::to_string(run.drains) + " queue drains, " +
                                         std::to_string(run.busy_retries) + " retries after 503 busy");
    rows.emplace_back("errors", error_text.empty() ? "none" : error_text + " (first: " + run.first_error + ")");
    cli.print_fields(rows);
  }
  return run.failed == 0 && run.messages_failed == 0 ? kExitOk : kExitFailed;
}

}  // namespace

void setup_bench_contracts(CLI::App* bench, Cli& cli) {
  auto copts = std::make_shared<BenchContractsOptions>();
  auto* contracts = bench->add_subcommand(
      "contracts", "Send cross-layer contract messages between two edges; print contracts/s, latency and V1.");
  cli.file(contracts
               ->add_option("--devnet", copts->devnet,
                            "A devnet directory (devnet.json): sends from its first edge to the edge farthest "
                            "from it in the tree (E1 -> E3).")
               ->type_name("DIR"));
  contracts->add_option("--edge-a", copts->edge_a, "Instead of --devnet: the senders' edge node, https://host:port.")
      ->type_name("URL");
  contracts
      ->add_option("--edge-b", copts->edge_b, "Instead of --devnet: the receivers' edge node (another edge layer).")
      ->type_name("URL");
  cli.file(contracts
               ->add_option("--admin-key", copts->admin_key,
                            "Admin key of both edge layers, to register the objects (default: DIR/admin.pem).")
               ->type_name("FILE"));
  contracts->add_option("--contracts", copts->contracts, "Contracts to run.")->capture_default_str();
  contracts->add_option("--concurrency", copts->concurrency, "Object pairs sending at once (1..256), one worker each.")
      ->capture_default_str();
  contracts->add_flag("--full", copts->full,
                      "Each contract is first (A->B) + reply (B->A) + end (A->B); default: the first message only.");
  contracts
      ->add_option("--ttl", copts->ttl, "Lifetime of the contract blocks: 30s, 10m, 24h (default: the edge's, 24h).")
      ->type_name("DURATION");
  contracts->footer(
      "Registers 2 x concurrency Ed25519 objects (permission contract), half on each edge, then each worker\n"
      "sends its pair's messages back to back over its own keep-alive connections, each waiting for the\n"
      "destination edge's signed receipt (checked). Latency is per message, request to receipt.\n"
      "A 503 busy (the edge's limit of contract messages in flight, 64) is retried for up to 30 s.\n"
      "V1 is this machine's single-core Ed25519 verify rate, measured in the same run just before the load.\n"
      "-o json: integers only (latency_us, *_per_second_x1000, ratio_to_v1_ppm); errors counted by code.\n"
      "Exit status 1 if any message failed, 2 usage, 3 an edge cannot be reached, 4 the admin key is refused.\n"
      "Examples:\n"
      "  mlchain devnet up --dir /tmp/dn --base-port 7500\n"
      "  mlchain bench contracts --devnet /tmp/dn --contracts 500 --concurrency 8\n"
      "  mlchain bench contracts --devnet /tmp/dn --contracts 300 --concurrency 8 --full -o json\n"
      "  mlchain bench contracts --edge-a https://127.0.0.1:7512 --edge-b https://127.0.0.1:7514 \\\n"
      "    --admin-key /tmp/dn/admin.pem --contracts 1000 --concurrency 32");
  contracts->callback([copts, &cli] { cli.exit_code = run_bench_contracts(*copts, cli); });
}

}  // namespace mlchain::cli
