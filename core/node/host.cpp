// The node side of service.h: op dispatch and the NodeHost a hosted service
// talks to.
#include <deque>

#include "mlchain/common/clock.h"
#include "node_impl.h"

namespace mlchain::node {

Result<Bytes> DispatchStateMachine::apply(store::WriteTxn& txn, const consensus::Request& op,
                                          const ledger::OpContext& ctx) {
  if (service_) {
    std::string_view prefix = service_->op_prefix();
    std::string_view text(reinterpret_cast<const char*>(op.op.data()), op.op.size());
    if (text.substr(0, prefix.size()) == prefix) return service_->machine().apply(txn, op, ctx);
  }
  return fallback_.apply(txn, op, ctx);
}

namespace {

class Host final : public NodeHost {
 public:
  explicit Host(Node::Impl& node) : node_(node) {}
  const GenesisFile& genesis() const override { return node_.genesis; }
  const std::string& node_name() const override { return node_.cfg.name; }
  const crypto::PrivateKey& key() const override { return *node_.key; }
  const crypto::Verifier& verifier() const override { return node_.verifier; }
  store::Store& store() override { return *node_.store; }
  Logger& log() override { return node_.log; }
  bool is_member(const crypto::PublicKey& key) const override { return node_.is_member(key); }
  bool behind(std::string* why) const override { return node_.behind(why); }

  std::vector<HostMember> members() const override {
    std::vector<HostMember> out;
    std::lock_guard lock(node_.members_mu);
    for (const auto& k : node_.epoch_snapshot.members) {
      HostMember m{k, {}, {}};
      if (k == node_.key->public_key()) {
        m.name = node_.cfg.name;
      } else if (auto it = node_.known_names.find(k); it != node_.known_names.end()) {
        m.name = it->second;
      }
      if (auto it = node_.known_addresses.find(k); it != node_.known_addresses.end()) m.address = it->second;
      for (const auto& g : node_.genesis.blueprint.members) {
        if (g.key != k) continue;
        if (m.name.empty()) m.name = g.name;
        if (m.address.empty()) m.address = g.address;
      }
      out.push_back(std::move(m));
    }
    return out;
  }

  // One own op in flight at a time: the replica keeps one pending request
  // per client (a newer one replaces it), so ops of this node's key queue here.
  void order(std::string op_text, std::function<void(Result<Ordered>)> done) override {
    bool refuse = false;
    {
      std::lock_guard lock(mu_);
      if (stopped_) {
        refuse = true;
      } else {
        queue_.push_back({std::move(op_text), std::move(done)});
        if (busy_) return;
        busy_ = true;
      }
    }
    if (refuse) return done(unavailable("the node is shutting down"));
    next();
  }

  codec::Json challenge(const crypto::PublicKey& key, const std::string& address) const override {
    return node_.challenge_member(key, address);
  }

  Result<std::optional<ledger::Block>> block(std::uint64_t height) const override {
    if (!node_.ledger) return unavailable("the node is not running");
    return node_.ledger->block(height);
  }

 private:
  struct Item {
    std::string text;
    std::function<void(Result<Ordered>)> done;
  };

  void next() {
    Item item;
    {
      std::lock_guard lock(mu_);
      if (queue_.empty()) {
        busy_ = false;
        return;
      }
      item = std::move(queue_.front());
      queue_.pop_front();
    }
    auto text = std::make_shared<std::string>(std::move(item.text));
    auto done = std::make_shared<std::function<void(Result<Ordered>)>>(std::move(item.done));
    net::Reply reply = [this, done](net::Response r) {
      auto j = codec::parse(r.body);
      if (r.status == 200 && j.ok() && j->is_object() && j->contains("result")) {
        (*done)(Ordered{j->value("result", ""), j->value("height", std::uint64_t{0})});
      } else {
        std::string message = "HTTP " + std::to_string(r.status);
        if (j.ok() && j->is_object() && j->contains("error") && (*j)["error"].is_object())
          message = (*j)["error"].value("message", message);
        (*done)(unavailable("ordering failed: " + message));
      }
      next();
    };
    auto shared_reply = std::make_shared<net::Reply>(std::move(reply));
    auto start = detail::Driver::Clock::now();
    if (!node_.driver.post([this, text, shared_reply, start] {
          // Ids increase per client (signed_op.h): above both the last id the
          // ledger executed for this key (a restart after the clock went
          // back) and the wall clock in microseconds. Driver thread only.
          if (!seeded_) {
            seeded_ = true;
            auto last = node_.ledger->cached_reply(node_.key->public_key().hex());
            if (last.ok() && *last) node_.own_op_id = std::max(node_.own_op_id, (*last)->request_id);
          }
          std::uint64_t id = next_op_id(node_.own_op_id);
          node_.own_op_id = id;
          node_.submit(sign_op(*node_.key, node_.genesis.hash_hex, id, std::move(*text)), {}, 0,
                       std::move(*shared_reply), start);
        })) {
      // Shutting down: fail this op and everything queued behind it. The
      // callbacks run without mu_ (they may order again, which then fails
      // the same way, without recursion on a held lock).
      std::deque<Item> rest;
      {
        std::lock_guard lock(mu_);
        rest.swap(queue_);
        busy_ = false;
        stopped_ = true;
      }
      (*done)(unavailable("the node is shutting down"));
      for (auto& q : rest) q.done(unavailable("the node is shutting down"));
    }
  }

  Node::Impl& node_;
  std::mutex mu_;
  std::deque<Item> queue_;
  bool busy_ = false;
  bool stopped_ = false;  // the driver refused a task: every later order fails at once
  bool seeded_ = false;   // driver: own_op_id raised to the ledger's last id for our key
};

}  // namespace

std::unique_ptr<NodeHost> make_host(Node::Impl& node) { return std::make_unique<Host>(node); }

}  // namespace mlchain::node
