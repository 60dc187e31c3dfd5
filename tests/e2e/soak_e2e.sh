#!/usr/bin/env bash
# End-to-end: the CI-sized soak (issue 15 item 2, docs/reliability.md). A
# default devnet — separate hosts (--netns) when this runs as root and can
# make namespaces, else on loopback without partition faults — takes
# `mlchain bench soak` for SOAK_SECONDS (default 120) with a fixed seed
# (SOAK_SEED, default 11): kill -9/restart, SIGSTOP, isolate, 2/2 split,
# layers cut apart, edge restarts and a byzantine member (the forge), then
# the soak's checker. Any violation fails the test; the report is printed.
# Bounded. Usage: soak_e2e.sh /path/to/mlchain /path/to/mlchain-consensus-forge
set -euo pipefail

MLCHAIN=${1:?usage: soak_e2e.sh /path/to/mlchain /path/to/mlchain-consensus-forge}
FORGE=${2:?usage: soak_e2e.sh /path/to/mlchain /path/to/mlchain-consensus-forge}
TAG=soak-e2e
SECONDS_SOAK=${SOAK_SECONDS:-120}
SEED=${SOAK_SEED:-11}
LIMIT=$((SECONDS_SOAK + 420))
# shellcheck source=devnet_lib.sh
source "$(dirname "$0")/devnet_lib.sh"

netns=()
probe_ns="mlc-probe-$$"
if [[ $(id -u) -eq 0 ]] && command -v iptables >/dev/null && ip netns add "$probe_ns" 2>/dev/null; then
  ip netns delete "$probe_ns"
  netns=(--netns)
  up=$(timeout 150 "$MLCHAIN" devnet up --netns --dir "$NET" --timeout 90 -o json) || fail "devnet up --netns failed"
  say "separate hosts: every node in its own namespace"
else
  find_ports 15
  up=$(timeout 150 "$MLCHAIN" devnet up --dir "$NET" --base-port "$base" --timeout 90 -o json) || fail "devnet up failed"
  say "loopback (not root or no namespaces here): no partition faults"
fi
jq -e '(.nodes | length) == 15' <<<"$up" >/dev/null || fail "devnet state: $up"

faults=(--fault kill --fault stop --fault edge-restart --fault byzantine)
[[ ${#netns[@]} -gt 0 ]] && faults+=(--fault isolate --fault split --fault layers)
rc=0
timeout $((SECONDS_SOAK + 360)) "$MLCHAIN" -v bench soak --devnet "$NET" --duration "${SECONDS_SOAK}s" --calibrate 15s \
  --fault-every 8s --seed "$SEED" --forge "$FORGE" "${faults[@]}" --report "$DIR/report.json" || rc=$?
[[ -f $DIR/report.json ]] || fail "the soak wrote no report (exit $rc)"
jq -c '{seed, duration_s, calibration, ops: (.ops | {attempted, acknowledged, lost, duplicated, fraction_of_fault_free}),
        contracts: (.contracts | {attempted, acknowledged, answered_failure, unanswered, lost, duplicated,
                                  reported_failed_but_delivered, fraction_of_fault_free, outside_route_partitions,
                                  over_5s_outside_partitions,
                                  over_10s_outside_partitions}),
        faults: (.faults | {count, by_kind, max_heal_ms}), proven: .check.contracts_proven,
        blocks_compared: .check.blocks_compared, violations}' "$DIR/report.json" >&2
[[ $rc == 0 ]] || fail "the soak exited $rc: $(jq -c .violations "$DIR/report.json")"
jq -e '.ok == true and (.faults.count >= 5) and (.ops.acknowledged > 0) and (.contracts.acknowledged > 0)' \
  "$DIR/report.json" >/dev/null || fail "the soak's report is not a pass with faults and acknowledged load"
# The time outside route partitions is the soak's length less the partitions
# of the route (all of it when none was injected), and its contracts a subset.
jq -e '.contracts.outside_route_partitions as $o
       | ([.faults.list[] | select(.kind == "split" or .kind == "layers")] | length) as $cuts
       | $o.seconds <= .duration_s and $o.seconds > 0 and $o.acknowledged <= .contracts.acknowledged
         and (if $cuts == 0 then $o.seconds == .duration_s else true end)' \
  "$DIR/report.json" >/dev/null || fail "outside_route_partitions: $(jq -c '{duration_s, o: .contracts.outside_route_partitions}' "$DIR/report.json")"
say "PASS"
