#!/usr/bin/env bash
# Installs the Debian 12 packages mlchain needs to build and test. Idempotent:
# installs only what is missing, non-interactive, safe to run every time.
set -euo pipefail

packages=(
  build-essential cmake ninja-build ccache pkg-config git
  libssl-dev libsodium-dev libboost1.81-dev liblmdb-dev libcli11-dev nlohmann-json3-dev
  libgtest-dev libgmock-dev libtomlplusplus-dev openssl curl jq python3 iproute2 iptables strace
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "deps: all ${#packages[@]} packages present" >&2
  exit 0
fi

sudo=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || { echo "deps: need root or sudo to install: ${missing[*]}" >&2; exit 2; }
  sudo="sudo"
fi

echo "deps: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
# libboost1.81-dev conflicts with the default 1.74 dev packages; apt removes them.
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "deps: done" >&2
