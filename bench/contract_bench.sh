#!/usr/bin/env bash
# Benchmark: cross-layer contracts over a real devnet on loopback (15
# processes: L2, L2/L1a, L2/L1b with 4 members each, edges E1, E2, E3; TLS 1.3,
# durable LMDB), driven by `mlchain bench contracts` from E1 (L2/L1a/E1) to E3
# (L2/L1b/E3), one run per concurrency. Prints one line per run: contracts/s,
# messages/s, per-message latency, errors, the ratio to the single-core
# Ed25519 verify rate V1 measured in the same run, the mean contract batch
# (contract ops per ordered batch, summed over all members) and where the CPU
# went (seconds per process group during the run).
#
#   bench/contract_bench.sh [CONCURRENCY...]     an argument ending in f (8f) is a --full run
#   MLCHAIN=build/cli/mlchain BENCH_CONTRACTS=400 bench/contract_bench.sh 1 8 32 8f
#
# MLCHAIN: the binary (default build/cli/mlchain); BENCH_CONTRACTS: contracts
# per run (default 400); BENCH_TTL: --ttl of the contracts (default 10m);
# BENCH_PORT_BASE: first port (default 7500; the devnet uses 15 from there).
# The devnet lives in a temp dir; `devnet down --purge` runs at exit
# (BENCH_KEEP=1 keeps the dir and its logs). A benchmark, not a test:
# nothing here asserts a speed.
set -euo pipefail
MLCHAIN=$(realpath "${MLCHAIN:-build/cli/mlchain}")
CONTRACTS=${BENCH_CONTRACTS:-400}
TTL=${BENCH_TTL:-10m}
BASE=${BENCH_PORT_BASE:-7500}
CONCS=("$@"); [[ ${#CONCS[@]} -gt 0 ]] || CONCS=(1 8 32)
DIR=$(mktemp -d "${TMPDIR:-/tmp}/mlchain-cbench.XXXXXX")
rmdir "$DIR"  # devnet up creates it
cleanup() {
  if [[ -n ${BENCH_KEEP:-} ]]; then
    "$MLCHAIN" -q devnet down --dir "$DIR" >/dev/null 2>&1 || true
    echo "devnet files kept in $DIR" >&2
  else
    "$MLCHAIN" -q devnet down --dir "$DIR" --purge >/dev/null 2>&1 || true
    rm -rf "$DIR"
  fi
}
trap cleanup EXIT

"$MLCHAIN" -q devnet up --dir "$DIR" --base-port "$BASE" >/dev/null

# One line per (layer, metric) over every member's /metrics: "<layer> <metric> <sum>", for the
# contract batching counters and the ordering latency histogram's sum and count.
snapshot() {
  jq -r '.nodes[] | select(.role == "member") | "\(.layer) \(.address)"' "$DIR/devnet.json" | while read -r layer addr; do
    curl -sfk --max-time 5 "$addr/metrics" | awk -v l="$layer" '
      $1 ~ /^(mlchain_contract_batches_total|mlchain_contract_batch_items_total|mlchain_op_latency_seconds_sum|mlchain_op_latency_seconds_count|mlchain_signature_verifications_total)$/ {
        print l, $1, $NF }' || true
  done | awk '{s[$1 " " $2] += $3} END {for (k in s) print k, s[k]}'
}
# From two snapshots: "<mean batch> <L2 ms> <L1a ms> <L1b ms> <verifications>" (mean contract ops
# per ordered batch; mean submit-to-commit latency of the operations each layer ordered during the
# run; Ed25519 verifications done by all members).
deltas() {
  awk 'FNR == NR {a[$1 " " $2] = $3; next} {d[$1 " " $2] = $3 - a[$1 " " $2]}
    END {
      for (k in d) { split(k, p, " "); if (p[2] == "mlchain_contract_batches_total") b += d[k];
                     if (p[2] == "mlchain_contract_batch_items_total") i += d[k]
                     if (p[2] == "mlchain_signature_verifications_total") v += d[k] }
      printf "%s", (b > 0 ? sprintf("%.2f", i / b) : "-")
      n = split("L2 L2/L1a L2/L1b", ls, " ")
      for (j = 1; j <= n; j++) { c = d[ls[j] " mlchain_op_latency_seconds_count"]; t = d[ls[j] " mlchain_op_latency_seconds_sum"]
                                 printf " %s", (c > 0 ? sprintf("%.0f", 1000 * t / c) : "-") }
      printf " %d\n", v
    }' "$1" "$2"
}
# CPU seconds (user + system) used so far by each group of devnet processes:
# "L2 L1a L1b edges" (a process that exited counts 0).
cpu_groups() {
  local tck; tck=$(getconf CLK_TCK)
  jq -r '.nodes[] | "\(.layer) \(.pid)"' "$DIR/devnet.json" | while read -r layer pid; do
    t=$(awk '{print $14 + $15}' "/proc/$pid/stat" 2>/dev/null || echo 0)
    case $layer in L2) g=L2 ;; L2/L1a) g=L1a ;; L2/L1b) g=L1b ;; *) g=edges ;; esac
    echo "$g $t"
  done | awk -v tck="$tck" '{s[$1] += $2} END {printf "%.1f %.1f %.1f %.1f\n", s["L2"]/tck, s["L1a"]/tck, s["L1b"]/tck, s["edges"]/tck}'
}

"$MLCHAIN" -q bench contracts --devnet "$DIR" --contracts 16 --concurrency 2 --ttl "$TTL" >/dev/null  # warm up

echo "devnet: $DIR (ports $BASE..$((BASE + 14))), $CONTRACTS contracts per run, E1 -> E3"
printf '%-5s %4s %8s %8s %7s %7s %7s %7s %6s %7s %8s %6s %8s %14s  %s\n' \
  conc msgs contr/s msgs/s p50_ms p90_ms p99_ms max_ms errors V1 ratio batch verif/c order_ms:L2/a/b "cpu_s:L2/L1a/L1b/edges/bench"
for arg in "${CONCS[@]}"; do
  c=${arg%f}; full=(); [[ $arg == *f ]] && full=(--full)
  snapshot >"$DIR/m0"
  read -r l2a l1aa l1ba ea < <(cpu_groups)
  out=$(TIMEFORMAT='%U %S'; { time "$MLCHAIN" -q bench contracts --devnet "$DIR" --contracts "$CONTRACTS" \
        --concurrency "$c" --ttl "$TTL" "${full[@]}" -o json >"$DIR/run.json" || true; } 2>&1)
  bench_cpu=$(awk '{printf "%.1f", $1 + $2}' <<<"$out")
  read -r l2b l1ab l1bb eb < <(cpu_groups)
  snapshot >"$DIR/m1"
  read -r batch ord_l2 ord_l1a ord_l1b verifs < <(deltas "$DIR/m0" "$DIR/m1")
  cpu=$(awk -v a="$l2a $l1aa $l1ba $ea" -v b="$l2b $l1ab $l1bb $eb" -v c="$bench_cpu" \
        'BEGIN {split(a, x); split(b, y); printf "%.1f/%.1f/%.1f/%.1f/%s", y[1]-x[1], y[2]-x[2], y[3]-x[3], y[4]-x[4], c}')
  if ! jq -e . "$DIR/run.json" >/dev/null 2>&1; then
    echo "$arg: bench contracts failed: $(cat "$DIR/run.json")"; continue
  fi
  jq -r --arg c "$arg" --arg batch "$batch" --arg verifs "$verifs" --arg ord "$ord_l2/$ord_l1a/$ord_l1b" --arg cpu "$cpu" '
    [$c, .messages_per_contract, (.contracts_per_second_x1000 / 1000), (.messages_per_second_x1000 / 1000),
     (.latency_us.p50 / 1000), (.latency_us.p90 / 1000), (.latency_us.p99 / 1000), (.latency_us.max / 1000),
     .messages_failed, .v1_verify_per_second, (.ratio_to_v1_ppm / 1e6), $batch,
     (if .completed > 0 then ($verifs | tonumber) / .completed | floor else "-" end), $ord, $cpu] | @tsv' "$DIR/run.json" |
    awk -F'\t' '{printf "%-5s %4s %8.2f %8.2f %7.1f %7.1f %7.1f %7.1f %6s %7s %8.6f %6s %8s %14s  %s\n",
                 $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15}'
  jq -r 'select(.messages_failed > 0) | "  errors: \(.errors | to_entries | map("\(.key) \(.value)") | join(", ")); first: \(.first_error)"' "$DIR/run.json"
done
rss=0; for p in $(jq -r '.nodes[].pid' "$DIR/devnet.json"); do
  r=$(awk '/VmRSS/ {print $2}' "/proc/$p/status" 2>/dev/null || echo 0); (( r > rss )) && rss=$r
done
echo "largest node RSS: $((rss / 1024)) MiB"
