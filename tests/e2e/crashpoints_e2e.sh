#!/usr/bin/env bash
# End-to-end: a CI-sized sample of crash points (issue 15 item 3): 10 points,
# a member killed at its 1st..60th fdatasync and the edge node at the 1st..3rd
# of a request thread, each restarted and checked (store opens, catches up,
# nothing acknowledged lost) by bench/crashpoints.sh. Skipped (77) without
# strace. Usage: crashpoints_e2e.sh /path/to/mlchain
set -euo pipefail
MLCHAIN=${1:?usage: crashpoints_e2e.sh /path/to/mlchain}
command -v strace >/dev/null || { echo "[crashpoints-e2e] SKIP: strace is not installed" >&2; exit 77; }
MLCHAIN=$MLCHAIN exec bash "$(dirname "$0")/../../bench/crashpoints.sh" "${CRASHPOINTS:-10}" 60 3
