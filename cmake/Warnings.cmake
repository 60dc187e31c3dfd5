set(MLCHAIN_WARNINGS
  -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor -Wold-style-cast
  -Wcast-align -Woverloaded-virtual -Wconversion -Wsign-conversion
  -Wdouble-promotion -Wformat=2 -Wimplicit-fallthrough)
if(MLCHAIN_WERROR)
  list(APPEND MLCHAIN_WARNINGS -Werror)
endif()

if(MLCHAIN_SANITIZE STREQUAL "address")
  add_compile_options(-fsanitize=address -fno-omit-frame-pointer)
  add_link_options(-fsanitize=address)
elseif(MLCHAIN_SANITIZE STREQUAL "undefined")
  add_compile_options(-fsanitize=undefined -fno-sanitize-recover=all)
  add_link_options(-fsanitize=undefined)
elseif(MLCHAIN_SANITIZE STREQUAL "thread")
  add_compile_options(-fsanitize=thread)
  add_link_options(-fsanitize=thread)
elseif(NOT MLCHAIN_SANITIZE STREQUAL "")
  message(FATAL_ERROR "MLCHAIN_SANITIZE must be address, undefined, thread or empty")
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
