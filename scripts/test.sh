#!/usr/bin/env bash
# The test command: installs what is missing, builds, runs every test.
#   bash scripts/test.sh            # all tests
#   bash scripts/test.sh -L unit    # extra arguments go to ctest
set -euo pipefail
cd "$(dirname "$0")/.."
start=$(date +%s)
bash scripts/deps.sh
bash scripts/build.sh
built=$(date +%s)
echo "test: build took $((built - start)) s" >&2
ctest --test-dir "${BUILD_DIR:-build}" --output-on-failure -j "$(nproc 2>/dev/null || echo 2)" --timeout 600 "$@"
echo "test: tests took $(( $(date +%s) - built )) s" >&2
