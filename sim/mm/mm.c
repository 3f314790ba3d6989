/*
 * The mm: its lifetime, and the bodies of the operations a task performs
 * (mmap, munmap, mprotect, brk, madvise, mremap, fork, exit, the fault
 * entry).  VMAs and the tree are in vma_tree.c, page tables in pgtable.c,
 * handle_mm_fault() in fault.c.
 */
#include "sim/mm/mm.h"
#include "lib/xalloc.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/core/membw.h"
#include "sim/core/violation.h"
#include "sim/mm/scheme_call.h"
#include "sim/mm/i_mmap.h"
#include "sim/mm/pgtable.h"
#include "sim/mm/rmap.h"
#include "sim/mm/memcontrol.h"
#include "sim/mm/page_alloc.h"
#include "sim/mm/swap.h"
#include "sim/mm/vma_tree.h"

struct mm_params mm_params = { .file_miss = 0.0, .page_size = PAGE_SIZE_4K,
				.max_fault_retries = 8,
				.anon_vma_lock = RMAP_LOCK_RWSEM,
				.i_mmap_lock = RMAP_LOCK_RWSEM, .rmap_walks = 0,
				.rmap_walkers = 1, .fork_vma_lock = true,
				.zone_lock = true, .lru_lock = true, .memcg = true,
				.mem_bw = true };

static struct mm_struct **all_mms;
static int nr_mms, cap_mms;

/* ---- per run --------------------------------------------------------------- */

void mm_subsys_setup(const struct machine *m, int ncpus)
{
	membw_setup(mm_params.mem_bw);
	page_alloc_setup(m, ncpus, mm_params.zone_lock);
	lru_setup(m, ncpus, mm_params.lru_lock);
	memcg_setup(ncpus, mm_params.memcg);
}

void mm_subsys_teardown(void)
{
	memcg_teardown();
	lru_teardown();
	page_alloc_teardown();
}

/* ---- mm lifetime --------------------------------------------------------- */

struct mm_struct *mm_alloc(const struct scheme_ops *ops, const struct scheme_args *args)
{
	struct mm_struct *mm = xzalloc_lines(1, sizeof(*mm));

	mm->id = nr_mms;
	mm->ops = ops;
	mm->args = args;
	mm->priv = xzalloc(mm_call_mm_priv_size(ops));
	if (mm_call_mm_percpu_size(ops))
		mm->percpu = xzalloc((size_t)sched_nr_cpus() * mm_call_mm_percpu_size(ops));
	/*
	 * include/linux/mm_types.h: page_table_lock, then mmap_lock with its
	 * count ending the line page_table_lock is on and its owner starting
	 * the next (kept apart on purpose), where mmlist and mm_lock_seq
	 * follow (mm_lock_line: the schemes' per-VMA-lock sequence goes there).
	 * Since mm_count took the first line to itself (6.3), those are the
	 * third line (the count 56 bytes into it, as the comment above
	 * mmap_lock has it: 184 on x86-64 with SCHED_MM_CID) and the fourth.
	 * They are one 128-byte pair for the adjacent-line prefetcher only if
	 * the mm_struct sits 128-byte aligned, which its slab does not promise
	 * (SLAB_HWCACHE_ALIGN: a line): whether they pair depends on the
	 * object's slot, so the model leaves them unpaired, the kernels of
	 * most published figures (mmap_lock near offset 120 before 6.3) having
	 * them in different pairs anyway.
	 */
	init_rwsem(&mm->mmap_lock, "mmap_lock");
	rwsem_split_count_owner(&mm->mmap_lock, "mmap_lock");
	spin_lock_init(&mm->page_table_lock, "page_table_lock", &mm->mmap_lock.line);
	spin_lock_init(&mm->mm_mt.ma_lock, "maple_tree_lock", NULL);
	line_init(&mm->counters_line, "mm_counters");
	vma_tree_init(mm);
	if (nr_mms == cap_mms) {
		cap_mms = cap_mms ? cap_mms * 2 : 8;
		all_mms = xrealloc(all_mms, (size_t)cap_mms * sizeof(*all_mms));
	}
	all_mms[nr_mms++] = mm;
	mm_call_init_mm(mm);
	return mm;
}

void mm_free(struct mm_struct *mm)
{
	unsigned int i;

	/* The VMAs never freed (still mapped at the end), before their mm. */
	for (i = 0; i < mm->nr_all_vmas; i++)
		mm_call_destroy_vma(mm->all_vmas[i]);
	mm_call_destroy_mm(mm);
	vma_tree_destroy(mm);
	pgtable_destroy(mm);
	free(mm->percpu);
	free(mm->priv);
	free(mm);
}

int mm_nr_allocated(void)
{
	return nr_mms;
}

struct mm_struct *mm_allocated(int i)
{
	return i >= 0 && i < nr_mms ? all_mms[i] : NULL;
}

void mm_teardown_all(void)
{
	int i;

	for (i = 0; i < nr_mms; i++)
		mm_free(all_mms[i]);
	free(all_mms);
	all_mms = NULL;
	nr_mms = cap_mms = 0;
	vma_ids_reset();
	rmap_reset();
	i_mmap_reset();
}

/* ---- helpers of the operation bodies ----------------------------------- */

static unsigned long page_align(unsigned long len)
{
	return (len + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1);
}

static void syscall_enter(void)
{
	current->in_kernel++;
	task_delay(sim_machine->cost.syscall_entry);
}

static void syscall_exit(void)
{
	current->in_kernel--;
}

/*
 * A writer changes a VMA's fields: the stores, then the rest of the update
 * (rmap, accounting) while the fields are in flux -- the window in which a
 * lockless reader could take a torn snapshot.
 */
static void vma_set(struct vm_area_struct *vma, unsigned long start, unsigned long end,
		    unsigned long flags)
{
	vma->modifying = 1;
	vma->vm_start = start;
	vma->vm_end = end;
	mt_vm_end_stored(vma);
	vma->vm_flags = flags;
	line_write(&vma->fields);
	task_delay(sim_machine->cost.vma_op);
	vma->modifying = 0;
}

/* Does a VMA other than `except` meet [start, end)?  Under the tree lock. */
static bool range_busy(struct mm_struct *mm, unsigned long start, unsigned long end,
		       const struct vm_area_struct *except)
{
	int pos;

	for (pos = mt_first_at_or_after(mm, start);
	     pos < mm->mm_mt.nr && mt_at(mm, pos)->vm_start < end; pos++)
		if (mt_at(mm, pos) != except)
			return true;
	return false;
}

/*
 * vma_prepare() .. vma_complete(): a change to a VMA's range is made under
 * its file's i_mmap lock and its anon_vma's lock, both for write, so an
 * rmap walk never sees the range mid-change; a split's new tail (insert)
 * joins the file's i_mmap inside the same section.  The fields and the
 * tree store (the tail's insertion, a swallowed neighbour's removal) are
 * one tree-lock section, as vma_iter_store() is one maple tree store:
 * another writer never sees the hole between the old range and the new.
 *
 * Growing into a hole is a claim on it.  With range locks another
 * operation may have mapped there since this one locked its range, so the
 * hole is re-checked under the tree lock; -EAGAIN (nothing changed) sends
 * the operation back to the start.
 */
static int vma_adjust(struct vm_area_struct *vma, unsigned long start, unsigned long end,
		      unsigned long flags, struct vm_area_struct *insert,
		      struct vm_area_struct *remove)
{
	struct mm_struct *mm = vma->vm_mm;
	struct address_space *mapping = vma->vm_mapping;
	struct anon_vma *av = vma->anon_vma;
	unsigned long where = insert ? insert->vm_start :
			      end != vma->vm_end ? (end < vma->vm_end ? end : vma->vm_end) : start;
	int ret = 0;

	if (mapping)
		i_mmap_lock_write(mapping);
	if (av)
		anon_vma_lock_write(av);
	mm_call_tree_lock(mm);
	if ((start < vma->vm_start && range_busy(mm, start, vma->vm_start, remove)) ||
	    (end > vma->vm_end && range_busy(mm, vma->vm_end, end, remove))) {
		ret = -EAGAIN;
		goto out;
	}
	if (remove)
		mt_erase(mm, remove);
	/* vm_pgoff follows vm_start (a merge that grows a VMA downwards). */
	if (start < vma->vm_start)
		vma->vm_pgoff -= (vma->vm_start - start) >> PAGE_SHIFT;
	else
		vma->vm_pgoff += (start - vma->vm_start) >> PAGE_SHIFT;
	vma_set(vma, start, end, flags);
	mt_update(mm, vma);
	if (insert)
		mt_insert(mm, insert);
	mt_store_charge(mm, where);
	if (insert && mapping)
		vma_interval_tree_insert(insert, mapping);
out:
	mm_call_tree_unlock(mm);
	if (av)
		anon_vma_unlock_write(av);
	if (mapping)
		i_mmap_unlock_write(mapping);
	return ret;
}

/* Store a new VMA into the hole it covers: -EAGAIN if the hole was taken. */
static int vma_insert_hole(struct mm_struct *mm, struct vm_area_struct *vma)
{
	int ret = 0;

	mm_call_tree_lock(mm);
	if (range_busy(mm, vma->vm_start, vma->vm_end, NULL))
		ret = -EAGAIN;
	else {
		mt_insert(mm, vma);
		mt_store_charge(mm, vma->vm_start);
	}
	mm_call_tree_unlock(mm);
	return ret;
}

/* A VMA made for a store that lost its hole: it was never visible. */
static void vma_discard(struct vm_area_struct *vma)
{
	unlink_anon_vmas(vma);
	unlink_file_vma(vma);
	mm_call_vma_free(vma);
}

/* A store into a hole lost a race: start the operation again. */
static void op_restart(struct mm_struct *mm)
{
	mm_call_range_unlock(mm);
	count_event("range_hole_taken");
}

/*
 * The first VMA that meets [addr, end) and that this operation may change
 * (vma_locked(): with range locks, not one mapped into a hole of the
 * range after the operation locked it), or NULL.  Found by address each
 * time, never by tree index: with range locks the tree changes around a
 * sleeping writer, as a vma_iterator is revalidated after a drop.
 */
static struct vm_area_struct *next_vma_locked(struct mm_struct *mm, unsigned long addr,
					      unsigned long end)
{
	int pos;

	for (pos = mt_first_at_or_after(mm, addr);
	     pos < mm->mm_mt.nr && mt_at(mm, pos)->vm_start < end; pos++)
		if (mm_call_vma_locked(mt_at(mm, pos)))
			return mt_at(mm, pos);
	return NULL;
}

/* A VMA [start, end) at file offset pgoff (in pages), linked to anon_vma
 * and to mapping's i_mmap if given (vma_link_file()). */
static struct vm_area_struct *vma_new(struct mm_struct *mm, unsigned long start,
				      unsigned long end, unsigned long flags,
				      unsigned long pgoff, struct anon_vma *anon_vma,
				      struct address_space *mapping)
{
	struct vm_area_struct *vma = vm_area_alloc(mm);

	vma->vm_start = start;
	vma->vm_end = end;
	vma->vm_flags = flags;
	vma->vm_pgoff = pgoff;
	if (anon_vma)
		anon_vma_clone(anon_vma, vma);
	if (mapping)
		vma_link_file(vma, mapping);
	line_write(&vma->fields);
	task_delay(sim_machine->cost.vma_op);
	return vma;
}

/* __split_vma(): [start, addr) stays in vma, [addr, end) becomes a new VMA. */
static struct vm_area_struct *split_vma(struct mm_struct *mm, struct vm_area_struct *vma,
					unsigned long addr)
{
	struct vm_area_struct *tail;

	mm_call_vma_write(vma);
	tail = vma_new(mm, addr, vma->vm_end, vma->vm_flags,
		       linear_page_index(vma, addr), vma->anon_vma, NULL);
	vma_adjust(vma, vma->vm_start, addr, vma->vm_flags, tail, NULL);	/* shrinks: no claim */
	count_event("vma_split");
	return tail;
}

/* flush_tlb_mm_range(): local flush, and IPIs to the other CPUs of the mm. */
static void tlb_flush_range(struct mm_struct *mm)
{
	const struct machine_costs *c = &sim_machine->cost;
	int self = current->cpu, n = 0, w;

	for (w = 0; w < CPU_MASK_WORDS; w++)
		n += __builtin_popcountll(mm->cpumask[w]);
	if (mm->cpumask[self / 64] & (1ULL << (self % 64)))
		n--;
	task_delay(c->tlb_flush);
	count_event("tlb_flush");
	if (n > 0) {
		/* smp_call_function_many(): send to all, wait for the slowest. */
		task_delay(c->ipi + (sim_time_t)n * c->ipi / 8);
		counter_add(counter_id("tlb_shootdown_ipis"), (uint64_t)n);
		count_event("tlb_shootdown");
	}
}

/* Apply fn to every present PTE in [start, end), each page table under its ptl. */
static int for_each_pte(struct mm_struct *mm, unsigned long start, unsigned long end,
			void (*fn)(struct mm_struct *, struct pt_page *, unsigned long, void *),
			void *arg)
{
	unsigned long pmd, addr;
	int touched = 0;

	for (pmd = start & ~(PMD_SIZE - 1); pmd < end; pmd += PMD_SIZE) {
		struct pt_page *pt = pt_next(mm, pmd, end);
		unsigned long lo, hi;

		if (!pt)
			break;
		pmd = pt_start(pt);
		lo = pmd > start ? pmd : start;
		hi = pmd + PMD_SIZE < end ? pmd + PMD_SIZE : end;
		/* Locked even when it looks empty: a fault may be installing. */
		spin_lock(pt_ptl(pt));
		for (addr = pte_next_present(pt, lo, hi); addr < hi;
		     addr = pte_next_present(pt, addr + PAGE_SIZE, hi)) {
			fn(mm, pt, addr, arg);
			touched++;
		}
		spin_unlock(pt_ptl(pt));
	}
	return touched;
}

/*
 * The mmu_gather of a zap (include/asm-generic/tlb.h): the anonymous pages
 * whose PTEs it cleared, freed after the TLB flush.
 */
struct mmu_gather {
	int nr_pages;
};

static void zap_one(struct mm_struct *mm, struct pt_page *pt, unsigned long addr, void *arg)
{
	struct mmu_gather *tlb = arg;

	if (tlb && pte_anon(pt, addr))
		tlb->nr_pages++;	/* __tlb_remove_page() */
	pte_clear(mm, pt, addr);
	line_write(pt_pte_line(pt, addr));
	task_delay(sim_machine->cost.zap_pte);
}

/*
 * tlb_finish_mmu() -> free_pages_and_swap_cache() -> folios_put_refs(): the
 * gathered pages go a folio_batch at a time: off the LRU under lru_lock
 * (__page_cache_release()), uncharged (mem_cgroup_uncharge_folios()) and
 * back to the per-CPU lists (free_unref_folios()).
 */
static void tlb_finish_mmu(struct mmu_gather *tlb)
{
	int nr = tlb->nr_pages;

	while (nr > 0) {
		int n = nr < FOLIO_BATCH_SIZE ? nr : FOLIO_BATCH_SIZE;

		lru_release_pages(n);
		mem_cgroup_uncharge(n);
		free_pages_local(n);
		nr -= n;
	}
	tlb->nr_pages = 0;
}

static void wrprotect_one(struct mm_struct *mm, struct pt_page *pt, unsigned long addr,
			  void *arg)
{
	(void)mm;
	(void)arg;
	if (!pte_write(pt, addr))
		return;
	pte_wrprotect(pt, addr);
	line_write(pt_pte_line(pt, addr));
	task_charge(sim_machine->cost.l1_hit * 4);
}

/*
 * free_pgtables() for [start, end): a page table goes when no VMA is left
 * in its 2 MiB, judged under the tree lock (the kernel's floor/ceiling
 * from the neighbours, taken from the tree at the instant of the free, so
 * that a VMA another operation maps next door keeps its page table).
 */
static void free_pgtables(struct mm_struct *mm, unsigned long start, unsigned long end)
{
	unsigned long pmd;

	mm_call_tree_lock(mm);
	for (pmd = start & ~(PMD_SIZE - 1); pmd < end; pmd += PMD_SIZE) {
		struct pt_page *pt = pt_next(mm, pmd, end);

		if (!pt)
			break;
		pmd = pt_start(pt);
		pt_free_if_unused(mm, pt);
	}
	mm_call_tree_unlock(mm);
}

/*
 * do_vmi_munmap() with the range locked: split at the edges, mark each
 * VMA for writing, detach them all in one tree store, zap their pages,
 * free the page tables left empty, then hand the VMAs to the scheme to
 * free.  Only the VMAs' own ranges are zapped: a hole of [start, end) may
 * hold another operation's new mapping by now.
 */
static void __do_munmap_locked(struct mm_struct *mm, unsigned long start, unsigned long end,
			       bool *downgraded)
{
	struct mmu_gather tlb = { 0 };
	struct vm_area_struct *victims[64], **list = victims, *vma;
	unsigned long addr = start;
	int n = 0, cap = 64, i, zapped = 0;

	find_vma(mm, start);		/* the walk the kernel does, charged */
	vma = next_vma_locked(mm, start, end);
	if (!vma)
		return;
	if (vma->vm_start < start)
		split_vma(mm, vma, start);
	while ((vma = next_vma_locked(mm, addr, end))) {
		if (vma->vm_end > end)
			split_vma(mm, vma, end);
		mm_call_vma_write(vma);
		if (n == cap) {
			struct vm_area_struct **bigger =
				xrealloc(list == victims ? NULL : list, sizeof(*list) * (size_t)cap * 2);

			if (list == victims)
				memcpy(bigger, victims, sizeof(victims));
			list = bigger;
			cap *= 2;
		}
		list[n++] = vma;
		addr = vma->vm_end;
	}
	mm_call_tree_lock(mm);
	for (i = 0; i < n; i++)
		mt_erase(mm, list[i]);
	mt_store_charge(mm, start);
	mm_call_tree_unlock(mm);
	/* The VMAs are unreachable: munmap zaps under the read lock (4.20 on). */
	if (downgraded)
		*downgraded = mm_call_write_downgrade(mm);
	/*
	 * unlink_anon_vmas(): the kernel does it in free_pgtables(), after the
	 * zap and before the page tables go; here before both, so no walker
	 * can reach a page table free_pgtables() frees.
	 */
	for (i = 0; i < n; i++) {
		unlink_anon_vmas(list[i]);
		unlink_file_vma(list[i]);
	}
	for (i = 0; i < n; i++)
		zapped += for_each_pte(mm, list[i]->vm_start, list[i]->vm_end, zap_one, &tlb);
	if (zapped)
		tlb_flush_range(mm);
	tlb_finish_mmu(&tlb);
	free_pgtables(mm, start, end);
	for (i = 0; i < n; i++)
		mm_call_vma_free(list[i]);
	counter_add(counter_id("vma_unmapped"), (uint64_t)n);
	if (list != victims)
		free(list);
}

static void do_munmap_locked(struct mm_struct *mm, unsigned long start, unsigned long end)
{
	__do_munmap_locked(mm, start, end, NULL);
}

static unsigned long prot_to_vm_flags(unsigned long prot)
{
	return (prot & PROT_READ ? VM_READ : 0) | (prot & PROT_WRITE ? VM_WRITE : 0) |
	       (prot & PROT_EXEC ? VM_EXEC : 0);
}

/* Can an anonymous private VMA [.., end) with flags absorb a neighbour? */
static bool can_merge(const struct vm_area_struct *vma, unsigned long flags)
{
	return vma->vm_flags == flags && !(flags & (VM_FILE | VM_SHARED));
}

/* The lowest address an mmap may get: the kernel's default mmap_min_addr. */
#define MMAP_MIN_ADDR	0x10000UL

/* The lowest address at or above a that lies at offset off of its 2 MiB. */
static unsigned long pmd_offset_up(unsigned long a, unsigned long off)
{
	unsigned long s = (a & ~(PMD_SIZE - 1)) | off;

	return s >= a ? s : s + PMD_SIZE;
}

/* Does a range of len at offset off of its 2 MiB fit in [lo, hi)?  *start: the highest. */
static bool fits_top_down(unsigned long lo, unsigned long hi, unsigned long len,
			  unsigned long off, unsigned long *start)
{
	unsigned long s;

	if (hi < lo || hi - lo < len)
		return false;
	s = ((hi - len) & ~(PMD_SIZE - 1)) | off;
	if (s > hi - len) {
		if (s < PMD_SIZE)
			return false;
		s -= PMD_SIZE;
	}
	if (s < lo)
		return false;
	*start = s;
	return true;
}

/*
 * get_unmapped_area() for an mmap, or an mremap destination, whose range
 * [hint, hint + len) is taken: a free range of len bytes, 0 if none.
 *
 * The kernel, finding the hint taken, searches top-down below mmap_base
 * (unmapped_area_topdown()).  Here the first gap above the hint that fits
 * is taken, and failing that the highest one below it: the model has no
 * mmap_base, and a trace's next mappings are made top-down below the ones
 * it has, so a search below mmap_base would land where the recording maps
 * next, and every later mmap there would have to move too; above the hint
 * are the older mappings and the holes they left.  Staying near the hint
 * also keeps a clone group's mappings in its own 1 TiB (replay.h).  The
 * range keeps the hint's offset in its 2 MiB, so that which of its pages
 * share a page table (and a PTE lock) is as recorded.
 */
static unsigned long get_unmapped_area(struct mm_struct *mm, unsigned long hint,
				       unsigned long len)
{
	struct maple_tree *mt = &mm->mm_mt;
	unsigned long off = hint & (PMD_SIZE - 1), found = 0;
	unsigned long start = hint < MMAP_MIN_ADDR ? pmd_offset_up(MMAP_MIN_ADDR, off) : hint;
	int pos, k;

	mm_call_tree_lock(mm);
	/* Upward: the gaps between the VMAs from the hint on. */
	for (pos = mt_first_at_or_after(mm, hint); !found; pos++) {
		unsigned long limit = pos < mt->nr ? mt_at(mm, pos)->vm_start : TASK_SIZE;

		if (start <= limit && limit - start >= len)
			found = start;
		else if (pos >= mt->nr)
			break;
		else if (mt_at(mm, pos)->vm_end > start)
			start = pmd_offset_up(mt_at(mm, pos)->vm_end, off);
	}
	/* Downward: the highest gap below that fits. */
	for (k = mt_first_at_or_after(mm, hint); !found && k >= 0; k--) {
		unsigned long lo = k > 0 ? mt_at(mm, k - 1)->vm_end : 0;
		unsigned long hi = k < mt->nr ? mt_at(mm, k)->vm_start : TASK_SIZE;

		fits_top_down(lo > MMAP_MIN_ADDR ? lo : MMAP_MIN_ADDR, hi, len, off, &found);
	}
	mm_call_tree_unlock(mm);
	if (found)
		find_vma(mm, found);	/* the gap walk, charged as one tree walk */
	return found;
}

/* ---- the operations ------------------------------------------------------ */

int mm_fault(struct mm_struct *mm, unsigned long addr, unsigned int flags)
{
	vm_fault_t ret;

	current->in_kernel++;
	task_delay(sim_machine->cost.fault_entry);
	ret = mm_call_fault(mm, addr, flags | FAULT_FLAG_ALLOW_RETRY);
	current->in_kernel--;
	if (ret & VM_FAULT_SIGSEGV) {
		count_event("fault_sigsegv");
		return -1;
	}
	return 0;
}

/*
 * Where a new mapping goes, with range locked: MAP_FIXED over a taken
 * range replaces what is there; without it the address is a hint, and a
 * taken range sends the mapping to a free one (range moves there, still
 * locked).  -1, with the range unlocked, if there is no room.
 */
static int mmap_place(struct mm_struct *mm, struct mm_range *range, unsigned long flags,
		      bool *relocated)
{
	unsigned long size = range->end - range->start, to;

	for (;;) {
		if (!next_vma_locked(mm, range->start, range->end))
			return 0;
		if (flags & MAP_FIXED) {
			do_munmap_locked(mm, range->start, range->end);
			return 0;
		}
		to = get_unmapped_area(mm, range->start, size);
		if (!to) {
			mm_call_range_unlock(mm);
			count_event("mmap_enomem");
			return -1;
		}
		if (!*relocated)
			count_event("mmap_relocated");
		*relocated = true;
		range->start = to;
		range->end = to + size;
		if (!mm_has_range_locks(mm))
			return 0;	/* the write lock holds the whole mm */
		/* Range locks: lock the new range, and look again. */
		mm_call_range_unlock(mm);
		mm_call_range_lock(mm, range, 1);
	}
}

int mm_mmap(struct mm_struct *mm, unsigned long addr, unsigned long len,
	    unsigned long prot, unsigned long flags, unsigned long *mapped)
{
	unsigned long end = addr + page_align(len), vm_flags;
	struct vm_area_struct *prev, *next, *vma;
	struct mm_range range = { addr, end, true };
	bool relocated = false;
	int pos;

	if (!len || addr & (PAGE_SIZE - 1) || end > TASK_SIZE || end <= addr)
		return -1;
	vm_flags = prot_to_vm_flags(prot) | (flags & MAP_SHARED ? VM_SHARED : 0) |
		   (flags & MAP_ANONYMOUS ? 0 : VM_FILE);
	syscall_enter();
	task_delay(sim_machine->cost.mmap_body);
again:
	mm_call_range_lock(mm, &range, 1);
	if (mmap_place(mm, &range, flags, &relocated)) {
		syscall_exit();
		return -1;
	}
	addr = range.start;
	end = range.end;
	find_vma(mm, addr);
	pos = mt_first_at_or_after(mm, addr);
	prev = pos > 0 ? mt_at(mm, pos - 1) : NULL;
	next = pos < mm->mm_mt.nr ? mt_at(mm, pos) : NULL;
	if (prev && (prev->vm_end != addr || !mm_call_vma_locked(prev)))
		prev = NULL;
	if (next && (next->vm_start != end || !mm_call_vma_locked(next)))
		next = NULL;
	/*
	 * vma_merge_new_range() -> vma_expand(): vma_prepare() takes the anon_vma
	 * lock for write around the change (vma_adjust()), so an rmap walk never
	 * sees the range move under it.
	 */
	if (prev && can_merge(prev, vm_flags)) {
		/* vma_merge_new_range(): expand prev, maybe swallowing next. */
		mm_call_vma_write(prev);
		if (next && can_merge(next, vm_flags) && next->anon_vma == NULL) {
			mm_call_vma_write(next);
			if (vma_adjust(prev, prev->vm_start, next->vm_end, vm_flags, NULL, next))
				goto restart;
			mm_call_vma_free(next);
		} else if (vma_adjust(prev, prev->vm_start, end, vm_flags, NULL, NULL)) {
			goto restart;
		}
		count_event("vma_merge");
	} else if (next && can_merge(next, vm_flags)) {
		mm_call_vma_write(next);
		if (vma_adjust(next, addr, next->vm_end, vm_flags, NULL, NULL))
			goto restart;
		count_event("vma_merge");
	} else {
		vma = vma_new(mm, addr, end, vm_flags, 0, NULL,
			      vm_flags & VM_FILE ? mapping_alloc() : NULL);
		if (vma_insert_hole(mm, vma)) {
			vma_discard(vma);
			goto restart;
		}
	}
	mm_call_range_unlock(mm);
	syscall_exit();
	if (mapped)
		*mapped = addr;
	return 0;
restart:
	op_restart(mm);
	goto again;
}

int mm_munmap(struct mm_struct *mm, unsigned long addr, unsigned long len)
{
	unsigned long end = addr + page_align(len);
	struct mm_range range = { addr, end, false };
	bool downgraded = false;

	if (addr & (PAGE_SIZE - 1) || end > TASK_SIZE || end <= addr)
		return -1;
	syscall_enter();
	mm_call_range_lock(mm, &range, 1);
	__do_munmap_locked(mm, addr, end, &downgraded);
	if (downgraded)
		mm_call_downgraded_unlock(mm);
	else
		mm_call_range_unlock(mm);
	syscall_exit();
	return 0;
}

int mm_mprotect(struct mm_struct *mm, unsigned long start, unsigned long len,
		unsigned long prot)
{
	unsigned long end = start + page_align(len), newflags = prot_to_vm_flags(prot), addr;
	struct mm_range range = { start, end, false };
	struct vm_area_struct *vma;
	int wrprotected = 0;

	if (start & (PAGE_SIZE - 1) || end > TASK_SIZE || end <= start)
		return -1;
	syscall_enter();
	mm_call_range_lock(mm, &range, 1);
	find_vma(mm, start);
	vma = next_vma_locked(mm, start, end);
	if (!vma) {
		mm_call_range_unlock(mm);
		syscall_exit();
		count_event("mprotect_enomem");
		return -1;
	}
	if (vma->vm_start < start && (vma->vm_flags & (VM_READ | VM_WRITE | VM_EXEC)) != newflags)
		split_vma(mm, vma, start);
	for (addr = start; (vma = next_vma_locked(mm, addr, end)); addr = vma->vm_end) {
		unsigned long flags = (vma->vm_flags & ~(VM_READ | VM_WRITE | VM_EXEC)) | newflags;
		unsigned long lo = vma->vm_start > start ? vma->vm_start : start;
		unsigned long hi = vma->vm_end < end ? vma->vm_end : end;
		bool drop_write = (vma->vm_flags & VM_WRITE) && !(flags & VM_WRITE);

		if (flags == vma->vm_flags)
			continue;
		if (vma->vm_end > end)
			split_vma(mm, vma, end);
		/* mprotect_fixup(): vma_start_write, new flags, change_protection. */
		mm_call_vma_write(vma);
		vma_set(vma, vma->vm_start, vma->vm_end, flags);
		if (drop_write)
			wrprotected += for_each_pte(mm, lo, hi, wrprotect_one, NULL);
	}
	if (wrprotected)
		tlb_flush_range(mm);
	mm_call_range_unlock(mm);
	syscall_exit();
	return 0;
}

int mm_brk(struct mm_struct *mm, unsigned long brk)
{
	struct vm_area_struct *heap, *vma;
	struct mm_range range;
	unsigned long old;
	int pos;

	brk = page_align(brk);
	if (!mm->start_brk) {
		/* The first brk we see sets the heap's start (the trace began
		 * after exec set it up). */
		mm->start_brk = mm->brk = brk;
		return 0;
	}
	if (brk == mm->brk || brk < mm->start_brk || brk > TASK_SIZE)
		return 0;
	syscall_enter();
again:
	old = mm->brk;
	range.start = brk < old ? brk : old;
	range.end = brk < old ? old : brk;
	range.merge = true;
	mm_call_range_lock(mm, &range, 1);
	if (mm->brk != old) {
		/* Another brk moved it while this one locked (range locks only). */
		op_restart(mm);
		goto again;
	}
	if (brk < old) {
		do_munmap_locked(mm, brk, old);
	} else {
		find_vma(mm, old);
		if (next_vma_locked(mm, old, brk))
			do_munmap_locked(mm, old, brk);	/* collides: the trace says it grew */
		pos = mt_first_at_or_after(mm, old);
		heap = pos > 0 ? mt_at(mm, pos - 1) : NULL;
		if (heap && heap->vm_end == old && (heap->vm_flags & VM_HEAP) &&
		    mm_call_vma_locked(heap)) {
			/* do_brk_flags(): expand the heap VMA. */
			mm_call_vma_write(heap);
			if (vma_adjust(heap, heap->vm_start, brk, heap->vm_flags, NULL, NULL))
				goto restart;
		} else {
			vma = vma_new(mm, old, brk, VM_READ | VM_WRITE | VM_HEAP, 0, NULL, NULL);
			if (vma_insert_hole(mm, vma)) {
				vma_discard(vma);
				goto restart;
			}
		}
	}
	mm->brk = brk;
	mm_call_range_unlock(mm);
	syscall_exit();
	return 0;
restart:
	op_restart(mm);
	goto again;
}

int mm_madvise_dontneed(struct mm_struct *mm, unsigned long start, unsigned long len)
{
	unsigned long end = start + page_align(len), addr;
	struct mm_range range = { start, end, false };
	struct vm_area_struct *vma;
	struct mmu_gather tlb = { 0 };
	int zapped = 0;

	if (start & (PAGE_SIZE - 1) || end > TASK_SIZE || end <= start)
		return -1;
	syscall_enter();
	mm_call_read_lock(mm, &range);
	find_vma(mm, start);
	for (addr = start; (vma = next_vma_locked(mm, addr, end)); addr = vma->vm_end)
		zapped += for_each_pte(mm, vma->vm_start > start ? vma->vm_start : start,
				       vma->vm_end < end ? vma->vm_end : end, zap_one, &tlb);
	if (zapped)
		tlb_flush_range(mm);
	tlb_finish_mmu(&tlb);
	mm_call_read_unlock(mm);
	syscall_exit();
	return 0;
}

/*
 * A VMA lookup that faults nothing, as handle_swbp() did for every uprobe
 * hit before mmap_lock_speculate (find_active_uprobe(): mmap_read_lock(),
 * vma_lookup() of the breakpoint address, mmap_read_unlock()): the int3
 * trap's entry, the scheme's read side over one page, as madvise takes it
 * for its range, and the tree walk.  -1 if no VMA holds addr.
 */
int mm_lookup(struct mm_struct *mm, unsigned long addr)
{
	unsigned long start = addr & ~(PAGE_SIZE - 1);
	struct mm_range range = { start, start + PAGE_SIZE, false };
	struct vm_area_struct *vma;

	if (addr >= TASK_SIZE)
		return -1;
	current->in_kernel++;
	task_delay(sim_machine->cost.fault_entry);	/* an exception, like #PF */
	mm_call_read_lock(mm, &range);
	vma = find_vma(mm, addr);
	mm_call_read_unlock(mm);
	current->in_kernel--;
	if (!vma || vma->vm_start > addr) {
		count_event("lookup_no_vma");
		return -1;
	}
	return 0;
}

/* move_vma(): a new VMA, the page tables moved, the old range unmapped. */
static int move_vma(struct mm_struct *mm, struct vm_area_struct *vma, unsigned long addr,
		    unsigned long old_end, unsigned long new_addr, unsigned long new_end)
{
	unsigned long flags = vma->vm_flags, a;
	unsigned long span = old_end < vma->vm_end ? old_end - addr : vma->vm_end - addr;
	struct vm_area_struct *new_vma;
	int moved = 0;

	mm_call_vma_write(vma);		/* move_vma() write-locks the source first */
	do_munmap_locked(mm, new_addr, new_end);
	new_vma = vma_new(mm, new_addr, new_end, flags, linear_page_index(vma, addr),
			  vma->anon_vma, vma->vm_mapping);
	if (vma_insert_hole(mm, new_vma)) {
		vma_discard(new_vma);
		return -EAGAIN;
	}
	mm_call_vma_write(new_vma);	/* copy_vma() write-locks the copy */
	for (a = addr; a < addr + span && new_addr + (a - addr) < new_end; a += PAGE_SIZE) {
		struct pt_page *pt = pt_lookup(mm, a), *npt;
		unsigned long na = new_addr + (a - addr);

		if (!pt)	/* no PTE in the rest of this 2 MiB: on to the next */
			a = (a | (PMD_SIZE - 1)) - (PAGE_SIZE - 1);
		if (!pt || !pte_present(pt, a))
			continue;
		npt = pt_lookup(mm, na);
		if (!npt)
			npt = pt_alloc(mm, na);
		pte_set(mm, npt, na, pte_write(pt, a));
		pte_set_anon(npt, na, pte_anon(pt, a));
		moved++;
	}
	task_delay((sim_time_t)moved * sim_machine->cost.zap_pte);	/* move_ptes() */
	counter_add(counter_id("mremap_moved_ptes"), (uint64_t)moved);
	do_munmap_locked(mm, addr, old_end);
	return 0;
}

/* The ranges an mremap locks: the source, then the destination (move_vma()'s order). */
static int mremap_ranges(struct mm_range *ranges, unsigned long addr, unsigned long old_end,
			 unsigned long new_addr, unsigned long new_end)
{
	ranges[0].start = addr;
	ranges[0].end = old_end > addr ? old_end : addr + PAGE_SIZE;
	ranges[0].merge = false;
	if (new_addr == addr) {
		if (new_end > ranges[0].end)
			ranges[0].end = new_end;
		ranges[0].merge = true;
		return 1;
	}
	ranges[1].start = new_addr;
	ranges[1].end = new_end;
	ranges[1].merge = false;
	return 2;
}

/*
 * Is where vma is to go taken?  Growing in place, by what lies past its
 * end; moving, by anything at the destination (the source included).
 */
static bool mremap_dest_taken(struct mm_struct *mm, struct vm_area_struct *vma,
			      unsigned long addr, unsigned long new_addr, unsigned long new_end)
{
	if (new_addr == addr)
		return new_end > vma->vm_end && next_vma_locked(mm, vma->vm_end, new_end);
	return next_vma_locked(mm, new_addr, new_end) != NULL;
}

int mm_mremap(struct mm_struct *mm, unsigned long addr, unsigned long old_len,
	      unsigned long new_len, unsigned long new_addr, unsigned long flags,
	      unsigned long *moved_to)
{
	unsigned long old_end = addr + page_align(old_len), new_end, to;
	struct mm_range ranges[2];
	struct vm_area_struct *vma;
	bool relocated = false;
	int nr_ranges;

	new_len = page_align(new_len);
	new_end = new_addr + new_len;
	if (addr & (PAGE_SIZE - 1) || new_addr & (PAGE_SIZE - 1) || !new_len ||
	    old_end > TASK_SIZE || new_end > TASK_SIZE || new_end <= new_addr)
		return -1;
	nr_ranges = mremap_ranges(ranges, addr, old_end, new_addr, new_end);
	syscall_enter();
again:
	mm_call_range_lock(mm, ranges, nr_ranges);
	find_vma(mm, addr);
	vma = next_vma_locked(mm, addr, addr + 1);
	if (!vma) {
		mm_call_range_unlock(mm);
		syscall_exit();
		count_event("mremap_efault");
		return -1;
	}
	if (!(flags & MREMAP_FIXED) && mremap_dest_taken(mm, vma, addr, new_addr, new_end)) {
		/*
		 * MREMAP_MAYMOVE: a destination that is taken (or a VMA that
		 * cannot grow where it is) gets a free range instead, as
		 * get_unmapped_area() gives it.
		 */
		to = get_unmapped_area(mm, new_addr, new_len);
		if (!to) {
			mm_call_range_unlock(mm);
			syscall_exit();
			count_event("mremap_enomem");
			return -1;
		}
		if (!relocated)
			count_event("mremap_relocated");
		relocated = true;
		new_addr = to;
		new_end = to + new_len;
		nr_ranges = mremap_ranges(ranges, addr, old_end, new_addr, new_end);
		if (mm_has_range_locks(mm)) {
			/* Range locks: lock the new destination, and look again. */
			mm_call_range_unlock(mm);
			goto again;
		}
	}
	if (new_addr == addr) {
		if (new_end < old_end) {
			do_munmap_locked(mm, new_end, old_end);
		} else if (new_end > vma->vm_end) {
			/* Grow in place (MREMAP_FIXED: over what is there). */
			do_munmap_locked(mm, vma->vm_end, new_end);
			mm_call_vma_write(vma);
			if (vma_adjust(vma, vma->vm_start, new_end, vma->vm_flags, NULL, NULL))
				goto restart;
		}
	} else if (move_vma(mm, vma, addr, old_end, new_addr, new_end)) {
		goto restart;
	}
	mm_call_range_unlock(mm);
	syscall_exit();
	if (moved_to)
		*moved_to = new_addr;
	return 0;
restart:
	op_restart(mm);
	goto again;
}

/*
 * copy_pte_range() for one VMA: under the parent's PTE lock, each present
 * PTE is write-protected if the memory is private and writable (both now
 * share the page copy-on-write) and copied into the child.  Returns the
 * PTEs write-protected.
 *
 * The oracle's check: an anonymous page the child maps must be reachable
 * by rmap through the child VMA's anon_vma.  A fault that linked the
 * parent's anon_vma after anon_vma_fork() looked (a fork that did not
 * write-lock the VMA: -p fork_vma_lock=0, Linux 6.4.0-6.4.11) leaves the
 * child mapping anonymous pages no rmap walk can find.
 */
struct copy_pte_ctx {
	struct mm_struct *child;
	struct vm_area_struct *dst, *src;
	bool cow;
	int wrprotected;
};

/* copy_present_pte() */
static void copy_one(struct mm_struct *old, struct pt_page *pt, unsigned long addr, void *arg)
{
	struct copy_pte_ctx *c = arg;
	struct pt_page *npt = pt_lookup(c->child, addr);

	if (c->cow && pte_write(pt, addr)) {
		wrprotect_one(old, pt, addr, NULL);
		c->wrprotected++;
	}
	task_charge(sim_machine->cost.l1_hit * 8);
	if (!npt)
		npt = pt_alloc(c->child, addr);
	pte_set(c->child, npt, addr, (c->src->vm_flags & VM_SHARED) && pte_write(pt, addr));
	pte_set_anon(npt, addr, pte_anon(pt, addr));
	if (pte_anon(pt, addr) && !c->dst->anon_vma)
		report_violation("fork-rmap", addr,
				"child VMA %llu maps an anonymous page of VMA %llu but is in no "
				"anon_vma: rmap cannot find it (a fault linked the parent's "
				"anon_vma during the fork)",
				(unsigned long long)c->dst->id, (unsigned long long)c->src->id);
}

static int copy_page_range(struct mm_struct *mm, struct vm_area_struct *dst,
			   struct vm_area_struct *src)
{
	struct copy_pte_ctx c = { mm, dst, src,
				  !(src->vm_flags & VM_SHARED) && (src->vm_flags & VM_WRITE), 0 };

	for_each_pte(src->vm_mm, src->vm_start, src->vm_end, copy_one, &c);
	return c.wrprotected;
}

static const struct mm_range whole_mm = { 0, TASK_SIZE, false };

struct mm_struct *mm_dup(struct mm_struct *old)
{
	struct mm_struct *mm = mm_alloc(old->ops, old->args);
	struct vm_area_struct *src;
	unsigned long next;
	int wp = 0;

	syscall_enter();
	/* dup_mmap(): every VMA of the parent write-locked (with range locks,
	 * one mapped into a hole meanwhile is the child's to miss). */
	mm_call_range_lock(old, &whole_mm, 1);
	for (next = 0; (src = next_vma_locked(old, next, TASK_SIZE)); next = src->vm_end) {
		struct vm_area_struct *dst;

		/*
		 * vma_start_write(mpnt) (Linux 6.4.12, "fork: lock VMAs of the
		 * parent process when forking"): no lockless fault may change
		 * the VMA (link its anon_vma) or its PTEs while they are copied.
		 */
		if (mm_params.fork_vma_lock)
			mm_call_vma_write(src);
		dst = vma_new(mm, src->vm_start, src->vm_end, src->vm_flags, src->vm_pgoff, NULL, NULL);
		/* anon_vma_fork(): the child's VMA joins the parent's rmap. */
		if (src->anon_vma)
			anon_vma_clone(src->anon_vma, dst);
		/* vma_iter_bulk_store() into the child's tree, then the file's
		 * i_mmap, then the page tables: the kernel's order. */
		mt_insert(mm, dst);
		mt_store_charge(mm, dst->vm_start);
		if (src->vm_mapping)
			vma_link_file(dst, src->vm_mapping);
		wp += copy_page_range(mm, dst, src);
	}
	mm->start_brk = old->start_brk;
	mm->brk = old->brk;
	if (wp)
		tlb_flush_range(old);
	mm_call_range_unlock(old);
	syscall_exit();
	count_event("fork");
	return mm;
}

void mm_enter(struct mm_struct *mm)
{
	int cpu = current->cpu;

	mm->users++;
	if (!(mm->cpumask[cpu / 64] & (1ULL << (cpu % 64)))) {
		mm->cpumask[cpu / 64] |= 1ULL << (cpu % 64);
		line_write(&mm->counters_line);	/* cpumask_set_cpu(mm_cpumask) */
	}
}

/*
 * clone(CLONE_VM) takes the new thread's reference in copy_mm(), while the
 * parent is alive: mm_users never goes from 0 back to 1, so exit_mmap()
 * below needs no lock against a thread entering the mm meanwhile.
 */
void mm_get(struct mm_struct *mm)
{
	mm->users++;
}

void mm_exit(struct mm_struct *mm)
{
	struct mmu_gather tlb = { 0 };

	if (--mm->users > 0)
		return;
	/* exit_mmap(): the last user tears everything down. */
	count_event("exit_mmap");
	current->in_kernel++;
	mm_call_range_lock(mm, &whole_mm, 1);
	while (mm->mm_mt.nr) {
		struct vm_area_struct *vma = mt_at(mm, mm->mm_mt.nr - 1);
		unsigned long start = vma->vm_start, end = vma->vm_end;

		mm_call_vma_write(vma);
		mm_call_tree_lock(mm);
		mt_erase(mm, vma);
		mm_call_tree_unlock(mm);
		unlink_anon_vmas(vma);
		unlink_file_vma(vma);
		for_each_pte(mm, start, end, zap_one, &tlb);
		tlb_finish_mmu(&tlb);
		mm_call_vma_free(vma);
	}
	mm_call_range_unlock(mm);
	current->in_kernel--;
}

int mm_adopt_region(struct mm_struct *mm, unsigned long addr, unsigned int fault_flags)
{
	unsigned long lo, hi, flags = VM_READ | VM_WRITE |
				      (fault_flags & FAULT_FLAG_INSTRUCTION ? VM_EXEC : 0);
	struct mm_range range;
	struct vm_area_struct *vma;
	int pos;

	if (addr >= TASK_SIZE)
		return -1;
	range.start = addr & ~(PMD_SIZE - 1);
	range.end = range.start + PMD_SIZE;
	range.merge = false;
again:
	/* A writer, like any other: faults and writers may be in flight. */
	mm_call_range_lock(mm, &range, 1);
	if (mt_truth(mm, addr)) {
		mm_call_range_unlock(mm);
		return 0;	/* someone mapped it meanwhile: just retry */
	}
	lo = range.start;
	hi = range.end;
	pos = mt_first_at_or_after(mm, addr);
	if (pos > 0 && mt_at(mm, pos - 1)->vm_end > lo)
		lo = mt_at(mm, pos - 1)->vm_end;
	if (pos < mm->mm_mt.nr && mt_at(mm, pos)->vm_start < hi)
		hi = mt_at(mm, pos)->vm_start;
	vma = vm_area_alloc(mm);
	vma->vm_start = lo;
	vma->vm_end = hi;
	vma->vm_flags = flags;
	if (vma_insert_hole(mm, vma)) {
		vma_discard(vma);
		op_restart(mm);
		goto again;
	}
	mm_call_range_unlock(mm);
	count_event("implicit_vma");
	return 0;
}
