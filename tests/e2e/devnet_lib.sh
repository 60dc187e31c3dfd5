# Shared harness for end-to-end tests that run a devnet (sourced, not run).
# Before sourcing set: TAG (log prefix), MLCHAIN (the binary); optionally
# LIMIT (seconds before the watchdog kills the devnet; default 140) and
# define devnet_extra_cleanup (called first on exit, with the exit code).
# Provides: DIR (temp dir, removed on exit), NET ("$DIR/net", the --dir),
# say, fail, M (the CLI, -o json, 60 s bound), addr NAME (a node's address),
# recorded_pids, ours_alive, find_ports N (sets `base`: N consecutive free loopback ports in 21000..32739 or MLCHAIN_E2E_PORTS, below the kernel's
# ephemeral ports), a cleanup trap (devnet down, kill -9 of what the state
# file records and is still ours, logs tail on failure) and a watchdog in its
# own session, so even a SIGKILL of the test (ctest timeout) stops the nodes
# (and removes a --netns devnet's namespaces and bridge, by devnet down).
# shellcheck shell=bash

DIR=$(mktemp -d "${TMPDIR:-/tmp}/mlchain-$TAG.XXXXXX")
NET="$DIR/net"
LIMIT=${LIMIT:-${MLCHAIN_E2E_LIMIT:-140}}
WATCHDOG=

say() { echo "[$TAG $(date +%T)] $*" >&2; }
fail() { say "FAIL: $*"; exit 1; }

recorded_pids() { [[ -f $NET/devnet.json ]] && jq -r '.nodes[].pid' "$NET/devnet.json" 2>/dev/null || true; }
# Alive and one of ours: not a zombie, command line names a config of this devnet.
ours_alive() {
  local st; st=$(ps -o stat= -p "$1" 2>/dev/null) || return 1
  [[ $st != Z* ]] && tr '\0' ' ' <"/proc/$1/cmdline" 2>/dev/null | grep -qF "$NET/nodes/"
}

devnet_cleanup() {
  local rc=$?
  if declare -F devnet_extra_cleanup >/dev/null; then devnet_extra_cleanup "$rc" || true; fi
  if [[ -f $NET/devnet.json ]]; then
    timeout 30 "$MLCHAIN" -q devnet down --dir "$NET" >/dev/null 2>&1 || true
    for p in $(recorded_pids); do ours_alive "$p" && kill -9 "$p" 2>/dev/null || true; done
  fi
  [[ -n $WATCHDOG ]] && { kill -- "-$WATCHDOG" 2>/dev/null || kill "$WATCHDOG" 2>/dev/null || true; }
  if [[ $rc -ne 0 ]]; then
    echo "--- $TAG failed (rc=$rc); node logs follow ---" >&2
    for f in "$NET"/logs/*.log; do [[ -f $f ]] && { echo "== $f" >&2; tail -n 15 "$f" >&2; }; done
  fi
  rm -rf "$DIR"
  exit "$rc"
}
trap devnet_cleanup EXIT
trap 'exit 130' INT TERM

setsid bash -c "sleep $LIMIT; timeout 20 '$MLCHAIN' -q devnet down --dir '$NET' >/dev/null 2>&1; for p in \$(jq -r '.nodes[].pid' '$NET/devnet.json' 2>/dev/null); do
  tr '\\0' ' ' </proc/\$p/cmdline 2>/dev/null | grep -qF '$NET/nodes/' && kill -9 \$p; done; rm -rf '$DIR'" \
  >/dev/null 2>&1 &
WATCHDOG=$!

# The CLI with JSON output, bounded (a script may redefine it); a node's address by name.
M() { timeout 60 "$MLCHAIN" -o json "$@"; }
addr() { jq -r --arg n "$1" '.nodes[] | select(.name == $n) | .address' "$NET/devnet.json"; }

port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
find_ports() {  # N: sets base (MLCHAIN_E2E_PORTS=LO-HI: within LO..HI, as in lib.sh)
  local n=$1 start attempt i ok=0 lo hi span
  IFS=- read -r lo hi <<<"${MLCHAIN_E2E_PORTS:-21000-32739}"
  span=$((hi - lo + 2 - n))  # base + n - 1 <= hi
  (( span > 0 )) || fail "MLCHAIN_E2E_PORTS=$MLCHAIN_E2E_PORTS holds fewer than $n ports"
  start=$((lo + (($$ + ${#TAG} * 7) * 20) % span))
  for attempt in $(seq 0 60); do
    base=$((lo + (start - lo + attempt * 37) % span)); ok=1
    for i in $(seq 0 $((n - 1))); do port_free $((base + i)) || { ok=0; break; }; done
    [[ $ok == 1 ]] && return 0
  done
  fail "no $n free ports found"
}
