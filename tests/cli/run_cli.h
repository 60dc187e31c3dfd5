// Runs the real mlchain binary for CLI tests: argv in, exit code and both
// output streams out. Bounded: the child is killed after a timeout.
#pragma once

#include <map>
#include <string>
#include <vector>

namespace mlchain::cli_test {

struct RunResult {
  int exit_code = -1;
  std::string out;
  std::string err;
};

RunResult run(const std::string& program, const std::vector<std::string>& args,
              const std::map<std::string, std::string>& env = {}, int timeout_seconds = 60);

inline RunResult mlchain(const std::vector<std::string>& args, const std::map<std::string, std::string>& env = {}) {
  return run(MLCHAIN_BIN, args, env);
}

// A fresh temporary directory, removed at destruction.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }
  std::string file(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

std::string read_file(const std::string& path);

// A loopback port with nothing listening (bound, then released).
int closed_port();

}  // namespace mlchain::cli_test
