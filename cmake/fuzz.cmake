# libFuzzer targets, built with clang (the project's compiler is g++) from the
# same sources as the libraries, and run for a bounded time as ctest tests.
#
#   genesis_fuzz(NAME FUZZER file.cc SOURCES a.cc b.cc ... [LIBS -lre2 ...] [SECONDS 20])
find_program(GENESIS_CLANGXX NAMES clang++ clang++-14)

function(genesis_fuzz name)
  cmake_parse_arguments(F "" "FUZZER;SECONDS" "SOURCES;LIBS" ${ARGN})
  if(NOT GENESIS_CLANGXX)
    message(STATUS "fuzz: clang++ not found, ${name} is not built")
    return()
  endif()
  if(NOT F_SECONDS)
    set(F_SECONDS 20)
  endif()
  set(out ${CMAKE_CURRENT_BINARY_DIR}/${name})
  set(srcs ${F_FUZZER} ${F_SOURCES})
  list(TRANSFORM srcs PREPEND ${PROJECT_SOURCE_DIR}/)
  add_custom_command(
    OUTPUT ${out}
    COMMAND ${GENESIS_CLANGXX} -std=c++20 -O1 -g -fsanitize=fuzzer,address,undefined
            -fno-sanitize-recover=undefined -I${PROJECT_SOURCE_DIR}/src ${srcs} ${F_LIBS} -o ${out}
    DEPENDS ${srcs}
    COMMENT "Building fuzz target ${name} with clang"
    VERBATIM)
  add_custom_target(${name}_build ALL DEPENDS ${out})
  set(corpus ${CMAKE_CURRENT_BINARY_DIR}/${name}_corpus)
  add_test(NAME ${name}
           COMMAND ${CMAKE_COMMAND} -E env ASAN_OPTIONS=detect_leaks=1
                   sh -c "mkdir -p ${corpus} && exec ${out} -max_total_time=${F_SECONDS} -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 ${corpus} ${PROJECT_SOURCE_DIR}/tests/fuzz/seeds/${name}")
  set_tests_properties(${name} PROPERTIES TIMEOUT ${F_SECONDS}0 LABELS fuzz)
endfunction()
