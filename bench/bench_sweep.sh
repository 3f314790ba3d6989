#!/bin/sh
# Sweep throughput (DESIGN.md, "Performance targets": sweeps use every
# core): one experiment of 200 short runs (pft, size=8M: about 10 ms each), swept
# with --jobs 1 and then with --jobs 2 into fresh databases; prints the
# wall time of each and the speedup (expect close to 2 on 2 free cores).
# The two databases must hold the same results, which is checked too.
#
# usage: bench/bench_sweep.sh [MMLOCKSIM]   (default build/mmlocksim)
set -eu

B=${1:-${BUILDDIR:-build}/mmlocksim}
JOBS2=${JOBS2:-2}
TMP=$(mktemp -d "${TMPDIR:-/tmp}/mmlocksim-bench-sweep.XXXXXX")
trap 'rm -rf "$TMP"' EXIT INT TERM

# 5 schemes x 4 CPU counts x 10 seeds = 200 runs.
cat > "$TMP/exp.ini" <<INI
[experiment]
name = bench-200
sources = pft
schemes = global-rwsem, spf-srcu, rcu-fault, pervma-refcount
cpus = 1, 2, 4, 8
seeds = 10
[source pft]
size = 8M
[scheme pervma-refcount]
variant = refcnt, rwsem
INI

now() {
	date +%s.%N
}

t0=$(now)
"$B" sweep "$TMP/exp.ini" --db "$TMP/j1.db" --jobs 1 > "$TMP/j1.out"
t1=$(now)
"$B" sweep "$TMP/exp.ini" --db "$TMP/j2.db" --jobs "$JOBS2" > "$TMP/j2.out"
t2=$(now)
runs=$(sed -n 's/^sweep: \([0-9]*\) runs:.*/\1/p' "$TMP/j1.out")

# Same results but for wall time and start time.
cols="scheme, source, machine, cpus, threads, seed, args, status, sim_ns, events"
diff=$(sqlite3 "$TMP/j1.db" "ATTACH '$TMP/j2.db' AS b; SELECT count(*) FROM (SELECT $cols FROM main.run EXCEPT SELECT $cols FROM b.run);")

awk -v a="$t0" -v b="$t1" -v c="$t2" -v n="$runs" -v j="$JOBS2" -v d="$diff" 'BEGIN {
	printf "sweep of %d runs: --jobs 1 %.2f s (%.1f runs/s), --jobs %d %.2f s (%.1f runs/s): speedup %.2fx\n",
	       n, b - a, n / (b - a), j, c - b, n / (c - b), (b - a) / (c - b)
	printf "results identical across --jobs: %s\n", d == 0 ? "yes" : "NO (" d " runs differ)"
	exit d != 0
}'
