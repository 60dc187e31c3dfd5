// The bounded store of peer-review reports (report_book.h).
#include "mlchain/node/report_book.h"

#include <algorithm>

namespace mlchain::node {

void ReportBook::prune(const consensus::EpochConfig& epoch) {
  for (auto it = reports_.begin(); it != reports_.end();) {
    if (!epoch.index_of(it->first)) {
      it = reports_.erase(it);
      continue;
    }
    auto& about = it->second;
    for (auto r = about.begin(); r != about.end();)
      r = r->second.epoch != epoch.epoch || !epoch.index_of(r->first) ? about.erase(r) : std::next(r);
    it = about.empty() ? reports_.erase(it) : std::next(it);
  }
}

std::vector<MemberReport> ReportBook::add(const MemberReport& report, const consensus::EpochConfig& epoch) {
  prune(epoch);
  std::vector<MemberReport> evidence;
  if (report.epoch != epoch.epoch || !epoch.index_of(report.suspect) || !epoch.index_of(report.reporter))
    return evidence;
  auto& about = reports_[report.suspect];
  about[report.reporter] = report;
  std::int64_t newest = 0;
  for (const auto& [k, r] : about) newest = std::max(newest, r.window);
  for (const auto& [k, r] : about)
    if (r.window >= newest - 1) evidence.push_back(r);
  return evidence;
}

std::size_t ReportBook::size() const {
  std::size_t n = 0;
  for (const auto& [s, about] : reports_) n += about.size();
  return n;
}

}  // namespace mlchain::node
