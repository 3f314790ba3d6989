/*
 * The mm subsystem's API: an mm's lifetime and the operations a task
 * performs on it.  The types and the description of the model are in
 * mm_types.h; VMAs and the tree in vma_tree.h; handle_mm_fault() in
 * fault.h.
 */
#ifndef MMLOCKSIM_MM_H
#define MMLOCKSIM_MM_H

#include "sim/core/machine.h"
#include "sim/mm/fault.h"
#include "sim/mm/mm_types.h"
#include "sim/mm/vma_tree.h"

/* ---- setup ----------------------------------------------------------- */
/* The shared state of every fault (page allocator, LRU, memcg, memory
 * bandwidth) for a run on the first ncpus CPUs of m, from mm_params. */
void mm_subsys_setup(const struct machine *m, int ncpus);
void mm_subsys_teardown(void);

/* A new mm run by ops, whose init_mm reads args (NULL: every parameter's
 * default); args must outlive the mm (it belongs to the run). */
struct mm_struct *mm_alloc(const struct scheme_ops *ops, const struct scheme_args *args);
void mm_free(struct mm_struct *mm);
void mm_teardown_all(void);
/* Every mm of the run, exited ones too (freed only by mm_teardown_all()). */
int mm_nr_allocated(void);
struct mm_struct *mm_allocated(int i);

/* ---- the operations a task performs (replay calls these) ------------ */
int mm_fault(struct mm_struct *mm, unsigned long addr, unsigned int flags);
/*
 * mmap(): with MAP_FIXED, [addr, addr + len) replaces whatever is there;
 * without, addr is a hint and a range already taken is placed in a free
 * one, as get_unmapped_area() does (counted as mmap_relocated).  *mapped,
 * if not NULL, gets the address used.  -1 if refused or there is no room.
 */
int mm_mmap(struct mm_struct *mm, unsigned long addr, unsigned long len,
	    unsigned long prot, unsigned long flags, unsigned long *mapped);
int mm_munmap(struct mm_struct *mm, unsigned long addr, unsigned long len);
int mm_mprotect(struct mm_struct *mm, unsigned long addr, unsigned long len,
		unsigned long prot);
int mm_brk(struct mm_struct *mm, unsigned long brk);
int mm_madvise_dontneed(struct mm_struct *mm, unsigned long addr, unsigned long len);
/*
 * mremap() to new_addr (addr: resize in place).  With MREMAP_FIXED in
 * flags the destination, or the range grown into, replaces what is there;
 * without, a destination that is taken, or a VMA that cannot grow in
 * place, goes to a free range (MREMAP_MAYMOVE; counted as
 * mremap_relocated).  *moved_to, if not NULL, gets where the VMA is now.
 */
int mm_mremap(struct mm_struct *mm, unsigned long addr, unsigned long old_len,
	      unsigned long new_len, unsigned long new_addr, unsigned long flags,
	      unsigned long *moved_to);
/* mmap_read_lock() + find_vma(addr) + unlock, no fault (a uprobe hit); -1: no VMA there. */
int mm_lookup(struct mm_struct *mm, unsigned long addr);
/* fork(): a new mm with copies of every VMA, private pages write-protected. */
struct mm_struct *mm_dup(struct mm_struct *mm);
/*
 * For replay of a trace that began after the process did: a fault in no
 * known VMA hit a mapping made before recording started (stack, heap,
 * anonymous memory perf does not report).  Adopt it as an anonymous VMA
 * around addr (2 MiB-aligned, clipped to the neighbours), under the write
 * lock like any tree change, and count implicit_vma.
 */
int mm_adopt_region(struct mm_struct *mm, unsigned long addr, unsigned int fault_flags);

/* A task enters and leaves an mm (mm_cpumask; exit_mmap on the last). */
void mm_enter(struct mm_struct *mm);
void mm_exit(struct mm_struct *mm);
/* mmget(): one more user, dropped by mm_exit(), for a thread not yet running. */
void mm_get(struct mm_struct *mm);

/*
 * For schemes: the VMA after prev (the first if prev is NULL) that the
 * running operation write-locked (vma_write), in the order it locked them;
 * NULL after the last.  for_each_write_locked_vma() in schemes/scheme.h.
 */
struct vm_area_struct *vma_write_locked_next(struct mm_struct *mm, struct vm_area_struct *prev);

#endif
