# -DMLCHAIN_FUZZ=ON (with CC=clang CXX=clang++, in a build dir of its own;
# scripts/fuzz.sh sets it up): every TU gets libFuzzer's coverage
# instrumentation plus ASan and UBSan, and fuzz/ builds real libFuzzer
# binaries fuzz_<name> (target fuzz_all). Without it, fuzz/ builds the plain
# replay drivers that ctest runs over the seed corpora.
option(MLCHAIN_FUZZ "Build libFuzzer targets (clang only; use a separate build dir)" OFF)
if(MLCHAIN_FUZZ)
  if(NOT CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
    message(FATAL_ERROR "MLCHAIN_FUZZ needs clang: CC=clang CXX=clang++ cmake -DMLCHAIN_FUZZ=ON ...")
  endif()
  if(NOT MLCHAIN_SANITIZE STREQUAL "")
    message(FATAL_ERROR "MLCHAIN_FUZZ brings its own sanitizers (address, undefined); leave MLCHAIN_SANITIZE empty")
  endif()
  add_compile_options(-fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=undefined
                      -fno-omit-frame-pointer)
  add_link_options(-fsanitize=address,undefined)
endif()
