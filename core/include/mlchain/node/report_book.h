// ReportBook: the peer-review reports a node holds (review.cpp), suspect ->
// reporter -> report, kept only while they can still count.
//
// Reports arrive from the network (POST /v1/report), so what is kept is
// bounded by the membership, not by what senders make up: every add() first
// forgets reports about or from keys that are not members of the current
// epoch, and reports of any other epoch; a report whose suspect is not a
// member is not kept. At most n suspects x (n - 1) reporters, one report each.
//
// Thread safety: none; the node guards it with its reports mutex.
#pragma once

#include <cstddef>
#include <map>
#include <vector>

#include "mlchain/consensus/types.h"
#include "mlchain/node/signed_op.h"

namespace mlchain::node {

class ReportBook {
 public:
  // Prunes to `epoch` (above), then keeps `report` (replacing its
  // reporter's earlier one about the same suspect). Returns the evidence
  // about its suspect: this epoch's reports in the newest window or the one
  // before it; empty when the report was not kept. Signatures are not
  // checked here (check_reports, signed_op.h).
  std::vector<MemberReport> add(const MemberReport& report, const consensus::EpochConfig& epoch);

  std::size_t suspects() const { return reports_.size(); }
  std::size_t size() const;  // reports held

 private:
  void prune(const consensus::EpochConfig& epoch);

  std::map<crypto::PublicKey, std::map<crypto::PublicKey, MemberReport>> reports_;  // suspect -> reporter -> report
};

}  // namespace mlchain::node
