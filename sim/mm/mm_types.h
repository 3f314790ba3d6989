/*
 * The modeled address space: mm_struct, vm_area_struct, the VMA tree,
 * page tables with split PTE locks, anon_vma, and the operation bodies
 * (page fault, mmap, munmap, mprotect, brk, madvise, mremap, fork, exit).
 *
 * Names follow the kernel so that a scheme reads like the code it models.
 * Every body charges the machine's costs and touches the lines a real
 * kernel touches; it calls the locking scheme through the wrappers in
 * scheme_call.c at the points where the kernel takes its locks.  The kernel
 * model never names a scheme.
 *
 * What is modeled:
 * - The VMA tree is a maple tree: a lookup walks depth levels, reading one
 *   node line per level (depth from the VMA count, ~10 entries per node);
 *   nodes on the path of every tree write are replaced by new ones (the
 *   maple tree is RCU-safe copy-on-write), so readers miss on them after
 *   each mmap/munmap.
 * - A VMA has a line of fields (vm_start, vm_end, vm_flags) and a line for
 *   its lock word (schemes put their refcount, sequence or rwsem there).
 * - Page tables: one PTE page per 2 MiB with its own spinlock (split PTE
 *   locks) and 64 lines of PTEs; mm->page_table_lock for populating them.
 * - anon_vma: created on the first anonymous fault in a VMA, under
 *   page_table_lock and the anon_vma lock.
 * - mm_cpumask: CPUs that ran the mm; munmap, mprotect and mremap send TLB
 *   shootdown IPIs to the others, at a cost growing with their number.
 * - Faults: anonymous first touch (allocate and zero), file read (page
 *   cache hit, or I/O: the fault drops its lock, sleeps for the I/O and
 *   returns VM_FAULT_RETRY as in the kernel), write to a private file page
 *   or to a write-protected anonymous page (COW copy), shared file write.
 *
 * Simplified: no THP, no NUMA placement of pages, no reclaim; munmap does
 * not downgrade mmap_lock; TLB shootdowns cost the initiator only (the
 * interrupted CPUs' time is not charged); a file is an address_space per
 * file mmap (traces carry no inode), shared only through fork, split and mremap.
 */
#ifndef MMLOCKSIM_MM_TYPES_H
#define MMLOCKSIM_MM_TYPES_H

#include <stdbool.h>
#include <stdint.h>

#include "sim/core/task.h"
#include "sim/locking/sync.h"
#include "sim/rcu/rcu.h"

#define PAGE_SHIFT	12
#define PAGE_SIZE	(1UL << PAGE_SHIFT)
#define PMD_SHIFT	21
#define PMD_SIZE	(1UL << PMD_SHIFT)
#define PTRS_PER_PTE	512
#define TASK_SIZE	(1UL << 47)

#define VM_READ		0x01UL
#define VM_WRITE	0x02UL
#define VM_EXEC		0x04UL
#define VM_SHARED	0x08UL
#define VM_FILE		0x10UL	/* has a vm_file (file-backed) */
#define VM_HEAP		0x20UL	/* the brk area */

/* mmap()/mprotect() arguments, Linux values. */
#ifndef PROT_READ
#define PROT_READ	0x1
#define PROT_WRITE	0x2
#define PROT_EXEC	0x4
#define MAP_SHARED	0x01
#define MAP_FIXED	0x10
#define MAP_ANONYMOUS	0x20
#endif
#ifndef MREMAP_FIXED
#define MREMAP_MAYMOVE	0x1
#define MREMAP_FIXED	0x2
#endif

/* FAULT_FLAG_* */
#define FAULT_FLAG_WRITE	0x01
#define FAULT_FLAG_INSTRUCTION	0x02
#define FAULT_FLAG_ALLOW_RETRY	0x04
#define FAULT_FLAG_TRIED	0x08
#define FAULT_FLAG_VMA_LOCK	0x10	/* under a per-VMA lock */
#define FAULT_FLAG_SPECULATIVE	0x20	/* under no lock, validated later */
#define FAULT_FLAG_PRESENT	0x40	/* the PTE was present: protection fault */

typedef unsigned int vm_fault_t;
#define VM_FAULT_SIGSEGV	0x0001
#define VM_FAULT_RETRY		0x0002	/* lock dropped (I/O) or speculation aborted */
#define VM_FAULT_COMPLETED	0x0004
#define VM_FAULT_OOM		0x0008

enum vma_state {
	VMA_LIVE,		/* in the tree */
	VMA_DETACHED,		/* out of the tree, readers may still hold it */
	VMA_FREE_PENDING,	/* waiting for a grace period */
	VMA_FREED,		/* gone: any touch is a use after free */
};

struct mm_struct;
struct scheme_ops;
struct scheme_args;

/*
 * anon_vma (mm/rmap.c): the reverse map of a VMA's anonymous pages.  Its
 * lock is anon_vma->rwsem (Linux since 3.8; a mutex in 2.6.39-3.7) or, with
 * -p anon_vma_lock=spinlock, the spinlock it was before the 2008-2011
 * mmu-notifier work made rmap walks sleepable.  The refcount shares the
 * lock's line, as in the kernel's struct: 1 while VMAs are linked, plus one
 * per rmap walker that pinned it (page_lock_anon_vma_read()).  The linked
 * VMAs stand for the anon_vma_chain interval tree (see sim/rmap.c).
 * Reused from mm->anon_free without re-initializing the locks, like the
 * kernel's SLAB_TYPESAFE_BY_RCU cache: a late walker finds a valid lock.
 */
struct anon_vma {
	spinlock_t lock;		/* anon_vma_lock=spinlock */
	struct rw_semaphore rwsem;	/* anon_vma_lock=rwsem; its line holds the refcount */
	refcount_t refcount;
	int refs;			/* VMAs linked to it (a split shares it) */
	struct vm_area_struct **vmas;	/* the linked VMAs (rb_root of AVCs) */
	int cap_vmas;
	struct mm_struct *mm;		/* whose anon_free it returns to */
	struct anon_vma *next_free;
};

/*
 * address_space (include/linux/fs.h), as far as the file reverse map goes:
 * i_mmap, the interval tree of every VMA mapping the file, and its lock.
 * The lock is i_mmap_rwsem (Linux since 3.19: a mutex in 2.6.39-3.18) or,
 * with -p i_mmap_lock=spinlock, the i_mmap_lock spinlock it was before the
 * 2008-2011 mmu-notifier work.  The root's line (i_mmap) is separate from
 * the lock's, as in struct address_space.  A mapping lives as long as its
 * file's page cache: to the end of the run.
 */
struct address_space {
	spinlock_t i_mmap_lock;			/* i_mmap_lock=spinlock */
	struct rw_semaphore i_mmap_rwsem;	/* i_mmap_lock=rwsem */
	struct cacheline i_mmap;		/* rb_root_cached of the VMAs */
	struct vm_area_struct **vmas;		/* the linked VMAs (the tree's content) */
	int nr_vmas, cap_vmas;
};

struct vm_area_struct {
	struct cacheline fields;	/* vm_start, vm_end, vm_flags, vm_pgoff */
	/* What a fault reads of the host struct, together after fields. */
	unsigned long vm_start;
	unsigned long vm_end;
	unsigned long vm_flags;
	unsigned long vm_pgoff;
	struct mm_struct *vm_mm;
	struct anon_vma *anon_vma;
	void *priv;			/* the scheme's vma_priv_size bytes */
	struct address_space *vm_mapping;	/* vm_file->f_mapping; NULL if anonymous */
	struct cacheline lock_line;	/* the scheme's per-VMA lock word(s) */
	uint64_t id;			/* unique per run, for reports */
	enum vma_state state;
	int modifying;			/* a writer is changing the fields */
	struct rcu_head rcu;
	struct vm_area_struct *pool_next;
	void *percpu;			/* vma_percpu_size bytes per CPU (vma_percpu()) */
	/* Write-locked by this task's operation (vma_write) until it ends; on
	 * the mm's list of such VMAs, in lock order (for_each_write_locked_vma). */
	const struct task *write_locker;
	struct vm_area_struct *wlock_next;
	bool free_deferred;		/* vma_free waits for the operation's end */
	bool destroyed;			/* destroy_vma has been called */
};

/* Pages the VMA spans (include/linux/mm.h). */
static inline unsigned long vma_pages(const struct vm_area_struct *vma)
{
	return (vma->vm_end - vma->vm_start) >> PAGE_SHIFT;
}

/* File offset, in pages, of address in vma (linear_page_index()). */
static inline unsigned long linear_page_index(const struct vm_area_struct *vma,
					      unsigned long address)
{
	return ((address - vma->vm_start) >> PAGE_SHIFT) + vma->vm_pgoff;
}

/* An address range [start, end) an operation changes (range_lock); with
 * merge, the VMAs that abut it may change too (they may grow into it). */
struct mm_range {
	unsigned long start, end;
	bool merge;
};

/* A task's last tree lookup, good while the tree's generation holds:
 * the index the search gives for addresses in [lo, hi) (vma_tree.c). */
struct mt_lookup_entry {
	uint64_t gen;
	unsigned long lo, hi;
	int pos;
	struct vm_area_struct *vma;	/* at pos, NULL past the last */
};

/* A task's last page table found, good while pt_gen holds (pgtable.c). */
struct pt_lookup_entry {
	unsigned long key;		/* index + 1; 0: nothing kept */
	uint64_t gen;
	struct pt_page *pt;
};

/*
 * Tasks (by id modulo) whose last lookups each mm keeps, both on one host
 * line: a fault's tree lookup and its page-table lookups, each a cold read
 * after the task has been switched out, then cost one miss, not two or
 * three (40- and 24-byte entries in arrays of their own straddled lines).
 */
#define MM_TASK_MEMOS	64

struct mm_task_memo {
	struct mt_lookup_entry mt;
	struct pt_lookup_entry pt;
} __attribute__((aligned(64)));

/*
 * The host side of the tree, the truth: the VMAs in address order, in
 * blocks of up to MT_BLOCK, so that a store moves at most a block's worth
 * and a lookup reads two short arrays, at any VMA count (vma_tree.c).
 */
#define MT_BLOCK	64

struct mt_block {
	int n;
	unsigned long ends[MT_BLOCK];	/* slots[i]->vm_end: the search reads no VMA */
	struct vm_area_struct *slots[MT_BLOCK];
};

struct maple_tree {
	struct mt_block **blocks;
	unsigned long *block_end;	/* per block, its last end */
	int *block_first;		/* per block, the index of its first VMA */
	int nr_blocks, cap_blocks;
	int nr;				/* VMAs in the tree */
	int depth;
	/* per level, a division by its slots per node (vma_tree.c) */
	uint64_t span_mul[8];
	uint8_t span_shift[8];
	struct cacheline *nodes[8];	/* per level, nodes by index */
	int nr_nodes[8];
	spinlock_t ma_lock;		/* the tree's own lock (MT_FLAGS_LOCK_EXTERN off) */
	uint64_t gen;			/* bumped by every change of slots or ends */
};

struct pt_page;

struct mm_struct {
	int id;
	struct maple_tree mm_mt;
	struct rw_semaphore mmap_lock;
	spinlock_t page_table_lock;
	struct cacheline counters_line;	/* rss counters, mm_cpumask */
	uint64_t cpumask[CPU_MASK_WORDS];
	unsigned long start_brk, brk;
	int users;			/* tasks using it */
	int nr_writers;			/* operations between lock and unlock */
	const struct scheme_ops *ops;
	const struct scheme_args *args;	/* the run's scheme parameters; NULL: defaults */
	void *priv;			/* the scheme's mm_priv_size bytes */
	/* page tables: open-addressed hash of PTE pages by addr >> PMD_SHIFT,
	 * each slot with its key, so a probe reads no page table */
	struct pt_hash_slot {
		unsigned long index;
		struct pt_page *pt;	/* NULL: empty */
	} *pt;
	unsigned int pt_cap, pt_nr;
	/* their indexes in order, for the walks over a range (pt_next()) */
	unsigned long *pt_order;
	unsigned int pt_order_cap;
	/* bumped by pt_remove(): a task's last page table found (its memo,
	 * which a fault's lookups and the oracle's after it read instead of
	 * the hash) is good while this holds */
	uint64_t pt_gen;
	struct pt_page **all_pts;	/* every PTE page allocated, for teardown */
	unsigned int nr_all_pts, cap_all_pts;
	struct pt_page *pt_pool;	/* freed, past their grace period */
	struct vm_area_struct *pool_free, *pool_free_tail;
	unsigned int pool_nr_free;
	/* Every VMA and anon_vma ever allocated, for teardown: a scheme that
	 * never frees a detached VMA leaks nothing from the host. */
	struct vm_area_struct **all_vmas;
	unsigned int nr_all_vmas, cap_all_vmas;
	struct anon_vma **anon_vmas;
	unsigned int nr_anon_vmas, cap_anon_vmas;
	struct anon_vma *anon_free;	/* unlinked from every VMA: reusable */
	uint64_t rss_pages;
	void *percpu;			/* mm_percpu_size bytes per CPU (mm_percpu()) */
	/* The VMAs write-locked by the operations in progress (vma_write). */
	struct vm_area_struct *wlocked_head, *wlocked_tail;
	struct mm_task_memo memo[MM_TASK_MEMOS];	/* mm_task_memo() */
};

/* The current task's memo in mm. */
static inline struct mm_task_memo *mm_task_memo(struct mm_struct *mm)
{
	return &mm->memo[task_memo_slot(MM_TASK_MEMOS)];
}

/*
 * The fault as the scheme prepares it for handle_mm_fault().  vm_start,
 * vm_end and vm_flags are the fault's snapshot of the VMA (vmf_snapshot()).
 */
struct vm_fault {
	struct vm_area_struct *vma;
	unsigned long address;
	unsigned int flags;
	unsigned long vm_start, vm_end, vm_flags;
	bool torn;			/* snapshot taken mid-modification */
	bool aborted;			/* validate() failed */
	/* Under the PTE lock, before the PTE is set: false aborts the fault. */
	bool (*validate)(struct vm_fault *vmf);
	/* Drop the fault's lock before sleeping for I/O. */
	void (*unlock)(struct vm_fault *vmf);
	uint64_t seq;			/* for the scheme: e.g. a sequence snapshot */
	void *scheme_data;
	unsigned int spec;		/* SPEC_*: how a speculative fault may proceed */
};

/*
 * What the speculative fault of an SPF series was allowed to do, for
 * handle_mm_fault() (vmf->spec).  A refusal aborts the fault (vmf->aborted,
 * VM_FAULT_RETRY) and the scheme redoes it under mmap_lock.
 */
#define SPEC_NO_PT_ALLOC	0x1	/* a missing page table aborts (no allocation) */
#define SPEC_NO_IO		0x2	/* a page-cache miss aborts (no I/O) */
#define SPEC_PTL_TRYLOCK	0x4	/* pte_map_lock(): spin_trylock, busy aborts */
#define SPEC_PTL_TRYLOCK_LOOP	0x8	/* pte_map_lock(): spin_trylock again while valid */

/* Run-wide knobs of the kernel model (set from run parameters). */
enum rmap_lock_kind {
	RMAP_LOCK_RWSEM,	/* Linux today */
	RMAP_LOCK_SPINLOCK,	/* before the mmu-notifier conversion */
};

/*
 * The base page size the kernel is built with: 4 KiB on x86; 64 KiB on
 * ppc64 (CONFIG_PPC_64K_PAGES, what its distributions build), 16 or
 * 64 KiB on arm64 by choice.
 */
enum page_size_kind { PAGE_SIZE_4K, PAGE_SIZE_16K, PAGE_SIZE_64K };

struct mm_params {
	double file_miss;	/* first touch of a file page misses the page cache */
	enum page_size_kind page_size;
	int max_fault_retries;
	enum rmap_lock_kind anon_vma_lock;
	enum rmap_lock_kind i_mmap_lock;
	double rmap_walks;	/* per ms by each kswapd-like task; 0: no task */
	int rmap_walkers;	/* how many such tasks */
	bool fork_vma_lock;	/* fork write-locks the parent's VMAs (6.4.12+) */
	/* What every fault shares besides the VMA; each can be turned off. */
	bool zone_lock;		/* per-CPU page lists in front of zone->lock */
	bool lru_lock;		/* LRU batches under lruvec->lru_lock */
	bool memcg;		/* memcg charging from per-CPU stocks */
	bool mem_bw;		/* clear_page() against the socket's bandwidth */
	/* Fraction of a fault's page allocations that enter direct reclaim and
	 * sleep for an I/O with the fault's lock held (the check's sleeping
	 * readers; 0 in runs). */
	double alloc_stall;
};
extern struct mm_params mm_params;

/* A base page in 4 KiB units (the machine's page_zero, page_copy, mem_page). */
static inline unsigned int base_page_4k_units(void)
{
	return 1u << (2 * (unsigned int)mm_params.page_size);
}

#endif
