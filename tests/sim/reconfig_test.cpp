// Membership changes under faults: remove-member and mark-invalid take
// effect at a checkpoint boundary as a new epoch; the layer stays safe and
// live, certificates verify against each block's own epoch.
#include "scenario.h"

namespace mlchain::sim {
namespace {

using testing::base_options;
using testing::expect_safe_and_live;

class Reconfigure : public ::testing::TestWithParam<std::uint64_t> {};

TEST_P(Reconfigure, RemoveAMiddleMemberUnderDrops) {
  auto o = base_options(5, GetParam());
  o.drop = 0.03;
  o.reconfigurations.push_back(ReconfigSpec{Micros(40'000), consensus::ConfigAction::kRemoveMember, 2});
  auto r = expect_safe_and_live(o);
  EXPECT_EQ(r.epoch, 1u) << r.summary();
}

TEST_P(Reconfigure, MarkThePrimaryInvalidThenCrashAndRestart) {
  auto o = base_options(7, GetParam());
  o.drop = 0.02;
  o.reconfigurations.push_back(ReconfigSpec{Micros(30'000), consensus::ConfigAction::kMarkInvalid, 0});
  o.crashes.push_back(CrashSpec{3, Micros(90'000), Micros(140'000)});
  auto r = expect_safe_and_live(o);
  EXPECT_EQ(r.epoch, 1u) << r.summary();
  EXPECT_EQ(r.restarts, 1u);
}

TEST_P(Reconfigure, TwoSuccessiveChanges) {
  auto o = base_options(6, GetParam());
  o.reconfigurations.push_back(ReconfigSpec{Micros(20'000), consensus::ConfigAction::kRemoveMember, 5});
  o.reconfigurations.push_back(ReconfigSpec{Micros(100'000), consensus::ConfigAction::kRemoveMember, 1});
  auto r = expect_safe_and_live(o);
  EXPECT_EQ(r.epoch, 2u) << r.summary();
}

// A newcomer outside the genesis follows the chain as a learner, is added,
// and then counts: with n = 5 the quorum is 4, so once a founding member
// crashes for good the layer commits only with the newcomer's votes.
TEST_P(Reconfigure, JoinerIsAddedThenCountsInQuorums) {
  auto o = base_options(4, GetParam());
  o.joiners = 1;
  o.ops = 240;
  o.drop = 0.02;
  o.faults_until = Micros(100'000);
  o.reconfigurations.push_back(ReconfigSpec{Micros(20'000), consensus::ConfigAction::kAddMember, 4});
  o.crashes.push_back(CrashSpec{1, Micros(150'000), Micros(0)});
  auto r = expect_safe_and_live(o);
  EXPECT_EQ(r.epoch, 1u) << r.summary();
  EXPECT_EQ(r.learners, 0u) << r.summary();
}

// A joiner that is never added stays a learner, does not vote, and the
// layer is unaffected; one that crashes while learning resumes learning.
TEST_P(Reconfigure, LearnerNotAddedStaysOutside) {
  auto o = base_options(4, GetParam());
  o.joiners = 1;
  o.crashes.push_back(CrashSpec{4, Micros(40'000), Micros(80'000)});
  auto r = expect_safe_and_live(o);
  EXPECT_EQ(r.epoch, 0u) << r.summary();
  EXPECT_EQ(r.learners, 1u) << r.summary();
}

// Two newcomers join in successive epochs, then a founding member leaves.
TEST_P(Reconfigure, TwoJoinersThenALeave) {
  auto o = base_options(4, GetParam());
  o.joiners = 2;
  o.ops = 240;
  o.reconfigurations.push_back(ReconfigSpec{Micros(20'000), consensus::ConfigAction::kAddMember, 4});
  o.reconfigurations.push_back(ReconfigSpec{Micros(90'000), consensus::ConfigAction::kAddMember, 5});
  o.reconfigurations.push_back(ReconfigSpec{Micros(160'000), consensus::ConfigAction::kRemoveMember, 0});
  auto r = expect_safe_and_live(o);
  EXPECT_GE(r.epoch, 2u) << r.summary();
  EXPECT_EQ(r.learners, 0u) << r.summary();
}

INSTANTIATE_TEST_SUITE_P(Sim, Reconfigure, ::testing::Range<std::uint64_t>(1, 9));

}  // namespace
}  // namespace mlchain::sim
