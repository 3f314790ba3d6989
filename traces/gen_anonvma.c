/*
 * anonvma: a workload for the reverse-map locks, anon_vma's and
 * i_mmap's.  Its writers are brk (the heap's vma_adjust() on growth, split
 * and unlink on shrink), fork (anon_vma_fork() links the child's VMAs into
 * the parent's rmap, dup_mmap() its file VMAs into each file's i_mmap) and
 * the children's exit (unlink_anon_vmas(), unlink_file_vma()); its readers
 * are rmap walks, which the replay adds with -p rmap_walks=N (kswapd-like
 * tasks, -p rmap_walkers=N of them).
 *
 * Task 0 is the main thread: it maps the shared region and `libs` private
 * file mappings of lib_size bytes (a process's shared libraries: every
 * child maps the same files, as every process maps libc), then loops on the
 * heap: brk_cycle growths of brk_step, each touching the first new page,
 * then one shrink back to the heap's first page (which keeps the heap VMA
 * and its anon_vma alive, so every growth is a vma_adjust() under that
 * anon_vma's lock).  Tasks 1 .. threads-forks-1 are threads of the same
 * process writing the region's pages, each through its own slice, and
 * returning the slice with madvise(DONTNEED) when done to fault it again
 * (the region is private anonymous memory shared by the threads, with one
 * anon_vma).  The last `forks` tasks are child processes of task 0, forked
 * one every fork_interval after setup: each writes child_faults random
 * pages of the region (copy-on-write faults), reads child_lib_faults
 * random pages of the libraries (page-cache read faults), lives on for
 * child_life and exits.
 */
#include <stdbool.h>
#include <stdlib.h>

#include <gsl/gsl_rng.h>

#include "lib/xalloc.h"
#include "traces/gen_anonvma.h"

/* Where the heap starts: above a PIE's text, below the mmap area. */
#define ANONVMA_HEAP_BASE	0x560000000000ULL
#define ANONVMA_MAX_LIBS	64

struct anonvma {
	uint64_t region, region_pages, slice_pages;
	uint64_t brk_step, brk_cycle, forks, child_faults;
	uint64_t libs, lib_pages, child_lib_faults;
	double fork_interval, child_life;
	unsigned nfaulters;
	uint64_t region_addr;
	uint64_t lib_addr[ANONVMA_MAX_LIBS];
};

enum {
	AV_SETUP,	/* task 0 maps the region; the others wait */
	AV_SETUP_LIB,	/* task 0 maps the libraries */
	AV_START,	/* released: children wait for their fork time */
	AV_BRK_FIRST,	/* task 0: the heap's first page */
	AV_BRK_GROW,
	AV_BRK_TOUCH,
	AV_BRK_SHRINK,
	AV_FAULT,	/* faulter threads */
	AV_DONTNEED,
	AV_FORK,	/* children */
	AV_CHILD_FAULT,
	AV_CHILD_LIB_FAULT,
	AV_EXIT,
};

static const struct gen_param anonvma_params[] = {
	{ "region", GP_SIZE, "16M", "private anonymous region the threads write (one anon_vma)" },
	{ "brk_step", GP_SIZE, "64K", "bytes each brk() growth adds to the heap" },
	{ "brk_cycle", GP_COUNT, "8", "growths before one brk() shrinks the heap back to its first page" },
	{ "forks", GP_COUNT, "4", "child processes (the last FORKS tasks), forked by task 0" },
	{ "fork_interval", GP_NS, "2ms", "time between two forks, from the end of setup" },
	{ "child_faults", GP_COUNT, "64", "copy-on-write faults a child makes in the region before exit" },
	{ "libs", GP_COUNT, "2", "private file mappings (shared libraries) task 0 maps before forking" },
	{ "lib_size", GP_SIZE, "2M", "bytes of each library mapping" },
	{ "child_lib_faults", GP_COUNT, "16", "read faults a child makes on library pages before exit" },
	{ "child_life", GP_NS, "0", "time a child lives on after its faults, mapping the libraries (0: exits at once)" },
	{ NULL, GP_COUNT, NULL, NULL },
};

static int anonvma_init(struct gen *g)
{
	struct anonvma *a = xzalloc(sizeof(*a));
	unsigned i;

	g->priv = a;
	a->region = gen_param_u64(g, "region");
	a->region_pages = a->region / GEN_PAGE;
	a->brk_step = gen_param_u64(g, "brk_step");
	a->brk_cycle = gen_param_u64(g, "brk_cycle");
	a->forks = gen_param_u64(g, "forks");
	a->child_faults = gen_param_u64(g, "child_faults");
	a->fork_interval = gen_param(g, "fork_interval");
	a->libs = gen_param_u64(g, "libs");
	a->lib_pages = gen_param_u64(g, "lib_size") / GEN_PAGE;
	a->child_lib_faults = gen_param_u64(g, "child_lib_faults");
	a->child_life = gen_param(g, "child_life");
	if (a->libs > ANONVMA_MAX_LIBS) {
		gen_error(g, "anonvma: libs=%llu: expected at most %d",
			  (unsigned long long)a->libs, ANONVMA_MAX_LIBS);
		return -1;
	}
	if (a->libs && !a->lib_pages) {
		gen_error(g, "anonvma: expected lib_size of at least one page with libs=%llu",
			  (unsigned long long)a->libs);
		return -1;
	}
	if (a->forks + 2 > g->nthreads) {
		gen_error(g, "anonvma: %u threads leave no faulter thread with forks=%llu; "
			  "expected threads >= forks + 2", g->nthreads,
			  (unsigned long long)a->forks);
		return -1;
	}
	if (!a->brk_cycle) {
		gen_error(g, "anonvma: expected brk_cycle >= 1");
		return -1;
	}
	a->nfaulters = g->nthreads - 1 - (unsigned)a->forks;
	a->slice_pages = a->region_pages / a->nfaulters;
	if (!a->slice_pages) {
		gen_error(g, "anonvma: a %llu-byte region gives %u faulter threads no page each",
			  (unsigned long long)a->region, a->nfaulters);
		return -1;
	}
	/* Each child is a process of its own: mm 1 + k for child k. */
	g->nmms = 1 + (unsigned)a->forks;
	for (i = 0; i < a->forks; i++) {
		struct gen_task *t = &g->tasks[g->nthreads - a->forks + i];

		t->mm = 1 + i;
		t->n = i;	/* which child: its fork time */
		t->forked = true;
	}
	gen_set_comm(&g->tasks[0], "anonvma-main");
	return 0;
}

static bool is_child(const struct gen *g, const struct gen_task *t)
{
	const struct anonvma *a = g->priv;

	return t->idx >= g->nthreads - a->forks;
}

static enum gen_step anonvma_step(struct gen *g, struct gen_task *t)
{
	struct anonvma *a = g->priv;
	uint64_t base = ANONVMA_HEAP_BASE;

	switch (t->phase) {
	case AV_SETUP:
		if (t->idx) {
			t->phase = AV_START;
			return GEN_BARRIER;
		}
		a->region_addr = gen_mmap(g, t, a->region, MLT_PROT_READ | MLT_PROT_WRITE,
					  GEN_MAP_PRIVATE | GEN_MAP_ANON);
		if (!a->region_addr)
			return GEN_ERROR;
		t->pos = 0;
		t->phase = AV_SETUP_LIB;
		return GEN_MORE;
	case AV_SETUP_LIB:
		if (t->pos == a->libs) {
			t->phase = AV_START;
			return GEN_BARRIER;
		}
		a->lib_addr[t->pos] = gen_mmap(g, t, a->lib_pages * GEN_PAGE,
					       MLT_PROT_READ | MLT_PROT_EXEC, GEN_MAP_PRIVATE);
		if (!a->lib_addr[t->pos])
			return GEN_ERROR;
		t->pos++;
		return GEN_MORE;
	case AV_START:
		if (!t->idx) {
			/* The first brk we record sets the heap's start. */
			if (gen_brk(g, t, base, 0, 0) < 0)
				return GEN_ERROR;
			t->phase = AV_BRK_FIRST;
		} else if (is_child(g, t)) {
			gen_idle(t, (uint64_t)((double)(t->n + 1) * a->fork_interval));
			t->phase = AV_FORK;
		} else {
			t->pos = 0;
			t->phase = AV_FAULT;
		}
		return GEN_MORE;
	case AV_BRK_FIRST:
		if (gen_brk(g, t, base + GEN_PAGE, base, 0) < 0)
			return GEN_ERROR;
		t->addr = base;		/* page to touch next */
		t->len = base + GEN_PAGE;	/* the break */
		t->iter = 0;
		t->phase = AV_BRK_TOUCH;
		return GEN_MORE;
	case AV_BRK_TOUCH:
		/* The first touch of the new heap page (its anon_vma the first time). */
		if (gen_fault(g, t, t->addr, MLT_F_WRITE, GEN_COST_FAULT_ANON) < 0)
			return GEN_ERROR;
		t->phase = t->iter < a->brk_cycle ? AV_BRK_GROW : AV_BRK_SHRINK;
		return GEN_MORE;
	case AV_BRK_GROW:
		if (gen_brk(g, t, t->len + a->brk_step, t->len, 0) < 0)
			return GEN_ERROR;
		t->addr = t->len;
		t->len += a->brk_step;
		t->iter++;
		t->phase = AV_BRK_TOUCH;
		return GEN_MORE;
	case AV_BRK_SHRINK:
		/* Back to the first page: the grown part had one page resident per step. */
		if (gen_brk(g, t, base + GEN_PAGE, t->len, a->brk_cycle) < 0)
			return GEN_ERROR;
		t->len = base + GEN_PAGE;
		t->iter = 0;
		t->phase = AV_BRK_GROW;
		return GEN_MORE;
	case AV_FAULT: {
		uint64_t slice = a->region_addr + (t->idx - 1) * a->slice_pages * GEN_PAGE;

		if (gen_fault(g, t, slice + t->pos * GEN_PAGE, MLT_F_WRITE, GEN_COST_FAULT_ANON) < 0)
			return GEN_ERROR;
		if (++t->pos == a->slice_pages)
			t->phase = AV_DONTNEED;
		return GEN_MORE;
	}
	case AV_DONTNEED: {
		uint64_t slice = a->region_addr + (t->idx - 1) * a->slice_pages * GEN_PAGE;

		if (gen_madvise(g, t, slice, a->slice_pages * GEN_PAGE, MLT_MADV_DONTNEED,
				a->slice_pages) < 0)
			return GEN_ERROR;
		t->pos = 0;
		t->phase = AV_FAULT;
		return GEN_MORE;
	}
	case AV_FORK:
		if (gen_fork(g, t, 0) < 0)
			return GEN_ERROR;
		t->pos = 0;
		t->phase = a->child_faults ? AV_CHILD_FAULT : AV_CHILD_LIB_FAULT;
		return GEN_MORE;
	case AV_CHILD_FAULT: {
		uint64_t page = (uint64_t)(gsl_rng_uniform(t->rng) * (double)a->region_pages);

		if (page >= a->region_pages)
			page = a->region_pages - 1;
		if (gen_fault(g, t, a->region_addr + page * GEN_PAGE, MLT_F_WRITE,
			      GEN_COST_FAULT_COW) < 0)
			return GEN_ERROR;
		if (++t->pos == a->child_faults) {
			t->pos = 0;
			t->phase = AV_CHILD_LIB_FAULT;
		}
		return GEN_MORE;
	}
	case AV_CHILD_LIB_FAULT: {
		uint64_t lib, page;

		if (!a->libs || t->pos == a->child_lib_faults) {
			/* A process that lives on keeps its VMAs in the files' i_mmap. */
			if (a->child_life > 0)
				gen_idle(t, (uint64_t)a->child_life);
			t->phase = AV_EXIT;
			return GEN_MORE;
		}
		lib = (uint64_t)(gsl_rng_uniform(t->rng) * (double)a->libs);
		page = (uint64_t)(gsl_rng_uniform(t->rng) * (double)a->lib_pages);
		if (lib >= a->libs)
			lib = a->libs - 1;
		if (page >= a->lib_pages)
			page = a->lib_pages - 1;
		if (gen_fault(g, t, a->lib_addr[lib] + page * GEN_PAGE, MLT_F_EXEC,
			      GEN_COST_FAULT_FILE_READ) < 0)
			return GEN_ERROR;
		t->pos++;
		return GEN_MORE;
	}
	default:
		if (gen_exit(g, t) < 0)
			return GEN_ERROR;
		return GEN_DONE;
	}
}

const struct gen_workload gen_anonvma = {
	.name = "anonvma",
	.summary = "rmap locks: threads fault a shared anon region, main grows/shrinks brk, maps libraries, forks children that exit",
	.comm = "anonvma",
	.default_threads = 8,
	.min_threads = 2,
	.default_ops = 100000,
	.params = anonvma_params,
	.notes = "    tasks: 0 = main (brk loop, fork parent), 1..threads-forks-1 = faulters, last forks = children\n"
		 "    replay with -p rmap_walks=N (walks/ms per walker), -p rmap_walkers=N,\n"
		 "    -p anon_vma_lock=spinlock|rwsem and -p i_mmap_lock=spinlock|rwsem\n",
	.init = anonvma_init,
	.step = anonvma_step,
};
