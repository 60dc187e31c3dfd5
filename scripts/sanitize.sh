#!/usr/bin/env bash
# Builds mlchain with sanitizers and runs the tests under them.
#   bash scripts/sanitize.sh asan [ctest args]  # ASan+UBSan into build-asan: unit, cli, sim, then e2e (-j1)
#   bash scripts/sanitize.sh tsan [ctest args]  # TSan into build-tsan: the common, net, node, relay and edge unit tests
# Extra arguments go to every ctest call (e.g. -R Flood). Env:
# MLCHAIN_SANITIZE_E2E=0 skips the e2e pass of asan; BUILD_DIR (default build-asan / build-tsan),
# BUILD_TYPE (default RelWithDebInfo), CMAKE_BUILD_PARALLEL_LEVEL and
# CTEST_PARALLEL_LEVEL (default: nproc), MLCHAIN_TSAN_E2E=1 to add the
# one-layer e2e tests to the tsan run (slow; see docs/reliability.md).
#
# Every ASan, LSan and TSan report goes to a file under
# $BUILD_DIR/sanitizer-reports (log_path), so a finding in a daemon an e2e
# script started in the background, whose exit status no test looks at,
# still counts. UBSan is built fatal (-fno-sanitize-recover=all); its
# reports are taken from the test output (see below). The script prints a
# summary and exits nonzero if any test failed or any report was found.
set -euo pipefail
cd "$(dirname "$0")/.."
mode=${1:-}
case $mode in
  asan) sanitize=address,undefined ;;
  tsan) sanitize=thread ;;
  *) echo "usage: $0 asan|tsan [ctest args]" >&2; exit 2 ;;
esac
shift
export BUILD_DIR=${BUILD_DIR:-build-$mode}
jobs=${CTEST_PARALLEL_LEVEL:-$(nproc 2>/dev/null || echo 2)}
reports="$PWD/$BUILD_DIR/sanitizer-reports"
start=$(date +%s)

if [[ $mode == asan ]]; then
  MLCHAIN_SANITIZE=$sanitize bash scripts/build.sh
else
  # Only what the tsan run needs: TSan builds are slow and the other test
  # executables are single-threaded code (consensus, ledger, sim, codec).
  # common: BackgroundThreads; edge: the contract sender's watched calls.
  targets=(test_common test_net test_node test_relay test_edge)
  [[ ${MLCHAIN_TSAN_E2E:-0} == 1 ]] && targets+=(mlchain)
  MLCHAIN_SANITIZE=$sanitize bash scripts/build.sh --target "${targets[@]}"
fi
built=$(date +%s)

rm -rf "$reports"; mkdir -p "$reports"
supp="$PWD/scripts/sanitizers"
# halt_on_error: the first finding ends the process with a nonzero status.
export ASAN_OPTIONS="detect_leaks=1:halt_on_error=1:abort_on_error=0:detect_stack_use_after_return=1:check_initialization_order=1:strict_init_order=1:log_path=$reports/asan"
export LSAN_OPTIONS="suppressions=$supp/lsan.supp:print_suppressions=0"
export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1:log_path=$reports/ubsan"
export TSAN_OPTIONS="halt_on_error=0:second_deadlock_stack=1:history_size=4:suppressions=$supp/tsan.supp:log_path=$reports/tsan"

summary=()
failed=0
run() {  # run NAME CTEST-ARGS...: one ctest pass, its line in the summary
  local name=$1; shift
  local t0 rc=0 log="$PWD/$BUILD_DIR/sanitize-$name.log"
  t0=$(date +%s)
  ctest --test-dir "$BUILD_DIR" --output-on-failure --timeout 900 "$@" 2>&1 | tee "$log" || rc=$?
  local line
  line=$(grep -E 'tests passed, [0-9]+ tests failed out of' "$log" | tail -1 || true)
  [[ -z $line ]] && { line="no tests ran"; rc=1; }
  grep -q 'No tests were found' "$log" && { line="no tests matched"; rc=1; }
  summary+=("$name: $line ($(( $(date +%s) - t0 )) s)")
  (( rc == 0 )) || failed=1
}

if [[ $mode == asan ]]; then
  run unit-cli-sim -L 'unit|cli|sim' -j "$jobs" "$@"
  [[ ${MLCHAIN_SANITIZE_E2E:-1} == 1 ]] && run e2e -L e2e -j 1 "$@"
else
  # The executables built above; gtest_discover_tests registers a failing
  # <target>_NOT_BUILT test for each of the others.
  run common-net-node-relay-edge -L unit -E '_NOT_BUILT$' -j "$jobs" "$@"
  if [[ ${MLCHAIN_TSAN_E2E:-0} == 1 ]]; then
    run e2e -R '^e2e_(layer|membership|grow|review|tree|edge)$' -j 1 "$@"
  fi
fi

# UBSan inside an ASan build writes to stderr, not to log_path (GCC 12's
# runtime): its reports are found in the test output instead (a daemon's
# stderr is its node log, whose tail the e2e scripts print on failure).
for log in "$PWD/$BUILD_DIR"/sanitize-*.log; do
  if grep -q 'runtime error:' "$log"; then
    grep -B2 -A8 'runtime error:' "$log" >"$reports/ubsan-from-$(basename "$log")"
  fi
done
mapfile -t found < <(find "$reports" -type f | sort)
echo
echo "== sanitize $mode ($sanitize, $BUILD_DIR): build $((built - start)) s, tests $(( $(date +%s) - built )) s"
for s in "${summary[@]}"; do echo "  $s"; done
if (( ${#found[@]} > 0 )); then
  failed=1
  echo "  ${#found[@]} sanitizer report(s) in $reports:"
  for f in "${found[@]}"; do
    echo "  -- $f"
    grep -m3 -E 'ERROR|WARNING|runtime error|SUMMARY' "$f" | sed 's/^/     /' || true
  done
else
  echo "  no sanitizer reports"
fi
exit "$failed"
