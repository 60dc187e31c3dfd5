// The progress display: the pure renderer, and the drawer against a pipe.
#include "progress.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <thread>
#include <vector>

namespace mlchain::cli {
namespace {

ProgressState bar_state(std::uint64_t done, std::uint64_t total, double elapsed) {
  ProgressState s;
  s.label = "bench";
  s.done = done;
  s.total = total;
  s.unit = "ops";
  s.elapsed_seconds = elapsed;
  return s;
}

std::size_t count(const std::string& s, char c) { return static_cast<std::size_t>(std::count(s.begin(), s.end(), c)); }

TEST(RenderProgress, BarShowsCountPercentRateAndEta) {
  const std::string line = render_progress(bar_state(250, 1000, 2.0), {100, false});
  // The widest bar (40 columns), a quarter full; 125 ops/s; 750 left at 125/s = 6 s.
  EXPECT_EQ(line, "bench [" + std::string(10, '=') + ">" + std::string(29, ' ') + "] 250/1000 ops   25%  125/s  ETA 6.0s");
  // On 80 columns the bar shrinks so the line stays within 79.
  const std::string narrower = render_progress(bar_state(250, 1000, 2.0), {80, false});
  EXPECT_EQ(narrower.size(), 79u) << narrower;
  EXPECT_NE(narrower.find("] 250/1000 ops   25%  125/s  ETA 6.0s"), std::string::npos) << narrower;
}

TEST(RenderProgress, CompleteBarIsFullAndShowsTheDuration) {
  const std::string line = render_progress(bar_state(1000, 1000, 75.0), {100, false});
  EXPECT_NE(line.find("[" + std::string(40, '=') + "]"), std::string::npos) << line;
  EXPECT_NE(line.find("100%"), std::string::npos) << line;
  EXPECT_NE(line.find("in 1m15s"), std::string::npos) << line;
  EXPECT_EQ(line.find("ETA"), std::string::npos) << line;
}

TEST(RenderProgress, NothingDoneYetHasNoEta) {
  const std::string line = render_progress(bar_state(0, 10, 0.0), {80, false});
  EXPECT_NE(line.find("0/10 ops"), std::string::npos) << line;
  EXPECT_NE(line.find("  0%"), std::string::npos) << line;
  EXPECT_NE(line.find("ETA --"), std::string::npos) << line;
  EXPECT_NE(line.find("[>"), std::string::npos) << line;
}

TEST(RenderProgress, ZeroTotalAndOvershootAreComplete) {
  EXPECT_NE(render_progress(bar_state(0, 0, 1.0), {80, false}).find("100%"), std::string::npos);
  EXPECT_NE(render_progress(bar_state(12, 10, 1.0), {80, false}).find("100%"), std::string::npos);
}

TEST(RenderProgress, NeverWiderThanTheTerminalLessOneColumn) {
  auto state = bar_state(123456, 1000000, 3.5);
  state.status = "7 failed";
  for (std::size_t width : {0u, 1u, 5u, 20u, 40u, 50u, 60u, 79u, 120u, 300u}) {
    const std::string line = render_progress(state, {width, false});
    EXPECT_LE(line.size(), width == 0 ? 0 : width - 1) << width << ": " << line;
  }
  // Too narrow for a useful bar: the bar goes, the numbers stay.
  const std::string narrow = render_progress(state, {60, false});
  EXPECT_EQ(narrow.find('['), std::string::npos) << narrow;
  EXPECT_EQ(narrow.rfind("bench 123456/1000000 ops", 0), 0u) << narrow;
  // A wide terminal does not stretch the bar past 40 columns.
  EXPECT_EQ(count(render_progress(state, {300, false}), ' ') < 60, true);
}

TEST(RenderProgress, SpinnerModeForUnknownTotal) {
  ProgressState s;
  s.label = "sync";
  s.done = 42;
  s.unit = "blocks";
  s.elapsed_seconds = 4.0;
  s.status = "from n2";
  EXPECT_EQ(render_progress(s, {80, false}), "sync | 42 blocks  10/s  4.0s  from n2");
  std::vector<char> frames;
  for (unsigned f = 0; f < 5; ++f) {
    s.frame = f;
    frames.push_back(render_progress(s, {80, false})[5]);
  }
  EXPECT_EQ(frames, (std::vector<char>{'|', '/', '-', '\\', '|'}));
}

TEST(RenderProgress, ColourOnlyWhenAskedAndNotCountedInTheWidth) {
  const auto state = bar_state(500, 1000, 1.0);
  const std::string plain = render_progress(state, {80, false});
  const std::string coloured = render_progress(state, {80, true});
  EXPECT_EQ(plain.find('\033'), std::string::npos);
  EXPECT_NE(coloured.find("\033[32m"), std::string::npos);
  // Stripping the escapes gives the plain line back.
  std::string stripped;
  for (std::size_t i = 0; i < coloured.size(); ++i) {
    if (coloured[i] == '\033') {
      i = coloured.find('m', i);
      continue;
    }
    stripped += coloured[i];
  }
  EXPECT_EQ(stripped, plain);
}

TEST(RenderProgress, CutsLongUtf8StatusBetweenCodePoints) {
  ProgressState s;
  s.status = std::string(100, 'x') + "é";  // two bytes, one column
  s.elapsed_seconds = 1;
  for (std::size_t width = 10; width < 130; ++width) {
    const std::string line = render_progress(s, {width, false});
    ASSERT_FALSE(!line.empty() && (static_cast<unsigned char>(line.back()) == 0xC3)) << width;
  }
}

TEST(FormatProgress, DurationsAndRates) {
  EXPECT_EQ(format_duration(0.42), "0.4s");
  EXPECT_EQ(format_duration(12.4), "12s");
  EXPECT_EQ(format_duration(59.6), "1m00s");
  EXPECT_EQ(format_duration(185), "3m05s");
  EXPECT_EQ(format_duration(7620), "2h07m");
  EXPECT_EQ(format_duration(-1), "--");
  EXPECT_EQ(format_rate(0.25), "0.2/s");
  EXPECT_EQ(format_rate(950), "950/s");
  EXPECT_EQ(format_rate(12'345), "12.3k/s");
  EXPECT_EQ(format_rate(1'200'000), "1.20M/s");
}

// The drawer, writing into a pipe instead of a terminal.
class Pipe {
 public:
  Pipe() {
    EXPECT_EQ(::pipe(fds_), 0);
    ::fcntl(fds_[0], F_SETFL, O_NONBLOCK);
  }
  ~Pipe() {
    ::close(fds_[0]);
    ::close(fds_[1]);
  }
  int write_end() const { return fds_[1]; }
  std::string drain() {
    std::string out;
    char buf[4096];
    for (;;) {
      const auto n = ::read(fds_[0], buf, sizeof buf);
      if (n <= 0) return out;
      out.append(buf, static_cast<std::size_t>(n));
    }
  }

 private:
  int fds_[2] = {-1, -1};
};

TEST(Progress, DisabledDrawsNothingButCounts) {
  Pipe pipe;
  Progress::Options o;
  o.enabled = false;
  o.fd = pipe.write_end();
  Progress p(o);
  p.add(3);
  p.finish();
  EXPECT_EQ(p.done(), 3u);
  EXPECT_EQ(pipe.drain(), "");
}

TEST(Progress, DrawsFromWorkerUpdatesAndErasesItsLineOnFinish) {
  Pipe pipe;
  Progress::Options o;
  o.label = "t";
  o.total = 4000;
  o.unit = "ops";
  o.enabled = true;
  o.fd = pipe.write_end();
  o.interval = std::chrono::milliseconds(5);
  Progress p(o);
  std::vector<std::thread> workers;
  for (int t = 0; t < 4; ++t) {
    workers.emplace_back([&] {
      for (int i = 0; i < 1000; ++i) p.add();
    });
  }
  for (auto& w : workers) w.join();
  p.set_status("0 failed");
  // Bounded wait for at least one frame showing the final count.
  std::string out;
  const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (out.find("4000/4000") == std::string::npos && std::chrono::steady_clock::now() < until) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
    out += pipe.drain();
  }
  p.finish();
  p.finish();  // idempotent
  out += pipe.drain();
  EXPECT_EQ(p.done(), 4000u);
  EXPECT_NE(out.find("\rt ["), std::string::npos) << out;
  EXPECT_NE(out.find("4000/4000 ops"), std::string::npos) << out;
  ASSERT_GE(out.size(), 4u);
  EXPECT_EQ(out.substr(out.size() - 4), "\r\033[K");  // the line is gone
  EXPECT_EQ(out.find('\n'), std::string::npos);
}

TEST(Progress, QuickCommandNeverDraws) {
  Pipe pipe;
  Progress::Options o;
  o.enabled = true;
  o.fd = pipe.write_end();
  o.interval = std::chrono::milliseconds(10'000);
  {
    Progress p(o);
    p.add();
  }  // destructor finishes
  EXPECT_EQ(pipe.drain(), "");
}

}  // namespace
}  // namespace mlchain::cli
