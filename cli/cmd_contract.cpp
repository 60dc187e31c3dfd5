// mlchain contract send|reply|end: act as an object and send a cross-layer
// contract message through its edge node (docs/contracts.md §8.5). The edge
// builds and signs the packet, the high-level layers on the route each record
// it in a contract block, and the destination edge delivers it to the target
// object's queue (read with `mlchain object fetch`).
//
// Same edge and credential options as `mlchain object send`.
#include <cerrno>
#include <cstring>
#include <fstream>
#include <iostream>
#include <iterator>
#include <sstream>

#include "cli.h"
#include "duration.h"
#include "mlchain/common/clock.h"
#include "mlchain/crypto/ed25519.h"
#include "mlchain/edge/contract_inbox.h"
#include "mlchain/edge/contract_request.h"
#include "mlchain/edge/ids.h"
#include "object_client.h"

namespace mlchain::cli {
namespace {

using Json = codec::Json;

// The edge itself waits up to 60 s for the route (ContractSender::Options).
constexpr std::chrono::milliseconds kRequestTimeout{90'000};

struct ContractOptions {
  std::string edge;
  std::string edge_key;
  std::string from;
  std::string key;
  std::string secret_file;
  std::uint64_t counter = 0;
  std::string to;
  std::string body_file;
  std::string message;
  std::string ttl;
  std::string contract_ids;  // reply, end
};


std::vector<std::string> split_ids(const std::string& text) {
  std::vector<std::string> out;
  std::string cur;
  for (char c : text + ",") {
    if (c == ',' || std::isspace(static_cast<unsigned char>(c))) {
      if (!cur.empty()) out.push_back(cur);
      cur.clear();
    } else {
      cur.push_back(c);
    }
  }
  return out;
}

Result<Json> read_message(const ContractOptions& o) {
  if (o.body_file.empty() == o.message.empty())
    return invalid_argument("give exactly one of --body FILE or --message JSON");
  std::string text = o.message;
  if (!o.body_file.empty()) {
    std::ifstream in(o.body_file, std::ios::binary);
    if (o.body_file == "-") {
      text.assign(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>());
    } else {
      if (!in) return invalid_argument("cannot read " + o.body_file + ": " + std::strerror(errno));
      std::ostringstream ss;
      ss << in.rdbuf();
      text = ss.str();
    }
    if (text.size() > edge::kMaxRequestBodyBytes)
      return invalid_argument(o.body_file + " is larger than " + std::to_string(edge::kMaxRequestBodyBytes) + " bytes");
  }
  auto j = codec::parse(text);
  if (!j.ok()) return j.status().with_context(o.body_file.empty() ? "--message" : "--body " + o.body_file);
  return j;
}

// The request body of §8.5, checked here as the edge will check it.
Result<std::string> request_body(const ContractOptions& o, contract::PacketKind kind) {
  MLCHAIN_ASSIGN_OR_RETURN(auto message, read_message(o));
  Json body = {{"to", o.to}, {"message", message}, {"kind", contract::kind_name(kind)}};
  if (!o.ttl.empty()) {
    MLCHAIN_ASSIGN_OR_RETURN(auto ttl, parse_duration_ms(o.ttl, "--ttl", contract::kMaxTtlMs));
    body["ttl_ms"] = ttl;
  }
  if (kind != contract::PacketKind::kFirst) {
    auto ids = split_ids(o.contract_ids);
    if (ids.empty()) return invalid_argument("--contract: give the contract's block ids, comma-separated");
    body["ids"] = ids;
    auto from = contract::parse_uuid(o.from);
    auto to = contract::parse_uuid(o.to);
    if (from.ok() && to.ok()) {
      if (auto r = contract::route(*from, *to); r.ok()) {
        if (auto ordered = edge::order_contract_ids(*r, ids); !ordered.ok())
          return ordered.status().with_context("--contract");
      }
    }
  }
  MLCHAIN_TRY(edge::contract_request_from_json(body).status());
  return body.dump();
}

std::string hop_line(const Json& h) {
  std::string layer = h.value("layer", "?");
  if (h.value("edge", false)) {
    std::string role = h.value("role", "");
    return layer + "  (" + (role.empty() ? std::string("edge") : role + " edge") + ")";
  }
  std::string line = layer + "  " + h.value("id", "?");
  std::vector<std::string> notes;
  if (h.contains("node") && h["node"].is_string()) notes.push_back("node " + h["node"].get<std::string>());
  if (h.contains("height") && h["height"].is_number_integer()) notes.push_back("height " + h["height"].dump());
  if (h.value("duplicate", false)) notes.push_back("already recorded");
  if (!notes.empty()) {
    line += "  (";
    for (std::size_t i = 0; i < notes.size(); ++i) line += (i ? ", " : "") + notes[i];
    line += ")";
  }
  return line;
}

// DESIGN §9 exit code for an edge's refusal.
int exit_for(int status, const std::string& code) {
  if (status == 401 && code == "certificate_refused") return kExitVerification;
  if (status == 401 || status == 403) return kExitUnauthorised;
  if (status == 400 || status == 413) return kExitUsage;
  if (status == 503 || status == 504) return kExitUnreachable;
  return kExitFailed;
}

int run_contract(const ContractOptions& o, contract::PacketKind kind, const Cli& cli) {
  EdgeEndpoint e{o.edge, std::nullopt};
  if (!o.edge_key.empty()) {
    auto k = crypto::PublicKey::from_hex(o.edge_key);
    if (!k.ok()) return cli.fail(k.status().with_context("--edge-key"));
    e.server_key = *k;
  }
  // Two objects of one edge layer talk directly (working communication, not
  // a contract): say which command does that before spending a counter.
  auto from = edge::parse_uuid(o.from);
  auto to = edge::parse_uuid(o.to);
  if (from.ok() && to.ok() && from->layer == to->layer)
    return cli.fail(invalid_argument(o.to + " is an object of the same edge layer " + from->layer + " as " + o.from +
                                     ": that is a message, not a contract (contracts cross layers)"),
                    "mlchain object send --edge " + o.edge + " --uuid " + o.from +
                        " (--key FILE | --secret-file FILE) --data JSON --to " + o.to +
                        " (the sender needs a talk: permission for it)");
  auto cred = load_object_credential(o.key, o.secret_file);
  if (!cred.ok()) return cli.fail(cred.status());
  auto body = request_body(o, kind);
  if (!body.ok()) return cli.fail(body.status());
  std::uint64_t counter =
      o.counter != 0 ? o.counter : static_cast<std::uint64_t>(SystemClock().now().time_since_epoch().count());
  auto answer = object_request(e, edge::Action::kContract, o.from, counter, *body, *cred, kRequestTimeout);
  if (!answer.ok()) return cli.fail(answer.status());
  const Json& a = answer->body;
  if (answer->status != 200) {
    std::string code = "http_" + std::to_string(answer->status), message, layer;
    if (a.is_object() && a.contains("error") && a["error"].is_object()) {
      code = a["error"].value("code", code);
      message = a["error"].value("message", "");
      layer = a["error"].value("layer", "");
    }
    int rc = exit_for(answer->status, code);
    if (cli.json()) {
      Json out = a.is_object() ? a : Json{{"error", {{"code", code}}}};
      out["error"]["status"] = answer->status;
      out["error"]["exit_code"] = rc;
      cli.print_json(out);
    }
    std::string text = "refused (" + std::to_string(answer->status) + " " + code + ")" +
                       (layer.empty() ? "" : " by " + layer) + (message.empty() ? "" : ": " + message);
    std::cerr << "error: " << text << '\n';
    if (code == "replay" && a["error"].contains("receipt")) {
      std::cerr << "hint: this message was delivered before; the receipt is in the error (use -o json)\n";
    } else if (code == "not_permitted" && message.find("'contract' permission") != std::string::npos) {
      std::cerr << "hint: permissions are fixed at registration: an admin registers the object with --perm contract "
                   "(mlchain object register ... --perm contract)\n";
    }
    if (code == "outcome_unknown") {
      std::cerr << "hint: not known to have failed: a member may hold the packet and it may still arrive (at most "
                   "once); a resend is a new message and could arrive too, so ask the receiver first\n";
    }
    return rc;
  }
  if (!a.is_object()) return cli.fail(internal_error(o.edge + " answered 200 without a JSON object"));
  // The receipt is the destination edge's signature: check it here too.
  crypto::Ed25519Verifier verifier;
  bool has_receipt = a.contains("receipt");
  Status receipt_ok = has_receipt ? edge::verify_receipt(a["receipt"], verifier) : Status{};
  if (cli.json()) {
    cli.print_json(a);
  } else {
    std::string text;
    if (a.contains("hops") && a["hops"].is_array())
      for (const auto& h : a["hops"]) text += hop_line(h) + "\n";
    std::string ids;
    if (has_receipt && a["receipt"].contains("ids") && a["receipt"]["ids"].is_array()) {
      for (const auto& id : a["receipt"]["ids"])
        if (id.is_string()) ids += (ids.empty() ? "" : ",") + id.get<std::string>();
    }
    if (has_receipt) {
      const Json& r = a["receipt"];
      text += "receipt: delivered by " + r.value("edge", "?") + " at " +
              (r.contains("delivered_at") && r["delivered_at"].is_number_integer()
                   ? iso_time(r["delivered_at"].get<std::int64_t>())
                   : std::string("?")) +
              ", " +
              (receipt_ok.ok() ? "signature ok" : "signature INVALID") + " (edge key " +
              r.value("key", "").substr(0, 16) + "...)\n";
    }
    if (a.contains("sum") && a["sum"].is_string()) text += "sum: " + a["sum"].get<std::string>() + "\n";
    if (!ids.empty()) text += "contract: " + ids + "\n";
    cli.print_text(text);
    if (kind != contract::PacketKind::kEnd && !ids.empty()) {
      cli.info("continue with: mlchain contract reply|end --contract " + ids + " ...");
    }
  }
  if (!receipt_ok.ok()) return cli.fail(receipt_ok.with_context("the destination's receipt"));
  return kExitOk;
}

void add_options(CLI::App* cmd, ContractOptions& o, Cli& cli, bool names_contract) {
  cmd->add_option("--edge", o.edge, "The sending object's edge node, https://host:port.")
      ->required()
      ->envname("MLCHAIN_EDGE")
      ->type_name("URL");
  cmd->add_option("--edge-key", o.edge_key, "Pin the edge node's public key (64 hex; see GET /v1/edge).")
      ->type_name("HEX");
  cmd->add_option("--from", o.from, "The sending object's UUID (it needs the 'contract' permission).")
      ->required()
      ->type_name("UUID");
  cli.file(cmd->add_option("--key", o.key, "Ed25519 objects: the object's key file.")->type_name("FILE"));
  cli.file(cmd->add_option("--secret-file", o.secret_file,
                           "HMAC objects: file holding the secret in hex. Neither option: an unsigned object.")
               ->type_name("FILE"));
  cmd->add_option("--counter", o.counter, "Request counter (default: the clock in microseconds).")->type_name("N");
  cmd->add_option("--to", o.to, "The receiving object's UUID, in another edge layer.")->required()->type_name("UUID");
  cli.file(cmd->add_option("--body", o.body_file, "The message: a JSON file ('-' for stdin; integers, no floats).")
               ->type_name("FILE"));
  cmd->add_option("--message", o.message, "The message as JSON text, instead of --body.")->type_name("JSON");
  cmd->add_option("--ttl", o.ttl,
                  names_contract
                      ? "The contract lives at least this long after this message: 30s, 10m, 24h, 7d (default 24h,\n"
                        "at most 366d). Every message extends expires_at to at least its time + TTL, so a reply\n"
                        "without --ttl makes a 1 h contract last 24 h: give the TTL you want kept."
                      : "How long the contract blocks live: 30s, 10m, 24h, 7d (default 24h, at most 366d). Each\n"
                        "later message (reply, end) extends this to at least its own time + its TTL.")
      ->type_name("DURATION");
  if (names_contract) {
    cmd->add_option("--contract", o.contract_ids,
                    "The contract: its block ids, comma-separated, in any order (as `contract send` printed them, "
                    "or a fetched message's contract.ids).")
        ->required()
        ->type_name("IDS");
  }
}

}  // namespace

void setup_contract(CLI::App& app, Cli& cli) {
  auto* contract = app.add_subcommand(
      "contract", "Cross-layer contracts: send a message to an object of another edge layer, reply, end.");
  contract->require_subcommand(1);
  contract->footer(
      "The edge node builds and signs the packet; each high-level layer on the route records it in a\n"
      "contract block (ids like L2/L1a#7); the destination edge queues it for the object (read it with\n"
      "`mlchain object fetch`) and signs a receipt.\n"
      "Exit status: 0 delivered, 1 refused by the network (replay, expired, refused, unknown target),\n"
      "2 usage, 3 edge or route unreachable (503 unreachable, 504 timeout: not delivered; 504 outcome_unknown:\n"
      "a member that stopped answering may hold the packet, so it may still be delivered, at most once),\n"
      "4 not authorised, 5 certificate or receipt verification failed.");

  auto send = std::make_shared<ContractOptions>();
  auto* s = contract->add_subcommand("send", "Open a contract: send a first message; prints the route and its ids.");
  add_options(s, *send, cli, false);
  s->footer(
      "Examples:\n"
      "  mlchain contract send --edge https://127.0.0.1:7301 --from mlc:L2/L1a/E1/7f3c9a0b12d4e5f6 \\\n"
      "    --key app.pem --to mlc:L2/L1b/E3/00ab00cd00ef0011 --body offer.json --ttl 10m\n"
      "  prints one line per layer, e.g.\n"
      "    L2/L1a/E1  (source edge)\n"
      "    L2/L1a  L2/L1a#7  (node a1, height 42)\n"
      "    ...\n"
      "    receipt: delivered by L2/L1b/E3 at 2025-11-24T16:00:00.000Z, signature ok (edge key ...)\n"
      "    contract: L2/L1a#7,L2#3,L2/L1b#5");
  s->callback([send, &cli] { cli.exit_code = run_contract(*send, contract::PacketKind::kFirst, cli); });

  auto reply = std::make_shared<ContractOptions>();
  auto* r = contract->add_subcommand("reply", "Send a follow-up message on an open contract (either party).");
  add_options(r, *reply, cli, true);
  r->footer(
      "Examples:\n"
      "  mlchain contract reply --edge URL --from mlc:L2/L1b/E3/00ab00cd00ef0011 --secret-file b.secret \\\n"
      "    --to mlc:L2/L1a/E1/7f3c9a0b12d4e5f6 --contract L2/L1a#7,L2#3,L2/L1b#5 --message '{\"accept\":true}'");
  r->callback([reply, &cli] { cli.exit_code = run_contract(*reply, contract::PacketKind::kFollowUp, cli); });

  auto end = std::make_shared<ContractOptions>();
  auto* n = contract->add_subcommand("end", "Send the last message of a contract; no message may follow it.");
  add_options(n, *end, cli, true);
  n->footer(
      "Examples:\n"
      "  mlchain contract end --edge URL --from UUID --key app.pem --to UUID --contract L2/L1b#5,L2#3,L2/L1a#7 \\\n"
      "    --message '{\"done\":true}'");
  n->callback([end, &cli] { cli.exit_code = run_contract(*end, contract::PacketKind::kEnd, cli); });
}

}  // namespace mlchain::cli
