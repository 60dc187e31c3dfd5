#!/usr/bin/env bash
# End-to-end: a connection flood (issue 13, item 10). Four real daemons on
# 127.0.0.1 form a layer; a python process keeps 2,000 idle TCP connections
# open to n1 from 127.0.0.1 (once a second it reopens any that n1 closed).
# While the flood runs: n1's /healthz answers every time, ops submitted
# through n1 commit, n1 stays linked to its peers, and a restarted n2 links to
# n1 again through n1's flooded listener. Before the fix n1 refused every new
# connection while 1,024 idle ones were open (each for the 5 s handshake
# timeout). Bounded in time; every child is killed on every exit path (trap).
# Usage: flood_e2e.sh /path/to/mlchain
set -euo pipefail

MLCHAIN=${1:?usage: flood_e2e.sh /path/to/mlchain}
E2E_NODES=4
: "${MLCHAIN_E2E_LIMIT:=170}"  # the nodes' watchdog, below the ctest TIMEOUT
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"

FLOOD=2000
for i in 1 2 3 4; do start $i; done
wait_for 30 "4 nodes ready" all_ready 1 2 3 4
out=$(bench 1 10 before) || fail "bench before the flood: $out"
say "4 nodes ready; 10 ops committed through n1"

# The flood: idle sockets only (no byte is ever sent), kept at $FLOOD.
python3 - "${PORT[1]}" "$FLOOD" "$DIR/flood.status" "$MLCHAIN_E2E_LIMIT" <<'PY' 2>>"$DIR/flood.log" &
import os, resource, select, socket, sys, time

port, count, status, limit = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], float(sys.argv[4])
soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
if hard != resource.RLIM_INFINITY and hard < count + 100:
    sys.exit(f"need {count + 100} open files, the hard limit is {hard}")
resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


def open_one():
    s = socket.socket()
    s.settimeout(5)
    s.connect(("127.0.0.1", port))
    s.setblocking(False)
    return s


def report(text):
    with open(status + ".tmp", "w") as f:
        f.write(text + "\n")
    os.replace(status + ".tmp", status)


socks = {}
for _ in range(count):
    s = open_one()
    socks[s.fileno()] = s
reopened = 0
report(f"up {len(socks)} reopened {reopened}")
end = time.monotonic() + limit
while time.monotonic() < end and os.getppid() != 1:
    time.sleep(1)
    poller = select.poll()
    for fd in socks:
        poller.register(fd, select.POLLIN | select.POLLHUP | select.POLLERR)
    closed = []
    for fd, _ in poller.poll(0):
        try:
            if socks[fd].recv(1) == b"":
                closed.append(fd)
        except BlockingIOError:
            pass
        except OSError:
            closed.append(fd)
    for fd in closed:
        socks.pop(fd).close()
    for _ in closed:
        s = open_one()
        socks[s.fileno()] = s
    reopened += len(closed)
    report(f"up {len(socks)} reopened {reopened}")
PY
PIDS[flood]=$!
flood_up() { grep -q "^up $FLOOD " "$DIR/flood.status" 2>/dev/null; }
wait_for 30 "$FLOOD idle connections to n1" flood_up
say "flood: $(cat "$DIR/flood.status")"

# /healthz answers every time, ten times over ~5 s of flood.
for attempt in $(seq 1 10); do
  code=$(curl -sk -o /dev/null -w '%{http_code}' --max-time 3 "$(url 1)/healthz" || true)
  [[ $code == 200 ]] || fail "n1 /healthz attempt $attempt under the flood answered '$code' (flood: $(cat "$DIR/flood.status"))"
  sleep 0.5
done
say "n1 /healthz answered 10/10 under the flood ($(cat "$DIR/flood.status"))"

# Ops submitted through n1 commit.
h0=$(height 1)
out=$(bench 1 40 flood) || fail "bench through n1 under the flood: $out"
say "committed 40 ops through n1 under the flood: $(echo "$out" | jq -c '{ops_per_second, latency_us}')"
wait_for 20 "equal heights on 4 nodes" same_height $((h0 + 1)) 1 2 3 4

# n1 stays linked to its peers.
metrics() { curl -sk --max-time 3 "$(url "$1")/metrics"; }
connected() { local m; m=$(metrics 1); grep -q "^mlchain_peer_connected{peer=\"$1\"} 1$" <<<"$m"; }
for n in n2 n3 n4; do wait_for 10 "n1 linked to $n" connected "$n"; done

# A restarted n2 links to n1 again: n1 sees two new links to n2, its own
# outbound one and n2's inbound one, which had to pass the flooded listener.
links_up() { metrics 1 | awk -v p="mlchain_peer_links_up_total{peer=\"n2\"}" '$1 == p { print $2 }'; }
l0=$(links_up)
[[ $l0 =~ ^[0-9]+$ ]] || fail "n1 exports no mlchain_peer_links_up_total for n2"
kill -9 "${PIDS[2]}"; wait "${PIDS[2]}" 2>/dev/null || true; unset "PIDS[2]"
start 2
two_new_links() { local l; l=$(links_up); [[ $l =~ ^[0-9]+$ ]] && (( l >= l0 + 2 )); }
wait_for 30 "n2 to link to n1 again in both directions" two_new_links
wait_for 30 "n2 ready" ready 2
say "restarted n2 relinked to n1 under the flood (links up $l0 -> $(links_up))"

m=$(metrics 1)
evicted=$(awk '$1 == "mlchain_net_rejected_total{reason=\"evicted\"}" { print $2 }' <<<"$m")
timeouts=$(awk '$1 == "mlchain_net_rejected_total{reason=\"timeout\"}" { print $2 }' <<<"$m")
say "n1 evicted $evicted idle handshakes and timed out $timeouts; flood: $(cat "$DIR/flood.status")"
(( ${evicted:-0} > 0 )) || fail "n1 counted no evictions"

kill -9 "${PIDS[flood]}"; wait "${PIDS[flood]}" 2>/dev/null || true; unset "PIDS[flood]"
for i in "${!PIDS[@]}"; do kill -TERM "${PIDS[$i]}"; done
for i in "${!PIDS[@]}"; do wait "${PIDS[$i]}" 2>/dev/null || true; done
PIDS=()
say "PASS"
