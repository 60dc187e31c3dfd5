#!/usr/bin/env bash
# Runs the libFuzzer targets of fuzz/ for real (fuzz/README.md).
#   bash scripts/fuzz.sh [--save] [MINUTES] [TARGET...]
# MINUTES per target (default 5); TARGETs default to every fuzz/<name>.cpp.
# Configures and builds build-fuzz/ with clang (-DMLCHAIN_FUZZ=ON: libFuzzer
# + ASan + UBSan), then runs the targets one after another, each on a copy of
# its seeds in fuzz/corpus/<name>/ plus a scratch corpus under
# build-fuzz/work/<name>/ that keeps what it finds (the tree is not touched).
# --save merges the scratch corpus into fuzz/corpus/<name>/ afterwards,
# minimised (libFuzzer -merge=1: only inputs that add coverage).
# Prints per target: execs, exec/s, coverage before and after, new inputs,
# crashes. Exits 1 if any target crashed (reproducers: the paths printed;
# replay one with build-fuzz/fuzz/fuzz_<name> FILE), 2 on a usage error.
# Env: FUZZ_BUILD_DIR (default build-fuzz), JOBS (build parallelism, default
# nproc), FUZZ_ARGS (extra libFuzzer flags), FUZZ_NO_BUILD=1 (run the
# binaries already in FUZZ_BUILD_DIR, e.g. while another build of it runs).
set -euo pipefail
cd "$(dirname "$0")/.."

save=0
if [[ "${1:-}" == "--save" ]]; then save=1; shift; fi
minutes=${1:-5}
[[ $# -gt 0 ]] && shift
if ! [[ "$minutes" =~ ^[0-9]+$ ]] || [[ "$minutes" -eq 0 ]]; then
  echo "usage: bash scripts/fuzz.sh [--save] [MINUTES>=1] [TARGET...]" >&2
  exit 2
fi
targets=("$@")
if [[ ${#targets[@]} -eq 0 ]]; then
  for f in fuzz/*.cpp; do
    n=$(basename "$f" .cpp)
    [[ "$n" == replay_main || "$n" == make_seeds ]] && continue
    targets+=("$n")
  done
fi
for t in "${targets[@]}"; do
  [[ -f "fuzz/$t.cpp" && -d "fuzz/corpus/$t" ]] || { echo "fuzz: no target '$t' (fuzz/$t.cpp, fuzz/corpus/$t/)" >&2; exit 2; }
done

# Inputs longer than a target's seeds need add little; a proof is large.
max_len_of() {
  case "$1" in
    block_proof) echo 131072 ;;
    contract_packet|contract_certificate|consensus_message|ws_frames) echo 16384 ;;
    *) echo 4096 ;;
  esac
}

build_dir=${FUZZ_BUILD_DIR:-build-fuzz}
if [[ "${FUZZ_NO_BUILD:-0}" != 1 ]]; then
  command -v clang++ >/dev/null || { echo "fuzz: clang++ not found (apt-get install clang libfuzzer-14-dev)" >&2; exit 2; }
  export CCACHE_BASEDIR=${CCACHE_BASEDIR:-$PWD} CCACHE_NOHASHDIR=${CCACHE_NOHASHDIR:-1}
  CC=clang CXX=clang++ cmake -S . -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DMLCHAIN_FUZZ=ON -DMLCHAIN_TESTS=OFF -DMLCHAIN_WERROR=OFF >/dev/null
  build_targets=()
  for t in "${targets[@]}"; do build_targets+=("fuzz_$t"); done
  cmake --build "$build_dir" -j "${JOBS:-$(nproc 2>/dev/null || echo 2)}" --target "${build_targets[@]}"
fi
for t in "${targets[@]}"; do
  [[ -x "$build_dir/fuzz/fuzz_$t" ]] || { echo "fuzz: $build_dir/fuzz/fuzz_$t is not built" >&2; exit 2; }
done

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
crashed=0
summary=()
for t in "${targets[@]}"; do
  work="$build_dir/work/$t"
  mkdir -p "$work/corpus" "$work/artifacts"
  log="$work/log.txt"
  echo "fuzz: $t for $minutes min (log $log)" >&2
  set +e
  # shellcheck disable=SC2086  # FUZZ_ARGS is a list of flags
  "$build_dir/fuzz/fuzz_$t" -max_total_time=$((minutes * 60)) -max_len="$(max_len_of "$t")" -timeout=10 \
    -rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix="$work/artifacts/" ${FUZZ_ARGS:-} \
    "$work/corpus" "fuzz/corpus/$t" >"$log" 2>&1
  rc=$?
  set -e
  stat() { grep -m1 "^stat::$1:" "$log" | awk '{print $2}'; }
  execs=$(stat number_of_executed_units)
  rate=$(stat average_exec_per_sec)
  new_units=$(stat new_units_added)
  cov_start=$(grep -m1 -E "INITED|INIT " "$log" | grep -o 'cov: [0-9]*' | awk '{print $2}')
  cov_end=$(grep -E '^#[0-9]+' "$log" | grep -o 'cov: [0-9]*' | tail -1 | awk '{print $2}')
  # What libFuzzer saved of this run (crash-, leak-, timeout-, oom-...).
  mapfile -t found < <(grep -o "Test unit written to [^ ]*" "$log" | awk '{print $5}')
  line="$t: execs ${execs:-?}, ${rate:-?} exec/s, cov ${cov_start:-?} -> ${cov_end:-?}, new inputs ${new_units:-0}"
  if [[ $rc -ne 0 || ${#found[@]} -gt 0 ]]; then
    crashed=1
    line+=", FINDING (exit $rc): ${found[*]:-see $log}"
    grep -m1 -E "ERROR: (AddressSanitizer|LeakSanitizer|libFuzzer)|runtime error:|fuzz property failed" "$log" >&2 || true
  else
    line+=", no crash"
  fi
  echo "$line"
  summary+=("$line")
  if [[ $save -eq 1 ]]; then
    "$build_dir/fuzz/fuzz_$t" -merge=1 -max_len="$(max_len_of "$t")" "fuzz/corpus/$t" "$work/corpus" \
      >"$work/merge.txt" 2>&1 || echo "fuzz: merging $t failed (see $work/merge.txt)" >&2
  fi
done
echo "---- fuzz summary ($minutes min per target) ----"
printf '%s\n' "${summary[@]}"
exit $crashed
