#!/bin/sh
# The full model on a real trace: the sampled traces cloned to 64 threads
# on 64 CPUs (pervma-refcount, think_scale=0, every mechanism and the
# oracle on), faults per wall second, events per fault and host ns per
# event, median of REPEATS runs.  With
# BASE=an older mmlocksim binary, the same runs with it, alternated with
# this binary's so that both see the same machine load; each imports the
# traces itself (the .mlt format has versions).
#
# With COUNTS=1 (and valgrind installed), also each binary's host
# instructions and L1 data misses per fault, one run of each trace,
# counted by cachegrind with a 32 KiB 8-way L1 and a 2 MiB L2: figures
# that do not move with the load of a shared machine, where wall time can
# move by a third between sittings.  About a minute more per binary.
#
# usage: bench/bench_trace.sh [MMLOCKSIM]   (BASE, REPEATS, COUNTS in the environment)
set -eu

B=${1:-${BUILDDIR:-build}/mmlocksim}
BASE=${BASE:-}
REPEATS=${REPEATS:-3}
TMP=$(mktemp -d "${TMPDIR:-/tmp}/mmlocksim-bench-trace.XXXXXX")
trap 'rm -rf "$TMP"' EXIT INT TERM

now() {
	date +%s.%N
}

# one BIN MLT OUT [-p K=V]: appends "faults seconds events" of one run to OUT.
one() {
	bin=$1 mlt=$2 out=$3
	shift 3
	t0=$(now)
	"$bin" run "$mlt" -s pervma-refcount --cpus 64 --threads 64 -p think_scale=0 "$@" > "$TMP/out"
	t1=$(now)
	f=$(awk '$1 == "fault" { print $2; exit }' "$TMP/out")
	e=$(sed -n 's/^simulated .* ms, \([0-9]*\) events.*/\1/p' "$TMP/out")
	echo "$f $t0 $t1 ${e:-0}" | awk '{ printf "%s %.6f %s\n", $1, $3 - $2, $4 }' >> "$out"
}

# median FILE: "faults median_seconds faults_per_s events" of its runs.
median() {
	sort -k2 -g "$1" | awk '{ f[NR] = $1; s[NR] = $2; e[NR] = $3 }
		END { m = int((NR + 1) / 2); printf "%d %.3f %.0f %d\n", f[m], s[m], f[m] / s[m], e[m] }'
}

# A faithful model may do more per fault than an older one (more delays,
# each an event): events/fault says how much more, ns/event what each
# costs the host, so a ratio of faults/wall s splits into the two.
printf '  %-6s %-10s %9s %8s %12s %10s %9s' trace binary faults "wall s" "faults/wall s" \
	"events/fault" "ns/event"
[ -n "$BASE" ] && printf ' %8s %12s' "new/base" "per event"
echo
# row TRACE WHICH FAULTS SECONDS FAULTS_PER_S EVENTS: one row, and the
# ns per event, for the base row's ratio, in $row_ns.
row() {
	row_ns=$(echo "$4 $6" | awk '{ printf "%.2f", $2 ? $1 * 1e9 / $2 : 0 }')
	printf '  %-6s %-10s %9s %8s %12s %10.2f %9s' "$1" "$2" "$3" "$4" "$5" \
		"$(echo "$6 $3" | awk '{ print $1 / $2 }')" "$row_ns"
}
for t in xz py; do
	"$B" import "traces/samples/$t.perf.txt.xz" -o "$TMP/$t.mlt" > /dev/null
	[ -n "$BASE" ] && "$BASE" import "traces/samples/$t.perf.txt.xz" -o "$TMP/$t.base.mlt" > /dev/null
	: > "$TMP/$t.new"
	: > "$TMP/$t.old"
	i=0
	while [ "$i" -lt "$REPEATS" ]; do
		[ -n "$BASE" ] && one "$BASE" "$TMP/$t.base.mlt" "$TMP/$t.old"
		one "$B" "$TMP/$t.mlt" "$TMP/$t.new"
		i=$((i + 1))
	done
	set -- $(median "$TMP/$t.new")
	new=$3
	row "$t" this "$@"
	echo
	new_ns=$row_ns
	if [ -n "$BASE" ]; then
		set -- $(median "$TMP/$t.old")
		row "$t" base "$@"
		echo "$new $3 $new_ns $row_ns" | awk '{
			printf " %8.2f %12.2f\n", $1 / $2, $3 ? $4 / $3 : 0 }'
	fi
done
echo "  (median of $REPEATS; base: ${BASE:-none, set BASE=an older mmlocksim to compare})"

# counts BIN MLT [-p K=V]: "instructions l1_misses" of one run under cachegrind.
counts() {
	bin=$1 mlt=$2
	shift 2
	valgrind --tool=cachegrind --cache-sim=yes --D1=32768,8,64 --LL=2097152,16,64 \
		--cachegrind-out-file=/dev/null "$bin" run "$mlt" -s pervma-refcount --cpus 64 \
		--threads 64 -p think_scale=0 "$@" 2>&1 >/dev/null |
		awk '/I *refs:/ { gsub(",", "", $NF); i = $NF }
		     /D1  misses:/ { gsub(",", "", $4); d = $4 }
		     END { print i, d }'
}

if [ "${COUNTS:-0}" = 1 ]; then
	if ! command -v valgrind > /dev/null; then
		echo "  counts skipped: no valgrind (apt install valgrind)"
	else
		echo "  host work per fault, counted by cachegrind (one run each):"
		printf '  %-6s %-10s %16s %16s\n' trace binary "instructions" "L1 misses"
		for t in xz py; do
			for which in this base; do
				bin=$B mlt=$TMP/$t.mlt runs=$TMP/$t.new
				if [ "$which" = base ]; then
					[ -n "$BASE" ] || continue
					bin=$BASE mlt=$TMP/$t.base.mlt runs=$TMP/$t.old
				fi
				f=$(awk '{ print $1; exit }' "$runs")
				set -- $(counts "$bin" "$mlt")
				echo "$t $which $f $1 $2" | awk '{
					printf "  %-6s %-10s %16.0f %16.1f\n", $1, $2, $4 / $3, $5 / $3 }'
			done
		done
	fi
fi

# What each mechanism of the fault path costs the simulator: the xz trace
# with it left out, against everything on (the oracle is on in every run).
# The five configurations take turns within each repeat, so a change in
# the machine's load falls on all of them alike.  A saving of a few tens
# of ns is within the noise of wall time on a shared machine; with
# COUNTS=1 the host instructions and L1 misses each one saves, counted
# by cachegrind, are the firm figures.  A saving is the mechanism's own
# host work plus the change its absence makes to the simulated run, and
# the second can outweigh the first: without zone->lock, where xz's
# faults spent about half their time waiting, the same faults run in less
# than half the simulated time, more of them at once, with more line
# transfers each, which costs the host more per fault, not less.
MECHS="all zone_lock lru_lock memcg mem_bw"
# mech_opt K: the option that leaves mechanism K out (none for all).
mech_opt() {
	if [ "$1" != all ]; then
		echo "-p $1=0"
	fi
}
# mech_label K: its row's name.
mech_label() {
	if [ "$1" = all ]; then
		echo everything_on
	else
		echo "$1=0"
	fi
}
for k in $MECHS; do
	: > "$TMP/k.$k"
done
i=0
while [ "$i" -lt "$REPEATS" ]; do
	for k in $MECHS; do
		one "$B" "$TMP/xz.mlt" "$TMP/k.$k" $(mech_opt "$k")
	done
	i=$((i + 1))
done
echo "  cost per fault of each mechanism (xz, this binary; median of $REPEATS, taking turns):"
printf '  %-22s %12s %14s %14s\n' "run" "events/fault" "wall ns/fault" "saves ns/fault"
all_ns=
for k in $MECHS; do
	set -- $(median "$TMP/k.$k")
	echo "$(mech_label "$k") $1 $2 $4" | awk -v all="$all_ns" '{
		ns = $3 * 1e9 / $2
		printf "  %-22s %12.2f %14.0f %14s\n", $1, $4 / $2, ns,
		       all == "" ? "" : sprintf("%.0f", all - ns)
	}'
	if [ "$k" = all ]; then
		all_ns=$(echo "$1 $2" | awk '{ printf "%.3f", $2 * 1e9 / $1 }')
	fi
done

if [ "${COUNTS:-0}" = 1 ] && command -v valgrind > /dev/null; then
	echo "  the same, host work per fault counted by cachegrind (one run each;"
	echo "  a negative saving: the run without it simulates more work per fault):"
	printf '  %-22s %14s %14s %12s %12s\n' "run" "instructions" "saves" "L1 misses" "saves"
	all_counts=
	for k in $MECHS; do
		f=$(awk '{ print $1; exit }' "$TMP/k.$k")
		set -- $(counts "$B" "$TMP/xz.mlt" $(mech_opt "$k"))
		echo "$(mech_label "$k") $f $1 $2 $all_counts" | awk '{
			i = $3 / $2; d = $4 / $2
			if (NF == 4)
				printf "  %-22s %14.0f %14s %12.1f %12s\n", $1, i, "", d, ""
			else
				printf "  %-22s %14.0f %14.0f %12.1f %12.1f\n", $1, i, $5 - i, d, $6 - d
		}'
		if [ "$k" = all ]; then
			all_counts=$(echo "$f $1 $2" | awk '{ printf "%.3f %.3f", $2 / $1, $3 / $1 }')
		fi
	done
fi
