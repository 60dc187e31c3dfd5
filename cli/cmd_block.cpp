// mlchain block query|verify: read a block from a layer and prove it.
//
// query fetches the block named by its id ("<layer path>#<height>") from a
// member; with --proof it assembles the proof (contract/proof.h) from
// blocks the member serves — the genesis block (its blueprint), the k-block
// window before every epoch switch below the target (found by binary search
// on the certificates' epochs) and the target — and checks it locally
// against the layer's genesis before printing or saving it. verify checks a
// saved proof offline against a genesis hash the user trusts: exit 5 on any
// mismatch.
#include <filesystem>
#include <fstream>
#include <sstream>

#include "cli.h"
#include "mlchain/codec/fields.h"
#include "mlchain/contract/packet.h"
#include "mlchain/contract/proof.h"
#include "mlchain/contract/state_machine.h"
#include "mlchain/crypto/ed25519.h"
#include "mlchain/ledger/block.h"
#include "mlchain/net/https_client.h"
#include "mlchain/node/genesis_file.h"
#include "mlchain/node/signed_op.h"
#include "mlchain/relay/contract_service.h"
#include "block_client.h"
#include "node_client.h"

namespace mlchain::cli {
namespace {

struct BlockQueryOptions {
  std::string id;
  std::string node;
  bool proof = false;
  std::string out;
  std::vector<std::size_t> ops;
  bool chain = false;
  std::string key;
  std::string genesis;
};

struct BlockCleanupOptions {
  std::string node;
  std::string admin_key;
};

struct BlockVerifyOptions {
  std::string file;
  std::string genesis;
};

struct BlockId {
  std::string layer;
  std::uint64_t height = 0;
};

Result<BlockId> parse_id(const std::string& id) {
  auto hash = id.rfind('#');
  if (hash == std::string::npos || hash == 0 || hash + 1 == id.size())
    return invalid_argument("a block id is <layer path>#<height>, e.g. L2/L1a#12; got '" + id + "'");
  std::string h = id.substr(hash + 1);
  if (h.size() > 19 || h.find_first_not_of("0123456789") != std::string::npos)
    return invalid_argument("the height in '" + id + "' is not a number");
  return BlockId{id.substr(0, hash), std::stoull(h)};
}

codec::Json verified_json(const contract::VerifiedProof& v) {
  codec::Json ops = codec::Json::array();
  for (std::size_t i = 0; i < v.ops.size(); ++i) {
    const auto& r = v.ops[i];
    std::string result = i < v.results.size() ? to_string(v.results[i]) : "";
    ops.push_back({{"client", r.client}, {"id", r.id}, {"bytes", r.op.size()}, {"result", result},
                   {"accepted", result.rfind("error", 0) != 0}});
  }
  codec::Json boundaries = codec::Json::array();
  for (auto b : v.switch_boundaries) boundaries.push_back(b);
  return {{"layer", v.layer_path},        {"genesis_hash", v.genesis_hash},
          {"height", v.height},           {"epoch", v.epoch},
          {"block_hash", v.block_hash},   {"time_ms", v.time_ms},
          {"prev_hash", v.prev_hash},     {"attested_by", v.attested_by},
          {"epoch_switches", boundaries}, {"ops", ops}};
}

int run_chain_query(const BlockQueryOptions& o, const Cli& cli) {
  auto id = parse_id(o.id);
  if (!id.ok()) return cli.fail(id.status());
  auto layer = node_request(o.node, "GET", "/v1/layer", {}, std::chrono::milliseconds(10'000));
  if (!layer.ok()) return cli.fail(layer.status());
  if (layer->value("layer", "") != id->layer) {
    return cli.fail(invalid_argument("block " + o.id + " belongs to layer " + id->layer + ", but " + o.node +
                                     " is a member of " + layer->value("layer", "") + "; ask a member of " +
                                     id->layer));
  }
  auto src = BlockSource::open(o.node);
  if (!src.ok()) return cli.fail(src.status());
  auto block = src->block(id->height);
  if (!block.ok()) return cli.fail(block.status());
  if (!o.proof) {
    auto parsed = ledger::block_from_json(*block);
    if (!parsed.ok()) return cli.fail(parsed.status());
    codec::Json out = {{"id", o.id}, {"block", *block}, {"hash", crypto::digest_hex(parsed->hash())}};
    if (cli.json()) {
      cli.print_json(out);
    } else {
      cli.print_fields({{"block", o.id},
                        {"hash", crypto::digest_hex(parsed->hash())},
                        {"time", iso_time(parsed->time_ms)},
                        {"operations", std::to_string(parsed->ops.size())},
                        {"certificate", "epoch " + std::to_string(parsed->certificate.epoch) + ", view " +
                                            std::to_string(parsed->certificate.view) + ", " +
                                            std::to_string(parsed->certificate.signatures.size()) + " signatures"}});
    }
    return kExitOk;
  }
  auto proof = assemble_proof(*src, id->height, o.ops);
  if (!proof.ok()) return cli.fail(proof.status());
  std::string text = proof->dump();
  crypto::Ed25519Verifier verifier;
  // Checked against the genesis the member reports unless the user gives
  // one they trust: then the check only shows the proof is consistent with
  // what that member says, and the output says so.
  std::string genesis = o.genesis.empty() ? layer->value("genesis_hash", "") : o.genesis;
  auto verified = contract::verify_proof(text, genesis, verifier);
  if (!verified.ok())
    return cli.fail(verified.status().with_context("the proof " + o.node + " served does not verify"));
  if (!o.out.empty()) {
    Status st = crypto::write_file_atomic(o.out, text + "\n", 0644, true);
    if (!st.ok()) return cli.fail(st);
  }
  const std::string trust = o.genesis.empty() ? "as reported by " + o.node + " (give --genesis HASH you trust to prove it)"
                                              : "given with --genesis";
  if (cli.json()) {
    codec::Json out = {{"id", o.id}, {"verified", verified_json(*verified)}, {"genesis_hash", genesis},
                       {"genesis_trusted", !o.genesis.empty()}};
    if (o.out.empty())
      out["proof"] = *proof;
    else
      out["file"] = o.out;
    cli.print_json(out);
  } else {
    std::size_t refused = 0;
    for (const auto& r : verified->results) refused += to_string(r).rfind("error", 0) == 0 ? 1u : 0u;
    cli.print_fields({{"block", o.id},
                      {"hash", verified->block_hash + " (attested by " + std::to_string(verified->attested_by) +
                                   " members)"},
                      {"genesis", genesis.substr(0, 16) + ".. " + trust},
                      {"epoch", std::to_string(verified->epoch) + " (" +
                                    std::to_string(verified->switch_boundaries.size()) + " epoch switches proven)"},
                      {"operations", std::to_string(verified->ops.size()) + " proven, " + std::to_string(refused) +
                                         " of them refused by the layer (their result is an error)"},
                      {"proof", o.out.empty() ? "not saved (use --out FILE)" : o.out},
                      {"check offline", "mlchain block verify " + (o.out.empty() ? std::string("FILE") : o.out) +
                                            " --genesis " + genesis}});
  }
  return kExitOk;
}

// ---- contract blocks ----

int run_contract_query(const BlockQueryOptions& o, const Cli& cli) {
  auto id = contract::parse_block_id(o.id);
  if (!id.ok())
    return cli.fail(invalid_argument("a contract block id is <layer path>#<seq>, e.g. L2/L1a#3; got '" + o.id + "'"));
  // `L2/L1a#20` without --chain names contract block 20; node join, node
  // status and /v1/blocks count chain blocks with the same '#' form, so a
  // missing key or an unknown contract block says how to ask for the other.
  std::string chain_hint = "without --chain, " + o.id + " names contract block " + std::to_string(id->seq) + " of " +
                           id->layer + "; for chain block " + std::to_string(id->seq) +
                           " (a height, as node join or node status print it) add --chain: mlchain block query " +
                           o.id + " --chain --node " + o.node;
  if (o.key.empty())
    return cli.fail(invalid_argument(
                        "a contract query is signed: give --key FILE (a member, admin or party edge key; or MLCHAIN_KEY)"),
                    chain_hint);
  auto key = crypto::PrivateKey::load_pem_file(o.key);
  if (!key.ok()) return cli.fail(key.status().with_context("--key"));
  auto got = fetch_contract(o.node, o.id, *id, *key);
  if (!got.ok()) return cli.fail(got.status(), got.status().code() == ErrorCode::kNotFound ? chain_hint : std::string());
  const codec::Json& a = got->answer;
  if (a.value("state", "") == "pruned") {
    if (cli.json()) {
      cli.print_json(a);
    } else {
      cli.print_fields(
          {{"contract block", o.id}, {"state", "pruned at chain height " + std::to_string(a.value("pruned_at", 0))}});
    }
    return kExitOk;
  }
  std::string genesis = o.genesis.empty() ? got->genesis : o.genesis;
  std::vector<contract::VerifiedProof> verified;
  codec::Json bundle;
  if (o.proof) {
    auto proofs = contract_proofs(got->member, a, genesis, &verified);
    if (!proofs.ok()) {
      Status st = proofs.status();
      return cli.fail(st.code() == ErrorCode::kVerificationFailed ? st : st.with_context("building the proofs"));
    }
    bundle = {
        {"v", 1}, {"type", "mlchain-contract-proof"}, {"id", o.id}, {"contract", a["block"]}, {"proofs", *proofs}};
    crypto::Ed25519Verifier verifier;
    auto whole = contract::verify_contract_proof(bundle.dump(), genesis, verifier);
    if (!whole.ok()) return cli.fail(whole.status().with_context("the contract proof " + got->member + " served does not verify"));
    if (!o.out.empty()) {
      Status st = crypto::write_file_atomic(o.out, bundle.dump() + "\n", 0644, true);
      if (!st.ok()) return cli.fail(st);
    }
  }
  if (cli.json()) {
    codec::Json out = a;
    if (o.proof) {
      codec::Json v = codec::Json::array();
      for (const auto& x : verified) v.push_back(verified_json(x));
      out["verified"] = v;
      out["genesis_hash"] = genesis;
      out["genesis_trusted"] = !o.genesis.empty();
      if (o.out.empty())
        out["proof"] = bundle;
      else
        out["file"] = o.out;
    }
    cli.print_json(out);
    return kExitOk;
  }
  const codec::Json& b = a["block"];
  std::vector<std::pair<std::string, std::string>> rows = {
      {"contract block", o.id},
      {"state", b.value("accomplished", false) ? "accomplished" : "open"},
      {"parties", b["parties"].value("from", "") + " -> " + b["parties"].value("to", "")},
      {"route", b["route"].value("prev", "") + " -> " + id->layer + " -> " + b["route"].value("next", "")},
      {"expires at", iso_time(b.value("expires_at", std::int64_t{0})) + " (block time)"},
      {"responsible", b.value("responsible", "").substr(0, 16)}};
  std::size_t i = 0;
  for (const auto& k : b.value("K", codec::Json::array())) {
    rows.emplace_back("message " + std::to_string(++i), "sum " + k.value("sum", "").substr(0, 16) + "..  time " +
                                                            iso_time(k.value("time", std::int64_t{0})) +
                                                            "  chain block " + id->layer + "#" +
                                                            std::to_string(k.value("height", 0)));
  }
  if (o.proof) {
    rows.emplace_back("proofs", "the record and its " + std::to_string(verified.size()) +
                                    " chain blocks verify against genesis " + genesis.substr(0, 16) + ".. " +
                                    (o.genesis.empty() ? "as reported by " + got->member +
                                                             " (give --genesis HASH you trust to prove it)"
                                                       : std::string("given with --genesis")));
    rows.emplace_back("saved", o.out.empty() ? "no (use --out FILE)" : o.out);
    if (!o.out.empty()) rows.emplace_back("check offline", "mlchain block verify " + o.out + " --genesis " + genesis);
  }
  cli.print_fields(rows);
  return kExitOk;
}

// --genesis takes the hash (64 hex) or the layer's genesis.json (its hash is
// then the file's, checked against the blueprint it embeds).
Result<std::string> genesis_argument(const std::string& arg) {
  if (arg.empty() || (arg.size() == 64 && arg.find_first_not_of("0123456789abcdef") == std::string::npos)) return arg;
  std::error_code ec;
  if (std::filesystem::is_regular_file(arg, ec)) {
    auto g = node::load_genesis_file(arg);
    if (!g.ok()) return g.status().with_context("--genesis " + arg);
    return g->hash_hex;
  }
  return invalid_argument("--genesis takes the layer's genesis hash (64 lower-case hex characters) or its genesis.json; '" +
                          arg.substr(0, 80) + "' is neither");
}

constexpr const char* kGenesisHint = "e.g. --genesis $(jq -r .genesis_hash genesis.json), or --genesis genesis.json";

int run_query(const BlockQueryOptions& given, const Cli& cli) {
  BlockQueryOptions o = given;
  auto g = genesis_argument(o.genesis);
  if (!g.ok()) return cli.fail(g.status(), kGenesisHint);
  o.genesis = *g;
  return o.chain ? run_chain_query(o, cli) : run_contract_query(o, cli);
}

int run_cleanup(const BlockCleanupOptions& o, const Cli& cli) {
  auto admin = crypto::PrivateKey::load_pem_file(o.admin_key);
  if (!admin.ok()) return cli.fail(admin.status().with_context("admin key " + o.admin_key));
  auto layer = node_request(o.node, "GET", "/v1/layer", {}, std::chrono::milliseconds(10'000));
  if (!layer.ok()) return cli.fail(layer.status());
  auto id = node::next_op_id();
  auto op = node::sign_op(*admin, layer->value("genesis_hash", ""), id, contract::prune_op_text());
  auto answer = node_request(o.node, "POST", "/v1/ops", node::to_json(op).dump(), std::chrono::milliseconds(30'000));
  if (!answer.ok()) return cli.fail(answer.status(), "block cleanup is ordered with an admin key of the layer");
  std::string result = answer->value("result", "");
  if (result.rfind("ok: pruned ", 0) != 0)
    return cli.fail(failed_precondition("the layer refused the prune: " + result));
  std::string n = result.substr(11);
  codec::Json out = {{"layer", layer->value("layer", "")},
                     {"pruned", std::stoull(n)},
                     {"height", answer->value("height", 0)},
                     {"block", answer->value("block", "")}};
  if (cli.json()) {
    cli.print_json(out);
  } else {
    cli.print_fields({{"layer", layer->value("layer", "")},
                      {"pruned", n + " expired contract blocks (block time decides)"},
                      {"ordered in", answer->value("block", "")}});
  }
  return kExitOk;
}

int run_verify(const BlockVerifyOptions& given, const Cli& cli) {
  BlockVerifyOptions o = given;
  auto g = genesis_argument(o.genesis);
  if (!g.ok()) return cli.fail(g.status(), kGenesisHint);
  o.genesis = *g;
  std::ifstream in(o.file, std::ios::binary);
  if (!in) return cli.fail(invalid_argument("cannot read " + o.file));
  std::ostringstream ss;
  ss << in.rdbuf();
  std::string text = ss.str();
  if (text.size() > contract::kMaxProofBytes)
    return cli.fail(invalid_argument(o.file + " is larger than a proof may be"));
  // Accept the proof itself or `block query --proof -o json` output.
  auto j = codec::parse(text, codec::ParseLimits{contract::kMaxProofBytes, 64, 16u << 20, 10'000'000});
  if (j.ok() && j->is_object() && j->contains("proof") && !j->contains("blueprint")) {
    *j = (*j)["proof"];
    text = j->dump();
  }
  crypto::Ed25519Verifier verifier;
  // string_or_empty: nlohmann's value() throws on a "type" that is not a
  // string, which ended `block verify` with a raw json.exception (exit 1).
  if (j.ok() && codec::string_or_empty(*j, "type") == "mlchain-contract-proof") {
    auto c = contract::verify_contract_proof(text, o.genesis, verifier);
    if (!c.ok()) {
      Status st = c.status();
      if (st.code() == ErrorCode::kInvalidArgument) st = verification_failed("not a valid proof: " + st.message());
      return cli.fail(st);
    }
    std::size_t messages = c->contract.value("K", codec::Json::array()).size();
    if (cli.json()) {
      codec::Json v = codec::Json::array();
      for (const auto& x : c->proofs) v.push_back(verified_json(x));
      cli.print_json({{"valid", true}, {"id", c->id}, {"messages", messages}, {"as_of_height", c->as_of},
                      {"contract", c->contract}, {"verified", v}});
    } else {
      const auto& b = c->contract;
      cli.print_fields({{"valid", "yes: contract block " + c->id + " as recorded by layer " + c->layer_path +
                                      " after its last message (chain block " + std::to_string(c->as_of) + ")"},
                        {"state", b.value("accomplished", false) ? "accomplished" : "open"},
                        {"parties", b["parties"].value("from", "") + " -> " + b["parties"].value("to", "")},
                        {"messages", std::to_string(messages) + ", each accepted in a proven chain block"},
                        {"genesis", o.genesis},
                        {"chain blocks", std::to_string(c->proofs.size()) + " proven"}});
    }
    return kExitOk;
  }
  auto v = contract::verify_proof(text, o.genesis, verifier);
  if (!v.ok()) {
    Status st = v.status();
    if (st.code() == ErrorCode::kInvalidArgument) st = verification_failed("not a valid proof: " + st.message());
    return cli.fail(st);
  }
  if (cli.json()) {
    codec::Json out = verified_json(*v);
    out["valid"] = true;
    cli.print_json(out);
  } else {
    cli.print_fields({{"valid", "yes: block " + v->layer_path + "#" + std::to_string(v->height) +
                                    " is certified by layer " + v->layer_path},
                      {"genesis", v->genesis_hash},
                      {"block hash", v->block_hash},
                      {"epoch", std::to_string(v->epoch)},
                      {"operations", std::to_string(v->ops.size()) + " included"}});
  }
  return kExitOk;
}

}  // namespace

void setup_block(CLI::App& app, Cli& cli) {
  auto* block =
      app.add_subcommand("block", "Contract blocks and chain blocks: query, prove, verify offline, clean up.");
  block->require_subcommand(1);

  auto qo = std::make_shared<BlockQueryOptions>();
  auto* query =
      block->add_subcommand("query", "Show a contract block (or, with --chain, a chain block); --proof proves it.");
  query->add_option("id", qo->id, "Contract block id <layer path>#<seq> (e.g. L2/L1a#3), as contract send prints it;\nwith --chain, chain block <layer path>#<height>.")
      ->required()
      ->type_name("ID");
  query->add_option("--node", qo->node, "Any node of the tree, https://host:port; the id's layer is found from it.")
      ->required()
      ->envname("MLCHAIN_NODE")
      ->type_name("URL");
  cli.file(query->add_option("--key", qo->key, "Key that signs the query: a member, an admin or a party's edge key.")
               ->envname("MLCHAIN_KEY")
               ->type_name("FILE"));
  query->add_flag("--chain", qo->chain, "ID names a chain block <layer path>#<height> instead (no key needed).");
  query->add_flag("--proof", qo->proof,
                  "Build the proof (genesis, epoch switches, certificate, inclusion) and check it.");
  cli.file(
      query->add_option("--out", qo->out, "Save the proof to FILE (for mlchain block verify).")->type_name("FILE"));
  query
      ->add_option("--genesis", qo->genesis,
                   "Check proofs against this genesis hash or genesis.json (from a source you trust) instead of\nthe one the member reports; without it the output says it only matched the member's own claim.")
      ->type_name("HASH|FILE");
  query->add_option("--op", qo->ops, "With --chain: prove only these operation indices (repeatable; default all).")
      ->type_name("N");
  query->footer(
      "A contract block records one contract at one layer: parties (pseudonyms), route hop and the\n"
      "sum of every message. Reading it needs a signed query (--key): members and admins of that\n"
      "layer and the parties' edge layers may. With --proof every message's chain block is proven\n"
      "(commit certificate, epoch switches, f+1 attestations of the header, results) and so is the\n"
      "record itself (its digest is in the result of its last message); checked here before printing\n"
      "or saving, against --genesis if given, else against the genesis the member reports (said so);\n"
      "anyone can re-check the saved file offline with block verify. Exit 4 when not authorised.\n"
      "Examples:\n"
      "  mlchain block query L2/L1a#3 --node https://127.0.0.1:7101 --key admin.pem --proof --out c3.proof\n"
      "  mlchain block query L2/L1a#12 --chain --node https://127.0.0.1:7101 --proof --out b12.proof");
  query->callback([qo, &cli] { cli.exit_code = run_query(*qo, cli); });

  auto vo = std::make_shared<BlockVerifyOptions>();
  auto* verify = block->add_subcommand("verify", "Check a saved block proof offline against a genesis hash you trust.");
  cli.file(verify->add_option("file", vo->file, "The proof (block query --proof --out FILE): contract or chain block.")
               ->required()
               ->type_name("FILE"));
  verify->add_option("--genesis", vo->genesis,
                     "The layer's genesis hash (64 hex) or its genesis.json, from a source you trust.")
      ->required()
      ->type_name("HASH|FILE");
  verify->footer(
      "Checks, with no network: the blueprint hashes to --genesis; every epoch switch up to the\n"
      "block is certified by the previous members and recomputes to the next member set; the block\n"
      "carries a commit certificate of a quorum of its epoch and an attestation of its whole header\n"
      "(prev_hash, time, results digest) by f+1 members; the results match the header; the named\n"
      "operations are in it, each with the layer's result. For a contract block: every message was\n"
      "ACCEPTED into it by a proven operation, and the record (parties, route, messages, state,\n"
      "expiry, responsible) is the one whose digest the last message's result carries.\n"
      "Exit status 5 on any mismatch (the reason is printed), 0 when the proof holds.\n"
      "Example:\n"
      "  mlchain block verify b12.proof --genesis 3f2a...c9");
  verify->callback([vo, &cli] { cli.exit_code = run_verify(*vo, cli); });

  auto co = std::make_shared<BlockCleanupOptions>();
  auto* cleanup =
      block->add_subcommand("cleanup", "Order the prune of expired contract blocks in a layer (admin key).");
  cleanup->add_option("--node", co->node, "A member of the layer, https://host:port.")
      ->required()
      ->envname("MLCHAIN_NODE")
      ->type_name("URL");
  cli.file(cleanup->add_option("--admin-key", co->admin_key, "An admin key of the layer (the blueprint's admin_keys).")
               ->required()
               ->type_name("FILE"));
  cleanup->footer(
      "The layer orders one prune operation: every contract block whose expires_at is before that\n"
      "block's time is removed from the state (at most 10,000 per run; run again for more). The chain\n"
      "keeps its blocks and certificates, so it stays verifiable; a pruned block answers 'pruned'\n"
      "with its prune height. Block time decides, not the clock of this machine.\n"
      "Example:\n"
      "  mlchain block cleanup --node https://127.0.0.1:7101 --admin-key admin.pem");
  cleanup->callback([co, &cli] { cli.exit_code = run_cleanup(*co, cli); });
}

}  // namespace mlchain::cli
