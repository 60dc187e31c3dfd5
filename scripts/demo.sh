#!/usr/bin/env bash
# The main job: installs what is missing, builds, and runs mlchain for real on
# this machine, printing each command and what it shows:
#   a whole topology on 127.0.0.1 (mlchain devnet: layers L2, L2/L1a, L2/L1b of
#   4 PBFT members each, edge layers E1, E2 under L1a and E3 under L1b; 15
#   processes, TLS 1.3 pinned to on-chain keys, durable LMDB) -> an object in
#   E1 and one in E3 -> a contract between them (first message, reply, end)
#   travelling E1 -> L1a -> L2 -> L1b -> E3 and back -> the contract block of
#   every high-level layer queried with its proof and verified offline against
#   that layer's genesis -> selfcheck.
# The devnet is left running for you to explore; the last lines say how to stop it.
# Env: MLCHAIN_DEMO_DIR (default .mlchain-demo), MLCHAIN_DEMO_PORT (first port, default 7400; 15 ports).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
bash scripts/deps.sh
echo "building (first time: several minutes on 2 cores)..." >&2
bash scripts/build.sh >/dev/null
mlchain=$root/${BUILD_DIR:-build}/cli/mlchain
work=${MLCHAIN_DEMO_DIR:-$root/.mlchain-demo}
base=${MLCHAIN_DEMO_PORT:-7400}
net=$work/devnet

# Stop the devnet of an earlier run, then start afresh.
if [[ -f $net/devnet.json ]]; then "$mlchain" -q devnet down --dir "$net" --purge >/dev/null 2>&1 || true; fi
rm -rf "$work"
mkdir -p "$work"
cd "$work"

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
show() { printf '$ %s\n' "$(sed "s|$mlchain|mlchain|g; s|$work/||g" <<<"$*")"; "$@"; }
address() { jq -r --arg n "$1" '.nodes[] | select(.name == $n) | .address' "$net/devnet.json"; }
genesis() { jq -r .genesis_hash "$net/layers/$1/genesis.json"; }

step "1. A whole topology on loopback: 3 PBFT layers of 4 nodes, 3 edge layers (15 processes)"
show "$mlchain" devnet up --dir "$net" --base-port "$base"
E1=$(address e1)
E3=$(address e3)
L1a=$(address l1a-n1)

step "2. One object in edge layer E1 and one in E3, each with its own Ed25519 key"
"$mlchain" -q key gen --out alice.pem --name alice >/dev/null
"$mlchain" -q key gen --out bob.pem --name bob >/dev/null
A=$("$mlchain" -o json object register --edge "$E1" --admin-key "$net/admin.pem" --class Device/Meter/Power \
  --perm contract --pubkey alice.pem | jq -r .uuid)
B=$("$mlchain" -o json object register --edge "$E3" --admin-key "$net/admin.pem" --class Device/Actuator/Breaker \
  --perm contract --pubkey bob.pem | jq -r .uuid)
echo "alice = $A   (in L2/L1a/E1)"
echo "bob   = $B   (in L2/L1b/E3)"

step "3. alice opens a contract with bob: E1 seals and signs it; L1a, L2, L1b each order it by PBFT"
echo "    and forward it with f+1 member signatures; E3 checks the last certificate and delivers it"
printf '{"offer": {"kWh": 120, "price_milli": 85}}\n' > offer.json
show "$mlchain" contract send --edge "$E1" --from "$A" --key alice.pem --to "$B" --body offer.json --ttl 1h
ids=$("$mlchain" -o json object fetch --edge "$E3" --uuid "$B" --key bob.pem | jq -r '.messages[-1].contract.ids | join(",")')

step "4. bob finds it in his queue at E3 (the chain holds only its sum), replies; alice ends the contract"
show "$mlchain" object fetch --edge "$E3" --uuid "$B" --key bob.pem
show "$mlchain" contract reply --edge "$E3" --from "$B" --key bob.pem --to "$A" --message '{"accept": true}' --contract "$ids"
show "$mlchain" contract end --edge "$E1" --from "$A" --key alice.pem --to "$B" --message '{"settled": true}' --contract "$ids"

step "5. Every layer it crossed recorded it: each contract block with its proof, verified offline"
IFS=, read -ra blocks <<<"$ids"
for id in "${blocks[@]}"; do
  layer=${id%#*}
  file="proof-${layer//\//_}.json"
  show "$mlchain" block query "$id" --node "$L1a" --key "$net/admin.pem" --proof --out "$file"
  show "$mlchain" block verify "$file" --genesis "$(genesis "$layer")"
done

step "6. Self-examination: chain, store, certificates, peers, superior, clock (exit 0 = healthy)"
show "$mlchain" selfcheck --node "$L1a"

step "Done: a contract between two edge layers, recorded on L2/L1a, L2 and L2/L1b with verified proofs"
cat <<MSG
The devnet is still running (files and logs: $net). Try:
  $mlchain devnet status --dir $net
  $mlchain layer show --node $L1a --tree
  $mlchain block query ${blocks[0]} --node $L1a --key $net/admin.pem -o json
  curl -sk $L1a/metrics | grep mlchain_contract
Stop it with:
  $mlchain devnet down --dir $net
MSG
