#!/usr/bin/env bash
# End-to-end membership: four real daemons form a layer; a fifth node runs as
# a learner, an unauthorised admin call to admit it is refused (exit 4, chain
# unchanged), an admin admits it (`node join`), it catches up and then counts
# in quorums (n = 5 needs 4 votes, so with a founder killed the layer commits
# only with the newcomer); then it leaves (`node leave`) and retires. A node
# started with a member's key but another genesis is refused by its peers.
# Bounded in time. Usage: membership_e2e.sh /path/to/mlchain
set -euo pipefail

MLCHAIN=${1:?usage: membership_e2e.sh /path/to/mlchain}
E2E_NODES=6  # n1..n4 founders, n5 the newcomer, n6 the impostor's port
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"

layer_json() { "$MLCHAIN" layer show --node "$(url "$1")" -o json 2>/dev/null; }
status_json() { "$MLCHAIN" node status --node "$(url "$1")" -o json 2>/dev/null; }
layer_n() { layer_json "$1" | jq -r .n; }
role() { status_json "$1" | jq -r .role; }

for i in 1 2 3 4; do start $i; done
wait_for 30 "4 nodes ready" all_ready 1 2 3 4
out=$(bench 1 20 a) || fail "bench on 4 founders: $out"
say "4 founders ready and committing"

# Guards (issue 20), each refused before anything changes:
# - a second process on n1's data_dir (its port is busy too: the lock is
#   checked first, and names the pid that holds it);
h0=$(height 1)
rc=0; timeout 20 "$MLCHAIN" node run --config "$DIR/n1.toml" >"$DIR/second.out" 2>&1 || rc=$?
[[ $rc != 0 && $rc != 124 ]] || fail "a second node run on n1's data_dir should fail at once, got $rc"
grep -q "is in use by pid ${PIDS[1]}" "$DIR/second.out" || fail "the refusal should name n1's pid ${PIDS[1]}: $(cat "$DIR/second.out")"
# - a failed start (busy port) leaves no store behind in a new data_dir;
sed -e 's|data_dir = .*|data_dir = "data/fresh"|' "$DIR/n1.toml" >"$DIR/fresh.toml"
rc=0; timeout 20 "$MLCHAIN" node run --config "$DIR/fresh.toml" >"$DIR/fresh.out" 2>&1 || rc=$?
[[ $rc != 0 && $rc != 124 ]] || fail "node run on a busy port should fail, got $rc"
[[ ! -e "$DIR/data/fresh/data.mdb" ]] || fail "the failed start left a store in data/fresh: $(ls -la "$DIR/data/fresh")"
# - node join for a node that is not running: exit 3, nothing ordered.
rc=0; "$MLCHAIN" -q node join --config "$DIR/n5.toml" --admin-key "$DIR/admin.pem" --timeout 20 >"$DIR/join-dead.out" 2>&1 || rc=$?
[[ $rc == 3 ]] || fail "node join of a node that is not running should exit 3, got $rc: $(cat "$DIR/join-dead.out")"
grep -q "does not answer" "$DIR/join-dead.out" || fail "join of a dead node: $(cat "$DIR/join-dead.out")"
[[ $(layer_n 1) == 4 && $(height 1) == "$h0" ]] || fail "the refused join changed the layer"
say "guards: a second process on a data_dir, a failed start, a join of a node that is not running: refused, nothing changed"

# - node join for a learner that has not caught up: nothing ordered (a member
#   that cannot vote yet would leave the larger quorum short). A stand-in at
#   n5's address answers as n5, a learner stuck at height 0.
openssl req -x509 -newkey ed25519 -nodes -keyout "$DIR/standin.key" -out "$DIR/standin.crt" -days 1 \
  -subj /CN=standin >/dev/null 2>&1
n5key=$(pubkey "$DIR/n5.pem")
gen=$(jq -r .genesis_hash "$DIR/layer/genesis.json")
python3 - "${PORT[5]}" "$n5key" "$gen" "$DIR/standin.crt" "$DIR/standin.key" <<'PY' >"$DIR/standin.log" 2>&1 &
import http.server, json, ssl, sys
port, key, gen, crt, pem = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5]
class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        body = json.dumps({"public_key": key, "genesis_hash": gen, "role": "learner", "height": 0,
                           "ready": False, "not_ready_reason": "catching up"}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
srv = http.server.HTTPServer(("127.0.0.1", int(port)), H)
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.load_cert_chain(crt, pem)
srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
srv.serve_forever()
PY
standin=$!; PIDS[standin]=$standin
wait_for 10 "the stand-in to answer" curl -skf "$(url 5)/v1/status" -o /dev/null
h0=$(height 1)
rc=0; "$MLCHAIN" node join --config "$DIR/n5.toml" --admin-key "$DIR/admin.pem" --timeout 5 --max-lag 0 >"$DIR/join-behind.out" 2>&1 || rc=$?
kill "$standin" 2>/dev/null; wait "$standin" 2>/dev/null || true; unset "PIDS[standin]"
[[ $rc == 3 ]] || fail "node join of a learner that has not caught up should exit 3, got $rc: $(cat "$DIR/join-behind.out")"
grep -q "has not caught up with the layer within 5 s (height 0 of the layer's [1-9][0-9]*, --max-lag 0)" "$DIR/join-behind.out" ||
  fail "join of a learner behind: $(cat "$DIR/join-behind.out")"
grep -q "nothing was ordered" "$DIR/join-behind.out" || fail "join of a learner behind: $(cat "$DIR/join-behind.out")"
[[ $(layer_n 1) == 4 && $(height 1) == "$h0" ]] || fail "the join of a learner behind changed the layer"
say "a join of a learner $h0 blocks behind: refused after --timeout, nothing ordered"

# The newcomer starts outside the layer: a learner, not ready, refusing ops.
start 5
wait_for 20 "n5 to answer" ready_or_up 5
[[ $(role 5) == learner ]] || fail "n5 should start as a learner, is $(role 5)"
ready 5 && fail "a learner must not be ready"
code() { curl -sk -o /dev/null -w '%{http_code}' "$@"; }
say "n5 runs as a learner"

# An admin call signed by a key that is not an admin: exit 4, nothing changes.
"$MLCHAIN" -q key gen --out "$DIR/stranger.pem" --name stranger >/dev/null
h0=$(height 1)
rc=0; "$MLCHAIN" -q node join --config "$DIR/n5.toml" --admin-key "$DIR/stranger.pem" --timeout 20 >"$DIR/join-bad.out" 2>&1 || rc=$?
[[ $rc == 4 ]] || fail "unauthorised join should exit 4, got $rc: $(cat "$DIR/join-bad.out")"
[[ $(layer_n 1) == 4 ]] || fail "the unauthorised join changed the membership"
[[ $(height 1) == "$h0" ]] || fail "the unauthorised join reached the chain"
# (metrics into a variable first: grep -q closing the pipe early would fail curl under pipefail)
metrics() { curl -sk "$(url "$1")/metrics"; }
m=$(metrics 1)
grep -q '^mlchain_client_rejected_total{reason="not_authorized"} [1-9]' <<<"$m" || fail "the refusal was not counted"
say "unauthorised admin call refused with exit 4; chain unchanged at height $h0"

# Learner permits (POST /v1/learners) are checked before anything is held:
# signed by a key that is not an admin (403), an admin's signature on
# another key (401), expired (400); an admin's valid permit is taken (200).
"$MLCHAIN" -q key gen --out "$DIR/outsider.pem" --name outsider >/dev/null
outsider=$(pubkey "$DIR/outsider.pem")
permit() {  # permit SIGNER_PEM KEY_SIGNED KEY_SENT EXPIRES_MS: the JSON body
  printf 'mlchain-learner-permit/1 %s %s %s' "$gen" "$2" "$4" >"$DIR/permit.txt"
  local sig; sig=$("$MLCHAIN" key sign --key "$1" --in "$DIR/permit.txt")
  jq -cn --arg k "$3" --argjson e "$4" --arg a "$(pubkey "$1")" --arg s "$sig" '{key: $k, expires_ms: $e, admin: $a, sig: $s}'
}
post_permit() { curl -sk -o /dev/null -w '%{http_code}' -X POST --data-binary "$1" "$(url 1)/v1/learners"; }
soon=$(( $(date +%s) * 1000 + 600000 ))
[[ $(post_permit "$(permit "$DIR/stranger.pem" "$outsider" "$outsider" $soon)") == 403 ]] || fail "a stranger's learner permit was not refused with 403"
[[ $(post_permit "$(permit "$DIR/admin.pem" "$outsider" "$(pubkey "$DIR/stranger.pem")" $soon)") == 401 ]] ||
  fail "an admin's permit moved to another key was not refused with 401"
[[ $(post_permit "$(permit "$DIR/admin.pem" "$outsider" "$outsider" $(( soon - 1200000 )))") == 400 ]] ||
  fail "an expired learner permit was not refused with 400"
[[ $(post_permit "$(permit "$DIR/admin.pem" "$outsider" "$outsider" $soon)") == 200 ]] || fail "an admin's learner permit was refused"
say "learner permits: a stranger's 403, a moved one 401, an expired one 400, the admin's 200"

# The admin admits n5. Members link with a learner only under an
# admin-signed permit for its key, which join sends first; it then waits
# until n5 has replayed the chain (--max-lag 0: all of it), only then orders
# the add-member, and waits until n5 is a ready member.
h0=$(height 1)
out=$("$MLCHAIN" node join --config "$DIR/n5.toml" --admin-key "$DIR/admin.pem" --timeout 60 --max-lag 0 -o json \
      2>"$DIR/join.err") || fail "node join failed: $out $(cat "$DIR/join.err")"
grep -q "n5 has caught up: height $h0 of $h0" "$DIR/join.err" ||
  fail "join should order the add only after n5 replayed the $h0 blocks: $(cat "$DIR/join.err")"
[[ $(jq -r .ready <<<"$out") == true && $(jq -r .n <<<"$out") == 5 ]] || fail "join output: $out"
[[ $(role 5) == member ]] || fail "n5 is $(role 5) after joining"
for i in 1 2 3 4 5; do [[ $(layer_n "$i") == 5 ]] || fail "n$i does not see n = 5"; done
say "n5 joined: $(jq -c '{epoch, n, f, height, seconds}' <<<"$out")"

# With n = 5 the quorum is 4: kill a founder and the layer can only commit
# with n5's votes.
victim=2
[[ $(layer_json 1 | jq -r .primary) == n2 ]] && victim=3
kill -9 "${PIDS[$victim]}"; wait "${PIDS[$victim]}" 2>/dev/null || true; unset "PIDS[$victim]"
alive=(); for i in 1 2 3 4 5; do [[ $i != "$victim" ]] && alive+=("$i"); done
out=$(bench 1 30 b) || fail "bench with n$victim dead (needs n5's votes): $out"
h1=$(height 1)
wait_for 20 "n5 at the layer's height" same_height "$h1" "${alive[@]}"
say "n$victim killed: committed 30 ops with n5 in the quorum, all alive at height $(height 5)"
start "$victim"
wait_for 30 "n$victim to catch up" same_height "$h1" 1 2 3 4 5
say "n$victim restarted and caught up"

# n5 resigns; the layer goes back to 4 members and keeps committing.
out=$("$MLCHAIN" node leave --config "$DIR/n5.toml" --node "$(url 1)" --timeout 30 -o json) || fail "node leave failed: $out"
[[ $(jq -r .n <<<"$out") == 4 ]] || fail "leave output: $out"
wait_for 10 "n5 to retire" bash -c "[[ \$('$MLCHAIN' node status --node '$(url 5)' -o json 2>/dev/null | jq -r .role) == retired ]]"
[[ $(code -X POST --data-binary '{}' "$(url 5)/v1/ops") =~ ^(400|503)$ ]] || fail "a retired node must not accept ops"
out=$(bench 1 20 c) || fail "bench after n5 left: $out"
# A retired node refuses its old data_dir, naming itself as layer show lists it.
kill -TERM "${PIDS[5]}"; wait "${PIDS[5]}" 2>/dev/null || true; unset "PIDS[5]"
pk5=$(pubkey "$DIR/n5.pem")
rc=0; timeout 20 "$MLCHAIN" node run --config "$DIR/n5.toml" >"$DIR/n5-again.out" 2>&1 || rc=$?
[[ $rc == 1 ]] && grep -qF "this node (n5, key ${pk5:0:16}..." "$DIR/n5-again.out" && grep -qF "fresh data_dir" "$DIR/n5-again.out" ||
  fail "n5 restarted on its old data_dir should exit 1 naming n5 and its key, got $rc: $(cat "$DIR/n5-again.out")"
say "n5 left (epoch $(layer_json 1 | jq -r .epoch)); the 4 founders keep committing"
# Removing one more would leave n = 3 (f = 0): refused without --force.
h0=$(height 1)
rc=0; "$MLCHAIN" -q node leave --member n4 --admin-key "$DIR/admin.pem" --node "$(url 1)" --timeout 20 >"$DIR/leave3.out" 2>&1 || rc=$?
[[ $rc == 1 ]] || fail "a removal down to n = 3 should exit 1 without --force, got $rc: $(cat "$DIR/leave3.out")"
grep -q -- "--force" "$DIR/leave3.out" || fail "the refusal should name --force: $(cat "$DIR/leave3.out")"
[[ $(layer_n 1) == 4 && $(height 1) == "$h0" ]] || fail "the refused removal changed the layer"
say "a removal down to n = 3 is refused without --force; nothing ordered"

# A node with a member's key but another genesis: TLS pinning lets it
# through, the hello's genesis check refuses it on both sides.
blueprint 2026-11-26T00:00:00Z >"$DIR/other.toml"
"$MLCHAIN" -q layer create --blueprint "$DIR/other.toml" --out "$DIR/other" >/dev/null
sed -e "s|listen = .*|listen = \"127.0.0.1:${PORT[6]}\"|" -e 's|data_dir = .*|data_dir = "data/impostor"|' \
  -e 's|genesis = .*|genesis = "other/genesis.json"|' "$DIR/n3.toml" >"$DIR/n6.toml"
start 6
wrong_genesis_seen() { local m; m=$(metrics 1); grep -q '^mlchain_net_rejected_total{reason="wrong_genesis"} [1-9]' <<<"$m"; }
wait_for 20 "the wrong-genesis peer to be refused" wrong_genesis_seen
kill -9 "${PIDS[6]}"; wait "${PIDS[6]}" 2>/dev/null || true; unset "PIDS[6]"
out=$(bench 3 10 d) || fail "bench after the impostor: $out"
say "a peer with another genesis was refused; the layer kept committing"

# An edge layer attaches as a subordinate by an ordered op; a non-admin may not.
"$MLCHAIN" -q key gen --out "$DIR/e1.pem" --name e1 >/dev/null
attach() { "$MLCHAIN" -q layer attach --path L2/E2E/E1 --key "$DIR/e1.pem" --address https://127.0.0.1:1 --node "$(url 1)" --admin-key "$1"; }
rc=0; attach "$DIR/stranger.pem" >/dev/null 2>&1 || rc=$?
[[ $rc == 4 ]] || fail "attach by a non-admin should exit 4, got $rc"
layer_json 1 | jq -e '.subordinates | length == 0' >/dev/null || fail "the refused attach was recorded"
attach "$DIR/admin.pem" >/dev/null || fail "attach by the admin failed"
e1=$(pubkey "$DIR/e1.pem")
for i in 1 2 3 4; do
  wait_for 10 "n$i to record E1" bash -c "'$MLCHAIN' layer show --node '$(url $i)' -o json | jq -e '.subordinates[0] | .path == \"L2/E2E/E1\" and .keys[0] == \"$e1\"' >/dev/null"
done
say "edge layer L2/E2E/E1 attached by an ordered op, recorded by every member"

# Agreement: the same head everywhere among the members.
wait_for 20 "equal heights" same_height 1 1 2 3 4
hash1=$(layer_json 1 | jq -r .head_hash)
for i in 2 3 4; do [[ $(layer_json "$i" | jq -r .head_hash) == "$hash1" ]] || fail "n$i head differs"; done
# Proofs across two epoch switches (n5 joined, then left): built from what a
# member serves, checked offline against the genesis hash; tampering or the
# wrong genesis fails with exit 5.
out=$(bench 1 5 e) || fail "bench: $out"
h=$(height 1)
"$MLCHAIN" -q block query "L2/E2E#$h" --chain --node "$(url 2)" --proof --out "$DIR/head.proof" >/dev/null || fail "block query --proof"
v=$("$MLCHAIN" block verify "$DIR/head.proof" --genesis "$gen" -o json) || fail "verify: $v"
[[ $(jq -r '.epoch' <<<"$v") == 2 && $(jq '.epoch_switches | length' <<<"$v") == 2 ]] || fail "verify output: $v"
jq -c '.block.ops[0].op |= (.[:-2] + "00")' "$DIR/head.proof" >"$DIR/tampered.proof"
rc=0; "$MLCHAIN" -q block verify "$DIR/tampered.proof" --genesis "$gen" >/dev/null 2>&1 || rc=$?
[[ $rc == 5 ]] || fail "a tampered proof should exit 5, got $rc"
rc=0; "$MLCHAIN" -q block verify "$DIR/head.proof" --genesis "$(printf '%064d' 0)" >/dev/null 2>&1 || rc=$?
[[ $rc == 5 ]] || fail "a proof against the wrong genesis should exit 5, got $rc"
say "block L2/E2E#$h proven across 2 epoch switches; tampered or wrong-genesis proofs exit 5"
say "PASS"
