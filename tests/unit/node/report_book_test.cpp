// Peer-review reports are bounded by the membership (report_book.h): made-up
// suspects, former members and older epochs leave nothing behind.
#include <gtest/gtest.h>

#include "mlchain/node/report_book.h"

namespace mlchain::node {
namespace {

crypto::PublicKey key(int i) {
  auto seed = crypto::sha256("report book key " + std::to_string(i));
  return crypto::PrivateKey::from_seed(ByteView(seed.data(), seed.size())).value().public_key();
}

consensus::EpochConfig epoch_of(consensus::Epoch e, std::initializer_list<int> members) {
  consensus::EpochConfig c;
  c.epoch = e;
  for (int m : members) c.members.push_back(key(m));
  return c;
}

MemberReport report(int reporter, int suspect, consensus::Epoch epoch, std::int64_t window = 100) {
  MemberReport r;
  r.reporter = key(reporter);
  r.suspect = key(suspect);
  r.epoch = epoch;
  r.window = window;
  return r;
}

TEST(ReportBook, KeepsReportsAboutMembersAndReturnsTheRecentEvidence) {
  ReportBook book;
  auto e0 = epoch_of(0, {0, 1, 2, 3});
  EXPECT_EQ(book.add(report(0, 3, 0, 100), e0).size(), 1u);
  EXPECT_EQ(book.add(report(1, 3, 0, 99), e0).size(), 2u);
  EXPECT_EQ(book.add(report(2, 3, 0, 97), e0).size(), 2u);  // two windows old: kept, not evidence
  EXPECT_EQ(book.add(report(2, 3, 0, 101), e0).size(), 2u);  // replaces 2's report; 99 is too old now
  EXPECT_EQ(book.suspects(), 1u);
  EXPECT_EQ(book.size(), 3u);
}

// A flood of reports about keys nobody ever saw is not stored at all.
TEST(ReportBook, MadeUpSuspectsAndForeignReportersAreNotKept) {
  ReportBook book;
  auto e0 = epoch_of(0, {0, 1, 2, 3});
  for (int k = 100; k < 400; ++k) EXPECT_TRUE(book.add(report(0, k, 0), e0).empty());
  for (int k = 100; k < 400; ++k) EXPECT_TRUE(book.add(report(k, 1, 0), e0).empty());
  EXPECT_TRUE(book.add(report(0, 1, 7), e0).empty());  // another epoch
  EXPECT_EQ(book.size(), 0u);
  EXPECT_EQ(book.suspects(), 0u);
}

// Epoch 1 drops member 3 and adds 4: reports about 3, by 3, and every
// report of epoch 0 are forgotten at the next add.
TEST(ReportBook, ANewEpochForgetsFormerMembersAndOlderEpochs) {
  ReportBook book;
  auto e0 = epoch_of(0, {0, 1, 2, 3});
  for (int s = 0; s < 4; ++s)
    for (int r = 0; r < 4; ++r)
      if (r != s) (void)book.add(report(r, s, 0), e0);
  EXPECT_EQ(book.size(), 12u);
  EXPECT_EQ(book.suspects(), 4u);
  auto e1 = epoch_of(1, {0, 1, 2, 4});
  EXPECT_EQ(book.add(report(4, 0, 1), e1).size(), 1u);
  EXPECT_EQ(book.size(), 1u);
  EXPECT_EQ(book.suspects(), 1u);
  // Growth is bounded by n suspects x (n - 1) reporters, however often they report.
  for (int round = 0; round < 50; ++round)
    for (int s : {0, 1, 2, 4})
      for (int r : {0, 1, 2, 4})
        if (r != s) (void)book.add(report(r, s, 1, 100 + round), e1);
  EXPECT_EQ(book.size(), 12u);
  EXPECT_EQ(book.suspects(), 4u);
}

}  // namespace
}  // namespace mlchain::node
