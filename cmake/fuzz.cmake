# libFuzzer targets (tests/fuzz), built with clang and ASan+UBSan.
#
# The targets need the whole core library compiled with the same sanitizers, so they live in
# a build directory of their own:
#   CC=clang CXX=clang++ cmake -S . -B build-libfuzzer -DCXTABLES_FUZZ=ON
#   cmake --build build-libfuzzer --target fuzz_argv fuzz_restore fuzz_decode fuzz_netlink
# tests/fuzz/run.sh SECONDS does all of it (configure, build, seeds, regressions, run).
# The ordinary build registers that script as the CTest entry `fuzz_smoke` (label fuzz).
option(CXTABLES_FUZZ "Build the libFuzzer targets in tests/fuzz (clang, ASan+UBSan)" OFF)
set(CX_FUZZ_TARGETS fuzz_argv fuzz_restore fuzz_decode fuzz_netlink)

if(CXTABLES_FUZZ)
  if(NOT CMAKE_CXX_COMPILER_ID MATCHES "Clang")
    message(FATAL_ERROR "CXTABLES_FUZZ=ON needs clang: configure with CC=clang CXX=clang++")
  endif()
  set(CX_FUZZ_SANITIZERS -fsanitize=address,undefined -fno-sanitize-recover=undefined
    -fno-omit-frame-pointer)
  # Coverage feedback for the library, sanitizers for everything that links it.
  target_compile_options(cxcore PUBLIC ${CX_FUZZ_SANITIZERS} -fsanitize=fuzzer-no-link)
  target_link_options(cxcore PUBLIC -fsanitize=address,undefined)
  foreach(target ${CX_FUZZ_TARGETS})
    add_executable(${target} ${CMAKE_SOURCE_DIR}/tests/fuzz/${target}.cpp)
    target_link_libraries(${target} PRIVATE cxcore)
    target_compile_options(${target} PRIVATE -fsanitize=fuzzer)
    target_link_options(${target} PRIVATE -fsanitize=fuzzer)
    set_target_properties(${target} PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/fuzz)
  endforeach()
else()
  find_program(CX_CLANGXX clang++)
  if(CX_CLANGXX)
    # A short run of every target (CX_FUZZ_SECONDS each, default 30) in a clang build under
    # this build directory, after replaying tests/fuzz/regressions.
    if(NOT DEFINED CX_FUZZ_SECONDS)
      set(CX_FUZZ_SECONDS 30)
    endif()
    add_test(NAME fuzz_smoke COMMAND bash ${CMAKE_SOURCE_DIR}/tests/fuzz/run.sh ${CX_FUZZ_SECONDS}
      fuzz_argv fuzz_restore fuzz_decode fuzz_netlink)
    set_tests_properties(fuzz_smoke PROPERTIES
      ENVIRONMENT "CX_FUZZ_BUILD=${CMAKE_BINARY_DIR}/fuzz-clang"
      RUN_SERIAL TRUE TIMEOUT 1800 LABELS fuzz)
  endif()
endif()
