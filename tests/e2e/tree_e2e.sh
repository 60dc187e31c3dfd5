#!/usr/bin/env bash
# End-to-end: `layer show --tree` over three one-node layers on loopback:
# L2 with subordinates L2/L1a (running) and L2/L1b (never started). Asked at
# L2/L1a, the CLI climbs to L2 and draws both children, L1b unreachable.
# Bounded in time. Usage: tree_e2e.sh /path/to/mlchain
set -euo pipefail

MLCHAIN=${1:?usage: tree_e2e.sh /path/to/mlchain}
E2E_NODES=3
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"

member() { printf '[[%s]]\nname = "n%s"\npublic_key = "%s"\naddress = "%s"\n' "$1" "$2" "$(pubkey "$DIR/n$2.pem")" "$(url "$2")"; }
{
  echo 'layer = "L2"'; echo 'genesis_time = 2026-11-25T00:00:00Z'; member members 1
  echo '[[subordinates]]'; echo 'path = "L2/L1a"'; member subordinates.members 2
  echo '[[subordinates]]'; echo 'path = "L2/L1b"'; member subordinates.members 3
} >"$DIR/l2.toml"
{
  echo 'layer = "L2/L1a"'; echo 'genesis_time = 2026-11-25T00:00:00Z'; member members 2
  echo '[superior]'; echo 'path = "L2"'; member superior.members 1
} >"$DIR/l1a.toml"
"$MLCHAIN" -q layer create --blueprint "$DIR/l2.toml" --out "$DIR/l2" >/dev/null
"$MLCHAIN" -q layer create --blueprint "$DIR/l1a.toml" --out "$DIR/l1a" >/dev/null
sed -i 's|genesis = .*|genesis = "l2/genesis.json"|' "$DIR/n1.toml"
sed -i 's|genesis = .*|genesis = "l1a/genesis.json"|' "$DIR/n2.toml"
start 1; start 2
wait_for 20 "both layers ready" all_ready 1 2

tree=$("$MLCHAIN" layer show --node "$(url 2)" --tree -o json) || fail "layer show --tree failed"
jq -e '.layer == "L2" and .reachable and (.children | length) == 2' <<<"$tree" >/dev/null || fail "root: $tree"
jq -e '.children[0] | .layer == "L2/L1a" and .reachable and .asked' <<<"$tree" >/dev/null || fail "L1a: $tree"
jq -e '.children[1] | .layer == "L2/L1b" and (.reachable | not)' <<<"$tree" >/dev/null || fail "L1b: $tree"
text=$("$MLCHAIN" layer show --node "$(url 2)" --tree)
grep -q '^├── L2/L1a .*<- asked$' <<<"$text" || fail "text tree: $text"
grep -q '^└── L2/L1b  (unreachable' <<<"$text" || fail "text tree: $text"
say "tree drawn:"; echo "$text" >&2
say "PASS"
