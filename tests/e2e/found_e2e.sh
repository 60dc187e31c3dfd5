#!/usr/bin/env bash
# End-to-end: the tree grows at runtime (issue 17 items 1 and 3; docs/running-a-layer.md
# "Grow the tree"). On a running devnet (L2 of 4, L2/L1a of 1, edge E1), with the
# shipped commands only:
#   1. refusals first: founding an existing path (L2/L1a, exit 2) or a path that is not a
#      direct child of L2 (exit 2);
#   2. node c1 founds L2/L1c (n = 1) and runs it; `layer apply` signed by a key that is not
#      an admin of L2 is refused (exit 4) and L2 records nothing; an admin's apply attaches it;
#   3. L1c grows to 4 members AFTER the attachment (L2 must follow L1c's epoch
#      certificates to accept what the new members sign): by invitation (item 2) three
#      members of L1a and L1b are invited by their tree addresses (PATH:NAME); an invitation
#      signed by a non-admin is refused and delivers nothing; l1a-n1's operator refuses (and
#      a refused invitation cannot be accepted); l1a-n2 and l1b-n2 accept, resign from their
#      layers by ordered op and join L1c with the invitation; a fourth node joins by an admin;
#   4. an edge E4 attaches under L2/L1c; a contract E1 -> E4 is sent, replied and ended
#      through L1a, L2 and L1c; each layer's block is proven offline against the genesis
#      hash from the files; a tampered proof fails (exit 5);
#      the member of L1c responsible for the block is killed before the reply: another
#      member asks it, takes over by an ordered op (Statement 4), the chain shows it;
#      L1a, which l1a-n2 left, still certifies the contract;
#   5. layer show --tree draws L1c with its edge under L2; selfcheck passes on L1c, L2, L1a
#      and L1b.
# Bounded in time; everything started is killed on every exit path.
# Usage: found_e2e.sh /path/to/mlchain [/path/to/mlchain-consensus-forge]
# (with the forge: an application signed by one member of the 4-member L1c, fewer than
# f+1, is refused by L2 and changes nothing)
set -euo pipefail

MLCHAIN=${1:?usage: found_e2e.sh /path/to/mlchain [/path/to/mlchain-consensus-forge]}
FORGE=${2:-}
TAG=found-e2e
LIMIT=${MLCHAIN_E2E_LIMIT:-200}
# shellcheck source=devnet_lib.sh
source "$(dirname "$0")/devnet_lib.sh"
find_ports 13  # 9 devnet nodes, c1, c4, e4, x1 (an impostor)

# The nodes this test starts itself (configs under $DIR): a watchdog of their own in
# its own session, as devnet_lib's for the devnet, so a SIGKILL of the test stops them too.
setsid bash -c "sleep $LIMIT; pkill -9 -f -- '--config $DIR/'" >/dev/null 2>&1 &
NODE_WATCHDOG=$!
devnet_extra_cleanup() {
  local f p
  kill -- "-$NODE_WATCHDOG" 2>/dev/null || true
  for f in "$DIR"/*.pid; do
    [[ -f $f ]] || continue
    p=$(cat "$f")
    tr '\0' ' ' <"/proc/$p/cmdline" 2>/dev/null | grep -qF "$DIR/" && kill -9 "$p" 2>/dev/null || true
  done
  if [[ $1 -ne 0 ]]; then
    for f in "$DIR"/c*.log "$DIR"/l1?-n2.log "$DIR"/e4.log; do [[ -f $f ]] && { echo "== $f" >&2; tail -n 15 "$f" >&2; }; done
  fi
}

run() { local -n out_=$1; shift; RC=0; out_=$("$@" 2>>"$DIR/cli.err") || RC=$?; }
url_of() { echo "https://127.0.0.1:$1"; }
ready() { curl -sfk "$(url_of "$1")/readyz" >/dev/null 2>&1; }
wait_up() {  # PORT WHAT: it answers at all
  local end=$((SECONDS + 30 * ${MLCHAIN_TEST_TIMEOUT_SCALE:-1}))
  until curl -sfk "$(url_of "$1")/healthz" >/dev/null 2>&1; do
    (( SECONDS < end )) || fail "timed out waiting for $2 to answer"; sleep 0.2
  done
}
wait_ready() {  # PORT WHAT
  local end=$((SECONDS + 30 * ${MLCHAIN_TEST_TIMEOUT_SCALE:-1}))
  until ready "$1"; do (( SECONDS < end )) || fail "timed out waiting for $2 to be ready"; sleep 0.2; done
}

cat >"$DIR/topology.toml" <<'TOML'
[[layers]]
path = "L2"
nodes = 4
[[layers]]
path = "L2/L1a"
nodes = 2
[[layers]]
path = "L2/L1b"
nodes = 2
[[edges]]
path = "L2/L1a/E1"
TOML
T0=$SECONDS
timeout 150 "$MLCHAIN" -q devnet up --dir "$NET" --base-port "$base" --topology "$DIR/topology.toml" --timeout 120 \
  >/dev/null || fail "devnet up"
say "devnet up in $((SECONDS - T0)) s"
ADMIN="$NET/admin.pem"
ADMIN_PUB=$(jq -r .admin_public_key "$NET/devnet.json")
L2=$(addr l2-n1); L2B=$(addr l2-n2); L1A=$(addr l1a-n1); E1=$(addr e1)
P0=$((base + 9))  # c1: P0, c4: P0+1, e4: P0+2 (the members that move keep their ports)
C1=$(url_of "$P0"); E4=$(url_of $((P0 + 2)))
cfg_of() { jq -r --arg n "$1" '.nodes[] | select(.name == $n) | .config' "$NET/devnet.json"; }
pid_of() { jq -r --arg n "$1" '.nodes[] | select(.name == $n) | .pid' "$NET/devnet.json"; }
cd "$DIR"

# ---- 1. refusals of found ---------------------------------------------------------
"$MLCHAIN" -q key gen --out c1.pem --name c1 >/dev/null
run out M layer found --path L2/L1a --superior "$L2" --key c1.pem --address "$C1" --admin "$ADMIN_PUB" --out l1c
[[ $RC == 2 ]] && grep -q "already exists" <<<"$out" || fail "founding the existing L2/L1a should exit 2, got $RC: $out"
run out M layer found --path L3/L1c --superior "$L2" --key c1.pem --address "$C1" --admin "$ADMIN_PUB" --out l1c
[[ $RC == 2 ]] || fail "founding L3/L1c under L2 should exit 2, got $RC: $out"
[[ ! -e l1c/genesis.json ]] || fail "a refused found wrote a genesis"

# ---- 2. found, run, apply ---------------------------------------------------------
run found M layer found --path L2/L1c --superior "$L2" --key c1.pem --address "$C1" --admin "$ADMIN_PUB" --out l1c
[[ $RC == 0 ]] || fail "layer found exited $RC: $found"
# Meanwhile an impostor founds its own L2/L1c (the path is still free), a stranger its admin.
"$MLCHAIN" -q key gen --out x1.pem --name x1 >/dev/null
"$MLCHAIN" -q key gen --out stranger.pem --name stranger >/dev/null
STRANGER_PUB=$("$MLCHAIN" key show --key stranger.pem -o json | jq -r .public_key)
X1=$(url_of $((P0 + 3)))
run out M layer found --path L2/L1c --superior "$L2" --key x1.pem --address "$X1" --admin "$STRANGER_PUB" --out fake
[[ $RC == 0 ]] || fail "the impostor's layer found exited $RC: $out"
L2_GENESIS=$(jq -r .genesis_hash "$NET/layers/L2/genesis.json")
jq -e --arg g "$L2_GENESIS" '.layer == "L2/L1c" and .superior == "L2" and .superior_genesis == $g' <<<"$found" \
  >/dev/null || fail "found: $found"
C_GENESIS=$(jq -r .genesis_hash l1c/genesis.json)
[[ $(jq -r .genesis_hash <<<"$found") == "$C_GENESIS" ]] || fail "found printed another hash than it wrote"
# The blueprint it wrote gives the same genesis with layer create.
"$MLCHAIN" -q layer create --blueprint l1c/blueprint.toml --out l1c-again >/dev/null
[[ $(jq -r .genesis_hash l1c-again/genesis.json) == "$C_GENESIS" ]] || fail "layer create of the written blueprint differs"

for i in 1 4; do
  [[ $i == 1 ]] || "$MLCHAIN" -q key gen --out c$i.pem --name c$i >/dev/null
  cat >c$i.toml <<EOF
name = "c$i"
key_file = "c$i.pem"
listen = "127.0.0.1:$((P0 + (i > 1)))"
data_dir = "data/c$i"
genesis = "l1c/genesis.json"
EOF
done
start_node() { "$MLCHAIN" node run --config "$DIR/$1.toml" >>"$DIR/$1.log" 2>&1 & echo $! >"$DIR/$1.pid"; }
start_node c1
wait_ready "$P0" "founder c1"

run out M layer apply --node "$C1" --superior "$L2" --admin-key stranger.pem
[[ $RC == 4 ]] || fail "apply with a key that is not an admin of L2 should exit 4, got $RC: $out"
run show M layer show --node "$L2"
jq -e '[.subordinates[].path] | index("L2/L1c") | not' <<<"$show" >/dev/null || fail "L2 recorded L2/L1c anyway: $show"

run out M layer apply --node "$C1" --superior "$L2B" --admin-key "$ADMIN"
[[ $RC == 0 ]] || fail "layer apply exited $RC: $out"
jq -e '.layer == "L2/L1c" and .epoch == 0 and .members == 1 and .signed_by == 1' <<<"$out" >/dev/null ||
  fail "apply: $out"
run show M layer show --node "$L2"
jq -e --arg g "$C_GENESIS" '.subordinates[] | select(.path == "L2/L1c") | .genesis == $g and .members == 1' \
  <<<"$show" >/dev/null || fail "L2 should list L2/L1c with its genesis: $show"
# A layer the blueprint already names (L2/L1a) cannot apply as a new one.
run out M layer apply --node "$L1A" --superior "$L2" --admin-key "$ADMIN"
[[ $RC != 0 ]] || fail "L2/L1a applying as its own path again should be refused: $out"
say "L2/L1c founded and attached to L2"

# The impostor's "L2/L1c" (founded before the real one was attached) invites l1a-n1: the invitation is delivered (the node cannot
# tell), but accepting it is refused, exit 5: the tree knows L2/L1c with other members.
cat >x1.toml <<EOF
name = "x1"
key_file = "x1.pem"
listen = "127.0.0.1:$((P0 + 3))"
data_dir = "data/x1"
genesis = "fake/genesis.json"
EOF
start_node x1
wait_ready $((P0 + 3)) "impostor x1"
run out M layer invite --node "$X1" --admin-key stranger.pem --to L2/L1a:l1a-n1
[[ $RC == 0 ]] || fail "the impostor's invitation should be delivered: $out"
XID=$(jq -r '.invited[0].id' <<<"$out")
run held M node applications --config "$(cfg_of l1a-n1)"
jq -e --arg id "$XID" '.invitations[] | select(.invitation.id == $id) | .tree.ok == false' <<<"$held" >/dev/null ||
  fail "the listing should flag the impostor's invitation: $held"
run out M node applications accept "$XID" --config "$(cfg_of l1a-n1)" --out impostor.toml
[[ $RC == 5 ]] && grep -q "other members" <<<"$out" && [[ ! -e impostor.toml ]] ||
  fail "accepting the impostor's invitation should exit 5 with nothing written, got $RC: $out"
kill "$(cat x1.pid)"
say "an impostor L2/L1c's invitation was refused at accept (the tree knows L2/L1c with other members)"

# ---- 3. L1c grows to 4 members after the attachment -------------------------------
# By invitation first. Signed by a key that is not an admin of L1c: refused, nothing delivered.
run out M layer invite --node "$C1" --admin-key stranger.pem --to L2/L1a:l1a-n2
[[ $RC == 4 ]] || fail "an invitation signed by a non-admin should exit 4, got $RC: $out"
run held M node applications --config "$(cfg_of l1a-n2)"
[[ $RC == 0 ]] && jq -e '.invitations == []' <<<"$held" >/dev/null || fail "l1a-n2 should hold nothing yet: $held"
# Three members, by their addresses in the tree.
run inv M layer invite --node "$C1" --admin-key "$ADMIN" --to L2/L1a:l1a-n2 --to L2/L1b:l1b-n2 --to L2/L1a:l1a-n1 \
  --expires 1h
[[ $RC == 0 ]] || fail "layer invite exited $RC: $inv"
jq -e '[.invited[].leaves] == ["L2/L1a", "L2/L1b", "L2/L1a"] and ([.invited[].state] | unique) == ["pending"]' \
  <<<"$inv" >/dev/null || fail "invite: $inv"
mapfile -t INV < <(jq -r '.invited[].id' <<<"$inv")
run held M node applications --config "$(cfg_of l1a-n2)"
jq -e --arg id "${INV[0]}" '[.invitations[] | select(.invitation.id == $id and .state == "pending"
  and .invitation.layer == "L2/L1c" and .tree.ok)] | length == 1' <<<"$held" >/dev/null ||
  fail "l1a-n2 should hold ${INV[0]}, the tree vouching for it: $held"
# l1a-n1's operator refuses: it stays, and a refused invitation cannot be accepted.
run out M node applications refuse "${INV[2]}" --config "$(cfg_of l1a-n1)"
[[ $RC == 0 ]] || fail "refuse exited $RC: $out"
run out M node applications accept "${INV[2]}" --config "$(cfg_of l1a-n1)" --out moved-n1.toml
[[ $RC == 1 ]] && [[ ! -e moved-n1.toml ]] || fail "accepting a refused invitation should exit 1, got $RC: $out"
run show M layer show --node "$L1A"
jq -e '.n == 2' <<<"$show" >/dev/null || fail "L1a should still have 2 members: $show"
# l1a-n2 and l1b-n2 accept: each resigns (ordered in its layer), is restarted with the
# written config and joins L1c with the invitation (no admin key).
for m in 0 1; do
  name=$([[ $m == 0 ]] && echo l1a-n2 || echo l1b-n2)
  old=$(addr "$name")
  run acc M node applications accept "${INV[$m]}" --config "$(cfg_of "$name")" --out "$DIR/$name.toml" --force
  [[ $RC == 0 ]] || fail "$name: accept exited $RC: $acc"
  jq -e '.state == "accepted" and .into == "L2/L1c" and .leave.n == 1' <<<"$acc" >/dev/null || fail "accept: $acc"
  kill "$(pid_of "$name")" 2>/dev/null || true  # it has retired from its old layer
  port=${old##*:}
  end=$((SECONDS + 20)); until port_free "$port"; do (( SECONDS < end )) || fail "$name did not stop"; sleep 0.2; done
  start_node "$name"
  wait_up "$port" "$name in L1c"
  run out M node join --config "$name.toml" --invitation "$name.invitation.json" --node "$C1" --timeout 60
  [[ $RC == 0 ]] || fail "node join $name --invitation exited $RC: $out"
done
say "l1a-n2 and l1b-n2 moved into L2/L1c by invitation; l1a-n1 refused"
# Delivered to a node it is not for (l1a-n2's invitation, replayed to l1a-n1): 404, nothing kept;
# an oversized body: 400.
post_inv() { curl -sk -o /dev/null -w '%{http_code}' -X POST --data-binary "@$1" "$L1A/v1/invitations"; }
[[ $(post_inv l1a-n2.invitation.json) == 404 ]] || fail "an invitation for another key should be refused with 404"
head -c 20000 /dev/zero | tr '\0' ' ' >big.json
[[ $(post_inv big.json) == 400 ]] || fail "an oversized invitation should be refused with 400"
run held M node applications --config "$(cfg_of l1a-n1)"
jq -e '[.invitations[].invitation.invitee_layer] | all(. == "L2/L1a") and length == 2' <<<"$held" >/dev/null ||
  fail "l1a-n1 should hold only its own two invitations: $held"
# The fourth member joins by an admin.
start_node c4
wait_up $((P0 + 1)) c4  # node join needs it to answer (as a learner)
run out M node join --config c4.toml --admin-key "$ADMIN" --node "$C1" --timeout 60
[[ $RC == 0 ]] || fail "node join c4 exited $RC: $out"
run show M layer show --node "$C1"
jq -e '.n == 4 and .f == 1 and .epoch == 3' <<<"$show" >/dev/null || fail "L1c should be at epoch 3 with 4 members: $show"
say "L2/L1c grew to 4 members (epoch 3)"
if [[ -n $FORGE ]]; then
  # An add-layer for L1c at epoch 3 with ONE member's signature (f+1 = 2): refused, nothing changes.
  entry() { M layer show --node "$L2" | jq -c '.subordinates[] | select(.path == "L2/L1c") | {genesis, epoch, members}'; }
  before=$(entry)
  out=$("$FORGE" short-application --node "$C1" --superior "$L2" --admin-key "$ADMIN") || fail "forge: $out"
  jq -e '.members == 4 and (.status == 401 or .status == 403)' <<<"$out" >/dev/null ||
    fail "an application with 1 of 4 members' signatures should be refused: $out"
  [[ $(entry) == "$before" ]] || fail "L2's record of L1c changed after a refused application: $before -> $(entry)"
  say "an application signed by 1 member of 4 was refused ($(jq -r .status <<<"$out"))"
fi

# ---- 4. an edge under L1c, a whole contract E1 -> E4 ------------------------------
"$MLCHAIN" -q key gen --out e4.pem --name e4 >/dev/null
cat >e4.toml <<EOF
role = "edge"
name = "e4"
key_file = "e4.pem"
listen = "127.0.0.1:$((P0 + 2))"
data_dir = "data/e4"
layer = "L2/L1c/E4"
admin_keys = ["$ADMIN_PUB"]
credentials = ["ed25519", "hmac"]

[superior]
path = "L2/L1c"
genesis = "l1c/genesis.json"
EOF
start_node e4
wait_up $((P0 + 2)) e4
run out M layer attach --path L2/L1c/E4 --key e4.pem --address "$E4" --admin-key "$ADMIN" --node "$(addr l1b-n2)"
[[ $RC == 0 ]] || fail "attaching E4 under L1c exited $RC: $out"

"$MLCHAIN" -q key gen --out a.pem >/dev/null; "$MLCHAIN" -q key gen --out b.pem >/dev/null
A=$(M object register --edge "$E1" --admin-key "$ADMIN" --class T/A --perm contract --pubkey a.pem | jq -r .uuid)
B=$(M object register --edge "$E4" --admin-key "$ADMIN" --class T/B --perm contract --pubkey b.pem | jq -r .uuid)
run send M contract send --edge "$E1" --from "$A" --key a.pem --to "$B" --message '{"offer": 7}'
[[ $RC == 0 ]] || fail "contract send E1 -> E4 exited $RC: $send"
jq -e '(.receipt.ids | length) == 3 and (.receipt.ids[0] | startswith("L2/L1a#"))
  and (.receipt.ids[1] | startswith("L2#")) and (.receipt.ids[2] | startswith("L2/L1c#"))
  and .receipt.edge == "L2/L1c/E4"' <<<"$send" >/dev/null || fail "send: expected L1a, L2, L1c and E4's receipt: $send"
mapfile -t IDS < <(jq -r '.receipt.ids[]' <<<"$send")
IDL=$(IFS=,; echo "${IDS[*]}")
S1=$(jq -r .sum <<<"$send")
# Which member of L1c certified it: one of the members that joined after the attachment
# proves L2 follows L1c's epochs.
say "send: ids $IDL (L1c block by $(jq -r '.hops[3].node' <<<"$send"))"
# Statement 4: the member of L1c responsible for its block is killed; the reply reaches
# another member, which asks it, gets no answer and takes over by an ordered op.
RESP=$(jq -r '.hops[3].node' <<<"$send")
[[ -f $RESP.pid ]] || fail "L1c's hop names no member this test runs: $send"
run l1c M layer show --node "$C1"
RESP_KEY=$(jq -r --arg n "$RESP" '.members[] | select(.name == $n) | .public_key' <<<"$l1c")
RESP_URL=$(jq -r --arg n "$RESP" '.members[] | select(.name == $n) | .address' <<<"$l1c")
[[ ${#RESP_KEY} == 64 ]] || fail "L1c lists no member $RESP: $l1c"
q=$(M block query "${IDS[2]}" --node "$C1" --key "$ADMIN") || fail "block query ${IDS[2]}: $q"
jq -e --arg k "$RESP_KEY" '.block.responsible == $k' <<<"$q" >/dev/null || fail "$RESP should be responsible: $q"
kill -9 "$(cat "$RESP.pid")"
OTHER_URL=$C1; [[ $RESP == c1 ]] && OTHER_URL=$(url_of $((P0 + 1)))
run reply M contract reply --edge "$E4" --from "$B" --key b.pem --to "$A" --message '{"accept": true}' --contract "$IDL"
[[ $RC == 0 ]] || fail "contract reply E4 -> E1 with $RESP dead exited $RC: $reply"
q=$(M block query "${IDS[2]}" --node "$OTHER_URL" --key "$ADMIN") || fail "block query ${IDS[2]}: $q"
NEW_RESP=$(jq -r .block.responsible <<<"$q")
[[ $NEW_RESP != "$RESP_KEY" && ${#NEW_RESP} == 64 ]] || fail "no member took over from the dead $RESP: $q"
grep -h "took over a contract block" c*.log l1?-n2.log >/dev/null || fail "no member logged the takeover"
say "Statement 4: $RESP killed; the reply was handled after a takeover by ${NEW_RESP:0:16}"
start_node "$RESP"
wait_ready "${RESP_URL##*:}" "$RESP after its restart"
S2=$(jq -r .sum <<<"$reply")
run end_ M contract end --edge "$E1" --from "$A" --key a.pem --to "$B" --message '{"done": 1}' --contract "$IDL"
[[ $RC == 0 ]] || fail "contract end exited $RC: $end_"
S3=$(jq -r .sum <<<"$end_")

genesis_of() { case $1 in L2/L1c) echo "$C_GENESIS" ;; *) jq -r .genesis_hash "$NET/layers/$1/genesis.json" ;; esac; }
node_of() { case $1 in L2/L1c) echo "$C1" ;; L2) echo "$L2" ;; *) echo "$L1A" ;; esac; }
for id in "${IDS[@]}"; do
  layer=${id%#*}; proof="proof-${layer//\//_}.json"
  run q M block query "$id" --node "$(node_of "$layer")" --key "$ADMIN" --proof --out "$proof"
  [[ $RC == 0 ]] || fail "block query $id --proof exited $RC: $q"
  jq -e --arg s1 "$S1" --arg s2 "$S2" --arg s3 "$S3" \
    '.block.accomplished and ([.block.K[].sum] == [$s1, $s2, $s3])' <<<"$q" >/dev/null ||
    fail "$id: accomplished with the 3 sums expected: $q"
  run v M block verify "$proof" --genesis "$(genesis_of "$layer")"
  [[ $RC == 0 ]] && jq -e '.valid' <<<"$v" >/dev/null || fail "offline verify of $id exited $RC: $v"
done
jq -c '.contract.K[0].sum |= ((if .[0:1] == "0" then "1" else "0" end) + .[1:])' proof-L2_L1c.json >tampered.json
run v M block verify tampered.json --genesis "$C_GENESIS"
[[ $RC == 5 ]] || fail "a tampered L1c proof should exit 5, got $RC: $v"
say "contract E1 -> E4 sent, replied, ended; 3 proofs verified offline"

# ---- 5. the tree and selfcheck ----------------------------------------------------
run tree M layer show --node "$L1A" --tree
jq -e '.layer == "L2" and ([.children[] | select(.layer == "L2/L1c" and .reachable and .members == 4
  and ([.children[].layer] == ["L2/L1c/E4"]))] | length == 1)' <<<"$tree" >/dev/null ||
  fail "the tree should show L2/L1c (4 members) with E4 under L2: $tree"
for node in "$C1" "$L2" "$L1A" "$(addr l1b-n1)"; do
  run sc M selfcheck --node "$node"
  [[ $RC == 0 ]] || fail "selfcheck at $node exited $RC: $sc"
done
say "PASS in $((SECONDS - T0)) s"
