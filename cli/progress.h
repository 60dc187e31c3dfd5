// Progress display for long-running commands (DESIGN §9: progress on stderr,
// only on a terminal, never with -q; colour only without NO_COLOR).
//
// Two modes: a bar with done/total, rate and ETA when the total is known, and
// a spinner with count, rate and elapsed time when it is not. Both may carry
// a short status text ("3 failed", "connecting").
//
// The rendering is a pure function (render_progress) so it can be tested
// without a terminal; Progress owns the drawing: a small thread redraws one
// line at most every `interval` (default 100 ms, i.e. ≤ 10 redraws/s) from
// counters that workers update with one atomic add, and finish() erases the
// line so the command's own output starts on a clean line.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

namespace mlchain::cli {

class Cli;

// What one frame shows.
struct ProgressState {
  std::string label;                   // e.g. "bench"; may be empty
  std::uint64_t done = 0;              // units completed so far
  std::optional<std::uint64_t> total;  // none: spinner mode
  std::string unit;                    // e.g. "ops"; may be empty
  double elapsed_seconds = 0;          // since start
  std::string status;                  // extra text at the end; may be empty
  unsigned frame = 0;                  // spinner animation step
};

struct RenderOptions {
  std::size_t width = 80;  // terminal columns; the line never exceeds width - 1
  bool color = false;      // ANSI colours (not counted in the width)
};

// One line, without '\r' or '\n'. Text other than `label`/`unit`/`status`
// is ASCII; those are cut at a byte boundary that keeps UTF-8 intact.
std::string render_progress(const ProgressState& state, const RenderOptions& options);

// "0.4s", "12s", "3m05s", "2h07m"; "--" for a negative or non-finite value.
std::string format_duration(double seconds);
// "950/s", "12.3k/s", "1.20M/s" (per second, unit given by the caller).
std::string format_rate(double per_second);

class Progress {
 public:
  struct Options {
    std::string label;
    std::optional<std::uint64_t> total;  // none: spinner mode
    std::string unit;
    bool enabled = false;  // false: every method is a cheap no-op for the display
    bool color = false;
    int fd = 2;  // where to draw (stderr)
    std::chrono::milliseconds interval{100};
  };

  // Options for the CLI's stderr: enabled when stderr is a terminal (and
  // TERM is not "dumb") and -q was not given; colour per --color/NO_COLOR.
  static Options for_stderr(const Cli& cli, std::string label, std::optional<std::uint64_t> total,
                            std::string unit);

  explicit Progress(Options options);
  ~Progress();  // finish()
  Progress(const Progress&) = delete;
  Progress& operator=(const Progress&) = delete;

  // Thread-safe, from any thread; they only update counters (the drawing
  // thread picks them up).
  void add(std::uint64_t n = 1) { done_.fetch_add(n, std::memory_order_relaxed); }
  void set(std::uint64_t done) { done_.store(done, std::memory_order_relaxed); }
  void set_status(std::string status);

  std::uint64_t done() const { return done_.load(std::memory_order_relaxed); }
  bool enabled() const { return options_.enabled; }

  // Stops redrawing and erases the line. Idempotent; thread-safe.
  void finish();

 private:
  void draw_loop();
  void draw();

  Options options_;
  std::chrono::steady_clock::time_point start_;
  std::atomic<std::uint64_t> done_{0};
  std::mutex mu_;
  std::condition_variable cv_;
  std::string status_;  // guarded by mu_
  bool stopping_ = false;  // guarded by mu_
  bool drawn_ = false;     // a line is on screen; drawing thread only (and finish after join)
  unsigned frame_ = 0;
  std::thread thread_;
  std::once_flag finished_;
};

}  // namespace mlchain::cli
