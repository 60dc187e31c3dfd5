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
# It learns why: by the epoch switch if it still fetched it ("retired"), or
# else from f+1 members being in an epoch without it ("removed").
removed() { curl -sk --max-time 2 "$(url 3)/v1/status" | jq -e '.role == "removed" or .role == "retired"' >/dev/null 2>&1; }
wait_for 20 "n3 to learn it was removed" removed
curl -sk --max-time 2 "$(url 3)/readyz" | grep -Eq "removed from layer|left the layer" ||
  fail "n3's /readyz does not say it is out of the layer: $(curl -sk --max-time 2 "$(url 3)/readyz")"
say "n3 knows it was removed: $(curl -sk --max-time 2 "$(url 3)/readyz" | head -c 160)"

# A member removed while it is down never receives the epoch switch (its
# former peers refuse its links). Restarted, it learns it from f+1 members.
kill -9 "${PIDS[4]}"
invalid4() { layer_json 1 | jq -e '.n == 2 and ([.members[] | select(.name == "n4")][0].status == "invalid")' >/dev/null; }
for _ in $(seq 1 150); do invalid4 && break; bench 1 4 "d$RANDOM" >/dev/null 2>&1 || true; sleep 0.2; done
invalid4 || fail "n4 (killed) was not marked invalid"
out=$(bench 1 20 e) || fail "bench without n4: $out"
start 4
removed4() { curl -sk --max-time 2 "$(url 4)/v1/status" | jq -e '.role == "removed"' >/dev/null 2>&1; }
wait_for 30 "the restarted n4 to learn it was removed" removed4
curl -sk --max-time 2 "$(url 4)/readyz" | grep -q "removed from layer" || fail "n4's /readyz does not say it was removed"
grep -q "no longer a member of its layer" "$DIR/n4.log" || fail "n4 did not log that it was removed"
say "n4, removed while down, knows it on restart: $(curl -sk --max-time 2 "$(url 4)/readyz" | head -c 120)"
say "PASS"
