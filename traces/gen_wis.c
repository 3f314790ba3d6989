/*
 * pft and will-it-scale's page-fault and mmap tests are one loop with
 * different mappings: mmap a region, write-fault every page of it in
 * order (or not at all, for mmap1/2), munmap it, repeat.
 *
 * pft (mmtests' page fault test) runs a fixed number of iterations;
 * will-it-scale runs for a set duration, so its tests loop until the
 * requested op count, or with duration=T until T of the generator's clock
 * (each task's estimated costs and think times): the harness kills the
 * tasks where they are when time is up, mid-round.  In will-it-scale the loop body is just `c[i] = 0`
 * per page, hence the small default think time between faults.
 */
#include <stdlib.h>

#include "lib/xalloc.h"
#include "traces/gen_wis.h"

struct loop {
	uint64_t size, pages;	/* per task */
	uint64_t iterations;	/* 0: until the op limit */
	unsigned prot, mflags;
	unsigned fault_flags;
	uint64_t fault_cost;
	int touch;		/* fault every page between mmap and munmap */
	int shared;		/* pft shared=1: one mapping for all tasks */
	uint64_t shared_addr;
	uint64_t duration;	/* will-it-scale: 0, or when every task stops (ns) */
};

enum { MAP, TOUCH, UNMAP };

/*
 * Every benchmark here has a procs=1 mode (will-it-scale's NAME_processes,
 * pft -n): each task is its own process, so its own mm.
 */
static int loop_init(struct gen *g, const struct loop *proto, int timed,
		     const char *comm_thr, const char *comm_proc)
{
	struct loop *l = xmalloc(sizeof(*l));
	unsigned i;
	int procs = (int)gen_param_u64(g, "procs");

	*l = *proto;
	l->size = gen_param_u64(g, "size");
	l->pages = l->size / GEN_PAGE;
	l->duration = timed ? gen_param_u64(g, "duration") : 0;
	g->priv = l;
	/* Timed: the op count only if one was asked for. */
	if (l->duration && !g->ops_given)
		g->limit = 0;
	if (procs)
		g->nmms = g->nthreads;
	for (i = 0; i < g->nthreads; i++) {
		struct gen_task *t = &g->tasks[i];

		/* will-it-scale's binaries are NAME_threads / NAME_processes. */
		gen_set_comm(t, procs ? comm_proc : comm_thr);
		if (procs)
			t->mm = i;
	}
	return 0;
}

/* One task's own mapping, as in pft's default mode and will-it-scale. */
static enum gen_step private_step(struct gen *g, struct gen_task *t)
{
	struct loop *l = g->priv;

	if (l->duration && t->t >= l->duration)
		return GEN_DONE;
	switch (t->phase) {
	case MAP:
		t->addr = gen_mmap(g, t, l->size, l->prot, l->mflags);
		if (!t->addr)
			return GEN_ERROR;
		t->pos = 0;
		t->phase = l->touch ? TOUCH : UNMAP;
		return GEN_MORE;
	case TOUCH:
		if (gen_fault(g, t, t->addr + t->pos * GEN_PAGE, l->fault_flags,
			      l->fault_cost) < 0)
			return GEN_ERROR;
		if (++t->pos == l->pages)
			t->phase = UNMAP;
		return GEN_MORE;
	default:
		if (gen_munmap(g, t, t->addr, l->size, t->pos) < 0)
			return GEN_ERROR;
		t->phase = MAP;
		if (l->iterations && ++t->iter == l->iterations)
			return GEN_DONE;
		return GEN_MORE;
	}
}

/*
 * pft shared=1: task 0 maps size * threads, everyone faults its own slice
 * of that one VMA, and task 0 unmaps it once all are through: the case
 * where per-VMA locks all land on one VMA.  Barriers order the phases.
 */
static enum gen_step shared_step(struct gen *g, struct gen_task *t)
{
	struct loop *l = g->priv;
	uint64_t total = l->size * g->nthreads;

	switch (t->phase) {
	case MAP:
		if (!t->idx) {
			l->shared_addr = gen_mmap(g, t, total, l->prot, l->mflags);
			if (!l->shared_addr)
				return GEN_ERROR;
		}
		t->phase = TOUCH;
		t->pos = 0;
		return GEN_BARRIER;
	case TOUCH:
		if (gen_fault(g, t, l->shared_addr +
			      (t->idx * l->pages + t->pos) * GEN_PAGE,
			      l->fault_flags, l->fault_cost) < 0)
			return GEN_ERROR;
		if (++t->pos < l->pages)
			return GEN_MORE;
		t->phase = UNMAP;
		return GEN_BARRIER;
	default:
		t->phase = MAP;
		if (!t->idx && gen_munmap(g, t, l->shared_addr, total,
					  l->pages * g->nthreads) < 0)
			return GEN_ERROR;
		if (l->iterations && ++t->iter == l->iterations)
			return GEN_DONE;
		/* The others go straight on to wait for the next mmap. */
		return t->idx ? shared_step(g, t) : GEN_MORE;
	}
}

/* ---- pft ---- */

static const struct gen_param pft_params[] = {
	{ "size", GP_SIZE, "64M", "anonymous memory each thread faults per iteration" },
	{ "iterations", GP_COUNT, "2",
	  "mmap/fault/munmap rounds per thread (0: until -n OPS)" },
	{ "shared", GP_BOOL, "1",
	  "1 (as mmtests runs pft): thread 0 maps size*threads and each thread faults its own "
	  "slice of that one VMA, the phases apart by barriers; 0: each thread its own mapping" },
	{ "procs", GP_BOOL, "0",
	  "1 (pft -n): each task is a process forked after the mmap, faulting its slice in its "
	  "own mm; shared does not apply" },
	{ NULL, GP_COUNT, NULL, NULL },
};

static int pft_init(struct gen *g)
{
	const struct loop proto = {
		.prot = MLT_PROT_READ | MLT_PROT_WRITE,
		.mflags = GEN_MAP_PRIVATE | GEN_MAP_ANON,
		.fault_flags = MLT_F_WRITE, .fault_cost = GEN_COST_FAULT_ANON,
		.touch = 1,
	};
	struct loop *l;

	if (loop_init(g, &proto, 0, "pft", "pft") < 0)
		return -1;
	l = g->priv;
	l->iterations = gen_param_u64(g, "iterations");
	/*
	 * pft -n maps the region before it forks, so each child inherits a
	 * VMA with no pages and faults its slice of it alone in its own mm:
	 * nothing about the mm is shared, only the allocator, LRU and memcg.
	 * The generator maps each process just its slice; the rest of the
	 * inherited VMA is never touched and no lock path depends on a
	 * VMA's length.
	 */
	l->shared = (int)gen_param_u64(g, "shared") && g->nmms == 1;
	if (!l->iterations && !g->limit) {
		gen_error(g, "pft: iterations=0 repeats for ever; expected an op count (-n OPS)");
		return -1;
	}
	return 0;
}

static enum gen_step pft_step(struct gen *g, struct gen_task *t)
{
	const struct loop *l = g->priv;

	return l->shared ? shared_step(g, t) : private_step(g, t);
}

const struct gen_workload gen_pft = {
	.name = "pft",
	.summary = "mmtests page-fault test: threads (or processes) write-fault their own anonymous region",
	.comm = "pft",
	.default_threads = 4,
	.min_threads = 1,
	.default_ops = 0,
	.params = pft_params,
	.notes = "    records: threads * iterations * (size/4096 + 2); shared=1: iterations * (threads * size/4096 + 2)\n",
	.init = pft_init,
	.step = pft_step,
};

/* ---- will-it-scale ---- */

#define WIS_DURATION \
	{ "duration", GP_NS, "0", "0: run to -n OPS; T: every task stops at T of generated time " \
	  "(and at -n OPS only if given), as the harness stops the test" }

static const struct gen_param wis_fault_params[] = {
	{ "size", GP_SIZE, "128M", "bytes mapped and faulted per iteration (MEMSIZE)" },
	{ "procs", GP_BOOL, "0", "1: process mode, each task has its own mm" },
	WIS_DURATION,
	{ NULL, GP_COUNT, NULL, NULL },
};

static const struct gen_param wis_mmap_params[] = {
	{ "size", GP_SIZE, "128M", "bytes mapped and unmapped per iteration (MEMSIZE)" },
	{ "procs", GP_BOOL, "0", "1: process mode, each task has its own mm" },
	WIS_DURATION,
	{ NULL, GP_COUNT, NULL, NULL },
};

static int page_fault1_init(struct gen *g)
{
	const struct loop proto = {
		.prot = MLT_PROT_READ | MLT_PROT_WRITE,
		.mflags = GEN_MAP_PRIVATE | GEN_MAP_ANON,
		.fault_flags = MLT_F_WRITE, .fault_cost = GEN_COST_FAULT_ANON,
		.touch = 1,
	};

	return loop_init(g, &proto, 1, "page_fault1_threads",
			 "page_fault1_processes");
}

static int page_fault2_init(struct gen *g)
{
	/* A private file mapping: every write fault copies a page-cache page. */
	const struct loop proto = {
		.prot = MLT_PROT_READ | MLT_PROT_WRITE,
		.mflags = GEN_MAP_PRIVATE,
		.fault_flags = MLT_F_WRITE, .fault_cost = GEN_COST_FAULT_FILE,
		.touch = 1,
	};

	return loop_init(g, &proto, 1, "page_fault2_threads",
			 "page_fault2_processes");
}

static int page_fault3_init(struct gen *g)
{
	const struct loop proto = {
		.prot = MLT_PROT_READ | MLT_PROT_WRITE,
		.mflags = GEN_MAP_SHARED,
		.fault_flags = MLT_F_WRITE, .fault_cost = GEN_COST_FAULT_SHARED,
		.touch = 1,
	};

	return loop_init(g, &proto, 1, "page_fault3_threads",
			 "page_fault3_processes");
}

static int mmap1_init(struct gen *g)
{
	const struct loop proto = {
		.prot = MLT_PROT_READ | MLT_PROT_WRITE,
		.mflags = GEN_MAP_PRIVATE | GEN_MAP_ANON,
	};

	return loop_init(g, &proto, 1, "mmap1_threads", "mmap1_processes");
}

static int mmap2_init(struct gen *g)
{
	const struct loop proto = {
		.prot = MLT_PROT_READ | MLT_PROT_WRITE,
		.mflags = GEN_MAP_SHARED,
	};

	return loop_init(g, &proto, 1, "mmap2_threads", "mmap2_processes");
}

#define WIS_FAULT_NOTES \
	"    records: exactly -n OPS (the test is timed; the trace stops at the op count),\n" \
	"    or with duration=T what every task does in T\n"

const struct gen_workload gen_page_fault1 = {
	.name = "page_fault1",
	.summary = "will-it-scale: mmap anonymous private, write every page, munmap, repeat",
	.comm = "page_fault1",
	.default_threads = 4,
	.min_threads = 1,
	.default_ops = 262144,
	.params = wis_fault_params,
	.notes = WIS_FAULT_NOTES,
	.init = page_fault1_init,
	.step = private_step,
};

const struct gen_workload gen_page_fault2 = {
	.name = "page_fault2",
	.summary = "will-it-scale: mmap a file private, write every page (COW), munmap, repeat",
	.comm = "page_fault2",
	.default_threads = 4,
	.min_threads = 1,
	.default_ops = 262144,
	.params = wis_fault_params,
	.notes = WIS_FAULT_NOTES,
	.init = page_fault2_init,
	.step = private_step,
};

const struct gen_workload gen_page_fault3 = {
	.name = "page_fault3",
	.summary = "will-it-scale: mmap a file MAP_SHARED, write every page, munmap, repeat",
	.comm = "page_fault3",
	.default_threads = 4,
	.min_threads = 1,
	.default_ops = 262144,
	.params = wis_fault_params,
	.notes = WIS_FAULT_NOTES,
	.init = page_fault3_init,
	.step = private_step,
};

const struct gen_workload gen_mmap1 = {
	.name = "mmap1",
	.summary = "will-it-scale: mmap + munmap anonymous memory, no touch, repeat",
	.comm = "mmap1",
	.default_threads = 4,
	.min_threads = 1,
	.default_ops = 100000,
	.params = wis_mmap_params,
	.notes = WIS_FAULT_NOTES,
	.init = mmap1_init,
	.step = private_step,
};

const struct gen_workload gen_mmap2 = {
	.name = "mmap2",
	.summary = "will-it-scale: mmap + munmap a file MAP_SHARED, no touch, repeat",
	.comm = "mmap2",
	.default_threads = 4,
	.min_threads = 1,
	.default_ops = 100000,
	.params = wis_mmap_params,
	.notes = WIS_FAULT_NOTES,
	.init = mmap2_init,
	.step = private_step,
};
