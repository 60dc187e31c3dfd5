#!/usr/bin/env bash
# End-to-end: one stopped member does not hold contract traffic through its
# layer (issue 15 item 0.2). On the default devnet, L2/L1a forwards every
# packet to the same member of L2 first (the one `received` counts show); it
# is stopped with SIGSTOP (its process alive, its sockets accepting TCP in
# the kernel, nothing answered). A contract E1 -> E3 sent then must be taken
# by another L2 member: L2/L1a's relay notices the silent member by a TLS
# handshake that never completes (about a second after sending) rather than
# waiting out its 15 s attempt cap; its `forward_member_stalled` counter
# shows it and the hop through L2 names another node. Then SIGCONT, and a
# third contract flows. The elapsed time of the stalled send is printed (a
# figure, not an assertion). Bounded. Usage: stall_e2e.sh /path/to/mlchain
set -euo pipefail

MLCHAIN=${1:?usage: stall_e2e.sh /path/to/mlchain}
TAG=stall-e2e
STOPPED=
devnet_extra_cleanup() { [[ -n $STOPPED ]] && kill -CONT "$STOPPED" 2>/dev/null || true; }
# shellcheck source=devnet_lib.sh
source "$(dirname "$0")/devnet_lib.sh"
find_ports 15
up=$(timeout 150 "$MLCHAIN" devnet up --dir "$NET" --base-port "$base" --timeout 90 -o json) || fail "devnet up failed"
jq -e '(.nodes | length) == 15' <<<"$up" >/dev/null || fail "devnet state: $up"
ADMIN="$NET/admin.pem"
E1=$(addr e1); E3=$(addr e3)
mapfile -t L2N < <(jq -r '.nodes[] | select(.layer == "L2" and .role == "member") | .name' "$NET/devnet.json")
mapfile -t L1AN < <(jq -r '.nodes[] | select(.layer == "L2/L1a" and .role == "member") | .name' "$NET/devnet.json")
get() { curl -sk --max-time 5 "$@"; }
event() {  # event NODE EVENT: that relay counter (0 when absent)
  local m v; m=$(get "$(addr "$1")/metrics" || true)
  v=$(grep -F "mlchain_contract_events_total{event=\"$2\"}" <<<"$m" | awk '{print $NF}' || true)
  echo "${v:-0}"
}
"$MLCHAIN" -q key gen --out "$DIR/a.pem" >/dev/null; "$MLCHAIN" -q key gen --out "$DIR/b.pem" >/dev/null
A=$(M object register --edge "$E1" --admin-key "$ADMIN" --class T/A --perm contract --pubkey "$DIR/a.pem" | jq -er .uuid) || fail "register A"
B=$(M object register --edge "$E3" --admin-key "$ADMIN" --class T/B --perm contract --pubkey "$DIR/b.pem" | jq -er .uuid) || fail "register B"
send() {  # send N: a contract A -> B; prints the JSON answer
  M contract send --edge "$E1" --from "$A" --key "$DIR/a.pem" --to "$B" --message "{\"n\": $1}" --ttl 10m 2>>"$DIR/cli.err"
}

declare -A before=()
for n in "${L2N[@]}"; do before[$n]=$(event "$n" received); done
out=$(send 1) || fail "contract 1: $out $(tail -c 300 "$DIR/cli.err")"
first=""
for n in "${L2N[@]}"; do (( $(event "$n" received) > ${before[$n]} )) && first=$n; done
[[ -n $first ]] || fail "no L2 member counted the packet as received"
say "contract 1 delivered; L2/L1a forwards to $first first"

pid=$(jq -r --arg n "$first" '.nodes[] | select(.name == $n) | .pid' "$NET/devnet.json")
ours_alive "$pid" || fail "$first (pid $pid) is not ours"
stalled0=0; for n in "${L1AN[@]}"; do stalled0=$((stalled0 + $(event "$n" forward_member_stalled))); done
kill -STOP "$pid"; STOPPED=$pid
t0=$(date +%s%N)
out=$(send 2) || fail "contract 2 with $first stopped: $out $(tail -c 300 "$DIR/cli.err")"
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
jq -e '(.receipt.ids | length) == 3' <<<"$out" >/dev/null || fail "contract 2: 3 ids expected: $out"
via=$(jq -r '[.hops[] | select(.layer == "L2") | .node][0]' <<<"$out")
[[ $via != "$first" && -n $via && $via != null ]] || fail "contract 2 should have gone through another L2 member than $first: $out"
stalled=0; for n in "${L1AN[@]}"; do stalled=$((stalled + $(event "$n" forward_member_stalled))); done
(( stalled > stalled0 )) || fail "L2/L1a's relay should count the stalled member (forward_member_stalled $stalled0 -> $stalled)"
say "contract 2 delivered through $via in $ms ms with $first stopped (SIGSTOP); forward_member_stalled $stalled0 -> $stalled"

kill -CONT "$pid"; STOPPED=
out=$(send 3) || fail "contract 3 after SIGCONT: $out $(tail -c 300 "$DIR/cli.err")"
got=$(M object fetch --edge "$E3" --uuid "$B" --key "$DIR/b.pem" --max 100) || fail "B fetch: $got"
jq -e '[.messages[].body.n] | sort == [1, 2, 3]' <<<"$got" >/dev/null || fail "B should hold messages 1..3 once: $got"
say "PASS: one stopped member cost $ms ms, not the 15 s attempt cap"
