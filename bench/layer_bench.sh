#!/usr/bin/env bash
# Benchmark: a real 4-node layer on loopback (TLS 1.3, durable LMDB), driven
# by `mlchain bench layer` at several concurrencies, beside this machine's
# Ed25519 verify rate V1 (`openssl speed ed25519`) measured in the same run.
# Prints one line per concurrency: ops/s, ratio to V1, p50/p99 latency.
#
#   bench/layer_bench.sh [MLCHAIN] [OPS] [CONCURRENCIES...]
#   bench/layer_bench.sh build/cli/mlchain 6000 1 16 64 128
#
# BENCH_ETCD=1 adds a 3-member etcd cluster loaded the same way (bench/peers.sh).
# BENCH_NODE_CONFIG adds lines to every node config, e.g.
# BENCH_NODE_CONFIG='propose_when_idle = true'.
# Ports 7201-7204 on 127.0.0.1 (override with BENCH_PORT_BASE=7200);
# everything runs in a temp dir that is removed at the end. A benchmark,
# not a test: nothing here asserts a speed.
set -euo pipefail
MLCHAIN=$(realpath "${1:-build/cli/mlchain}")
NODE_BIN=$(realpath "${BENCH_NODE_BIN:-$MLCHAIN}")  # the daemons (default: the same binary)
OPS=${2:-6000}
shift $(( $# >= 2 ? 2 : $# )) || true
CONCS=("$@"); [[ ${#CONCS[@]} -gt 0 ]] || CONCS=(1 16 64 128)
BASE=${BENCH_PORT_BASE:-7200}
DIR=$(mktemp -d "${TMPDIR:-/tmp}/mlchain-bench.XXXXXX")
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill -TERM "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$DIR"; }
trap cleanup EXIT

v1() { openssl speed -seconds 3 ed25519 2>/dev/null | awk '/Ed25519/ {v = int($NF)} END {print v}'; }
cd "$DIR"
for i in 1 2 3 4; do "$MLCHAIN" -q key gen --out n$i.pem --name n$i >/dev/null; done
{
  echo 'layer = "BENCH"'; echo 'genesis_time = 2026-11-25T00:00:00Z'
  echo '[consensus]'; echo 'request_timeout_ms = 2000'; echo 'view_change_timeout_ms = 4000'
  for i in 1 2 3 4; do
    printf '[[members]]\nname = "n%s"\npublic_key = "%s"\naddress = "https://127.0.0.1:%s"\n' \
      $i "$("$MLCHAIN" key show --key n$i.pem -o json | jq -r .public_key)" $((BASE + i))
  done
} >layer.toml
"$MLCHAIN" -q layer create --blueprint layer.toml --out layer >/dev/null
for i in 1 2 3 4; do
  printf 'name = "n%s"\nkey_file = "n%s.pem"\nlisten = "127.0.0.1:%s"\ndata_dir = "data/n%s"\ngenesis = "layer/genesis.json"\nop_timeout_ms = 30000\n' \
    $i $i $((BASE + i)) $i >n$i.toml
  [[ -n ${BENCH_NODE_CONFIG:-} ]] && echo "$BENCH_NODE_CONFIG" >>n$i.toml
  "$NODE_BIN" node run --config n$i.toml 2>n$i.log &
  PIDS+=($!)
done
for _ in $(seq 1 100); do
  curl -sfk "https://127.0.0.1:$((BASE + 2))/readyz" >/dev/null 2>&1 && break; sleep 0.2
done
"$MLCHAIN" -q bench layer --node "https://127.0.0.1:$((BASE + 2))" --ops 200 --concurrency 8 >/dev/null  # warm up

# BENCH_ETCD=1 (bench/peers.sh): also a 3-member etcd cluster on loopback
# (ports BASE+11..13 for clients over TLS, BASE+21..23 between members), its
# data beside the layer's, loaded by the same client (`bench layer --etcd`)
# right after the layer at each concurrency; one line each.
ETCD_URL=""
if [[ ${BENCH_ETCD:-0} == 1 ]]; then
  command -v etcd >/dev/null || { echo "layer_bench: BENCH_ETCD=1 needs etcd (apt-get install etcd-server)" >&2; exit 2; }
  "$MLCHAIN" -q key gen --out etcd.pem --name etcd >/dev/null
  openssl pkey -in etcd.pem -out etcd.key 2>/dev/null
  awk '/BEGIN CERTIFICATE/,/END CERTIFICATE/' etcd.pem >etcd.crt
  cluster=""; for i in 1 2 3; do cluster+="${cluster:+,}e$i=http://127.0.0.1:$((BASE + 20 + i))"; done
  for i in 1 2 3; do
    etcd --name e$i --data-dir "data/etcd$i" --log-level error \
      --listen-peer-urls "http://127.0.0.1:$((BASE + 20 + i))" --initial-advertise-peer-urls "http://127.0.0.1:$((BASE + 20 + i))" \
      --listen-client-urls "https://127.0.0.1:$((BASE + 10 + i))" --advertise-client-urls "https://127.0.0.1:$((BASE + 10 + i))" \
      --initial-cluster "$cluster" --initial-cluster-state new --cert-file etcd.crt --key-file etcd.key 2>"etcd$i.log" &
    PIDS+=($!)
  done
  ETCD_URL="https://127.0.0.1:$((BASE + 12))"
  for _ in $(seq 1 100); do curl -sfk "$ETCD_URL/health" 2>/dev/null | grep -q true && break; sleep 0.2; done
  "$MLCHAIN" -q bench layer --etcd --node "$ETCD_URL" --ops 200 --concurrency 8 >/dev/null  # warm up
fi

V1_START=$(v1)
echo "V1 (openssl speed ed25519, verify/s): $V1_START"
# cpu_us/op: CPU time (user + system, all threads) per operation, of the
# servers (the 4 daemons, or the 3 etcd members) and, after the '+', of the
# load client. On a machine where every process shares the cores this is
# the figure that throughput follows, and it varies far less from run to run.
printf '%-8s %-6s %10s %9s %10s %10s %10s %14s\n' system conc ops/s ratio p50_ms p99_ms failed cpu_us/op
TICK_US=$(( 1000000 / $(getconf CLK_TCK) ))
ticks() { local t=0 p; for p in "$@"; do t=$(( t + $(awk '{print $14 + $15}' "/proc/$p/stat") )); done; echo "$t"; }
row() {  # row SYSTEM CONC JSON SERVER_US CLIENT_US
  jq -r --arg s "$1" --arg c "$2" --argjson v1 "$V1_START" --argjson sus "$4" --argjson cus "$5" \
    '[$s, $c, .ops_per_second, (.ops_per_second / $v1), (.latency_us.p50 / 1000), (.latency_us.p99 / 1000), .failed,
      ($sus / ([.ops - .failed, 1] | max)), ($cus / ([.ops - .failed, 1] | max))] |
     "\(.[0])\t\(.[1])\t\(.[2] | floor)\t\(.[3] * 1000 | floor / 1000)\t\(.[4] * 10 | floor / 10)\t\(.[5] * 10 | floor / 10)\t\(.[6])\t\(.[7] | floor)+\(.[8] | floor)"' <<<"$3" |
    awk -F'\t' '{printf "%-8s %-6s %10s %9s %10s %10s %10s %14s\n", $1, $2, $3, $4, $5, $6, $7, $8}'
}
measure() {  # measure SYSTEM CONC SERVER-PIDS... -- CLIENT-ARGS...
  local system=$1 c=$2 servers=() t0 t1 json client_s
  shift 2
  while [[ $1 != -- ]]; do servers+=("$1"); shift; done; shift
  t0=$(ticks "${servers[@]}")
  json=$("$MLCHAIN" -q bench layer "$@" -o json 2>/dev/null; times >"$DIR/client.times")
  t1=$(ticks "${servers[@]}")
  # `times` in the subshell: its children's user and system time (XmY.ZZZs each).
  client_s=$(awk '{ s = 0; for (i = 1; i <= 2; i++) { split($i, a, /[ms]/); s += a[1] * 60 + a[2] } print int(s * 1000000) }' <(tail -1 "$DIR/client.times"))
  row "$system" "$c" "$json" $(( (t1 - t0) * TICK_US )) "$client_s"
}
for c in "${CONCS[@]}"; do
  n=$OPS; (( c == 1 && n > 2000 )) && n=2000
  measure mlchain "$c" "${PIDS[@]:0:4}" -- --node "https://127.0.0.1:$((BASE + 2))" --ops "$n" --concurrency "$c"
  [[ -n $ETCD_URL ]] && measure etcd "$c" "${PIDS[@]:4:3}" -- --etcd --prefix "bench$c" --node "$ETCD_URL" --ops "$n" --concurrency "$c"
done
echo "V1 at the end: $(v1)"
rss=0; for p in "${PIDS[@]:0:4}"; do r=$(awk '/VmRSS/ {print $2}' /proc/$p/status); (( r > rss )) && rss=$r; done
echo "largest node RSS: $((rss / 1024)) MiB"
