#!/usr/bin/env bash
# Regenerates completions/ and man/ from the command tree. Run after changing
# any command; tests/cli fails while the committed files are stale.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/build.sh >/dev/null
"${BUILD_DIR:-build}/cli/mlchain-gendocs" .
git status --short completions man 2>/dev/null || true
