/* The address-space model and replay, through run_simulation(). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "schemes/registry.h"
#include "sim/run/check_suite.h"
#include "sim/core/task.h"
#include "sim/mm/mm.h"
#include "sim/mm/pgtable.h"
#include "sim/run/run.h"
#include "sim/run/sim.h"
#include "tests/scratch.h"
#include "tests/test.h"
#include "tests/workloads.h"


static int run_seed(const char *trace, const char *scheme, int cpus, int threads,
		    uint64_t seed, struct run_result *res, int nparams, const char **params)
{
	struct run_spec spec = { .trace = trace, .scheme = scheme, .cpus = cpus,
				 .threads = threads, .seed = seed, .nparams = nparams };
	char err[512];
	int i;

	for (i = 0; i < nparams; i++)
		spec.params[i] = params[i];
	if (run_simulation(&spec, res, err, sizeof(err))) {
		printf("  run failed: %s\n", err);
		return -1;
	}
	return 0;
}

static int run(const char *trace, const char *scheme, int cpus, int threads,
	       struct run_result *res, int nparams, const char **params)
{
	return run_seed(trace, scheme, cpus, threads, 1, res, nparams, params);
}

/*
 * munmap zaps under the read lock, as __do_munmap() has since 4.20: the
 * write hold of mmap_lock ends when the VMAs are out of the tree, so the
 * munmaps' zaps (most of their time) are not in it.  A 4.19 or older
 * baseline holds it for write to the end.
 */
static int test_munmap_downgrade(void)
{
	static const char *const schemes[] = { "global-rwsem", "pervma-refcount", "rcu-fault" };
	const char *params[] = { "size=16M", "iterations=1" };
	int s;

	for (s = 0; s < 3; s++) {
		struct run_result r;
		const struct op_result *u;
		const struct lock_result *w;
		double munmap_ns;

		CHECK(run("pft", schemes[s], 4, 4, &r, 2, params) == 0);
		CHECK(!strcmp(r.status, RUN_COMPLETE));
		u = result_op(&r, "munmap");
		w = result_lock(&r, "mmap_lock");
		CHECK(u && w);
		munmap_ns = u->mean_ns * (double)u->count;
		printf("  %-16s munmap %.0f us in all, mmap_lock held for write %.0f us in all\n",
		       schemes[s], munmap_ns / 1e3, w->hold_ns / 1e3);
		CHECK(w->hold_ns < 0.5 * munmap_ns);
		run_result_free(&r);
	}

	/* Before 4.20 (global-rwsem -p munmap_downgrade=0) the zap is in the write hold. */
	{
		const char *old[] = { "size=16M", "iterations=1", "munmap_downgrade=0" };
		struct run_result r;
		const struct op_result *u;
		const struct lock_result *w;
		double munmap_ns;

		CHECK(run("pft", "global-rwsem", 4, 4, &r, 3, old) == 0);
		CHECK(!strcmp(r.status, RUN_COMPLETE));
		u = result_op(&r, "munmap");
		w = result_lock(&r, "mmap_lock");
		CHECK(u && w);
		munmap_ns = u->mean_ns * (double)u->count;
		printf("  %-16s munmap %.0f us in all, mmap_lock held for write %.0f us in all "
		       "(munmap_downgrade=0)\n", "global-rwsem", munmap_ns / 1e3, w->hold_ns / 1e3);
		CHECK(w->hold_ns > 0.9 * munmap_ns);
		run_result_free(&r);
	}
	return 0;
}

/*
 * -p page_size=64K (ppc64): the workload steps by 64 KiB (ebizzy's
 * getpagesize()), so a 512 KiB copy is 8 faults, and each fault clears a
 * whole 64 KiB page, sixteen times the machine's 4 KiB clear_page().
 */
static int test_page_size(void)
{
	const char *base[] = { "touch=1", "random_size=0", "chunks=1", "ops=3000",
			       "think_scale=0" };
	const char *big[] = { "touch=1", "random_size=0", "chunks=1", "ops=3000",
			      "think_scale=0", "page_size=64K" };
	const struct machine *m = machine_find("xeon-8176-2s", NULL);
	struct run_result r4, r64;
	const struct op_result *f4, *f64, *u4, *u64;

	CHECK(m);
	CHECK(run("ebizzy", "global-rwsem", 1, 1, &r4, 5, base) == 0);
	CHECK(run("ebizzy", "global-rwsem", 1, 1, &r64, 6, big) == 0);
	f4 = result_op(&r4, "fault");
	f64 = result_op(&r64, "fault");
	u4 = result_op(&r4, "munmap");
	u64 = result_op(&r64, "munmap");
	CHECK(f4 && f64 && u4 && u64);
	/* the one chunk filled first, then a copy per munmap (one may be unfinished) */
	printf("  faults per copy %.1f (4K) %.1f (64K); mean fault %.0f ns (4K) %.0f ns (64K)\n",
	       (double)(f4->count - 128) / (double)u4->count,
	       (double)(f64->count - 8) / (double)u64->count, f4->mean_ns, f64->mean_ns);
	CHECK(f4->count - 128 >= 128 * u4->count && f4->count - 128 < 128 * (u4->count + 1));
	CHECK(f64->count - 8 >= 8 * u64->count && f64->count - 8 < 8 * (u64->count + 1));
	CHECK(f64->mean_ns - f4->mean_ns > 0.9 * 15 * (double)m->cost.page_zero);
	run_result_free(&r4);
	run_result_free(&r64);
	return 0;
}

/*
 * mm_struct as include/linux/mm_types.h lays it out: mmap_lock's count and
 * owner on different lines (on purpose), page_table_lock on the count's,
 * the per-VMA lock's vm_refcnt on a line of its own, not on the fields.
 */
static int test_struct_layout(void)
{
	struct sim_config cfg = { .machine = machine_find("xeon-8176-2s", NULL), .ncpus = 2, .seed = 1 };
	char err[256];
	const struct scheme_ops *ops = scheme_find("global-rwsem", err, sizeof(err));
	struct mm_struct *mm;

	CHECK(ops);
	sim_begin(&cfg);
	mm = mm_alloc(ops, NULL);	/* NULL: the scheme's defaults */
	CHECK(mm->mmap_lock.count.line != mm->mmap_lock.owner.line);
	CHECK(mm->page_table_lock.line == mm->mmap_lock.count.line);
	CHECK(mm->mmap_lock.wait_lock.line == mm->mmap_lock.owner.line);
	mm_free(mm);
	sim_end();
	return 0;
}

/*
 * Each task's lookup keeps the page table it found last: once that one is
 * freed (free_pgtables()), neither task finds it again, and each finds the
 * one allocated in its place; a lookup that found nothing is not kept, so
 * the next one finds what was allocated meanwhile.
 */
struct pt_lookup_case {
	struct mm_struct *mm;
	struct pt_page *first;
	int fails;
};

#define PT_CASE_ADDR	(64UL << 21)

static void pt_lookup_owner(void *arg)
{
	struct pt_lookup_case *c = arg;
	struct pt_page *again;

	c->fails += pt_lookup(c->mm, PT_CASE_ADDR) != NULL;
	c->first = pt_alloc(c->mm, PT_CASE_ADDR);
	c->fails += pt_lookup(c->mm, PT_CASE_ADDR) != c->first;
	c->fails += pt_lookup(c->mm, PT_CASE_ADDR + (1UL << 21)) != NULL;
	task_delay(1000);		/* the other task looks it up */
	pt_free_if_unused(c->mm, c->first);
	c->fails += pt_lookup(c->mm, PT_CASE_ADDR) != NULL;
	task_delay(1000000);		/* past the grace period: back in the pool */
	again = pt_alloc(c->mm, PT_CASE_ADDR);
	c->fails += pt_lookup(c->mm, PT_CASE_ADDR) != again;
	task_delay(1000);
}

static void pt_lookup_other(void *arg)
{
	struct pt_lookup_case *c = arg;

	task_delay(500);
	c->fails += pt_lookup(c->mm, PT_CASE_ADDR) != c->first;
	task_delay(1000);		/* freed meanwhile */
	c->fails += pt_lookup(c->mm, PT_CASE_ADDR) != NULL;
	task_delay(2000000);		/* and allocated again */
	c->fails += pt_lookup(c->mm, PT_CASE_ADDR) == NULL ||
		    pt_dead(pt_lookup(c->mm, PT_CASE_ADDR));
}

static int test_pt_lookup_follows_free(void)
{
	struct sim_config cfg = { .machine = machine_find("xeon-8176-2s", NULL), .ncpus = 2, .seed = 1 };
	struct pt_lookup_case c = { 0 };

	sim_begin(&cfg);
	c.mm = mm_alloc(scheme_find("global-rwsem", NULL, 0), NULL);
	task_create("owner", pt_lookup_owner, &c, 0, 0);
	task_create("other", pt_lookup_other, &c, 1, 0);
	sim_run(UINT64_MAX);
	CHECKF(c.fails == 0, "%d lookups found what the page tables do not hold", c.fails);
	CHECK(c.first != NULL);
	mm_free(c.mm);
	sim_end();
	return 0;
}

/*
 * pte_next_present() against a page-by-page scan, over random ranges of a
 * table filled at random: sparse, dense, and with whole empty words.
 */
struct pte_scan_case {
	struct mm_struct *mm;
	int checked, wrong;
};

static void pte_scan_task(void *arg)
{
	struct pte_scan_case *c = arg;
	struct pt_page *pt = pt_alloc(c->mm, PT_CASE_ADDR);
	unsigned long base = pt_start(pt), x = 12345;
	int fill, i;

	for (fill = 0; fill < 3; fill++) {
		for (i = 0; i < 512; i++) {
			x = x * 6364136223846793005UL + 1442695040888963407UL;
			/* 1 in 16, 1 in 2, and nothing from PTE 64 to 255 */
			if ((fill == 0 && (x >> 60) == 0) || (fill == 1 && (x >> 63)) ||
			    (fill == 2 && (i < 64 || i > 255) && (x >> 62) == 0))
				pte_set(c->mm, pt, base + ((unsigned long)i << PAGE_SHIFT), true);
		}
		for (i = 0; i < 2000; i++) {
			unsigned long lo, hi, want, got;

			x = x * 6364136223846793005UL + 1442695040888963407UL;
			lo = base + ((x >> 20) % 513) * PAGE_SIZE;
			hi = base + ((x >> 40) % 513) * PAGE_SIZE;
			for (want = lo; want < hi && !pte_present(pt, want); want += PAGE_SIZE)
				;
			if (lo >= hi)
				want = hi;	/* an empty range: its end */
			got = pte_next_present(pt, lo, hi);
			c->wrong += got != want;
			c->checked++;
		}
		for (i = 0; i < 512; i++)
			pte_clear(c->mm, pt, base + ((unsigned long)i << PAGE_SHIFT));
	}
}

static int test_pte_next_present(void)
{
	struct sim_config cfg = { .machine = machine_find("xeon-8176-2s", NULL), .ncpus = 1, .seed = 1 };
	struct pte_scan_case c = { 0 };

	sim_begin(&cfg);
	c.mm = mm_alloc(scheme_find("global-rwsem", NULL, 0), NULL);
	task_create("scan", pte_scan_task, &c, 0, 0);
	sim_run(UINT64_MAX);
	CHECKF(c.checked == 6000 && c.wrong == 0, "%d of %d scans found another PTE", c.wrong,
	       c.checked);
	mm_free(c.mm);
	sim_end();
	return 0;
}

static int test_pft_global_rwsem(void)
{
	struct run_result r;
	const struct op_result *f;

	CHECK(run("pft", "global-rwsem", 4, 4, &r, 0, NULL) == 0);
	f = result_op(&r, "fault");
	CHECK(f);
	printf("  %s: %llu faults, %.0f faults/s, mean %.0f ns p99 %llu ns; ops in %llu replayed %llu, "
	       "sim %.3f ms, %llu events, %.2f s wall\n", r.status, (unsigned long long)f->count,
	       f->throughput_per_s, f->mean_ns, (unsigned long long)f->p99_ns,
	       (unsigned long long)result_counter(&r, "ops_in"), (unsigned long long)result_counter(&r, "ops_replayed"),
	       r.sim_ns / 1e6, (unsigned long long)r.events, r.wall_s);
	CHECK(!strcmp(r.status, RUN_COMPLETE));
	CHECK(result_counter(&r, "ops_in") == result_counter(&r, "ops_replayed"));
	CHECK(result_counter(&r, "fault_anon") == f->count);
	CHECK(f->mean_ns > 500 && f->mean_ns < 5000);
	run_result_free(&r);
	return 0;
}

static int test_real_traces_replay(void)
{
	static const char *const traces[] = { "traces/samples/xz.perf.txt.xz",
					      "traces/samples/py.perf.txt.xz",
					      "traces/samples/py.strace.xz" };
	struct run_result r;
	size_t i;

	for (i = 0; i < 3; i++) {
		CHECK(run(traces[i], "global-rwsem", 4, 0, &r, 0, NULL) == 0);
		printf("  %s: %s, %d threads, ops in %llu replayed %llu, op errors %llu, "
		       "sim %.1f ms, %.2f s wall\n", traces[i], r.status, r.threads,
		       (unsigned long long)result_counter(&r, "ops_in"),
		       (unsigned long long)result_counter(&r, "ops_replayed"),
		       (unsigned long long)result_counter(&r, "op_errors"), r.sim_ns / 1e6, r.wall_s);
		CHECK(!strcmp(r.status, RUN_COMPLETE));
		CHECK(result_counter(&r, "ops_in") == result_counter(&r, "ops_replayed"));
		run_result_free(&r);
	}
	return 0;
}


/*
 * --timeline: Chrome trace-event JSON that ui.perfetto.dev opens.  Checked
 * with Python's json module: the required fields of every event, the
 * tracks (CPUs, tasks, grace periods), and that spans on one track nest
 * instead of overlapping (Perfetto draws overlapping ones wrong).
 */
static int test_timeline_json(void)
{
	static const char *const check =
		"import json,sys,collections\n"
		"d=json.load(open(sys.argv[1]))\n"
		"ev=d['traceEvents']\n"
		"cats=collections.Counter()\n"
		"tracks=collections.defaultdict(list)\n"
		"for e in ev:\n"
		"  assert e['ph'] in ('X','M'), e\n"
		"  assert isinstance(e['pid'],int) and isinstance(e['tid'],int), e\n"
		"  if e['ph']=='X':\n"
		"    assert e['dur']>=0 and e['ts']>=0 and e['name'], e\n"
		"    cats[e['cat']]+=1\n"
		"    tracks[(e['pid'],e['tid'])].append((e['ts'],e['ts']+e['dur']))\n"
		"for k,sp in tracks.items():\n"
		"  sp.sort(key=lambda x:(x[0],-x[1])); stack=[]\n"
		"  for a,b in sp:\n"
		"    while stack and stack[-1]<=a+1e-6: stack.pop()\n"
		"    assert not stack or b<=stack[-1]+1e-6, (k,a,b,stack[-1])\n"
		"    stack.append(b)\n"
		"for c in ('op','run','lock','sleep','gp'):\n"
		"  assert cats[c]>0, (c,cats)\n"
		"print('  %d events, categories %s, %d tracks' % (len(ev), dict(cats), len(tracks)))\n";
	char json[] = "/tmp/mmlocksim-timeline-XXXXXX", py[] = "/tmp/mmlocksim-check-XXXXXX";
	struct run_spec spec = { .trace = "ebizzy", .scheme = "spf-srcu", .cpus = 8, .threads = 8,
				 .seed = 1, .timeline = json };
	struct run_result r;
	char err[512], cmd[256];
	int fd;
	FILE *f;

	fd = mkstemp(json);
	CHECK(fd >= 0);
	close(fd);
	spec.params[spec.nparams++] = "ops=20000";
	CHECK(run_simulation(&spec, &r, err, sizeof(err)) == 0);
	run_result_free(&r);
	fd = mkstemp(py);
	CHECK(fd >= 0);
	f = fdopen(fd, "w");
	fputs(check, f);
	fclose(f);
	snprintf(cmd, sizeof(cmd), "/usr/bin/python3 %s %s", py, json);
	CHECK(system(cmd) == 0);
	unlink(py);
	unlink(json);
	return 0;
}

/* A timeline that cannot be written is an error, and leaves nothing. */
static int test_timeline_unwritable(void)
{
	struct run_spec spec = { .trace = "pft", .scheme = "global-rwsem", .cpus = 2, .seed = 1,
				 .timeline = "/nonexistent-dir/t.json" };
	struct run_result r;
	char err[512];

	CHECK(run_simulation(&spec, &r, err, sizeof(err)) == -1);
	printf("  %s\n", err);
	CHECK(strstr(err, "/nonexistent-dir/t.json"));
	CHECK(!strcmp(r.status, RUN_ERROR));
	run_result_free(&r);
	return 0;
}

/* Every generator, replayed: every op in is an op replayed. */
static int test_generators_replay(void)
{
	static const char *const workloads[] = { "pft", "page_fault1", "page_fault2", "page_fault3",
						 "mmap1", "mmap2", "ebizzy", "jvm", "anonvma",
						 "multi_fault" };
	const char *params[] = { "ops=30000" };
	struct run_result r;
	size_t i;

	for (i = 0; i < sizeof(workloads) / sizeof(workloads[0]); i++) {
		CHECK(run(workloads[i], "pervma-refcount", 8, 8, &r, 1, params) == 0);
		printf("  %-12s %s, ops in %llu replayed %llu, op errors %llu\n", workloads[i],
		       r.status, (unsigned long long)result_counter(&r, "ops_in"),
		       (unsigned long long)result_counter(&r, "ops_replayed"),
		       (unsigned long long)result_counter(&r, "op_errors"));
		CHECK(!strcmp(r.status, RUN_COMPLETE));
		CHECK(result_counter(&r, "ops_in") == result_counter(&r, "ops_replayed"));
		CHECK(result_counter(&r, "ops_in") > 1000);
		run_result_free(&r);
	}
	return 0;
}

/*
 * The anon_vma lock as a spinlock (before the mmu-notifier work)
 * against the rw_semaphore (today), under the anonvma workload with eight
 * kswapd-like rmap walkers (500 walks/ms each) on a 1 MiB shared region.
 * Writers that find walkers holding the lock sleep with the rwsem (and
 * readers keep arriving) where they spun with the spinlock, so brk, whose
 * heap growth is a vma_adjust() under the lock, is slower with the rwsem:
 * the direction the conversion's critics reported.  Checked on seeds 1-3,
 * each; with a lighter reclaim load (one walker at 200 walks/ms) brk meets
 * a walker so rarely that its mean moves more with the seed than with the
 * lock kind.
 */
static int test_anon_vma_lock(void)
{
	static const char *const kinds[] = { "spinlock", "rwsem" };
	struct run_result r;
	int k, seed;

	for (seed = 1; seed <= 3; seed++) {
		double brk_mean[2] = { 0, 0 };

		for (k = 0; k < 2; k++) {
			char lock[64];
			const char *params[] = { "rmap_walks=500", "rmap_walkers=8", "region=1M",
						 lock };
			const struct op_result *brk, *fork, *fault;
			const struct lock_result *w;

			snprintf(lock, sizeof(lock), "anon_vma_lock=%s", kinds[k]);
			CHECK(run_seed("anonvma", "pervma-refcount", 16, 8, (uint64_t)seed, &r, 4,
				       params) == 0);
			brk = result_op(&r, "brk");
			fork = result_op(&r, "fork");
			fault = result_op(&r, "fault");
			w = result_lock(&r, "anon_vma");
			CHECK(brk && fork && fault && w);
			printf("  seed %d %-8s %s: brk mean %.1f ns (p99 %llu), fork mean %.0f ns, "
			       "faults %.0f/s, anon_vma writers: %llu contended, %.0f ns wait each; "
			       "rmap walks %llu, violations %llu\n", seed,
			       kinds[k], r.status, brk->mean_ns, (unsigned long long)brk->p99_ns,
			       fork->mean_ns, fault->throughput_per_s,
			       (unsigned long long)w->contended,
			       w->contended ? (double)w->wait_ns / (double)w->contended : 0,
			       (unsigned long long)result_counter(&r, "rmap_walks"),
			       (unsigned long long)r.violations_total);
			CHECK(!strcmp(r.status, RUN_COMPLETE));
			CHECK(r.violations_total == 0);
			CHECK(result_counter(&r, "ops_in") == result_counter(&r, "ops_replayed"));
			CHECK(result_counter(&r, "rmap_walks") > 1000);
			CHECK(fork->count == 4 && fork->mean_ns > 0);
			brk_mean[k] = brk->mean_ns;
			run_result_free(&r);
		}
		printf("  seed %d brk: rwsem / spinlock = %.3f\n", seed, brk_mean[1] / brk_mean[0]);
		CHECK(brk_mean[1] > brk_mean[0]);
	}
	return 0;
}

/*
 * i_mmap locking, spinlock against rw_semaphore, under a
 * fork-heavy anonvma (20 children forked 20 us apart, each linking the
 * parent's 8 library mappings into the files' i_mmap at fork, living on
 * for 20 ms, and unlinking them at exit) with four kswapd-like walkers
 * doing file rmap walks, each visiting every process that maps the page.
 * The rwsem lets the walkers share the lock: with the spinlock they exclude
 * each other, so it is contended several times as often and waited on
 * longer in total.  fork's mean is
 * printed, not checked: i_mmap is a small part of a fork, and which kind
 * makes it faster changes from seed to seed.  The walks reach the children's VMAs (a fork links its
 * copies into the parent's files), and every child's VMAs are unlinked
 * before they are freed (no use-after-free from a walker).
 */
static int test_i_mmap_lock(void)
{
	static const char *const kinds[] = { "spinlock", "rwsem" };
	uint64_t contended[2] = { 0, 0 }, wait[2] = { 0, 0 };
	struct run_result r;
	int k;

	for (k = 0; k < 2; k++) {
		char lock[64];
		const char *params[] = { "forks=20", "fork_interval=20us", "libs=8",
					 "child_faults=16", "child_lib_faults=64", "child_life=20ms",
					 "rmap_walks=500", "rmap_walkers=4", lock };
		const struct lock_result *rd, *wr;
		const struct op_result *fork;
		uint64_t acquired;

		snprintf(lock, sizeof(lock), "i_mmap_lock=%s", kinds[k]);
		CHECK(run("anonvma", "pervma-refcount", 32, 24, &r, 9, params) == 0);
		fork = result_op(&r, "fork");
		/* A spinlock has one class for both sides; an rwsem's reads are
		 * "i_mmap/read". */
		wr = result_lock(&r, "i_mmap");
		rd = k ? result_lock(&r, "i_mmap/read") : NULL;
		CHECK(fork && wr && (rd || !k));
		acquired = wr->acquisitions + (rd ? rd->acquisitions : 0);
		contended[k] = wr->contended + (rd ? rd->contended : 0);
		wait[k] = wr->wait_ns + (rd ? rd->wait_ns : 0);
		printf("  %-8s %s: fork mean %.0f ns (%llu); i_mmap acquired %llu, contended %llu, "
		       "wait %.2f ms; file walks %llu over %llu VMAs, violations %llu\n",
		       kinds[k], r.status, fork->mean_ns, (unsigned long long)fork->count,
		       (unsigned long long)acquired, (unsigned long long)contended[k],
		       (double)wait[k] / 1e6,
		       (unsigned long long)result_counter(&r, "rmap_walks_file"),
		       (unsigned long long)result_counter(&r, "rmap_walk_file_vmas"),
		       (unsigned long long)r.violations_total);
		CHECK(!strcmp(r.status, RUN_COMPLETE));
		CHECK(r.violations_total == 0);
		CHECK(result_counter(&r, "ops_in") == result_counter(&r, "ops_replayed"));
		CHECK(fork->count == 20);
		CHECK(result_counter(&r, "rmap_walks_file") > 10000);
		/* The children live on: a walk visits several processes' VMAs. */
		CHECK(result_counter(&r, "rmap_walk_file_vmas") >
		      4 * result_counter(&r, "rmap_walks_file"));
		run_result_free(&r);
	}
	printf("  i_mmap rwsem / spinlock: contended %.3f, wait %.2f\n",
	       (double)contended[1] / (double)(contended[0] ? contended[0] : 1),
	       (double)wait[1] / (double)(wait[0] ? wait[0] : 1));
	CHECK(contended[0] > 5 * contended[1]);
	CHECK(wait[0] > wait[1]);
	return 0;
}

/* --threads beyond the recorded threads clones thread groups: all replayed. */
static int test_threads_scaling(void)
{
	struct run_result r;

	CHECK(run("traces/samples/xz.perf.txt.xz", "rcu-fault", 16, 10, &r, 0, NULL) == 0);
	printf("  xz trace, 3 recorded threads -> %d tasks: %s, ops in %llu replayed %llu, "
	       "implicit VMAs %llu, mmaps placed elsewhere %llu\n", r.threads,
	       r.status, (unsigned long long)result_counter(&r, "ops_in"),
	       (unsigned long long)result_counter(&r, "ops_replayed"),
	       (unsigned long long)result_counter(&r, "implicit_vma"),
	       (unsigned long long)result_counter(&r, "mmap_relocated"));
	CHECK(r.threads == 10);
	CHECK(!strcmp(r.status, RUN_COMPLETE));
	CHECK(result_counter(&r, "ops_in") == result_counter(&r, "ops_replayed"));
	CHECK(result_counter(&r, "ops_in") > 3 * 72000);
	run_result_free(&r);
	return 0;
}

/*
 * The fork/VMA-lock race of Linux 6.4.0-6.4.11, found again: without
 * dup_mmap() write-locking the parent's VMAs (-p fork_vma_lock=0), a fault
 * that takes no mmap_lock links the VMA's anon_vma while fork copies it,
 * and the child maps anonymous pages that no rmap walk can find
 * (fork-rmap).  Every schedule with up to 2 preemptions of the
 * fault-vs-fork scenario (3 for ww-vma without the lock: its fork locks
 * every VMA first, and the window needs a third): with the lock, every
 * scheme is clean; without it, every scheme is caught but global-rwsem,
 * whose faults the fork's mmap_lock still excludes.
 */
static int test_fork_vma_lock(void)
{
	struct check_opts opts = { .seeds = 5, .exhaustive = 1, .preemptions = 2,
				   .only = "fault-vs-fork", .log = NULL };
	int i, caught = 0, lockless = 0;

	for (i = 0; i < scheme_count(); i++) {
		const struct scheme_ops *ops = scheme_at(i);
		struct check_outcome with, without;
		/*
		 * global-rwsem faults under mmap_lock, which fork holds; an SPF
		 * fault never allocates a page table (every series aborts on a
		 * missing pmd), so the first faults of a fresh mapping all take
		 * mmap_lock too: neither can have the bug in this scenario.
		 */
		bool mmap_lock_faults = !strcmp(ops->name, "global-rwsem") ||
					!strcmp(ops->name, "spf-srcu");

		if (ops->flags & (SCHEME_F_BROKEN | SCHEME_F_NO_COMPARE))
			continue;
		check_scheme(ops, &opts, &with);
		mm_params.fork_vma_lock = false;
		/* ww-vma's fork locks every VMA first: its window needs a third. */
		opts.preemptions = strcmp(ops->name, "ww-vma") ? 2 : 3;
		check_scheme(ops, &opts, &without);
		opts.preemptions = 2;
		mm_params.fork_vma_lock = true;
		printf("  %-16s fork_vma_lock=1: %5llu schedules, %llu violations; =0: %5llu "
		       "schedules, %llu violations %s\n", ops->name,
		       (unsigned long long)with.schedules, (unsigned long long)with.violations,
		       (unsigned long long)without.schedules,
		       (unsigned long long)without.violations, without.kinds);
		CHECK(with.violations == 0 && with.schedules > 500);
		if (mmap_lock_faults) {
			CHECK(without.violations == 0);
			continue;
		}
		lockless++;
		if (without.violations) {
			CHECK(!strcmp(without.kinds, "fork-rmap"));
			caught++;
		}
	}
	/* Every scheme whose faults skip mmap_lock has the 6.4.0 bug without it. */
	CHECK(lockless >= 4 && caught == lockless);
	return 0;
}

/*
 * A process's mm lives until its last thread exits, however the recorded
 * threads overlap in time: a thread that appears after the others have
 * ended was cloned while one of them lived.  Here thread 1 maps and ends,
 * then thread 2 mprotects and unmaps what it mapped; the mm is torn down
 * once, at the end.  (Replay used to tear it down when thread 1 ended and
 * hand thread 2 an empty mm.)  pft with more threads than CPUs: the later
 * tasks start only as the first ones end.
 */
static int test_replay_mm_outlives_threads(void)
{
	static const char *const schemes[] = { "global-rwsem", "pervma-refcount", "ww-vma" };
	const char *trace = scratch_path("late.strace");
	const char *pft[] = { "ops=300" };
	struct run_result r;
	size_t i;

	CHECK(write_file(trace,
		"1 1.000000 mmap(NULL, 8192, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, "
		"-1, 0) = 0x7f0000000000\n"
		"2 1.001000 mprotect(0x7f0000000000, 4096, PROT_READ) = 0\n"
		"2 1.002000 munmap(0x7f0000000000, 8192) = 0\n") == 0);
	for (i = 0; i < sizeof(schemes) / sizeof(schemes[0]); i++) {
		CHECK(run(trace, schemes[i], 4, 0, &r, 0, NULL) == 0);
		printf("  %-16s %s, %llu op errors, exit_mmap %llu\n", schemes[i], r.status,
		       (unsigned long long)result_counter(&r, "op_errors"),
		       (unsigned long long)result_counter(&r, "exit_mmap"));
		CHECK(!strcmp(r.status, RUN_COMPLETE));
		CHECK(result_counter(&r, "op_errors") == 0);
		CHECK(result_counter(&r, "exit_mmap") == 1);
		run_result_free(&r);
	}
	CHECK(run("pft", "global-rwsem", 4, 9, &r, 1, pft) == 0);
	printf("  pft, 4 CPUs, 9 threads: %s, exit_mmap %llu\n", r.status,
	       (unsigned long long)result_counter(&r, "exit_mmap"));
	CHECK(!strcmp(r.status, RUN_COMPLETE) && result_counter(&r, "exit_mmap") == 1);
	run_result_free(&r);
	return 0;
}

const struct test_case mm_tests[] = {
	{ "mm/fork_vma_lock", test_fork_vma_lock },
	{ "mm/generators_replay", test_generators_replay },
	{ "mm/threads_scaling", test_threads_scaling },
	{ "mm/anon_vma_lock", test_anon_vma_lock },
	{ "mm/i_mmap_lock", test_i_mmap_lock },
	{ "mm/pft_global_rwsem", test_pft_global_rwsem },
	{ "mm/struct_layout", test_struct_layout },
	{ "mm/pt_lookup_follows_free", test_pt_lookup_follows_free },
	{ "mm/pte_next_present", test_pte_next_present },
	{ "mm/munmap_downgrade", test_munmap_downgrade },
	{ "mm/page_size", test_page_size },
	{ "mm/real_traces_replay", test_real_traces_replay },
	{ "mm/timeline_json", test_timeline_json },
	{ "mm/timeline_unwritable", test_timeline_unwritable },
	{ "mm/replay_mm_outlives_threads", test_replay_mm_outlives_threads },
	{ NULL, NULL },
};

