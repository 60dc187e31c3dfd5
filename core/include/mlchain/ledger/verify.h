// Offline verification of blocks: used by the simulator's invariant checker
// after every step and by `mlchain block verify`.
#pragma once

#include "mlchain/consensus/types.h"
#include "mlchain/ledger/block.h"

namespace mlchain::ledger {

// Ok iff the certificate holds at least quorum(n) valid commit signatures
// from distinct members of `config` over this block's (epoch, view, height,
// batch digest). VerificationFailed says which check failed.
Status verify_certificate(const Block& block, const consensus::EpochConfig& config, const crypto::Verifier& verifier);

// Ok iff `next` follows `prev`: height + 1, prev_hash == prev.hash(), and
// time == max(proposed time, prev.time).
Status verify_link(const Block& prev, const Block& next);

}  // namespace mlchain::ledger
