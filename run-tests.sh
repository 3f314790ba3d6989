#!/bin/sh
# All tests, from a fresh Debian machine: install what is missing, build,
# run the suite optimized and again under ASan+UBSan.  The last line is the
# total: "N passed, N failed".
set -u
cd "$(dirname "$0")"
tools/install-deps || exit 1
ninja || exit 1
log=$(mktemp)
status=0
build/mmlocksim-test "$@" | tee "$log" || status=1
opt=$(tail -n 1 "$log")
tools/asan-build "$@" | tee "$log" || status=1
asan=$(tail -n 1 "$log")
rm -f "$log"
p1=${opt%% passed*}; f1=${opt#*passed, }; f1=${f1%% failed*}
p2=${asan%% passed*}; f2=${asan#*passed, }; f2=${f2%% failed*}
case "$p1$f1$p2$f2" in *[!0-9]*|"") echo "a test run did not finish"; echo "0 passed, 1 failed"; exit 1;; esac
tests/fuzz/ci || status=1
echo "optimized: $opt; asan+ubsan: $asan"
echo "$((p1 + p2)) passed, $((f1 + f2)) failed"
exit $status
