# Shared by the e2e scripts: a temp dir, free loopback ports, keys, a
# blueprint, node configs, daemons under a watchdog, and wait helpers.
# Source it after setting MLCHAIN and E2E_NODES (how many node slots).
# Every child is killed on every exit path (trap).
DIR=$(mktemp -d "${TMPDIR:-/tmp}/mlchain-e2e.XXXXXX")
declare -A PIDS=()
WATCHDOGS=()
LIMIT=${MLCHAIN_E2E_LIMIT:-280}  # seconds; nodes are killed by a watchdog after this even if we are

cleanup() {
  local rc=$?
  for n in "${!PIDS[@]}"; do kill -9 "${PIDS[$n]}" 2>/dev/null || true; done
  for w in "${WATCHDOGS[@]}"; do pkill -P "$w" 2>/dev/null || true; kill "$w" 2>/dev/null || true; done
  wait 2>/dev/null || true
  if [[ $rc -ne 0 ]]; then
    echo "--- e2e failed (rc=$rc); node logs follow ---" >&2
    for f in "$DIR"/n*.log; do [[ -f $f ]] && { echo "== $f" >&2; tail -n 40 "$f" >&2; }; done
  fi
  rm -rf "$DIR"
  exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM

say() { echo "[e2e $(date +%T)] $*" >&2; }
fail() { say "FAIL: $*"; exit 1; }

# Free ports: a PID-derived base below the kernel's ephemeral range
# (32768+, where outbound sockets could hold them), skipping anything that
# answers. MLCHAIN_E2E_PORTS=LO-HI keeps them in LO..HI (on a shared machine,
# the range one is allotted).
port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
IFS=- read -r port_lo port_hi <<<"${MLCHAIN_E2E_PORTS:-20000-32000}"
port_span=$((port_hi - port_lo + 1 - E2E_NODES))  # b + 1 .. b + E2E_NODES stay within LO..HI
(( port_span > 0 )) || { echo "MLCHAIN_E2E_PORTS=$MLCHAIN_E2E_PORTS holds fewer than $E2E_NODES ports" >&2; exit 1; }
base=$((port_lo + ($$ * 10) % port_span))
for attempt in $(seq 0 50); do
  b=$((port_lo + (base - port_lo + attempt * 7) % port_span)); ok=1
  for i in $(seq 1 "$E2E_NODES"); do port_free $((b + i)) || ok=0; done
  [[ $ok == 1 ]] && break
done
PORT=(); for i in $(seq 1 "$E2E_NODES"); do PORT[$i]=$((b + i)); done
url() { echo "https://127.0.0.1:${PORT[$1]}"; }

say "workdir $DIR, ports ${PORT[*]}"
for i in $(seq 1 "$E2E_NODES"); do "$MLCHAIN" -q key gen --out "$DIR/n$i.pem" --name "n$i" >/dev/null; done
"$MLCHAIN" -q key gen --out "$DIR/admin.pem" --name admin >/dev/null
pubkey() { "$MLCHAIN" key show --key "$1" -o json | jq -r .public_key; }
blueprint() {  # blueprint GENESIS_TIME: the 4 founding members n1..n4
  echo 'layer = "L2/E2E"'
  echo "genesis_time = $1"
  echo "admin_keys = [\"$(pubkey "$DIR/admin.pem")\"]"
  echo '[consensus]'
  echo 'request_timeout_ms = 1000'
  echo 'view_change_timeout_ms = 2000'
  for i in 1 2 3 4; do
    printf '[[members]]\nname = "n%s"\npublic_key = "%s"\naddress = "%s"\n' "$i" "$(pubkey "$DIR/n$i.pem")" "$(url $i)"
  done
}
if (( E2E_NODES >= 4 )); then  # the founding layer n1..n4 (scripts with fewer nodes write their own)
  blueprint 2026-11-25T00:00:00Z >"$DIR/blueprint.toml"
  "$MLCHAIN" -q layer create --blueprint "$DIR/blueprint.toml" --out "$DIR/layer" >/dev/null
fi
for i in $(seq 1 "$E2E_NODES"); do
  cat >"$DIR/n$i.toml" <<CFG
name = "n$i"
key_file = "n$i.pem"
listen = "127.0.0.1:${PORT[$i]}"
data_dir = "data/n$i"
genesis = "layer/genesis.json"
log_format = "text"
op_timeout_ms = 8000
CFG
done

start() {
  "$MLCHAIN" node run --config "$DIR/n$1.toml" 2>>"$DIR/n$1.log" &
  PIDS[$1]=$!
  # If this script is SIGKILLed (ctest timeout) the trap cannot run; the
  # watchdog still ends the node.
  (sleep "$LIMIT"; kill -9 "${PIDS[$1]}" 2>/dev/null) >/dev/null 2>&1 &
  WATCHDOGS+=($!)
}
height() { "$MLCHAIN" layer show --node "$(url $1)" -o json 2>/dev/null | jq -r .height; }
ready() { "$MLCHAIN" node status --node "$(url $1)" -o json 2>/dev/null | jq -e .ready >/dev/null; }
wait_for() {  # wait_for SECONDS DESCRIPTION COMMAND...
  # SECONDS is scaled by MLCHAIN_TEST_TIMEOUT_SCALE (set by CTest in sanitized builds, which run
  # several times slower): a bound stays a bound, only a longer one.
  local secs=$(( $1 * ${MLCHAIN_TEST_TIMEOUT_SCALE:-1} )) what=$2; shift 2
  local end=$((SECONDS + secs))
  until "$@"; do (( SECONDS < end )) || fail "timed out after ${secs}s waiting for $what"; sleep 0.2; done
}
ready_or_up() { [[ $(height "$1") =~ ^[0-9]+$ ]]; }
all_ready() { for i in "$@"; do ready "$i" || return 1; done; }
same_height() {  # same_height MIN NODES...: every node at the same height >= MIN
  local min=$1; shift; local h0; h0=$(height "$1") || return 1
  [[ $h0 =~ ^[0-9]+$ ]] && (( h0 >= min )) || return 1
  for i in "$@"; do [[ $(height "$i") == "$h0" ]] || return 1; done
}
bench() {  # bench NODE OPS PREFIX
  "$MLCHAIN" bench layer --node "$(url $1)" --ops "$2" --concurrency 4 --prefix "$3" -o json
}

