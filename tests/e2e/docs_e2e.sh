#!/usr/bin/env bash
# End-to-end: the docs run. Every ```sh block of README.md and docs/*.md runs,
# one bash session per document (blocks in order, set -e in each, so a later
# block sees the files, variables and daemons of the earlier ones), in a fresh
# directory that looks like the repository root, with the built mlchain first
# on PATH. Only ports and /tmp/ paths are moved (tests/e2e/docs_blocks.py says
# how); a block that cannot run in a test is skipped by a marker in the doc
# source, `<!-- docs-test: skip (reason) -->`, and listed here with its reason.
# A failing block fails the test, naming the document, the block, its first
# line and its output. Each block is bounded in time; every process a session
# started (its own process group, the devnets it brought up, its pid files)
# is killed by pid when the document is done, and a watchdog in its own
# session does it even if this script is SIGKILLed (ctest timeout).
# Usage: docs_e2e.sh /path/to/mlchain
set -euo pipefail

MLCHAIN=$(realpath "${1:?usage: docs_e2e.sh /path/to/mlchain}")
HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
BLOCK_TIMEOUT=${MLCHAIN_DOCS_BLOCK_TIMEOUT:-90}  # seconds per block
LIMIT=${MLCHAIN_E2E_LIMIT:-220}                   # the watchdog's (ctest TIMEOUT is 240)
WORK=$(mktemp -d "${TMPDIR:-/tmp}/mlchain-docs.XXXXXX")
WATCHDOG=
SESSION=    # the pid (= process group) of the running document's session

say() { echo "[docs $(date +%T)] $*" >&2; }

# Ours: alive, not a zombie, and started from or for WORK (cwd or command line).
ours_alive() {
  local st; st=$(ps -o stat= -p "$1" 2>/dev/null) || return 1
  [[ $st != Z* ]] || return 1
  [[ $(readlink "/proc/$1/cwd" 2>/dev/null) == "$WORK"* ]] ||
    tr '\0' ' ' <"/proc/$1/cmdline" 2>/dev/null | grep -qF "$WORK/"
}

# Stops what the session of document directory $1 started: each devnet by
# `devnet down`, then (SIGKILL, by pid) what a devnet state file or a pid file
# records and is still ours, then the session's process group.
stop_doc() {
  local d=$1 f p
  while IFS= read -r f; do
    timeout 30 "$MLCHAIN" -q devnet down --dir "$(dirname "$f")" >/dev/null 2>&1 || true
    for p in $(jq -r '.nodes[].pid' "$f" 2>/dev/null); do ours_alive "$p" && kill -9 "$p" 2>/dev/null || true; done
  done < <(find "$d" -name devnet.json 2>/dev/null)
  while IFS= read -r f; do
    p=$(head -c 20 "$f" | tr -dc 0-9)
    [[ -n $p ]] && ours_alive "$p" && kill -9 "$p" 2>/dev/null || true
  done < <(find "$d" -name '*.pid' 2>/dev/null)
  if [[ -n $SESSION ]]; then kill -9 -- "-$SESSION" 2>/dev/null || true; wait "$SESSION" 2>/dev/null || true; fi
  SESSION=
}

cleanup() {
  local rc=$? d
  for d in "$WORK"/*/; do [[ -d $d ]] && stop_doc "$d"; done
  [[ -n $WATCHDOG ]] && { kill -- "-$WATCHDOG" 2>/dev/null || kill "$WATCHDOG" 2>/dev/null || true; }
  [[ -n ${MLCHAIN_DOCS_KEEP:-} ]] || rm -rf "$WORK"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# If this script is SIGKILLed the trap cannot run: after LIMIT s the watchdog
# kills the running session's process group and every devnet node of WORK.
setsid bash -c "sleep $LIMIT
  for g in \$(cat '$WORK/pgids' 2>/dev/null); do kill -9 -- -\$g; done
  for f in \$(find '$WORK' -name devnet.json); do for p in \$(jq -r '.nodes[].pid' \$f); do
    tr '\\0' ' ' </proc/\$p/cmdline 2>/dev/null | grep -qF '$WORK/' && kill -9 \$p; done; done
  rm -rf '$WORK'" >/dev/null 2>&1 &
WATCHDOG=$!

cd "$REPO"
docs=(README.md)
for f in docs/*.md; do grep -q '^[[:space:]]*```sh[[:space:]]*$' "$f" && docs+=("$f"); done
# MLCHAIN_DOCS="docs/devnet.md README.md" runs only those (to work on one doc).
[[ -n ${MLCHAIN_DOCS:-} ]] && read -ra docs <<<"$MLCHAIN_DOCS"
portmap=$(python3 "$HERE/docs_blocks.py" "$REPO" "$WORK" "${docs[@]}") || { say "FAIL: docs_blocks.py could not prepare the sessions"; exit 1; }
say "work dir $WORK; ports: $portmap"

# The skipped blocks and lines, with their reasons, before anything runs.
for d in "$WORK"/*/; do
  doc=$(cat "$d/doc")
  while IFS=$'\t' read -r n line status first reason; do
    case $status in
      skip) say "skip $doc:$line block $n ($first): $reason" ;;
      skip-line) say "skip $doc:$line a line of block $n ($first): $reason" ;;
    esac
  done <"$d/blocks.tsv"
done

# run_doc DIR: the session of one document, each block bounded in time.
run_doc() {
  local d=$1 doc cur="" since=$SECONDS rc=0 n line status first reason
  doc=$(cat "$d/doc")
  mkdir -p "$d/work/build/cli"
  ln -s "$MLCHAIN" "$d/work/build/cli/mlchain"
  for x in man completions; do ln -s "$REPO/$x" "$d/work/$x"; done
  local t0=$SECONDS
  setsid bash "$d/session.sh" </dev/null >"$d/state/session.out" 2>&1 &
  SESSION=$!
  echo "$SESSION" >"$WORK/pgids"   # the earlier ones are stopped already
  while kill -0 "$SESSION" 2>/dev/null && [[ $(cat "$d/state/current" 2>/dev/null) != "done" ]]; do
    local now; now=$(cat "$d/state/current" 2>/dev/null || true)
    [[ $now != "$cur" ]] && { cur=$now; since=$SECONDS; }
    if (( SECONDS - since > BLOCK_TIMEOUT )); then
      say "FAIL: $doc block $cur: timed out after ${BLOCK_TIMEOUT}s"; rc=124; break
    fi
    sleep 0.2
  done
  if [[ $rc == 0 ]]; then
    wait "$SESSION" || rc=$?
    [[ $(cat "$d/state/current" 2>/dev/null) == "done" ]] || { [[ $rc != 0 ]] || rc=1; }
  fi
  cur=$(cat "$d/state/current" 2>/dev/null || true)
  if [[ $rc != 0 ]]; then
    while IFS=$'\t' read -r n line status first reason; do
      [[ $n == "$cur" && $status != skip* ]] && break
    done <"$d/blocks.tsv"
    say "FAIL: $doc, block $cur (line $line): $first"
    local at; at=$(grep '^docs-test: exit' "$d/state/b$cur.out" 2>/dev/null | tail -n 1 || true)
    say "${at:-exit status $rc}; the block's output (last 60 lines):"
    tail -n 60 "$d/state/b$cur.out" >&2 2>/dev/null || true
    tail -n 20 "$d/state/session.out" >&2 2>/dev/null || true
    local f
    while IFS= read -r f; do echo "== $f" >&2; tail -n 10 "$f" >&2; done < <(find "$d/work" -name '*.log' | head -n 30)
    stop_doc "$d"
    return 1
  fi
  stop_doc "$d"
  say "ok $doc: $(grep -c $'\trun\t' "$d/blocks.tsv") blocks in $((SECONDS - t0)) s"
}

start=$SECONDS
failed=()
for d in "$WORK"/*/; do run_doc "$d" || failed+=("$(cat "$d/doc")"); done
say "took $((SECONDS - start)) s"
if (( ${#failed[@]} )); then say "FAIL: docs that no longer run: ${failed[*]}"; exit 1; fi
say "PASS: every runnable block of ${docs[*]}"
