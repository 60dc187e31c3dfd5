#!/usr/bin/env bash
# End-to-end: `mlchain devnet up|status|down` with the default topology (15
# processes: L2, L2/L1a, L2/L1b with 4 nodes each; edges E1, E2 under L1a and
# E3 under L1b) on loopback, in a temp --dir, on a free port range.
# up -> status: 15 ready rows, exit 0 -> a second up, busy ports and a bad
# topology are refused (exit 2) ->
# layer show --tree from an L1a node: L2 with L1a (asked) and L1b, the edges
# under their L1s -> E2 attached with another key: status exit 1, e2 'not
# attached', its hinted attach command heals it -> an edge killed: status
# exit 1 naming it -> down -> no
# recorded pid alive -> status of an empty dir exit 2.
# Bounded in time; everything started is killed on every exit path.
# Usage: devnet_e2e.sh /path/to/mlchain
set -euo pipefail

MLCHAIN=${1:?usage: devnet_e2e.sh /path/to/mlchain}
TAG=devnet-e2e
LIMIT=${MLCHAIN_E2E_LIMIT:-220}
# shellcheck source=devnet_lib.sh
source "$(dirname "$0")/devnet_lib.sh"
find_ports 15
say "dir $NET, ports $base..$((base + 14))"

# status of a directory without a devnet: exit 2
rc=0; "$MLCHAIN" devnet status --dir "$NET" >/dev/null 2>&1 || rc=$?
[[ $rc == 2 ]] || fail "status without a devnet should exit 2, got $rc"

t0=$SECONDS
up=$(timeout 150 "$MLCHAIN" devnet up --dir "$NET" --base-port "$base" --timeout 120 -o json) || fail "devnet up failed"
say "devnet up took $((SECONDS - t0)) s (all ready after $(jq -r '.ready_seconds' <<<"$up") s)"
jq -e '(.nodes | length) == 15 and ([.nodes[] | select(.role == "edge")] | length) == 3' <<<"$up" >/dev/null ||
  fail "state: $up"
cmp -s <(jq -S 'del(.ready_seconds)' <<<"$up") <(jq -S . "$NET/devnet.json") || fail "up -o json differs from devnet.json"
for p in $(recorded_pids); do ours_alive "$p" || fail "recorded pid $p is not running"; done

st=$(timeout 30 "$MLCHAIN" devnet status --dir "$NET" -o json) || fail "status should exit 0: $st"
jq -e '.healthy and (.nodes | length) == 15 and ([.nodes[] | select(.health == "ready")] | length) == 15' <<<"$st" \
  >/dev/null || fail "status: $st"
jq -e '[.nodes[] | select(.role == "member") | .height | numbers] | length == 12' <<<"$st" >/dev/null ||
  fail "member heights missing: $st"
text=$("$MLCHAIN" devnet status --dir "$NET")
[[ $(grep -c ' ready$' <<<"$text") == 15 ]] || fail "status table: $text"
say "status: 15 healthy"

rc=0; "$MLCHAIN" devnet up --dir "$NET" --base-port "$base" >/dev/null 2>"$DIR/again.err" || rc=$?
[[ $rc == 2 ]] && grep -q 'already running' "$DIR/again.err" || fail "a second up should be refused with 2, got $rc"
# The documented topology parses and validates; its ports are taken now: exit 2, hint --base-port, nothing written.
rc=0; "$MLCHAIN" devnet up --dir "$DIR/other" --base-port "$base" \
  --topology "$(dirname "$0")/../../docs/examples/devnet-topology.toml" >/dev/null 2>"$DIR/ports.err" || rc=$?
[[ $rc == 2 ]] && grep -q 'ports in use' "$DIR/ports.err" && grep -q -- '--base-port' "$DIR/ports.err" ||
  fail "busy ports should be refused with 2 and a --base-port hint, got $rc: $(cat "$DIR/ports.err")"
[[ ! -e $DIR/other ]] || fail "a refused up should write nothing"
printf '[[layers]]\npath = "L2/L1a"\nnodes = 4\n' >"$DIR/bad.toml"
rc=0; "$MLCHAIN" devnet up --dir "$DIR/other" --topology "$DIR/bad.toml" >/dev/null 2>"$DIR/bad.err" || rc=$?
[[ $rc == 2 ]] && grep -q 'superior of L2/L1a (L2) is not listed' "$DIR/bad.err" || fail "bad topology: rc $rc: $(cat "$DIR/bad.err")"

l1a=$(jq -r '[.nodes[] | select(.layer == "L2/L1a" and .role == "member")][1].address' "$NET/devnet.json")
tree=$(timeout 60 "$MLCHAIN" layer show --node "$l1a" --tree -o json) || fail "layer show --tree"
jq -e '.layer == "L2" and .reachable and ([.children[].layer] | sort) == ["L2/L1a", "L2/L1b"]' <<<"$tree" >/dev/null ||
  fail "root: $tree"
jq -e '.children[] | select(.layer == "L2/L1a") | .reachable and .asked and ([.children[].layer] | sort) == ["L2/L1a/E1", "L2/L1a/E2"]' \
  <<<"$tree" >/dev/null || fail "L1a: $tree"
jq -e '.children[] | select(.layer == "L2/L1b") | .reachable and (.asked | not) and [.children[].layer] == ["L2/L1b/E3"]' \
  <<<"$tree" >/dev/null || fail "L1b: $tree"
# The edges are on their superiors' chains by an ordered add-subordinate op.
for l1 in L2/L1a L2/L1b; do
  url=$(jq -r --arg l "$l1" '[.nodes[] | select(.layer == $l)][0].address' "$NET/devnet.json")
  "$MLCHAIN" layer show --node "$url" -o json | jq -e '[.subordinates[] | select(.attached_at != null)] | length >= 1' \
    >/dev/null || fail "$l1 has no attached edge"
done
say "tree: L2 -> L1a (E1, E2), L1b (E3)"

# An edge its superior does not record with its key (here: E2's entry replaced
# by a stranger's key) is "not attached", with the command that attaches it;
# running that command makes the devnet healthy again.
"$MLCHAIN" -q key gen --out "$DIR/stranger.pem" >/dev/null
"$MLCHAIN" -q layer attach --path L2/L1a/E2 --key "$DIR/stranger.pem" --address "$(addr e2)" \
  --admin-key "$NET/admin.pem" --node "$l1a" >/dev/null || fail "attach E2 with a stranger's key"
rc=0; st=$(timeout 30 "$MLCHAIN" devnet status --dir "$NET" -o json) || rc=$?
[[ $rc == 1 ]] || fail "status with E2 not attached should exit 1, got $rc: $st"
jq -e '[.nodes[] | select(.health != "ready") | [.name, .health]] == [["e2", "not attached"]]' <<<"$st" >/dev/null ||
  fail "status should name e2 not attached: $st"
hint=$(jq -r '.nodes[] | select(.name == "e2") | .reason' <<<"$st")
attach=$(sed -n 's/.*attach it: \(mlchain layer attach [^(]*\) (or .*/\1/p' <<<"$hint")
[[ -n $attach ]] || fail "the not-attached reason gives no attach command: $hint"
"$MLCHAIN" -q ${attach#mlchain } >/dev/null || fail "the hinted command failed: $attach"
st=$(timeout 30 "$MLCHAIN" devnet status --dir "$NET" -o json) || fail "status after the hinted attach: $st"
say "status: an edge its superior does not record is 'not attached'; the hinted attach fixes it"

# selfcheck --layer takes an edge layer (its central node) and, from an edge
# node, finds other layers through its superior's members.
e1=$(addr e1)
sc=$(timeout 60 "$MLCHAIN" selfcheck --node "$e1" --layer L2/L1a/E1 -o json) || fail "selfcheck --layer of e1's own layer: $sc"
jq -e '.ok and [.members[] | [.node, .report.role]] == [["e1", "edge"]]' <<<"$sc" >/dev/null || fail "own edge layer: $sc"
sc=$(timeout 60 "$MLCHAIN" selfcheck --node "$l1a" --layer L2/L1b/E3 -o json) || fail "selfcheck --layer L2/L1b/E3: $sc"
jq -e '.ok and ([.members[] | .report.role] == ["edge"])' <<<"$sc" >/dev/null || fail "E3 from L1a: $sc"
sc=$(timeout 60 "$MLCHAIN" selfcheck --node "$e1" --layer L2 -o json) || fail "selfcheck --layer L2 from e1: $sc"
jq -e '.ok and (.members | length) == 4' <<<"$sc" >/dev/null || fail "L2 from e1: $sc"
say "selfcheck --layer: an edge layer's central node; L2 found from an edge node"

e3=$(jq -r '.nodes[] | select(.layer == "L2/L1b/E3") | .pid' "$NET/devnet.json")
kill -9 "$e3"
rc=0; st=$(timeout 30 "$MLCHAIN" devnet status --dir "$NET" -o json) || rc=$?
[[ $rc == 1 ]] || fail "status with a dead edge should exit 1, got $rc"
jq -e '[.nodes[] | select(.health != "ready") | .name] == ["e3"] and (.healthy | not)' <<<"$st" >/dev/null ||
  fail "status should name e3: $st"
say "status names the killed edge"

pids=$(recorded_pids)
down=$(timeout 40 "$MLCHAIN" devnet down --dir "$NET" -o json) || fail "devnet down failed: $down"
jq -e '.stopped == 14 and .still_running == 0 and (.purged | not)' <<<"$down" >/dev/null || fail "down: $down"
for p in $pids; do ours_alive "$p" && fail "pid $p still alive after down"; done
[[ -f $NET/devnet.json && -f $NET/admin.pem ]] || fail "down without --purge should keep the files"
rc=0; "$MLCHAIN" devnet status --dir "$NET" >/dev/null 2>&1 || rc=$?
[[ $rc == 1 ]] || fail "status of a stopped devnet should exit 1, got $rc"
"$MLCHAIN" -q devnet down --dir "$NET" --purge >/dev/null || fail "down --purge"
[[ ! -e $NET ]] || fail "down --purge should remove $NET"
say "PASS"
