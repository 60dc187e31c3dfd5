#include "mlchain/net/connection_budget.h"

#include <gtest/gtest.h>

namespace mlchain::net {
namespace {

using Class = ConnectionBudget::Class;

ConnectionBudget::Limits limits(std::size_t handshakes, std::size_t per_address, std::size_t anonymous = 8,
                                std::size_t members = 8) {
  return {handshakes, per_address, anonymous, members};
}

TEST(ConnectionBudget, AddressAtItsCapEvictsItsOwnOldestHandshake) {
  ConnectionBudget b(limits(100, 3));
  EXPECT_FALSE(b.admit(1, "10.0.0.1"));
  EXPECT_FALSE(b.admit(2, "10.0.0.2"));
  EXPECT_FALSE(b.admit(3, "10.0.0.1"));
  EXPECT_FALSE(b.admit(4, "10.0.0.1"));
  EXPECT_EQ(b.admit(5, "10.0.0.1"), 1u);  // not 2: another address
  EXPECT_EQ(b.admit(6, "10.0.0.1"), 3u);
  EXPECT_EQ(b.handshaking_from("10.0.0.1"), 3u);
  EXPECT_EQ(b.handshaking(), 4u);
  // The evicted connection may finish its handshake before its close lands.
  EXPECT_FALSE(b.established(1, Class::kAnonymous));
  EXPECT_TRUE(b.established(2, Class::kAnonymous));
}

TEST(ConnectionBudget, FullHandshakeBudgetEvictsFromTheBusiestAddress) {
  ConnectionBudget b(limits(4, 10));
  EXPECT_FALSE(b.admit(1, "honest"));
  EXPECT_FALSE(b.admit(2, "flood"));
  EXPECT_FALSE(b.admit(3, "flood"));
  EXPECT_FALSE(b.admit(4, "flood"));
  EXPECT_EQ(b.admit(5, "other"), 2u);  // the flood's oldest, not the older honest one
  EXPECT_EQ(b.admit(6, "flood"), 3u);
  EXPECT_EQ(b.admit(7, "flood"), 4u);
  EXPECT_EQ(b.admit(8, "late"), 6u);  // flood still holds the most (6, 7)
  // Ties (one each now): the address whose oldest handshake is older pays.
  EXPECT_EQ(b.admit(9, "new"), 1u);
  EXPECT_EQ(b.handshaking(), 4u);
  EXPECT_FALSE(b.established(1, Class::kAnonymous));
  EXPECT_TRUE(b.established(5, Class::kAnonymous));
}

TEST(ConnectionBudget, SilentConnectionsGoBeforeHandshakesUnderWay) {
  ConnectionBudget b(limits(100, 3));
  ASSERT_FALSE(b.admit(1, "127.0.0.1"));  // an honest client: its hello arrives
  b.spoke(1);
  ASSERT_FALSE(b.admit(2, "127.0.0.1"));
  ASSERT_FALSE(b.admit(3, "127.0.0.1"));
  for (std::uint64_t id = 4; id < 40; ++id) {
    auto victim = b.admit(id, "127.0.0.1");  // an idle flood from the same address
    ASSERT_TRUE(victim);
    EXPECT_NE(*victim, 1u);
  }
  EXPECT_TRUE(b.established(1, Class::kMember));
  // With nobody silent left, the oldest handshake under way goes.
  b.spoke(38);
  b.spoke(39);
  ASSERT_FALSE(b.admit(40, "127.0.0.1"));  // 1 left the handshake budget
  b.spoke(40);
  EXPECT_EQ(b.admit(41, "127.0.0.1"), 38u);
  b.spoke(999);  // unknown: ignored
  b.spoke(38);   // evicted: ignored
  EXPECT_EQ(b.handshaking(), 3u);
}

TEST(ConnectionBudget, EstablishedConnectionsAreNeverEvicted) {
  ConnectionBudget b(limits(2, 2));
  ASSERT_FALSE(b.admit(1, "a"));
  ASSERT_TRUE(b.established(1, Class::kAnonymous));
  ASSERT_FALSE(b.admit(2, "a"));
  ASSERT_FALSE(b.admit(3, "a"));
  for (std::uint64_t id = 4; id < 50; ++id) {
    auto victim = b.admit(id, "a");
    ASSERT_TRUE(victim);
    EXPECT_EQ(*victim, id - 2);
  }
  EXPECT_EQ(b.anonymous(), 1u);
}

TEST(ConnectionBudget, AnonymousConnectionsNeverTakeMemberSlots) {
  ConnectionBudget b(limits(100, 100, /*anonymous=*/2, /*members=*/2));
  for (std::uint64_t id = 1; id <= 6; ++id) ASSERT_FALSE(b.admit(id, "127.0.0.1"));
  EXPECT_TRUE(b.established(1, Class::kAnonymous));
  EXPECT_TRUE(b.established(2, Class::kAnonymous));
  EXPECT_FALSE(b.established(3, Class::kAnonymous));  // anonymous budget full
  EXPECT_TRUE(b.established(4, Class::kMember));
  EXPECT_TRUE(b.established(5, Class::kMember));
  EXPECT_FALSE(b.established(6, Class::kMember));  // members are capped too
  EXPECT_EQ(b.anonymous(), 2u);
  EXPECT_EQ(b.members(), 2u);
  b.closed(3);  // refused ones are forgotten already: no double count
  b.closed(1);
  b.closed(4);
  EXPECT_EQ(b.anonymous(), 1u);
  EXPECT_EQ(b.members(), 1u);
  ASSERT_FALSE(b.admit(7, "127.0.0.1"));
  EXPECT_TRUE(b.established(7, Class::kAnonymous));
}

TEST(ConnectionBudget, ClosingReleasesEveryState) {
  ConnectionBudget b(limits(2, 2));
  ASSERT_FALSE(b.admit(1, "a"));
  ASSERT_FALSE(b.admit(2, "a"));
  ASSERT_EQ(b.admit(3, "a"), 1u);
  b.closed(1);   // evicted
  b.closed(2);   // handshaking
  b.closed(99);  // unknown
  EXPECT_EQ(b.handshaking(), 1u);
  EXPECT_EQ(b.handshaking_from("a"), 1u);
  ASSERT_TRUE(b.established(3, Class::kMember));
  EXPECT_FALSE(b.established(3, Class::kMember));  // only once
  b.closed(3);
  EXPECT_EQ(b.handshaking(), 0u);
  EXPECT_EQ(b.members(), 0u);
}

TEST(ConnectionBudget, ZeroLimitsCountAsOne) {
  ConnectionBudget b(limits(0, 0, 0, 0));
  ASSERT_FALSE(b.admit(1, "a"));
  EXPECT_EQ(b.admit(2, "b"), 1u);
  EXPECT_TRUE(b.established(2, Class::kAnonymous));
}

}  // namespace
}  // namespace mlchain::net
