#!/usr/bin/env bash
# End-to-end peer review: four daemons review each other every ~0.5 s. One
# is frozen (SIGSTOP); the other three challenge it, report it to each other,
# and the layer orders mark-invalid with their 3 signed reports: a new epoch
# without it (n = 3), still committing. Thawed, the invalid node is refused
# by the others (its key is no longer pinned) and is never ready; the layer
# is unaffected. Bounded in time.
# Usage: review_e2e.sh /path/to/mlchain
set -euo pipefail

MLCHAIN=${1:?usage: review_e2e.sh /path/to/mlchain}
E2E_NODES=4
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"
for i in 1 2 3 4; do echo 'review_interval_ms = 500' >>"$DIR/n$i.toml"; done

layer_json() { "$MLCHAIN" layer show --node "$(url "$1")" -o json 2>/dev/null; }
for i in 1 2 3 4; do start $i; done
wait_for 30 "4 nodes ready" all_ready 1 2 3 4
out=$(bench 1 20 a) || fail "bench: $out"
sleep 2  # a few review rounds on a healthy layer
[[ $(layer_json 1 | jq -r .n) == 4 ]] || fail "a healthy member was invalidated"
say "4 members reviewing each other; nobody invalidated"

kill -STOP "${PIDS[3]}"
invalid() { layer_json 1 | jq -e '.n == 3 and ([.members[] | select(.name == "n3")][0].status == "invalid")' >/dev/null; }
wait_for 30 "n3 to be marked invalid" invalid
say "n3 frozen: marked invalid by peer review ($(layer_json 1 | jq -c '{epoch, n, f}'))"
grep -h "ordering mark-invalid" "$DIR"/n1.log "$DIR"/n2.log "$DIR"/n4.log | head -1 >&2
out=$(bench 2 20 b) || fail "bench without n3: $out"
kill -CONT "${PIDS[3]}"
out=$(bench 1 20 c) || fail "bench after thawing n3: $out"
sleep 1
ready 3 && fail "the invalidated n3 must not be ready"
[[ $(layer_json 1 | jq -r .n) == 3 ]] || fail "n3 came back without a join"
say "n3 thawed: refused by the members, not ready; the layer goes on with 3"
say "PASS"
