#!/usr/bin/env bash
# End-to-end: a layer that grows keeps all its members connected (issue 14
# item 4). Four founders; four newcomers n5..n8 admitted one after another
# (`node join`, each ready before the next). Each add-member op is ordered in
# some block of the checkpoint window and takes effect at its boundary; a
# node that linked only to members added in the boundary block itself (the
# bug) never linked the newcomers to each other, and the fourth newcomer
# stayed "connected to 5 of 8 members". Then every one of the 8 members must
# see the other 7 connected, the layer commits, and a restarted newcomer
# links to every member again from its chain.
# Bounded in time. Usage: grow_e2e.sh /path/to/mlchain
set -euo pipefail

MLCHAIN=${1:?usage: grow_e2e.sh /path/to/mlchain}
E2E_NODES=8
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"

layer_json() { "$MLCHAIN" layer show --node "$(url "$1")" -o json 2>/dev/null; }
# every_link N...: each listed node sees exactly N members, all connected
all_linked() {
  local n=$1; shift
  for i in "$@"; do
    layer_json "$i" | jq -e --argjson n "$n" '(.members | map(select(.status != "invalid")) | length) == $n and
      all(.members[] | select(.status != "invalid"); .connected)' >/dev/null || return 1
  done
}

for i in 1 2 3 4; do start $i; done
wait_for 30 "4 founders ready" all_ready 1 2 3 4
say "4 founders ready"

for i in 5 6 7 8; do
  start $i
  wait_for 20 "n$i to answer" ready_or_up $i
  out=$("$MLCHAIN" node join --config "$DIR/n$i.toml" --admin-key "$DIR/admin.pem" --timeout 60 -o json) ||
    fail "node join n$i failed: $out"
  [[ $(jq -r .ready <<<"$out") == true && $(jq -r .n <<<"$out") == "$i" ]] || fail "join n$i output: $out"
  say "n$i joined and ready: $(jq -c '{epoch, n, height, seconds}' <<<"$out")"
done

wait_for 30 "every member to link to the 7 others" all_linked 8 1 2 3 4 5 6 7 8
say "all 8 members linked to each other"
# Every running node names the newcomers and their addresses from its chain
# (issue 20: a founder that was never restarted listed them nameless).
for i in 1 2 3 4 5 6 7 8; do
  names=$(layer_json "$i" | jq -c '[.members[] | select(.status != "invalid") | "\(.name) \(.address)"] | sort')
  for j in 5 6 7 8; do
    jq -e --arg m "n$j $(url $j)" 'index($m) != null' <<<"$names" >/dev/null || fail "n$i lists the members as $names, without n$j at $(url $j)"
  done
done
say "every member names the newcomers and their addresses"
out=$(bench 8 40 grow) || fail "bench through n8: $out"
say "the 8-member layer commits: $(jq -c '{ops, ops_per_s}' <<<"$out" 2>/dev/null || echo "$out")"

# A newcomer restarted: its links come from its chain's member directory.
kill -9 "${PIDS[6]}"; wait "${PIDS[6]}" 2>/dev/null || true; unset "PIDS[6]"
start 6
wait_for 30 "n6 to link to the 7 others after a restart" all_linked 8 6
wait_for 30 "every member to see n6 again" all_linked 8 1 2 3 4 5 7 8
say "n6 restarted and relinked to every member"
say "PASS"
