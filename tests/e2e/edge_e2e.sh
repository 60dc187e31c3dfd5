#!/usr/bin/env bash
# End-to-end edge layer: a 4-node L1 and an edge central node E1 under it.
# E1 keeps L1's address book ([superior]: from L1's genesis, refreshed from
# L1's members over pinned TLS; GET /v1/edge and /metrics show it).
# E1 is attached to L1 by an ordered add-subordinate op; an admin registers
# a thermometer with an HMAC secret; a device script (bash + openssl + curl,
# exactly docs/edge-requests.md) uploads readings; `object show` sees them;
# a wrong MAC, a replayed counter, an out-of-range reading, a revoked object
# and a non-admin registration are refused with their reasons and change
# nothing. Bounded in time. Usage: edge_e2e.sh /path/to/mlchain
set -euo pipefail

MLCHAIN=${1:?usage: edge_e2e.sh /path/to/mlchain}
E2E_NODES=5  # n1..n4 the L1 layer "L2/E2E", n5 the edge central node
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"
EDGE=$(url 5)
cat >"$DIR/n5.toml" <<CFG
role = "edge"
name = "e1"
key_file = "n5.pem"
listen = "127.0.0.1:${PORT[5]}"
data_dir = "data/e1"
layer = "L2/E2E/E1"
admin_keys = ["$(pubkey "$DIR/admin.pem")"]
credentials = ["ed25519", "hmac"]
superior_refresh_ms = 1000
[superior]
path = "L2/E2E"
genesis = "layer/genesis.json"
CFG

for i in 1 2 3 4 5; do start $i; done
wait_for 30 "the L1 layer ready" all_ready 1 2 3 4
edge_up() { curl -sfk "$EDGE/readyz" >/dev/null; }
wait_for 20 "the edge node" edge_up
say "L1 (4 nodes) and edge node E1 up"

# E1's copy of its superior's address book: n1..n4, confirmed by L1 itself.
want_keys=$(for i in 1 2 3 4; do pubkey "$DIR/n$i.pem"; done | sort | paste -sd,)
genesis_hash=$(jq -r .genesis_hash "$DIR/layer/genesis.json")
sup=$(curl -sk "$EDGE/v1/edge" | jq -c .superior)
[[ $(jq -r '[.members[].public_key] | sort | join(",")' <<<"$sup") == "$want_keys" ]] ||
  fail "E1's superior book should list n1..n4: $sup"
jq -e --arg h "$genesis_hash" '.path == "L2/E2E" and .genesis_hash == $h and (.members | length) == 4' \
  <<<"$sup" >/dev/null || fail "E1's superior book: $sup"
refreshed() {
  curl -sk "$EDGE/v1/edge" | jq -e '.superior.refreshed_at_ms != null and .superior.last_error == null' >/dev/null
}
wait_for 20 "E1 to refresh its superior book from L1" refreshed
sup=$(curl -sk "$EDGE/v1/edge" | jq -c .superior)
[[ $(jq -r '[.members[].public_key] | sort | join(",")' <<<"$sup") == "$want_keys" ]] ||
  fail "E1's refreshed superior book should list n1..n4: $sup"
[[ $(jq -r '[.members[].address] | sort | join(",")' <<<"$sup") == "$(for i in 1 2 3 4; do url $i; done | sort | paste -sd,)" ]] ||
  fail "E1's superior addresses: $sup"
metrics=$(curl -sk "$EDGE/metrics")
grep -qx 'mlchain_edge_superior_members 4' <<<"$metrics" || fail "metrics: no mlchain_edge_superior_members 4"
l1_epoch=$(curl -sk "$(url 1)/v1/layer" | jq -r .epoch)
grep -qx "mlchain_edge_superior_epoch $l1_epoch" <<<"$metrics" || fail "metrics: no mlchain_edge_superior_epoch $l1_epoch"
grep -q '^mlchain_edge_superior_refresh_failures_total ' <<<"$metrics" || fail "metrics: no refresh failures counter"
say "E1 keeps L1's address book (4 members, refreshed over pinned TLS)"

# E1 joins L1 as a subordinate member, by an ordered op.
"$MLCHAIN" -q layer attach --path L2/E2E/E1 --key "$DIR/n5.pem" --address "$EDGE" --admin-key "$DIR/admin.pem" \
  --node "$(url 1)" >/dev/null || fail "layer attach"
"$MLCHAIN" layer show --node "$(url 2)" -o json | jq -e --arg k "$(pubkey "$DIR/n5.pem")" \
  '.subordinates[] | select(.path == "L2/E2E/E1") | .keys[0] == $k' >/dev/null || fail "L1 did not record E1"
say "E1 recorded on L1's chain"

# Registration: a non-admin is refused (exit 4); the admin gets a UUID and the secret once.
"$MLCHAIN" -q key gen --out "$DIR/stranger.pem" --name stranger >/dev/null
rc=0; "$MLCHAIN" -q object register --edge "$EDGE" --admin-key "$DIR/stranger.pem" --class Device/Sensor/Thermometer/Acme \
  --hmac >/dev/null 2>&1 || rc=$?
[[ $rc == 4 ]] || fail "a non-admin registration should exit 4, got $rc"
reg=$("$MLCHAIN" object register --edge "$EDGE" --admin-key "$DIR/admin.pem" --class Device/Sensor/Thermometer/Acme \
  --perm upload --format "$(dirname "$0")/../../docs/examples/thermometer-format.json" --hmac -o json) || fail "register: $reg"
uuid=$(jq -r .object.uuid <<<"$reg"); secret=$(jq -r .secret <<<"$reg")
[[ $uuid == mlc:L2/E2E/E1/* && ${#secret} == 64 ]] || fail "register output: $reg"
say "registered $uuid (HMAC)"
show=$("$MLCHAIN" object show --edge "$EDGE" --admin-key "$DIR/admin.pem" "$uuid" -o json)
grep -q "$secret" <<<"$show" && fail "object show leaks the secret"

# The device, as docs/edge-requests.md writes it.
pin=$(openssl x509 -in "$DIR/n5.pem" -pubkey -noout | openssl pkey -pubin -outform der | openssl dgst -sha256 -binary | base64)
upload() {  # upload BODY COUNTER [SECRET] -> HTTP status; response body in $DIR/resp
  local body=$1 counter=$2 key=${3:-$secret} body_hash sig
  body_hash=$(printf '%s' "$body" | openssl dgst -sha256 -r | cut -d' ' -f1)
  sig=$(printf 'mlc-edge-v1\nupload\n%s\n%s\n%s' "$uuid" "$counter" "$body_hash" |
        openssl dgst -sha256 -mac HMAC -macopt "hexkey:$key" -r | cut -d' ' -f1)
  curl -sS --insecure --pinnedpubkey "sha256//$pin" -o "$DIR/resp" -w '%{http_code}' -X POST "$EDGE/v1/object/upload" \
    -H 'Content-Type: application/json' -H "X-Mlc-Object: $uuid" \
    -H "X-Mlc-Counter: $counter" -H "X-Mlc-Signature: $sig" --data-binary "$body"
}
for t in 2150 2161 2173; do
  c=$(date +%s%6N)
  [[ $(upload "{\"temp_cC\":$t}" "$c") == 200 ]] || fail "upload $t: $(cat "$DIR/resp")"
done
last=$c
show=$("$MLCHAIN" object show --edge "$EDGE" --admin-key "$DIR/admin.pem" "$uuid" -o json)
[[ $(jq '.history | length' <<<"$show") == 3 ]] || fail "object show history: $show"
grep -q 2173 <<<"$show" || fail "the last reading is missing: $show"
say "3 readings uploaded by the device script and shown"

# Refusals: each with its reason, none stored.
refuse() {  # refuse WANT_STATUS REASON BODY COUNTER [SECRET]
  local status; status=$(upload "$3" "$4" "${5:-$secret}")
  [[ $status == "$1" ]] && grep -q "$2" "$DIR/resp" || fail "expected $1 $2, got $status $(cat "$DIR/resp")"
}
refuse 401 bad_signature '{"temp_cC":2200}' "$(date +%s%6N)" "$(printf '%064d' 7)"
refuse 409 replayed '{"temp_cC":2200}' "$last"
refuse 422 schema_violation '{"temp_cC":9000}' "$(date +%s%6N)"
show=$("$MLCHAIN" object show --edge "$EDGE" --admin-key "$DIR/admin.pem" "$uuid" -o json)
[[ $(jq '.history | length' <<<"$show") == 3 ]] || fail "a refused upload was stored: $show"
"$MLCHAIN" -q object revoke --edge "$EDGE" --admin-key "$DIR/admin.pem" "$uuid" >/dev/null || fail "revoke"
refuse 403 revoked '{"temp_cC":2200}' "$(date +%s%6N)"
say "wrong MAC, replay, out-of-range value and revoked object refused with their reasons; nothing stored"

# Commands pointed at the edge node (issue 20): node status describes it;
# layer show and selfcheck say it is an edge node and what to use (exit 2),
# instead of "404: no such endpoint".
st=$("$MLCHAIN" node status --node "$EDGE" -o json) || fail "node status on the edge node: $st"
jq -e '.role == "edge" and .layer == "L2/E2E/E1" and .superior.path == "L2/E2E"' <<<"$st" >/dev/null ||
  fail "node status on the edge node: $st"
txt=$("$MLCHAIN" node status --node "$EDGE") || fail "node status (text) on the edge node"
grep -q "edge layer; this is its central node" <<<"$txt" || fail "node status text: $txt"
rc=0; out=$("$MLCHAIN" layer show --node "$EDGE" 2>&1) || rc=$?
[[ $rc == 2 ]] || fail "layer show on the edge node should exit 2, got $rc: $out"
grep -q "central node of edge layer L2/E2E/E1" <<<"$out" && grep -q "mlchain node status --node" <<<"$out" ||
  fail "layer show on the edge node: $out"
# selfcheck on the edge: store, certificate, superior (4 members sign), clock.
sc=$("$MLCHAIN" selfcheck --node "$EDGE" -o json) || fail "selfcheck on the edge node exited $?: $sc"
jq -e '.ok and .role == "edge" and ([.checks[].check] == ["store", "certificate", "superior", "clock"])
  and ([.checks[] | select(.check == "superior") | .data.members[] | select(.result == "ok")] | length) == 4' <<<"$sc" >/dev/null ||
  fail "selfcheck on the edge node: $sc"
# One superior member stopped: still f+1 of 4 answer, the check holds and names it.
kill -STOP "${PIDS[4]}"
sc=$("$MLCHAIN" selfcheck --node "$EDGE" -o json) || { kill -CONT "${PIDS[4]}"; fail "selfcheck with n4 stopped: $sc"; }
kill -CONT "${PIDS[4]}"
jq -e '.ok and ([.checks[] | select(.check == "superior") | .detail] | .[0] | test("3 of 4"))' <<<"$sc" >/dev/null ||
  fail "selfcheck with n4 stopped: $sc"
say "node status describes the edge node; layer show says it is one (exit 2); selfcheck examines it"
say "PASS"
