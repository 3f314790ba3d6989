/*
 * multi-fault (Kamezawa Hiroyuki's test program, 2009-2010, used again by
 * Peter Zijlstra for "Another go at speculative page faults", 2014): main
 * maps one private anonymous region of MMAP_LENGTH (8 MiB) per thread and
 * starts the threads; thread i, pinned to CPU i, faults the first
 * FAULT_LENGTH (2 MiB) of slice i, one byte per page.  The slices are
 * 8 MiB apart so that no two threads share a page-table page (and its
 * split PTE lock).  The program ends at main's sleep(60); the figure is
 * `perf stat -e page-faults` over those 60 s.
 *
 * Zijlstra's cover letter (2014-10-20) names the copy he ran:
 * lkml.org/lkml/2010/1/6/28, Kamezawa's multi-fault-all.c of 2010-01-06
 * (linux-mm, "Re: [RFC][PATCH 6/8] mm: handle_speculative_fault()"),
 * where each thread loops
 *
 *	pthread_barrier_wait();
 *	touch its 2 MiB;
 *	pthread_barrier_wait();
 *	if (cpu == 0)
 *		for (i = 0; i < num; i++)
 *			madvise(mmap_area[i], FAULT_LENGTH, MADV_DONTNEED);
 *	pthread_barrier_wait();
 *
 * Kamezawa rewrote it so, serializing the madvise() calls on CPU 0, to
 * take zone->lock contention out of the picture: the zap of every slice
 * is one thread's work while all the others wait at the barrier, the
 * same with or without speculative faults, and it bounds what a faster
 * fault can gain.  -p madvise_all=0 is the earlier program (2009-12-10),
 * where each thread zaps its own slice between two barriers.
 *
 * The main thread's mmap is task 0's; the first barrier stands for
 * pthread_create() after it.
 */
#include "lib/xalloc.h"
#include "traces/gen_multifault.h"

struct multi_fault {
	uint64_t mmap_length, fault_pages;
	uint64_t iterations;		/* 0: until the op limit */
	int madvise_all;		/* thread 0 zaps every slice (multi-fault-all.c) */
	uint64_t addr;			/* the region, mapped by task 0 */
};

enum { MF_MAP, MF_TOUCH, MF_DONTNEED, MF_DONTNEED_ALL, MF_TOP };

static const struct gen_param multi_fault_params[] = {
	{ "mmap_length", GP_SIZE, "8M", "each thread's slice of the one mapping (MMAP_LENGTH)" },
	{ "fault_length", GP_SIZE, "2M",
	  "bytes each thread faults and madvise(DONTNEED)s per round, from its slice's start "
	  "(FAULT_LENGTH)" },
	{ "madvise_all", GP_BOOL, "1",
	  "1 (multi-fault-all.c, the copy Zijlstra ran): thread 0 alone madvise(DONTNEED)s every "
	  "slice, between two barriers, while the others wait; 0: each thread its own slice" },
	{ "iterations", GP_COUNT, "0",
	  "fault/madvise rounds per thread (0: until -n OPS, as the 60 s run)" },
	{ NULL, GP_COUNT, NULL, NULL },
};

static int multi_fault_init(struct gen *g)
{
	struct multi_fault *m = xmalloc(sizeof(*m));
	uint64_t fault_length = gen_param_u64(g, "fault_length");

	m->mmap_length = gen_param_u64(g, "mmap_length");
	m->fault_pages = fault_length / GEN_PAGE;
	m->iterations = gen_param_u64(g, "iterations");
	m->madvise_all = (int)gen_param_u64(g, "madvise_all");
	m->addr = 0;
	g->priv = m;
	if (fault_length > m->mmap_length) {
		gen_error(g, "multi_fault: fault_length=%llu is larger than mmap_length=%llu; "
			  "expected at most the slice",
			  (unsigned long long)fault_length, (unsigned long long)m->mmap_length);
		return -1;
	}
	if (!m->iterations && !g->limit) {
		gen_error(g, "multi_fault: iterations=0 repeats for ever; expected an op count "
			  "(-n OPS)");
		return -1;
	}
	return 0;
}

/*
 * The round is over: a barrier, and multi-fault-all.c's loop adds its own
 * at the top, right after the one that ends the madvise() phase.
 */
static enum gen_step round_end(struct multi_fault *m, struct gen_task *t)
{
	t->phase = m->madvise_all ? MF_TOP : MF_TOUCH;
	t->pos = 0;
	if (m->iterations && ++t->iter == m->iterations)
		return GEN_DONE;
	return GEN_BARRIER;
}

static enum gen_step multi_fault_step(struct gen *g, struct gen_task *t)
{
	struct multi_fault *m = g->priv;
	uint64_t slice;

	switch (t->phase) {
	case MF_TOP:
		t->phase = MF_TOUCH;
		return GEN_BARRIER;
	case MF_MAP:
		if (!t->idx) {
			m->addr = gen_mmap(g, t, m->mmap_length * g->nthreads,
					   MLT_PROT_READ | MLT_PROT_WRITE,
					   GEN_MAP_PRIVATE | GEN_MAP_ANON);
			if (!m->addr)
				return GEN_ERROR;
		}
		t->phase = MF_TOUCH;
		t->pos = 0;
		return GEN_BARRIER;
	case MF_TOUCH:
		slice = m->addr + t->idx * m->mmap_length;
		if (gen_fault(g, t, slice + t->pos * GEN_PAGE, MLT_F_WRITE,
			      GEN_COST_FAULT_ANON) < 0)
			return GEN_ERROR;
		if (++t->pos < m->fault_pages)
			return GEN_MORE;
		t->phase = m->madvise_all ? MF_DONTNEED_ALL : MF_DONTNEED;
		t->pos = 0;
		return GEN_BARRIER;
	case MF_DONTNEED:
		slice = m->addr + t->idx * m->mmap_length;
		if (gen_madvise(g, t, slice, m->fault_pages * GEN_PAGE, MLT_MADV_DONTNEED,
				m->fault_pages) < 0)
			return GEN_ERROR;
		return round_end(m, t);
	default:
		/* MF_DONTNEED_ALL: CPU 0 zaps slice pos; the others go to the barrier. */
		if (t->idx)
			return round_end(m, t);
		slice = m->addr + t->pos * m->mmap_length;
		if (gen_madvise(g, t, slice, m->fault_pages * GEN_PAGE, MLT_MADV_DONTNEED,
				m->fault_pages) < 0)
			return GEN_ERROR;
		if (++t->pos < g->nthreads)
			return GEN_MORE;
		return round_end(m, t);
	}
}

const struct gen_workload gen_multi_fault = {
	.name = "multi_fault",
	.summary = "Kamezawa's multi-fault: threads fault their slices of one mapping, "
		   "madvise(DONTNEED), in lock step",
	.comm = "multi-fault",
	.default_threads = 4,
	.min_threads = 1,
	.default_ops = 200000,
	.params = multi_fault_params,
	.notes = "    records: task 0's mmap, then per thread and round fault_length/4096 faults\n"
		 "    and three barriers, and task 0's madvise of every slice (madvise_all=0: one\n"
		 "    madvise per thread, two barriers); iterations=0: exactly -n OPS\n",
	.init = multi_fault_init,
	.step = multi_fault_step,
};
