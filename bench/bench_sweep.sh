#!/bin/sh
# Sweep throughput (DESIGN.md, "Performance targets": sweeps use every
# core): an experiment of 200 short runs (pft, size=8M: about 10 ms each)
# and one of 20 longer runs (size=128M: 0.1 s and more each), each swept
# with --jobs 1 and then with --jobs 2 into fresh databases; prints the
# wall time of each and the speedup (expect close to 2 on 2 free cores).
# The two databases must hold the same results, which is checked too.
# Where a speedup falls short, the CPU time of the sweeps says where the
# time went: the same runs taking more CPU side by side (they share the
# host's caches and memory bandwidth, and the machine with its other
# tenants), or cores left idle (the sweep's own serial work, the last
# runs' tail).
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
	cpu c0
	t0=$(now)
	"$B" sweep "$TMP/exp.ini" --db "$TMP/j1.db" --jobs 1 > "$TMP/j1.out"
	t1=$(now)
	cpu c1
	"$B" sweep "$TMP/exp.ini" --db "$TMP/j2.db" --jobs "$JOBS2" > "$TMP/j2.out"
	t2=$(now)
	cpu c2
	runs=$(sed -n 's/^sweep: \([0-9]*\) runs:.*/\1/p' "$TMP/j1.out")

	# Same results but for wall time and start time.
	cols="scheme, source, machine, cpus, threads, seed, args, status, sim_ns, events"
	diff=$(sqlite3 "$TMP/j1.db" "ATTACH '$TMP/j2.db' AS b; SELECT count(*) FROM (SELECT $cols FROM main.run EXCEPT SELECT $cols FROM b.run);")

	awk -v a="$t0" -v b="$t1" -v c="$t2" -v n="$runs" -v j="$JOBS2" -v d="$diff" -v sz="$1" \
	    -v ca="$c0" -v cb="$c1" -v cc="$c2" 'BEGIN {
		printf "sweep of %d runs (pft size=%s, %.0f ms a run): --jobs 1 %.2f s, --jobs %d %.2f s: speedup %.2fx\n",
		       n, sz, (b - a) * 1000 / n, b - a, j, c - b, (b - a) / (c - b)
		# speedup = jobs x (busy share with jobs / busy share alone) / CPU growth
		printf "  CPU time: --jobs 1 %.2f s (%.0f%% of its wall), --jobs %d %.2f s (x%.2f; cores busy %.0f%% of its wall)\n",
		       cb - ca, 100 * (cb - ca) / (b - a), j, cc - cb, (cc - cb) / (cb - ca),
		       100 * (cc - cb) / ((c - b) * j)
		printf "results identical across --jobs: %s\n", d == 0 ? "yes" : "NO (" d " runs differ)"
		exit d != 0
	}'
}

now() {
	date +%s.%N
}

# cpu VAR: the user + system seconds of this shell's children so far,
# into VAR (times must run in this shell, not in a $(...) of its own).
cpu() {
	times > "$TMP/times"
	eval "$1=$(awk 'NR == 2 {
		t = 0
		for (i = 1; i <= 2; i++) {
			split($i, p, "m")
			sub("s", "", p[2])
			t += p[1] * 60 + p[2]
		}
		printf "%.3f\n", t
	}' "$TMP/times")"
}

# 5 schemes x 4 CPU counts x SEEDS: 200 runs of ~10 ms, 20 of 0.1 s and more.
sweep_pair 8M 10
sweep_pair 128M 1
