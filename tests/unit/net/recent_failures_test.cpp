// net::RecentFailures: the "failed lately: ask last" memory shared by the
// relay (next-layer members) and the source edge (superior members).
#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <vector>

#include "mlchain/crypto/ed25519.h"
#include "mlchain/net/stall_watch.h"

namespace mlchain::net {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::seconds;

struct Peer {
  std::string name;
  crypto::PublicKey key;
};

std::vector<Peer> peers(int n) {
  std::vector<Peer> out;
  for (int i = 0; i < n; ++i) out.push_back({"p" + std::to_string(i), crypto::PrivateKey::generate()->public_key()});
  return out;
}

std::string names(const std::vector<Peer>& v) {
  std::string s;
  for (const auto& p : v) s += p.name + " ";
  return s;
}

TEST(RecentFailures, FailedPeersGoLastInTheirOrderUntilTheHoldEnds) {
  RecentFailures<Clock::time_point> failed(seconds(30), 16);
  auto all = peers(4);
  auto t0 = Clock::now();
  failed.mark(all[2].key, t0);
  failed.mark(all[0].key, t0 + seconds(5));

  auto order = all;
  failed.put_last(order, t0 + seconds(10));
  EXPECT_EQ(names(order), "p1 p3 p0 p2 ");  // stable on both sides

  order = all;
  failed.put_last(order, t0 + seconds(31));  // p2's hold is over, p0's is not
  EXPECT_EQ(names(order), "p1 p2 p3 p0 ");

  order = all;
  failed.put_last(order, t0 + seconds(36));
  EXPECT_EQ(names(order), "p0 p1 p2 p3 ");
}

TEST(RecentFailures, AFreshFailureRestartsTheHold) {
  RecentFailures<Clock::time_point> failed(seconds(30), 16);
  auto all = peers(2);
  auto t0 = Clock::now();
  failed.mark(all[0].key, t0);
  failed.mark(all[0].key, t0 + seconds(20));
  auto order = all;
  failed.put_last(order, t0 + seconds(40));
  EXPECT_EQ(names(order), "p1 p0 ");
}

TEST(RecentFailures, StaysBoundedByForgettingEverythingPastTheCap) {
  RecentFailures<Clock::time_point> failed(seconds(30), 3);
  auto all = peers(4);
  auto t0 = Clock::now();
  for (int i = 0; i < 3; ++i) failed.mark(all[static_cast<std::size_t>(i)].key, t0);
  failed.mark(all[3].key, t0);  // the fourth: the first three are forgotten
  auto order = all;
  failed.put_last(order, t0 + seconds(1));
  EXPECT_EQ(names(order), "p0 p1 p2 p3 ");
}

}  // namespace
}  // namespace mlchain::net
