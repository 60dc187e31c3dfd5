#include "progress.h"

#include <sys/ioctl.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <vector>

#include "cli.h"

namespace mlchain::cli {
namespace {

constexpr const char* kGreen = "\033[32m";
constexpr const char* kCyan = "\033[36m";
constexpr const char* kReset = "\033[0m";
constexpr std::size_t kMinBar = 10;

bool is_continuation(char c) { return (static_cast<unsigned char>(c) & 0xC0) == 0x80; }

// Display columns, counting each UTF-8 code point as one.
std::size_t columns(const std::string& s) {
  std::size_t n = 0;
  for (char c : s) n += is_continuation(c) ? 0u : 1u;
  return n;
}

// The longest prefix of `s` with at most `cols` columns, cut between code points.
std::string cut(const std::string& s, std::size_t cols) {
  std::size_t seen = 0;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (!is_continuation(s[i])) {
      if (seen == cols) return s.substr(0, i);
      ++seen;
    }
  }
  return s;
}

struct Segment {
  std::string text;
  const char* color = nullptr;
};

// Joins segments, cut to `max_cols` columns; colour codes wrap coloured
// segments only when `color` is set and are not counted.
std::string assemble(const std::vector<Segment>& segments, std::size_t max_cols, bool color) {
  std::string out;
  std::size_t used = 0;
  for (const auto& seg : segments) {
    if (used >= max_cols) break;
    std::string text = cut(seg.text, max_cols - used);
    used += columns(text);
    if (color && seg.color != nullptr && !text.empty()) {
      out += seg.color;
      out += text;
      out += kReset;
    } else {
      out += text;
    }
  }
  return out;
}

// `value` with `decimals` digits after the point.
std::string fixed(double value, int decimals) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, value);
  return buf;
}

std::size_t terminal_width(int fd) {
  winsize ws{};
  if (::ioctl(fd, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0) return ws.ws_col;
  if (const char* env = std::getenv("COLUMNS"); env != nullptr) {
    const long cols = std::strtol(env, nullptr, 10);
    if (cols > 0 && cols < 10'000) return static_cast<std::size_t>(cols);
  }
  return 80;
}

}  // namespace

std::string format_duration(double seconds) {
  if (!std::isfinite(seconds) || seconds < 0) return "--";
  if (seconds < 9.95) return fixed(seconds, 1) + "s";
  const long long s = std::llround(seconds);
  char buf[64];
  if (s < 60) {
    std::snprintf(buf, sizeof buf, "%llds", s);
  } else if (s < 3600) {
    std::snprintf(buf, sizeof buf, "%lldm%02llds", s / 60, s % 60);
  } else {
    std::snprintf(buf, sizeof buf, "%lldh%02lldm", s / 3600, (s % 3600) / 60);
  }
  return buf;
}

std::string format_rate(double per_second) {
  if (!std::isfinite(per_second) || per_second < 0) return "--/s";
  if (per_second < 9.95) return fixed(per_second, 1) + "/s";
  if (per_second < 999.5) return fixed(per_second, 0) + "/s";
  if (per_second < 999'950) return fixed(per_second / 1e3, 1) + "k/s";
  return fixed(per_second / 1e6, 2) + "M/s";
}

std::string render_progress(const ProgressState& state, const RenderOptions& options) {
  const std::size_t max_cols = options.width > 1 ? options.width - 1 : 0;  // the last column would wrap on some terminals
  const double rate =
      state.elapsed_seconds > 0 ? static_cast<double>(state.done) / state.elapsed_seconds : 0.0;
  const std::string unit = state.unit.empty() ? "" : " " + state.unit;
  const std::string prefix = state.label.empty() ? "" : state.label + " ";

  std::vector<std::string> tail;  // fields after the bar / spinner, joined by two spaces
  if (state.total) {
    const std::uint64_t total = *state.total;
    const double fraction =
        total == 0 ? 1.0 : std::min(1.0, static_cast<double>(state.done) / static_cast<double>(total));
    tail.push_back(std::to_string(state.done) + "/" + std::to_string(total) + unit);
    std::string percent = fixed(std::floor(fraction * 100.0), 0) + "%";
    tail.push_back(std::string(4 - std::min<std::size_t>(4, percent.size()), ' ') + percent);
    tail.push_back(format_rate(rate));
    if (state.done >= total) {
      tail.push_back("in " + format_duration(state.elapsed_seconds));
    } else {
      const double eta = rate > 0 ? static_cast<double>(total - state.done) / rate : -1.0;
      tail.push_back("ETA " + format_duration(eta));
    }
    if (!state.status.empty()) tail.push_back(state.status);
    std::string tail_text;
    for (const auto& field : tail) tail_text += (tail_text.empty() ? "" : "  ") + field;

    std::vector<Segment> segments{{prefix}};
    const std::size_t fixed = columns(prefix) + 3 + columns(tail_text);  // "[", "] "
    if (max_cols > fixed && max_cols - fixed >= kMinBar) {
      const std::size_t bar = std::min<std::size_t>(max_cols - fixed, 40);
      auto filled = static_cast<std::size_t>(fraction * static_cast<double>(bar));
      std::string fill(filled, '=');
      if (filled < bar) fill += '>';
      segments.push_back({"["});
      segments.push_back({fill, kGreen});
      segments.push_back({std::string(bar - fill.size(), ' ') + "] "});
    }
    segments.push_back({tail_text});
    return assemble(segments, max_cols, options.color);
  }

  static constexpr char kSpinner[] = {'|', '/', '-', '\\'};
  tail.push_back(std::to_string(state.done) + unit);
  tail.push_back(format_rate(rate));
  tail.push_back(format_duration(state.elapsed_seconds));
  if (!state.status.empty()) tail.push_back(state.status);
  std::string tail_text;
  for (const auto& field : tail) tail_text += (tail_text.empty() ? "" : "  ") + field;
  return assemble({{prefix}, {std::string(1, kSpinner[state.frame % 4]), kCyan}, {" " + tail_text}}, max_cols,
                  options.color);
}

Progress::Options Progress::for_stderr(const Cli& cli, std::string label, std::optional<std::uint64_t> total,
                                       std::string unit) {
  Options o;
  o.label = std::move(label);
  o.total = total;
  o.unit = std::move(unit);
  const char* term = std::getenv("TERM");
  const bool dumb = term != nullptr && std::string(term) == "dumb";  // cannot erase a line
  o.enabled = !cli.global.quiet && !dumb && ::isatty(STDERR_FILENO) == 1;
  o.color = cli.color_stderr();
  o.fd = STDERR_FILENO;
  return o;
}

Progress::Progress(Options options) : options_(std::move(options)), start_(std::chrono::steady_clock::now()) {
  if (options_.enabled) thread_ = std::thread([this] { draw_loop(); });
}

Progress::~Progress() { finish(); }

void Progress::set_status(std::string status) {
  std::lock_guard lock(mu_);
  status_ = std::move(status);
}

void Progress::finish() {
  std::call_once(finished_, [this] {
    {
      std::lock_guard lock(mu_);
      stopping_ = true;
    }
    cv_.notify_all();
    if (thread_.joinable()) thread_.join();
    if (drawn_) {
      static constexpr char kErase[] = "\r\033[K";
      [[maybe_unused]] const auto n = ::write(options_.fd, kErase, sizeof kErase - 1);
      drawn_ = false;
    }
  });
}

void Progress::draw_loop() {
  std::unique_lock lock(mu_);
  while (!stopping_) {
    // The first frame waits one interval too, so a quick command never flashes a line.
    if (cv_.wait_for(lock, options_.interval, [this] { return stopping_; })) break;
    lock.unlock();
    draw();
    lock.lock();
  }
}

void Progress::draw() {
  ProgressState state;
  state.label = options_.label;
  state.done = done();
  state.total = options_.total;
  state.unit = options_.unit;
  state.elapsed_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  state.frame = frame_++;
  {
    std::lock_guard lock(mu_);
    state.status = status_;
  }
  const std::string line =
      "\r" + render_progress(state, {terminal_width(options_.fd), options_.color}) + "\033[K";
  // One write per frame so output from other threads cannot split a line.
  std::size_t off = 0;
  while (off < line.size()) {
    const auto n = ::write(options_.fd, line.data() + off, line.size() - off);
    if (n <= 0) break;
    off += static_cast<std::size_t>(n);
  }
  drawn_ = true;
}

}  // namespace mlchain::cli
