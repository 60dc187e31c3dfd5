#!/usr/bin/env bash
# End-to-end byzantine member (issue 13): a layer of four where n1..n3 run
# real daemons and n4's key is held by mlchain-consensus-forge, which plays
# the byzantine member. It sends the honest members ForwardedRequests that
# burn the admin's request ids (id 2^64-1, ops the admin never signed), then
# floods n1 with large signed ops from fresh keys (more than one peer message
# if batched by count). Afterwards the admin still adds a member (`node join`:
# an admin-signed op, which a burnt id would refuse with 409 old_request_id),
# `bench layer` still commits, the height advances and every honest member
# holds the same head. Bounded in time.
# Usage: byzantine_e2e.sh /path/to/mlchain /path/to/mlchain-consensus-forge
set -euo pipefail

MLCHAIN=${1:?usage: byzantine_e2e.sh /path/to/mlchain /path/to/mlchain-consensus-forge}
FORGE=${2:?usage: byzantine_e2e.sh /path/to/mlchain /path/to/mlchain-consensus-forge}
E2E_NODES=5  # n1..n3 honest, n4 the forge (no daemon), n5 the newcomer
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"

layer_json() { "$MLCHAIN" layer show --node "$(url "$1")" -o json 2>/dev/null; }
layer_n() { layer_json "$1" | jq -r .n; }
role() { "$MLCHAIN" node status --node "$(url "$1")" -o json 2>/dev/null | jq -r .role; }
# (metrics into a variable first: grep -q closing the pipe early would fail curl under pipefail)
metric() {  # metric NODE NAME{LABELS}: its value, 0 when absent, -1 when the node does not answer
  local m; m=$(curl -skf --max-time 5 "$(url "$1")/metrics") || { echo -1; return; }
  awk -v k="$2" '$1 == k { v = $2 } END { print v + 0 }' <<<"$m"
}
honest=(1 2 3)

for i in "${honest[@]}"; do start "$i"; done
wait_for 30 "n1..n3 ready (n4 is silent)" all_ready "${honest[@]}"
out=$(bench 1 10 warm) || fail "bench on n1..n3: $out"
gen=$(jq -r .genesis_hash "$DIR/layer/genesis.json")
say "n1..n3 ready and committing without n4"

# 1. n4 burns the admin's request ids at every honest member.
peers=(); for i in "${honest[@]}"; do peers+=(--peer "$(url "$i")=$(pubkey "$DIR/n$i.pem")"); done
forged=4
out=$("$FORGE" forged-ids --key "$DIR/n4.pem" --genesis "$gen" --replica 3 --victim "$(pubkey "$DIR/admin.pem")" \
  --count "$forged" "${peers[@]}") || fail "forged-ids: $out"
say "n4 forged requests for the admin at ${#honest[@]} members: $out"

# 2. A flood of 48 KiB ops from fresh keys: 3 MiB pending at once (6 MiB as
#    hex: over the old 4 MiB link limit in one batch, the original livelock).
big=64
out=$("$FORGE" big-ops --node "$(url 1)" --genesis "$gen" --count "$big" --size 49152 --timeout-ms 30000) ||
  fail "big-ops: $out"
say "big ops: $(jq -c '{ok, answers, ms}' <<<"$out")"
(( $(jq -r .ok <<<"$out") > 0 )) || fail "no big op committed: $out"
# Those answered 504 (op_timeout_ms) are still pending: the layer must order
# them all, in batches that fit a peer message.
drained() { for i in "${honest[@]}"; do [[ $(metric "$i" mlchain_pending_requests) == 0 ]] || return 1; done; }
wait_for 60 "n1..n3 to order every big op (no pending requests)" drained
for i in "${honest[@]}"; do
  [[ $(metric "$i" 'mlchain_net_rejected_total{reason="oversized_frame"}') == 0 ]] || fail "n$i closed a link for an oversized frame"
done

# 3. The admin still changes the membership: n5 joins.
start 5
wait_for 20 "n5 to answer" ready_or_up 5
out=$("$MLCHAIN" node join --config "$DIR/n5.toml" --admin-key "$DIR/admin.pem" \
  --timeout $((60 * ${MLCHAIN_TEST_TIMEOUT_SCALE:-1})) -o json) ||
  fail "the admin's join failed (ids burnt by the forged requests?): $out"
[[ $(jq -r .ready <<<"$out") == true && $(jq -r .n <<<"$out") == 5 ]] || fail "join output: $out"
[[ $(role 5) == member ]] || fail "n5 is $(role 5) after joining"
for i in 1 2 3 5; do [[ $(layer_n "$i") == 5 ]] || fail "n$i does not see n = 5"; done
# The forged requests reached every honest member and were refused there.
# (At least one each: the forge exits right after writing, and a close with
# unread input resets the link, which can cost the last frames in flight.)
for i in "${honest[@]}"; do
  d=$(metric "$i" 'mlchain_consensus_dropped_total{reason="unauthenticated_request"}')
  (( d >= 1 )) || fail "n$i refused $d forged requests, expected at least 1 of $forged"
done
say "the admin added n5 (epoch $(jq -r .epoch <<<"$out")); each member refused the forged requests it got"

# 4. The layer still commits, with n5 in every quorum (n = 5, q = 4, n4 silent).
h0=$(height 1)
out=$(timeout $((90 * ${MLCHAIN_TEST_TIMEOUT_SCALE:-1})) "$MLCHAIN" bench layer --node "$(url 2)" --ops 300 --concurrency 8 --prefix after -o json) ||
  fail "bench after the attacks: $out"
(( $(jq -r .committed <<<"$out") == 300 )) || fail "bench output: $out"
say "bench: $(jq -c '{committed, ops_per_second}' <<<"$out")"

# 5. The height advanced and the honest members agree on the head.
h1=$(height 1)
(( h1 > h0 )) || fail "height did not advance ($h0 -> $h1)"
wait_for 20 "equal heights" same_height "$h1" 1 2 3 5
hash1=$(layer_json 1 | jq -r .head_hash)
for i in 2 3 5; do [[ $(layer_json "$i" | jq -r .head_hash) == "$hash1" ]] || fail "n$i head differs"; done
say "height $h0 -> $(height 1); n1, n2, n3, n5 agree on head ${hash1:0:16}"
say "PASS"
