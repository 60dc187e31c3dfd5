#!/usr/bin/env bash
# End-to-end: a devnet of separate hosts (issue 15 item 1). `devnet up
# --netns` puts every node in its own network namespace with its own address
# on a bridge the tool creates; configs and blueprints name those addresses;
# a contract E1 -> E3 crosses them; `devnet partition` splits L2/L1a 2/2 so
# it cannot commit, `devnet heal` lets it commit again; `devnet down`
# removes every namespace, veth and the bridge, also after `devnet up` was
# killed (SIGKILL) while creating them. Without root it is refused (exit 2).
# Needs root, iproute2 and iptables: exits 77 (skipped) without them.
# Bounded. Usage: netns_e2e.sh /path/to/mlchain
set -euo pipefail

MLCHAIN=${1:?usage: netns_e2e.sh /path/to/mlchain}
TAG=netns-e2e
if [[ $(id -u) -ne 0 ]]; then echo "[$TAG] SKIP: needs root (network namespaces)" >&2; exit 77; fi
for tool in ip iptables setpriv; do
  command -v "$tool" >/dev/null || { echo "[$TAG] SKIP: $tool is not installed" >&2; exit 77; }
done
probe_ns="mlc-probe-$$"
if ! ip netns add "$probe_ns" 2>/dev/null; then echo "[$TAG] SKIP: cannot create a network namespace here" >&2; exit 77; fi
ip netns delete "$probe_ns"

NET2_UP=
devnet_extra_cleanup() {
  [[ -n $NET2_UP ]] && kill -9 "$NET2_UP" 2>/dev/null || true
  [[ -f $DIR/net2/devnet.json ]] && timeout 30 "$MLCHAIN" -q devnet down --dir "$DIR/net2" >/dev/null 2>&1 || true
}
# shellcheck source=devnet_lib.sh
source "$(dirname "$0")/devnet_lib.sh"

# Not root: refused before anything is created.
out=$(setpriv --reuid=65534 --regid=65534 --clear-groups "$MLCHAIN" devnet up --netns --dir "$DIR/nobody" 2>&1) && fail "devnet up --netns ran without root"
rc=$?
[[ $rc == 2 ]] || fail "devnet up --netns without root exited $rc, not 2: $out"
grep -q "needs root" <<<"$out" || fail "the refusal does not say it needs root: $out"
[[ ! -e $DIR/nobody ]] || fail "the refused devnet up created $DIR/nobody"
say "without root: refused (exit 2)"

up=$(timeout 150 "$MLCHAIN" devnet up --netns --dir "$NET" --timeout 90 -o json) || fail "devnet up --netns failed"
bridge=$(jq -er .netns.bridge <<<"$up")
jq -e '(.nodes | length) == 15' <<<"$up" >/dev/null || fail "devnet state: $up"
jq -e '[.nodes[].address] | (unique | length) == 15' <<<"$up" >/dev/null || fail "node addresses are not distinct"
jq -e '[.nodes[].address | select(test("127\\.0\\.0\\.1"))] | length == 0' <<<"$up" >/dev/null || fail "a node is on loopback"
while read -r name ns ip pid; do
  grep -q "^listen = \"$ip:" "$NET/nodes/$name.toml" || fail "$name's config does not listen on $ip"
  [[ $(stat -Lc %i "/proc/$pid/ns/net") == $(stat -Lc %i "/run/netns/$ns") ]] || fail "$name (pid $pid) is not in namespace $ns"
done < <(jq -r '.nodes[] | "\(.name) \(.netns) \(.ip) \(.pid)"' <<<"$up")
grep -q "address = \"$(addr l1a-n1)\"" "$NET/layers/L2/L1a/blueprint.toml" || fail "the blueprint does not name l1a-n1's address"
say "15 nodes in 15 namespaces on bridge $bridge, each on its own address"

ADMIN="$NET/admin.pem"
E1=$(addr e1); E3=$(addr e3)
"$MLCHAIN" -q key gen --out "$DIR/a.pem" >/dev/null; "$MLCHAIN" -q key gen --out "$DIR/b.pem" >/dev/null
A=$(M object register --edge "$E1" --admin-key "$ADMIN" --class T/A --perm contract --pubkey "$DIR/a.pem" | jq -er .uuid) || fail "register A"
B=$(M object register --edge "$E3" --admin-key "$ADMIN" --class T/B --perm contract --pubkey "$DIR/b.pem" | jq -er .uuid) || fail "register B"
sent=$(M contract send --edge "$E1" --from "$A" --key "$DIR/a.pem" --to "$B" --message '{"n": 1}' --ttl 10m) || fail "contract E1 -> E3 across namespaces failed"
jq -e '.receipt != null' <<<"$sent" >/dev/null || fail "no receipt: $sent"
say "contract E1 -> E3 delivered across namespaces"

# Split L2/L1a 2/2: neither half has a quorum of 3.
M devnet partition --dir "$NET" l1a-n1 l1a-n2 --from l1a-n3 l1a-n4 >/dev/null || fail "devnet partition failed"
M devnet status --dir "$NET" >"$DIR/status.json" || true
jq -e '.nodes[] | select(.name == "l1a-n1") | .partitioned_from | index("l1a-n3") != null' "$DIR/status.json" >/dev/null \
  || fail "devnet status does not show the partition: $(cat "$DIR/status.json")"
L1A=$(addr l1a-n1)
if timeout 6 "$MLCHAIN" -q bench layer --node "$L1A" --ops 1 --concurrency 1 --prefix split >/dev/null 2>&1; then
  fail "L2/L1a committed an operation while split 2/2"
fi
say "split 2/2: L2/L1a does not commit"
M devnet heal --dir "$NET" >/dev/null || fail "devnet heal failed"
t0=$(date +%s%N)
timeout 40 "$MLCHAIN" -q bench layer --node "$L1A" --ops 1 --concurrency 1 --prefix healed >/dev/null 2>&1 \
  || fail "L2/L1a did not commit within 40 s of the heal"
say "healed: L2/L1a committed again after $(( ($(date +%s%N) - t0) / 1000000 )) ms"

M devnet down --dir "$NET" >"$DIR/down.json" || fail "devnet down failed"
jq -e '.network_removed == true' "$DIR/down.json" >/dev/null || fail "down did not remove the network: $(cat "$DIR/down.json")"
left=$(ip netns list | grep -c "^$bridge-" || true)
[[ $left == 0 ]] || fail "$left namespaces of $bridge left after devnet down"
[[ ! -e /sys/class/net/$bridge ]] || fail "bridge $bridge left after devnet down"
say "devnet down removed 15 namespaces and the bridge"

# `devnet up` killed while it creates the namespaces: down still removes them.
"$MLCHAIN" -q devnet up --netns --dir "$DIR/net2" --timeout 90 >/dev/null 2>&1 &
NET2_UP=$!
for _ in $(seq 1 200); do
  [[ -f $DIR/net2/devnet.json ]] && b2=$(jq -r '.netns.bridge // empty' "$DIR/net2/devnet.json") && [[ -n $b2 ]] \
    && (( $(ip netns list | grep -c "^$b2-" || true) >= 3 )) && break
  sleep 0.05
done
[[ -n ${b2:-} ]] || fail "the second devnet up wrote no state"
kill -9 "$NET2_UP" 2>/dev/null || true
wait "$NET2_UP" 2>/dev/null || true
NET2_UP=
made=$(ip netns list | grep -c "^$b2-" || true)
M devnet down --dir "$DIR/net2" >/dev/null || fail "devnet down after a killed up failed"
left=$(ip netns list | grep -c "^$b2-" || true)
veths=$(ip -o link show | grep -c "mv${b2#mlc}" || true)
[[ $left == 0 && $veths == 0 && ! -e /sys/class/net/$b2 ]] || fail "after a killed up, down left $left namespaces, $veths veths, bridge: $(ls /sys/class/net | grep -c "$b2" || true)"
say "devnet up killed with $made namespaces made: devnet down removed them all"
say "PASS"
