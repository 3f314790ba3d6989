/*
 * vma_lookup: threads that only look VMAs up.  Until mmap_lock_speculate
 * (Linux 6.14) every uprobe hit went through handle_swbp() ->
 * find_active_uprobe(), which took mmap_read_lock(), found the VMA of the
 * breakpoint address and dropped the lock: a program whose hot functions
 * are probed (bpftrace, USDT probes) did one read lock per call, from
 * every thread, on the mm's one lock, with no fault at all.
 *
 * Task 0 maps `vmas` file-backed read+exec mappings of `size` each (the
 * probed libraries' text; file mappings never merge, so the tree holds
 * them all); after a barrier (the threads start once the mappings exist)
 * every thread loops: one lookup of a random address in a random one of
 * them, then `think_lookup` of user code until the next hit.
 */
#include <stdlib.h>

#include <gsl/gsl_rng.h>

#include "lib/xalloc.h"
#include "traces/gen_vmalookup.h"

struct vma_lookup {
	uint64_t vmas, size;
	uint64_t *addr;		/* the mappings, by task 0 */
};

enum { VL_MAP, VL_LOOKUP };

static const struct gen_param vma_lookup_params[] = {
	{ "vmas", GP_COUNT, "16", "file-backed r-x mappings the probes are in (1 to 4096)" },
	{ "size", GP_SIZE, "1M", "size of each mapping" },
	{ NULL, GP_COUNT, NULL, NULL },
};

static int vma_lookup_init(struct gen *g)
{
	struct vma_lookup *v = xmalloc(sizeof(*v));

	v->vmas = gen_param_u64(g, "vmas");
	v->size = gen_param_u64(g, "size");
	v->addr = NULL;
	g->priv = v;
	if (!v->vmas || v->vmas > 4096) {
		gen_error(g, "vma_lookup: vmas=%llu; expected 1 to 4096",
			  (unsigned long long)v->vmas);
		return -1;
	}
	if (!g->limit) {
		gen_error(g, "vma_lookup: the lookups repeat for ever; expected an op count (-n OPS)");
		return -1;
	}
	v->addr = xcalloc(v->vmas, sizeof(*v->addr));
	return 0;
}

static void vma_lookup_fini(struct gen *g)
{
	struct vma_lookup *v = g->priv;

	if (v)
		free(v->addr);
	free(v);
}

static uint64_t pick(struct gen_task *t, uint64_t n)
{
	uint64_t k = (uint64_t)(gsl_rng_uniform(t->rng) * (double)n);

	return k < n ? k : n - 1;
}

static enum gen_step vma_lookup_step(struct gen *g, struct gen_task *t)
{
	struct vma_lookup *v = g->priv;

	if (t->phase == VL_MAP) {
		if (!t->idx) {
			v->addr[t->pos] = gen_mmap(g, t, v->size, MLT_PROT_READ | MLT_PROT_EXEC,
						   GEN_MAP_PRIVATE);
			if (!v->addr[t->pos])
				return GEN_ERROR;
			if (++t->pos < v->vmas)
				return GEN_MORE;
		}
		t->phase = VL_LOOKUP;
		return GEN_BARRIER;
	}
	if (gen_lookup(g, t, v->addr[pick(t, v->vmas)] + pick(t, v->size)) < 0)
		return GEN_ERROR;
	return GEN_MORE;
}

const struct gen_workload gen_vma_lookup = {
	.name = "vma_lookup",
	.summary = "uprobe hits before mmap_lock_speculate: mmap_read_lock + find_vma + unlock, "
		   "no fault",
	.comm = "vma_lookup",
	.default_threads = 4,
	.min_threads = 1,
	.default_ops = 100000,
	.params = vma_lookup_params,
	.notes = "    records: task 0's vmas mmaps, one barrier per thread, then lookups up to -n OPS;\n"
		 "    `run` reports lookups/s as the lookup op's throughput\n",
	.init = vma_lookup_init,
	.step = vma_lookup_step,
	.fini = vma_lookup_fini,
};
