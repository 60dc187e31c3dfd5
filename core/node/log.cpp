#include "mlchain/node/log.h"

#include <chrono>
#include <ctime>

#include "mlchain/codec/json.h"

namespace mlchain::node {
namespace {

std::string_view level_name(LogLevel l) {
  switch (l) {
    case LogLevel::kDebug: return "debug";
    case LogLevel::kInfo: return "info";
    case LogLevel::kWarn: return "warn";
    case LogLevel::kError: return "error";
  }
  return "info";
}

std::string timestamp() {
  auto now = std::chrono::system_clock::now();
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count();
  std::time_t secs = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[40];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  char out[48];
  std::snprintf(out, sizeof out, "%s.%03dZ", buf, static_cast<int>(ms % 1000));
  return out;
}

}  // namespace

void Logger::log(LogLevel level, std::string_view msg, const LogFields& fields) {
  if (!enabled(level)) return;
  std::string line;
  if (format_ == LogFormat::kJson) {
    codec::Json j = {{"ts", timestamp()}, {"level", level_name(level)}, {"msg", msg}};
    codec::Json f = codec::Json::object();
    for (const auto& [k, v] : fields) f[k] = v;
    if (!f.empty()) j["fields"] = std::move(f);
    line = j.dump(-1, ' ', false, codec::Json::error_handler_t::replace);
  } else {
    line = timestamp() + " " + std::string(level_name(level));
    line.append(6 - level_name(level).size(), ' ');
    line += msg;
    for (const auto& [k, v] : fields) {
      line += " " + k + "=";
      line += v.find(' ') == std::string::npos && !v.empty() ? v : "\"" + v + "\"";
    }
  }
  line += "\n";
  std::lock_guard lock(mu_);
  std::fwrite(line.data(), 1, line.size(), out_);
  std::fflush(out_);
}

}  // namespace mlchain::node
