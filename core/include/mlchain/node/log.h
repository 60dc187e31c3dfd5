// Logger: one line per event on stderr, as text or as JSON lines.
//
//   text: 2026-11-25T15:20:01.123Z info  committed block height=12 ops=3
//   json: {"fields":{"height":12,"ops":3},"level":"info","msg":"committed block","ts":"..."}
//
// Never pass key material: fields are printed as given.
// Thread safety: log() may be called from any thread (one lock per line).
#pragma once

#include <cstdio>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "mlchain/node/config.h"

namespace mlchain::node {

using LogFields = std::vector<std::pair<std::string, std::string>>;

class Logger {
 public:
  explicit Logger(LogFormat format = LogFormat::kText, LogLevel level = LogLevel::kInfo, std::FILE* out = stderr)
      : format_(format), level_(level), out_(out) {}

  void set_format(LogFormat f) { format_ = f; }
  void set_level(LogLevel l) { level_ = l; }
  bool enabled(LogLevel l) const { return l >= level_; }

  void log(LogLevel level, std::string_view msg, const LogFields& fields = {});
  void debug(std::string_view msg, const LogFields& fields = {}) { log(LogLevel::kDebug, msg, fields); }
  void info(std::string_view msg, const LogFields& fields = {}) { log(LogLevel::kInfo, msg, fields); }
  void warn(std::string_view msg, const LogFields& fields = {}) { log(LogLevel::kWarn, msg, fields); }
  void error(std::string_view msg, const LogFields& fields = {}) { log(LogLevel::kError, msg, fields); }

 private:
  LogFormat format_;
  LogLevel level_;
  std::FILE* out_;
  std::mutex mu_;
};

}  // namespace mlchain::node
