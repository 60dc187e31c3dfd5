// PEM key files and write_file_atomic.
#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <sys/stat.h>

#include <algorithm>
#include <cstring>
#include <memory>

#include "mlchain/crypto/cert.h"
#include "mlchain/crypto/ed25519.h"
#include "unit/crypto/test_util.h"

namespace mlchain::crypto {
namespace {

using testing::file_mode;
using testing::hex;
using testing::read_file;
using testing::ScopedUmask;
using testing::TempDir;

constexpr const char* kSeed = "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60";

// Every base64 body line of a PEM text: none may appear in an error message.
std::vector<std::string> body_lines(const std::string& pem) {
  std::vector<std::string> out;
  std::istringstream in(pem);
  for (std::string line; std::getline(in, line);) {
    if (!line.empty() && line.rfind("-----", 0) != 0) out.push_back(line);
  }
  return out;
}

std::string pem_of(EVP_PKEY* pkey, const EVP_CIPHER* cipher = nullptr, const char* pass = nullptr) {
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new(BIO_s_mem()), &BIO_free);
  int len = pass ? static_cast<int>(std::strlen(pass)) : 0;
  EXPECT_EQ(PEM_write_bio_PKCS8PrivateKey(bio.get(), pkey, cipher, pass, len, nullptr, nullptr), 1);
  char* data = nullptr;
  long n = BIO_get_mem_data(bio.get(), &data);
  return {data, static_cast<std::size_t>(n)};
}

TEST(KeyPem, RoundTrip) {
  auto key = *PrivateKey::generate();
  const std::string pem = key.to_pem();
  EXPECT_EQ(pem.rfind("-----BEGIN PRIVATE KEY-----\n", 0), 0u);
  EXPECT_NE(pem.find("-----END PRIVATE KEY-----"), std::string::npos);
  auto back = PrivateKey::from_pem(pem);
  ASSERT_TRUE(back.ok()) << back.status().to_string();
  EXPECT_EQ(back->public_key(), key.public_key());
  EXPECT_EQ(back->seed(), key.seed());
  EXPECT_EQ(back->sign(as_bytes("m")), key.sign(as_bytes("m")));
}

TEST(KeyPem, KnownSeedMatchesOpenSslEncoding) {
  // PKCS#8 for Ed25519 (RFC 8410): fixed 16-byte prefix, then the seed.
  auto key = *PrivateKey::from_seed(hex(kSeed));
  const std::string pem = key.to_pem();
  const std::string b64 = body_lines(pem).at(0);
  EXPECT_EQ(to_hex(*from_base64(b64)), std::string("302e020100300506032b657004220420") + kSeed);
}

TEST(KeyPem, FindsKeyBeforeOrAfterCertificate) {
  auto key = *PrivateKey::generate();
  const std::string cert = *make_self_signed_certificate(key, "node-a", std::chrono::hours(24));
  for (const std::string& text : {key.to_pem() + cert, cert + key.to_pem()}) {
    auto back = PrivateKey::from_pem(text);
    ASSERT_TRUE(back.ok()) << back.status().to_string();
    EXPECT_EQ(back->public_key(), key.public_key());
  }
}

TEST(KeyPem, GarbageGivesClearError) {
  auto none = PrivateKey::from_pem("hello, I am not a key");
  EXPECT_EQ(none.status().code(), ErrorCode::kInvalidArgument);
  EXPECT_NE(none.status().message().find("BEGIN PRIVATE KEY"), std::string::npos) << none.status().message();

  auto bad = PrivateKey::from_pem("-----BEGIN PRIVATE KEY-----\nnot*base64!\n-----END PRIVATE KEY-----\n");
  EXPECT_EQ(bad.status().code(), ErrorCode::kInvalidArgument);
  EXPECT_NE(bad.status().message().find("cannot be decoded"), std::string::npos) << bad.status().message();

  // A real key with its algorithm OID broken: the error shows no key bytes.
  auto key = *PrivateKey::generate();
  const std::string line = body_lines(key.to_pem()).at(0);
  Bytes der = *from_base64(line);
  der.at(11) ^= 0xff;
  const std::string body = to_base64(der);
  auto corrupt = PrivateKey::from_pem("-----BEGIN PRIVATE KEY-----\n" + body + "\n-----END PRIVATE KEY-----\n");
  EXPECT_EQ(corrupt.status().code(), ErrorCode::kInvalidArgument);
  const std::string& msg = corrupt.status().message();
  EXPECT_EQ(msg.find(line.substr(20, 16)), std::string::npos) << msg;
  EXPECT_EQ(msg.find(body.substr(20, 16)), std::string::npos) << msg;
  EXPECT_EQ(msg.find(to_hex(key.seed()).substr(0, 16)), std::string::npos) << msg;
}

TEST(KeyPem, RefusesEncryptedAndNonEd25519Keys) {
  std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> ec(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"),
                                                         &EVP_PKEY_free);
  ASSERT_NE(ec, nullptr);
  auto not_ed = PrivateKey::from_pem(pem_of(ec.get()));
  EXPECT_EQ(not_ed.status().code(), ErrorCode::kInvalidArgument);
  EXPECT_NE(not_ed.status().message().find("not an Ed25519"), std::string::npos) << not_ed.status().message();

  auto ed = *PrivateKey::generate();
  const std::string encrypted = pem_of(static_cast<EVP_PKEY*>(ed.native_handle()), EVP_aes_256_cbc(), "passphrase");
  ASSERT_NE(encrypted.find("ENCRYPTED PRIVATE KEY"), std::string::npos);
  auto enc = PrivateKey::from_pem(encrypted);
  EXPECT_EQ(enc.status().code(), ErrorCode::kInvalidArgument);
  EXPECT_NE(enc.status().message().find("encrypted"), std::string::npos) << enc.status().message();
}

TEST(KeyFile, LoadAcceptsOwnerOnlyAndRefusesGroupOrWorldAccess) {
  TempDir dir;
  const auto path = dir / "k.pem";
  auto key = *PrivateKey::generate();
  const std::string pem = key.to_pem();
  ASSERT_TRUE(write_file_atomic(path, pem, 0600, false).ok());
  EXPECT_EQ(file_mode(path), 0600u);
  auto loaded = PrivateKey::load_pem_file(path);
  ASSERT_TRUE(loaded.ok()) << loaded.status().to_string();
  EXPECT_EQ(loaded->public_key(), key.public_key());

  ASSERT_EQ(::chmod(path.c_str(), 0644), 0);
  auto refused = PrivateKey::load_pem_file(path);
  EXPECT_EQ(refused.status().code(), ErrorCode::kInvalidArgument);
  const std::string& msg = refused.status().message();
  EXPECT_NE(msg.find("readable by group/others (mode 0644)"), std::string::npos) << msg;
  EXPECT_NE(msg.find("chmod 600 " + path.string()), std::string::npos) << msg;
  for (const auto& line : body_lines(pem)) EXPECT_EQ(msg.find(line), std::string::npos);

  for (mode_t mode : {0640, 0604, 0620, 0602, 0601, 0700 | 0010}) {
    ASSERT_EQ(::chmod(path.c_str(), mode), 0);
    EXPECT_EQ(PrivateKey::load_pem_file(path).status().code(), ErrorCode::kInvalidArgument) << std::oct << mode;
  }
  for (mode_t mode : {0600, 0400, 0700}) {
    ASSERT_EQ(::chmod(path.c_str(), mode), 0);
    EXPECT_TRUE(PrivateKey::load_pem_file(path).ok()) << std::oct << mode;
  }
}

TEST(KeyFile, AFileThatIsNoKeyIsNamedSoBeforeItsMode) {
  // key_file pointing at a genesis.json (mode 0644): the error says it is not
  // a key, not "chmod 600 genesis.json" (issue 20).
  TempDir dir;
  const auto path = dir / "genesis.json";
  ASSERT_TRUE(write_file_atomic(path, "{\"genesis_hash\": \"ab\"}\n", 0644, false).ok());
  auto refused = PrivateKey::load_pem_file(path);
  EXPECT_EQ(refused.status().code(), ErrorCode::kInvalidArgument);
  const std::string& msg = refused.status().message();
  EXPECT_NE(msg.find("holds no PEM private key"), std::string::npos) << msg;
  EXPECT_NE(msg.find("mlchain key gen"), std::string::npos) << msg;
  EXPECT_EQ(msg.find("chmod"), std::string::npos) << msg;
}

TEST(KeyFile, LoadErrors) {
  TempDir dir;
  auto missing = PrivateKey::load_pem_file(dir / "absent.pem");
  EXPECT_EQ(missing.status().code(), ErrorCode::kNotFound);

  EXPECT_EQ(PrivateKey::load_pem_file(dir.path()).status().code(), ErrorCode::kInvalidArgument);

  // A FIFO is refused without blocking on open.
  const auto fifo = dir / "fifo.pem";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  EXPECT_EQ(PrivateKey::load_pem_file(fifo).status().code(), ErrorCode::kInvalidArgument);

  const auto garbage = dir / "garbage.pem";
  ASSERT_TRUE(write_file_atomic(garbage, "this is not PEM\n", 0600, false).ok());
  auto bad = PrivateKey::load_pem_file(garbage);
  EXPECT_EQ(bad.status().code(), ErrorCode::kInvalidArgument);
  EXPECT_NE(bad.status().message().find(garbage.string()), std::string::npos) << bad.status().message();
  EXPECT_NE(bad.status().message().find("PRIVATE KEY"), std::string::npos) << bad.status().message();
}

TEST(KeyFile, LoadKeyAndCertificateFile) {
  TempDir dir;
  auto key = *PrivateKey::generate();
  const std::string cert = *make_self_signed_certificate(key, "node-b", std::chrono::hours(1));
  const auto path = dir / "node.pem";
  ASSERT_TRUE(write_file_atomic(path, cert + key.to_pem(), 0600, false).ok());
  auto loaded = PrivateKey::load_pem_file(path);
  ASSERT_TRUE(loaded.ok()) << loaded.status().to_string();
  EXPECT_EQ(loaded->public_key(), key.public_key());
  auto info = inspect_certificate(read_file(path));
  ASSERT_TRUE(info.ok()) << info.status().to_string();
  EXPECT_EQ(info->public_key, key.public_key());
}

TEST(WriteFileAtomic, ModeIsExactWhateverTheUmask) {
  TempDir dir;
  {
    ScopedUmask mask(0);
    ASSERT_TRUE(write_file_atomic(dir / "a", "secret", 0600, false).ok());
    EXPECT_EQ(file_mode(dir / "a"), 0600u);
  }
  {
    ScopedUmask mask(077);
    ASSERT_TRUE(write_file_atomic(dir / "b", "public", 0644, false).ok());
    EXPECT_EQ(file_mode(dir / "b"), 0644u);
  }
  EXPECT_EQ(read_file(dir / "a"), "secret");
  EXPECT_EQ(read_file(dir / "b"), "public");
}

TEST(WriteFileAtomic, RefusesOverwriteUnlessAsked) {
  TempDir dir;
  const auto path = dir / "k.pem";
  ASSERT_TRUE(write_file_atomic(path, "first", 0600, false).ok());
  Status again = write_file_atomic(path, "second", 0600, false);
  EXPECT_EQ(again.code(), ErrorCode::kAlreadyExists);
  EXPECT_NE(again.message().find(path.string() + " exists; use --force to overwrite"), std::string::npos)
      << again.message();
  EXPECT_EQ(read_file(path), "first");

  ASSERT_EQ(::chmod(path.c_str(), 0644), 0);
  ASSERT_TRUE(write_file_atomic(path, "second", 0600, true).ok());
  EXPECT_EQ(read_file(path), "second");
  EXPECT_EQ(file_mode(path), 0600u);

  // A dangling symlink counts as an existing file: it is not followed.
  std::filesystem::create_symlink(dir / "nowhere", dir / "link");
  EXPECT_EQ(write_file_atomic(dir / "link", "x", 0600, false).code(), ErrorCode::kAlreadyExists);
  EXPECT_FALSE(std::filesystem::exists(dir / "nowhere"));
}

TEST(WriteFileAtomic, LeavesNoTempFilesAndReportsErrors) {
  TempDir dir;
  ASSERT_TRUE(write_file_atomic(dir / "f", std::string(100'000, 'z'), 0600, false).ok());
  EXPECT_EQ(read_file(dir / "f"), std::string(100'000, 'z'));
  ASSERT_TRUE(write_file_atomic(dir / "empty", "", 0600, false).ok());
  EXPECT_EQ(read_file(dir / "empty"), "");
  EXPECT_EQ(write_file_atomic(dir / "f", "again", 0600, false).code(), ErrorCode::kAlreadyExists);
  EXPECT_EQ(write_file_atomic(dir / "no-such-dir" / "f", "x", 0600, false).code(), ErrorCode::kNotFound);
  EXPECT_EQ(write_file_atomic(dir / "g", "x", 010000, false).code(), ErrorCode::kInvalidArgument);

  std::vector<std::string> names;
  for (const auto& e : std::filesystem::directory_iterator(dir.path())) names.push_back(e.path().filename());
  std::sort(names.begin(), names.end());
  EXPECT_EQ(names, (std::vector<std::string>{"empty", "f"}));
}

TEST(WriteFileAtomic, RelativePathInCurrentDirectory) {
  TempDir dir;
  const auto old = std::filesystem::current_path();
  std::filesystem::current_path(dir.path());
  Status s = write_file_atomic("rel.pem", "x", 0600, false);
  std::filesystem::current_path(old);
  ASSERT_TRUE(s.ok()) << s.to_string();
  EXPECT_EQ(read_file(dir / "rel.pem"), "x");
}

}  // namespace
}  // namespace mlchain::crypto
