/*
 * Page tables: one PTE page per 2 MiB (what a PMD entry points to), with
 * its split PTE lock and the lines its 512 PTEs live on, found through an
 * open-addressed hash by addr >> PMD_SHIFT, and kept in address order
 * beside it for the walks over a range (munmap of a reservation of
 * gigabytes has a few page tables in thousands of 2 MiB).
 */
#include "sim/mm/pgtable.h"
#include "lib/xalloc.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/core/task.h"
#include "sim/mm/vma_tree.h"

/* A fault sets a PTE's three bits together: one host cacheline for them. */
struct pte_bits {
	uint64_t present;
	uint64_t writable;
	uint64_t anon;			/* maps an anonymous page (PageAnon) */
};

/*
 * What every fault reads besides its PTE's bits and line comes first and
 * together: dead, nr_present, the PTE lock's words and its line's fields
 * a hit reads, 64 bytes.  With index ahead of them, cachegrind counted
 * 2.5% more L1 misses on xz at 64 threads.  Page tables are not allocated
 * on host lines, which would make those 64 bytes exactly one: that saved
 * xz another 3% and cost py 3% more.
 */
struct pt_page {
	int nr_present;
	bool dead;			/* unlinked from the PMD: pmd_same() fails */
	spinlock_t ptl;
	unsigned long index;		/* addr >> PMD_SHIFT */
	struct pte_bits bits[PTRS_PER_PTE / 64];
	struct cacheline pte_lines[PTRS_PER_PTE / 8];
	struct rcu_head rcu;		/* freed after a grace period */
	struct pt_page *pool_next;
};

/* ---- page tables ------------------------------------------------------- */

static unsigned int pt_slot(const struct mm_struct *mm, unsigned long index)
{
	return (unsigned int)((index * 0x9e3779b97f4a7c15ULL) >> 40) & (mm->pt_cap - 1);
}

/*
 * Host side only: the modeled walk is charged by the caller.  A task
 * faults its way through one 2 MiB region after another, so the page
 * table it found last is mostly the one it asks for again; kept per task,
 * as found in the hash, it stays what the hash holds for its index until
 * a page table leaves it (pt_remove()).  An absent one is not kept, as an
 * insertion would make it stale.
 */
struct pt_page *pt_lookup(struct mm_struct *mm, unsigned long addr)
{
	unsigned long index = addr >> PMD_SHIFT;
	struct pt_lookup_entry *e = &mm_task_memo(mm)->pt;
	unsigned int i;

	if (e->key == index + 1 && e->gen == mm->pt_gen)
		return e->pt;
	if (!mm->pt_cap)
		return NULL;
	for (i = pt_slot(mm, index); mm->pt[i].pt; i = (i + 1) & (mm->pt_cap - 1))
		if (mm->pt[i].index == index) {
			e->key = index + 1;
			e->gen = mm->pt_gen;
			e->pt = mm->pt[i].pt;
			return e->pt;
		}
	return NULL;
}

/* Index of the first page table in order at or after index. */
static unsigned int pt_order_search(const struct mm_struct *mm, unsigned long index)
{
	unsigned int lo = 0, hi = mm->pt_nr;

	while (lo < hi) {
		unsigned int mid = (lo + hi) / 2;

		if (mm->pt_order[mid] < index)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

struct pt_page *pt_next(struct mm_struct *mm, unsigned long addr, unsigned long end)
{
	unsigned int i = pt_order_search(mm, addr >> PMD_SHIFT);

	if (i == mm->pt_nr || mm->pt_order[i] << PMD_SHIFT >= end)
		return NULL;
	return pt_lookup(mm, mm->pt_order[i] << PMD_SHIFT);
}

unsigned long pt_start(const struct pt_page *pt)
{
	return pt->index << PMD_SHIFT;
}

static void pt_order_insert(struct mm_struct *mm, unsigned long index)
{
	unsigned int i = pt_order_search(mm, index);

	if (mm->pt_nr == mm->pt_order_cap) {
		mm->pt_order_cap = mm->pt_order_cap ? mm->pt_order_cap * 2 : 64;
		mm->pt_order = xreallocarray(mm->pt_order, mm->pt_order_cap, sizeof(*mm->pt_order));
	}
	memmove(&mm->pt_order[i + 1], &mm->pt_order[i],
		(mm->pt_nr - i) * sizeof(*mm->pt_order));
	mm->pt_order[i] = index;
}

static void pt_order_remove(struct mm_struct *mm, unsigned long index)
{
	unsigned int i = pt_order_search(mm, index);

	memmove(&mm->pt_order[i], &mm->pt_order[i + 1],
		(mm->pt_nr - i - 1) * sizeof(*mm->pt_order));
}

/* Into the first free slot from its home. */
static void pt_hash_put(struct mm_struct *mm, unsigned long index, struct pt_page *pt)
{
	unsigned int i;

	for (i = pt_slot(mm, index); mm->pt[i].pt; i = (i + 1) & (mm->pt_cap - 1))
		;
	mm->pt[i].index = index;
	mm->pt[i].pt = pt;
}

static void pt_insert(struct mm_struct *mm, struct pt_page *pt)
{
	if ((mm->pt_nr + 1) * 2 > mm->pt_cap) {
		struct pt_hash_slot *old = mm->pt;
		unsigned int oldcap = mm->pt_cap, j;

		mm->pt_cap = oldcap ? oldcap * 2 : 64;
		mm->pt = xzalloc(mm->pt_cap * sizeof(*mm->pt));
		for (j = 0; j < oldcap; j++)
			if (old[j].pt)
				pt_hash_put(mm, old[j].index, old[j].pt);
		free(old);
	}
	pt_hash_put(mm, pt->index, pt);
	pt_order_insert(mm, pt->index);
	mm->pt_nr++;
}

/* Remove with backward-shift deletion (no tombstones). */
static void pt_remove(struct mm_struct *mm, struct pt_page *pt)
{
	unsigned int mask = mm->pt_cap - 1, i, j;

	for (i = pt_slot(mm, pt->index); mm->pt[i].pt != pt; i = (i + 1) & mask)
		;
	mm->pt[i].pt = NULL;
	for (j = (i + 1) & mask; mm->pt[j].pt; j = (j + 1) & mask) {
		unsigned int home = pt_slot(mm, mm->pt[j].index);

		/* Move j back into the hole if its home is not in (i, j]. */
		if (i <= j ? (home <= i || home > j) : (home <= i && home > j)) {
			mm->pt[i] = mm->pt[j];
			mm->pt[j].pt = NULL;
			i = j;
		}
	}
	pt_order_remove(mm, pt->index);
	mm->pt_nr--;
	mm->pt_gen++;
}

/* __pte_alloc(): populate the PMD under mm->page_table_lock. */
static struct pt_page *pt_new(struct mm_struct *mm)
{
	struct pt_page *pt = mm->pt_pool;

	if (pt) {
		mm->pt_pool = pt->pool_next;
		memset(pt, 0, sizeof(*pt));
	} else {
		pt = xzalloc(sizeof(*pt));
		if (mm->nr_all_pts == mm->cap_all_pts) {
			mm->cap_all_pts = mm->cap_all_pts ? mm->cap_all_pts * 2 : 64;
			mm->all_pts = xrealloc(mm->all_pts, mm->cap_all_pts * sizeof(*mm->all_pts));
		}
		mm->all_pts[mm->nr_all_pts++] = pt;
	}
	return pt;
}

/* __pte_alloc(): allocate under mm->page_table_lock, unless someone won. */
struct pt_page *pt_alloc(struct mm_struct *mm, unsigned long addr)
{
	struct pt_page *pt;
	int i;

	task_delay(sim_machine->cost.pt_alloc);
	spin_lock(&mm->page_table_lock);
	pt = pt_lookup(mm, addr);
	if (!pt) {
		pt = pt_new(mm);
		pt->index = addr >> PMD_SHIFT;
		spin_lock_init(&pt->ptl, "ptl", NULL);
		for (i = 0; i < PTRS_PER_PTE / 8; i++)
			line_init(&pt->pte_lines[i], "pte");
		/* A page table is a page: its lines pair up into 128 bytes. */
		for (i = 0; i < PTRS_PER_PTE / 8; i += 2)
			line_pair(&pt->pte_lines[i], &pt->pte_lines[i + 1]);
		pt_insert(mm, pt);
		count_event("pgtable_alloc");
	}
	spin_unlock(&mm->page_table_lock);
	return pt;
}

static void pt_free_rcu(struct rcu_head *head)
{
	struct pt_page *pt = (struct pt_page *)((char *)head - offsetof(struct pt_page, rcu));
	struct mm_struct *mm = (struct mm_struct *)pt->pool_next;

	pt->pool_next = mm->pt_pool;
	mm->pt_pool = pt;
}

/*
 * free_pgtables(): an empty PTE page whose range no VMA covers goes away.
 * Lockless faults may still hold it (they re-check pt_dead() under its
 * lock, as pte_offset_map_lock() re-checks pmd_same()), so the memory is
 * reused only after an RCU grace period, as with RCU table freeing; a
 * fault is an RCU-sched read section while it runs in the kernel.
 */
void pt_free_if_unused(struct mm_struct *mm, struct pt_page *pt)
{
	unsigned long lo = pt->index << PMD_SHIFT, hi = lo + PMD_SIZE;
	int pos = mt_first_at_or_after(mm, lo);

	if (pt->nr_present)
		return;
	if (pos < mm->mm_mt.nr && mt_at(mm, pos)->vm_start < hi)
		return;
	pt_remove(mm, pt);
	pt->dead = true;
	pt->pool_next = (struct pt_page *)mm;	/* the callback's way home */
	call_rcu(&pt->rcu, pt_free_rcu);
}

bool pt_dead(const struct pt_page *pt)
{
	return pt->dead;
}

spinlock_t *pt_ptl(struct pt_page *pt)
{
	return &pt->ptl;
}

struct cacheline *pt_pte_line(struct pt_page *pt, unsigned long addr)
{
	return &pt->pte_lines[((addr >> PAGE_SHIFT) & (PTRS_PER_PTE - 1)) / 8];
}

static unsigned int pte_bit(unsigned long addr)
{
	return (unsigned int)((addr >> PAGE_SHIFT) & (PTRS_PER_PTE - 1));
}

bool pte_present(const struct pt_page *pt, unsigned long addr)
{
	unsigned int b = pte_bit(addr);

	return pt->bits[b / 64].present & (1ULL << (b % 64));
}

unsigned long pte_next_present(const struct pt_page *pt, unsigned long addr, unsigned long end)
{
	unsigned long base = pt_start(pt);
	unsigned int b, last;

	if (addr >= end)
		return end;
	b = pte_bit(addr);
	last = (unsigned int)((end - 1 - base) >> PAGE_SHIFT);	/* end may be the next table's */
	while (b <= last) {
		uint64_t word = pt->bits[b / 64].present & (~0ULL << (b % 64));

		if (word) {
			b = (b & ~63U) + (unsigned int)__builtin_ctzll(word);
			return b <= last ? base + ((unsigned long)b << PAGE_SHIFT) : end;
		}
		b = (b & ~63U) + 64;
	}
	return end;
}

bool pte_write(const struct pt_page *pt, unsigned long addr)
{
	unsigned int b = pte_bit(addr);

	return pt->bits[b / 64].writable & (1ULL << (b % 64));
}

void pte_set(struct mm_struct *mm, struct pt_page *pt, unsigned long addr, bool writable)
{
	unsigned int b = pte_bit(addr);

	if (!pte_present(pt, addr)) {
		pt->nr_present++;
		mm->rss_pages++;
	}
	pt->bits[b / 64].present |= 1ULL << (b % 64);
	if (writable)
		pt->bits[b / 64].writable |= 1ULL << (b % 64);
	else
		pt->bits[b / 64].writable &= ~(1ULL << (b % 64));
}

void pte_clear(struct mm_struct *mm, struct pt_page *pt, unsigned long addr)
{
	unsigned int b = pte_bit(addr);

	if (pte_present(pt, addr)) {
		pt->nr_present--;
		mm->rss_pages--;
	}
	pt->bits[b / 64].present &= ~(1ULL << (b % 64));
	pt->bits[b / 64].writable &= ~(1ULL << (b % 64));
	pt->bits[b / 64].anon &= ~(1ULL << (b % 64));
}

bool pte_anon(const struct pt_page *pt, unsigned long addr)
{
	unsigned int b = pte_bit(addr);

	return pt->bits[b / 64].anon & (1ULL << (b % 64));
}

void pte_set_anon(struct pt_page *pt, unsigned long addr, bool anon)
{
	unsigned int b = pte_bit(addr);

	if (anon)
		pt->bits[b / 64].anon |= 1ULL << (b % 64);
	else
		pt->bits[b / 64].anon &= ~(1ULL << (b % 64));
}

void pte_wrprotect(struct pt_page *pt, unsigned long addr)
{
	unsigned int b = pte_bit(addr);

	pt->bits[b / 64].writable &= ~(1ULL << (b % 64));
}

void pgtable_destroy(struct mm_struct *mm)
{
	unsigned int i;

	for (i = 0; i < mm->nr_all_pts; i++)
		free(mm->all_pts[i]);
	free(mm->all_pts);
	free(mm->pt);
	free(mm->pt_order);
	mm->all_pts = NULL;
	mm->pt = NULL;
	mm->pt_pool = NULL;
	mm->pt_cap = mm->pt_nr = mm->nr_all_pts = mm->cap_all_pts = 0;
	mm->pt_gen++;
}
