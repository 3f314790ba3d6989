/*
 * The host microbenchmarks; see hostbench.h.
 *
 * Each is the loop its generator writes (traces/gen_wis.c,
 * traces/gen_vmaops.c), run by real threads, one pinned per CPU in turn,
 * released together by a barrier and timed from there to the last one's
 * end, as will-it-scale and pft time theirs.  Two choices keep the host's
 * work the simulator's:
 * - every mapping is madvise(MADV_NOHUGEPAGE): the model faults 4 KiB
 *   pages, and a THP fault would do 512 pages' work in one;
 * - an op count is split evenly among the threads, where the generator
 *   stops at the count in time order: with no think time (think_scale=0)
 *   both give every thread the same share.
 */
#include "sim/cli/hostbench.h"

#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "lib/xalloc.h"

#define PAGE 4096UL

uint64_t host_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

int host_cpus(int *cpus, int max)
{
	cpu_set_t set;
	int i, n = 0;

	if (sched_getaffinity(0, sizeof(set), &set) < 0) {
		cpus[0] = 0;
		return 1;
	}
	for (i = 0; i < CPU_SETSIZE && n < max; i++)
		if (CPU_ISSET(i, &set))
			cpus[n++] = i;
	return n ? n : (cpus[0] = 0, 1);
}

int host_pin(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	return sched_setaffinity(0, sizeof(set), &set);
}

/* ---- the harness ------------------------------------------------------- */

struct hb_run;

struct hb_thread {
	struct hb_run *run;
	int idx, cpu;
	uint64_t ops, metric_ops;
	uint64_t start_ns, end_ns;
	pthread_t tid;
};

struct hb_run {
	const struct hostbench_args *a;
	void (*body)(struct hb_thread *t);
	pthread_barrier_t start, phase;
	char *shared;			/* pft: the one mapping; vmaops: the arena */
	unsigned long cursor[HOSTBENCH_VMAS];	/* vmaops: next page of each VMA */
	int failed;
	char err[160];
	pthread_mutex_t lock;
};

static void hb_fail(struct hb_thread *t, const char *what)
{
	struct hb_run *r = t->run;

	pthread_mutex_lock(&r->lock);
	if (!r->failed) {
		r->failed = 1;
		snprintf(r->err, sizeof(r->err), "%s: %s", what, strerror(errno));
	}
	pthread_mutex_unlock(&r->lock);
}

static void *hb_main(void *arg)
{
	struct hb_thread *t = arg;

	/* A CPU we may not use is reported as not pinned, not fatal. */
	(void)host_pin(t->cpu);
	pthread_barrier_wait(&t->run->start);
	t->start_ns = host_ns();
	t->run->body(t);
	t->end_ns = host_ns();
	return NULL;
}

static char *anon_map(size_t len, int prot)
{
	char *p = mmap(NULL, len, prot, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		return NULL;
	madvise(p, len, MADV_NOHUGEPAGE);
	return p;
}

static int hb_harness(const struct hostbench_args *a, void (*body)(struct hb_thread *),
		      struct hb_run *run, struct hostbench_result *res, char *err, size_t errlen)
{
	struct hb_thread *th;
	int cpus[HOSTBENCH_MAX_THREADS], ncpus, i;
	uint64_t t0, end = 0;

	if (a->threads < 1 || a->threads > HOSTBENCH_MAX_THREADS) {
		snprintf(err, errlen, "expected 1 to %d threads, got %d", HOSTBENCH_MAX_THREADS,
			 a->threads);
		return -1;
	}
	ncpus = host_cpus(cpus, HOSTBENCH_MAX_THREADS);
	th = xcalloc((size_t)a->threads, sizeof(*th));
	run->a = a;
	run->body = body;
	pthread_mutex_init(&run->lock, NULL);
	pthread_barrier_init(&run->start, NULL, (unsigned)a->threads + 1);
	pthread_barrier_init(&run->phase, NULL, (unsigned)a->threads);
	for (i = 0; i < a->threads; i++) {
		th[i].run = run;
		th[i].idx = i;
		th[i].cpu = cpus[i % ncpus];
		if (pthread_create(&th[i].tid, NULL, hb_main, &th[i])) {
			fatal("pthread_create: %s", strerror(errno));
		}
	}
	pthread_barrier_wait(&run->start);
	/* From the first thread's start: with one on every CPU, we may not run until they end. */
	t0 = UINT64_MAX;
	memset(res, 0, sizeof(*res));
	for (i = 0; i < a->threads; i++) {
		pthread_join(th[i].tid, NULL);
		if (th[i].start_ns < t0)
			t0 = th[i].start_ns;
		res->ops += th[i].ops;
		res->metric_ops += th[i].metric_ops;
		if (th[i].end_ns > end)
			end = th[i].end_ns;
	}
	res->wall_s = (double)(end - t0) / 1e9;
	pthread_barrier_destroy(&run->start);
	pthread_barrier_destroy(&run->phase);
	pthread_mutex_destroy(&run->lock);
	free(th);
	if (run->failed) {
		snprintf(err, errlen, "%s", run->err);
		return -1;
	}
	return 0;
}

/* This thread's share of the op count. */
static uint64_t share(const struct hostbench_args *a, int idx)
{
	return a->ops / (uint64_t)a->threads + ((uint64_t)idx < a->ops % (uint64_t)a->threads);
}

/* ---- pft shared=1 ------------------------------------------------------- */

/*
 * Thread 0 maps size * threads, each thread write-faults its own slice,
 * thread 0 unmaps once all are through; barriers between the phases, as
 * the generator's (traces/gen_wis.c, shared_step()).
 */
static void pft_body(struct hb_thread *t)
{
	struct hb_run *r = t->run;
	const struct hostbench_args *a = r->a;
	size_t total = (size_t)a->size * (size_t)a->threads, pages = a->size / PAGE, i;
	uint64_t it;

	for (it = 0; it < a->iterations; it++) {
		if (!t->idx) {
			r->shared = anon_map(total, PROT_READ | PROT_WRITE);
			if (!r->shared)
				hb_fail(t, "mmap");
			t->ops++;
		}
		pthread_barrier_wait(&r->phase);
		if (r->failed)
			return;
		for (i = 0; i < pages; i++)
			((volatile char *)r->shared)[(t->idx * pages + i) * PAGE] = 1;
		t->ops += pages;
		t->metric_ops += pages;
		pthread_barrier_wait(&r->phase);
		if (!t->idx) {
			munmap(r->shared, total);
			t->ops++;
		}
	}
}

static int pft_run(const struct hostbench_args *a, struct hostbench_result *res,
		   char *err, size_t errlen)
{
	struct hb_run run = { 0 };

	return hb_harness(a, pft_body, &run, res, err, errlen);
}

/* ---- page_fault1 and mmap1 ---------------------------------------------- */

/* mmap, write every page (page_fault1) or none (mmap1), munmap, until the share is done. */
static void wis_loop(struct hb_thread *t, int touch)
{
	const struct hostbench_args *a = t->run->a;
	uint64_t left = share(a, t->idx), pages = a->size / PAGE, i;
	char *p;

	while (left) {
		p = anon_map(a->size, PROT_READ | PROT_WRITE);
		if (!p) {
			hb_fail(t, "mmap");
			return;
		}
		t->ops++;
		left--;
		if (!touch)
			t->metric_ops++;
		for (i = 0; touch && i < pages && left; i++, left--) {
			((volatile char *)p)[i * PAGE] = 1;
			t->ops++;
			t->metric_ops++;
		}
		munmap(p, a->size);
		if (left) {
			t->ops++;
			left--;
		}
	}
}

static void page_fault1_body(struct hb_thread *t)
{
	wis_loop(t, 1);
}

static void mmap1_body(struct hb_thread *t)
{
	wis_loop(t, 0);
}

static int page_fault1_run(const struct hostbench_args *a, struct hostbench_result *res,
			   char *err, size_t errlen)
{
	struct hb_run run = { 0 };

	return hb_harness(a, page_fault1_body, &run, res, err, errlen);
}

static int mmap1_run(const struct hostbench_args *a, struct hostbench_result *res,
		     char *err, size_t errlen)
{
	struct hb_run run = { 0 };

	return hb_harness(a, mmap1_body, &run, res, err, errlen);
}

/* ---- vmaops shared=1 ------------------------------------------------------ */

/*
 * The generator's shared arena without mremaps (traces/gen_vmaops.c):
 * HOSTBENCH_VMAS adjacent VMAs, alternately read-write and read-only;
 * an op is, at HOSTBENCH_MPROTECT_FRAC, an mprotect of a span of
 * HOSTBENCH_SPAN VMAs to RWX or, the next time, the restore of each to
 * its own protection, one call per VMA; else a fault on the next page of
 * a random VMA (a write on a read-write one, a read on a read-only one),
 * and once all its pages are in, an madvise(DONTNEED) of the VMA.  So
 * mmap_lock (or VMA lock) writers meet faulting readers on the same VMAs.
 */
static unsigned long xorshift(unsigned long *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

static int vma_prot(int v)
{
	return v & 1 ? PROT_READ : PROT_READ | PROT_WRITE;
}

static void vmaops_body(struct hb_thread *t)
{
	struct hb_run *r = t->run;
	uint64_t left = share(r->a, t->idx);
	unsigned long seed = 0x9e3779b97f4a7c15UL * (unsigned long)(t->idx + 1), pages, p;
	int pending = -1, v;

	pages = HOSTBENCH_VMA_SIZE / PAGE;
	for (; left; left--) {
		char *base;

		t->ops++;
		if ((double)(xorshift(&seed) >> 11) / (double)(1UL << 53) < HOSTBENCH_MPROTECT_FRAC) {
			if (pending < 0) {
				pending = (int)(xorshift(&seed) % (HOSTBENCH_VMAS - HOSTBENCH_SPAN + 1));
				if (mprotect(r->shared + (size_t)pending * HOSTBENCH_VMA_SIZE,
					     (size_t)HOSTBENCH_SPAN * HOSTBENCH_VMA_SIZE,
					     PROT_READ | PROT_WRITE | PROT_EXEC))
					hb_fail(t, "mprotect");
			} else {
				for (v = pending; v < pending + HOSTBENCH_SPAN && left; v++) {
					if (v > pending) {
						t->ops++;
						left--;
					}
					if (mprotect(r->shared + (size_t)v * HOSTBENCH_VMA_SIZE,
						     HOSTBENCH_VMA_SIZE, vma_prot(v)))
						hb_fail(t, "mprotect");
				}
				pending = -1;
			}
			continue;
		}
		v = (int)(xorshift(&seed) % HOSTBENCH_VMAS);
		base = r->shared + (size_t)v * HOSTBENCH_VMA_SIZE;
		p = __atomic_fetch_add(&r->cursor[v], 1, __ATOMIC_RELAXED);
		if (p == pages) {
			madvise(base, HOSTBENCH_VMA_SIZE, MADV_DONTNEED);
			__atomic_store_n(&r->cursor[v], 0, __ATOMIC_RELAXED);
			continue;
		}
		/* Past the end: another thread is giving the VMA back; touch one anyway. */
		p %= pages;
		if (v & 1)
			(void)((volatile char *)base)[p * PAGE];
		else
			((volatile char *)base)[p * PAGE] = 1;
	}
}

static int vmaops_run(const struct hostbench_args *a, struct hostbench_result *res,
		      char *err, size_t errlen)
{
	struct hb_run run = { 0 };
	size_t len = (size_t)HOSTBENCH_VMAS * HOSTBENCH_VMA_SIZE;
	int v, ret;

	/* Set up before the clock starts, as the generator's task 0 does before its barrier. */
	run.shared = anon_map(len, PROT_READ | PROT_WRITE);
	if (!run.shared) {
		snprintf(err, errlen, "mmap: %s", strerror(errno));
		return -1;
	}
	for (v = 0; v < HOSTBENCH_VMAS; v++)
		mprotect(run.shared + (size_t)v * HOSTBENCH_VMA_SIZE, HOSTBENCH_VMA_SIZE,
			 vma_prot(v));
	ret = hb_harness(a, vmaops_body, &run, res, err, errlen);
	munmap(run.shared, len);
	return ret;
}

/* ---- the table ------------------------------------------------------------ */

const struct hostbench hostbenches[] = {
	{ "pft", "fault", "threads write-fault their slices of one anonymous mapping (pft shared=1)",
	  pft_run },
	{ "page_fault1", "fault", "per-thread mmap, write every page, munmap (will-it-scale)",
	  page_fault1_run },
	{ "mmap1", "mmap", "per-thread mmap + munmap, no touch (will-it-scale)", mmap1_run },
	{ "vmaops", NULL, "mprotect spans of shared VMAs among faults on them (vmaops shared=1)",
	  vmaops_run },
};

const int nr_hostbenches = (int)(sizeof(hostbenches) / sizeof(hostbenches[0]));

const struct hostbench *hostbench_find(const char *name)
{
	int i;

	for (i = 0; i < nr_hostbenches; i++)
		if (!strcmp(hostbenches[i].name, name))
			return &hostbenches[i];
	return NULL;
}

int hostbench_gen_params(const struct hostbench *b, const struct hostbench_args *a,
			 char (*buf)[48], const char **kv, int max)
{
	int n = 0;

#define KV(...)	do {							\
		if (n < max) {						\
			snprintf(buf[n], sizeof(buf[n]), __VA_ARGS__);	\
			kv[n] = buf[n];					\
			n++;						\
		}							\
	} while (0)
	KV("think_scale=0");
	if (!strcmp(b->name, "pft")) {
		KV("size=%llu", (unsigned long long)a->size);
		KV("iterations=%llu", (unsigned long long)a->iterations);
		KV("shared=1");
	} else if (!strcmp(b->name, "vmaops")) {
		KV("ops=%llu", (unsigned long long)a->ops);
		KV("vmas=%d", HOSTBENCH_VMAS);
		KV("vma_size=%d", HOSTBENCH_VMA_SIZE);
		KV("span=%d", HOSTBENCH_SPAN);
		KV("mprotect_frac=%g", HOSTBENCH_MPROTECT_FRAC);
		KV("mremap_frac=0");
		KV("shared=1");
		KV("work=0");
	} else {
		KV("size=%llu", (unsigned long long)a->size);
		KV("ops=%llu", (unsigned long long)a->ops);
	}
#undef KV
	return n;
}
