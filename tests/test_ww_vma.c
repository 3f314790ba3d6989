/*
 * ww-vma: multi-VMA operations locking their VMAs with wound/wait mutexes
 * and no mmap_lock.  Deadlock freedom by the checker's exhaustive mode on
 * the crossing scenarios (where the plain-mutex variant must deadlock),
 * and the cost of wounds and back-offs measured on the vmaops workload.
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "schemes/registry.h"
#include "sim/run/check_suite.h"
#include "sim/run/run.h"
#include "tests/scratch.h"
#include "tests/test.h"
#include "tests/workloads.h"

/* Every schedule with up to 2 preemptions of the crossing scenarios: two
 * mremaps A->B and B->A, a three-way cycle A->B->C->A, and mprotect over
 * A and A2 against mremap of A2 onto A. */
static int test_crossing_exhaustive(void)
{
	static const struct { const char *scheme, *param; int preemptions; bool broken; } v[] = {
		{ "ww-vma", "class=wound-wait", 2, false },
		{ "ww-vma", "class=wait-die", 2, false },
		{ "ww-vma", "order=address", 1, false },
		{ "ww-vma-plain", "class=wound-wait", 2, true },
	};
	size_t i;

	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		const struct scheme_ops *ops = scheme_find(v[i].scheme, NULL, 0);
		struct check_opts opts = { .seeds = 5, .exhaustive = 1,
					   .preemptions = v[i].preemptions, .only = "cross",
					   .log = NULL };
		struct check_outcome out;
		struct scheme_args args;
		char err[256];

		CHECK(ops && scheme_args_parse(ops, 1, &v[i].param, &args, err, sizeof(err)) == 0);
		opts.args = &args;
		check_scheme(ops, &opts, &out);
		printf("  %-12s -p %-16s <=%d preemptions: %6llu schedules, %5llu runs failed%s%s\n",
		       v[i].scheme, v[i].param, v[i].preemptions,
		       (unsigned long long)out.schedules, (unsigned long long)out.failed_runs,
		       out.kinds[0] ? ": " : "", out.kinds);
		/* Enough schedules that a cycle, if there were one, is met. */
		CHECK(out.schedules > (v[i].preemptions > 1 ? 15000u : 500u));
		if (v[i].broken)
			CHECK(out.failed_runs > 0 && strstr(out.kinds, "deadlock"));
		else
			CHECK(out.violations == 0);
	}
	return 0;
}

/* One vmaops run; params: workload and scheme parameters. */
static int run_vmaops(const char *scheme, int cpus, int nparams, const char *const *params,
		      struct run_result *r)
{
	struct run_spec spec = { .trace = "vmaops", .scheme = scheme, .cpus = cpus,
				 .threads = cpus, .seed = 1, .nparams = nparams };
	char err[512];
	int i;

	for (i = 0; i < nparams; i++)
		spec.params[i] = params[i];
	if (run_simulation(&spec, r, err, sizeof(err))) {
		fprintf(stderr, "  %s: %s\n", scheme, err);
		return -1;
	}
	if (strcmp(r->status, RUN_COMPLETE) ||
	    result_counter(r, "ops_in") != result_counter(r, "ops_replayed") ||
	    result_counter(r, "op_errors")) {
		fprintf(stderr, "  %s: %s, %llu op errors\n", scheme, r->status,
			(unsigned long long)result_counter(r, "op_errors"));
		run_result_free(r);
		return -1;
	}
	return 0;
}

static double op_mean(const struct run_result *r, const char *op)
{
	const struct op_result *o = result_op(r, op);

	return o ? o->mean_ns : 0;
}

/*
 * Where ww-vma wins: every thread mprotects spans of its own VMAs and
 * mremaps them, no two threads ever touch the same VMA, and under an
 * mm-wide lock (mmap_lock, or the maple tree's) they queue all the same.
 * And what it costs: alone on one CPU, walking and locking each VMA makes
 * the same operations slower than one mmap_lock.
 */
static int test_disjoint_parallel(void)
{
	static const char *const schemes[] = { "global-rwsem", "mt-lock", "ww-vma" };
	static const char *const params[] = { "ops=40000", "shared=0" };
	double mprotect[2][3], mremap[2][3];
	uint64_t wounds = 0, backoffs = 0, contended = 0;
	int c, s;

	for (c = 0; c < 2; c++) {
		int cpus = c ? 16 : 1;

		for (s = 0; s < 3; s++) {
			struct run_result r;

			CHECK(run_vmaops(schemes[s], cpus, 2, params, &r) == 0);
			mprotect[c][s] = op_mean(&r, "mprotect");
			mremap[c][s] = op_mean(&r, "mremap");
			if (s == 2 && c == 1) {
				const struct lock_result *l = result_lock(&r, "vma_ww_mutex");

				wounds = result_counter(&r, "ww_wound");
				backoffs = result_counter(&r, "WW_VMA_BACKOFF");
				contended = l ? l->contended : 0;
			}
			printf("  %2d CPUs %-13s mprotect mean %8.0f ns, mremap mean %8.0f ns, "
			       "simulated %6.2f ms\n", cpus, schemes[s], mprotect[c][s],
			       mremap[c][s], (double)r.sim_ns / 1e6);
			run_result_free(&r);
		}
	}
	printf("  16 CPUs ww-vma: %llu wounds, %llu back-offs, %llu contended VMA locks\n",
	       (unsigned long long)wounds, (unsigned long long)backoffs,
	       (unsigned long long)contended);
	for (s = 0; s < 2; s++) {
		CHECK(mprotect[1][2] < 0.25 * mprotect[1][s]);
		CHECK(mremap[1][2] < 0.25 * mremap[1][s]);
	}
	CHECK(wounds == 0 && backoffs == 0 && contended == 0);
	CHECK(mprotect[0][2] > mprotect[0][0] && mremap[0][2] > mremap[0][0]);
	return 0;
}

/*
 * The cost of wounds: every op on the one shared arena, long spans, many
 * multi-VMA ops.  An operation that backs off drops the VMA locks it had
 * and takes them again; the time it spends locking its range is compared
 * with that of the operations that never backed off.
 */
static int test_cost_of_wounds(void)
{
	static const char *const classes[] = { "class=wound-wait", "class=wait-die" };
	const char *params[] = { "ops=40000", "shared=1", "span=4", "mprotect_frac=0.3",
				 "mremap_frac=0.2", NULL };
	double global_ms;
	struct run_result r;
	int c;

	CHECK(run_vmaops("global-rwsem", 16, 5, params, &r) == 0);
	global_ms = (double)r.sim_ns / 1e6;
	printf("  global-rwsem: mprotect mean %.0f ns, simulated %.2f ms\n",
	       op_mean(&r, "mprotect"), global_ms);
	run_result_free(&r);
	for (c = 0; c < 2; c++) {
		uint64_t ops, backed, backoffs, dropped, clean_ns, backed_ns;
		double clean_mean, backed_mean;

		params[5] = classes[c];
		CHECK(run_vmaops("ww-vma", 16, 6, params, &r) == 0);
		ops = result_counter(&r, "WW_VMA_OP");
		backed = result_counter(&r, "WW_VMA_OP_BACKED_OFF");
		backoffs = result_counter(&r, "WW_VMA_BACKOFF");
		dropped = result_counter(&r, "WW_VMA_BACKOFF_DROPPED");
		clean_ns = result_counter(&r, "WW_VMA_LOCK_NS_CLEAN");
		backed_ns = result_counter(&r, "WW_VMA_LOCK_NS_BACKED_OFF");
		clean_mean = ops > backed ? (double)clean_ns / (double)(ops - backed) : 0;
		backed_mean = backed ? (double)backed_ns / (double)backed : 0;
		printf("  ww-vma %-16s %llu ops, %llu wounds, %llu deaths, %.1f back-offs per 1000 "
		       "ops, %.2f VMA locks dropped per back-off\n", classes[c],
		       (unsigned long long)ops, (unsigned long long)result_counter(&r, "ww_wound"),
		       (unsigned long long)result_counter(&r, "ww_die"),
		       1000.0 * (double)backoffs / (double)ops,
		       backoffs ? (double)dropped / (double)backoffs : 0);
		printf("  %-23s locking the range: %.0f ns when clean, %.0f ns after a back-off "
		       "(%.2fx); mprotect mean %.0f ns; simulated %.2f ms (%.2f of global-rwsem)\n",
		       "", clean_mean, backed_mean, clean_mean ? backed_mean / clean_mean : 0,
		       op_mean(&r, "mprotect"), (double)r.sim_ns / 1e6,
		       (double)r.sim_ns / 1e6 / global_ms);
		CHECK(backoffs > 0 && backed > 0 && dropped >= backoffs);
		CHECK(result_counter(&r, c ? "ww_die" : "ww_wound") > 0);
		/* Backing off is paid for: those operations lock for longer. */
		CHECK(backed_mean > 1.5 * clean_mean);
		run_result_free(&r);
	}
	return 0;
}

/*
 * Two mmaps and an mremap storing into the same hole: the store that comes
 * second finds the hole taken under the tree lock and its operation starts
 * again -- a path no workload takes, so it is searched exhaustively here.
 */
static int test_hole_race_exhaustive(void)
{
	struct check_opts opts = { .seeds = 5, .exhaustive = 1, .preemptions = 2,
				   .only = "same-hole", .count = "range_hole_taken", .log = NULL };
	const struct scheme_ops *ops = scheme_find("ww-vma", NULL, 0);
	struct check_outcome out;

	CHECK(ops);
	check_scheme(ops, &opts, &out);
	printf("  ww-vma: %llu schedules, %llu restarts after a lost hole, %llu violations\n",
	       (unsigned long long)out.schedules, (unsigned long long)out.counted,
	       (unsigned long long)out.violations);
	CHECK(out.schedules > 10000 && out.counted > 0 && out.violations == 0);
	return 0;
}

/* One run; 0 if it ran (COMPLETE or FAILED), r filled. */
static int run_one(const char *trace, const char *scheme, int cpus, int threads,
		   const char *param, struct run_result *r)
{
	struct run_spec spec = { .trace = trace, .scheme = scheme, .cpus = cpus,
				 .threads = threads, .seed = 1, .nparams = param ? 1 : 0,
				 .params = { param } };
	char err[512];

	if (run_simulation(&spec, r, err, sizeof(err))) {
		fprintf(stderr, "  %s: %s\n", scheme, err);
		return -1;
	}
	return 0;
}

/*
 * More tasks than CPUs in one mm: one mmap per thread, cloned into
 * groups (--threads beyond the recorded one), and pft's threads.  The
 * first tasks to run ended before the others started; the mm must not be
 * torn down under them (it was: exit_mmap() met the VMAs the later tasks
 * mapped -- "changes VMA ... without holding its lock" -- and two
 * teardowns freed the same VMAs, the second hanging the run).
 */
static int test_cloned_groups_one_mm(void)
{
	static const int threads[] = { 16, 9, 10, 12, 8 };
	const char *trace = scratch_path("one.strace");
	struct run_result r;
	size_t i;
	int s;

	alarm(120);	/* a hang fails the test instead of stalling the suite */
	CHECK(write_file(trace, "1 1.000000 mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, 3, 0) = "
			 "0x7f0000000000\n") == 0);
	for (s = 0; s < 2; s++) {
		const char *scheme = s ? "ww-vma-plain" : "ww-vma";

		for (i = 0; i < sizeof(threads) / sizeof(threads[0]); i++) {
			CHECK(run_one(trace, scheme, 8, threads[i], NULL, &r) == 0);
			printf("  %-12s --threads %2d: %s, %llu violations, %llu ops of %llu, "
			       "exit_mmap %llu\n", scheme, threads[i], r.status,
			       (unsigned long long)r.violations_total,
			       (unsigned long long)result_counter(&r, "ops_replayed"),
			       (unsigned long long)result_counter(&r, "ops_in"),
			       (unsigned long long)result_counter(&r, "exit_mmap"));
			CHECKF(!strcmp(r.status, RUN_COMPLETE) && r.violations_total == 0,
			       "%s", r.nviolations ? r.violations[0].detail : r.status);
			CHECK(result_counter(&r, "ops_replayed") == (uint64_t)threads[i]);
			CHECK(result_counter(&r, "exit_mmap") == 1);
			run_result_free(&r);
		}
	}
	CHECK(run_one("pft", "ww-vma", 4, 9, "ops=300", &r) == 0);
	printf("  ww-vma pft, 4 CPUs, 9 threads: %s, %llu violations, exit_mmap %llu\n",
	       r.status, (unsigned long long)r.violations_total,
	       (unsigned long long)result_counter(&r, "exit_mmap"));
	CHECKF(!strcmp(r.status, RUN_COMPLETE) && r.violations_total == 0, "%s",
	       r.nviolations ? r.violations[0].detail : r.status);
	CHECK(result_counter(&r, "exit_mmap") == 1);
	run_result_free(&r);
	alarm(0);
	return 0;
}

/*
 * The crossing mremaps of the check suite, as a trace: thread 1 maps A
 * and B, then threads 2 and 3 move A onto B and B onto A at the same
 * instant.  ww-vma backs one off and both complete; ww-vma-plain's
 * threads each hold their source and sleep on the other's, and the run,
 * whose engine runs dry, must end FAILED naming both tasks and the VMA
 * locks they wait for (it ended COMPLETE: an op counted as replayed once
 * started, so tasks stuck in their last op went unnoticed).  Cloned into
 * ten groups, the same: ww-vma completes, ww-vma-plain's stuck pairs are
 * named.
 */
static int test_plain_deadlock_replay(void)
{
	const char *trace = scratch_path("cross.strace");
	struct run_result r;
	int s, g, i, named;

	alarm(120);
	CHECK(write_file(trace,
		"1 1.000000 mmap(0x7f0000000000, 8192, PROT_READ|PROT_WRITE, "
		"MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED, -1, 0) = 0x7f0000000000\n"
		"1 1.000001 mmap(0x7f0000100000, 8192, PROT_READ|PROT_WRITE, "
		"MAP_SHARED|MAP_ANONYMOUS|MAP_FIXED, -1, 0) = 0x7f0000100000\n"
		"2 1.000100 mremap(0x7f0000000000, 8192, 8192, MREMAP_MAYMOVE|MREMAP_FIXED, "
		"0x7f0000100000) = 0x7f0000100000\n"
		"3 1.000100 mremap(0x7f0000100000, 8192, 8192, MREMAP_MAYMOVE|MREMAP_FIXED, "
		"0x7f0000000000) = 0x7f0000000000\n") == 0);
	for (g = 0; g < 2; g++) {
		int threads = g ? 30 : 0;

		for (s = 0; s < 2; s++) {
			const char *scheme = s ? "ww-vma-plain" : "ww-vma";

			CHECK(run_one(trace, scheme, 4, threads, NULL, &r) == 0);
			printf("  %-12s --threads %2d: %s, %llu of %llu ops, %llu op errors, "
			       "%llu violations%s%s\n", scheme, r.threads, r.status,
			       (unsigned long long)result_counter(&r, "ops_replayed"),
			       (unsigned long long)result_counter(&r, "ops_in"),
			       (unsigned long long)result_counter(&r, "op_errors"),
			       (unsigned long long)r.violations_total,
			       r.nviolations ? ", first: " : "",
			       r.nviolations ? r.violations[0].detail : "");
			for (i = 1; i < r.nviolations && i < 4; i++)
				printf("    %s\n", r.violations[i].detail);
			if (!s) {
				CHECK(!strcmp(r.status, RUN_COMPLETE) && r.violations_total == 0);
				CHECK(result_counter(&r, "ops_replayed") ==
				      result_counter(&r, "ops_in"));
				CHECK(result_counter(&r, "op_errors") == 0);
				run_result_free(&r);
				continue;
			}
			CHECK(!strcmp(r.status, RUN_FAILED));
			CHECK(result_counter(&r, "ops_replayed") < result_counter(&r, "ops_in"));
			for (i = named = 0; i < r.nviolations; i++) {
				CHECK(!strcmp(r.violations[i].kind, "deadlock"));
				named += strstr(r.violations[i].detail, "never ended: asleep on "
						"vma_ww_mutex held by task ") != NULL;
			}
			/* The first group's two mremaps, named with their lock. */
			if (!g) {
				CHECK(named == 2);
				CHECK(!strcmp(r.violations[1].detail, "task 1 (2) never ended: "
					      "asleep on vma_ww_mutex held by task 2"));
				CHECK(!strcmp(r.violations[2].detail, "task 2 (3) never ended: "
					      "asleep on vma_ww_mutex held by task 1"));
			} else {
				CHECK(named >= 2 && named % 2 == 0);
			}
			run_result_free(&r);
		}
	}
	alarm(0);
	return 0;
}

const struct test_case ww_vma_tests[] = {
	{ "ww_vma/hole_race_exhaustive", test_hole_race_exhaustive },
	{ "ww_vma/crossing_exhaustive", test_crossing_exhaustive },
	{ "ww_vma/disjoint_parallel", test_disjoint_parallel },
	{ "ww_vma/cost_of_wounds", test_cost_of_wounds },
	{ "ww_vma/cloned_groups_one_mm", test_cloned_groups_one_mm },
	{ "ww_vma/plain_deadlock_replay", test_plain_deadlock_replay },
	{ NULL, NULL },
};
