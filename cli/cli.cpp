#include "cli.h"

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <iostream>

namespace mlchain::cli {
namespace {

bool want_color(const std::string& mode, int fd) {
  if (mode == "always") return true;
  if (mode == "never") return false;
  const char* no_color = std::getenv("NO_COLOR");
  if (no_color != nullptr && *no_color != '\0') return false;
  const char* term = std::getenv("TERM");
  if (term != nullptr && std::string(term) == "dumb") return false;
  return isatty(fd) == 1;
}

}  // namespace

int exit_code_for(ErrorCode code) {
  switch (code) {
    case ErrorCode::kOk: return kExitOk;
    case ErrorCode::kInvalidArgument:
    case ErrorCode::kAlreadyExists: return kExitUsage;
    case ErrorCode::kUnavailable: return kExitUnreachable;
    case ErrorCode::kPermissionDenied:
    case ErrorCode::kUnauthenticated: return kExitUnauthorised;
    case ErrorCode::kVerificationFailed: return kExitVerification;
    default: return kExitFailed;
  }
}

bool Cli::color_stdout() const { return want_color(global.color, STDOUT_FILENO); }
bool Cli::color_stderr() const { return want_color(global.color, STDERR_FILENO); }

void Cli::print_json(const codec::Json& value) const {
  std::cout << value.dump(-1, ' ', false, codec::Json::error_handler_t::replace) << '\n';
}

void Cli::print_text(const std::string& text) const {
  std::cout << text;
  if (!text.empty() && text.back() != '\n') std::cout << '\n';
}

void Cli::print_fields(const std::vector<std::pair<std::string, std::string>>& rows) const {
  std::size_t width = 0;
  for (const auto& row : rows) width = std::max(width, row.first.size());
  bool color = color_stdout();
  for (const auto& [key, value] : rows) {
    std::string label = key + ":";
    label.resize(width + 2, ' ');
    if (color) {
      std::cout << "\033[1m" << label << "\033[0m" << value << '\n';
    } else {
      std::cout << label << value << '\n';
    }
  }
}

void Cli::info(const std::string& message) const {
  if (!global.quiet) std::cerr << message << '\n';
}

int Cli::fail(const Status& status, const std::string& hint) const {
  int code = exit_code_for(status.code());
  if (json()) {
    codec::Json err = {{"error", {{"code", std::string(error_code_name(status.code()))},
                                  {"message", status.message()},
                                  {"exit_code", code}}}};
    if (!hint.empty()) err["error"]["hint"] = hint;
    print_json(err);
  }
  bool color = color_stderr();
  std::cerr << (color ? "\033[1;31merror:\033[0m " : "error: ") << status.message() << '\n';
  if (!hint.empty()) std::cerr << (color ? "\033[1mhint:\033[0m " : "hint: ") << hint << '\n';
  return code;
}

CLI::Option* Cli::choice(CLI::Option* opt, std::vector<std::string> values) {
  opt->check(CLI::IsMember(values));
  hints.choices[opt] = std::move(values);
  return opt;
}

CLI::Option* Cli::file(CLI::Option* opt) {
  hints.files.insert(opt);
  return opt;
}

std::string iso_time(std::int64_t unix_ms) {
  std::int64_t secs = unix_ms >= 0 ? unix_ms / 1000 : (unix_ms - 999) / 1000;
  auto ms = static_cast<int>(unix_ms - secs * 1000);
  std::time_t t = static_cast<std::time_t>(secs);
  std::tm tm{};
  if (::gmtime_r(&t, &tm) == nullptr) return std::to_string(unix_ms) + " ms";
  char buf[48];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                tm.tm_hour, tm.tm_min, tm.tm_sec, ms);
  return buf;
}

}  // namespace mlchain::cli
