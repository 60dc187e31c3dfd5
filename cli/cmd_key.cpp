// mlchain key gen|show|sign|verify: node and admin identities.
//
// A key file holds the Ed25519 private key (PKCS#8 PEM) followed by its
// self-signed X.509 certificate (PEM), mode 0600: one file per identity.
#include <cstring>
#include <ctime>
#include <filesystem>
#include <iostream>
#include <fstream>
#include <sstream>

#include "cli.h"
#include "mlchain/crypto/cert.h"
#include "mlchain/crypto/ed25519.h"
#include "mlchain/crypto/seal.h"

namespace mlchain::cli {
namespace {

struct KeyGenOptions {
  std::string out;
  std::string name = "mlchain-node";
  int days = 3650;
  bool force = false;
};

struct KeyShowOptions {
  std::string key;
};

struct KeySignOptions {
  std::string key;
  std::string in;
};

struct KeyVerifyOptions {
  std::string public_key;
  std::string signature;
  std::string in;
};

std::string utc_time(std::int64_t unix_seconds) {
  std::time_t t = static_cast<std::time_t>(unix_seconds);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

Result<std::string> read_file(const std::string& path, std::size_t max_bytes) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return invalid_argument("cannot read " + path + ": " + std::strerror(errno));
  std::ostringstream ss;
  ss << in.rdbuf();
  std::string data = ss.str();
  if (data.size() > max_bytes) return invalid_argument(path + " is larger than " + std::to_string(max_bytes) + " bytes");
  return data;
}

struct Identity {
  crypto::PrivateKey key;
  crypto::CertificateInfo cert;
};

Result<Identity> load_identity(const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) {
    return invalid_argument("key file " + path + " does not exist; create one with: mlchain key gen --out " + path);
  }
  MLCHAIN_ASSIGN_OR_RETURN(auto key, crypto::PrivateKey::load_pem_file(path));
  MLCHAIN_ASSIGN_OR_RETURN(std::string pem, read_file(path, 1 << 20));
  auto cert = crypto::inspect_certificate(pem);
  if (!cert.ok()) return cert.status().with_context("certificate in " + path);
  if (cert->public_key != key.public_key()) {
    return verification_failed("the certificate in " + path + " is for key " + cert->public_key.key_id() +
                               ", not for the private key " + key.public_key().key_id());
  }
  return Identity{std::move(key), std::move(*cert)};
}

codec::Json identity_json(const std::string& path, const Identity& id) {
  codec::Json j = {
      {"file", path},
      {"public_key", id.key.public_key().hex()},
      {"key_id", id.key.public_key().key_id()},
      {"certificate",
       {{"fingerprint", crypto::digest_hex(id.cert.fingerprint)},
        {"subject", id.cert.subject_cn},
        {"not_before", utc_time(id.cert.not_before_unix)},
        {"not_after", utc_time(id.cert.not_after_unix)}}},
  };
  if (auto seal = crypto::SealPrivateKey::derive_from(id.key); seal.ok()) {
    j["seal_public_key"] = seal->public_key().hex();
  }
  return j;
}

void print_identity(const Cli& cli, const codec::Json& j) {
  if (cli.json()) {
    cli.print_json(j);
    return;
  }
  cli.print_fields({{"file", j["file"]},
                    {"public key", j["public_key"]},
                    {"key id", j["key_id"]},
                    {"seal public key", j.value("seal_public_key", "")},
                    {"certificate", j["certificate"]["fingerprint"]},
                    {"subject", j["certificate"]["subject"]},
                    {"valid", j["certificate"]["not_before"].get<std::string>() + " to " +
                                  j["certificate"]["not_after"].get<std::string>()}});
}

int run_key_gen(const KeyGenOptions& opts, const Cli& cli) {
  if (opts.days <= 0) return cli.fail(invalid_argument("--days must be positive"));
  auto key = crypto::PrivateKey::generate();
  if (!key.ok()) return cli.fail(key.status());
  auto cert = crypto::make_self_signed_certificate(*key, opts.name, std::chrono::hours(24 * opts.days));
  if (!cert.ok()) return cli.fail(cert.status());
  Status written = crypto::write_file_atomic(opts.out, key->to_pem() + *cert, 0600, opts.force);
  if (!written.ok()) {
    return cli.fail(written, written.code() == ErrorCode::kAlreadyExists ? "pass --force to replace it" : "");
  }
  auto id = load_identity(opts.out);
  if (!id.ok()) return cli.fail(id.status());
  cli.info("wrote " + opts.out + " (mode 0600): private key and self-signed certificate");
  print_identity(cli, identity_json(opts.out, *id));
  return kExitOk;
}

int run_key_show(const KeyShowOptions& opts, const Cli& cli) {
  auto id = load_identity(opts.key);
  if (!id.ok()) return cli.fail(id.status());
  print_identity(cli, identity_json(opts.key, *id));
  return kExitOk;
}

int run_key_sign(const KeySignOptions& opts, const Cli& cli) {
  auto key = crypto::PrivateKey::load_pem_file(opts.key);
  if (!key.ok()) return cli.fail(key.status());
  auto data = read_file(opts.in, std::size_t{1} << 30);
  if (!data.ok()) return cli.fail(data.status());
  crypto::Signature sig = key->sign(as_bytes(*data));
  codec::Json j = {{"file", opts.in},
                   {"sha256", crypto::digest_hex(crypto::sha256(*data))},
                   {"public_key", key->public_key().hex()},
                   {"signature", crypto::signature_hex(sig)}};
  if (cli.json()) cli.print_json(j);
  else cli.print_text(crypto::signature_hex(sig));
  return kExitOk;
}

int run_key_verify(const KeyVerifyOptions& opts, const Cli& cli) {
  auto pub = crypto::PublicKey::from_hex(opts.public_key);
  if (!pub.ok()) return cli.fail(pub.status().with_context("--public-key"));
  auto sig = crypto::signature_from_hex(opts.signature);
  if (!sig.ok()) return cli.fail(sig.status().with_context("--signature"));
  auto data = read_file(opts.in, std::size_t{1} << 30);
  if (!data.ok()) return cli.fail(data.status());
  bool good = crypto::verify(*pub, as_bytes(*data), *sig);
  if (cli.json()) {
    cli.print_json({{"file", opts.in}, {"public_key", pub->hex()}, {"valid", good}});
  } else if (good) {
    cli.print_text("valid signature by key " + pub->key_id() + " over " + opts.in);
  }
  if (!good) {
    Status bad = verification_failed("the signature over " + opts.in + " does not verify with key " + pub->key_id());
    if (cli.json()) {
      std::cerr << "error: " << bad.message() << '\n';
      return exit_code_for(bad.code());
    }
    return cli.fail(bad);
  }
  return kExitOk;
}

}  // namespace

void setup_key(CLI::App& app, Cli& cli) {
  auto* key = app.add_subcommand("key", "Create and inspect Ed25519 identities and their TLS certificates.");
  key->require_subcommand(1);

  auto gen_opts = std::make_shared<KeyGenOptions>();
  auto* gen = key->add_subcommand(
      "gen", "Generate an Ed25519 private key and its self-signed certificate into one PEM file (mode 0600).");
  cli.file(gen->add_option("--out", gen_opts->out, "File to write; refused if it exists unless --force.")->required()->type_name("FILE"));
  gen->add_option("--name", gen_opts->name, "Certificate subject common name, e.g. the node name.")->capture_default_str();
  gen->add_option("--days", gen_opts->days, "Certificate lifetime in days.")->capture_default_str();
  gen->add_flag("--force", gen_opts->force, "Replace an existing file.");
  gen->footer(
      "The certificate carries the public key for TLS 1.3; peers pin the key, not a CA.\n"
      "Examples:\n  mlchain key gen --out node1.pem --name node1\n  mlchain key gen --out admin.pem -o json");
  gen->callback([gen_opts, &cli] { cli.exit_code = run_key_gen(*gen_opts, cli); });

  auto show_opts = std::make_shared<KeyShowOptions>();
  auto* show = key->add_subcommand("show", "Show the public key, key id and certificate fingerprint of a key file.");
  cli.file(show->add_option("--key", show_opts->key, "Key file written by 'mlchain key gen'.")->required()->type_name("FILE"));
  show->footer(
      "The file must be readable only by its owner (chmod 600).\n"
      "Examples:\n  mlchain key show --key node1.pem\n  mlchain key show --key node1.pem -o json");
  show->callback([show_opts, &cli] { cli.exit_code = run_key_show(*show_opts, cli); });

  auto sign_opts = std::make_shared<KeySignOptions>();
  auto* sign = key->add_subcommand("sign", "Sign a file with a key file; prints the Ed25519 signature in hex.");
  cli.file(sign->add_option("--key", sign_opts->key, "Key file written by 'mlchain key gen'.")->required()->type_name("FILE"));
  cli.file(sign->add_option("--in", sign_opts->in, "File to sign (at most 1 GiB).")->required()->type_name("FILE"));
  sign->footer("Example:\n  mlchain key sign --key node1.pem --in report.txt > report.sig");
  sign->callback([sign_opts, &cli] { cli.exit_code = run_key_sign(*sign_opts, cli); });

  auto verify_opts = std::make_shared<KeyVerifyOptions>();
  auto* verify = key->add_subcommand("verify", "Check an Ed25519 signature over a file; exit 5 when it does not verify.");
  verify->add_option("--public-key", verify_opts->public_key, "Signer's public key, 64 hex characters.")->required()->type_name("HEX");
  verify->add_option("--signature", verify_opts->signature, "Signature, 128 hex characters.")->required()->type_name("HEX");
  cli.file(verify->add_option("--in", verify_opts->in, "File that was signed.")->required()->type_name("FILE"));
  verify->footer(
      "Example:\n  mlchain key verify --public-key $(mlchain key show --key node1.pem -o json | jq -r .public_key) \\\n"
      "    --signature $(cat report.sig) --in report.txt");
  verify->callback([verify_opts, &cli] { cli.exit_code = run_key_verify(*verify_opts, cli); });
}

}  // namespace mlchain::cli
