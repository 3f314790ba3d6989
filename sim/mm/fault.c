/*
 * handle_mm_fault(): what mm/memory.c does once the VMA is found and
 * stable -- __handle_mm_fault(), handle_pte_fault(), do_anonymous_page(),
 * do_read_fault()/do_cow_fault()/do_shared_fault(), do_wp_page() -- as far
 * as their cost and their locking go:
 * - walk the upper levels (cache hits), populate a missing PTE page under
 *   mm->page_table_lock, read the PTE's line;
 * - allocate, charge and clear (or copy) the page before taking the PTE
 *   lock (vma_alloc_folio() through the per-CPU lists and zone->lock,
 *   mem_cgroup_charge(), clear_page() against the socket's memory
 *   bandwidth), and add it to the LRU under the PTE lock, as
 *   do_anonymous_page() and wp_page_copy() call folio_add_lru_vma() there;
 * - anon: anon_vma_prepare() on the first anonymous fault of a VMA;
 * - file: a page-cache lookup, and on a miss the I/O: with
 *   FAULT_FLAG_ALLOW_RETRY the fault drops its lock (vmf->unlock, as
 *   maybe_unlock_mmap_for_io() does), sleeps for the I/O and returns
 *   VM_FAULT_RETRY; the retry finds the page cached;
 * - under the PTE lock: the scheme's validate() (speculative faults check
 *   their VMA sequence here, as pte_map_lock() did in the SPF series),
 *   pte_same(), the oracle's check, set_pte_at().
 */
#include "sim/mm/fault.h"

#include "sim/core/counters.h"
#include "sim/core/membw.h"
#include "sim/mm/memcontrol.h"
#include "sim/mm/mm_oracle.h"
#include "sim/mm/page_alloc.h"
#include "sim/mm/pgtable.h"
#include "sim/mm/rmap.h"
#include "sim/mm/swap.h"
#include "sim/mm/vma_tree.h"

const struct mm_oracle_ops *mm_oracle;

/*
 * What a fault that installs a PTE did, counted as it ends: one counter
 * each, registered by name the first time one is counted (the order the
 * counters appear in), then bumped by index, since every fault counts one.
 */
enum fault_kind {
	FAULT_WP_SHARED,
	FAULT_COW,
	FAULT_ANON,
	FAULT_ANON_ZERO,
	FAULT_FILE_COW,
	FAULT_FILE_SHARED,
	FAULT_FILE_READ,
	NR_FAULT_KINDS
};

static const char *const fault_kind_names[NR_FAULT_KINDS] = {
	[FAULT_WP_SHARED]	= "fault_wp_shared",
	[FAULT_COW]		= "fault_cow",
	[FAULT_ANON]		= "fault_anon",
	[FAULT_ANON_ZERO]	= "fault_anon_zero",
	[FAULT_FILE_COW]	= "fault_file_cow",
	[FAULT_FILE_SHARED]	= "fault_file_shared",
	[FAULT_FILE_READ]	= "fault_file_read",
};

static void count_fault_kind(enum fault_kind kind)
{
	static int ids[NR_FAULT_KINDS];		/* counter id + 1; 0 until counted */

	if (!ids[kind])
		ids[kind] = counter_id(fault_kind_names[kind]) + 1;
	counter_add(ids[kind] - 1, 1);
}

/*
 * A new page for the fault: allocated, charged, then cleared or copied
 * (do_anonymous_page()'s vma_alloc_zeroed_movable_folio() and
 * mem_cgroup_charge(); wp_page_copy() and do_cow_fault() copy instead).
 */
#define RECLAIM_THROTTLE_NS	(100 * 1000 * 1000ULL)

static void new_fault_page(const struct vm_fault *vmf, sim_time_t fill_ns)
{
	struct task *t = current;
	unsigned int units = base_page_4k_units();

	alloc_page_local();
	/*
	 * __alloc_pages_slowpath(): direct reclaim throttled on writeback
	 * (reclaim_throttle(), VMSCAN_THROTTLE_WRITEBACK: HZ/10), with the
	 * fault's lock (mmap_lock or the VMA's) held meanwhile -- longer than
	 * a grace period, so a writer that waits for one and not for the
	 * VMA's readers changes the VMA under the sleeper.  Not where the
	 * fault may not sleep: a speculative fault, or one inside an RCU
	 * read-side section, allocates GFP_NOWAIT.
	 */
	if (mm_params.alloc_stall > 0 && !vmf->spec && !t->rcu_read_depth && !t->atomic_depth &&
	    gsl_rng_uniform(t->rng) < mm_params.alloc_stall) {
		count_event("fault_alloc_stall");
		task_sleep_ns(RECLAIM_THROTTLE_NS);
	}
	mem_cgroup_charge();
	/*
	 * clear_page() or copy_page() of the whole base page: a 64 KiB page
	 * (ppc64) is sixteen times the machine's 4 KiB cost, and as many
	 * units of the socket's bandwidth.  One struct page all the same: one
	 * allocation, one charge, one LRU entry, one PTE.
	 */
	membw_stream_pages(fill_ns * units, units);
}

/* The page prepared for a fault that lost its race goes back at once. */
static void drop_fault_page(void)
{
	task_delay(sim_machine->cost.zap_pte);
	mem_cgroup_uncharge(1);
	free_pages_local(1);
}

/*
 * anon_vma_prepare(): the first anonymous fault in a VMA links an anon_vma,
 * under its lock taken for write and mm->page_table_lock.
 */
static void anon_vma_prepare(struct vm_fault *vmf)
{
	struct vm_area_struct *vma = vmf->vma;
	struct mm_struct *mm = vma->vm_mm;
	struct anon_vma *av;
	bool used = false;

	if (vma->anon_vma)
		return;
	av = anon_vma_alloc(mm);
	task_delay(sim_machine->cost.vma_op);
	anon_vma_lock_write(av);
	spin_lock(&mm->page_table_lock);
	if (!vma->anon_vma) {
		anon_vma_link(av, vma);
		used = true;
	}
	spin_unlock(&mm->page_table_lock);
	anon_vma_unlock_write(av);
	if (!used)
		put_anon_vma(av);	/* another fault linked one first */
}

/* A speculative fault gives up: the scheme redoes it under mmap_lock. */
static vm_fault_t spec_abort(struct vm_fault *vmf, const char *why)
{
	counter_add(counter_id(why), 1);
	vmf->aborted = true;
	return VM_FAULT_RETRY;
}

/*
 * pte_map_lock() of the SPF series: the PTE lock with spin_trylock(), since
 * a speculating fault must not wait on a PTE lock whose holder may be
 * waiting for this CPU (an unmapper flushing TLBs with IPIs, which this
 * CPU may have masked): Lespinasse's aborts when it is busy, Dufour's v11
 * tries again as long as the VMA is unchanged.  -1: give up.
 */
static int pte_map_lock(struct vm_fault *vmf, struct pt_page *pt)
{
	if (!(vmf->spec & (SPEC_PTL_TRYLOCK | SPEC_PTL_TRYLOCK_LOOP))) {
		spin_lock(pt_ptl(pt));
		return 0;
	}
	while (!spin_trylock(pt_ptl(pt))) {
		if (!(vmf->spec & SPEC_PTL_TRYLOCK_LOOP) ||
		    (vmf->validate && !vmf->validate(vmf)))
			return -1;
		/* cpu_relax() on a cached copy until the lock word changes */
		line_read(pt_ptl(pt)->line);
		while (spin_is_locked(pt_ptl(pt)))
			line_spin_wait(pt_ptl(pt)->line);
	}
	return 0;
}

vm_fault_t handle_mm_fault(struct vm_fault *vmf)
{
	const struct machine_costs *c = &sim_machine->cost;
	struct vm_area_struct *vma = vmf->vma;
	struct mm_struct *mm = vma->vm_mm;
	unsigned long addr = vmf->address & ~(PAGE_SIZE - 1);
	bool write = vmf->flags & FAULT_FLAG_WRITE;
	bool exec = vmf->flags & FAULT_FLAG_INSTRUCTION;
	bool make_writable = false, new_page = false;
	struct pt_page *pt;
	enum fault_kind kind;

	if (addr < vmf->vm_start || addr >= vmf->vm_end ||
	    (write && !(vmf->vm_flags & VM_WRITE)) ||
	    (exec && !(vmf->vm_flags & VM_EXEC)) ||
	    !(vmf->vm_flags & (VM_READ | VM_WRITE | VM_EXEC)))
		return VM_FAULT_SIGSEGV;

	/* pgd/p4d/pud/pmd: hot in every CPU's cache; then the PTE, unlocked. */
	task_charge(4 * c->l1_hit);
	pt = pt_lookup(mm, addr);
	if (pt)
		line_read(pt_pte_line(pt, addr));
	else if (vmf->spec & SPEC_NO_PT_ALLOC)
		return spec_abort(vmf, "spf_pmd_none");

	if (pt && pte_present(pt, addr)) {
		if (!write || pte_write(pt, addr)) {
			/* Someone else already fixed it up: a spurious fault. */
			count_event("fault_spurious");
			return 0;
		}
		make_writable = true;
		if (vmf->vm_flags & VM_SHARED) {
			/* do_wp_page() -> wp_page_shared(): the page cache's own page. */
			kind = FAULT_WP_SHARED;
		} else {
			/* do_wp_page() -> wp_page_copy(): the copy is an anonymous page. */
			anon_vma_prepare(vmf);
			new_fault_page(vmf, c->page_copy);
			new_page = true;
			kind = FAULT_COW;
		}
	} else if (!(vmf->vm_flags & VM_FILE)) {
		if (write) {
			/* do_anonymous_page(): a new zeroed page. */
			anon_vma_prepare(vmf);
			new_fault_page(vmf, c->page_zero);
			make_writable = true;
			new_page = true;
			kind = FAULT_ANON;
		} else {
			/* Read of untouched anon memory maps the shared zero page. */
			kind = FAULT_ANON_ZERO;
		}
	} else {
		task_delay(c->pagecache_lookup);
		if (!(vmf->flags & FAULT_FLAG_TRIED) && mm_params.file_miss > 0 &&
		    gsl_rng_uniform(current->rng) < mm_params.file_miss) {
			if (vmf->spec & SPEC_NO_IO)
				return spec_abort(vmf, "spf_no_io");
			count_event("fault_major");
			if (vmf->flags & FAULT_FLAG_ALLOW_RETRY) {
				vmf->unlock(vmf);
				task_sleep_ns(c->io);
				return VM_FAULT_RETRY;
			}
			task_sleep_ns(c->io);	/* I/O with the lock held */
		}
		if (write && !(vmf->vm_flags & VM_SHARED)) {
			/* do_cow_fault(): a private (anonymous) copy of the page-cache page. */
			anon_vma_prepare(vmf);
			new_fault_page(vmf, c->page_copy);
			make_writable = true;
			new_page = true;
			kind = FAULT_FILE_COW;
		} else {
			/* do_read_fault()/do_shared_fault(): map the cached page. */
			make_writable = write;
			kind = write ? FAULT_FILE_SHARED : FAULT_FILE_READ;
		}
	}

	/*
	 * pte_offset_map_lock(): look the PTE page up again (the fault may
	 * have slept, and a lockless fault's page table may have been freed),
	 * populate it if missing, lock it and re-check it is still linked.
	 */
	for (;;) {
		pt = pt_lookup(mm, addr);
		if (!pt && (vmf->spec & SPEC_NO_PT_ALLOC)) {
			if (new_page)
				drop_fault_page();
			return spec_abort(vmf, "spf_pmd_changed");
		}
		if (!pt)
			pt = pt_alloc(mm, addr);
		if (pte_map_lock(vmf, pt) < 0) {
			if (new_page)
				drop_fault_page();
			return spec_abort(vmf, "spf_ptl_busy");
		}
		if (!pt_dead(pt))
			break;
		spin_unlock(pt_ptl(pt));
		count_event("fault_pmd_changed");
	}
	if (vmf->validate && !vmf->validate(vmf)) {
		spin_unlock(pt_ptl(pt));
		if (new_page)
			drop_fault_page();
		vmf->aborted = true;
		return VM_FAULT_RETRY;
	}
	line_read(pt_pte_line(pt, addr));
	if (pte_present(pt, addr) && (!write || pte_write(pt, addr))) {
		/* !pte_same(): another thread installed it meanwhile. */
		spin_unlock(pt_ptl(pt));
		if (new_page)
			drop_fault_page();
		count_event("fault_raced");
		return 0;
	}
	oracle_pte_install(vmf);
	if (new_page)
		folio_add_lru();
	pte_set(mm, pt, addr, make_writable);
	pte_set_anon(pt, addr, new_page);
	line_write(pt_pte_line(pt, addr));
	spin_unlock(pt_ptl(pt));
	count_fault_kind(kind);
	return 0;
}
