// mlchain object register|list|show|revoke|rotate-credential|send|fetch:
// the edge layer's registry (admin calls) and object traffic (as a device).
//
// Admin calls are signed with --admin-key (an admin key of the edge config);
// object calls with the object's own key (--key) or HMAC secret
// (--secret-file). See docs/edge-requests.md and docs/edge-node.md.
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "cli.h"
#include "mlchain/common/clock.h"
#include "mlchain/crypto/ed25519.h"
#include "mlchain/edge/ids.h"
#include "object_client.h"

namespace mlchain::cli {
namespace {

using Json = codec::Json;

struct EdgeOptions {
  std::string edge;
  std::string edge_key;
};

struct AdminOptions : EdgeOptions {
  std::string admin_key;
};

struct RegisterOptions : AdminOptions {
  std::string class_path;
  std::vector<std::string> perms;
  std::vector<std::string> statics;
  std::vector<std::string> functions;
  std::string description;
  std::string format;
  std::string pubkey;
  bool hmac = false;
  bool unsigned_ = false;
  std::string secret_out;
  bool force = false;
};

struct ListOptions : AdminOptions {
  std::string after;
  unsigned limit = 100;
};

struct ShowOptions : AdminOptions {
  std::string uuid;
  unsigned history = 10;
};

struct RevokeOptions : AdminOptions {
  std::string uuid;
};

struct RotateOptions : RegisterOptions {
  std::string uuid;
};

struct SendOptions : EdgeOptions {
  std::string uuid;
  std::string key;
  std::string secret_file;
  std::string data;
  std::string data_file;
  std::string to;
  std::uint64_t counter = 0;
};

struct FetchOptions : SendOptions {
  std::int64_t ack = -1;
  unsigned max = 10;
};

Result<std::string> read_file(const std::string& path, std::size_t max_bytes) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return invalid_argument("cannot read " + path + ": " + std::strerror(errno));
  std::ostringstream ss;
  ss << in.rdbuf();
  std::string data = ss.str();
  if (data.size() > max_bytes)
    return invalid_argument(path + " is larger than " + std::to_string(max_bytes) + " bytes");
  return data;
}

std::string trim(std::string s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.pop_back();
  std::size_t i = 0;
  while (i < s.size() && std::isspace(static_cast<unsigned char>(s[i]))) ++i;
  return s.substr(i);
}

Result<EdgeEndpoint> endpoint(const EdgeOptions& o) {
  EdgeEndpoint e{o.edge, std::nullopt};
  if (!o.edge_key.empty()) {
    auto k = crypto::PublicKey::from_hex(o.edge_key);
    if (!k.ok()) return k.status().with_context("--edge-key");
    e.server_key = *k;
  }
  return e;
}

Result<crypto::PrivateKey> admin_key(const AdminOptions& o) {
  auto k = crypto::PrivateKey::load_pem_file(o.admin_key);
  if (!k.ok()) return k.status().with_context("--admin-key");
  return k;
}

// A public key file: 64 hex characters, or a PEM private key file (its public half).
Result<crypto::PublicKey> public_key_file(const std::string& path) {
  MLCHAIN_ASSIGN_OR_RETURN(std::string text, read_file(path, 64 * 1024));
  std::string t = trim(text);
  if (t.size() == 64) return crypto::PublicKey::from_hex(t);
  auto k = crypto::PrivateKey::from_pem(text);
  if (!k.ok()) {
    return invalid_argument("--pubkey " + path + ": expected 64 hex characters or a key file from 'mlchain key gen'");
  }
  return k->public_key();
}

Result<Json> credential_json(const RegisterOptions& o) {
  int chosen = (!o.pubkey.empty() ? 1 : 0) + (o.hmac ? 1 : 0) + (o.unsigned_ ? 1 : 0);
  if (chosen != 1) return invalid_argument("choose exactly one credential: --pubkey FILE, --hmac or --unsigned");
  if (o.hmac) return Json{{"scheme", "hmac"}};
  if (o.unsigned_) return Json{{"scheme", "unsigned"}};
  MLCHAIN_ASSIGN_OR_RETURN(auto pk, public_key_file(o.pubkey));
  return Json{{"scheme", "ed25519"}, {"public_key", pk.hex()}};
}

// Prints (or writes to --secret-out) a secret shown once.
Status handle_secret(const RegisterOptions& o, Json& reply, const Cli& cli) {
  if (!reply.contains("secret")) return {};
  if (!o.secret_out.empty()) {
    MLCHAIN_TRY(crypto::write_file_atomic(o.secret_out, reply["secret"].get<std::string>() + "\n", 0600, o.force));
    reply.erase("secret");
    reply["secret_file"] = o.secret_out;
    cli.info("wrote the HMAC secret to " + o.secret_out + " (mode 0600); the edge node will never show it again");
  } else {
    cli.info("the HMAC secret is shown once: store it now (or use --secret-out FILE next time)");
  }
  return {};
}

void print_object_summary(const Cli& cli, const Json& reply) {
  const Json& obj = reply["object"];
  std::vector<std::pair<std::string, std::string>> rows = {
      {"uuid", obj.value("uuid", "")},
      {"class", obj.value("class", "")},
      {"credential", obj["credential"].value("scheme", "") + " (version " + obj["credential"]["version"].dump() + ")"}};
  if (reply.contains("secret")) rows.emplace_back("secret", reply["secret"].get<std::string>());
  if (reply.contains("secret_file")) rows.emplace_back("secret file", reply["secret_file"].get<std::string>());
  if (obj.value("revoked", false)) rows.emplace_back("revoked", "yes");
  cli.print_fields(rows);
}

int run_register(const RegisterOptions& o, const Cli& cli) {
  auto e = endpoint(o);
  if (!e.ok()) return cli.fail(e.status());
  auto key = admin_key(o);
  if (!key.ok()) return cli.fail(key.status());
  auto cred = credential_json(o);
  if (!cred.ok()) return cli.fail(cred.status());
  Json statics = Json::object();
  for (const auto& kv : o.statics) {
    // k=v is a string; k:=v is raw JSON (an integer or true/false).
    auto raw = kv.find(":=");
    auto eq = kv.find('=');
    if (raw != std::string::npos && raw < eq) {
      auto v = codec::parse(kv.substr(raw + 2));
      if (!v.ok()) return cli.fail(invalid_argument("--static " + kv + ": the value after := must be JSON"));
      statics[kv.substr(0, raw)] = *v;
    } else if (eq != std::string::npos && eq > 0) {
      statics[kv.substr(0, eq)] = kv.substr(eq + 1);
    } else {
      return cli.fail(invalid_argument("--static " + kv + ": expected NAME=TEXT or NAME:=JSON"));
    }
  }
  Json args = {{"class", o.class_path},    {"permissions", o.perms},       {"static", statics},
               {"functions", o.functions}, {"description", o.description}, {"credential", *cred}};
  if (!o.format.empty()) {
    auto text = read_file(o.format, 64 * 1024);
    if (!text.ok()) return cli.fail(text.status());
    auto f = codec::parse(*text);
    if (!f.ok()) return cli.fail(f.status().with_context("--format " + o.format));
    args["format"] = *f;
  }
  auto reply = admin_call(*e, *key, "register", args);
  if (!reply.ok()) return cli.fail(reply.status());
  if (Status st = handle_secret(o, *reply, cli); !st.ok()) return cli.fail(st);
  if (cli.json()) {
    Json out = {{"uuid", (*reply)["object"]["uuid"]}, {"object", (*reply)["object"]}};
    if (reply->contains("secret")) out["secret"] = (*reply)["secret"];
    if (reply->contains("secret_file")) out["secret_file"] = (*reply)["secret_file"];
    cli.print_json(out);
  } else {
    print_object_summary(cli, *reply);
  }
  return kExitOk;
}

int run_list(const ListOptions& o, const Cli& cli) {
  auto e = endpoint(o);
  if (!e.ok()) return cli.fail(e.status());
  auto key = admin_key(o);
  if (!key.ok()) return cli.fail(key.status());
  Json args = {{"limit", o.limit}};
  if (!o.after.empty()) args["after"] = o.after;
  auto reply = admin_call(*e, *key, "list", args);
  if (!reply.ok()) return cli.fail(reply.status());
  if (cli.json()) {
    cli.print_json(*reply);
    return kExitOk;
  }
  std::string text;
  for (const auto& obj : (*reply)["objects"]) {
    text += obj.value("uuid", "") + "  " + obj.value("class", "") + "  " + obj["credential"].value("scheme", "") +
            (obj.value("revoked", false) ? "  revoked" : "") + "\n";
  }
  if (text.empty()) text = "(no objects)\n";
  cli.print_text(text);
  if (!(*reply)["next"].is_null()) cli.info("more: --after " + (*reply)["next"].get<std::string>());
  return kExitOk;
}

std::string show_value(const Json& v) { return v.is_string() ? v.get<std::string>() : v.dump(); }

int run_show(const ShowOptions& o, const Cli& cli) {
  auto e = endpoint(o);
  if (!e.ok()) return cli.fail(e.status());
  auto key = admin_key(o);
  if (!key.ok()) return cli.fail(key.status());
  auto reply = admin_call(*e, *key, "show", {{"uuid", o.uuid}, {"history", o.history}});
  if (!reply.ok()) return cli.fail(reply.status());
  if (cli.json()) {
    cli.print_json(*reply);
    return kExitOk;
  }
  const Json& obj = (*reply)["object"];
  std::string perms;
  for (const auto& p : obj["permissions"]) perms += (perms.empty() ? "" : ", ") + p.get<std::string>();
  std::string functions;
  for (const auto& f : obj["functions"]) functions += (functions.empty() ? "" : ", ") + f.get<std::string>();
  std::vector<std::pair<std::string, std::string>> rows = {
      {"uuid", obj.value("uuid", "")},
      {"class", obj.value("class", "")},
      {"description", obj.value("description", "")},
      {"permissions", perms.empty() ? "none" : perms},
      {"functions", functions.empty() ? "none" : functions},
      {"credential", obj["credential"].value("scheme", "") + " (version " + obj["credential"]["version"].dump() + ")"},
      {"counter", obj["counter"].dump()},
      {"revoked", obj.value("revoked", false) ? "yes" : "no"},
      {"format", obj["format"].is_null() ? "none (any JSON object)" : "yes"},
      {"queued messages", (*reply)["queued"].dump()}};
  for (const auto& [k, v] : obj["static"].items()) rows.emplace_back("static " + k, show_value(v));
  for (const auto& [k, v] : obj["dynamic"].items()) {
    std::string at = v["time_ms"].is_number_integer() ? iso_time(v["time_ms"].get<std::int64_t>()) : v["time_ms"].dump();
    rows.emplace_back("dynamic " + k, show_value(v["value"]) + "  (at " + at + ")");
  }
  cli.print_fields(rows);
  const Json& history = (*reply)["history"];
  if (!history.empty()) {
    std::string text = "history (oldest first):\n";
    for (const auto& h : history)
      text += "  " + (h["time_ms"].is_number_integer() ? iso_time(h["time_ms"].get<std::int64_t>()) : h["time_ms"].dump()) +
              "  #" + h["counter"].dump() + "  " + h["data"].dump() + "\n";
    cli.print_text(text);
  }
  return kExitOk;
}

int run_revoke(const RevokeOptions& o, const Cli& cli) {
  auto e = endpoint(o);
  if (!e.ok()) return cli.fail(e.status());
  auto key = admin_key(o);
  if (!key.ok()) return cli.fail(key.status());
  auto reply = admin_call(*e, *key, "revoke", {{"uuid", o.uuid}});
  if (!reply.ok()) return cli.fail(reply.status());
  if (cli.json())
    cli.print_json(*reply);
  else
    print_object_summary(cli, *reply);
  return kExitOk;
}

int run_rotate(const RotateOptions& o, const Cli& cli) {
  auto e = endpoint(o);
  if (!e.ok()) return cli.fail(e.status());
  auto key = admin_key(o);
  if (!key.ok()) return cli.fail(key.status());
  auto cred = credential_json(o);
  if (!cred.ok()) return cli.fail(cred.status());
  auto reply = admin_call(*e, *key, "rotate", {{"uuid", o.uuid}, {"credential", *cred}});
  if (!reply.ok()) return cli.fail(reply.status());
  if (Status st = handle_secret(o, *reply, cli); !st.ok()) return cli.fail(st);
  if (cli.json())
    cli.print_json(*reply);
  else
    print_object_summary(cli, *reply);
  return kExitOk;
}

Result<ObjectCredential> object_credential(const SendOptions& o) {
  if (!o.key.empty() && !o.secret_file.empty()) return invalid_argument("give --key or --secret-file, not both");
  ObjectCredential c;
  if (!o.key.empty()) {
    auto k = crypto::PrivateKey::load_pem_file(o.key);
    if (!k.ok()) return k.status().with_context("--key");
    c.key = std::move(*k);
  } else if (!o.secret_file.empty()) {
    MLCHAIN_ASSIGN_OR_RETURN(auto text, read_file(o.secret_file, 1024));
    auto s = from_hex(trim(text));
    if (!s.ok() || s->size() != 32)
      return invalid_argument("--secret-file " + o.secret_file + ": expected 64 hex characters");
    c.secret = std::move(*s);
  }
  return c;
}

std::uint64_t counter_for(const SendOptions& o) {
  if (o.counter != 0) return o.counter;
  // Stateless default: the clock in microseconds only grows (docs/edge-requests.md).
  return static_cast<std::uint64_t>(SystemClock().now().time_since_epoch().count());
}

int run_send(const SendOptions& o, const Cli& cli) {
  auto e = endpoint(o);
  if (!e.ok()) return cli.fail(e.status());
  auto cred = object_credential(o);
  if (!cred.ok()) return cli.fail(cred.status());
  if (o.data.empty() == o.data_file.empty())
    return cli.fail(invalid_argument("give exactly one of --data JSON or --data-file FILE"));
  std::string data = o.data;
  if (!o.data_file.empty()) {
    auto text = read_file(o.data_file, edge::kMaxRequestBodyBytes);
    if (!text.ok()) return cli.fail(text.status());
    data = trim(*text);
  }
  auto parsed = codec::parse(data);
  if (!parsed.ok()) return cli.fail(parsed.status().with_context("--data"));
  edge::Action action = edge::Action::kUpload;
  std::string body = data;
  if (!o.to.empty()) {
    action = edge::Action::kSend;
    body = Json{{"to", o.to}, {"body", *parsed}}.dump();
  }
  auto reply = object_call(*e, action, o.uuid, counter_for(o), body, *cred);
  if (!reply.ok()) return cli.fail(reply.status());
  if (cli.json()) {
    cli.print_json(*reply);
  } else if (action == edge::Action::kUpload) {
    cli.print_fields({{"accepted", "yes"}, {"counter", (*reply)["counter"].dump()}, {"seq", (*reply)["seq"].dump()}});
  } else {
    cli.print_fields({{"queued", "yes"}, {"to", (*reply)["to"].get<std::string>()}, {"seq", (*reply)["seq"].dump()}});
  }
  return kExitOk;
}

int run_fetch(const FetchOptions& o, const Cli& cli) {
  auto e = endpoint(o);
  if (!e.ok()) return cli.fail(e.status());
  auto cred = object_credential(o);
  if (!cred.ok()) return cli.fail(cred.status());
  Json body = {{"max", o.max}};
  if (o.ack >= 0) body["ack"] = o.ack;
  auto reply = object_call(*e, edge::Action::kFetch, o.uuid, counter_for(o), body.dump(), *cred);
  if (!reply.ok()) return cli.fail(reply.status());
  if (cli.json()) {
    cli.print_json(*reply);
    return kExitOk;
  }
  std::string text;
  for (const auto& m : (*reply)["messages"]) {
    std::string at = m["time_ms"].is_number_integer() ? iso_time(m["time_ms"].get<std::int64_t>()) : m["time_ms"].dump();
    text += "#" + m["seq"].dump() + "  from " + m.value("from", "") + "  at " + at + "  " + m["body"].dump() + "\n";
    // A contract message: its ids are what contract reply|end --contract takes.
    if (m.contains("contract") && m["contract"].is_object() && m["contract"].contains("ids") &&
        m["contract"]["ids"].is_array()) {
      std::string ids;
      for (const auto& id : m["contract"]["ids"])
        if (id.is_string()) ids += (ids.empty() ? "" : ",") + id.get<std::string>();
      text += "    contract (" + m["contract"].value("kind", "?") + "): --contract " + ids + "\n";
    }
  }
  cli.print_text(text.empty() ? "(no messages)\n" : text);
  cli.info((*reply)["pending"].dump() + " message(s) pending; acknowledge with --ack <last seq>");
  return kExitOk;
}

void add_edge_options(CLI::App* cmd, EdgeOptions& o) {
  cmd->add_option("--edge", o.edge, "The edge node, https://host:port.")
      ->required()
      ->envname("MLCHAIN_EDGE")
      ->type_name("URL");
  cmd->add_option("--edge-key", o.edge_key, "Pin the edge node's public key (64 hex; see GET /v1/edge).")
      ->type_name("HEX");
}

void add_admin_options(CLI::App* cmd, AdminOptions& o, Cli& cli) {
  add_edge_options(cmd, o);
  cli.file(
      cmd->add_option("--admin-key", o.admin_key, "Admin key file (mlchain key gen) listed in the edge's admin_keys.")
          ->required()
          ->envname("MLCHAIN_ADMIN_KEY")
          ->type_name("FILE"));
}

void add_credential_options(CLI::App* cmd, RegisterOptions& o, Cli& cli) {
  auto* pub =
      cli.file(cmd->add_option("--pubkey", o.pubkey, "Ed25519: the object's public key (64 hex, or its key file).")
                   ->type_name("FILE"));
  auto* hmac = cmd->add_flag("--hmac", o.hmac, "HMAC-SHA256: the edge issues a secret, shown once.");
  auto* uns = cmd->add_flag("--unsigned", o.unsigned_, "No credential (only if the edge's policy allows it).");
  pub->excludes(hmac)->excludes(uns);
  hmac->excludes(uns);
  cli.file(cmd->add_option("--secret-out", o.secret_out, "Write the HMAC secret to FILE (mode 0600) instead of stdout.")
               ->type_name("FILE"));
  cmd->add_flag("--force", o.force, "Replace an existing --secret-out file.");
}

void add_object_auth_options(CLI::App* cmd, SendOptions& o, Cli& cli) {
  add_edge_options(cmd, o);
  cmd->add_option("--uuid", o.uuid, "The object's UUID (mlc:<layer>/<id>).")->required()->type_name("UUID");
  cli.file(cmd->add_option("--key", o.key, "Ed25519 objects: the object's key file.")->type_name("FILE"));
  cli.file(cmd->add_option("--secret-file", o.secret_file,
                           "HMAC objects: file holding the secret in hex. Neither option: an unsigned object.")
               ->type_name("FILE"));
  cmd->add_option("--counter", o.counter, "Request counter (default: the clock in microseconds).")->type_name("N");
}

}  // namespace

void setup_object(CLI::App& app, Cli& cli) {
  auto* object = app.add_subcommand("object", "Register and manage an edge layer's objects; act as an object.");
  object->require_subcommand(1);

  auto reg = std::make_shared<RegisterOptions>();
  auto* r = object->add_subcommand("register",
                                   "Register an object with an edge node; prints its UUID (and HMAC secret, once).");
  add_admin_options(r, *reg, cli);
  r->add_option("--class", reg->class_path, "Class path, e.g. Device/Sensor/Thermometer/Acme.")
      ->required()
      ->type_name("PATH");
  r->add_option("--perm", reg->perms,
                "Permission (repeatable; all of them: docs/edge-requests.md, Permissions):\n"
                "  upload                 send data points (object upload)\n"
                "  contract               contract messages to objects of other edge layers\n"
                "  talk:*                 messages to any object of this edge layer\n"
                "  talk:mlc:<layer>/<id>  messages to that one object (its UUID)\n"
                "  talk:class:<path>      messages to objects of that class or below it")
      ->type_name("PERM");
  r->add_option("--static", reg->statics, "Static property NAME=TEXT or NAME:=JSON (repeatable).")->type_name("KV");
  r->add_option("--function", reg->functions, "A function the object offers (repeatable).")->type_name("NAME");
  r->add_option("--description", reg->description, "Free text about the object.")->type_name("TEXT");
  cli.file(r->add_option("--format", reg->format, "Format document (JSON schema subset) its uploads must follow.")
               ->type_name("FILE"));
  add_credential_options(r, *reg, cli);
  r->footer(
      "Examples:\n"
      "  mlchain object register --edge https://127.0.0.1:7301 --admin-key admin.pem \\\n"
      "    --class Device/Sensor/Thermometer/Acme --perm upload --format thermo.json --hmac --secret-out t1.secret\n"
      "  mlchain object register --edge URL --admin-key admin.pem --class Device/Actuator/Valve --pubkey valve.pem");
  r->callback([reg, &cli] { cli.exit_code = run_register(*reg, cli); });

  auto list = std::make_shared<ListOptions>();
  auto* l = object->add_subcommand("list", "List the objects of an edge layer.");
  add_admin_options(l, *list, cli);
  l->add_option("--after", list->after, "Start after this UUID (paging).")->type_name("UUID");
  l->add_option("--limit", list->limit, "At most this many (1..1000).")
      ->check(CLI::Range(1, 1000))
      ->capture_default_str();
  l->footer(
      "Examples:\n"
      "  mlchain object list --edge https://127.0.0.1:7301 --admin-key admin.pem\n"
      "  mlchain object list --edge URL --admin-key admin.pem --after LAST_UUID --limit 100   # the next page\n"
      "  mlchain object list --edge URL --admin-key admin.pem -o json | jq -r '.objects[].uuid'");
  l->callback([list, &cli] { cli.exit_code = run_list(*list, cli); });

  auto show = std::make_shared<ShowOptions>();
  auto* s = object->add_subcommand("show", "Show one object: identity, state, recent data points.");
  s->add_option("uuid", show->uuid, "The object's UUID.")->required()->type_name("UUID");
  add_admin_options(s, *show, cli);
  s->add_option("--history", show->history, "Recent data points to show (0..1000).")
      ->check(CLI::Range(0, 1000))
      ->capture_default_str();
  s->footer(
      "Examples:\n"
      "  mlchain object show mlc:L2/L1a/E1/7f3c9a0b12d4e5f6 --edge https://127.0.0.1:7301 --admin-key admin.pem\n"
      "  mlchain object show UUID --edge URL --admin-key admin.pem --history 20 -o json\n"
      "Times are printed in UTC (ISO 8601); JSON output keeps unix milliseconds.");
  s->callback([show, &cli] { cli.exit_code = run_show(*show, cli); });

  auto revoke = std::make_shared<RevokeOptions>();
  auto* v = object->add_subcommand("revoke", "Revoke an object for good: its requests are refused from now on.");
  v->add_option("uuid", revoke->uuid, "The object's UUID.")->required()->type_name("UUID");
  add_admin_options(v, *revoke, cli);
  v->footer(
      "Example:\n"
      "  mlchain object revoke mlc:L2/L1a/E1/7f3c9a0b12d4e5f6 --edge https://127.0.0.1:7301 --admin-key admin.pem\n"
      "There is no undo: register a new object instead.");
  v->callback([revoke, &cli] { cli.exit_code = run_revoke(*revoke, cli); });

  auto rotate = std::make_shared<RotateOptions>();
  auto* t =
      object->add_subcommand("rotate-credential", "Give an object a new key or secret; the old one stops working.");
  t->add_option("uuid", rotate->uuid, "The object's UUID.")->required()->type_name("UUID");
  add_admin_options(t, *rotate, cli);
  add_credential_options(t, *rotate, cli);
  t->footer(
      "Examples:\n"
      "  mlchain object rotate-credential UUID --edge URL --admin-key admin.pem --hmac --secret-out t1.secret\n"
      "  mlchain object rotate-credential UUID --edge URL --admin-key admin.pem --pubkey new-valve.pem");
  t->callback([rotate, &cli] { cli.exit_code = run_rotate(*rotate, cli); });

  auto send = std::make_shared<SendOptions>();
  auto* d = object->add_subcommand("send", "Act as an object: upload a data point, or with --to send a message.");
  add_object_auth_options(d, *send, cli);
  d->add_option("--data", send->data, "The data point or message, JSON.")->type_name("JSON");
  cli.file(d->add_option("--data-file", send->data_file, "Read the JSON from FILE.")->type_name("FILE"));
  d->add_option("--to", send->to, "Send a message to this object (relayed by the edge node).")->type_name("UUID");
  d->footer(
      "Examples:\n"
      "  mlchain object send --edge URL --uuid mlc:L2/L1a/E1/7f3c9a0b12d4e5f6 --secret-file t1.secret --data "
      "'{\"temp_cC\":2137}'\n"
      "  mlchain object send --edge URL --uuid UUID --key app.pem --to VALVE_UUID --data '{\"open\":true}'");
  d->callback([send, &cli] { cli.exit_code = run_send(*send, cli); });

  auto fetch = std::make_shared<FetchOptions>();
  auto* f = object->add_subcommand("fetch", "Act as an object: fetch queued messages (and acknowledge older ones).");
  add_object_auth_options(f, *fetch, cli);
  f->add_option("--ack", fetch->ack, "Remove messages up to this seq before fetching.")->type_name("SEQ");
  f->add_option("--max", fetch->max, "At most this many messages (1..100).")
      ->check(CLI::Range(1, 100))
      ->capture_default_str();
  f->footer(
      "Examples:\n"
      "  mlchain object fetch --edge https://127.0.0.1:7301 --uuid UUID --key app.pem\n"
      "  mlchain object fetch --edge URL --uuid UUID --secret-file t1.secret --ack 12 --max 50   # drop 1..12 first");
  f->callback([fetch, &cli] { cli.exit_code = run_fetch(*fetch, cli); });
}

}  // namespace mlchain::cli
