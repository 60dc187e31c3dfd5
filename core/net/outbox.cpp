#include "outbox.h"

namespace mlchain::net::detail {

Outbox::Outbox(crypto::PublicKey peer, std::size_t max_messages, std::size_t max_bytes,
               std::shared_ptr<NetMetrics> metrics)
    : peer_(peer),
      max_messages_(max_messages == 0 ? 1 : max_messages),
      max_bytes_(max_bytes),
      metrics_(std::move(metrics)) {}

void Outbox::push(Bytes message) {
  auto shared = std::make_shared<const Bytes>(std::move(message));
  std::uint64_t dropped = 0;
  {
    std::lock_guard lock(mu_);
    while (!queue_.empty() && (queue_.size() + 1 > max_messages_ || bytes_ + shared->size() > max_bytes_)) {
      bytes_ -= queue_.front()->size();
      queue_.pop_front();
      ++dropped;
    }
    if (shared->size() > max_bytes_) {
      ++dropped;  // cannot fit even alone
    } else {
      bytes_ += shared->size();
      queue_.push_back(std::move(shared));
    }
    report_locked();
  }
  if (dropped > 0) metrics_->dropped(peer_, dropped);
}

std::shared_ptr<const Bytes> Outbox::pop(std::uint64_t link_id) {
  std::lock_guard lock(mu_);
  if (link_id == 0 || link_id != owner_ || queue_.empty()) return nullptr;
  auto front = std::move(queue_.front());
  queue_.pop_front();
  bytes_ -= front->size();
  report_locked();
  return front;
}

void Outbox::set_owner(std::uint64_t link_id) {
  std::lock_guard lock(mu_);
  owner_ = link_id;
}

std::uint64_t Outbox::owner() const {
  std::lock_guard lock(mu_);
  return owner_;
}

void Outbox::report_locked() { metrics_->queue_size(peer_, queue_.size(), bytes_); }

}  // namespace mlchain::net::detail
