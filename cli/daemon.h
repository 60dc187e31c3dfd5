// The process model shared by every daemon `mlchain node run` starts (layer
// member or edge central node): SIGINT/SIGTERM are blocked before any thread
// starts and awaited with sigwait, so shutdown runs on the main thread, in
// order; SIGPIPE is ignored (a peer closing a socket is an error code, not a
// signal).
#pragma once

#include <signal.h>

#include "mlchain/node/log.h"

namespace mlchain::cli {

// Call before starting any thread.
sigset_t block_shutdown_signals();
// Blocks until SIGINT or SIGTERM, then logs which.
void await_shutdown(const sigset_t& set, node::Logger& log);

}  // namespace mlchain::cli
