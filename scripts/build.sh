#!/usr/bin/env bash
# Configures and builds mlchain into build/ (Ninja; ccache when present).
# Env: BUILD_DIR (default build), BUILD_TYPE (default RelWithDebInfo),
#      MLCHAIN_WERROR (default ON), MLCHAIN_SANITIZE (address|undefined|thread).
set -euo pipefail
cd "$(dirname "$0")/.."
build_dir=${BUILD_DIR:-build}
cmake -S . -B "$build_dir" -G Ninja \
  -DCMAKE_BUILD_TYPE="${BUILD_TYPE:-RelWithDebInfo}" \
  -DMLCHAIN_WERROR="${MLCHAIN_WERROR:-ON}" \
  -DMLCHAIN_SANITIZE="${MLCHAIN_SANITIZE:-}" >/dev/null
jobs=$(nproc 2>/dev/null || echo 2)
cmake --build "$build_dir" -j "$jobs"
