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
#include <fstream>
#include <sstream>

#include "cli.h"
#include "mlchain/contract/proof.h"
#include "mlchain/crypto/ed25519.h"
#include "mlchain/ledger/block.h"
#include "mlchain/net/https_client.h"
#include "node_client.h"

namespace mlchain::cli {
namespace {

struct BlockQueryOptions {
  std::string id;
  std::string node;
  bool proof = false;
  std::string out;
  std::vector<std::size_t> ops;
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

// Blocks from one member over one kept-open connection.
class BlockSource {
 public:
  static Result<BlockSource> open(const std::string& url) {
    net::HttpsClientOptions o;
    o.connect_timeout = std::chrono::milliseconds(5'000);
    o.total_timeout = std::chrono::milliseconds(30'000);
    MLCHAIN_ASSIGN_OR_RETURN(auto c, net::HttpsConnection::create(url, o));
    return BlockSource(url, std::move(c));
  }
  Result<codec::Json> block(std::uint64_t h) {
    if (auto it = cache_.find(h); it != cache_.end()) return it->second;
    auto r = conn_.request("GET", "/v1/blocks/" + std::to_string(h));
    if (!r.ok()) return unavailable("cannot reach node " + url_ + ": " + r.status().message());
    if (r->status == 404) return not_found("block " + std::to_string(h) + " does not exist yet at " + url_);
    if (r->status != 200) return internal_error(url_ + " answered " + std::to_string(r->status) + " for block " + std::to_string(h));
    auto j = codec::parse(r->body, codec::ParseLimits{64u << 20, 64, 16u << 20, 10'000'000});
    if (!j.ok() || !j->contains("block")) return internal_error(url_ + " sent a malformed block " + std::to_string(h));
    cache_[h] = (*j)["block"];
    return (*j)["block"];
  }
  Result<std::uint64_t> epoch_of(std::uint64_t h) {
    MLCHAIN_ASSIGN_OR_RETURN(auto b, block(h));
    MLCHAIN_ASSIGN_OR_RETURN(auto parsed, ledger::block_from_json(b));
    return parsed.certificate.epoch;
  }

 private:
  BlockSource(std::string url, net::HttpsConnection c) : url_(std::move(url)), conn_(std::move(c)) {}
  std::string url_;
  net::HttpsConnection conn_;
  std::map<std::uint64_t, codec::Json> cache_;
};

// The proof of `ops` in block `height` (format in contract/proof.h).
Result<codec::Json> assemble_proof(BlockSource& src, std::uint64_t height, std::vector<std::size_t> ops) {
  MLCHAIN_ASSIGN_OR_RETURN(auto genesis, src.block(0));
  if (!genesis.contains("config")) return internal_error("the genesis block carries no blueprint");
  codec::Json blueprint = genesis["config"];
  std::uint64_t k = blueprint.contains("params") ? blueprint["params"].value("checkpoint_interval", std::uint64_t{16}) : 16;
  if (k == 0) k = 1;
  MLCHAIN_ASSIGN_OR_RETURN(auto target, src.block(height));
  MLCHAIN_ASSIGN_OR_RETURN(std::uint64_t target_epoch, src.epoch_of(height));
  codec::Json switches = codec::Json::array();
  std::uint64_t lo = 1;  // the first block of the epoch being searched
  for (std::uint64_t e = 1; e <= target_epoch; ++e) {
    // The boundary B_e: the last block certified in epoch e-1, i.e. the
    // largest h in [lo, height) with epoch(h) < e. Epochs never decrease.
    std::uint64_t a = lo, b = height;  // epoch(a) < e <= epoch(b)
    while (b - a > 1) {
      std::uint64_t mid = a + (b - a) / 2;
      MLCHAIN_ASSIGN_OR_RETURN(std::uint64_t em, src.epoch_of(mid));
      (em < e ? a : b) = mid;
    }
    std::uint64_t boundary = a;
    if (boundary < k) return internal_error("epoch switch at height " + std::to_string(boundary) + " has no full window");
    codec::Json blocks = codec::Json::array();
    for (std::uint64_t h = boundary - k + 1; h <= boundary; ++h) {
      MLCHAIN_ASSIGN_OR_RETURN(auto blk, src.block(h));
      blocks.push_back(blk);
    }
    switches.push_back({{"boundary", boundary}, {"blocks", blocks}});
    lo = boundary + 1;
  }
  if (ops.empty()) {
    std::size_t n = target.contains("ops") && target["ops"].is_array() ? target["ops"].size() : 0;
    for (std::size_t i = 0; i < n; ++i) ops.push_back(i);
  }
  codec::Json indices = codec::Json::array();
  for (auto i : ops) indices.push_back(i);
  return codec::Json{{"v", 1}, {"type", "mlchain-block-proof"}, {"blueprint", blueprint},
                     {"epoch_switches", switches}, {"block", target}, {"ops", indices}};
}

codec::Json verified_json(const contract::VerifiedProof& v) {
  codec::Json ops = codec::Json::array();
  for (const auto& r : v.ops) ops.push_back({{"client", r.client}, {"id", r.id}, {"bytes", r.op.size()}});
  codec::Json boundaries = codec::Json::array();
  for (auto b : v.switch_boundaries) boundaries.push_back(b);
  return {{"layer", v.layer_path},   {"genesis_hash", v.genesis_hash}, {"height", v.height},
          {"epoch", v.epoch},        {"block_hash", v.block_hash},     {"time_ms", v.time_ms},
          {"epoch_switches", boundaries}, {"ops", ops}};
}

int run_query(const BlockQueryOptions& o, const Cli& cli) {
  auto id = parse_id(o.id);
  if (!id.ok()) return cli.fail(id.status());
  auto layer = node_request(o.node, "GET", "/v1/layer", {}, std::chrono::milliseconds(10'000));
  if (!layer.ok()) return cli.fail(layer.status());
  if (layer->value("layer", "") != id->layer) {
    return cli.fail(invalid_argument("block " + o.id + " belongs to layer " + id->layer + ", but " + o.node +
                                     " is a member of " + layer->value("layer", "") + "; ask a member of " + id->layer));
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
                        {"time", std::to_string(parsed->time_ms) + " ms since the epoch"},
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
  auto verified = contract::verify_proof(text, layer->value("genesis_hash", ""), verifier);
  if (!verified.ok()) return cli.fail(verified.status().with_context("the proof " + o.node + " served does not verify"));
  if (!o.out.empty()) {
    Status st = crypto::write_file_atomic(o.out, text + "\n", 0644, true);
    if (!st.ok()) return cli.fail(st);
  }
  if (cli.json()) {
    codec::Json out = {{"id", o.id}, {"verified", verified_json(*verified)}};
    if (o.out.empty()) out["proof"] = *proof;
    else out["file"] = o.out;
    cli.print_json(out);
  } else {
    cli.print_fields({{"block", o.id},
                      {"hash", verified->block_hash},
                      {"epoch", std::to_string(verified->epoch) + " (" + std::to_string(verified->switch_boundaries.size()) +
                                    " epoch switches proven)"},
                      {"operations", std::to_string(verified->ops.size()) + " proven"},
                      {"proof", o.out.empty() ? "not saved (use --out FILE)" : o.out},
                      {"check offline", "mlchain block verify " + (o.out.empty() ? std::string("FILE") : o.out) +
                                            " --genesis " + layer->value("genesis_hash", "")}});
  }
  return kExitOk;
}

int run_verify(const BlockVerifyOptions& o, const Cli& cli) {
  std::ifstream in(o.file, std::ios::binary);
  if (!in) return cli.fail(invalid_argument("cannot read " + o.file));
  std::ostringstream ss;
  ss << in.rdbuf();
  std::string text = ss.str();
  if (text.size() > contract::kMaxProofBytes) return cli.fail(invalid_argument(o.file + " is larger than a proof may be"));
  // Accept the proof itself or `block query --proof -o json` output.
  auto j = codec::parse(text, codec::ParseLimits{contract::kMaxProofBytes, 64, 16u << 20, 10'000'000});
  if (j.ok() && j->is_object() && j->contains("proof") && !j->contains("blueprint")) text = (*j)["proof"].dump();
  crypto::Ed25519Verifier verifier;
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
    cli.print_fields({{"valid", "yes: block " + v->layer_path + "#" + std::to_string(v->height) + " is certified by layer " +
                                    v->layer_path},
                      {"genesis", v->genesis_hash},
                      {"block hash", v->block_hash},
                      {"epoch", std::to_string(v->epoch)},
                      {"operations", std::to_string(v->ops.size()) + " included"}});
  }
  return kExitOk;
}

}  // namespace

void setup_block(CLI::App& app, Cli& cli) {
  auto* block = app.add_subcommand("block", "Read blocks from a layer and prove them; check proofs offline.");
  block->require_subcommand(1);

  auto qo = std::make_shared<BlockQueryOptions>();
  auto* query = block->add_subcommand("query", "Show a block by its id; with --proof, build and check its proof.");
  query->add_option("id", qo->id, "Block id: <layer path>#<height>, e.g. L2/L1a#12.")->required()->type_name("ID");
  query->add_option("--node", qo->node, "A member of the block's layer, https://host:port.")
      ->required()
      ->envname("MLCHAIN_NODE")
      ->type_name("URL");
  query->add_flag("--proof", qo->proof, "Build the proof (genesis, epoch switches, certificate, inclusion) and check it.");
  cli.file(query->add_option("--out", qo->out, "Save the proof to FILE (for mlchain block verify).")->type_name("FILE"));
  query->add_option("--op", qo->ops, "Prove only these operation indices of the block (repeatable; default all).")
      ->type_name("N");
  query->footer(
      "The proof is assembled from blocks the member serves and checked here against the layer's\n"
      "genesis before it is printed or saved; anyone can re-check it offline with block verify.\n"
      "Examples:\n"
      "  mlchain block query L2/L1a#12 --node https://127.0.0.1:7101\n"
      "  mlchain block query L2/L1a#12 --node https://127.0.0.1:7101 --proof --out b12.proof");
  query->callback([qo, &cli] { cli.exit_code = run_query(*qo, cli); });

  auto vo = std::make_shared<BlockVerifyOptions>();
  auto* verify = block->add_subcommand("verify", "Check a saved block proof offline against a genesis hash you trust.");
  cli.file(verify->add_option("file", vo->file, "The proof (block query --proof --out FILE).")->required()->type_name("FILE"));
  verify->add_option("--genesis", vo->genesis, "The layer's genesis hash (64 hex), from a source you trust.")
      ->required()
      ->type_name("HASH");
  verify->footer(
      "Checks, with no network: the blueprint hashes to --genesis; every epoch switch up to the\n"
      "block is certified by the previous members and recomputes to the next member set; the block\n"
      "carries a commit certificate of a quorum of its epoch; the named operations are in it.\n"
      "Exit status 5 on any mismatch (the reason is printed), 0 when the proof holds.\n"
      "Example:\n"
      "  mlchain block verify b12.proof --genesis 3f2a...c9");
  verify->callback([vo, &cli] { cli.exit_code = run_verify(*vo, cli); });
}

}  // namespace mlchain::cli
