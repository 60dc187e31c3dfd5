#!/usr/bin/env bash
# End-to-end: forwarding mode "all" (blueprint [contracts] forwarding = "all",
# docs/contracts.md §8.7). A devnet where L2/L1a and L2 forward every packet
# to every member of the next layer: 3 messages E1 -> E3 are each recorded
# under one contract block per layer (the copies are retries, not new
# blocks), delivered to B exactly once (E3 refuses the copies: replay), and
# acknowledged with the receipt.
# Then selfcheck (--layer on a healthy layer exits 0; one L1a node stopped
# with SIGSTOP is named silent, exit 6) and the superior alarm (DESIGN §7): every L2 node killed -> L2/L1a and
# L2/L1b each freeze contract traffic towards L2 within ~15 s (two review
# rounds); a new contract is refused with 503 superior_frozen naming the
# cause, nothing is ordered at L1a, selfcheck exits 6.
# Bounded in time; everything started is killed on every exit path.
# Usage: contract_all_e2e.sh /path/to/mlchain
set -euo pipefail

MLCHAIN=${1:?usage: contract_all_e2e.sh /path/to/mlchain}
TAG=contract-all-e2e
# shellcheck source=devnet_lib.sh
source "$(dirname "$0")/devnet_lib.sh"
find_ports 14

cat >"$DIR/topology.toml" <<'TOML'
[[layers]]
path = "L2"
nodes = 4
forwarding = "all"
[[layers]]
path = "L2/L1a"
nodes = 4
forwarding = "all"
[[layers]]
path = "L2/L1b"
nodes = 4
[[edges]]
path = "L2/L1a/E1"
[[edges]]
path = "L2/L1b/E3"
TOML

timeout 150 "$MLCHAIN" -q devnet up --dir "$NET" --base-port "$base" --topology "$DIR/topology.toml" --timeout 120 \
  >/dev/null || fail "devnet up"
grep -q 'forwarding = "all"' "$NET/layers/L2/blueprint.toml" || fail "L2's blueprint lacks [contracts] forwarding = \"all\""
E1=$(addr e1); E3=$(addr e3); L1a=$(addr l1a-n1)
"$MLCHAIN" -q key gen --out "$DIR/a.pem" >/dev/null; "$MLCHAIN" -q key gen --out "$DIR/b.pem" >/dev/null
A=$(M object register --edge "$E1" --admin-key "$NET/admin.pem" --class T/A --perm contract --pubkey "$DIR/a.pem" | jq -r .uuid)
B=$(M object register --edge "$E3" --admin-key "$NET/admin.pem" --class T/B --perm contract --pubkey "$DIR/b.pem" | jq -r .uuid)

for i in 1 2 3; do
  out=$(M contract send --edge "$E1" --from "$A" --key "$DIR/a.pem" --to "$B" --message "{\"n\": $i}") ||
    fail "send $i: $out"
  jq -e --arg i "$i" '.receipt.sig and ([.hops[] | select(.id)] | map(.id)) == ["L2/L1a#" + $i, "L2#" + $i, "L2/L1b#" + $i]' \
    <<<"$out" >/dev/null || fail "send $i: not one new block per layer with a receipt: $out"
done
got=$(M object fetch --edge "$E3" --uuid "$B" --key "$DIR/b.pem")
jq -e '[.messages[].body.n] == [1, 2, 3]' <<<"$got" >/dev/null || fail "B should hold each message exactly once: $got"
for id in L2/L1a#3 L2#3 L2/L1b#3; do
  q=$(M block query "$id" --node "$L1a" --key "$NET/admin.pem") || fail "query $id: $q"
  jq -e '.block.K | length == 1' <<<"$q" >/dev/null || fail "$id should record its message once: $q"
  nx=$(M block query "${id%#*}#4" --node "$L1a" --key "$NET/admin.pem" 2>&1) && fail "${id%#*}#4 exists: copies made new blocks"
done
replays=$(curl -sk --max-time 5 "$E3/metrics" | awk '/^mlchain_edge_contract_packets_total\{outcome="replay"\}/ {print $2}')
(( ${replays:-0} > 0 )) || fail "E3 saw no copies: the layers did not forward to all members"
say "3 messages, one block each per layer, delivered once; E3 refused ${replays} copies"

# ---- selfcheck on the devnet: healthy, then one L1a node frozen --------------
sc=$(timeout 60 "$MLCHAIN" -o json selfcheck --node "$L1a" --layer L2/L1a) || fail "selfcheck --layer L2/L1a of a healthy devnet: $sc"
jq -e '.ok and (.members | length) == 4' <<<"$sc" >/dev/null || fail "selfcheck --layer: $sc"
stopped=$(jq -r '.nodes[] | select(.name == "l1a-n3") | .pid' "$NET/devnet.json")
kill -STOP "$stopped"
T2=$SECONDS
rc=0; sc=$(timeout 60 "$MLCHAIN" -o json selfcheck --node "$L1a") || rc=$?
kill -CONT "$stopped"
[[ $rc == 6 ]] || fail "selfcheck with l1a-n3 stopped should exit 6, got $rc: $sc"
jq -e '.checks[] | select(.check == "peers") | .data.members[] | select(.name == "l1a-n3") | .result == "silent"' \
  <<<"$sc" >/dev/null || fail "selfcheck does not name the stopped l1a-n3: $sc"
say "selfcheck: healthy layer exit 0; l1a-n3 stopped -> named silent, exit 6, in $((SECONDS - T2)) s"

# ---- every L2 node killed: the superior alarm freezes contract traffic -------
for p in $(jq -r '.nodes[] | select(.layer == "L2") | .pid' "$NET/devnet.json"); do kill -9 "$p"; done
T1=$SECONDS
frozen() { curl -sk --max-time 3 "$1/v1/status" | jq -e '.contracts.superior.state == "frozen"' >/dev/null 2>&1; }
L1b=$(addr l1b-n1)
until frozen "$L1a" && frozen "$L1b"; do
  (( SECONDS - T1 < 40 )) || fail "L2/L1a and L2/L1b did not freeze within 40 s of every L2 node dying"
  sleep 0.5
done
say "superior alarm raised in L2/L1a and L2/L1b $((SECONDS - T1)) s after L2 died"
m=$(curl -sk --max-time 5 "$L1a/metrics"); grep -q '^mlchain_superior_frozen 1' <<<"$m" || fail "mlchain_superior_frozen is not 1 at L1a"
before=$(curl -sk "$L1a/v1/status" | jq .committed_ops)
err=$(timeout 60 "$MLCHAIN" contract send --edge "$E1" --from "$A" --key "$DIR/a.pem" --to "$B" --message '{"n": 4}' 2>&1) &&
  fail "a contract through a dead superior was accepted: $err"
grep -q "superior_frozen" <<<"$err" && grep -q "L2" <<<"$err" || fail "the refusal does not name the freeze and L2: $err"
[[ $(curl -sk "$L1a/v1/status" | jq .committed_ops) == "$before" ]] || fail "L2/L1a ordered something for a frozen route"
rc=0; "$MLCHAIN" selfcheck --node "$L1a" >/dev/null 2>&1 || rc=$?
[[ $rc == 6 ]] || fail "selfcheck of L2/L1a with its superior dead should exit 6, got $rc"
say "PASS: forwarding mode all; superior alarm and freeze ($err)"
