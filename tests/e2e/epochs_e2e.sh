#!/usr/bin/env bash
# End-to-end: neighbours follow a layer's membership (issue 14 item 3). On the
# default devnet, L2/L1a's four founders are replaced one by one; its
# superior L2 and its edge E1 follow its epochs, and contracts E1 -> E3 keep
# flowing, certified by the newcomers only.
#  1. devnet up (E1 with the default config: it checks its superior's epoch
#     certificates every ~3 s); objects A in E1, B in E3; a contract A -> B
#     is delivered.
#  2. Four newcomers l1a-n5..n8 (keys, configs and data dirs beside the
#     devnet's) join L2/L1a one after another (`node join`, each ready before
#     the next): n = 8; all 8 members linked to each other.
#  3. Before a founder goes, L2 (/v1/directory/L2%2FL1a on each L2 member)
#     and E1 (/v1/edge superior book) know the 8 members. Then the founders
#     leave, each change in effect (epoch +1, n -1) before the next, each
#     founder process stopped once out: l1a-n1 resigns (`node leave
#     --config`), l1a-n2 and l1a-n3 are removed by the admin (`node leave
#     --member`), l1a-n4 is marked invalid by the admin (`node invalidate`).
#  4. Every L2 member's directory entry for L2/L1a lists exactly the
#     newcomers' keys; E1's book is at the current epoch E with the
#     newcomers; three contracts A -> B are delivered (L2 accepts L2/L1a
#     certificates signed by newcomers only) and B holds the 4 messages once.
#  5. A packet as L2/L1a would forward it (a valid packet of E1 from
#     mlchain-contract-forge, advanced by hand), certified by the 4 removed
#     founders' keys (still on disk): L2 answers 401 certificate_refused
#     ("not a recorded member") and counts it once
#     (mlchain_contract_events_total{event="certificate_signer not a member"}
#     over the L2 members); nothing reaches B.
#  6. Every current member serves GET /v1/epochs?after=0: epoch E and
#     certificates 1..E, contiguous, for L2/L1a and its genesis, from_height
#     increasing, each signed by f+1 distinct members of the epoch before, the
#     last listing the newcomers.
#  7. The first chain block of every epoch 0..E of L2/L1a (epoch 0: block 1;
#     then the certificates' from_height), proven by some current member
#     (`block query --chain --proof`), verifies offline against the genesis
#     hash alone, naming its epoch and that many epoch switches; against L2's
#     genesis it exits 5.
# Before the feature, L2 trusts L2/L1a's genesis members for ever: the test
# fails at the start of step 3 (L2's directory lists the founders only).
# Bounded in time (about 25-40 s when it passes on 2 cores); everything started is killed on
# every exit path. MLCHAIN_E2E_KEEP_LOGS=DIR keeps the node logs.
# Usage: epochs_e2e.sh /path/to/mlchain /path/to/mlchain-contract-forge
# run() below assigns its caller's variable through a nameref; TAG and base are devnet_lib.sh's:
# shellcheck disable=SC2034,SC2154
set -euo pipefail

MLCHAIN=${1:?usage: epochs_e2e.sh /path/to/mlchain /path/to/mlchain-contract-forge}
FORGE=${2:?usage: epochs_e2e.sh /path/to/mlchain /path/to/mlchain-contract-forge}
TAG=epochs-e2e
LIMIT=${MLCHAIN_E2E_LIMIT:-180}
declare -A XPID=()  # processes this script starts itself (the newcomers): name -> pid
XWATCHDOG=
devnet_extra_cleanup() {
  for n in "${!XPID[@]}"; do ours_alive "${XPID[$n]}" && kill -9 "${XPID[$n]}" 2>/dev/null || true; done
  [[ -n $XWATCHDOG ]] && { kill -- "-$XWATCHDOG" 2>/dev/null || kill "$XWATCHDOG" 2>/dev/null || true; }
  if [[ -n ${MLCHAIN_E2E_KEEP_LOGS:-} ]]; then
    mkdir -p "$MLCHAIN_E2E_KEEP_LOGS" && cp -r "$NET/logs" "$NET/devnet.json" "$MLCHAIN_E2E_KEEP_LOGS/" 2>/dev/null || true
  fi
}
# shellcheck source=devnet_lib.sh
source "$(dirname "$0")/devnet_lib.sh"
find_ports 19  # 15 devnet nodes, then the 4 newcomers
say "dir $NET, ports $base..$((base + 18))"
# The devnet's watchdog ends what devnet.json records; this one ends what we
# start ourselves (pids in $DIR/extra.pids), a second before.
setsid bash -c "sleep $((LIMIT - 1)); for p in \$(cat '$DIR/extra.pids' 2>/dev/null); do
  tr '\\0' ' ' </proc/\$p/cmdline 2>/dev/null | grep -qF '$NET/nodes/' && kill -9 \$p; done" >/dev/null 2>&1 &
XWATCHDOG=$!

T0=$SECONDS
# run VAR CMD...: runs CMD, its stdout into VAR, its exit code into RC (never fails the script).
run() { local -n out_=$1; shift; RC=0; out_=$("$@" 2>>"$DIR/cli.err") || RC=$?; }
wait_for() {  # wait_for SECONDS DESCRIPTION COMMAND...
  local secs=$1 what=$2; shift 2
  local end=$((SECONDS + secs))
  until "$@"; do (( SECONDS < end )) || fail "timed out after ${secs}s waiting for $what"; sleep 0.3; done
}
# wait_until SECONDS DESCRIPTION STATE COMMAND...: as wait_for; on timeout the
# message ends with what the command STATE prints then.
wait_until() {
  local secs=$1 what=$2 state=$3; shift 3
  local end=$((SECONDS + secs))
  until "$@"; do (( SECONDS < end )) || fail "timed out after ${secs}s waiting for $what; now: $($state 2>&1)"; sleep 0.3; done
}
get() { curl -sk --max-time 5 "$@"; }
ADMIN="$NET/admin.pem"
L1A=L2/L1a
ENC_L1A=L2%2FL1a  # contract::url_segment

# ---- 1. devnet, one contract ---------------------------------------------------------
up=$(timeout 150 "$MLCHAIN" devnet up --dir "$NET" --base-port "$base" --timeout 90 -o json) || fail "devnet up failed"
jq -e '(.nodes | length) == 15' <<<"$up" >/dev/null || fail "devnet state: $up"
G_L1A=$(jq -r .genesis_hash "$NET/layers/$L1A/genesis.json")
[[ $G_L1A =~ ^[0-9a-f]{64}$ ]] || fail "no genesis hash in $NET/layers/$L1A/genesis.json"
mapfile -t L2M < <(jq -r '.nodes[] | select(.layer == "L2" and .role == "member") | .address' "$NET/devnet.json")
FOUNDERS=(l1a-n1 l1a-n2 l1a-n3 l1a-n4)
NEWCOMERS=(l1a-n5 l1a-n6 l1a-n7 l1a-n8)
E1=$(addr e1); E3=$(addr e3)
say "devnet up in $((SECONDS - T0)) s; L2/L1a genesis $G_L1A"

start_node() {  # start_node NAME: `node run` of $NET/nodes/NAME.toml, output appended to its log
  "$MLCHAIN" node run --config "$NET/nodes/$1.toml" >>"$NET/logs/$1.log" 2>&1 &
  XPID[$1]=$!
  echo "${XPID[$1]}" >>"$DIR/extra.pids"
}
stop_pid() {  # stop_pid PID NAME: SIGTERM, then SIGKILL after 10 s; only a process of this devnet
  local p=$1 end=$((SECONDS + 10))
  ours_alive "$p" || return 0
  kill -TERM "$p" 2>/dev/null || true
  while ours_alive "$p"; do
    (( SECONDS < end )) || { kill -9 "$p" 2>/dev/null || true; sleep 0.2; break; }
    sleep 0.1
  done
  ! ours_alive "$p" || fail "$2 (pid $p) did not stop"
}
recorded_pid() { jq -r --arg n "$1" '.nodes[] | select(.name == $n) | .pid' "$NET/devnet.json"; }

"$MLCHAIN" -q key gen --out "$DIR/a.pem" >/dev/null; "$MLCHAIN" -q key gen --out "$DIR/b.pem" >/dev/null
A=$(M object register --edge "$E1" --admin-key "$ADMIN" --class T/A --perm contract --pubkey "$DIR/a.pem" | jq -er .uuid) ||
  fail "register A in E1"
B=$(M object register --edge "$E3" --admin-key "$ADMIN" --class T/B --perm contract --pubkey "$DIR/b.pem" | jq -er .uuid) ||
  fail "register B in E3"
SUMS=()
send() {  # send N WHEN: a contract A -> B with message {"n": N}; its sum appended to SUMS
  local out
  run out M contract send --edge "$E1" --from "$A" --key "$DIR/a.pem" --to "$B" --message "{\"n\": $1}" --ttl 10m
  [[ $RC == 0 ]] || fail "contract $1 A -> B ($2) exited $RC: $out $(tail -c 400 "$DIR/cli.err")"
  jq -e '(.receipt.ids | length) == 3 and (.receipt.ids[0] | startswith("L2/L1a#")) and .receipt.edge == "L2/L1b/E3"
    and .receipt.sum == .sum' <<<"$out" >/dev/null || fail "contract $1 ($2): 3 ids and E3's receipt expected: $out"
  SUMS+=("$(jq -r .sum <<<"$out")")
  say "contract $1 ($2): $(jq -r '.receipt.ids | join(",")' <<<"$out")"
}
send 1 "founders"
got=$(M object fetch --edge "$E3" --uuid "$B" --key "$DIR/b.pem") || fail "B fetch: $got"
jq -e --arg s "${SUMS[0]}" '[.messages[] | select(.contract.sum == $s)] | length == 1' <<<"$got" >/dev/null ||
  fail "B should hold contract 1 once: $got"

# ---- 2. four newcomers join L2/L1a ------------------------------------------------
layer_json() { M layer show --node "$1" 2>/dev/null; }
key_of() { jq -r --arg n "$1" '.nodes[] | select(.name == $n) | .public_key' "$NET/devnet.json"; }
declare -A URL=() KEY=()
for n in "${FOUNDERS[@]}"; do URL[$n]=$(addr "$n"); KEY[$n]=$(key_of "$n"); done
i=0
for n in "${NEWCOMERS[@]}"; do
  port=$((base + 15 + i)); i=$((i + 1))
  URL[$n]="https://127.0.0.1:$port"
  "$MLCHAIN" -q key gen --out "$NET/keys/$n.pem" --name "$n" >/dev/null
  KEY[$n]=$("$MLCHAIN" -o json key show --key "$NET/keys/$n.pem" | jq -r .public_key)
  # As devnet up writes a member's config (docs/devnet.md); paths relative to the file.
  cat >"$NET/nodes/$n.toml" <<CFG
name = "$n"
key_file = "../keys/$n.pem"
listen = "127.0.0.1:$port"
data_dir = "../data/$n"
genesis = "../layers/$L1A/genesis.json"
review_interval_ms = 30000
log_format = "text"
CFG
done
NEWKEYS=$(for n in "${NEWCOMERS[@]}"; do echo "${KEY[$n]}"; done | jq -R . | jq -cs 'sort')
answers() { [[ $(curl -sk --max-time 2 -o /dev/null -w '%{http_code}' "$1/v1/status") == 200 ]]; }
TJ=$SECONDS
k=4
for n in "${NEWCOMERS[@]}"; do
  start_node "$n"
  wait_for 20 "$n to answer" answers "${URL[$n]}"
  k=$((k + 1))
  run out M node join --config "$NET/nodes/$n.toml" --admin-key "$ADMIN" --node "${URL[l1a-n2]}" --timeout 60
  [[ $RC == 0 ]] && jq -e --argjson k "$k" '.ready and .n == $k' <<<"$out" >/dev/null ||
    fail "node join $n exited $RC: $out $(tail -c 400 "$DIR/cli.err")"
  say "$n joined: $(jq -c '{epoch, n, height, seconds}' <<<"$out")"
done
CURRENT=("${FOUNDERS[@]}" "${NEWCOMERS[@]}")
all_linked() {  # every member in CURRENT sees exactly those members, all connected
  local n
  for n in "${CURRENT[@]}"; do
    layer_json "${URL[$n]}" | jq -e --argjson n "${#CURRENT[@]}" '(.members | map(select(.status != "invalid")) | length) == $n
      and all(.members[] | select(.status != "invalid"); .connected)' >/dev/null || return 1
  done
}
wait_for 30 "the 8 members of L2/L1a to link to each other" all_linked
lay=$(layer_json "${URL[l1a-n8]}") || fail "layer show on l1a-n8"
jq -e '.epoch >= 4 and .n == 8' <<<"$lay" >/dev/null || fail "after 4 joins: epoch >= 4, n = 8 expected: $(jq -c '{epoch, n, f}' <<<"$lay")"
EPOCH=$(jq -r .epoch <<<"$lay")
say "4 newcomers joined in $((SECONDS - TJ)) s; 8 members linked (epoch $EPOCH)"

# ---- 3. the founders leave ------------------------------------------------------------
# sorted_keys FILTER: the sorted public keys a JSON answer (stdin) lists
sorted_keys() { jq -c "[$1] | sort"; }
layer_keys() { layer_json "$1" | sorted_keys '.members[] | select(.status != "invalid") | .public_key'; }
dir_keys() { get "$1/v1/directory/$ENC_L1A" | sorted_keys '.members[].public_key' 2>/dev/null; }
l2_knows() {  # l2_knows KEYS_JSON: every L2 member's directory entry for L2/L1a lists exactly these keys
  local u
  for u in "${L2M[@]}"; do [[ $(dir_keys "$u") == "$1" ]] || return 1; done
}
e1_book() { get "$E1/v1/edge" | jq -c '.superior | {epoch, keys: ([.members[].public_key] | sort)}' 2>/dev/null; }
e1_knows() { [[ $(e1_book) == "$(jq -cn --argjson e "$1" --argjson k "$2" '{epoch: $e, keys: $k}')" ]]; }
current_keys() { for n in "${CURRENT[@]}"; do echo "${KEY[$n]}"; done | jq -R . | jq -cs 'sort'; }

# A neighbour follows from the members it trusts: it must know the
# newcomers before the last member it knows is gone.
K8=$(current_keys)
[[ $(layer_keys "${URL[l1a-n5]}") == "$K8" ]] || fail "L2/L1a's members are not the 8 expected"
TF=$SECONDS
deadline=$((SECONDS + 20))
until l2_knows "$K8"; do
  (( SECONDS < deadline )) || fail "L2 does not follow L2/L1a's membership: 20 s after epoch $EPOCH, /v1/directory/$ENC_L1A on the L2 members lists $(for u in "${L2M[@]}"; do get "$u/v1/directory/$ENC_L1A" | jq -c '[.members[].name]'; done | tr '\n' ' '), not the 8 members of epoch $EPOCH"
  sleep 0.3
done
say "every L2 member's directory lists the 8 members of L2/L1a ($((SECONDS - TF)) s after epoch $EPOCH)"
wait_until 20 "E1's superior book to reach epoch $EPOCH with the 8 members" e1_book e1_knows "$EPOCH" "$K8"
say "E1's superior book: epoch $EPOCH, 8 members"

epoch_n() { layer_json "${URL[l1a-n5]}" | jq -c '{epoch, n, members: [.members[] | "\(.name):\(.status)"]}'; }
out_of_layer() {  # out_of_layer NAME: l1a-n5 sees a new epoch with n one less, without NAME
  local l; l=$(layer_json "${URL[l1a-n5]}") || return 1
  jq -e --argjson e $((EPOCH + 1)) --argjson n $((${#CURRENT[@]} - 1)) --arg k "${KEY[$1]}" \
    '.epoch == $e and .n == $n and ([.members[] | select(.public_key == $k and .status != "invalid")] | length) == 0' \
    <<<"$l" >/dev/null
}
gone() {  # gone NAME HOW: wait for NAME to be out, stop its process, drop it from CURRENT
  local name=$1 how=$2 c=()
  wait_until 40 "$name to be out of L2/L1a (epoch $((EPOCH + 1)), n = $((${#CURRENT[@]} - 1)))" epoch_n out_of_layer "$name"
  EPOCH=$((EPOCH + 1))
  for x in "${CURRENT[@]}"; do [[ $x != "$name" ]] && c+=("$x"); done
  CURRENT=("${c[@]}")
  stop_pid "$(recorded_pid "$name")" "$name"
  say "$name $how: epoch $EPOCH, n = ${#CURRENT[@]}; its process stopped"
}
live_url() { echo "${URL[${NEWCOMERS[0]}]}"; }
TR=$SECONDS

run out M node leave --config "$NET/nodes/l1a-n1.toml" --timeout 60
[[ $RC == 0 ]] || fail "node leave --config l1a-n1.toml exited $RC: $out $(tail -c 400 "$DIR/cli.err")"
gone l1a-n1 "resigned (node leave --config)"

for n in l1a-n2 l1a-n3; do
  run out M node leave --member "$n" --admin-key "$ADMIN" --node "$(live_url)" --timeout 60
  [[ $RC == 0 ]] || fail "node leave --member $n exited $RC: $out $(tail -c 400 "$DIR/cli.err")"
  gone "$n" "removed by the admin (node leave --member)"
done

# mark-invalid by the admin decision (`node invalidate`).
mark_invalid() {  # mark_invalid NAME
  run out M node invalidate --member "$1" --admin-key "$ADMIN" --node "$(live_url)" --timeout 60
  [[ $RC == 0 ]] || fail "node invalidate --member $1 exited $RC: $out $(tail -c 400 "$DIR/cli.err")"
}
mark_invalid l1a-n4
gone l1a-n4 "marked invalid (node invalidate)"
lay=$(layer_json "$(live_url)")
jq -e '[.members[] | select(.name == "l1a-n4")][0].status == "invalid"' <<<"$lay" >/dev/null ||
  fail "l1a-n4 should be listed as invalid: $(jq -c '[.members[] | {name, status}]' <<<"$lay")"
[[ $(layer_keys "$(live_url)") == "$NEWKEYS" ]] || fail "L2/L1a's members should be the 4 newcomers: $(jq -c '[.members[] | {name, status}]' <<<"$lay")"
E=$EPOCH
say "the 4 founders are out in $((SECONDS - TR)) s: L2/L1a is at epoch $E with the 4 newcomers"

# ---- 4. the neighbours follow; contracts through the newcomers ---------------------
TF=$SECONDS
deadline=$((SECONDS + 20))
until l2_knows "$NEWKEYS"; do
  (( SECONDS < deadline )) || fail "20 s after the founders left, L2 should list the 4 newcomers for L2/L1a: $(for u in "${L2M[@]}"; do get "$u/v1/directory/$ENC_L1A" | jq -c '[.members[].name]'; done | tr '\n' ' ')"
  sleep 0.3
done
say "every L2 member's directory lists exactly the 4 newcomers for L2/L1a ($((SECONDS - TF)) s)"
wait_until 20 "E1's superior book to reach epoch $E with the 4 newcomers" e1_book e1_knows "$E" "$NEWKEYS"
say "E1's superior book: epoch $E, the 4 newcomers"

for c in 2 3 4; do send "$c" "newcomers only"; done
got=$(M object fetch --edge "$E3" --uuid "$B" --key "$DIR/b.pem" --max 100) || fail "B fetch: $got"
for s in "${SUMS[@]}"; do
  [[ $(jq --arg s "$s" '[.messages[] | select(.contract.sum == $s)] | length' <<<"$got") == 1 ]] ||
    fail "B should hold the message with sum $s exactly once: $got"
done
jq -e '[.messages[].body.n] | sort == [1, 2, 3, 4]' <<<"$got" >/dev/null || fail "B should hold messages 1..4: $got"
follows=0
for u in "${L2M[@]}"; do
  v=$(get "$u/metrics" | grep -F 'mlchain_contract_events_total{event="neighbour_epochs_ordered"}' | awk '{print $NF}' || true)
  follows=$((follows + ${v:-0}))
done
say "contracts 2..4 delivered through L2/L1a's newcomers; L2 members ordered $follows neighbour epoch ops"

# ---- 5. a certificate of removed founders ---------------------------------------------
# A packet as L2/L1a forwards it to L2: the forge builds a valid first packet
# of E1 (sealed to E3), advanced here as L2/L1a's relay would (its block id
# appended, the route moved on), and certified by the 4 founders' keys.
SEAL=$(get "$E3/v1/edge" | jq -er .seal_key) || fail "GET $E3/v1/edge has no seal_key"
"$FORGE" --key "$NET/keys/e1.pem" --seal-key "$SEAL" --from "$A" --to "$B" --mode valid \
  --message '{"forged": "founders"}' >"$DIR/valid.json" || fail "mlchain-contract-forge --mode valid failed"
jq -c '.packet | .ids += ["L2/L1a#999999"] | .route.src = ([.route.dst[0]] + .route.src) | .route.dst |= .[1:]' \
  "$DIR/valid.json" >"$DIR/fwd.json"
jq -e '.route.dst[0] == "L2" and .route.src[0] == "L2/L1a"' "$DIR/fwd.json" >/dev/null || fail "advanced packet: $(cat "$DIR/fwd.json")"
# packet_digest = SHA-256("mlchain-packet/1" 0x00 || canonical(packet without body)) (contract/packet.h)
DIGEST=$({ printf 'mlchain-packet/1\0'; jq -cjS 'del(.body)' "$DIR/fwd.json"; } | sha256sum | cut -c1-64)
# certificate_signing_bytes = "mlchain-layer-cert/1" 0x00 || canonical {layer, next, packet} (contract/certificate.h)
{ printf 'mlchain-layer-cert/1\0'; jq -cjS -n --arg d "$DIGEST" '{layer: "L2/L1a", next: "L2", packet: $d}'; } >"$DIR/cert.bin"
sigs='[]'
for n in "${FOUNDERS[@]}"; do
  s=$(openssl pkeyutl -sign -rawin -inkey "$NET/keys/$n.pem" -in "$DIR/cert.bin" | xxd -p -c 256) || fail "sign as $n"
  sigs=$(jq -c --arg k "${KEY[$n]}" --arg s "$s" '. + [{key: $k, sig: $s}]' <<<"$sigs")
done
jq -c --slurpfile p "$DIR/fwd.json" --arg d "$DIGEST" --argjson s "$sigs" \
  '{packet: $p[0], cert: {layer: "L2/L1a", next: "L2", packet: $d, signatures: $s}}' -n >"$DIR/founders.json"
refused_count() {  # sum over the L2 members of the certificate_signer not a member counter
  local n=0 u v
  for u in "${L2M[@]}"; do
    v=$(get "$u/metrics" | grep -F 'mlchain_contract_events_total{event="certificate_signer not a member"}' | awk '{print $NF}' || true)
    n=$((n + ${v:-0}))
  done
  echo "$n"
}
R0=$(refused_count)
st=$(curl -sk --max-time 30 -o "$DIR/resp.json" -w '%{http_code}' -H 'Content-Type: application/json' \
  --data-binary "@$DIR/founders.json" "${L2M[1]}/v1/contract/packet") || true
[[ $st == 401 ]] && jq -e '.error.code == "certificate_refused" and .error.layer == "L2"
  and (.error.message | test("not a recorded member"))' "$DIR/resp.json" >/dev/null ||
  fail "a packet certified by L2/L1a's removed founders: expected 401 certificate_refused (not a recorded member) from L2, got $st $(head -c 400 "$DIR/resp.json")"
R1=$(refused_count)
(( R1 == R0 + 1 )) || fail "the refusal should be counted once (certificate_signer not a member): $R0 -> $R1"
say "founders' certificate: $st $(jq -r .error.message "$DIR/resp.json" | head -c 160); counted ($R0 -> $R1)"

got=$(M object fetch --edge "$E3" --uuid "$B" --key "$DIR/b.pem" --max 100) || fail "B fetch: $got"
jq -e '[.messages[] | select(.body.forged)] | length == 0' <<<"$got" >/dev/null || fail "the founders' packet reached B: $got"
say "nothing of it reached B"

# ---- 6. epoch certificates served by every member ------------------------------------
# full_chain URL: GET /v1/epochs?after=0 answers epoch E and certificates
# 1..E, contiguous, for L2/L1a and its genesis, from_height increasing, each
# signed by at least f+1 members of the epoch before (the genesis members
# before epoch 1), the last one listing the newcomers. The answer stays in $DIR/epochs.json.
full_chain() {
  get "$1/v1/epochs?after=0" >"$DIR/epochs.json" 2>/dev/null || return 1
  jq -e --argjson e "$E" --arg g "$G_L1A" --argjson keys "$NEWKEYS" --argjson n0 4 '
    .layer == "L2/L1a" and .genesis == $g and .epoch == $e and (.certificates | length) == $e
    and ([.certificates[].epoch] == [range(1; $e + 1)])
    and all(.certificates[]; .layer == "L2/L1a" and .genesis == $g)
    and ([.certificates[].from_height] | . == (sort | unique))
    and ([.certificates[].members[].public_key] | length) > 0
    and ([.certificates[-1].members[].public_key] | sort) == $keys
    and ([range(0; $e) as $i | .certificates[$i] as $c
          | (if $i == 0 then $n0 else (.certificates[$i - 1].members | length) end) as $before
          | ($c.signatures | map(.replica) | unique | length) >= ((($before - 1) / 3 | floor) + 1)] | all)
  ' "$DIR/epochs.json" >/dev/null
}
for n in "${NEWCOMERS[@]}"; do
  deadline=$((SECONDS + 20))
  until full_chain "${URL[$n]}"; do
    (( SECONDS < deadline )) || fail "$n: GET /v1/epochs?after=0 should list certificates 1..$E of L2/L1a: $(jq -c '{layer, epoch, certificates: [.certificates[]? | {epoch, from_height, members: (.members | length), signatures: (.signatures | length)}]}' "$DIR/epochs.json" 2>/dev/null || head -c 300 "$DIR/epochs.json")"
    sleep 0.3
  done
done
jq -r '.certificates[] | "  epoch \(.epoch) from height \(.from_height): \(.members | length) members, \(.signatures | length) signatures"' \
  "$DIR/epochs.json" >&2
mapfile -t FROM < <(jq -r '.certificates[].from_height' "$DIR/epochs.json")
say "every current member serves the certificates of epochs 1..$E"

# ---- 7. a proven block of every epoch ------------------------------------------------
# The first block of epoch e is from_height of certificate e; epoch 0 starts
# at 1. A member proves a block once f+1 members' attestations of it reached
# it; each epoch is asked of every current member in turn, for up to 15 s.
HEIGHTS=(1 "${FROM[@]}")
prove() {  # prove E H: some current member proves L2/L1a#H, the proof in $DIR/bE.proof; else fail naming each member's answer
  local e=$1 h=$2 n end=$((SECONDS + 15)) errs
  while true; do
    errs=""
    for n in "${CURRENT[@]}"; do
      run q M block query "$L1A#$h" --chain --proof --out "$DIR/b$e.proof" --node "${URL[$n]}"
      [[ $RC == 0 ]] && { PROVER=$n; return 0; }
      errs+="$n: exit $RC $(jq -r '.error.message // empty' <<<"$q" 2>/dev/null | head -c 120); "
    done
    (( SECONDS < end )) || fail "no current member of L2/L1a proves $L1A#$h (the first block of epoch $e) within 15 s: $errs"
    sleep 0.5
  done
}
for e in $(seq 0 "$E"); do
  h=${HEIGHTS[$e]}
  prove "$e" "$h"
  run v M block verify "$DIR/b$e.proof" --genesis "$G_L1A"
  # The proof's epoch switches are the chain's: the last block of each epoch
  # before, one below the from_height the certificates name.
  sw=$(jq -c --argjson e "$e" '[.certificates[:$e][] | .from_height - 1]' "$DIR/epochs.json")
  [[ $RC == 0 ]] && jq -e --argjson e "$e" --argjson h "$h" --argjson sw "$sw" \
    '.valid and .height == $h and .epoch == $e and .epoch_switches == $sw' <<<"$v" >/dev/null ||
    fail "offline verify of $L1A#$h (first block of epoch $e, proven by $PROVER; switches expected at $sw) exited $RC: $(jq -c 'del(.ops)' <<<"$v" 2>/dev/null || echo "$v")"
  say "  $L1A#$h (epoch $e) proven by $PROVER, verified offline: switches at $(jq -c .epoch_switches <<<"$v")"
done
rc=0; M block verify "$DIR/b$E.proof" --genesis "$(jq -r .genesis_hash "$NET/layers/L2/genesis.json")" >/dev/null 2>&1 || rc=$?
[[ $rc == 5 ]] || fail "a proof of L2/L1a checked against L2's genesis should exit 5, got $rc"
say "a block of each epoch 0..$E of L2/L1a proven and verified offline from the genesis hash; L2's genesis: exit 5"
say "PASS in $((SECONDS - T0)) s: $E epochs of L2/L1a followed by L2 and E1; contracts through newcomers only"
