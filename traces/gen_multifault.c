/*
 * multi-fault (Kamezawa Hiroyuki's test program, 2009-2010, used again by
 * Peter Zijlstra for "Another go at speculative page faults", 2014): main
 * maps one private anonymous region of MMAP_LENGTH (8 MiB) per thread and
 * starts the threads; each thread, pinned to its own CPU, loops
 *
 *	pthread_barrier_wait();
 *	write one byte in every page of the first FAULT_LENGTH (2 MiB) of
 *	its slice;
 *	pthread_barrier_wait();
 *	madvise(slice, FAULT_LENGTH, MADV_DONTNEED);
 *
 * until main's sleep(60) ends the process; the figure is `perf stat -e
 * page-faults` over those 60 s.  The slices are 8 MiB apart so that no two
 * threads share a page-table page (and its split PTE lock): what is left
 * to contend is the mmap_lock, read by every fault and by every madvise,
 * and the cachelines of the one VMA they all fault in.
 *
 * No copy of the program could be fetched while this was written: the
 * loop and constants above are the program as posted to linux-mm, from
 * recollection, and the parameters let each be changed.  The main
 * thread's mmap is task 0's; the first barrier stands for
 * pthread_create() after it.
 */
#include "lib/xalloc.h"
#include "traces/gen_multifault.h"

struct multi_fault {
	uint64_t mmap_length, fault_pages;
	uint64_t iterations;		/* 0: until the op limit */
	uint64_t addr;			/* the region, mapped by task 0 */
};

enum { MF_MAP, MF_TOUCH, MF_DONTNEED };

static const struct gen_param multi_fault_params[] = {
	{ "mmap_length", GP_SIZE, "8M", "each thread's slice of the one mapping (MMAP_LENGTH)" },
	{ "fault_length", GP_SIZE, "2M",
	  "bytes each thread faults and madvise(DONTNEED)s per round, from its slice's start "
	  "(FAULT_LENGTH)" },
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

static enum gen_step multi_fault_step(struct gen *g, struct gen_task *t)
{
	struct multi_fault *m = g->priv;
	uint64_t slice;

	switch (t->phase) {
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
		t->phase = MF_DONTNEED;
		return GEN_BARRIER;
	default:
		slice = m->addr + t->idx * m->mmap_length;
		if (gen_madvise(g, t, slice, m->fault_pages * GEN_PAGE, MLT_MADV_DONTNEED,
				m->fault_pages) < 0)
			return GEN_ERROR;
		t->phase = MF_TOUCH;
		t->pos = 0;
		if (m->iterations && ++t->iter == m->iterations)
			return GEN_DONE;
		return GEN_BARRIER;
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
	.notes = "    records: task 0's mmap, then per thread and round fault_length/4096 faults,\n"
		 "    one madvise and two barriers; iterations=0: exactly -n OPS\n",
	.init = multi_fault_init,
	.step = multi_fault_step,
};
