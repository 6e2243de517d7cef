#!/usr/bin/env bash
# run.sh SECONDS [TARGET...]: builds the libFuzzer targets (clang, ASan+UBSan, see
# cmake/fuzz.cmake), generates the seed corpora (make-seeds.sh), replays the inputs in
# regressions/TARGET/, then fuzzes each target for SECONDS and reports, per target, the CPU
# time, the number of executions and the crashes. Ends with "N passed, N failed"; exits
# non-zero when a regression input or the fuzzer crashed.
#
# Targets: fuzz_argv fuzz_restore fuzz_decode fuzz_netlink (default: all).
# Environment:
#   CX_FUZZ_BUILD   build directory (default: <repo>/build-libfuzzer); the corpus grown by
#                   earlier runs is kept in CX_FUZZ_BUILD/fuzz-corpus/TARGET
#   CX_FUZZ_JOBS    parallel compile jobs (default: number of CPUs)
#   CX_FUZZ_ARGS    extra libFuzzer flags, e.g. "-seed=1", or for long runs that should go on
#                   after a crash: "-fork=1 -ignore_crashes=1" (every crash is still saved)
#   CX_FUZZ_NO_BUILD=1  use the targets already built in CX_FUZZ_BUILD (for a second run.sh
#                   started alongside the first on other targets)
#   CX_GOLDEN_DIR, CX_PEER_EXT_DIR   seed sources (see make-seeds.sh)
# The fuzzers run in a network namespace of their own with nothing but a loopback that is
# down (unshare -n, or unshare -rn without root): the argv and restore grammars resolve host
# and service names, and fuzzer-made names must never become DNS queries. Where no namespace
# can be made, run.sh refuses to fuzz unless CX_FUZZ_ALLOW_NETWORK=1.
# Crashing inputs land in CX_FUZZ_BUILD/fuzz-artifacts/; copy each into regressions/TARGET/
# once the bug is fixed, so that every later run replays it.
set -u
secs=${1:?usage: run.sh SECONDS [TARGET...]}
shift
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(fuzz_argv fuzz_restore fuzz_decode fuzz_netlink)
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
build=${CX_FUZZ_BUILD:-$root/build-libfuzzer}
jobs=${CX_FUZZ_JOBS:-$(nproc)}
read -r -a extra <<<"${CX_FUZZ_ARGS:-}"
passed=0
failed=0
pass() { passed=$((passed + 1)); echo "PASS $*"; }
fail() { failed=$((failed + 1)); echo "FAIL $*"; }
finish() { echo; echo "$passed passed, $failed failed"; [ "$failed" -eq 0 ]; exit $?; }

echo "== build ($build)"
if [ "${CX_FUZZ_NO_BUILD:-0}" == 1 ]; then
    for t in "${targets[@]}"; do
        [ -x "$build/fuzz/$t" ] || { fail "CX_FUZZ_NO_BUILD=1 but $build/fuzz/$t is missing"; finish; }
    done
elif [ ! -f "$build/CMakeCache.txt" ]; then
    if ! CC=clang CXX=clang++ cmake -S "$root" -B "$build" -DCXTABLES_FUZZ=ON \
        -DCMAKE_BUILD_TYPE=RelWithDebInfo >"$build.configure.log" 2>&1; then
        cat "$build.configure.log"
        fail "configure the clang build"
        finish
    fi
    rm -f "$build.configure.log"
fi
if [ "${CX_FUZZ_NO_BUILD:-0}" != 1 ]; then
    if ! cmake --build "$build" -j"$jobs" --target "${targets[@]}" >"$build/fuzz-build.log" 2>&1; then
        tail -n 40 "$build/fuzz-build.log"
        fail "build ${targets[*]}"
        finish
    fi
    pass "build ${targets[*]}"
fi

isolate=()
if unshare -n true 2>/dev/null; then
    isolate=(unshare -n)
elif unshare -rn true 2>/dev/null; then
    isolate=(unshare -rn)
elif [ "${CX_FUZZ_ALLOW_NETWORK:-0}" != 1 ]; then
    fail "cannot make a network namespace (unshare -n); set CX_FUZZ_ALLOW_NETWORK=1 to fuzz anyway"
    finish
fi

echo "== seeds"
seeds=$build/fuzz-seeds.$$
trap 'rm -rf "$seeds"' EXIT
if ! "$here/make-seeds.sh" "$seeds"; then
    fail "make-seeds.sh"
    finish
fi

total_cpu=0
total_execs=0
total_crashes=0
for t in "${targets[@]}"; do
    bin=$build/fuzz/$t
    kind=${t#fuzz_}
    echo "== $t"
    # 1. Every input that once crashed must now run cleanly.
    reg=$here/regressions/$t
    if [ -d "$reg" ] && [ -n "$(ls -A "$reg")" ]; then
        n=$(find "$reg" -type f | wc -l)
        if "${isolate[@]}" "$bin" -runs=1 "$reg"/* >"$build/$t.regressions.log" 2>&1; then
            pass "$t: $n regression inputs run cleanly"
        else
            tail -n 30 "$build/$t.regressions.log"
            fail "$t: a regression input crashes (log: $build/$t.regressions.log)"
        fi
    fi
    # 2. Fuzz for $secs seconds from the seeds and the corpus of earlier runs.
    corpus=$build/fuzz-corpus/$t
    artifacts=$build/fuzz-artifacts
    mkdir -p "$corpus" "$artifacts"
    before=$(find "$artifacts" -name "$t-*" -type f | wc -l)
    opts=(-max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1
          -artifact_prefix="$artifacts/$t-")
    [ -f "$seeds/$kind.dict" ] && opts+=(-dict="$seeds/$kind.dict")
    dirs=("$corpus" "$seeds/$kind")
    [ -d "$reg" ] && dirs+=("$reg")
    log=$build/$t.log
    TIMEFORMAT='%R %U %S'
    { time "${isolate[@]}" "$bin" "${opts[@]}" "${extra[@]}" "${dirs[@]}" >"$log" 2>&1; } \
        2>"$build/$t.time"
    rc=$?
    read -r real user sys <"$build/$t.time"
    cpu=$(awk -v u="$user" -v s="$sys" 'BEGIN { printf "%.1f", u + s }')
    # -print_final_stats; in fork mode the last "#N:" progress line holds the total.
    execs=$(awk -F: '/stat::number_of_executed_units/ { n += $NF }
                     /^#[0-9]+:/ { f = substr($1, 2) } END { print (n ? n : f + 0) }' "$log")
    after=$(find "$artifacts" -name "$t-*" -type f | wc -l)
    crashes=$((after - before))
    size=$(find "$corpus" -type f | wc -l)
    total_cpu=$(awk -v a="$total_cpu" -v b="$cpu" 'BEGIN { printf "%.1f", a + b }')
    total_execs=$((total_execs + execs))
    total_crashes=$((total_crashes + crashes))
    line="$t: ${real}s wall, ${cpu}s CPU, $execs execs, corpus $size, $crashes crashes"
    if [ "$rc" -eq 0 ] && [ "$crashes" -eq 0 ]; then
        pass "$line"
    else
        grep -A 25 -m 1 'ERROR: \|runtime error\|==ERROR\|deadly signal' "$log" | head -n 40
        fail "$line (exit $rc; log: $log; inputs: $artifacts/$t-*)"
    fi
done
echo "== total: ${total_cpu}s CPU, $total_execs execs, $total_crashes crashes"
finish
