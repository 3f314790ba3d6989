/*
 * struct scheme_ops: the contract between the mm model and a locking
 * scheme.  The mm model owns it, since it is the model that calls a
 * scheme (through the wrappers of sim/mm/scheme_call.c, never directly);
 * schemes/scheme.h, what a scheme includes, adds the helpers a scheme is
 * written with.  DESIGN.md, "The scheme contract", says how long each lock
 * lasts and what each hook may assume.
 */
#ifndef MMLOCKSIM_SCHEME_OPS_H
#define MMLOCKSIM_SCHEME_OPS_H

#include <stdbool.h>
#include <stddef.h>

#include "sim/mm/mm_types.h"

/*
 * 2 added the range hooks, 3 the ABI record at the end of struct
 * scheme_ops.  Fields are only ever added at the end, so that a registry
 * reads only the fields a scheme's api_version has (as SQLite reads only
 * the VFS fields of its iVersion); since 3 a scheme also records the
 * sizes of the kernel structures it was built against, and a scheme
 * built against other layouts is refused, since it would read fields at
 * the wrong offsets.  Versions before 3 carried no such record and are
 * refused for the same reason.
 */
#define SCHEME_API_VERSION 3
#define SCHEME_API_VERSION_MIN 3

/* The layouts a scheme was built against (SQLite's szOsFile idea). */
struct scheme_abi {
	size_t mm_struct_size;
	size_t vm_area_struct_size;
};

/* In every scheme's ops: .abi = SCHEME_ABI, */
#define SCHEME_ABI { sizeof(struct mm_struct), sizeof(struct vm_area_struct) }

/* Not part of a default `compare` (the template, experiments). */
#define SCHEME_F_NO_COMPARE	0x1
/* Deliberately unsafe, like locktorture's broken locks: `check` expects the
 * oracle to catch it, and it is never in a default comparison. */
#define SCHEME_F_BROKEN		0x2

struct scheme_param {
	const char *name;
	const char *def;	/* default value, as text */
	const char *help;
	/*
	 * "a|b|c" to accept only those; "LO..HI" (whole numbers) to accept a
	 * decimal whole number from LO to HI; NULL for any text.
	 */
	const char *choices;
};

/*
 * The parameters one run gives its scheme (-p KEY=VAL, checked against
 * ops->params before the run starts).  They belong to the run: every mm
 * of the run points at them (mm->args), and scheme_param(mm, name) reads
 * them, falling back to the parameter's default.
 */
#define SCHEME_MAX_ARGS		32
#define SCHEME_ARG_KEY_LEN	48
#define SCHEME_ARG_VALUE_LEN	128

struct scheme_args {
	int n;
	char key[SCHEME_MAX_ARGS][SCHEME_ARG_KEY_LEN];
	char value[SCHEME_MAX_ARGS][SCHEME_ARG_VALUE_LEN];
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

	/*
	 * OPTIONAL: called, with write_lock held, for each VMA a writer is
	 * about to change or detach (vma_start_write() in the kernel); it
	 * returns once no reader holds the VMA and none can take it.  The
	 * VMA stays write-locked until the operation ends: write_unlock
	 * (range_unlock with range locks), or a write_downgrade that returns
	 * true -- the kernel's vma_end_write_all() in mmap_write_unlock() and
	 * mmap_write_downgrade().  There is no per-VMA unlock: those hooks
	 * release every VMA the operation locked, which they find with
	 * for_each_write_locked_vma(mm, vma) (schemes/scheme.h).  A VMA the
	 * operation locked is never freed under it: its vma_free is called
	 * after the operation's lock ends.
	 */
	void (*vma_write)(struct vm_area_struct *vma);

	/* OPTIONAL: free a VMA that was detached from the tree; default
	 * vm_area_free() at once, which is safe only if no fault can still
	 * hold a pointer to it.  vm_area_free_rcu() defers past a grace period. */
	void (*vma_free)(struct vm_area_struct *vma);

	/* OPTIONAL: set up and tear down private state.  init_mm cannot
	 * fail: an mm is also made mid-run (fork), where nothing could undo
	 * it, so parameters are checked against their choices before a run
	 * starts (struct scheme_param). */
	void (*init_mm)(struct mm_struct *mm);
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

	/* ---- api_version 3 and later ---- */

	/*
	 * OPTIONAL (schemes without range locks): munmap calls it once the
	 * VMAs are out of the tree, before it zaps their pages, as
	 * __do_munmap() has called mmap_write_downgrade() since Linux 4.20;
	 * the operation then ends with read_unlock (default
	 * mmap_read_unlock()) instead of write_unlock.  It returns false if
	 * it kept the write lock (a variant modeling a kernel before 4.20);
	 * absent, munmap zaps under the write lock.
	 */
	bool (*write_downgrade)(struct mm_struct *mm);

	/*
	 * OPTIONAL: the VMA has just left the tree (vma_mark_detached()),
	 * under the operation's lock and before anything else sees it gone:
	 * a lock that readers must find refused from now on is set here, not
	 * in vma_free, which may come after munmap's downgrade.
	 */
	void (*vma_detach)(struct vm_area_struct *vma);

	/* REQUIRED: SCHEME_ABI, checked at registration. */
	struct scheme_abi abi;

	/*
	 * ---- api_version 3, after the ABI record (a plugin built against
	 * an earlier layout is refused by the ABI check before these are
	 * read) ----
	 */

	/*
	 * OPTIONAL: bytes of private state per CPU of the run, per mm and
	 * per VMA: nr_cpu_ids() zeroed copies, allocated with the mm and the
	 * VMA (a percpu_rw_semaphore's read_count), so a scheme never sizes
	 * an array for MAX_CPUS.  mm_percpu(mm, cpu), vma_percpu(vma, cpu)
	 * and this_cpu_vma(vma) in schemes/scheme.h.
	 */
	size_t mm_percpu_size;
	size_t vma_percpu_size;

	/*
	 * OPTIONAL: the counterpart of init_vma, called once for each VMA
	 * whose memory is released: from vm_area_free() (directly, or from
	 * the RCU callback of vm_area_free_rcu()), or at the end of the run
	 * for a VMA never freed.  It may run outside any task, so it makes no
	 * modeled access and takes no lock: it frees host memory init_vma
	 * allocated.  vma->priv and the per-CPU state are the model's.
	 */
	void (*destroy_vma)(struct vm_area_struct *vma);
};

#endif
