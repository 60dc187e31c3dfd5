#!/usr/bin/env bash
# The main job: installs what is missing, builds, and runs mlchain for real on
# this machine, printing each command and what it shows:
#   identities → a 4-node PBFT layer on 127.0.0.1 (separate processes, TLS 1.3,
#   durable LMDB) → signed operations committed → kill -9 of the primary →
#   the layer goes on → the node restarts and catches up → a simulated layer
#   under byzantine faults.
# The layer is left running for you to explore; the last lines say how to stop it.
# Env: MLCHAIN_DEMO_DIR (default .mlchain-demo), MLCHAIN_DEMO_PORT (default 7101).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
bash scripts/deps.sh
echo "building (first time: several minutes on 2 cores)..." >&2
bash scripts/build.sh >/dev/null
mlchain=$root/${BUILD_DIR:-build}/cli/mlchain
work=${MLCHAIN_DEMO_DIR:-$root/.mlchain-demo}
base=${MLCHAIN_DEMO_PORT:-7101}

# Stop the nodes of an earlier run, then start afresh.
if compgen -G "$work/*.pid" >/dev/null; then
  for f in "$work"/*.pid; do kill "$(cat "$f")" 2>/dev/null || true; done
  sleep 1
fi
rm -rf "$work"
mkdir -p "$work"
cd "$work"

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
show() { printf '$ %s\n' "${*/#$mlchain/mlchain}"; "$@"; }
url() { echo "https://127.0.0.1:$((base + $1 - 1))"; }
field() { jq -r "$1"; }
wait_ready() {  # node index, seconds
  for _ in $(seq 1 $(($2 * 10))); do
    curl -sk --max-time 1 "$(url "$1")/readyz" 2>/dev/null | grep -q ready && return 0
    sleep 0.1
  done
  echo "node n$1 not ready after $2 s; see $work/n$1.log" >&2
  return 1
}
start_node() { "$mlchain" node run --config "n$1.toml" 2>>"n$1.log" & echo $! > "n$1.pid"; disown; }

step "1. Identities: one Ed25519 key + self-signed TLS certificate per node (file mode 0600)"
for i in 1 2 3 4; do "$mlchain" -q key gen --out "n$i.pem" --name "n$i" >/dev/null; done
show "$mlchain" key show --key n1.pem
show ls -l n1.pem

step "2. A blueprint for layer L2/L1a with 4 members, and its genesis"
{
  echo 'layer = "L2/L1a"'
  echo 'genesis_time = 2026-11-25T00:00:00Z'
  echo '[consensus]'
  echo 'request_timeout_ms = 1000'
  echo 'view_change_timeout_ms = 2000'
  for i in 1 2 3 4; do
    printf '[[members]]\nname = "n%s"\npublic_key = "%s"\naddress = "%s"\n' \
      "$i" "$("$mlchain" key show --key "n$i.pem" -o json | field .public_key)" "$(url "$i")"
  done
} > layer.toml
show "$mlchain" layer create --blueprint layer.toml --out l1a

step "3. Start 4 nodes as separate processes (mutual TLS pinned to the member keys)"
for i in 1 2 3 4; do
  printf 'name = "n%s"\nkey_file = "n%s.pem"\nlisten = "127.0.0.1:%s"\ndata_dir = "data/n%s"\ngenesis = "l1a/genesis.json"\n' \
    "$i" "$i" "$((base + i - 1))" "$i" > "n$i.toml"
  start_node "$i"
done
for i in 1 2 3 4; do wait_ready "$i" 30; done
show "$mlchain" layer show --node "$(url 2)"

step "4. 300 signed operations through the layer (TLS, fsync on every block)"
show "$mlchain" bench layer --node "$(url 2)" --ops 300 --concurrency 16

step "5. kill -9 the primary; the other three elect a new one and keep committing"
primary=$("$mlchain" layer show --node "$(url 2)" -o json | field .primary)
p=${primary#n}
[[ $p == 2 ]] && entry=3 || entry=2
show kill -9 "$(cat "n$p.pid")"
show "$mlchain" bench layer --node "$(url "$entry")" --ops 100 --concurrency 8
show "$mlchain" layer show --node "$(url "$entry")"

step "6. Restart $primary from its LMDB store: it catches up (no committed block lost)"
start_node "$p"
wait_ready "$p" 30 || true
"$mlchain" -q bench layer --node "$(url "$entry")" --ops 20 --concurrency 4 >/dev/null
for _ in $(seq 1 100); do
  h_p=$("$mlchain" node status --node "$(url "$p")" -o json 2>/dev/null | field .height || echo 0)
  h_e=$("$mlchain" node status --node "$(url "$entry")" -o json | field .height)
  [[ "$h_p" == "$h_e" ]] && break
  sleep 0.2
done
h=$("$mlchain" node status --node "$(url "$entry")" -o json | field .height)
echo "block $h as each member stored it:"
for i in 1 2 3 4; do
  printf '  n%s  height %s  hash of block %s: %s\n' "$i" \
    "$("$mlchain" node status --node "$(url "$i")" -o json | field .height)" "$h" \
    "$(curl -sk "$(url "$i")/v1/blocks/$h" | field .hash)"
done

step "7. The same protocol in deterministic simulation: 7 replicas, 2 forging signatures, 5% loss"
show "$mlchain" sim --nodes 7 --byzantine 2 --kind forge --ops 2000 --drop 0.05 --seed 7

step "Done"
cat <<MSG
The layer is still running (logs: $work/n*.log). Try:
  $mlchain layer show --node $(url 1)
  curl -sk $(url 1)/metrics | grep mlchain_
Stop it with:
  kill \$(cat $work/*.pid)
MSG
