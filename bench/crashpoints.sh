#!/usr/bin/env bash
# Crash points (issue 15 item 3, docs/reliability.md): a node killed at its
# N-th fdatasync, restarted, must open its LMDB, catch up, and have lost
# nothing it acknowledged.
#
# A small devnet on loopback (L2: 4 members; edge L2/E1 under it). For each
# point i, the victim alternates between member l2-n2 and edge node e1, and
# N = 1 + ((i - 1) * 37) % MAX_N spreads a member's points over its first
# MAX_N syncs after start. strace counts syscalls per thread: a member commits
# on its driver thread, so N is its N-th commit; the edge syncs on whichever
# request thread leads a group commit, so its N (1..EDGE_MAX_N) is the N-th
# sync of one request thread — the kill lands in the middle of the uploads,
# each time on another upload (startup and recovery, then block commits, vote and view
# records and checkpoints under load for a member; registry writes of
# uploads for the edge). The victim is stopped, started again under
#   strace -f -e inject=fdatasync,fsync,msync:signal=KILL:when=N
# (killed just before its N-th fdatasync returns, so the write it was making
# durable may or may not be on disk), loaded meanwhile (signed ops through
# the other members; uploads of an object to the edge, each recorded when
# acknowledged), then started normally and checked:
#   - it answers /readyz within 30 s (its store opened and recovered);
#   - a member reaches the layer's height and serves the same block hash
#     there as l2-n1 (it caught up, on the same chain);
#   - the edge still has every upload it acknowledged (object show).
# Every EPOCH_EVERY-th point (default 20; 0: none) is an epoch point: while
# the member victim runs under strace with the load, a fresh node joins L2
# (node join: add-member, an epoch switch) and leaves it again (node leave:
# a second switch), so kills land in epoch switches too, and the restarted
# victim must catch up across them (and reach l2-n1's epoch).
# A point whose N is past the syncs the victim made in 15 s is counted as
# "not reached". Prints one line per point and a summary; exits 1 on any
# failure. Usage:
#   bench/crashpoints.sh [POINTS] [MAX_N] [EDGE_MAX_N]   (defaults 40, 160, 3; env EPOCH_EVERY)
# FIRST=i starts at point i (same N per point as a whole run), so a long run
# can be split into ranges run one after another or side by side:
#   FIRST=501 MLCHAIN=build/cli/mlchain bench/crashpoints.sh 1000 400
#   MLCHAIN=build/cli/mlchain bench/crashpoints.sh 1000 400
# Needs strace (Debian: strace). Runs as a test too (tests/e2e/crashpoints_e2e.sh).
set -euo pipefail

MLCHAIN=$(realpath "${MLCHAIN:-build/cli/mlchain}")
POINTS=${1:-40}
MAX_N=${2:-160}
EDGE_MAX_N=${3:-3}
EPOCH_EVERY=${EPOCH_EVERY:-20}
FIRST=${FIRST:-1}
command -v strace >/dev/null || { echo "crashpoints: needs strace (apt-get install strace)" >&2; exit 2; }
TAG=crashpoints
LIMIT=$((120 + (POINTS - FIRST + 1) * 60))
# shellcheck source=../tests/e2e/devnet_lib.sh
source "$(dirname "$0")/../tests/e2e/devnet_lib.sh"

cat >"$DIR/topology.toml" <<'EOF'
[[layers]]
path = "L2"
nodes = 4

[[edges]]
path = "L2/E1"
EOF
find_ports 6  # the devnet's 5, and one for the nodes that join and leave
joiner_pid=
devnet_extra_cleanup() { [[ -n $joiner_pid ]] && kill -9 "$joiner_pid" 2>/dev/null; return 0; }
timeout 150 "$MLCHAIN" -q devnet up --dir "$NET" --base-port "$base" --topology "$DIR/topology.toml" --timeout 90 \
  >/dev/null || fail "devnet up failed"
ADMIN="$NET/admin.pem"
N1=$(addr l2-n1); E1=$(addr e1)
"$MLCHAIN" -q key gen --out "$DIR/obj.pem" >/dev/null
OBJ=$(M object register --edge "$E1" --admin-key "$ADMIN" --class T/Crash --perm upload --pubkey "$DIR/obj.pem" | jq -er .uuid) \
  || fail "register an object on e1"
: >"$DIR/acked"

pid_of() { jq -r --arg n "$1" '.nodes[] | select(.name == $n) | .pid' "$NET/devnet.json"; }
set_pid() {  # NAME PID: devnet down (the cleanup) stops what we started
  jq --arg n "$1" --argjson p "$2" '(.nodes[] | select(.name == $n) | .pid) = $p' "$NET/devnet.json" >"$DIR/state.tmp"
  mv "$DIR/state.tmp" "$NET/devnet.json"
}
gone() { ! kill -0 "$1" 2>/dev/null || [[ $(ps -o stat= -p "$1" 2>/dev/null) == Z* ]]; }
stop_node() {  # NAME: SIGTERM, then SIGKILL after 10 s
  local p; p=$(pid_of "$1")
  kill -TERM "$p" 2>/dev/null || true
  for _ in $(seq 1 100); do gone "$p" && return 0; sleep 0.1; done
  kill -KILL "$p" 2>/dev/null || true
  for _ in $(seq 1 50); do gone "$p" && return 0; sleep 0.1; done
}
height() { curl -sk --max-time 3 "$1/v1/status" | jq -r '.height // empty' 2>/dev/null || true; }
block_hash() { curl -sk --max-time 3 "$1/v1/blocks/$2" | jq -r '.hash // empty' 2>/dev/null || true; }
ready() { [[ $(curl -sk --max-time 2 -o /dev/null -w '%{http_code}' "$1/readyz" || true) == 200 ]]; }

# Peer review off: a member killed hundreds of times is, rightly, reported by
# the others and voted out (mark-invalid), after which it refuses to start
# ("left layer L2 ... start it with a fresh data_dir"): the first 1,000-point
# run lost l2-n2 that way at point 121. This run is about storage recovery.
for k in 1 2 3 4; do
  sed -i 's/^review_interval_ms = .*/review_interval_ms = 0/' "$NET/nodes/l2-n$k.toml"
  stop_node "l2-n$k"
  setsid "$MLCHAIN" node run --config "$NET/nodes/l2-n$k.toml" >>"$NET/logs/l2-n$k.log" 2>&1 &
  set_pid "l2-n$k" "$!"
done
for k in 1 2 3 4; do
  for _ in $(seq 1 150); do ready "$(addr "l2-n$k")" && break; sleep 0.2; done
  ready "$(addr "l2-n$k")" || fail "l2-n$k not ready after turning peer review off"
done

upload_seq=0
upload_while() {  # PID: uploads to e1 until PID is gone (at most 15 s); acknowledged ones to $DIR/acked
  local until=$((SECONDS + 15))
  while ! gone "$1" && (( SECONDS < until )); do
    upload_seq=$((upload_seq + 1))
    if timeout 5 "$MLCHAIN" -q object send --edge "$E1" --uuid "$OBJ" --key "$DIR/obj.pem" \
         --data "{\"n\": $upload_seq}" >/dev/null 2>&1; then
      echo "$upload_seq" >>"$DIR/acked"
      echo "$upload_seq" >>"$DIR/acked_round"
    fi
  done
}
ops_while() {  # PID: signed ops through l2-n1 until PID is gone (at most 15 s)
  local until=$((SECONDS + 15))
  while ! gone "$1" && (( SECONDS < until )); do
    timeout 10 "$MLCHAIN" -q bench layer --node "$N1" --ops 16 --concurrency 4 --prefix crash >/dev/null 2>&1 || true
  done
}

joiners=0 switches=0 epoch_points=0
join_leave() {  # a fresh node joins L2 and leaves it: two epoch switches (each node join / leave bounded)
  joiners=$((joiners + 1))
  local name="l2-x$joiners" conf port=$((base + 5))
  conf="$NET/nodes/$name.toml"
  "$MLCHAIN" -q key gen --out "$NET/keys/$name.pem" --name "$name" >/dev/null
  cat >"$conf" <<EOF
name = "$name"
key_file = "../keys/$name.pem"
listen = "127.0.0.1:$port"
data_dir = "../data/$name"
genesis = "../layers/L2/genesis.json"
review_interval_ms = 0
log_format = "text"
EOF
  setsid "$MLCHAIN" node run --config "$conf" >>"$NET/logs/$name.log" 2>&1 &
  joiner_pid=$!
  for _ in $(seq 1 50); do curl -sfk --max-time 1 -o /dev/null "https://127.0.0.1:$port/healthz" && break; sleep 0.2; done
  timeout 130 "$MLCHAIN" -q node join --config "$conf" --admin-key "$ADMIN" --timeout 120 >/dev/null 2>>"$DIR/epoch.err" \
    && switches=$((switches + 1))
  timeout 60 "$MLCHAIN" -q node leave --config "$conf" --node "$N1" >/dev/null 2>>"$DIR/epoch.err" \
    && switches=$((switches + 1))
  kill -TERM "$joiner_pid" 2>/dev/null || true
  for _ in $(seq 1 50); do gone "$joiner_pid" && break; sleep 0.1; done
  kill -KILL "$joiner_pid" 2>/dev/null || true
  wait "$joiner_pid" 2>/dev/null || true
  joiner_pid=
}
epoch_of() { curl -sk --max-time 3 "$1/v1/status" | jq -r '.epoch // empty' 2>/dev/null || true; }

killed=0 not_reached=0 ok=0 failed=0
for i in $(seq "$FIRST" "$POINTS"); do
  epoch_point=0
  if (( EPOCH_EVERY > 0 && i % EPOCH_EVERY == 0 )); then
    victim=l2-n2; n=$((1 + ((i - 1) * 37) % MAX_N)); epoch_point=1; epoch_points=$((epoch_points + 1))
  elif (( i % 2 == 1 )); then
    victim=l2-n2; n=$((1 + ((i - 1) * 37) % MAX_N))
  else  # strace counts per thread; the edge syncs on whichever request thread leads a group commit
    victim=e1; n=$((1 + (i / 2 - 1) % EDGE_MAX_N))
  fi
  addr_v=$(addr "$victim")
  stop_node "$victim"
  # LeakSanitizer cannot run under ptrace: in a sanitized build the traced
  # node's leak check is off (a later ASAN_OPTIONS entry wins), the rest of ASan stays on.
  ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" \
  setsid strace -f -o "${CRASH_STRACE_OUT:-/dev/null}" -e trace=fdatasync,fsync,msync -e "inject=fdatasync,fsync,msync:signal=KILL:when=$n" \
    "$MLCHAIN" node run --config "$NET/nodes/$victim.toml" >>"$NET/logs/$victim.log" 2>&1 &
  spid=$!
  set_pid "$victim" "$spid"
  : >"$DIR/acked_round"
  if [[ $victim == e1 ]]; then
    upload_while "$spid"
  elif (( epoch_point )); then
    ops_while "$spid" &
    load=$!
    join_leave
    wait "$load" 2>/dev/null || true
  else
    ops_while "$spid"
  fi
  outcome="killed"
  if ! gone "$spid"; then
    outcome="not reached"
    kill -TERM "$spid" 2>/dev/null || true
    pkill -TERM -f "node run --config $NET/nodes/$victim.toml" 2>/dev/null || true
    for _ in $(seq 1 100); do gone "$spid" && break; sleep 0.1; done
    pkill -KILL -f "node run --config $NET/nodes/$victim.toml" 2>/dev/null || true
  fi
  wait "$spid" 2>/dev/null || true
  # Started normally: it must recover.
  setsid "$MLCHAIN" node run --config "$NET/nodes/$victim.toml" >>"$NET/logs/$victim.log" 2>&1 &
  set_pid "$victim" "$!"
  problem=""
  for _ in $(seq 1 150); do ready "$addr_v" && break; sleep 0.2; done
  ready "$addr_v" || problem="not ready 30 s after restart"
  if [[ -z $problem && $victim == l2-n2 ]]; then
    want=$(height "$N1"); got=""
    for _ in $(seq 1 150); do got=$(height "$addr_v"); [[ -n $got && -n $want && $got -ge $want ]] && break; sleep 0.2; done
    if [[ -z $got || -z $want || $got -lt $want ]]; then
      problem="height ${got:-?} did not reach the layer's $want in 30 s"
    elif [[ $(block_hash "$addr_v" "$want") != "$(block_hash "$N1" "$want")" ]]; then
      problem="block $want differs from l2-n1's"
    elif (( epoch_point )); then
      e_want=$(epoch_of "$N1"); e_got=""
      for _ in $(seq 1 100); do e_got=$(epoch_of "$addr_v"); [[ -n $e_got && $e_got == "$e_want" ]] && break; sleep 0.2; done
      [[ -n $e_want && $e_got == "$e_want" ]] || problem="epoch ${e_got:-?}, l2-n1 is at ${e_want:-?}"
    fi
  elif [[ -z $problem ]]; then
    have=$(M object show --edge "$E1" --admin-key "$ADMIN" --history 1000 "$OBJ" 2>/dev/null \
             | jq -r '[.. | objects | select(has("data")) | .data.n? // empty] | .[]' 2>/dev/null | sort -n | uniq || true)
    # This round's last 50 acknowledgements (the edge keeps an object's last
    # history_limit = 100 points by design): the writes the kill may have caught.
    lost=$(comm -23 <(tail -n 50 "$DIR/acked_round" | sort | uniq) <(echo "$have" | sort) | head -5 | tr '\n' ' ')
    [[ -z $lost ]] || problem="acknowledged uploads lost: $lost"
  fi
  [[ $outcome == killed ]] && killed=$((killed + 1)) || not_reached=$((not_reached + 1))
  if [[ -z $problem ]]; then ok=$((ok + 1)); else failed=$((failed + 1)); fi
  printf '[%s] point %d: %s%s at fdatasync %d: %s\n' "$TAG" "$i" "$victim" "$( ((epoch_point)) && echo " (epoch)")" "$n" \
    "$outcome; ${problem:-recovered}" >&2
done
acked=$(sort -u "$DIR/acked" | wc -l)
echo "crashpoints: points $FIRST..$POINTS ($killed killed at their fdatasync, $not_reached not reached), $ok recovered, $failed failed; $acked acknowledged uploads checked; $epoch_points epoch points, $switches of $((joiners * 2)) epoch switches ordered"
[[ $failed == 0 ]] || exit 1
