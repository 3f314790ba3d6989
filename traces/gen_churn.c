/*
 * ebizzy-like allocator churn and a JVM-like mixed workload.
 *
 * ebizzy (by default as `ebizzy -m -R`: always mmap, random sizes): the
 * main thread allocates and fills `chunks` chunks of `chunk_size`; then
 * every thread loops: pick a chunk, allocate a copy (mmap), memcpy into it
 * (a write fault per page of the copy; the source is already resident),
 * search the copy (no faults: every page was just written), free it
 * (munmap).  ebizzy's own defaults are 10 chunks of 512 KiB.  With -T
 * (touch=1) the copy is neither filled nor searched: search_mem() writes
 * one byte per page of it (touch_mem()) and frees it, so the loop is
 * mmap, a write fault per page, munmap.  With -p (permissions=1)
 * write_pattern() mprotects every even chunk read-only once written, so
 * that the chunks' VMAs do not merge.  ebizzy steps through memory by
 * getpagesize(): on ppc64 (64 KiB pages, -p page_size=64K) a 512 KiB
 * copy is 8 faults between its mmap and munmap, not 128.
 *
 * jvm: task 0 is the VM thread (maps the heap and the safepoint polling
 * page, then runs periodic GCs that return heap regions with
 * madvise(DONTNEED) between two mprotects of the polling page, using a
 * scratch mapping for the mark stack), task 1 the compiler/runtime thread
 * (maps the code cache and writes compiled code into it, creates thread
 * stacks with an mprotect'ed guard page and unmaps old ones), and the
 * rest are mutators: they allocate by writing through thread-local
 * buffers carved from the heap, and read or write random heap pages.
 * Only accesses to pages that are not mapped (or are mapped to the zero
 * page and written) are faults; other accesses only take time.
 */
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_rng.h>

#include "lib/xalloc.h"
#include "traces/gen_churn.h"

/* A uniform integer in [0, n), n > 0, for ranges wider than 32 bits. */
static uint64_t pick(struct gen_task *t, uint64_t n)
{
	uint64_t v = (uint64_t)(gsl_rng_uniform(t->rng) * (double)n);

	return v < n ? v : n - 1;
}

static int chance(struct gen_task *t, double p)
{
	return gsl_rng_uniform(t->rng) < p;
}

/* ---- ebizzy ---- */

struct ebizzy {
	uint64_t chunks, chunk_size, chunk_pages;
	uint64_t page;			/* getpagesize(): touch_mem()'s stride */
	int random_size, touch, permissions;
	double search;
};

enum { EB_SETUP_MAP, EB_SETUP_FILL, EB_SETUP_PROTECT, EB_COPY_MAP, EB_COPY_FILL, EB_FREE };

static const struct gen_param ebizzy_params[] = {
	{ "chunks", GP_COUNT, "10", "chunks the main thread allocates and fills first (ebizzy -n)" },
	{ "chunk_size", GP_SIZE, "512K", "chunk size (ebizzy -s)" },
	{ "random_size", GP_BOOL, "1",
	  "1: each copy is uniform in [page_size, chunk_size] in pages (ebizzy -R); 0: chunk_size" },
	{ "search", GP_NS, "20us", "mean time searching a copy before freeing it" },
	{ "touch", GP_BOOL, "0",
	  "1 (ebizzy -T): only write one byte per page of each copy, no copy and no search" },
	{ "permissions", GP_BOOL, "0",
	  "1 (ebizzy -p): every even chunk made read-only once filled, so chunks do not merge" },
	{ "page_size", GP_SIZE, "4K",
	  "the machine's base page, 4K, 16K or 64K (ppc64); one fault per page (the model's "
	  "page_size, which passes it here)" },
	{ NULL, GP_COUNT, NULL, NULL },
};

static int ebizzy_init(struct gen *g)
{
	struct ebizzy *e = xmalloc(sizeof(*e));

	e->chunks = gen_param_u64(g, "chunks");
	e->chunk_size = gen_param_u64(g, "chunk_size");
	e->page = gen_param_u64(g, "page_size");
	g->priv = e;
	if (e->page != 4096 && e->page != 16384 && e->page != 65536) {
		gen_error(g, "ebizzy: page_size=%llu; expected 4K, 16K or 64K",
			  (unsigned long long)e->page);
		return -1;
	}
	if (e->chunk_size % e->page) {
		gen_error(g, "ebizzy: chunk_size=%llu is not a multiple of page_size=%llu",
			  (unsigned long long)e->chunk_size, (unsigned long long)e->page);
		return -1;
	}
	e->chunk_pages = e->chunk_size / e->page;
	e->random_size = (int)gen_param_u64(g, "random_size");
	e->search = gen_param(g, "search");
	e->touch = (int)gen_param_u64(g, "touch");
	e->permissions = (int)gen_param_u64(g, "permissions");
	return 0;
}

static enum gen_step ebizzy_step(struct gen *g, struct gen_task *t)
{
	struct ebizzy *e = g->priv;

	switch (t->phase) {
	case EB_SETUP_MAP:
		/* Only the main thread sets up; the others wait for it. */
		if (t->idx || t->n == e->chunks) {
			t->phase = EB_COPY_MAP;
			return GEN_BARRIER;
		}
		t->addr = gen_mmap(g, t, e->chunk_size,
				   MLT_PROT_READ | MLT_PROT_WRITE,
				   GEN_MAP_PRIVATE | GEN_MAP_ANON);
		if (!t->addr)
			return GEN_ERROR;
		t->pos = 0;
		t->phase = EB_SETUP_FILL;
		return GEN_MORE;
	case EB_SETUP_FILL:
		if (gen_fault(g, t, t->addr + t->pos * e->page, MLT_F_WRITE,
			      GEN_COST_FAULT_ANON) < 0)
			return GEN_ERROR;
		if (++t->pos == e->chunk_pages)
			t->phase = e->permissions && !(t->n % 2) ? EB_SETUP_PROTECT : EB_SETUP_MAP;
		if (t->phase == EB_SETUP_MAP)
			t->n++;
		return GEN_MORE;
	case EB_SETUP_PROTECT:
		if (gen_mprotect(g, t, t->addr, e->chunk_size, MLT_PROT_READ) < 0)
			return GEN_ERROR;
		t->n++;
		t->phase = EB_SETUP_MAP;
		return GEN_MORE;
	case EB_COPY_MAP:
		t->len = e->random_size ? (1 + pick(t, e->chunk_pages)) * e->page :
					  e->chunk_size;
		t->addr = gen_mmap(g, t, t->len, MLT_PROT_READ | MLT_PROT_WRITE,
				   GEN_MAP_PRIVATE | GEN_MAP_ANON);
		if (!t->addr)
			return GEN_ERROR;
		t->pos = 0;
		t->phase = EB_COPY_FILL;
		return GEN_MORE;
	case EB_COPY_FILL:
		if (gen_fault(g, t, t->addr + t->pos * e->page, MLT_F_WRITE,
			      GEN_COST_FAULT_ANON) < 0)
			return GEN_ERROR;
		if (++t->pos == t->len / e->page) {
			if (!e->touch)
				gen_idle(t, gen_exp(t, e->search));
			t->phase = EB_FREE;
		}
		return GEN_MORE;
	default:
		if (gen_munmap(g, t, t->addr, t->len, t->pos) < 0)
			return GEN_ERROR;
		t->phase = EB_COPY_MAP;
		return GEN_MORE;
	}
}

const struct gen_workload gen_ebizzy = {
	.name = "ebizzy",
	.summary = "ebizzy -m -R (-T: touch=1, -p: permissions=1): threads mmap random-size "
		   "copies of chunks, fill, search, munmap",
	.comm = "ebizzy",
	.default_threads = 4,
	.min_threads = 1,
	.default_ops = 200000,
	.params = ebizzy_params,
	.notes = "    records: exactly -n OPS (setup: chunks * (chunk_size/page_size + 1) by thread 0,\n"
		 "    and with permissions=1 an mprotect per even chunk)\n"
		 "    ebizzy -mTt N: -t N -p touch=1 -p random_size=0; -mTRp: touch=1 permissions=1\n",
	.init = ebizzy_init,
	.step = ebizzy_step,
};

/* ---- jvm ---- */

enum { PG_ABSENT, PG_ZERO, PG_PRESENT };

struct jvm {
	uint64_t heap, heap_pages, region, region_pages, nregions;
	uint64_t tlab_pages, bump;
	uint8_t *pg;			/* per heap page: PG_* */
	uint64_t heap_addr, poll_addr;
	uint64_t code, code_addr, code_next;
	uint64_t stack, nstacks, max_stacks, *stacks;
	uint64_t gc_regions, scratch;
	double alloc_frac, write_frac, work, gc_interval, rt_interval;
};

/* Stack pages the runtime touches on creation (the top of the stack). */
#define JVM_STACK_TOUCH	2

static const struct gen_param jvm_params[] = {
	{ "heap", GP_SIZE, "1G", "Java heap, one anonymous mapping" },
	{ "region", GP_SIZE, "1M", "heap region: the unit a GC returns with madvise(DONTNEED)" },
	{ "tlab", GP_SIZE, "256K", "thread-local allocation buffer a mutator writes through" },
	{ "alloc_frac", GP_FRAC, "0.5", "share of mutator accesses that allocate (sequential writes)" },
	{ "write_frac", GP_FRAC, "0.3", "share of the other, random, heap accesses that write" },
	{ "work", GP_NS, "1us", "mean mutator work per heap access that does not fault" },
	{ "gc_interval", GP_NS, "1ms", "mean time between GCs (VM thread)" },
	{ "gc_regions", GP_COUNT, "16", "regions each GC returns (random, one madvise each)" },
	{ "gc_scratch", GP_SIZE, "2M", "GC mark stack: mapped, filled and unmapped per GC" },
	{ "rt_interval", GP_NS, "200us", "mean time between runtime actions (compiler thread)" },
	{ "codecache", GP_SIZE, "48M", "code cache (RWX) the compiler writes into" },
	{ "stack", GP_SIZE, "1M", "thread stack size (guard page + touched top)" },
	{ "max_stacks", GP_COUNT, "32", "most thread stacks alive at once" },
	{ NULL, GP_COUNT, NULL, NULL },
};

static void jvm_fini(struct gen *g)
{
	struct jvm *j = g->priv;

	if (j) {
		free(j->pg);
		free(j->stacks);
		free(j);
	}
}

static int jvm_init(struct gen *g)
{
	struct jvm *j = xzalloc(sizeof(*j));

	g->priv = j;
	j->heap = gen_param_u64(g, "heap");
	j->heap_pages = j->heap / GEN_PAGE;
	j->region = gen_param_u64(g, "region");
	j->region_pages = j->region / GEN_PAGE;
	j->tlab_pages = gen_param_u64(g, "tlab") / GEN_PAGE;
	j->alloc_frac = gen_param(g, "alloc_frac");
	j->write_frac = gen_param(g, "write_frac");
	j->work = gen_param(g, "work");
	j->gc_interval = gen_param(g, "gc_interval");
	j->gc_regions = gen_param_u64(g, "gc_regions");
	j->scratch = gen_param_u64(g, "gc_scratch");
	j->rt_interval = gen_param(g, "rt_interval");
	j->code = gen_param_u64(g, "codecache");
	j->stack = gen_param_u64(g, "stack");
	j->max_stacks = gen_param_u64(g, "max_stacks");
	if (j->heap % j->region) {
		gen_error(g, "jvm: expected heap (%llu) to be a multiple of region (%llu)",
			  (unsigned long long)j->heap, (unsigned long long)j->region);
		return -1;
	}
	if (j->tlab_pages > j->heap_pages) {
		gen_error(g, "jvm: expected tlab no larger than heap");
		return -1;
	}
	if (j->stack / GEN_PAGE < JVM_STACK_TOUCH + 1) {
		gen_error(g, "jvm: expected a stack of at least %llu bytes (guard page + %d touched)",
			  (JVM_STACK_TOUCH + 1) * GEN_PAGE, JVM_STACK_TOUCH);
		return -1;
	}
	if (j->gc_interval < 1 || j->rt_interval < 1 || j->work < 1) {
		gen_error(g, "jvm: expected gc_interval, rt_interval and work of at least 1ns");
		return -1;
	}
	j->nregions = j->heap / j->region;
	j->pg = xcalloc(j->heap_pages, 1);
	j->stacks = xcalloc(j->max_stacks, sizeof(*j->stacks));

	/* Names as a HotSpot process shows them (comm is 15 bytes). */
	gen_set_comm(&g->tasks[0], "VM Thread");
	gen_set_comm(&g->tasks[1], "C2 CompilerThread0");
	return 0;
}

enum {
	VM_MAP_HEAP, VM_MAP_POLL, VM_TOUCH_POLL, VM_IDLE, VM_SAFEPOINT,
	VM_MAP_SCRATCH, VM_FILL_SCRATCH, VM_RETURN, VM_UNMAP_SCRATCH, VM_RESUME,
};

/* Task 0: set-up, then GC cycles. */
static enum gen_step vm_step(struct gen *g, struct gen_task *t)
{
	struct jvm *j = g->priv;
	uint64_t r, p, resident;
	int err = 0;

	switch (t->phase) {
	case VM_MAP_HEAP:
		j->heap_addr = gen_mmap(g, t, j->heap, MLT_PROT_READ | MLT_PROT_WRITE,
					GEN_MAP_PRIVATE | GEN_MAP_ANON | GEN_MAP_NORESERVE);
		err = !j->heap_addr;
		t->phase = VM_MAP_POLL;
		break;
	case VM_MAP_POLL:
		j->poll_addr = gen_mmap(g, t, GEN_PAGE, MLT_PROT_READ,
					GEN_MAP_PRIVATE | GEN_MAP_ANON);
		err = !j->poll_addr;
		t->phase = VM_TOUCH_POLL;
		break;
	case VM_TOUCH_POLL:
		if (gen_fault(g, t, j->poll_addr, 0, GEN_COST_FAULT_ZERO) < 0)
			return GEN_ERROR;
		t->phase = VM_IDLE;
		return GEN_BARRIER;
	case VM_IDLE:
		gen_idle(t, gen_exp(t, j->gc_interval));
		t->phase = VM_SAFEPOINT;
		break;
	case VM_SAFEPOINT:
		/* Arm the polling page: mutators trap into the safepoint. */
		err = gen_mprotect(g, t, j->poll_addr, GEN_PAGE, 0) < 0;
		t->phase = VM_MAP_SCRATCH;
		break;
	case VM_MAP_SCRATCH:
		t->addr = gen_mmap(g, t, j->scratch, MLT_PROT_READ | MLT_PROT_WRITE,
				   GEN_MAP_PRIVATE | GEN_MAP_ANON);
		err = !t->addr;
		t->pos = 0;
		t->phase = VM_FILL_SCRATCH;
		break;
	case VM_FILL_SCRATCH:
		err = gen_fault(g, t, t->addr + t->pos * GEN_PAGE, MLT_F_WRITE,
				GEN_COST_FAULT_ANON) < 0;
		if (++t->pos == j->scratch / GEN_PAGE) {
			t->phase = VM_RETURN;
			t->n = 0;
		}
		break;
	case VM_RETURN:
		if (t->n++ == j->gc_regions) {
			t->phase = VM_UNMAP_SCRATCH;
			break;
		}
		r = pick(t, j->nregions);
		resident = 0;
		for (p = r * j->region_pages; p < (r + 1) * j->region_pages; p++) {
			resident += j->pg[p] != PG_ABSENT;
			j->pg[p] = PG_ABSENT;
		}
		err = gen_madvise(g, t, j->heap_addr + r * j->region, j->region,
				  MLT_MADV_DONTNEED, resident) < 0;
		break;
	case VM_UNMAP_SCRATCH:
		err = gen_munmap(g, t, t->addr, j->scratch, j->scratch / GEN_PAGE) < 0;
		t->phase = VM_RESUME;
		break;
	default:
		err = gen_mprotect(g, t, j->poll_addr, GEN_PAGE, MLT_PROT_READ) < 0;
		t->phase = VM_IDLE;
		break;
	}
	return err ? GEN_ERROR : GEN_MORE;
}

enum { RT_MAP_CODE, RT_IDLE, RT_INSTALL, RT_MAP_STACK, RT_GUARD, RT_TOUCH_STACK,
       RT_UNMAP_STACK };

/* Task 1: code cache, then a stream of JIT installs and stack churn. */
static enum gen_step rt_step(struct gen *g, struct gen_task *t)
{
	struct jvm *j = g->priv;
	uint64_t i;
	int err = 0;

	switch (t->phase) {
	case RT_MAP_CODE:
		j->code_addr = gen_mmap(g, t, j->code,
					MLT_PROT_READ | MLT_PROT_WRITE | MLT_PROT_EXEC,
					GEN_MAP_PRIVATE | GEN_MAP_ANON | GEN_MAP_NORESERVE);
		if (!j->code_addr)
			return GEN_ERROR;
		t->phase = RT_IDLE;
		return GEN_BARRIER;
	case RT_IDLE:
		gen_idle(t, gen_exp(t, j->rt_interval));
		if (chance(t, 0.4) && j->code_next < j->code / GEN_PAGE)
			t->phase = RT_INSTALL;
		else if (j->nstacks < j->max_stacks && (!j->nstacks || chance(t, 0.5)))
			t->phase = RT_MAP_STACK;
		else if (j->nstacks)
			t->phase = RT_UNMAP_STACK;
		break;
	case RT_INSTALL:
		/* A compiled method lands on the next code-cache page. */
		err = gen_fault(g, t, j->code_addr + j->code_next++ * GEN_PAGE,
				MLT_F_WRITE, GEN_COST_FAULT_ANON) < 0;
		t->phase = RT_IDLE;
		break;
	case RT_MAP_STACK:
		t->addr = gen_mmap(g, t, j->stack, MLT_PROT_READ | MLT_PROT_WRITE,
				   GEN_MAP_PRIVATE | GEN_MAP_ANON | GEN_MAP_STACK);
		err = !t->addr;
		t->phase = RT_GUARD;
		break;
	case RT_GUARD:
		/* The guard page is at the low end: stacks grow down. */
		err = gen_mprotect(g, t, t->addr, GEN_PAGE, 0) < 0;
		t->pos = 0;
		t->phase = RT_TOUCH_STACK;
		break;
	case RT_TOUCH_STACK:
		err = gen_fault(g, t, t->addr + j->stack - (t->pos + 1) * GEN_PAGE,
				MLT_F_WRITE, GEN_COST_FAULT_ANON) < 0;
		if (++t->pos == JVM_STACK_TOUCH) {
			j->stacks[j->nstacks++] = t->addr;
			t->phase = RT_IDLE;
		}
		break;
	default:
		i = pick(t, j->nstacks);
		err = gen_munmap(g, t, j->stacks[i], j->stack, JVM_STACK_TOUCH) < 0;
		j->stacks[i] = j->stacks[--j->nstacks];
		t->phase = RT_IDLE;
		break;
	}
	return err ? GEN_ERROR : GEN_MORE;
}

/* Mutators: wait for the heap, then allocate and access. */
static enum gen_step mutator_step(struct gen *g, struct gen_task *t)
{
	struct jvm *j = g->priv;
	uint64_t page;
	int write, err = 0;

	if (!t->phase) {
		t->phase = 1;
		return GEN_BARRIER;
	}
	if (chance(t, j->alloc_frac)) {
		if (!t->n) {
			/* A new TLAB from the shared bump pointer (wrapping). */
			t->pos = j->bump;
			t->n = j->tlab_pages;
			j->bump = (j->bump + j->tlab_pages) % j->heap_pages;
		}
		page = t->pos;
		t->pos = (t->pos + 1) % j->heap_pages;
		t->n--;
		write = 1;
	} else {
		page = pick(t, j->heap_pages);
		write = chance(t, j->write_frac);
	}
	if (j->pg[page] == PG_ABSENT) {
		err = gen_fault(g, t, j->heap_addr + page * GEN_PAGE,
				write ? MLT_F_WRITE : 0,
				write ? GEN_COST_FAULT_ANON : GEN_COST_FAULT_ZERO) < 0;
		j->pg[page] = write ? PG_PRESENT : PG_ZERO;
	} else if (j->pg[page] == PG_ZERO && write) {
		/* Write to the zero page: a protection fault that copies. */
		err = gen_fault(g, t, j->heap_addr + page * GEN_PAGE,
				MLT_F_WRITE | MLT_F_PRESENT, GEN_COST_FAULT_COW) < 0;
		j->pg[page] = PG_PRESENT;
	} else {
		/*
		 * One step stands for a page's worth of mutator work: finer
		 * steps would only cost generator time, not change the trace.
		 */
		gen_idle(t, gen_exp(t, j->work));
	}
	return err ? GEN_ERROR : GEN_MORE;
}

static enum gen_step jvm_step(struct gen *g, struct gen_task *t)
{
	if (t->idx == 0)
		return vm_step(g, t);
	if (t->idx == 1)
		return rt_step(g, t);
	return mutator_step(g, t);
}

const struct gen_workload gen_jvm = {
	.name = "jvm",
	.summary = "JVM-like: mutators fault into a heap while the VM and compiler threads map, protect and return memory",
	.comm = "java",
	.default_threads = 16,
	.min_threads = 3,
	.default_ops = 300000,
	.params = jvm_params,
	.notes = "    task 0 = VM thread (GC), task 1 = compiler/runtime, the rest mutators; records: exactly -n OPS\n",
	.init = jvm_init,
	.step = jvm_step,
	.fini = jvm_fini,
};
