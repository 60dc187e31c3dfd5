// Private to core/net: the bounded send queue of one peer (see peer.h for
// the policy: drop oldest when full; one draining link at a time).
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>

#include "mlchain/common/bytes.h"
#include "mlchain/crypto/ed25519.h"
#include "mlchain/net/metrics.h"

namespace mlchain::net::detail {

class Outbox {
 public:
  Outbox(crypto::PublicKey peer, std::size_t max_messages, std::size_t max_bytes, std::shared_ptr<NetMetrics> metrics);

  // Queues `message`, first dropping the oldest messages until it fits.
  // A message larger than max_bytes on its own replaces the whole queue.
  void push(Bytes message);
  // The next message, if `link_id` is the link allowed to drain the queue.
  std::shared_ptr<const Bytes> pop(std::uint64_t link_id);
  // 0: nobody drains (no live link); messages wait.
  void set_owner(std::uint64_t link_id);
  std::uint64_t owner() const;

 private:
  void report_locked();

  const crypto::PublicKey peer_;
  const std::size_t max_messages_;
  const std::size_t max_bytes_;
  const std::shared_ptr<NetMetrics> metrics_;
  mutable std::mutex mu_;
  std::deque<std::shared_ptr<const Bytes>> queue_;
  std::size_t bytes_ = 0;
  std::uint64_t owner_ = 0;
};

}  // namespace mlchain::net::detail
