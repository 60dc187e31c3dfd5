// The contract relay: what a high-level member node does with cross-layer
// contracts (DESIGN §5, docs/contracts.md §8). A node::Service, so core/node
// stays free of contracts; `mlchain node run` hosts it.
//
//   POST /v1/contract/packet   Statement 1 check, order (batched), forward
//                              with f+1 member signatures, answer with the
//                              hops and the destination's receipt
//   POST /v1/contract/sign     a member's certificate part for a packet its
//                              own state records
//   GET  /v1/directory/<path>  any layer's address-book entry (f+1 agreement
//                              when it comes from another layer)
//   GET  /v1/contracts/<id>    a contract block, for members, admins and the
//                              parties' edge layers (signed query)
// and it reviews the superior layer in the background (superior_review).
// Ops: "contract:" (contract/state_machine.h). Clients may order only
// "prune" (admin keys) through POST /v1/ops; packets come through the relay.
//
// Threads: handlers parse on the event loop and hand the work to the relay's
// own worker pool (blocking HTTPS calls to other layers happen there); the
// ordering callback runs on the node's driver thread and only queues work.
#pragma once

#include <chrono>
#include <cstddef>

#include "mlchain/node/service.h"

namespace mlchain::relay {

struct RelayOptions {
  std::size_t workers = 128;                        // concurrent packets in forwarding (each blocks on the next layer)
  std::size_t queue_limit = 4096;                   // packets waiting for a worker (more: 503 busy)
  std::chrono::milliseconds default_budget{30'000};  // a packet's time to reach its destination
  std::chrono::milliseconds sign_wait{3'000};       // gathering f+1 signatures
  std::chrono::milliseconds directory_ttl{60'000};  // cached directory answers
  std::size_t batch_bytes = 40 * 1024;              // op text per ordered batch
  // Superior review (DESIGN §7): every member of the superior layer is
  // challenged this often (jittered to [3/4, 5/4]); 0 turns it off. After
  // `freeze_after` rounds in a row in which none answered, the superior alarm
  // is raised and contract traffic towards the superior is frozen: new
  // packets that must go up are refused with 503 "superior_frozen" naming the
  // cause, before anything is ordered. The first round in which a member
  // answers again lifts the freeze.
  std::chrono::milliseconds superior_review{5'000};
  unsigned freeze_after = 2;
  // A packet recorded here whose superior does not answer waits for it: one
  // round over its members this often until one takes it or the packet's
  // budget runs out (then 504 naming the freeze). 0: no waiting (503 at once).
  std::chrono::milliseconds superior_retry{1'000};
};

// Budget header: the sender's remaining time for the rest of the route, in
// milliseconds (1,000..120,000; absent: default_budget). Each layer passes
// on what is left of it.
inline constexpr std::string_view kBudgetHeader = "x-mlchain-budget-ms";
// Statement 4: a member that receives a follow-up of a contract block whose
// responsible node is another member passes the packet to that member first
// (this header set to its own name, so the other handles it without asking
// again) and answers with what it answers. Only when it does not answer
// within kAskResponsible (or is no longer a member) does the member order a
// takeover (contract/state_machine.h) and handle the packet itself.
inline constexpr std::string_view kAskedHeader = "x-mlchain-asked-by";
inline constexpr std::chrono::milliseconds kAskResponsible{2'000};

node::ServiceFactory contract_service(RelayOptions options = {});

// The signed query of GET /v1/contracts/<id> (docs/contracts.md §8.4).
using node::query_signing_bytes;

}  // namespace mlchain::relay
