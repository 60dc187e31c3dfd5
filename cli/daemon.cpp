#include "daemon.h"

namespace mlchain::cli {

sigset_t block_shutdown_signals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  signal(SIGPIPE, SIG_IGN);
  return set;
}

void await_shutdown(const sigset_t& set, node::Logger& log) {
  int sig = 0;
  sigwait(&set, &sig);
  log.info("shutting down", {{"signal", sig == SIGINT ? "SIGINT" : "SIGTERM"}});
}

}  // namespace mlchain::cli
