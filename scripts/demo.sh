#!/usr/bin/env bash
# The main job: installs what is missing, builds, and runs mlchain end to end
# on this machine, printing what happens at each step.
#
# Today it shows the identity layer every node and object is built on (keys,
# pinned TLS certificates, signatures, refusal of tampered data) and, where the
# consensus core is built, a simulated 4-node PBFT layer under faults. It grows
# into the full devnet tour (layers on loopback, a contract across them) as the
# network lands.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/deps.sh
bash scripts/build.sh >/dev/null
mlchain=${BUILD_DIR:-build}/cli/mlchain
work=${MLCHAIN_DEMO_DIR:-.mlchain-demo}
rm -rf "$work"
mkdir -p "$work"

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
show() { printf '$ %s\n' "$*"; "$@"; }

step "1. mlchain version"
show "$mlchain" version

step "2. Identities for a 4-node layer: one Ed25519 key + self-signed TLS certificate each (mode 0600)"
for n in node1 node2 node3 node4; do
  "$mlchain" -q key gen --out "$work/$n.pem" --name "$n" -o json > "$work/$n.json"
  printf '%s  key id %s\n' "$n" "$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["key_id"])' "$work/$n.json")"
done
show "$mlchain" key show --key "$work/node1.pem"
ls -l "$work"/node1.pem

step "3. A world-readable key is refused (exit 2)"
cp "$work/node1.pem" "$work/loose.pem" && chmod 644 "$work/loose.pem"
set +e; "$mlchain" key show --key "$work/loose.pem"; rc=$?; set -e
echo "exit status $rc"

step "4. Sign a document and verify it; a tampered copy is refused (exit 5)"
printf 'contract: thermometer E1/a reports to E3/b hourly\n' > "$work/contract.txt"
sig=$("$mlchain" key sign --key "$work/node1.pem" --in "$work/contract.txt")
pub=$("$mlchain" key show --key "$work/node1.pem" -o json | python3 -c 'import json,sys; print(json.load(sys.stdin)["public_key"])')
show "$mlchain" key verify --public-key "$pub" --signature "$sig" --in "$work/contract.txt"
sed 's/hourly/daily/' "$work/contract.txt" > "$work/tampered.txt"
set +e; "$mlchain" key verify --public-key "$pub" --signature "$sig" --in "$work/tampered.txt"; rc=$?; set -e
echo "exit status $rc"

if "$mlchain" sim --help >/dev/null 2>&1; then
  step "5. A 4-node PBFT layer in deterministic simulation: 1 byzantine replica, 5% message loss"
  show "$mlchain" sim --nodes 4 --byzantine 1 --ops 2000 --drop 0.05 --seed 7
fi

step "Done. Files are in $work/"
