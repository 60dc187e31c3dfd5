#!/usr/bin/env bash
# Benchmark beside a peer: a 4-node mlchain layer and a 3-member etcd cluster
# (Raft, fsync, no signatures; Debian's etcd-server, installed here if
# missing) on the same loopback and the same 2 cores, loaded one after the
# other by the same client (`mlchain bench layer`, `--etcd` for etcd's v3 JSON
# gateway: one keep-alive TLS 1.3 connection per client, the same keys and
# values), beside V1 (`openssl speed ed25519`) measured in the same run.
# Prints, per concurrency, one line for each system: ops/s, ops/s / V1,
# p50 and p99 latency. A benchmark, not a test: nothing asserts a speed.
#
#   bench/peers.sh [MLCHAIN] [OPS] [CONCURRENCIES...]
#   bench/peers.sh build/cli/mlchain 6000 1 64 128
#
# Both keep their data under ${TMPDIR:-/tmp} (TMPDIR=/dev/shm takes the disk
# out of both). Ports: 7201-7204 (layer), 7211-7213 and 7221-7223 (etcd);
# BENCH_PORT_BASE moves them. Everything is removed at the end.
set -euo pipefail
if ! command -v etcd >/dev/null; then
  sudo=""; [[ $(id -u) -ne 0 ]] && sudo=sudo
  echo "peers: installing etcd-server (Debian package)" >&2
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends etcd-server >/dev/null
fi
BENCH_ETCD=1 exec "$(dirname "$0")/layer_bench.sh" "$@"
