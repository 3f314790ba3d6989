/*
 * VMAs and the VMA tree.  The tree is the truth, in address order and
 * searched for free (blocks of MT_BLOCK VMAs under a packed index of
 * their last ends: a store moves at most a block, a lookup is two short
 * binary searches, however many VMAs), plus modeled maple-tree nodes: a
 * lookup reads one node line per level, a write replaces the nodes on
 * its path (new, cold lines), as the RCU-safe maple tree allocates new
 * nodes on every store.  A VMA's index in address order picks its
 * modeled nodes.
 */
#include "sim/mm/vma_tree.h"
#include "lib/xalloc.h"

#include <limits.h>
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

/*
 * Level l's nodes hold span = MT_FANOUT^(depth - l) slots each, and a
 * walk divides an index by it at every level: (pos * mul) >> shift, with
 * shift = 31 + ceil(log2(span)) and mul = 2^shift / span + 1, is that
 * quotient for every pos below 2^31 (Granlund and Montgomery, "Division
 * by invariant integers using multiplication", PLDI 1994; checked over
 * all such pos for each span up to 10^8), a multiply where a division
 * by a span read at run time is a hardware divide.
 */
static void span_reciprocal(struct maple_tree *mt, int l, unsigned long span)
{
	int lg = 0;

	while ((1UL << lg) < span)
		lg++;
	mt->span_shift[l] = (uint8_t)(31 + lg);
	mt->span_mul[l] = (1ULL << (31 + lg)) / span + 1;
}

/*
 * Resize the modeled node levels to the VMA count; new nodes are cold.
 * Every tree store comes here, and the depth seldom changes: the
 * divisions by each level's span are worked out again only when it does.
 */
static void mt_relayout(struct maple_tree *mt)
{
	int depth = 1, l, i;
	unsigned long cap = MT_FANOUT, span[MT_MAX_DEPTH];

	while ((unsigned long)mt->nr > cap && depth < MT_MAX_DEPTH) {
		depth++;
		cap *= MT_FANOUT;
	}
	span[depth - 1] = MT_FANOUT;
	for (l = depth - 2; l >= 0; l--)
		span[l] = span[l + 1] * MT_FANOUT;
	if (depth != mt->depth || !mt->span_mul[0]) {
		mt->depth = depth;
		for (l = 0; l < depth; l++)
			span_reciprocal(mt, l, span[l]);
	}
	for (l = 0; l < depth; l++) {
		int want = (int)((mt->nr + span[l] - 1) / span[l]);

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
	int idx = (int)(((uint64_t)pos * mt->span_mul[level]) >> mt->span_shift[level]);

	if (idx >= mt->nr_nodes[level])
		idx = mt->nr_nodes[level] - 1;
	return &mt->nodes[level][idx];
}

/* ---- the host index: blocks of VMAs in address order ------------------ */

/* The block holding index pos (0 <= pos < nr): the last one starting at or before it. */
static int mt_block_of(const struct maple_tree *mt, int pos)
{
	int lo = 0, hi = mt->nr_blocks - 1;

	while (lo < hi) {
		int mid = (lo + hi + 1) / 2;

		if (mt->block_first[mid] <= pos)
			lo = mid;
		else
			hi = mid - 1;
	}
	return lo;
}

struct vm_area_struct *mt_at(struct mm_struct *mm, int pos)
{
	const struct maple_tree *mt = &mm->mm_mt;
	int b = mt_block_of(mt, pos);

	return mt->blocks[b]->slots[pos - mt->block_first[b]];
}

/*
 * First index whose VMA ends above addr (mas_walk / find_vma semantics),
 * and its block and offset there (*b = -1 past the last VMA).  The ends
 * never decrease along the tree, even while a writer has one VMA's end
 * moved (an end moves to at most its neighbour's), so the first block
 * whose last end is above addr holds the answer.
 */
static int mt_search_at(const struct maple_tree *mt, unsigned long addr, int *b, int *off)
{
	const struct mt_block *blk;
	int lo = 0, hi = mt->nr_blocks;

	while (lo < hi) {
		int mid = (lo + hi) / 2;

		if (mt->block_end[mid] <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == mt->nr_blocks) {
		*b = -1;
		return mt->nr;
	}
	*b = lo;
	blk = mt->blocks[lo];
	lo = 0;
	hi = blk->n;
	while (lo < hi) {
		int mid = (lo + hi) / 2;

		if (blk->ends[mid] <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	*off = lo;
	return mt->block_first[*b] + lo;
}

static int mt_search(const struct maple_tree *mt, unsigned long addr)
{
	int b, off;

	return mt_search_at(mt, addr, &b, &off);
}

/* Block b changed size by delta: its last end and the later blocks' firsts follow. */
static void mt_block_changed(struct maple_tree *mt, int b, int delta)
{
	int i;

	mt->block_end[b] = mt->blocks[b]->ends[mt->blocks[b]->n - 1];
	for (i = b + 1; i < mt->nr_blocks; i++)
		mt->block_first[i] += delta;
	mt->nr += delta;
}

/* Make room for a block at index b (its fields are the caller's to fill). */
static struct mt_block *mt_block_insert(struct maple_tree *mt, int b)
{
	struct mt_block *blk = xzalloc(sizeof(*blk));
	int tail = mt->nr_blocks - b;

	if (mt->nr_blocks == mt->cap_blocks) {
		int cap = mt->cap_blocks ? mt->cap_blocks * 2 : 8;

		mt->blocks = xreallocarray(mt->blocks, (size_t)cap, sizeof(*mt->blocks));
		mt->block_end = xreallocarray(mt->block_end, (size_t)cap, sizeof(*mt->block_end));
		mt->block_first = xreallocarray(mt->block_first, (size_t)cap,
						sizeof(*mt->block_first));
		mt->cap_blocks = cap;
	}
	memmove(&mt->blocks[b + 1], &mt->blocks[b], (size_t)tail * sizeof(*mt->blocks));
	memmove(&mt->block_end[b + 1], &mt->block_end[b], (size_t)tail * sizeof(*mt->block_end));
	memmove(&mt->block_first[b + 1], &mt->block_first[b],
		(size_t)tail * sizeof(*mt->block_first));
	mt->blocks[b] = blk;
	mt->nr_blocks++;
	return blk;
}

static void mt_block_remove(struct maple_tree *mt, int b)
{
	int tail = mt->nr_blocks - b - 1;

	free(mt->blocks[b]);
	memmove(&mt->blocks[b], &mt->blocks[b + 1], (size_t)tail * sizeof(*mt->blocks));
	memmove(&mt->block_end[b], &mt->block_end[b + 1], (size_t)tail * sizeof(*mt->block_end));
	memmove(&mt->block_first[b], &mt->block_first[b + 1],
		(size_t)tail * sizeof(*mt->block_first));
	mt->nr_blocks--;
}

/* A full block b splits in two halves. */
static void mt_block_split(struct maple_tree *mt, int b)
{
	struct mt_block *blk = mt->blocks[b], *right = mt_block_insert(mt, b + 1);
	int half = blk->n / 2;

	right->n = blk->n - half;
	memcpy(right->ends, blk->ends + half, (size_t)right->n * sizeof(*right->ends));
	memcpy(right->slots, blk->slots + half, (size_t)right->n * sizeof(*right->slots));
	blk->n = half;
	mt->block_first[b + 1] = mt->block_first[b] + half;
	mt->block_end[b] = blk->ends[half - 1];
	mt->block_end[b + 1] = right->ends[right->n - 1];
}

static void mt_index_insert(struct maple_tree *mt, int pos, struct vm_area_struct *vma)
{
	struct mt_block *blk;
	int b, off;

	if (!mt->nr_blocks) {
		mt_block_insert(mt, 0);
		mt->block_first[0] = 0;
	}
	b = pos == mt->nr ? mt->nr_blocks - 1 : mt_block_of(mt, pos);
	if (mt->blocks[b]->n == MT_BLOCK) {
		mt_block_split(mt, b);
		if (pos >= mt->block_first[b + 1])
			b++;
	}
	blk = mt->blocks[b];
	off = pos - mt->block_first[b];
	memmove(&blk->ends[off + 1], &blk->ends[off], (size_t)(blk->n - off) * sizeof(*blk->ends));
	memmove(&blk->slots[off + 1], &blk->slots[off], (size_t)(blk->n - off) * sizeof(*blk->slots));
	blk->ends[off] = vma->vm_end;
	blk->slots[off] = vma;
	blk->n++;
	mt_block_changed(mt, b, 1);
}

static void mt_index_erase(struct maple_tree *mt, int pos)
{
	int b = mt_block_of(mt, pos), off = pos - mt->block_first[b], i;
	struct mt_block *blk = mt->blocks[b], *next;

	memmove(&blk->ends[off], &blk->ends[off + 1], (size_t)(blk->n - off - 1) * sizeof(*blk->ends));
	memmove(&blk->slots[off], &blk->slots[off + 1],
		(size_t)(blk->n - off - 1) * sizeof(*blk->slots));
	if (--blk->n == 0) {
		mt_block_remove(mt, b);
		for (i = b; i < mt->nr_blocks; i++)
			mt->block_first[i]--;
		mt->nr--;
		return;
	}
	mt_block_changed(mt, b, -1);
	/* Keep blocks from thinning out: a small one takes in its successor. */
	next = b + 1 < mt->nr_blocks ? mt->blocks[b + 1] : NULL;
	if (blk->n < MT_BLOCK / 4 && next && blk->n + next->n <= MT_BLOCK) {
		memcpy(blk->ends + blk->n, next->ends, (size_t)next->n * sizeof(*blk->ends));
		memcpy(blk->slots + blk->n, next->slots, (size_t)next->n * sizeof(*blk->slots));
		blk->n += next->n;
		mt->block_end[b] = blk->ends[blk->n - 1];
		mt_block_remove(mt, b + 1);
	}
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

/*
 * The search for a task's lookups, host side.  A task mostly asks again
 * about the VMA it asked about last (its faults run through one region),
 * so its last answer is kept, with the addresses it holds for, until the
 * tree next changes (gen); the index and the VMA at it are then what the
 * search would give.
 */
static int mt_lookup(struct mm_struct *mm, unsigned long addr, struct vm_area_struct **vma)
{
	struct maple_tree *mt = &mm->mm_mt;
	struct mt_lookup_entry *e = &mm_task_memo(mm)->mt;
	int pos, b, off;

	if (e->gen == mt->gen && addr - e->lo < e->hi - e->lo) {
		*vma = e->vma;
		return e->pos;
	}
	/* The ends on either side from the block the search ended in: the
	 * one before it is the previous block's last, if not in this one. */
	pos = mt_search_at(mt, addr, &b, &off);
	e->gen = mt->gen;
	e->pos = pos;
	if (b < 0) {
		e->lo = mt->nr_blocks ? mt->block_end[mt->nr_blocks - 1] : 0;
		e->hi = ULONG_MAX;
		e->vma = NULL;
	} else {
		e->lo = off ? mt->blocks[b]->ends[off - 1] : b ? mt->block_end[b - 1] : 0;
		e->hi = mt->blocks[b]->ends[off];
		e->vma = mt->blocks[b]->slots[off];
	}
	*vma = e->vma;
	return pos;
}

/*
 * The walk may wait for node lines while a writer stores: what the reader
 * gets is the slot it lands on when its walk ends, as it reads the leaf.
 */
struct vm_area_struct *find_vma(struct mm_struct *mm, unsigned long addr)
{
	struct maple_tree *mt = &mm->mm_mt;
	struct vm_area_struct *vma;
	uint64_t gen = mt->gen;
	int pos = mt_lookup(mm, addr, &vma);

	mt_walk(mt, pos);
	if (mt->gen != gen)
		vma = pos < mt->nr ? mt_at(mm, pos) : NULL;
	return vma;
}

struct vm_area_struct *vma_lookup_rcu(struct mm_struct *mm, unsigned long addr)
{
	return find_vma(mm, addr);
}

/*
 * The truth at this instant, for the oracle: no cost.  A live VMA's
 * vm_start is stored only beside its tree change (vma_set()), so it is
 * read here as it is now.
 */
struct vm_area_struct *mt_truth(struct mm_struct *mm, unsigned long addr)
{
	struct vm_area_struct *vma;

	mt_lookup(mm, addr, &vma);
	return vma && vma->vm_start <= addr ? vma : NULL;
}

void mt_insert(struct mm_struct *mm, struct vm_area_struct *vma)
{
	struct maple_tree *mt = &mm->mm_mt;
	int pos = mt_search(mt, vma->vm_start);

	mt_index_insert(mt, pos, vma);
	mt->gen++;
	vma->state = VMA_LIVE;
	mt_replace_path(mt, pos);
}

void mt_erase(struct mm_struct *mm, struct vm_area_struct *vma)
{
	struct maple_tree *mt = &mm->mm_mt;
	int pos = mt_search(mt, vma->vm_start);

	if (pos >= mt->nr || mt_at(mm, pos) != vma) {
		report_violation("tree-corruption", vma->vm_start, "VMA %llu not in the tree",
				(unsigned long long)vma->id);
		return;
	}
	mt_index_erase(mt, pos);
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
 * Which index vma holds: found by identity, since its fields may have just
 * moved.  Its new start lands the search on it or a neighbour; failing
 * that (a VMA that moved far), the blocks are walked.
 */
static int mt_index_of(struct maple_tree *mt, struct vm_area_struct *vma)
{
	int guess = mt_search(mt, vma->vm_start), b, i, pos;

	for (pos = guess - 1; pos <= guess + 1; pos++) {
		if (pos < 0 || pos >= mt->nr)
			continue;
		b = mt_block_of(mt, pos);
		if (mt->blocks[b]->slots[pos - mt->block_first[b]] == vma)
			return pos;
	}
	for (b = 0; b < mt->nr_blocks; b++)
		for (i = 0; i < mt->blocks[b]->n; i++)
			if (mt->blocks[b]->slots[i] == vma)
				return mt->block_first[b] + i;
	return -1;
}

void mt_vm_end_stored(struct vm_area_struct *vma)
{
	struct maple_tree *mt = &vma->vm_mm->mm_mt;
	int pos = mt_index_of(mt, vma), b;

	if (pos < 0)
		return;		/* not in the tree (yet) */
	b = mt_block_of(mt, pos);
	mt->blocks[b]->ends[pos - mt->block_first[b]] = vma->vm_end;
	mt->block_end[b] = mt->blocks[b]->ends[mt->blocks[b]->n - 1];
	mt->gen++;
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
		struct vm_area_struct *v = mt_at(mm, i), *prev = i ? mt_at(mm, i - 1) : NULL;

		if (v->vm_start >= v->vm_end || (v->vm_start | v->vm_end) & (PAGE_SIZE - 1)) {
			snprintf(err, errlen, "VMA %llu has bad bounds %#lx-%#lx",
				 (unsigned long long)v->id, v->vm_start, v->vm_end);
			return -1;
		}
		if (prev && prev->vm_end > v->vm_start) {
			snprintf(err, errlen, "VMAs %#lx-%#lx and %#lx-%#lx overlap",
				 prev->vm_start, prev->vm_end,
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
	for (l = 0; l < mm->mm_mt.nr_blocks; l++)
		free(mm->mm_mt.blocks[l]);
	free(mm->mm_mt.blocks);
	free(mm->mm_mt.block_end);
	free(mm->mm_mt.block_first);
	for (l = 0; l < MT_MAX_DEPTH; l++)
		free(mm->mm_mt.nodes[l]);
}

void vma_ids_reset(void)
{
	next_vma_id = 0;
}
