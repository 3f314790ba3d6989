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
 * sim/mm/scheme_call.c, never directly.  The struct itself is the mm
 * model's (sim/mm/scheme_ops.h); this header adds the helpers.
 *
 * Copy schemes/template.c to start a new scheme.  A scheme's own state is
 * allocated with lib/xalloc.h (included below), which cannot fail.
 */
#ifndef MMLOCKSIM_SCHEME_H
#define MMLOCKSIM_SCHEME_H

#include <stddef.h>
#include <string.h>

#include "lib/xalloc.h"
#include "sim/mm/mm.h"

#include "sim/mm/mmap_lock.h"
#include "sim/mm/scheme_ops.h"
#include "sim/locking/sync.h"
#include "sim/rcu/rcu.h"

/*
 * The VMAs the running operation has write-locked (passed to vma_write),
 * in lock order: what write_unlock, range_unlock or write_downgrade
 * releases.  Valid from vma_write to the end of the hook that ends the
 * operation's lock; a VMA the operation freed meanwhile is still there
 * (its memory is released after that hook returns).
 *
 *	struct vm_area_struct *vma;
 *
 *	for_each_write_locked_vma(mm, vma)
 *		my_vma_unlock(vma);
 */
#define for_each_write_locked_vma(mm, vma)				\
	for ((vma) = vma_write_locked_next((mm), NULL); (vma);		\
	     (vma) = vma_write_locked_next((mm), (vma)))

/*
 * Per-CPU state: with .mm_percpu_size / .vma_percpu_size set, one zeroed
 * copy per CPU of the run (nr_cpu_ids() of them, not MAX_CPUS), given to
 * init_mm/init_vma zeroed.  A task runs on one CPU (smp_processor_id())
 * and is preempted only in user mode, so kernel code between two sleeps
 * sees its CPU's copy alone, as under preempt_disable().  A word another
 * CPU reads needs its own modeled line (struct cacheline, line_init() in
 * init_vma), as a real per-CPU counter sits in that CPU's cache.
 */
static inline int nr_cpu_ids(void)
{
	return sched_nr_cpus();
}

static inline int smp_processor_id(void)
{
	return current->cpu;
}

#define for_each_possible_cpu(cpu)					\
	for ((cpu) = 0; (cpu) < nr_cpu_ids(); (cpu)++)

static inline void *mm_percpu(const struct mm_struct *mm, int cpu)
{
	return (char *)mm->percpu + (size_t)cpu * mm->ops->mm_percpu_size;
}

static inline void *vma_percpu(const struct vm_area_struct *vma, int cpu)
{
	return (char *)vma->percpu + (size_t)cpu * vma->vm_mm->ops->vma_percpu_size;
}

/* This CPU's copy: this_cpu_ptr(). */
static inline void *this_cpu_mm(const struct mm_struct *mm)
{
	return mm_percpu(mm, smp_processor_id());
}

static inline void *this_cpu_vma(const struct vm_area_struct *vma)
{
	return vma_percpu(vma, smp_processor_id());
}

/* Value of a parameter for this run (the default if not given). */
const char *scheme_param(const struct mm_struct *mm, const char *name);
long scheme_param_long(const struct mm_struct *mm, const char *name);

/*
 * lock_mm_and_find_vma() (mm/memory.c, 6.5 on): mmap_read_trylock(), then
 * mmap_read_lock() if that failed (get_mmap_lock_carefully()), and find
 * the VMA that covers address; on NULL the lock is already dropped.
 * Shared by every scheme's fallback path.
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
 * do_user_addr_fault(): every scheme's fallback and global-rwsem's only
 * path.  Both take the lock with mmap_read_trylock() first; a retry after
 * I/O does so too since 6.5 (lock_mm_and_find_vma() on every try), while
 * before 6.5 it took mmap_read_lock() at once.
 */
vm_fault_t do_fault_mmap_lock(struct mm_struct *mm, unsigned long address, unsigned int flags);
vm_fault_t do_fault_mmap_lock_pre_6_5(struct mm_struct *mm, unsigned long address,
				      unsigned int flags);

#endif
