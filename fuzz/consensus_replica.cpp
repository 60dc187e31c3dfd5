// What a member's Replica does with peer messages (consensus/replica.h):
// the decoded message of every line of the input is stepped into replica 1
// of a 4-member layer as if its link came from the replica the message names
// (node::on_peer_message), with timer ticks and link-ups in between.
// Signatures are taken as valid (accept_all_verifier.h): the fuzzer plays
// three byzantine members at once, which is more than PBFT tolerates, so only
// local properties are checked: no crash, no abort, no UB, no leak on any
// sequence ("dropped and counted, never an assert"); the view never goes
// back within an epoch, and neither does the last executed sequence number.
//
// Input lines: a consensus message (wire form), or
//   "T<k>" a timer of kind k (0..3) fires,  "L<r>" the link to replica r came up.
#include <cstdint>
#include <memory>
#include <string_view>

#include "accept_all_verifier.h"
#include "fuzz_util.h"
#include "mlchain/consensus/messages.h"
#include "mlchain/consensus/replica.h"

namespace {

using mlchain::fuzz::check;
namespace consensus = mlchain::consensus;
namespace crypto = mlchain::crypto;

constexpr consensus::ReplicaId kSelf = 1;

// The members' keys: those of tests/unit/contract/fixtures.h key_from(50, i),
// which make_seeds.cpp signs the seed messages with.
const consensus::EpochConfig& layer() {
  static const consensus::EpochConfig config = [] {
    consensus::EpochConfig c;
    for (std::uint8_t i = 0; i < 4; ++i) {
      mlchain::Bytes seed(32, 0);
      seed[0] = 50;
      seed[1] = i;
      seed[31] = 0x5a;
      c.members.push_back(crypto::PrivateKey::from_seed(seed).value().public_key());
    }
    return c;
  }();
  return config;
}

// Signs nothing real: nobody checks this replica's signatures here.
class NullSigner final : public crypto::Signer {
 public:
  const crypto::PublicKey& public_key() const override { return layer().members[kSelf]; }
  crypto::Signature sign(mlchain::ByteView) const override { return {}; }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const NullSigner signer;
  static const mlchain::fuzz::AcceptAllVerifier verifier;
  consensus::ReplicaOptions options;
  options.batch_size = 2;
  options.checkpoint_interval = 2;
  options.log_window = 4;
  consensus::Replica replica(kSelf, layer(), options, signer, verifier);
  auto now = mlchain::from_unix_millis(1'700'000'000'000);
  auto step = [&](consensus::Event e) {
    now += std::chrono::milliseconds(10);
    e.now = now;
    const auto epoch = replica.config().epoch;
    const auto view = replica.view();
    const auto executed = replica.last_executed();
    (void)replica.step(e);
    if (replica.config().epoch == epoch) check(replica.view() >= view, "the view went back");
    check(replica.last_executed() >= executed, "the last executed seq went back");
  };
  step(consensus::Event{now, consensus::Start{}});
  std::string_view rest = mlchain::fuzz::text_of(data, size);
  for (int i = 0; i < 64 && !rest.empty(); ++i) {
    auto [line, more] = mlchain::fuzz::split_once(rest, "\n");
    rest = more;
    if (line.size() == 2 && line[0] == 'T') {
      step(consensus::Event{now, consensus::TimerFired{static_cast<consensus::TimerKind>((line[1] - '0') & 3)}});
      continue;
    }
    if (line.size() == 2 && line[0] == 'L') {
      step(consensus::Event{now, consensus::LinkUp{static_cast<consensus::ReplicaId>((line[1] - '0') & 3)}});
      continue;
    }
    auto m = consensus::decode(mlchain::as_bytes(line));
    if (!m.ok()) continue;
    const auto from = consensus::sender_of(*m);
    auto ptr = std::make_shared<const consensus::Message>(std::move(m).value());
    step(consensus::Event{now, consensus::PeerMessage{from < 4 ? from : 0, ptr}});
  }
  return 0;
}
