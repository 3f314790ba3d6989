#!/bin/sh
# Sweep throughput (DESIGN.md, "Performance targets": sweeps use every
# core): an experiment of 200 short runs (pft, size=8M: about 10 ms each)
# and one of 20 longer runs (size=128M: 0.1 s and more each), each swept
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

# sweep_pair SIZE SEEDS: the experiment at pft size=SIZE, --jobs 1 then 2.
sweep_pair() {
	cat > "$TMP/exp.ini" <<INI
[experiment]
name = bench-$1
sources = pft
schemes = global-rwsem, spf-srcu, rcu-fault, pervma-refcount
cpus = 1, 2, 4, 8
seeds = $2
[source pft]
size = $1
[scheme pervma-refcount]
variant = refcnt, rwsem
INI
	rm -f "$TMP"/j1.db* "$TMP"/j2.db*
	t0=$(now)
	"$B" sweep "$TMP/exp.ini" --db "$TMP/j1.db" --jobs 1 > "$TMP/j1.out"
	t1=$(now)
	"$B" sweep "$TMP/exp.ini" --db "$TMP/j2.db" --jobs "$JOBS2" > "$TMP/j2.out"
	t2=$(now)
	runs=$(sed -n 's/^sweep: \([0-9]*\) runs:.*/\1/p' "$TMP/j1.out")

	# Same results but for wall time and start time.
	cols="scheme, source, machine, cpus, threads, seed, args, status, sim_ns, events"
	diff=$(sqlite3 "$TMP/j1.db" "ATTACH '$TMP/j2.db' AS b; SELECT count(*) FROM (SELECT $cols FROM main.run EXCEPT SELECT $cols FROM b.run);")

	awk -v a="$t0" -v b="$t1" -v c="$t2" -v n="$runs" -v j="$JOBS2" -v d="$diff" -v sz="$1" 'BEGIN {
		printf "sweep of %d runs (pft size=%s, %.0f ms a run): --jobs 1 %.2f s, --jobs %d %.2f s: speedup %.2fx\n",
		       n, sz, (b - a) * 1000 / n, b - a, j, c - b, (b - a) / (c - b)
		printf "results identical across --jobs: %s\n", d == 0 ? "yes" : "NO (" d " runs differ)"
		exit d != 0
	}'
}

now() {
	date +%s.%N
}

# 5 schemes x 4 CPU counts x SEEDS: 200 runs of ~10 ms, 20 of 0.1 s and more.
sweep_pair 8M 10
sweep_pair 128M 1
