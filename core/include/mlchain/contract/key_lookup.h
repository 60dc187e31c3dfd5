// A KeyLookup (state_machine.h) over what a node's chain records about its
// neighbours: the superior layer and the initial subordinates from the
// blueprint (genesis), and subordinates attached later by ordered
// add-subordinate ops (node/signed_op.h, table "subordinates": path ->
// {"path", "members": [{"name", "public_key", "address"}], "height"}), the
// latter taking precedence (key rotation). Deterministic: reads only the
// transaction and the blueprint.
//
// An attached entry with "expires_at" is NotFound after that time (block
// time in the state machine): certificates of a subordinate whose entry
// lapsed are refused until it is attached again. Blueprint entries have no
// lifetime.
//
// The superior's keys are those of the candidate the layer trusts now
// (node/superior_change.h: the blueprint's superior until an ordered change
// moves it to an alternate). A high-level neighbour's keys are those of the
// epoch this layer's chain follows it to by its epoch certificates
// (node/epochs.h; the blueprint's valid members until the first one).
#pragma once

#include "mlchain/contract/state_machine.h"
#include "mlchain/ledger/blueprint.h"

namespace mlchain::contract {

KeyLookup address_book_lookup(ledger::Blueprint blueprint);
// The keys of a high-level layer's address book: its valid members.
LayerKeys from_book(const ledger::AddressBook& book);

}  // namespace mlchain::contract
