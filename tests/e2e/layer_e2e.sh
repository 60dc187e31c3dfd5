#!/usr/bin/env bash
# End-to-end: four real `mlchain node run` daemons on 127.0.0.1 form a layer,
# commit signed operations, survive kill -9 of the primary, and the killed
# node catches up after a restart. Bounded in time; every child is killed on
# every exit path (trap). Usage: layer_e2e.sh /path/to/mlchain
set -euo pipefail

MLCHAIN=${1:?usage: layer_e2e.sh /path/to/mlchain}
E2E_NODES=4
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"

for i in 1 2 3 4; do start $i; done
wait_for 30 "4 nodes ready" all_ready 1 2 3 4
say "4 nodes ready"

out=$(bench 2 40 a) || fail "bench before the crash: $out"
say "committed 40 ops: $(echo "$out" | jq -c '{ops_per_second, latency_us}')"
wait_for 20 "equal heights on 4 nodes" same_height 1 1 2 3 4
h1=$(height 1)
say "all 4 at height $h1"

# Bad client input is refused with a clear 4xx and changes nothing.
code() { curl -sk -o /dev/null -w '%{http_code}' "$@"; }
[[ $(code -X POST --data-binary 'garbage' "$(url 1)/v1/ops") == 400 ]] || fail "garbage op not answered 400"
gen=$(jq -r .genesis_hash "$DIR/layer/genesis.json")
pk1=$("$MLCHAIN" key show --key "$DIR/n1.pem" -o json | jq -r .public_key)
badsig=$(printf '{"client":"%s","genesis":"%s","id":1,"op":"put x y","sig":"%0128d"}' "$pk1" "$gen" 0)
[[ $(code -X POST --data-binary "$badsig" "$(url 1)/v1/ops") == 401 ]] || fail "forged op not answered 401"
[[ $(code -X POST --data-binary "${badsig/$gen/00}" "$(url 1)/v1/ops") == 400 ]] || fail "wrong-genesis op not answered 400"
head -c 400000 /dev/zero | tr '\0' a >"$DIR/big.body"
# Expect: 100-continue makes curl wait for the answer to the header (the node
# refuses on Content-Length) instead of racing the close with its upload.
big=$(code --max-time 10 -H 'Expect: 100-continue' -X POST --data-binary @"$DIR/big.body" "$(url 1)/v1/ops")
[[ $big == 413 ]] || fail "oversized body not answered 413 (got $big)"
metrics=$(curl -sk "$(url 1)/metrics")
grep -q '^mlchain_client_rejected_total{reason="bad_signature"} 1$' <<<"$metrics" || fail "rejection not counted"
[[ $(height 1) == "$h1" ]] || fail "refused ops changed the chain"

# `L2/E2E#H` without --chain names a contract block (none here): the 404 and
# the missing-key error both point at --chain; with it the chain block answers.
id="L2/E2E#$h1"
rc=0; out=$("$MLCHAIN" block query "$id" --node "$(url 1)" --key "$DIR/n1.pem" 2>&1) || rc=$?
[[ $rc == 1 && $out == *"no contract block $id"* && $out == *"add --chain"* ]] ||
  fail "block query $id (no --chain) should exit 1 naming --chain, got $rc: $out"
rc=0; out=$("$MLCHAIN" block query "$id" --node "$(url 1)" 2>&1) || rc=$?
[[ $rc == 2 && $out == *"--key"* && $out == *"add --chain"* ]] ||
  fail "block query $id (no --key, no --chain) should exit 2 naming --key and --chain, got $rc: $out"
out=$("$MLCHAIN" block query "$id" --chain --node "$(url 1)" --proof --genesis "$gen") || fail "block query $id --chain: $out"
say "block query $id: without --chain the errors point at --chain; with it, proven"

# Strangers: garbage bytes on the TLS port, and a peer-link upgrade with a
# certificate whose key is not a member, are refused; the node keeps serving.
head -c 4096 /dev/urandom >"$DIR/garbage"
(exec 3<>"/dev/tcp/127.0.0.1/${PORT[1]}"; cat "$DIR/garbage" >&3; exec 3>&-) 2>/dev/null || true
"$MLCHAIN" -q key gen --out "$DIR/stranger.pem" --name stranger >/dev/null
ws=(-H 'Connection: Upgrade' -H 'Upgrade: websocket' -H 'Sec-WebSocket-Version: 13' -H 'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==')
[[ $(code --max-time 5 --cert "$DIR/stranger.pem" --key "$DIR/stranger.pem" "${ws[@]}" "$(url 1)/v1/peer") == 403 ]] ||
  fail "unpinned peer certificate not refused with 403"
# TLS 1.2 is refused; TLS 1.3 is what the node speaks.
if timeout 10 openssl s_client -connect "127.0.0.1:${PORT[1]}" -tls1_2 </dev/null >"$DIR/tls12.out" 2>&1; then
  fail "a TLS 1.2 handshake succeeded"
fi
tls13=$(timeout 10 openssl s_client -connect "127.0.0.1:${PORT[1]}" -tls1_3 </dev/null 2>/dev/null || true)
grep -q 'TLSv1.3' <<<"$tls13" || fail "no TLS 1.3 handshake"
[[ $(code --max-time 5 "$(url 1)/healthz") == 200 ]] || fail "node stopped serving after stranger traffic"

primary=$("$MLCHAIN" layer show --node "$(url 2)" -o json | jq -r .primary)
p=${primary#n}
say "kill -9 the primary $primary"
kill -9 "${PIDS[$p]}"; wait "${PIDS[$p]}" 2>/dev/null || true; unset "PIDS[$p]"
others=(); for i in 1 2 3 4; do [[ $i != "$p" ]] && others+=("$i"); done

out=$(bench "${others[0]}" 40 b) || fail "bench after killing the primary: $out"
say "committed 40 more ops without $primary: $(echo "$out" | jq -c '{ops_per_second, latency_us}')"
wait_for 20 "equal heights on the 3 survivors" same_height $((h1 + 1)) "${others[@]}"
h2=$(height "${others[0]}")
newprimary=$("$MLCHAIN" layer show --node "$(url "${others[0]}")" -o json | jq -r .primary)
[[ $newprimary != "$primary" ]] || fail "primary is still $primary"
say "survivors at height $h2, new primary $newprimary"

say "restart $primary"
start "$p"
wait_for 20 "$primary to answer" ready_or_up "$p"
# A restarted replica learns it is behind from its peers' traffic (f+1 of
# them past its sequence numbers or view), then fetches certified blocks.
out=$(bench "${others[1]}" 20 c) || fail "bench after the restart: $out"
wait_for 30 "$primary to catch up" same_height $((h2 + 1)) "$p" "${others[0]}" "${others[1]}" "${others[2]}"
say "$primary caught up: all 4 at height $(height "$p")"
out=$(bench "$p" 20 d) || fail "bench through the restarted node: $out"
wait_for 20 "equal heights on 4 nodes" same_height $((h2 + 2)) 1 2 3 4
say "all 4 at height $(height 1)"

# kill -9 a backup in the middle of a load, then restart it: no committed
# block is lost and it converges on the same chain.
victim=${others[2]}
bench "${others[0]}" 200 e >"$DIR/bench-e.json" &
bench_pid=$!
sleep 0.5
say "kill -9 n$victim under load"
kill -9 "${PIDS[$victim]}"; wait "${PIDS[$victim]}" 2>/dev/null || true; unset "PIDS[$victim]"
wait "$bench_pid" || fail "bench while n$victim died: $(cat "$DIR/bench-e.json")"
h3=$(height "${others[0]}")
start "$victim"
wait_for 20 "n$victim to answer" ready_or_up "$victim"
[[ $(height "$victim") -ge 1 ]] || fail "n$victim lost its chain"
out=$(bench "${others[1]}" 20 f) || fail "bench after restarting n$victim: $out"
wait_for 30 "n$victim to catch up" same_height $((h3 + 1)) 1 2 3 4
say "n$victim caught up: all 4 at height $(height 1)"

# Block-level agreement: the same block hash at the last height everywhere.
h=$(height 1)
hash1=$("$MLCHAIN" layer show --node "$(url 1)" -o json | jq -r .head_hash)
for i in 2 3 4; do
  [[ $("$MLCHAIN" layer show --node "$(url $i)" -o json | jq -r .head_hash) == "$hash1" ]] || fail "n$i head differs at $h"
done

# selfcheck gates on health: 0 on the healthy layer; a stopped (SIGSTOP)
# member is reported within a bounded time and the exit status is 6.
out=$("$MLCHAIN" selfcheck --node "$(url 1)" -o json) || fail "selfcheck on a healthy layer: $out"
jq -e '.ok and ([.checks[] | select(.check == "chain")][0].data.verified_blocks == .checks[0].data.height)' <<<"$out" >/dev/null ||
  fail "selfcheck report: $out"
kill -STOP "${PIDS[3]}"
rc=0; out=$(timeout 30 "$MLCHAIN" selfcheck --node "$(url 1)" -o json) || rc=$?
kill -CONT "${PIDS[3]}"
[[ $rc == 6 ]] || fail "selfcheck with n3 stopped should exit 6, got $rc: $out"
jq -e '.checks[] | select(.check == "peers") | .data.members[] | select(.name == "n3") | .result == "silent"' <<<"$out" >/dev/null ||
  fail "selfcheck did not name n3: $out"
say "selfcheck: healthy layer passes; with n3 stopped it exits 6 naming n3 ($(jq -r .elapsed_ms <<<"$out") ms)"
[[ $("$MLCHAIN" selfcheck --node https://127.0.0.1:1 >/dev/null 2>&1; echo $?) == 3 ]] || fail "selfcheck of a dead address should exit 3"

for i in "${!PIDS[@]}"; do kill -TERM "${PIDS[$i]}"; done
for i in "${!PIDS[@]}"; do
  rc=0; timeout 10 tail --pid="${PIDS[$i]}" -f /dev/null || rc=$?
  [[ $rc == 0 ]] || fail "n$i did not stop within 10 s of SIGTERM"
  wait "${PIDS[$i]}" || fail "n$i exited non-zero after SIGTERM"
  unset "PIDS[$i]"
done
say "PASS"
