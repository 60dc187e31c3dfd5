#!/usr/bin/env bash
# End-to-end: a byzantine member of an edge's superior (issue 14). On the
# default devnet, l1a-n1 (one of the 4 members of L2/L1a, E1's superior; f = 1)
# is replaced by mlchain-superior-forge holding l1a-n1's key at l1a-n1's
# address: E1 pins that key there, so it talks to the forge. The forge
# answers GET /v1/layer with a book of L2/L1a (real genesis hash) at epoch
# 1000000 listing itself alone, GET /v1/epochs with forged epoch certificates
# (itself alone, signed by itself alone), answers peer-review challenges
# honestly and relays every other request to l1a-n2.
#  1. devnet up; E1's superior book (GET /v1/edge .superior) is L2/L1a at
#     epoch 0 with the 4 real members at their real addresses; objects A in
#     E1, B in E3.
#  2. l1a-n1 stopped, the forge started in its place; E1 restarted with
#     superior_refresh_ms = 1000 (a round about every second, starting with a
#     different member each round).
#  3. Within 30 s E1 asks the forge in at least two rounds (the forge's log
#     has 2 GET /v1/layer, which only E1 asks it; L2's members ask it for
#     /v1/epochs too), and through it all E1's book stays exactly the one of
#     step 1 (checked at every poll); E1's metrics count the attempt
#     (mlchain_edge_superior_unconfirmed_answers_total >= 2,
#     mlchain_edge_superior_refused_epoch_certificates_total >= 2,
#     mlchain_edge_superior_epochs_followed_total 0, mlchain_edge_superior_epoch
#     0, mlchain_edge_superior_members 4) and its log has both warn lines ("not
#     confirmed by f+1", "epoch certificates that do not verify") naming l1a-n1.
#  4. A message forged by that member: a packet of B (E3's key, sealed to E1)
#     as L2/L1a would deliver it down to A, certified by l1a-n1 alone. E1
#     answers 401 certificate_refused (too few signatures), counts it
#     (mlchain_edge_contract_packets_total{outcome="certificate_too_few_signatures"}
#     +1) and A's inbox stays empty. Control: the same kind of packet
#     certified by l1a-n1 and l1a-n2 (f+1) is delivered, so the refusal is
#     the signature count and not a malformed packet.
#  5. A real contract A -> B (E1 -> E3) is delivered through L2/L1a's three
#     honest members (E1 may hand it to the forge, which relays it); E1's
#     book is still that of step 1. L2, which follows L2/L1a's epochs from
#     its members too, refused the forge's chains
#     (mlchain_contract_events_total{event="neighbour_epochs_refused"} > 0
#     over its members) and still lists L2/L1a's 4 members.
# Had E1 taken the forge's book (one member: f = 0, one signature suffices),
# step 3 fails at the first poll that sees it ("E1's superior book changed"),
# and the forged packet of step 4 would be delivered (200, not 401).
# Bounded in time (about 12-14 s when it passes on 2 cores); everything
# started is killed on every exit path. MLCHAIN_E2E_KEEP_LOGS=DIR keeps the
# node logs and the forge's request log.
# Usage: byzantine_superior_e2e.sh /path/to/mlchain /path/to/mlchain-superior-forge
# run() below assigns its caller's variable through a nameref; TAG and base are devnet_lib.sh's:
# shellcheck disable=SC2034,SC2154
set -euo pipefail

MLCHAIN=${1:?usage: byzantine_superior_e2e.sh /path/to/mlchain /path/to/mlchain-superior-forge}
FORGE=${2:?usage: byzantine_superior_e2e.sh /path/to/mlchain /path/to/mlchain-superior-forge}
TAG=byzantine-superior-e2e
LIMIT=${MLCHAIN_E2E_LIMIT:-120}
declare -A XPID=()  # processes this script starts itself (the forge, E1 again): name -> pid
XWATCHDOG=
# Alive and one of ours: not a zombie, command line names this devnet's directory.
extra_alive() {
  local st; st=$(ps -o stat= -p "$1" 2>/dev/null) || return 1
  [[ $st != Z* ]] && tr '\0' ' ' <"/proc/$1/cmdline" 2>/dev/null | grep -qF "$NET/"
}
devnet_extra_cleanup() {
  for n in "${!XPID[@]}"; do extra_alive "${XPID[$n]}" && kill -9 "${XPID[$n]}" 2>/dev/null || true; done
  [[ -n $XWATCHDOG ]] && { kill -- "-$XWATCHDOG" 2>/dev/null || kill "$XWATCHDOG" 2>/dev/null || true; }
  if [[ $1 -ne 0 && -f $DIR/forge.log ]]; then
    echo "== forge requests (last 20 of $(wc -l <"$DIR/forge.log"))" >&2
    tail -n 20 "$DIR/forge.log" >&2
    tail -n 5 "$DIR/forge.err" >&2 2>/dev/null || true
  fi
  if [[ -n ${MLCHAIN_E2E_KEEP_LOGS:-} ]]; then
    mkdir -p "$MLCHAIN_E2E_KEEP_LOGS" &&
      cp -r "$NET/logs" "$NET/devnet.json" "$DIR/forge.log" "$MLCHAIN_E2E_KEEP_LOGS/" 2>/dev/null || true
  fi
}
# shellcheck source=devnet_lib.sh
source "$(dirname "$0")/devnet_lib.sh"
find_ports 15
say "dir $NET, ports $base..$((base + 14))"
# The devnet's watchdog ends what devnet.json records; this one ends what we
# start ourselves (pids in $DIR/extra.pids), a second before.
setsid bash -c "sleep $((LIMIT - 1)); for p in \$(cat '$DIR/extra.pids' 2>/dev/null); do
  tr '\\0' ' ' </proc/\$p/cmdline 2>/dev/null | grep -qF '$NET/' && kill -9 \$p; done" >/dev/null 2>&1 &
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
FAKE_EPOCH=1000000

# ---- 1. devnet; E1's book -------------------------------------------------------------
up=$(timeout 150 "$MLCHAIN" devnet up --dir "$NET" --base-port "$base" --timeout 90 -o json) || fail "devnet up failed"
jq -e '(.nodes | length) == 15' <<<"$up" >/dev/null || fail "devnet state: $up"
G_L1A=$(jq -r .genesis_hash "$NET/layers/$L1A/genesis.json")
[[ $G_L1A =~ ^[0-9a-f]{64}$ ]] || fail "no genesis hash in $NET/layers/$L1A/genesis.json"
E1=$(addr e1); E3=$(addr e3); N1=$(addr l1a-n1); N2=$(addr l1a-n2)
node_field() { jq -r --arg n "$1" --arg f "$2" '.nodes[] | select(.name == $n) | .[$f]' "$NET/devnet.json"; }
say "devnet up in $((SECONDS - T0)) s; L2/L1a genesis $G_L1A; l1a-n1 at $N1"

# E1's superior book without its refresh time, members sorted by key.
e1_book() { get "$E1/v1/edge" | jq -cS '.superior | {path, genesis_hash, epoch, members: (.members | sort_by(.public_key))}' 2>/dev/null; }
# The book E1 must keep: L2/L1a, its genesis, epoch 0, its 4 members at their devnet addresses.
WANT=$(jq -cS --arg g "$G_L1A" '{path: "L2/L1a", genesis_hash: $g, epoch: 0,
  members: ([.nodes[] | select(.layer == "L2/L1a" and .role == "member") | {name, public_key, address}] | sort_by(.public_key))}' \
  "$NET/devnet.json")
jq -e '(.members | length) == 4' <<<"$WANT" >/dev/null || fail "devnet.json should list 4 members of L2/L1a: $WANT"
book_is_real() { [[ $(e1_book) == "$WANT" ]]; }
wait_until 15 "E1's superior book to be L2/L1a epoch 0 with its 4 members" e1_book book_is_real
say "E1's superior book: L2/L1a epoch 0, 4 members at their addresses"

"$MLCHAIN" -q key gen --out "$DIR/a.pem" >/dev/null; "$MLCHAIN" -q key gen --out "$DIR/b.pem" >/dev/null
A=$(M object register --edge "$E1" --admin-key "$ADMIN" --class T/A --perm contract --pubkey "$DIR/a.pem" | jq -er .uuid) ||
  fail "register A in E1"
B=$(M object register --edge "$E3" --admin-key "$ADMIN" --class T/B --perm contract --pubkey "$DIR/b.pem" | jq -er .uuid) ||
  fail "register B in E3"

# ---- 2. the forge in l1a-n1's place; E1 asks every second ---------------------------
stop_pid() {  # stop_pid PID NAME: SIGTERM, then SIGKILL after 10 s; only a process of this devnet
  local p=$1 end=$((SECONDS + 10))
  extra_alive "$p" || return 0
  kill -TERM "$p" 2>/dev/null || true
  while extra_alive "$p"; do
    (( SECONDS < end )) || { kill -9 "$p" 2>/dev/null || true; sleep 0.2; break; }
    sleep 0.1
  done
  ! extra_alive "$p" || fail "$2 (pid $p) did not stop"
}
answers() { [[ $(curl -sk --max-time 2 -o /dev/null -w '%{http_code}' "$1/$2") == 200 ]]; }

stop_pid "$(node_field l1a-n1 pid)" l1a-n1
"$FORGE" serve --key "$(node_field l1a-n1 key_file)" --genesis-file "$NET/layers/$L1A/genesis.json" \
  --listen "${N1#https://}" --epoch "$FAKE_EPOCH" --upstream "$N2" --max-seconds "$LIMIT" \
  >"$DIR/forge.log" 2>"$DIR/forge.err" &
XPID[forge]=$!
disown "${XPID[forge]}"  # killed by the cleanup: no job-control notice
echo "${XPID[forge]}" >>"$DIR/extra.pids"
wait_for 10 "the forge to answer at $N1" answers "$N1" healthz
say "l1a-n1 stopped; the forge answers at $N1 with l1a-n1's key"

E1_TOML=$(node_field e1 config)
grep -q '^\[superior\]' "$E1_TOML" || fail "$E1_TOML has no [superior] table"
grep -q '^superior_refresh_ms' "$E1_TOML" && fail "$E1_TOML already sets superior_refresh_ms"
stop_pid "$(node_field e1 pid)" e1
# A top-level key: before the [superior] table.
sed -i 's/^\[superior\]$/superior_refresh_ms = 1000\n[superior]/' "$E1_TOML"
E1_LOG=$(node_field e1 log)
LOG_AT=$(stat -c %s "$E1_LOG")
"$MLCHAIN" node run --config "$E1_TOML" >>"$E1_LOG" 2>&1 &
XPID[e1]=$!
disown "${XPID[e1]}"
echo "${XPID[e1]}" >>"$DIR/extra.pids"
wait_for 15 "E1 to be ready again" answers "$E1" readyz
TR=$SECONDS
say "E1 restarted with superior_refresh_ms = 1000"

# ---- 3. E1 asks the forge and keeps its book ------------------------------------------
metric() {  # metric NAME: its value in E1's /metrics (0 when absent)
  local v; v=$(get "$E1/metrics" | awk -v n="$1" '$1 == n {print $2}') || true
  echo "${v:-0}"
}
forge_asked() { grep -c "\"answer\":\"$1\"" "$DIR/forge.log" || true; }
attempts_seen() {
  local book; book=$(e1_book)
  # Any poll that sees another book fails the test at once.
  [[ $book == "$WANT" ]] || fail "E1's superior book changed $((SECONDS - TR)) s after the forge came: $book"
  (( $(metric mlchain_edge_superior_unconfirmed_answers_total) >= 2 &&
     $(metric mlchain_edge_superior_refused_epoch_certificates_total) >= 2 &&
     $(forge_asked fake_book) >= 2 ))
}
deadline=$((SECONDS + 30))
until attempts_seen; do
  (( SECONDS < deadline )) || fail "30 s after E1's restart: unconfirmed answers $(metric mlchain_edge_superior_unconfirmed_answers_total), refused epoch certificates $(metric mlchain_edge_superior_refused_epoch_certificates_total), the forge answered /v1/layer $(forge_asked fake_book) times (2 of each expected)"
  sleep 0.3
done
UNCONFIRMED=$(metric mlchain_edge_superior_unconfirmed_answers_total)
REFUSED=$(metric mlchain_edge_superior_refused_epoch_certificates_total)
say "the forge answered /v1/layer $(forge_asked fake_book)x (E1), /v1/epochs $(forge_asked forged_epochs)x (E1 and L2) in $((SECONDS - TR)) s; E1: unconfirmed answers $UNCONFIRMED, refused epoch certificates $REFUSED"
for m in mlchain_edge_superior_epoch mlchain_edge_superior_epochs_followed_total; do
  [[ $(metric $m) == 0 ]] || fail "E1: $m should be 0, is $(metric $m)"
done
[[ $(metric mlchain_edge_superior_members) == 4 ]] || fail "E1: mlchain_edge_superior_members should be 4, is $(metric mlchain_edge_superior_members)"
sup=$(get "$E1/v1/edge" | jq -c .superior)
jq -e '.refreshed_at_ms != null' <<<"$sup" >/dev/null || fail "E1's book should have been refreshed (confirmed by honest members): $sup"
book_is_real || fail "E1's superior book changed: $(e1_book)"

NEWLOG=$(tail -c +$((LOG_AT + 1)) "$E1_LOG")
grep -F 'not confirmed by f+1' <<<"$NEWLOG" | grep -qF 'l1a-n1' ||
  fail "E1's log should have the warn line 'not confirmed by f+1' naming l1a-n1: $(grep -F 'superior' <<<"$NEWLOG" | tail -n 5)"
grep -F 'epoch certificates that do not verify' <<<"$NEWLOG" | grep -qF 'l1a-n1' ||
  fail "E1's log should have the warn line 'epoch certificates that do not verify' naming l1a-n1: $(grep -F 'superior' <<<"$NEWLOG" | tail -n 5)"
say "E1's log: $(grep -F 'not confirmed by f+1' <<<"$NEWLOG" | head -n 1 | cut -c1-300)"
say "E1's log: $(grep -F 'epoch certificates that do not verify' <<<"$NEWLOG" | head -n 1 | cut -c1-300)"

# ---- 4. a packet forged by that member ------------------------------------------------
SEAL_E1=$(get "$E1/v1/edge" | jq -er .seal_key) || fail "GET $E1/v1/edge has no seal_key"
E3_KEY=$(node_field e3 key_file)
packets() { metric "mlchain_edge_contract_packets_total{outcome=\"$1\"}"; }
forge_packet() {  # forge_packet MESSAGE [--cosigner FILE]: POSTs to E1; the forge's JSON line on stdout
  "$FORGE" packet --key "$(node_field l1a-n1 key_file)" --layer "$L1A" --source-key "$E3_KEY" --seal-key "$SEAL_E1" \
    --from "$B" --to "$A" --post "$E1" --message "$1" "${@:2}"
}
a_inbox() { M object fetch --edge "$E1" --uuid "$A" --key "$DIR/a.pem" --max 100; }
TOO_FEW0=$(packets certificate_too_few_signatures)
DELIVERED0=$(packets delivered)
run out forge_packet '{"forged": "l1a-n1 alone"}'
[[ $RC == 0 ]] || fail "mlchain-superior-forge packet exited $RC: $out $(tail -c 400 "$DIR/cli.err")"
jq -e '.status == 401 and .signatures == 1 and .answer.error.code == "certificate_refused"
  and (.answer.error.message | test("too few"))' <<<"$out" >/dev/null ||
  fail "a packet certified by l1a-n1 alone: expected 401 certificate_refused (too few signatures) from E1, got $out"
[[ $(packets certificate_too_few_signatures) == $((TOO_FEW0 + 1)) ]] ||
  fail "E1 should count the refusal once (certificate_too_few_signatures): $TOO_FEW0 -> $(packets certificate_too_few_signatures)"
[[ $(packets delivered) == "$DELIVERED0" ]] || fail "E1 counted a delivery for the forged packet"
got=$(a_inbox) || fail "A fetch: $got"
jq -e '(.messages | length) == 0' <<<"$got" >/dev/null || fail "A's inbox should be empty after the forged packet: $got"
say "forged packet (l1a-n1 alone): $(jq -r '"\(.status) \(.answer.error.message)"' <<<"$out" | cut -c1-200); counted; A's inbox empty"

# Control: the same construction with f+1 = 2 members' signatures is delivered.
run out forge_packet '{"control": "l1a-n1 and l1a-n2"}' --cosigner "$(node_field l1a-n2 key_file)"
[[ $RC == 0 ]] || fail "mlchain-superior-forge packet (control) exited $RC: $out $(tail -c 400 "$DIR/cli.err")"
jq -e '.status == 200 and .signatures == 2 and .answer.receipt.edge == "L2/L1a/E1" and .answer.sum == .sum' <<<"$out" >/dev/null ||
  fail "control packet certified by l1a-n1 and l1a-n2: expected 200 and E1's receipt, got $out"
CONTROL_SUM=$(jq -r .sum <<<"$out")
got=$(a_inbox) || fail "A fetch: $got"
jq -e --arg s "$CONTROL_SUM" '(.messages | length) == 1 and .messages[0].contract.sum == $s
  and .messages[0].body == {"control": "l1a-n1 and l1a-n2"}' <<<"$got" >/dev/null ||
  fail "A should hold the control message alone (nothing of the forged one): $got"
say "control packet (l1a-n1 + l1a-n2, f+1) delivered; A holds it alone"

# ---- 5. a real contract E1 -> E3 ------------------------------------------------------
run out M contract send --edge "$E1" --from "$A" --key "$DIR/a.pem" --to "$B" --message '{"n": 1}' --ttl 10m
[[ $RC == 0 ]] || fail "contract A -> B exited $RC: $out $(tail -c 400 "$DIR/cli.err")"
jq -e '(.receipt.ids | length) == 3 and (.receipt.ids[0] | startswith("L2/L1a#")) and .receipt.edge == "L2/L1b/E3"
  and .receipt.sum == .sum' <<<"$out" >/dev/null || fail "contract A -> B: 3 ids and E3's receipt expected: $out"
SUM=$(jq -r .sum <<<"$out")
got=$(M object fetch --edge "$E3" --uuid "$B" --key "$DIR/b.pem") || fail "B fetch: $got"
jq -e --arg s "$SUM" '[.messages[] | select(.contract.sum == $s and .body == {"n": 1})] | length == 1' <<<"$got" >/dev/null ||
  fail "B should hold the contract message once: $got"
say "contract A -> B delivered: $(jq -r '.receipt.ids | join(",")' <<<"$out"); the forge relayed $(forge_asked relayed) requests to l1a-n2"

book_is_real || fail "E1's superior book changed by the end: $(e1_book)"

# L2 follows L2/L1a's epochs from its members too, the forge among them.
mapfile -t L2M < <(jq -r '.nodes[] | select(.layer == "L2" and .role == "member") | .address' "$NET/devnet.json")
l2_refused() {  # neighbour_epochs_refused summed over the L2 members
  local n=0 u v
  for u in "${L2M[@]}"; do
    v=$(get "$u/metrics" | awk '$1 == "mlchain_contract_events_total{event=\"neighbour_epochs_refused\"}" {print $2}') || true
    n=$((n + ${v:-0}))
  done
  echo "$n"
}
l2_saw_it() { (( $(l2_refused) > 0 )); }
wait_until 15 "L2's members to refuse the forge's epoch certificates" l2_refused l2_saw_it
REAL_KEYS=$(jq -c '[.members[].public_key] | sort' <<<"$WANT")
for u in "${L2M[@]}"; do
  k=$(get "$u/v1/directory/L2%2FL1a" | jq -c '[.members[].public_key] | sort' 2>/dev/null) || true
  [[ $k == "$REAL_KEYS" ]] || fail "L2 member $u should still list L2/L1a's 4 members: $k"
done
say "L2's members refused the forge's epoch certificates $(l2_refused) times and still list L2/L1a's 4 members"
extra_alive "${XPID[forge]}" || fail "the forge died: $(tail -c 400 "$DIR/forge.err")"
say "PASS in $((SECONDS - T0)) s: E1 kept L2/L1a epoch 0 with its 4 members through $(forge_asked fake_book) fake books and $(forge_asked forged_epochs) forged epoch chains (unconfirmed $(metric mlchain_edge_superior_unconfirmed_answers_total), refused $(metric mlchain_edge_superior_refused_epoch_certificates_total)); the member's own packet refused"
