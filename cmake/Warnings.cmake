set(MLCHAIN_WARNINGS
  -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor -Wold-style-cast
  -Wcast-align -Woverloaded-virtual -Wconversion -Wsign-conversion
  -Wdouble-promotion -Wformat=2 -Wimplicit-fallthrough)
if(MLCHAIN_WERROR)
  list(APPEND MLCHAIN_WARNINGS -Werror)
endif()

# MLCHAIN_SANITIZE is a comma-separated list of address, undefined and thread
# ("address,undefined" is the usual pair; thread excludes address). UBSan is
# fatal (-fno-sanitize-recover=all) so a finding fails the test that hit it.
# MLCHAIN_SANITIZE_ADDRESS/_UNDEFINED/_THREAD tell other lists which are on.
set(MLCHAIN_SANITIZE_ADDRESS OFF)
set(MLCHAIN_SANITIZE_UNDEFINED OFF)
set(MLCHAIN_SANITIZE_THREAD OFF)
string(REPLACE "," ";" mlchain_sanitizers "${MLCHAIN_SANITIZE}")
foreach(s IN LISTS mlchain_sanitizers)
  if(s STREQUAL "address")
    set(MLCHAIN_SANITIZE_ADDRESS ON)
  elseif(s STREQUAL "undefined")
    set(MLCHAIN_SANITIZE_UNDEFINED ON)
  elseif(s STREQUAL "thread")
    set(MLCHAIN_SANITIZE_THREAD ON)
  else()
    message(FATAL_ERROR "MLCHAIN_SANITIZE='${MLCHAIN_SANITIZE}': each item must be address, undefined or thread")
  endif()
endforeach()
if(MLCHAIN_SANITIZE_THREAD AND MLCHAIN_SANITIZE_ADDRESS)
  message(FATAL_ERROR "MLCHAIN_SANITIZE: thread and address cannot be combined; build them separately")
endif()
if(mlchain_sanitizers)
  string(REPLACE ";" "," mlchain_sanitize_flag "${mlchain_sanitizers}")
  add_compile_options(-fsanitize=${mlchain_sanitize_flag} -fno-omit-frame-pointer)
  add_link_options(-fsanitize=${mlchain_sanitize_flag})
endif()
if(MLCHAIN_SANITIZE_UNDEFINED)
  add_compile_options(-fno-sanitize-recover=all)
endif()

# mlchain_module(NAME DEPS ...): a static library from core/NAME/*.cpp with the
# public headers under core/include/mlchain/NAME/.
function(mlchain_module name)
  cmake_parse_arguments(ARG "" "" "DEPS" ${ARGN})
  file(GLOB srcs CONFIGURE_DEPENDS "${CMAKE_CURRENT_SOURCE_DIR}/${name}/*.cpp")
  add_library(mlchain_${name} STATIC ${srcs})
  add_library(mlchain::${name} ALIAS mlchain_${name})
  target_include_directories(mlchain_${name} PUBLIC "${CMAKE_CURRENT_SOURCE_DIR}/include")
  target_compile_options(mlchain_${name} PRIVATE ${MLCHAIN_WARNINGS})
  target_link_libraries(mlchain_${name} PUBLIC ${ARG_DEPS})
endfunction()

# mlchain_test(NAME DEPS ...): one GoogleTest executable from tests/unit/NAME/*.cpp.
function(mlchain_test name)
  cmake_parse_arguments(ARG "" "" "DEPS;SOURCES" ${ARGN})
  file(GLOB srcs CONFIGURE_DEPENDS "${CMAKE_CURRENT_SOURCE_DIR}/unit/${name}/*.cpp")
  add_executable(test_${name} ${srcs} ${ARG_SOURCES})
  target_compile_options(test_${name} PRIVATE ${MLCHAIN_WARNINGS} -Wno-sign-conversion -Wno-conversion)
  target_include_directories(test_${name} PRIVATE "${CMAKE_CURRENT_SOURCE_DIR}")
  target_link_libraries(test_${name} PRIVATE ${ARG_DEPS} GTest::gtest GTest::gtest_main)
  gtest_discover_tests(test_${name} DISCOVERY_TIMEOUT 60 PROPERTIES LABELS unit)
endfunction()
