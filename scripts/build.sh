#!/usr/bin/env bash
# Configures and builds mlchain into build/ (Ninja; ccache when present).
# Arguments go to cmake --build (e.g. --target test_net).
# Env: BUILD_DIR (default build), BUILD_TYPE (default RelWithDebInfo),
#      MLCHAIN_WERROR (default ON), MLCHAIN_SANITIZE (address|undefined|thread, or a
#      comma-separated pair such as address,undefined),
#      CMAKE_BUILD_PARALLEL_LEVEL (parallel jobs; default: the number of cores).
set -euo pipefail
cd "$(dirname "$0")/.."
build_dir=${BUILD_DIR:-build}
# Let ccache reuse objects across checkouts in different directories (CI
# builds a fresh clone each run): paths are hashed relative to the tree.
export CCACHE_BASEDIR=${CCACHE_BASEDIR:-$PWD}
export CCACHE_NOHASHDIR=${CCACHE_NOHASHDIR:-1}
cmake -S . -B "$build_dir" -G Ninja \
  -DCMAKE_BUILD_TYPE="${BUILD_TYPE:-RelWithDebInfo}" \
  -DMLCHAIN_WERROR="${MLCHAIN_WERROR:-ON}" \
  -DMLCHAIN_SANITIZE="${MLCHAIN_SANITIZE:-}" >/dev/null
jobs=${CMAKE_BUILD_PARALLEL_LEVEL:-$(nproc 2>/dev/null || echo 2)}  # on a shared machine: CMAKE_BUILD_PARALLEL_LEVEL=1
cmake --build "$build_dir" -j "$jobs" "$@"
