/*
 * anon_vma locking and rmap walks (mm/rmap.c).
 *
 * The writers -- anon_vma_prepare(), anon_vma_clone() when a split or a
 * move shares an anon_vma, vma_adjust() when brk grows the heap,
 * anon_vma_fork(), unlink_anon_vmas() at munmap and exit -- take the lock
 * for write.  An rmap walk (page_referenced() from reclaim) pins the
 * page's anon_vma with refcount_inc_not_zero() under rcu_read_lock(), as
 * page_get_anon_vma()/page_lock_anon_vma_read() do, then takes the lock
 * for read and visits every linked VMA.  The lock is a spinlock or an
 * rw_semaphore (-p anon_vma_lock): the comparison of the 2008-2011
 * conversion that let mmu notifiers sleep inside rmap walks.
 *
 * Simplified:
 * - One anon_vma per lineage: a forked child's VMAs are linked into the
 *   parent's anon_vma instead of getting their own chained to it (the
 *   anon_vma_chain hierarchy and its root lock collapse to one lock, which
 *   is the lock the kernel takes anyway: the root's).
 * - The walker picks uniformly among the anon_vmas of the run (standing
 *   for a page at the LRU tail whose page->mapping points there), not by
 *   how many pages each has; a pick whose refcount is 0 is a page whose
 *   anon_vma was freed meanwhile, and is counted, not walked.
 * - Per VMA the walk reads its fields, locks the PTE page of one of its
 *   pages and reads that PTE (page_vma_mapped_walk()); it does not clear
 *   accessed bits nor flush TLBs, and reclaims nothing.
 * - The walker keeps its pin through the walk and drops it after the
 *   unlock; the kernel drops it once the lock is held.  Both kinds of lock
 *   are pinned the same way so that the comparison isolates the lock (the
 *   spinlock-era kernel held rcu_read_lock() across the walk instead).
 */
#include "sim/mm/rmap.h"
#include "lib/xalloc.h"

#include <stdlib.h>

#include "sim/mm/i_mmap.h"
#include "sim/core/machine.h"
#include "sim/mm/pgtable.h"
#include "sim/mm/rmap_lock.h"
#include "sim/core/task.h"

/* Every anon_vma of the run, live or free: the walker's candidates. */
static struct anon_vma **all_avs;
static unsigned int nr_avs, cap_avs;

struct anon_vma *anon_vma_alloc(struct mm_struct *mm)
{
	struct anon_vma *av = mm->anon_free;

	if (av) {
		/* Type-safe reuse: the locks stay valid for a late walker. */
		mm->anon_free = av->next_free;
		refcount_set(&av->refcount, 1);
	} else {
		av = xzalloc(sizeof(*av));
		init_rwsem(&av->rwsem, "anon_vma");
		/* struct anon_vma packs the lock word and the refcount together. */
		spin_lock_init(&av->lock, "anon_vma", &av->rwsem.line);
		refcount_init(&av->refcount, &av->rwsem.line, 1);
		av->mm = mm;
		if (mm->nr_anon_vmas == mm->cap_anon_vmas) {
			mm->cap_anon_vmas = mm->cap_anon_vmas ? mm->cap_anon_vmas * 2 : 64;
			mm->anon_vmas = xrealloc(mm->anon_vmas,
						 mm->cap_anon_vmas * sizeof(*mm->anon_vmas));
		}
		mm->anon_vmas[mm->nr_anon_vmas++] = av;
		if (nr_avs == cap_avs) {
			cap_avs = cap_avs ? cap_avs * 2 : 64;
			all_avs = xrealloc(all_avs, cap_avs * sizeof(*all_avs));
		}
		all_avs[nr_avs++] = av;
	}
	av->refs = 0;
	av->next_free = NULL;
	return av;
}

static void anon_vma_free(struct anon_vma *av)
{
	av->next_free = av->mm->anon_free;
	av->mm->anon_free = av;
}

void put_anon_vma(struct anon_vma *av)
{
	if (refcount_dec_and_test(&av->refcount))
		anon_vma_free(av);
}

void anon_vma_lock_write(struct anon_vma *av)
{
	rmap_lock_write(mm_params.anon_vma_lock, &av->lock, &av->rwsem);
}

void anon_vma_unlock_write(struct anon_vma *av)
{
	rmap_unlock_write(mm_params.anon_vma_lock, &av->lock, &av->rwsem);
}

void anon_vma_link(struct anon_vma *av, struct vm_area_struct *vma)
{
	if (av->refs == av->cap_vmas) {
		av->cap_vmas = av->cap_vmas ? av->cap_vmas * 2 : 4;
		av->vmas = xrealloc(av->vmas, (size_t)av->cap_vmas * sizeof(*av->vmas));
	}
	av->vmas[av->refs++] = vma;
	vma->anon_vma = av;
	line_write(&av->rwsem.line);	/* anon_vma_interval_tree_insert() */
}

void anon_vma_clone(struct anon_vma *av, struct vm_area_struct *vma)
{
	anon_vma_lock_write(av);
	anon_vma_link(av, vma);
	anon_vma_unlock_write(av);
}

/* Take vma off av's list; true if it was the last one. */
static bool detach(struct anon_vma *av, struct vm_area_struct *vma)
{
	int i;

	for (i = 0; i < av->refs; i++) {
		if (av->vmas[i] == vma) {
			av->vmas[i] = av->vmas[--av->refs];
			break;
		}
	}
	vma->anon_vma = NULL;
	return !av->refs;
}

void unlink_anon_vmas(struct vm_area_struct *vma)
{
	struct anon_vma *av = vma->anon_vma;
	bool last;

	if (!av)
		return;
	anon_vma_lock_write(av);
	last = detach(av, vma);
	line_write(&av->rwsem.line);	/* anon_vma_interval_tree_remove() */
	anon_vma_unlock_write(av);
	/* The VMAs' reference; a walker's pin keeps it until its put. */
	if (last)
		put_anon_vma(av);
}

void anon_vma_forget_vma(struct vm_area_struct *vma)
{
	struct anon_vma *av = vma->anon_vma;

	/* May run in an RCU callback, out of task context: no charged access. */
	if (av && detach(av, vma) && !--av->refcount.refs.counter)
		anon_vma_free(av);
}

void anon_vma_destroy(struct anon_vma *av)
{
	free(av->vmas);
	free(av);
}

void rmap_reset(void)
{
	free(all_avs);
	all_avs = NULL;
	nr_avs = cap_avs = 0;
}

void rmap_visit_vma(struct vm_area_struct *vma, unsigned long addr)
{
	struct pt_page *pt;

	line_read(&vma->fields);	/* vma_address(): vm_start, vm_pgoff */
	pt = pt_lookup(vma->vm_mm, addr);
	/* The VMA is linked, so its page tables are not freed under us. */
	if (pt && !pt_dead(pt)) {
		spin_lock(pt_ptl(pt));
		line_read(pt_pte_line(pt, addr));
		spin_unlock(pt_ptl(pt));
	}
}

/* page_referenced() of one page of av: pin, lock for read, visit the VMAs. */
static void rmap_walk_anon(struct anon_vma *av)
{
	int i;

	rcu_read_lock();
	if (!refcount_inc_not_zero(&av->refcount)) {
		/* Freed since the page was unmapped: nothing to walk. */
		rcu_read_unlock();
		count_event("rmap_walk_stale");
		return;
	}
	rcu_read_unlock();
	rmap_lock_read(mm_params.anon_vma_lock, &av->lock, &av->rwsem);
	for (i = 0; i < av->refs; i++) {
		struct vm_area_struct *vma = av->vmas[i];
		unsigned long addr = vma->vm_start +
			((unsigned long)(gsl_rng_uniform(current->rng) * (double)vma_pages(vma))
			 << PAGE_SHIFT);

		if (addr >= vma->vm_end)
			addr = vma->vm_start;
		rmap_visit_vma(vma, addr);
	}
	counter_add(counter_id("rmap_walk_vmas"), (uint64_t)av->refs);
	count_event("rmap_walks");
	rmap_unlock_read(mm_params.anon_vma_lock, &av->lock, &av->rwsem);
	put_anon_vma(av);
}

/*
 * A page at the LRU's tail: anonymous or file-backed, its anon_vma or
 * mapping drawn uniformly from those of the run.
 */
static void rmap_walk_one(void)
{
	unsigned int n = nr_avs + nr_mappings(), pick;

	if (!n)
		return;
	pick = (unsigned int)(gsl_rng_uniform(current->rng) * n) % n;
	if (pick < nr_avs)
		rmap_walk_anon(all_avs[pick]);
	else
		rmap_walk_file(mapping_nth(pick - nr_avs));
}

struct rmap_walker {
	uint64_t (*pending)(void *arg);
	void *arg;
};

static struct rmap_walker walker;

static void rmap_walker_fn(void *arg)
{
	struct rmap_walker *w = arg;
	sim_time_t period = (sim_time_t)(1e6 / mm_params.rmap_walks);
	sim_time_t last_move = 0;
	uint64_t left, last = UINT64_MAX;

	if (!period)
		period = 1;
	for (;;) {
		task_sleep_ns(period);
		left = w->pending(w->arg);
		if (!left)
			break;
		if (left != last) {
			last = left;
			last_move = sim_now();
		} else if (sim_now() - last_move > 1000000000ULL) {
			break;	/* a stuck run: let it end and be reported */
		}
		current->in_kernel++;
		rmap_walk_one();
		task_delay(0);
		current->in_kernel--;
	}
}

void rmap_walker_start(uint64_t (*pending)(void *arg), void *arg)
{
	/* One per node on a real machine, or direct reclaimers; the task keeps
	 * the name's pointer. */
	static const char *const names[RMAP_MAX_WALKERS] = {
		"kswapd0", "kswapd1", "kswapd2", "kswapd3",
		"kswapd4", "kswapd5", "kswapd6", "kswapd7",
	};
	int i;

	if (mm_params.rmap_walks <= 0)
		return;
	walker.pending = pending;
	walker.arg = arg;
	for (i = 0; i < mm_params.rmap_walkers && i < RMAP_MAX_WALKERS; i++)
		task_create(names[i], rmap_walker_fn, &walker, -1, 0);
}
