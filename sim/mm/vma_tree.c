/*
 * VMAs and the VMA tree.  The tree is a sorted array (the truth, searched
 * for free) plus modeled maple-tree nodes: a lookup reads one node line
 * per level, a write replaces the nodes on its path (new, cold lines),
 * as the RCU-safe maple tree allocates new nodes on every store.
 */
#include "sim/mm/vma_tree.h"
#include "lib/xalloc.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/core/violation.h"
#include "sim/mm/scheme_call.h"
#include "sim/mm/i_mmap.h"
#include "sim/mm/rmap.h"

#define MT_FANOUT	10	/* ~2/3 of a maple_range_64 node's 16 slots */
#define MT_MAX_DEPTH	8
/* Freed VMAs wait in the pool (per mm) for this many later frees before
 * reuse, so a late touch still lands on a poisoned line, as with KASAN's
 * quarantine; small enough that an mm's VMA memory follows its live VMAs. */
#define VMA_QUARANTINE	128

static uint64_t next_vma_id;

/* ---- VMAs -------------------------------------------------------------- */

struct vm_area_struct *vm_area_alloc(struct mm_struct *mm)
{
	size_t percpu_size = (size_t)sched_nr_cpus() * mm_call_vma_percpu_size(mm->ops);
	struct vm_area_struct *vma;
	void *priv, *percpu;

	if (mm->pool_nr_free > VMA_QUARANTINE) {
		vma = mm->pool_free;
		mm->pool_free = vma->pool_next;
		if (!mm->pool_free)
			mm->pool_free_tail = NULL;
		mm->pool_nr_free--;
		priv = vma->priv;
		percpu = vma->percpu;
	} else {
		vma = xzalloc(sizeof(*vma));
		priv = xzalloc(mm_call_vma_priv_size(mm->ops));
		percpu = percpu_size ? xzalloc(percpu_size) : NULL;
		if (mm->nr_all_vmas == mm->cap_all_vmas) {
			mm->cap_all_vmas = mm->cap_all_vmas ? mm->cap_all_vmas * 2 : 64;
			mm->all_vmas = xrealloc(mm->all_vmas, mm->cap_all_vmas * sizeof(*mm->all_vmas));
		}
		mm->all_vmas[mm->nr_all_vmas++] = vma;
	}
	memset(vma, 0, sizeof(*vma));
	memset(priv, 0, mm_call_vma_priv_size(mm->ops) ? mm_call_vma_priv_size(mm->ops) : 1);
	vma->priv = priv;
	if (percpu)
		memset(percpu, 0, percpu_size);
	vma->percpu = percpu;
	line_init(&vma->fields, "vma_fields");
	line_init(&vma->lock_line, "vma_lock");
	vma->vm_mm = mm;
	vma->id = ++next_vma_id;
	vma->state = VMA_DETACHED;
	mm_call_init_vma(vma);
	return vma;
}

void vm_area_free(struct vm_area_struct *vma)
{
	struct mm_struct *mm = vma->vm_mm;

	if (vma->state == VMA_FREED) {
		report_violation("double-free", vma->vm_start, "VMA %llu freed twice",
				(unsigned long long)vma->id);
		return;
	}
	if (vma->state == VMA_LIVE)
		report_violation("use-after-free", vma->vm_start,
				"VMA %llu freed while still in the tree", (unsigned long long)vma->id);
	if (vma->write_locker) {
		/* Write-locked by an operation still running: released when it
		 * ends (scheme_call.c, wlock_end()), so its unlock can reach it. */
		if (vma->free_deferred)
			report_violation("double-free", vma->vm_start, "VMA %llu freed twice",
					 (unsigned long long)vma->id);
		vma->free_deferred = true;
		return;
	}
	/* The mm's paths unlink it first (unlink_anon_vmas()); this is a net. */
	anon_vma_forget_vma(vma);
	i_mmap_forget_vma(vma);
	mm_call_destroy_vma(vma);
	vma->state = VMA_FREED;
	vma->fields.poisoned = 1;
	vma->lock_line.poisoned = 1;
	vma->pool_next = NULL;
	if (mm->pool_free_tail)
		mm->pool_free_tail->pool_next = vma;
	else
		mm->pool_free = vma;
	mm->pool_free_tail = vma;
	mm->pool_nr_free++;
}

static void vm_area_free_rcu_cb(struct rcu_head *head)
{
	struct vm_area_struct *vma = (struct vm_area_struct *)
		((char *)head - offsetof(struct vm_area_struct, rcu));

	vm_area_free(vma);
}

void vm_area_free_rcu(struct vm_area_struct *vma)
{
	vma->state = VMA_FREE_PENDING;
	call_rcu(&vma->rcu, vm_area_free_rcu_cb);
}

void vm_area_free_srcu(struct vm_area_struct *vma, struct srcu_struct *ssp)
{
	vma->state = VMA_FREE_PENDING;
	call_srcu(ssp, &vma->rcu, vm_area_free_rcu_cb);
}

struct vm_area_struct *vma_from_rcu_head(struct rcu_head *head)
{
	return (struct vm_area_struct *)((char *)head - offsetof(struct vm_area_struct, rcu));
}

unsigned long vma_start(struct vm_area_struct *vma)
{
	line_read(&vma->fields);
	return vma->vm_start;
}

unsigned long vma_end(struct vm_area_struct *vma)
{
	line_read(&vma->fields);
	return vma->vm_end;
}

unsigned long vma_flags(struct vm_area_struct *vma)
{
	line_read(&vma->fields);
	return vma->vm_flags;
}

void vmf_init(struct vm_fault *vmf, struct vm_area_struct *vma, unsigned long address,
	      unsigned int flags, void (*unlock)(struct vm_fault *vmf))
{
	memset(vmf, 0, sizeof(*vmf));
	vmf->vma = vma;
	vmf->address = address;
	vmf->flags = flags;
	vmf->unlock = unlock;
	vmf_snapshot(vmf);
}

void vmf_snapshot(struct vm_fault *vmf)
{
	struct vm_area_struct *vma = vmf->vma;

	line_read(&vma->fields);
	vmf->vm_start = vma->vm_start;
	vmf->vm_end = vma->vm_end;
	vmf->vm_flags = vma->vm_flags;
	vmf->torn = vma->modifying;
}

/* ---- the tree ---------------------------------------------------------- */

static unsigned long ipow(unsigned long b, int e)
{
	unsigned long r = 1;

	while (e-- > 0)
		r *= b;
	return r;
}

/* Resize the modeled node levels to the VMA count; new nodes are cold. */
static void mt_relayout(struct maple_tree *mt)
{
	int depth = 1, l, i;
	unsigned long cap = MT_FANOUT;

	while ((unsigned long)mt->nr > cap && depth < MT_MAX_DEPTH) {
		depth++;
		cap *= MT_FANOUT;
	}
	mt->depth = depth;
	for (l = 0; l < depth; l++)
		mt->span[l] = ipow(MT_FANOUT, depth - l);
	for (l = 0; l < depth; l++) {
		int want = (int)((mt->nr + ipow(MT_FANOUT, depth - l) - 1) / ipow(MT_FANOUT, depth - l));

		if (want < 1)
			want = 1;
		if (want > mt->nr_nodes[l]) {
			struct cacheline *n = xreallocarray(mt->nodes[l], (size_t)want, sizeof(*n));

			for (i = mt->nr_nodes[l]; i < want; i++)
				line_init(&n[i], "maple_node");
			mt->nodes[l] = n;
			mt->nr_nodes[l] = want;
		}
	}
}

static struct cacheline *mt_node(struct maple_tree *mt, int level, int pos)
{
	int idx = (int)((unsigned long)pos / mt->span[level]);

	if (idx >= mt->nr_nodes[level])
		idx = mt->nr_nodes[level] - 1;
	return &mt->nodes[level][idx];
}

/* First slot whose VMA ends above addr (mas_walk / find_vma semantics). */
static int mt_search(const struct maple_tree *mt, unsigned long addr)
{
	int lo = 0, hi = mt->nr;

	while (lo < hi) {
		int mid = (lo + hi) / 2;

		if (mt->ends[mid] <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* The walk a reader does: one node line per level. */
static void mt_walk(struct maple_tree *mt, int pos)
{
	int l;

	for (l = 0; l < mt->depth; l++) {
		line_read(mt_node(mt, l, pos));
		task_charge(3);		/* pivot search within the node */
	}
}

/*
 * A tree store replaces the nodes on its path by new ones nobody has
 * cached.  The array changes at once (a maple tree store is published
 * atomically to RCU readers); the writer pays for filling the new nodes
 * with mt_store_charge() once its whole update is in place, so that no
 * reader can observe half of a split or merge.
 */
static void mt_replace_path(struct maple_tree *mt, int pos)
{
	int l;

	mt_relayout(mt);
	for (l = 0; l < mt->depth; l++)
		line_init(mt_node(mt, l, pos), "maple_node");
}

void mt_store_charge(struct mm_struct *mm, unsigned long addr)
{
	struct maple_tree *mt = &mm->mm_mt;
	int pos = mt_search(mt, addr), l;

	for (l = 0; l < mt->depth; l++)
		line_write(mt_node(mt, l, pos));
}

struct vm_area_struct *find_vma(struct mm_struct *mm, unsigned long addr)
{
	struct maple_tree *mt = &mm->mm_mt;
	int pos = mt_search(mt, addr);

	mt_walk(mt, pos);
	return pos < mt->nr ? mt->slots[pos] : NULL;
}

struct vm_area_struct *vma_lookup_rcu(struct mm_struct *mm, unsigned long addr)
{
	return find_vma(mm, addr);
}

/*
 * The truth at this instant, for the oracle: no cost.  It asks on every
 * PTE install, each task mostly about the VMA it faulted last, so each
 * task's last answer is kept until the tree next changes (gen).  A live VMA's
 * vm_start is stored only beside its tree change (vma_set()), so an
 * answer cannot go stale in between.
 */
struct vm_area_struct *mt_truth(struct mm_struct *mm, unsigned long addr)
{
	struct maple_tree *mt = &mm->mm_mt;
	struct mt_truth_entry *e = &mt->truth[(current ? current->id : 0) % MT_TRUTH_CACHE];
	unsigned long lo;
	int pos;

	if (mt->truth_gen != mt->gen) {
		memset(mt->truth, 0, sizeof(mt->truth));
		mt->truth_gen = mt->gen;
	}
	if (e->vma && addr - e->lo < e->hi - e->lo)
		return e->vma;
	pos = mt_search(mt, addr);
	if (pos >= mt->nr || mt->slots[pos]->vm_start > addr)
		return NULL;
	/* The search gives slots[pos] from the end before it up to its own. */
	lo = mt->slots[pos]->vm_start;
	if (pos > 0 && mt->ends[pos - 1] > lo)
		lo = mt->ends[pos - 1];
	*e = (struct mt_truth_entry){ lo, mt->ends[pos], mt->slots[pos] };
	return e->vma;
}

void mt_insert(struct mm_struct *mm, struct vm_area_struct *vma)
{
	struct maple_tree *mt = &mm->mm_mt;
	int pos = mt_search(mt, vma->vm_start);

	if (mt->nr == mt->cap) {
		int cap = mt->cap ? mt->cap * 2 : 64;
		struct vm_area_struct **s = xreallocarray(mt->slots, (size_t)cap, sizeof(*s));

		mt->slots = s;
		mt->ends = xreallocarray(mt->ends, (size_t)cap, sizeof(*mt->ends));
		mt->cap = cap;
	}
	memmove(&mt->slots[pos + 1], &mt->slots[pos], (size_t)(mt->nr - pos) * sizeof(*mt->slots));
	memmove(&mt->ends[pos + 1], &mt->ends[pos], (size_t)(mt->nr - pos) * sizeof(*mt->ends));
	mt->slots[pos] = vma;
	mt->ends[pos] = vma->vm_end;
	mt->nr++;
	mt->gen++;
	vma->state = VMA_LIVE;
	mt_replace_path(mt, pos);
}

void mt_erase(struct mm_struct *mm, struct vm_area_struct *vma)
{
	struct maple_tree *mt = &mm->mm_mt;
	int pos = mt_search(mt, vma->vm_start);

	if (pos >= mt->nr || mt->slots[pos] != vma) {
		report_violation("tree-corruption", vma->vm_start, "VMA %llu not in the tree",
				(unsigned long long)vma->id);
		return;
	}
	memmove(&mt->slots[pos], &mt->slots[pos + 1], (size_t)(mt->nr - pos - 1) * sizeof(*mt->slots));
	memmove(&mt->ends[pos], &mt->ends[pos + 1], (size_t)(mt->nr - pos - 1) * sizeof(*mt->ends));
	mt->nr--;
	mt->gen++;
	vma->state = VMA_DETACHED;
	mt_replace_path(mt, pos);
	mm_call_vma_detach(vma);
}

/* Position-preserving change (vm_end moved within the gap): one path. */
void mt_update(struct mm_struct *mm, struct vm_area_struct *vma)
{
	mt_replace_path(&mm->mm_mt, mt_search(&mm->mm_mt, vma->vm_start));
}

/*
 * Which slot vma holds: by address, since a VMA being changed may be out of
 * order for a moment (the binary search would not find it); only writers
 * come here, who walk the VMAs anyway.
 */
void mt_vm_end_stored(struct vm_area_struct *vma)
{
	struct maple_tree *mt = &vma->vm_mm->mm_mt;
	int i;

	for (i = 0; i < mt->nr; i++)
		if (mt->slots[i] == vma) {
			mt->ends[i] = vma->vm_end;
			mt->gen++;
			return;
		}
}

int mt_first_at_or_after(struct mm_struct *mm, unsigned long addr)
{
	return mt_search(&mm->mm_mt, addr);
}

int mm_validate(struct mm_struct *mm, char *err, size_t errlen)
{
	struct maple_tree *mt = &mm->mm_mt;
	int i;

	for (i = 0; i < mt->nr; i++) {
		struct vm_area_struct *v = mt->slots[i];

		if (v->vm_start >= v->vm_end || (v->vm_start | v->vm_end) & (PAGE_SIZE - 1)) {
			snprintf(err, errlen, "VMA %llu has bad bounds %#lx-%#lx",
				 (unsigned long long)v->id, v->vm_start, v->vm_end);
			return -1;
		}
		if (i && mt->slots[i - 1]->vm_end > v->vm_start) {
			snprintf(err, errlen, "VMAs %#lx-%#lx and %#lx-%#lx overlap",
				 mt->slots[i - 1]->vm_start, mt->slots[i - 1]->vm_end,
				 v->vm_start, v->vm_end);
			return -1;
		}
		if (v->state != VMA_LIVE || v->modifying) {
			snprintf(err, errlen, "VMA %llu in the tree is not live and settled",
				 (unsigned long long)v->id);
			return -1;
		}
	}
	return 0;
}

void vma_tree_init(struct mm_struct *mm)
{
	mt_relayout(&mm->mm_mt);
}

void vma_tree_destroy(struct mm_struct *mm)
{
	unsigned int i;
	int l;

	for (i = 0; i < mm->nr_all_vmas; i++) {
		free(mm->all_vmas[i]->priv);
		free(mm->all_vmas[i]->percpu);
		free(mm->all_vmas[i]);
	}
	free(mm->all_vmas);
	for (i = 0; i < mm->nr_anon_vmas; i++)
		anon_vma_destroy(mm->anon_vmas[i]);
	free(mm->anon_vmas);
	free(mm->mm_mt.slots);
	free(mm->mm_mt.ends);
	for (l = 0; l < MT_MAX_DEPTH; l++)
		free(mm->mm_mt.nodes[l]);
}

void vma_ids_reset(void)
{
	next_vma_id = 0;
}
