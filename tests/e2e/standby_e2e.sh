#!/usr/bin/env bash
# End-to-end: alternate superiors and change-superior (issue 7, DESIGN §7,
# docs/contracts.md §9.2). A devnet with a standby deployment of L2 (same
# path, own members and chain, contract ids from 1000000001); L2/L1a and
# L2/L1b list it as [[alternate_superiors]].
#  1. A contract E1 -> E3 crosses L2/L1a, L2, L2/L1b.
#  2. Every node of L2 is killed, and a contract is sent at once: L2/L1a
#     records it and it waits. L2/L1a and L2/L1b freeze, find the standby (a
#     quorum answers, it records them), 2f+1 members of each vote, and each
#     layer orders change-superior; /v1/layer and selfcheck name candidate 1.
#     The waiting contract then goes through the standby (nothing dropped;
#     if L2/L1b has not moved yet it answers superior_mismatch and the
#     standby retries within the budget).
#  3. A new contract goes through the standby too: its L2 block is the
#     standby's (L2#1000000002), proven and verified offline against the
#     standby's genesis and refused against the original's.
#  4. A follow-up of the first contract (whose L2 block is on the dead chain)
#     is refused by the standby, naming the block; nothing is delivered.
#  5. An admin decision: a non-admin key is refused (exit 4); an admin moves
#     L2/L1b back to candidate 0 and `layer show` says so.
# Bounded in time; everything started is killed on every exit path.
# Usage: standby_e2e.sh /path/to/mlchain
set -euo pipefail

MLCHAIN=${1:?usage: standby_e2e.sh /path/to/mlchain}
TAG=standby-e2e
LIMIT=${MLCHAIN_E2E_LIMIT:-200}
# shellcheck source=devnet_lib.sh
source "$(dirname "$0")/devnet_lib.sh"
find_ports 19

# The shipped example: the default topology plus one standby of L2 (19 nodes).
TOPOLOGY="$(dirname "$0")/../../docs/examples/devnet-standby.toml"

timeout 180 "$MLCHAIN" -q devnet up --dir "$NET" --base-port "$base" --topology "$TOPOLOGY" --timeout 150 \
  >/dev/null || fail "devnet up"
grep -q '^\[\[alternate_superiors\]\]' "$NET/layers/L2/L1a/blueprint.toml" || fail "L2/L1a's blueprint lists no alternate"
G_L2=$(jq -r '.layers[] | select(.path == "L2") | .genesis_hash' "$NET/devnet.json")
G_SB=$(jq -r '.standbys[0].genesis_hash' "$NET/devnet.json")
[[ -n $G_SB && $G_SB != null && $G_SB != "$G_L2" ]] || fail "no standby genesis hash in devnet.json"
E1=$(addr e1); E3=$(addr e3); L1a=$(addr l1a-n1); L1b=$(addr l1b-n1)
"$MLCHAIN" -q key gen --out "$DIR/a.pem" >/dev/null; "$MLCHAIN" -q key gen --out "$DIR/b.pem" >/dev/null
A=$(M object register --edge "$E1" --admin-key "$NET/admin.pem" --class T/A --perm contract --pubkey "$DIR/a.pem" | jq -r .uuid)
B=$(M object register --edge "$E3" --admin-key "$NET/admin.pem" --class T/B --perm contract --pubkey "$DIR/b.pem" | jq -r .uuid)

# ---- 1. through the original L2 ------------------------------------------------
one=$(M contract send --edge "$E1" --from "$A" --key "$DIR/a.pem" --to "$B" --message '{"n": 1}' --ttl 10m) ||
  fail "send 1: $one"
jq -e '.receipt.ids == ["L2/L1a#1", "L2#1", "L2/L1b#1"]' <<<"$one" >/dev/null || fail "send 1: $one"
IDS1=$(jq -r '.receipt.ids | join(",")' <<<"$one")
say "contract 1 through L2: $IDS1"

# ---- 2. L2 dies; both subordinates move to the standby ---------------------------
for p in $(jq -r '.nodes[] | select(.layer == "L2" and (.standby // 0) == 0) | .pid' "$NET/devnet.json"); do
  kill -9 "$p"
done
T1=$SECONDS
M contract send --edge "$E1" --from "$A" --key "$DIR/a.pem" --to "$B" --message '{"n": 2}' --ttl 10m \
  >"$DIR/queued.json" 2>&1 &
QUEUED=$!
candidate() { curl -sk --max-time 3 "$1/v1/layer" | jq -r '.superior.candidate // empty' 2>/dev/null; }
until [[ $(candidate "$L1a") == 1 && $(candidate "$L1b") == 1 ]]; do
  (( SECONDS - T1 < 90 )) || fail "L2/L1a and L2/L1b did not change superior within 90 s of L2 dying ($(curl -sk "$L1a/v1/status" | jq -c .contracts.superior))"
  sleep 0.5
done
T_SWITCH=$((SECONDS - T1))
say "L2/L1a and L2/L1b moved to the standby $T_SWITCH s after every L2 node died"
lay=$(M layer show --node "$L1a") || fail "layer show: $lay"
jq -e '.superior.candidate == 1 and .superior.changes == 1 and .superior.candidates == 2' <<<"$lay" >/dev/null ||
  fail "/v1/layer after the change: $(jq -c .superior <<<"$lay")"
"$MLCHAIN" layer show --node "$L1a" | grep -q "alternate 1" || fail "layer show does not name the alternate"
# The freeze lifts at the next review round of the new superior.
T2=$SECONDS
until curl -sk --max-time 3 "$L1a/v1/status" | jq -e '.contracts.superior.state == "ok"' >/dev/null 2>&1 &&
  curl -sk --max-time 3 "$L1b/v1/status" | jq -e '.contracts.superior.state == "ok"' >/dev/null 2>&1; do
  (( SECONDS - T2 < 30 )) || fail "the freeze did not lift after the change: $(curl -sk "$L1a/v1/status" | jq -c .contracts.superior)"
  sleep 0.5
done
m=$(curl -sk --max-time 5 "$L1a/metrics"); grep -q '^mlchain_superior_candidate 1' <<<"$m" || fail "mlchain_superior_candidate is not 1"
rc=0; wait "$QUEUED" || rc=$?
queued=$(cat "$DIR/queued.json")
[[ $rc == 0 ]] || fail "the contract sent as L2 died was not carried through the standby (exit $rc): $queued"
jq -e '.receipt.ids == ["L2/L1a#2", "L2#1000000001", "L2/L1b#2"] and .receipt.sig' <<<"$queued" >/dev/null ||
  fail "the waiting contract: expected L2/L1a#2, the standby's L2#1000000001, L2/L1b#2: $queued"
say "the contract sent as L2 died waited and went through the standby: $(jq -r '.receipt.ids | join(",")' <<<"$queued"), $((SECONDS - T1)) s after the kill"
say "superior_mismatch answers at L2/L1b members: $(for n in l1b-n1 l1b-n2 l1b-n3 l1b-n4; do curl -sk --max-time 3 "$(addr $n)/v1/status" | jq -r '.contracts.superior_mismatch // 0'; done | awk '{s += $1} END {print s + 0}')"
sc=$(timeout 60 "$MLCHAIN" -o json selfcheck --node "$L1a") || true
jq -e '.checks[] | select(.check == "superior") | .ok and .data.candidate == 1' <<<"$sc" >/dev/null ||
  fail "selfcheck's superior check after the change: $(jq -c '.checks[] | select(.check == "superior")' <<<"$sc")"

# ---- 3. a new contract goes through the standby -----------------------------------
two=$(M contract send --edge "$E1" --from "$A" --key "$DIR/a.pem" --to "$B" --message '{"n": 3}' --ttl 10m) ||
  fail "send 3 through the standby: $two"
jq -e '.receipt.ids == ["L2/L1a#3", "L2#1000000002", "L2/L1b#3"] and .receipt.sig' <<<"$two" >/dev/null ||
  fail "send 3: expected the standby's block L2#1000000002: $two"
got=$(M object fetch --edge "$E3" --uuid "$B" --key "$DIR/b.pem")
jq -e '[.messages[].body.n] == [1, 2, 3]' <<<"$got" >/dev/null || fail "B should hold messages 1, 2 and 3 once each: $got"
M block query "L2#1000000001" --node "$L1a" --key "$NET/admin.pem" --proof --out "$DIR/sb.json" >/dev/null ||
  fail "query L2#1000000001 with --proof"
M block verify "$DIR/sb.json" --genesis "$G_SB" >/dev/null || fail "the standby's block does not verify against its genesis"
rc=0; M block verify "$DIR/sb.json" --genesis "$G_L2" >/dev/null 2>&1 || rc=$?
[[ $rc == 5 ]] || fail "the standby's block verified against the original L2's genesis (exit $rc)"
say "contract 3 through the standby: $(jq -r '.receipt.ids | join(",")' <<<"$two"); proof verified against the standby's genesis only"

# ---- 4. a follow-up of contract 1 cannot continue on the standby ---------------------
rc=0; fu=$(M contract reply --edge "$E3" --from "$B" --key "$DIR/b.pem" --to "$A" --message '{"late": 1}' \
  --contract "$IDS1" 2>&1) || rc=$?
[[ $rc != 0 ]] || fail "a follow-up of a contract recorded on the dead L2 was accepted: $fu"
grep -q "L2#1" <<<"$fu" || fail "the refusal does not name the block: $fu"
got=$(M object fetch --edge "$E1" --uuid "$A" --key "$DIR/a.pem")
jq -e '[.messages[] | select(.body.late)] | length == 0' <<<"$got" >/dev/null || fail "the refused follow-up was delivered: $got"
say "follow-up of contract 1 refused (exit $rc): $(jq -r '.error.message // .' <<<"$fu" 2>/dev/null | head -c 200)"

# ---- 5. admin decision ----------------------------------------------------------------
rc=0; "$MLCHAIN" -q layer change-superior --node "$L1b" --admin-key "$DIR/a.pem" --to 0 >/dev/null 2>&1 || rc=$?
[[ $rc == 4 ]] || fail "change-superior with a non-admin key should exit 4, got $rc"
rc=0; "$MLCHAIN" -q layer change-superior --node "$L1b" --admin-key "$NET/admin.pem" --to 7 >/dev/null 2>&1 || rc=$?
[[ $rc == 2 ]] || fail "change-superior --to 7 (no such candidate) should exit 2, got $rc"
out=$(M layer change-superior --node "$L1b" --admin-key "$NET/admin.pem" --to 0) || fail "admin change-superior: $out"
jq -e '.from == 1 and .to == 0 and .changes == 2' <<<"$out" >/dev/null || fail "change-superior output: $out"
[[ $(candidate "$L1b") == 0 ]] || fail "L2/L1b is not back on candidate 0"
say "PASS: standby took over in $T_SWITCH s; contract through it verified; stale follow-up refused; admin decision applied"
