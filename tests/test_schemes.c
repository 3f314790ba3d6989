/*
 * Schemes: registration rules, the safety suite on every scheme (the
 * broken one must be caught), plugins, and the expected behaviour of the
 * schemes on pft and an ebizzy-like mix, printed as measured.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "schemes/registry.h"
#include "sim/run/check_suite.h"
#include "sim/run/run.h"
#include "tests/test.h"
#include "tests/workloads.h"

static vm_fault_t no_fault(struct mm_struct *mm, unsigned long a, unsigned int f)
{
	(void)mm; (void)a; (void)f;
	return 0;
}

static void no_lock(struct mm_struct *mm)
{
	(void)mm;
}

static int test_registration_rules(void)
{
	struct scheme_ops missing = { .api_version = SCHEME_API_VERSION, .abi = SCHEME_ABI, .name = "t-missing",
				      .summary = "x", .fault = no_fault, .write_lock = no_lock };
	struct scheme_ops version = { .api_version = 99, .name = "t-version", .summary = "x",
				      .fault = no_fault, .write_lock = no_lock,
				      .write_unlock = no_lock };
	struct scheme_ops dup = { .api_version = SCHEME_API_VERSION, .abi = SCHEME_ABI, .name = "global-rwsem",
				  .summary = "x", .fault = no_fault, .write_lock = no_lock,
				  .write_unlock = no_lock };
	struct scheme_ops ok = dup;
	char err[256], list[512] = "", want[512], small[20];
	size_t n;
	int i;

	schemes_init();
	CHECK(scheme_register(&missing, err, sizeof(err)) == -1);
	printf("  %s\n", err);
	CHECK(strstr(err, "t-missing") && strstr(err, "write_unlock"));
	CHECK(scheme_register(&version, err, sizeof(err)) == -1);
	printf("  %s\n", err);
	CHECK(strstr(err, "t-version") && strstr(err, "API version"));
	CHECK(scheme_register(&dup, err, sizeof(err)) == -1);
	printf("  %s\n", err);
	CHECK(strstr(err, "already registered"));
	ok.name = "t-ok";
	CHECK(scheme_register(&ok, err, sizeof(err)) == 0);
	CHECK(scheme_find("t-ok", NULL, 0) == &ok);
	CHECK(scheme_find("no-such", list, sizeof(list)) == NULL);
	printf("  %s\n", list);
	CHECK(strstr(list, "global-rwsem") && strstr(list, "pervma-refcount") &&
	      strstr(list, "rcu-fault"));
	/* The whole message, one line; what the user typed is escaped. */
	CHECK(scheme_find("no\x01such\x7f", list, sizeof(list)) == NULL);
	n = (size_t)snprintf(want, sizeof(want), "unknown scheme 'no\\x01such\\x7f'; valid schemes:");
	for (i = 0; i < scheme_count(); i++)
		n += (size_t)snprintf(want + n, sizeof(want) - n, " %s", scheme_at(i)->name);
	CHECKF(!strcmp(list, want), "got '%s'", list);
	CHECK(strstr(list, " t-ok") && !strchr(list, '\n'));
	/* Too small a buffer: cut, still terminated; none at all is fine. */
	memset(small, 'z', sizeof(small));
	CHECK(scheme_find("no-such", small, sizeof(small)) == NULL);
	CHECKF(!strcmp(small, "unknown scheme 'no-"), "got '%.20s'", small);
	CHECK(scheme_find("no-such", NULL, 0) == NULL);
	return 0;

}

static int test_param_validation(void)
{
	const struct scheme_ops *pv = scheme_find("pervma-refcount", NULL, 0);
	const char *bad[] = { "variant=foo" }, *unknown[] = { "speed=11" }, *good[] = { "variant=rwsem" };
	struct scheme_args args;
	char err[256];

	CHECK(pv);
	CHECK(scheme_args_parse(pv, 1, bad, &args, err, sizeof(err)) == -1);
	printf("  %s\n", err);
	CHECK(strstr(err, "refcnt|rwsem"));
	CHECK(scheme_args_parse(pv, 1, unknown, &args, err, sizeof(err)) == -1);
	printf("  %s\n", err);
	CHECK(strstr(err, "variant"));
	CHECK(scheme_args_parse(pv, 1, good, &args, err, sizeof(err)) == 0);
	CHECK(!strcmp(scheme_args_value(pv, &args, "variant"), "rwsem"));
	/* Nothing given: the default, whatever another run was given. */
	CHECK(!strcmp(scheme_args_value(pv, NULL, "variant"), "refcnt"));
	return 0;
}

/* Every scheme through the suite: safe ones clean, busted caught. */
static int test_safety_suite(void)
{
	struct check_opts opts = { .seeds = 10, .exhaustive = 1, .preemptions = 1, .log = NULL };
	int i, bad = 0;

	for (i = 0; i < scheme_count(); i++) {
		const struct scheme_ops *ops = scheme_at(i);
		struct check_outcome out;
		bool broken = ops->flags & SCHEME_F_BROKEN;

		check_scheme(ops, &opts, &out);
		printf("  %-16s %5llu runs, %5llu schedules, %4llu violations %s%s\n", ops->name,
		       (unsigned long long)out.runs, (unsigned long long)out.schedules,
		       (unsigned long long)out.violations, out.kinds, broken ? " (must be caught)" : "");
		if (broken ? !out.violations : out.violations) {
			printf("  UNEXPECTED: %s\n", out.first);
			bad++;
		}
		/* Each broken scheme is caught for what it breaks. */
		if (broken && !strcmp(ops->name, "ww-vma-plain"))
			CHECK(strstr(out.kinds, "deadlock"));
		else if (broken)
			CHECK(strstr(out.kinds, "stale-pte") || strstr(out.kinds, "use-after-free"));
	}
	CHECK(bad == 0);
	return 0;
}

/*
 * A scheme that livelocks: its lock is a word taken with cmpxchg and, when
 * taken, retried after a back-off; write_unlock forgets to clear it, so
 * the next operation retries for ever.  Events keep coming, so the run
 * never drains as a deadlock does: only the watchdog can end it.
 */
struct ll_mm {
	struct cacheline line;
	atomic_long_t word;
};

static void ll_init_mm(struct mm_struct *mm)
{
	struct ll_mm *l = mm->priv;

	line_init(&l->line, "ll_word");
	atomic_long_init(&l->word, &l->line, 0);
}

static void ll_lock(struct mm_struct *mm)
{
	struct ll_mm *l = mm->priv;
	long old = 0;

	/* Gives up after 2 simulated s, so that a missed livelock fails, not hangs. */
	while (!atomic_long_try_cmpxchg(&l->word, &old, 1) && sim_now() < 2000000000ULL) {
		old = 0;
		task_delay(2000);
	}
}

static void ll_unlock(struct mm_struct *mm)
{
	(void)mm;	/* the bug: the word stays set */
}

static vm_fault_t ll_fault(struct mm_struct *mm, unsigned long address, unsigned int flags)
{
	(void)address;
	(void)flags;
	ll_lock(mm);
	return VM_FAULT_SIGSEGV;
}

static const struct scheme_ops livelock_ops = {
	.api_version = SCHEME_API_VERSION, .abi = SCHEME_ABI, .name = "t-livelock",
	.summary = "never unlocks",
	.mm_priv_size = sizeof(struct ll_mm), .init_mm = ll_init_mm,
	.fault = ll_fault, .write_lock = ll_lock, .write_unlock = ll_unlock,
};

/* The parameterised variants through the same suite. */
static int test_safety_variants(void)
{
	static const struct { const char *scheme, *param; } v[] = {
		{ "spf-srcu", "variant=dufour-v11" }, { "spf-srcu", "variant=lespinasse" },
		{ "spf-srcu", "vma_atomic=1" }, { "pervma-refcount", "variant=rwsem" },
		{ "ww-vma", "class=wait-die" }, { "ww-vma", "order=address" },
	};
	struct check_opts opts = { .seeds = 10, .exhaustive = 1, .preemptions = 1, .log = NULL };
	size_t i;

	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		const struct scheme_ops *ops = scheme_find(v[i].scheme, NULL, 0);
		struct check_outcome out;
		struct scheme_args args;
		char err[256];

		CHECK(ops && scheme_args_parse(ops, 1, &v[i].param, &args, err, sizeof(err)) == 0);
		opts.args = &args;
		check_scheme(ops, &opts, &out);
		printf("  %s -p %s: %llu runs, %llu schedules, %llu violations\n", v[i].scheme,
		       v[i].param, (unsigned long long)out.runs, (unsigned long long)out.schedules,
		       (unsigned long long)out.violations);
		CHECK(out.violations == 0 && out.schedules > 100);
	}
	return 0;
}

static int run_seed(const char *trace, const char *scheme, const char *plugin, int cpus,
		    uint64_t seed, struct run_result *r, char *err, size_t errlen, int nparams,
		    const char **params)
{
	struct run_spec spec = { .trace = trace, .scheme = scheme, .plugin = plugin,
				 .cpus = cpus, .threads = cpus, .seed = seed, .nparams = nparams };
	int i;

	for (i = 0; i < nparams; i++)
		spec.params[i] = params[i];
	return run_simulation(&spec, r, err, errlen);
}

static int run(const char *trace, const char *scheme, const char *plugin, int cpus,
	       struct run_result *r, char *err, size_t errlen, int nparams, const char **params)
{
	return run_seed(trace, scheme, plugin, cpus, 1, r, err, errlen, nparams, params);
}

static double fault_tput(const struct run_result *r)
{
	int i;

	for (i = 0; i < r->nops; i++)
		if (!strcmp(r->ops[i].op, "fault"))
			return r->ops[i].throughput_per_s;
	return 0;
}

static int test_plugin(void)
{
	char so[512], err[512];
	struct run_result r;
	const struct scheme_ops *ops;
	struct check_opts opts = { .seeds = 5, .exhaustive = 0, .log = NULL };
	struct check_outcome out;

	snprintf(so, sizeof(so), "%s/schemes/examples/mmap_trylock.so", test_bindir);
	CHECK(run("pft", NULL, so, 4, &r, err, sizeof(err), 0, NULL) == 0);
	printf("  plugin %s: %s, %.0f faults/s\n", r.scheme, r.status, fault_tput(&r));
	CHECK(!strcmp(r.scheme, "mmap-trylock") && !strcmp(r.status, RUN_COMPLETE));
	run_result_free(&r);
	ops = scheme_find("mmap-trylock", NULL, 0);
	CHECK(ops);
	check_scheme(ops, &opts, &out);
	CHECK(out.violations == 0 && out.runs > 0);

	/* The same end to end through the command line. */
	{
		char cmd[2400];
		int rc;

		snprintf(cmd, sizeof(cmd), "%s/mmlocksim run pft --plugin %s --cpus 4 > /dev/null && "
			 "%s/mmlocksim check --plugin %s --seeds 3 --exhaustive --preemptions 1 "
			 "> /dev/null", test_bindir, so, test_bindir, so);
		rc = system(cmd);
		printf("  mmlocksim run/check --plugin: exit %d\n", rc);
		CHECK(rc == 0);
	}

	/* A plugin that crashes is reported as the plugin's failure, named. */
	{
		char cmd[1200], line[512] = "";
		FILE *p;
		int rc;

		snprintf(cmd, sizeof(cmd), "%s/mmlocksim run pft --plugin %s/tests/plugin_crash.so "
			 "--cpus 2 2>&1 >/dev/null; echo \"exit=$?\"", test_bindir, test_bindir);
		p = popen(cmd, "r");
		CHECK(p);
		while (fgets(line, sizeof(line), p))
			if (strstr(line, "mmlocksim run: plugin"))
				break;
		printf("  %s", line);
		CHECK(strstr(line, "plugin_crash.so") && strstr(line, "crashed"));
		while (fgets(line, sizeof(line), p))
			;
		rc = pclose(p);
		printf("  %s", line);
		CHECK(rc == 0 && strstr(line, "exit=1"));
	}

	snprintf(so, sizeof(so), "%s/tests/plugin_bad_version.so", test_bindir);
	CHECK(run("pft", NULL, so, 4, &r, err, sizeof(err), 0, NULL) == -1);
	printf("  %s\n", err);
	CHECK(strstr(err, "plugin_bad_version.so") && strstr(err, "API version"));
	snprintf(so, sizeof(so), "%s/tests/plugin_nosym.so", test_bindir);
	CHECK(run("pft", NULL, so, 4, &r, err, sizeof(err), 0, NULL) == -1);
	printf("  %s\n", err);
	CHECK(strstr(err, "mmlocksim_scheme"));
	CHECK(run("pft", NULL, "/nonexistent/x.so", 4, &r, err, sizeof(err), 0, NULL) == -1);
	printf("  %s\n", err);
	CHECK(strstr(err, "/nonexistent/x.so"));
	return 0;
}

/*
 * pft with every thread faulting its slice of one shared VMA, on the
 * 2-socket Xeon preset.  Expected: pervma-refcount within 15% of
 * global-rwsem at 1-4 threads; at many threads the VMA's refcount line,
 * not mmap_lock, is the hottest line; rcu-fault scales furthest.
 */
static int test_pft_shared_vma(void)
{
	static const char *const schemes[] = { "global-rwsem", "spf-srcu", "pervma-refcount", "rcu-fault" };
	static const int cpus[] = { 1, 4, 56 };
	const char *params[] = { "shared=1", "size=4M", "iterations=1" };
	double tput[3][4];
	uint64_t vma_lt = 0, mmap_lt = 0;
	int c, s;

	for (c = 0; c < 3; c++) {
		for (s = 0; s < 4; s++) {
			struct run_result r;
			char err[512];

			CHECK(run("pft", schemes[s], NULL, cpus[c], &r, err, sizeof(err), 3, params) == 0);
			CHECK(!strcmp(r.status, RUN_COMPLETE));
			tput[c][s] = fault_tput(&r);
			if (c == 2 && s == 2) {
				vma_lt = result_counter(&r, "line_transfers:vma_lock");
				mmap_lt = result_counter(&r, "line_transfers:mmap_lock");
			}
			run_result_free(&r);
		}
		printf("  %2d threads: global %8.0f  spf %8.0f  pervma %8.0f  rcu-fault %8.0f faults/s\n",
		       cpus[c], tput[c][0], tput[c][1], tput[c][2], tput[c][3]);
	}
	printf("  pervma at 56 threads: vma_lock line transfers %llu, mmap_lock %llu\n",
	       (unsigned long long)vma_lt, (unsigned long long)mmap_lt);
	for (c = 0; c < 2; c++)
		CHECK(tput[c][2] > 0.85 * tput[c][0] && tput[c][2] < 1.15 * tput[c][0]);
	CHECK(vma_lt > 10 * mmap_lt);
	for (s = 0; s < 3; s++)
		CHECK(tput[2][3] >= tput[2][s] * 0.99);
	/* ahead of mmap_lock by less than the lock alone would say: all of
	 * them also share zone->lock, lru_lock and the memcg counters */
	CHECK(tput[2][3] > 1.25 * tput[2][0]);
	return 0;
}

/*
 * An ebizzy-like mix (faults into chunks while other chunks are mmap'ed
 * and munmap'ed): every non-global scheme beats global-rwsem at 16 CPUs
 * and above, and the fallback counters move where the kernel's would.
 */
static int test_ebizzy_mix(void)
{
	static const char *const schemes[] = { "global-rwsem", "spf-srcu", "pervma-refcount", "rcu-fault" };
	static const char *const aborts[] = { NULL, "SPF_ABORT", "VMA_LOCK_ABORT", "RCU_FAULT_ABORT" };
	static const int cpus[] = { 16, 32 };
	int c, s;

	for (c = 0; c < 2; c++) {
		double base = 0;

		for (s = 0; s < 4; s++) {
			struct run_result r;
			char err[512];
			double t;

			CHECK(run("ebizzy", schemes[s], NULL, cpus[c], &r, err, sizeof(err), 0, NULL) == 0);
			CHECK(!strcmp(r.status, RUN_COMPLETE));
			t = fault_tput(&r);
			printf("  %2d CPUs %-16s %8.0f faults/s (%+5.1f%%)  fallbacks %llu%s%s %llu\n", cpus[c],
			       schemes[s], t, base ? 100 * (t / base - 1) : 0.0,
			       (unsigned long long)result_counter(&r, "fault_fallback_mmap_lock"),
			       aborts[s] ? ", " : "", aborts[s] ? aborts[s] : "",
			       (unsigned long long)(aborts[s] ? result_counter(&r, aborts[s]) : 0));
			if (!s) {
				base = t;
			} else {
				CHECK(t > base);
				CHECK(result_counter(&r, aborts[s]) > 0);
				CHECK(result_counter(&r, "fault_fallback_mmap_lock") > 0);
			}
			run_result_free(&r);
		}
	}
	return 0;
}

/* The 6.4 variant: only anonymous VMAs with an anon_vma take the per-VMA path. */
static int test_pervma_rwsem_variant(void)
{
	const char *params[] = { "variant=rwsem" };
	struct run_result r;
	char err[512];

	CHECK(run("page_fault2", "pervma-refcount", NULL, 4, &r, err, sizeof(err), 1, params) == 0);
	printf("  page_fault2 (private file COW), variant=rwsem: %s, VMA_LOCK_SUCCESS %llu, "
	       "VMA_LOCK_ABORT %llu\n", r.status, (unsigned long long)result_counter(&r, "VMA_LOCK_SUCCESS"),
	       (unsigned long long)result_counter(&r, "VMA_LOCK_ABORT"));
	CHECK(!strcmp(r.status, RUN_COMPLETE));
	CHECK(result_counter(&r, "VMA_LOCK_SUCCESS") == 0 && result_counter(&r, "VMA_LOCK_ABORT") > 0);
	run_result_free(&r);
	CHECK(run("page_fault2", "pervma-refcount", NULL, 4, &r, err, sizeof(err), 0, NULL) == 0);
	printf("  page_fault2, variant=refcnt: VMA_LOCK_SUCCESS %llu\n",
	       (unsigned long long)result_counter(&r, "VMA_LOCK_SUCCESS"));
	CHECK(result_counter(&r, "VMA_LOCK_SUCCESS") > 0);
	run_result_free(&r);

	/* Faults that need I/O drop the VMA lock, count VMA_LOCK_RETRY, and
	 * finish on the mmap_lock path, as in the kernel. */
	{
		const char *io[] = { "file_miss=0.05", "ops=20000" };

		CHECK(run("page_fault2", "pervma-refcount", NULL, 4, &r, err, sizeof(err), 2, io) == 0);
		printf("  page_fault2, 5%% of first touches need I/O: fault_major %llu, VMA_LOCK_RETRY %llu, "
		       "mmap_lock fallbacks %llu\n", (unsigned long long)result_counter(&r, "fault_major"),
		       (unsigned long long)result_counter(&r, "VMA_LOCK_RETRY"),
		       (unsigned long long)result_counter(&r, "fault_fallback_mmap_lock"));
		CHECK(!strcmp(r.status, RUN_COMPLETE));
		CHECK(result_counter(&r, "fault_major") > 0);
		CHECK(result_counter(&r, "VMA_LOCK_RETRY") == result_counter(&r, "fault_major"));
		CHECK(result_counter(&r, "fault_fallback_mmap_lock") >= result_counter(&r, "VMA_LOCK_RETRY"));
		run_result_free(&r);
	}
	return 0;
}


/*
 * mt-lock: writers on the maple tree spinlock instead of
 * mmap_lock.  Where it wins: a fault that cannot finish speculatively
 * spins on the tree lock behind the writer instead of sleeping on
 * mmap_lock, and writers never wait for sleeping readers -- page_fault1 at
 * 64 threads (every thread's mmap merges into one VMA, so faults race the
 * writers) and the ebizzy mix at 16.  What it costs: with writers only
 * (mmap1, 64 threads) it gains little -- the queued spinlock's handoff is
 * one transfer; mmap_lock's optimistic spinning hands over as fast but its
 * new owner then passes the osq on inside its critical section
 * (osq_unlock()'s xchg of a node line its successor wrote), and mt-lock
 * comes out 1-4% faster (seeds 1-3).  page_fault1 has one mmap per thread,
 * 64 in a run, so its mmap latencies are pooled over three seeds (mean
 * over seeds 1-8: mt-lock 34.5 us, rcu-fault 90.7, global-rwsem 70.4).
 */
#define MT_SEEDS 3
static int test_mt_lock(void)
{
	static const char *const schemes[] = { "global-rwsem", "rcu-fault", "mt-lock" };
	static const struct { const char *w; int cpus; int seeds; } cases[] = {
		{ "page_fault1", 64, MT_SEEDS }, { "ebizzy", 16, 1 }, { "mmap1", 64, 1 },
	};
	double fault[3][3] = { { 0 } }, mmap_ns[3][3] = { { 0 } }, mmap_tput[3][3] = { { 0 } };
	double mmap_max[3][3] = { { 0 } };
	uint64_t locked = 0, success = 0;
	int c, s, seed;

	for (c = 0; c < 3; c++) {
		for (s = 0; s < 3; s++) {
			for (seed = 1; seed <= cases[c].seeds; seed++) {
				const struct op_result *f, *m;
				struct run_result r;
				char err[512];

				CHECK(run_seed(cases[c].w, schemes[s], NULL, cases[c].cpus,
					       (uint64_t)seed, &r, err, sizeof(err), 0, NULL) == 0);
				CHECK(!strcmp(r.status, RUN_COMPLETE));
				CHECK(result_counter(&r, "ops_in") ==
				      result_counter(&r, "ops_replayed"));
				f = result_op(&r, "fault");
				m = result_op(&r, "mmap");
				CHECK(m);
				fault[c][s] += (f ? f->throughput_per_s : 0) / cases[c].seeds;
				mmap_ns[c][s] += m->mean_ns / cases[c].seeds;
				mmap_tput[c][s] += m->throughput_per_s / cases[c].seeds;
				if ((double)m->max_ns > mmap_max[c][s])
					mmap_max[c][s] = (double)m->max_ns;
				if (c == 1 && s == 2) {
					locked = result_counter(&r, "MT_FAULT_LOCKED");
					success = result_counter(&r, "MT_FAULT_SUCCESS");
				}
				run_result_free(&r);
			}
			printf("  %-11s %2d CPUs %-12s %9.0f faults/s  mmap %7.0f/s mean %7.0f ns "
			       "max %7.0f ns (%d seed%s)\n",
			       cases[c].w, cases[c].cpus, schemes[s], fault[c][s], mmap_tput[c][s],
			       mmap_ns[c][s], mmap_max[c][s], cases[c].seeds,
			       cases[c].seeds > 1 ? "s" : "");
		}
	}
	printf("  ebizzy mt-lock: MT_FAULT_SUCCESS %llu, MT_FAULT_LOCKED %llu\n",
	       (unsigned long long)success, (unsigned long long)locked);
	/* page_fault1: mmap waits less than under either mmap_lock scheme, and
	 * its worst case is bounded by the tree lock, not by sleeping faults. */
	CHECK(mmap_ns[0][2] < 0.85 * mmap_ns[0][1] && mmap_ns[0][2] < 0.6 * mmap_ns[0][0]);
	CHECK(mmap_max[0][2] < 0.5 * mmap_max[0][1] && mmap_max[0][2] < 0.5 * mmap_max[0][0]);
	/* (by less than the mmap_lock gap alone would give: every scheme's
	 * faults also share zone->lock, lru_lock and the memcg counters) */
	CHECK(fault[0][2] > 0.97 * fault[0][1] && fault[0][2] > 1.2 * fault[0][0]);
	/* ebizzy: the locked tier beats sleeping on mmap_lock. */
	CHECK(fault[1][2] > 1.05 * fault[1][1] && fault[1][2] > 1.5 * fault[1][0]);
	CHECK(locked > 0 && success > 20 * locked);
	/*
	 * mmap1, writers only: the tree lock serializes less than mmap_lock,
	 * whose munmap takes it three times (write, downgrade, read unlock:
	 * __do_munmap()'s downgrade since 4.20) and sleeps when contended.
	 */
	CHECK(mmap_tput[2][2] > mmap_tput[2][0]);
	return 0;
}

/*
 * do_user_addr_fault() takes mmap_lock with mmap_read_trylock() first (a
 * load and a cmpxchg loop) and sleeps in mmap_read_lock() only when that
 * fails.  With threads mapping and unmapping (ebizzy), faults meet writers
 * and the trylock fails; among readers alone the cmpxchg loses races.
 */
static int test_fault_trylock_first(void)
{
	static const char *const schemes[] = { "global-rwsem", "pervma-refcount" };
	int s;

	for (s = 0; s < 2; s++) {
		struct run_result r;
		char err[512];

		CHECK(run("ebizzy", schemes[s], NULL, 8, &r, err, sizeof(err), 0, NULL) == 0);
		CHECK(!strcmp(r.status, RUN_COMPLETE));
		printf("  %-16s ebizzy, 8 CPUs: mmap_read_trylock_failed %llu, cmpxchg_failed %llu\n",
		       schemes[s], (unsigned long long)result_counter(&r, "mmap_read_trylock_failed"),
		       (unsigned long long)result_counter(&r, "cmpxchg_failed"));
		CHECK(result_counter(&r, "mmap_read_trylock_failed") > 0);
		CHECK(result_counter(&r, "cmpxchg_failed") > 0);
		run_result_free(&r);
	}
	return 0;
}

/* The suite reports it as a livelock (not a deadlock), naming the tasks. */
static int test_livelock_caught(void)
{
	struct check_opts opts = { .seeds = 2, .only = "fault-vs-mprotect", .log = NULL };
	struct check_outcome out;

	check_scheme(&livelock_ops, &opts, &out);
	printf("  %llu runs, %llu violations, kinds %s\n  first: %s\n",
	       (unsigned long long)out.runs, (unsigned long long)out.violations, out.kinds,
	       out.first);
	CHECK(out.runs == 2 && out.failed_runs == 2 && out.violations == 2);
	CHECK(!strcmp(out.kinds, "livelock"));
	CHECK(strstr(out.first, "no op completed since") && strstr(out.first, "tasks 0,1,2 run"));

	/* A run of it is FAILED, with the livelock alone (no deadlock on top). */
	{
		const char *params[] = { "livelock_ms=5" };
		struct run_result r;
		char err[512];

		schemes_init();
		CHECK(scheme_register(&livelock_ops, err, sizeof(err)) == 0);
		CHECK(run("pft", "t-livelock", NULL, 4, &r, err, sizeof(err), 1, params) == 0);
		printf("  run: %s, %llu violations: %s %s\n", r.status,
		       (unsigned long long)r.violations_total,
		       r.nviolations ? r.violations[0].kind : "", r.nviolations ? r.violations[0].detail : "");
		CHECK(!strcmp(r.status, RUN_FAILED) && r.violations_total == 1);
		CHECK(!strcmp(r.violations[0].kind, "livelock"));
		CHECK(r.violations[0].t_ns <= 12000000);
		run_result_free(&r);
	}
	return 0;
}

static uint64_t counter_of(const struct run_result *r, const char *name)
{
	int i;

	for (i = 0; i < r->ncounters; i++)
		if (!strcmp(r->counters[i].name, name))
			return r->counters[i].value;
	return 0;
}

/*
 * Two runs of the README's example sweep that livelocked: an mmap_lock
 * writer queued in the rwsem's osq kept its CPU from the handoff waiter
 * woken onto it, while the osq head spun on the free lock the handoff bit
 * reserved (see sync/rwsem_osq_resched).  pervma-refcount is the README's
 * own run; spf-srcu size=64M seed 1 takes seconds, so a smaller instance of
 * the same livelock stands for it.
 */
static int test_readme_sweep_livelock(void)
{
	static const struct { const char *scheme, *size; const char *param; uint64_t seed; } v[] = {
		{ "pervma-refcount", "size=16M", "variant=rwsem", 1 },
		{ "spf-srcu", "size=24M", NULL, 3 },
	};
	size_t i;

	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		struct run_spec spec = { .trace = "pft", .scheme = v[i].scheme, .cpus = 16,
					 .threads = 64, .seed = v[i].seed };
		struct run_result r;
		char err[512];

		spec.params[spec.nparams++] = v[i].size;
		/* each thread its own mapping, as pft's runs in the sweep were */
		spec.params[spec.nparams++] = "shared=0";
		spec.params[spec.nparams++] = "think_scale=0";
		spec.params[spec.nparams++] = "livelock_ms=20";
		if (v[i].param)
			spec.params[spec.nparams++] = v[i].param;
		CHECK(run_simulation(&spec, &r, err, sizeof(err)) == 0);
		printf("  %s %s seed %llu: %s, %.3f ms, %llu of %llu ops, %llu osq unqueues%s%s\n",
		       v[i].scheme, v[i].size, (unsigned long long)v[i].seed, r.status,
		       (double)r.sim_ns / 1e6, (unsigned long long)counter_of(&r, "ops_replayed"),
		       (unsigned long long)counter_of(&r, "ops_in"),
		       (unsigned long long)counter_of(&r, "osq_unqueue"),
		       r.nviolations ? ": " : "", r.nviolations ? r.violations[0].detail : "");
		CHECK(!strcmp(r.status, RUN_COMPLETE) && r.violations_total == 0);
		CHECK(counter_of(&r, "ops_replayed") == counter_of(&r, "ops_in"));
		run_result_free(&r);
	}
	return 0;
}

/*
 * Lespinasse's one-atomic-per-VMA experiment: the increment and the
 * decrement sit around the copy of the whole VMA to the stack, which
 * outlasts the window a CPU keeps a line it received, so under contention
 * each of them moves the VMA's line: two transfers per fault, not one.
 */
static int test_spf_vma_atomic_copy(void)
{
	struct run_spec spec = { .trace = "pft", .scheme = "spf-srcu",
				 .machine = "xeon-e5-2690v3-2s", .cpus = 16, .threads = 16,
				 .seed = 1 };
	struct run_result r;
	char err[512];
	uint64_t faults = 0, xfers;
	int i;

	spec.params[spec.nparams++] = "variant=lespinasse";
	spec.params[spec.nparams++] = "vma_atomic=1";
	spec.params[spec.nparams++] = "shared=1";
	spec.params[spec.nparams++] = "size=2M";
	spec.params[spec.nparams++] = "iterations=1";
	spec.params[spec.nparams++] = "think_scale=0";
	CHECKF(run_simulation(&spec, &r, err, sizeof(err)) == 0, "%s", err);
	for (i = 0; i < r.nops; i++)
		if (!strcmp(r.ops[i].op, "fault"))
			faults = r.ops[i].count;
	xfers = counter_of(&r, "line_transfers:vma_lock");
	printf("  %llu faults, %llu transfers of the VMA's lock line (%.2f per fault)\n",
	       (unsigned long long)faults, (unsigned long long)xfers,
	       faults ? (double)xfers / (double)faults : 0.0);
	CHECK(faults > 0);
	CHECK(xfers > faults * 3 / 2);
	run_result_free(&r);
	return 0;
}

const struct test_case scheme_tests[] = {
	{ "schemes/registration_rules", test_registration_rules },
	{ "schemes/param_validation", test_param_validation },
	{ "schemes/safety_suite", test_safety_suite },
	{ "schemes/safety_variants", test_safety_variants },
	{ "schemes/livelock_caught", test_livelock_caught },
	{ "schemes/readme_sweep_livelock", test_readme_sweep_livelock },
	{ "schemes/plugin", test_plugin },
	{ "schemes/pft_shared_vma", test_pft_shared_vma },
	{ "schemes/ebizzy_mix", test_ebizzy_mix },
	{ "schemes/pervma_rwsem_variant", test_pervma_rwsem_variant },
	{ "schemes/mt_lock", test_mt_lock },
	{ "schemes/fault_trylock_first", test_fault_trylock_first },
	{ "schemes/spf_vma_atomic_copy", test_spf_vma_atomic_copy },
	{ NULL, NULL },
};
