/*
 * struct scheme_ops: the whole plugin contract of a locking scheme.
 *
 * A scheme decides how a page fault finds and pins its VMA and how
 * mm-changing operations exclude faults.  It is written in kernel style
 * against the simulator's kernel model: mm_struct, vm_area_struct,
 * find_vma(), handle_mm_fault(), and the sync library (rwsem, spinlock,
 * seqcount, refcount, RCU, SRCU), all in the headers included below.
 *
 * Like tcp_congestion_ops: a small ops table, some hooks required, some
 * optional, checked at registration (scheme_register()); like SQLite's
 * VFS: versioned by api_version, and called only through the wrappers in
 * sim/hooks.c, never directly.
 *
 * Copy schemes/template.c to start a new scheme.
 */
#ifndef MMLOCKSIM_SCHEME_H
#define MMLOCKSIM_SCHEME_H

#include <stddef.h>
#include <string.h>

#include "sim/mm/mm.h"
#include "sim/locking/sync.h"

/*
 * 2 added the range hooks at the end of struct scheme_ops; a scheme built
 * as version 1 (without them) is still accepted, as SQLite's VFS reads
 * only the fields its iVersion has.
 */
#define SCHEME_API_VERSION 2
#define SCHEME_API_VERSION_MIN 1

/* Not part of a default `compare` (the template, experiments). */
#define SCHEME_F_NO_COMPARE	0x1
/* Deliberately unsafe, like locktorture's broken locks: `check` expects the
 * oracle to catch it, and it is never in a default comparison. */
#define SCHEME_F_BROKEN		0x2

struct scheme_param {
	const char *name;
	const char *def;	/* default value, as text */
	const char *help;
	const char *choices;	/* "a|b|c" to accept only those, or NULL */
};

struct scheme_ops {
	/* REQUIRED: SCHEME_API_VERSION at build time (MIN..current accepted). */
	int api_version;
	/* REQUIRED: unique name ("global-rwsem"), and a one-line summary. */
	const char *name;
	const char *summary;

	/* OPTIONAL: SCHEME_F_* flags. */
	unsigned int flags;

	/* OPTIONAL: bytes of private state per mm (mm->priv) and per VMA
	 * (vma->priv), zeroed before init_mm/init_vma. */
	size_t mm_priv_size;
	size_t vma_priv_size;

	/* OPTIONAL: parameters (-p KEY=VAL), terminated by { NULL }.  Read
	 * them with scheme_param(mm, "name") from init_mm. */
	const struct scheme_param *params;

	/*
	 * REQUIRED: a user page fault at `address` with FAULT_FLAG_* `flags`.
	 * Find the VMA, make it stable, fill a struct vm_fault and call
	 * handle_mm_fault(), retrying or falling back as the scheme does.
	 * Return 0, or VM_FAULT_SIGSEGV when no VMA allows the access.
	 */
	vm_fault_t (*fault)(struct mm_struct *mm, unsigned long address, unsigned int flags);

	/* REQUIRED: exclude faults and other writers around every operation
	 * that changes the address space (mmap, munmap, mprotect, brk,
	 * mremap, fork). */
	void (*write_lock)(struct mm_struct *mm);
	void (*write_unlock)(struct mm_struct *mm);

	/* OPTIONAL: readers of the address space other than faults
	 * (madvise(MADV_DONTNEED)); default mmap_read_lock(). */
	void (*read_lock)(struct mm_struct *mm);
	void (*read_unlock)(struct mm_struct *mm);

	/* OPTIONAL: called, with write_lock held, for each VMA a writer is
	 * about to change or detach (vma_start_write() in the kernel). */
	void (*vma_write)(struct vm_area_struct *vma);

	/* OPTIONAL: free a VMA that was detached from the tree; default
	 * vm_area_free() at once, which is safe only if no fault can still
	 * hold a pointer to it.  vm_area_free_rcu() defers past a grace period. */
	void (*vma_free)(struct vm_area_struct *vma);

	/* OPTIONAL: set up and tear down private state. */
	int (*init_mm)(struct mm_struct *mm);
	void (*destroy_mm)(struct mm_struct *mm);
	void (*init_vma)(struct vm_area_struct *vma);

	/* ---- api_version 2 and later: read only when api_version >= 2 ---- */

	/*
	 * OPTIONAL, all five or none (checked at registration): a scheme
	 * with no mm-wide writer lock (ww-vma) locks only what an operation
	 * changes.
	 *
	 * range_lock gets the address ranges the operation will change, in
	 * the order the operation meets them (mremap: source, then
	 * destination), and returns with every VMA that meets one of them, or
	 * abuts it (a merge candidate), locked for this operation and still
	 * in the tree.  The body then changes only VMAs for which vma_locked()
	 * is true -- those, and the ones it creates, which init_vma hands to
	 * the running operation -- so a VMA that another task maps into a
	 * hole of the range afterwards belongs to that later operation.  Every
	 * store to the VMA tree is made under tree_lock, and a store into a
	 * hole re-checks there that the hole is still empty; if it is not,
	 * the body unlocks and starts again.  range_unlock ends the operation.
	 *
	 * When absent, write_lock/write_unlock cover every operation, read_lock
	 * covers madvise, and nothing else is called.
	 */
	void (*range_lock)(struct mm_struct *mm, const struct mm_range *ranges, int nr);
	void (*range_unlock)(struct mm_struct *mm);
	bool (*vma_locked)(struct vm_area_struct *vma);
	void (*tree_lock)(struct mm_struct *mm);
	void (*tree_unlock)(struct mm_struct *mm);
};

/* Value of a parameter for this run (the default if not given). */
const char *scheme_param(const struct mm_struct *mm, const char *name);
long scheme_param_long(const struct mm_struct *mm, const char *name);

/* mmap_lock helpers, named as in include/linux/mmap_lock.h. */
static inline void mmap_read_lock(struct mm_struct *mm)
{
	down_read(&mm->mmap_lock);
}

static inline bool mmap_read_trylock(struct mm_struct *mm)
{
	return down_read_trylock(&mm->mmap_lock);
}

static inline void mmap_read_unlock(struct mm_struct *mm)
{
	up_read(&mm->mmap_lock);
}

static inline void mmap_write_lock(struct mm_struct *mm)
{
	down_write(&mm->mmap_lock);
}

static inline void mmap_write_unlock(struct mm_struct *mm)
{
	up_write(&mm->mmap_lock);
}

/*
 * lock_mm_and_find_vma() (mm/memory.c): mmap_read_lock, find the VMA that
 * covers address; on NULL the lock is already dropped.  Shared by every
 * scheme's fallback path.
 */
struct vm_area_struct *lock_mm_and_find_vma(struct mm_struct *mm, unsigned long address);

/*
 * The same under the maple tree's own lock (mt-lock, ww-vma): the lookup
 * is authoritative, writers' tree stores being made under that lock; on
 * NULL the lock is dropped and fault_bad_area counted.
 */
struct vm_area_struct *lock_tree_and_find_vma(struct mm_struct *mm, unsigned long address);

/*
 * The classic fault under mmap_lock for read, with the I/O retry loop of
 * do_user_addr_fault(): every scheme's fallback and global-rwsem's only path.
 */
vm_fault_t do_fault_mmap_lock(struct mm_struct *mm, unsigned long address, unsigned int flags);

#endif
