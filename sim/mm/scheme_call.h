/*
 * The only place the kernel model calls a scheme: one wrapper per hook of
 * struct scheme_ops, supplying the defaults of optional hooks (as SQLite's
 * VFS callers go through sqlite3OsXxx wrappers).
 */
#ifndef MMLOCKSIM_HOOKS_H
#define MMLOCKSIM_HOOKS_H

#include <stdbool.h>
#include <stddef.h>

#include "sim/mm/mm_types.h"

vm_fault_t mm_call_fault(struct mm_struct *mm, unsigned long address, unsigned int flags);
void mm_call_write_lock(struct mm_struct *mm);
void mm_call_write_unlock(struct mm_struct *mm);
/* An operation on ranges: range_lock if the scheme has range locks, else
 * write_lock.  madvise takes read_lock, or range_lock on its range. */
bool mm_has_range_locks(const struct mm_struct *mm);
void mm_call_range_lock(struct mm_struct *mm, const struct mm_range *ranges, int nr);
/* munmap after the detach: downgrade if the scheme does (false if not);
 * a downgraded operation ends with mm_call_downgraded_unlock(). */
bool mm_call_write_downgrade(struct mm_struct *mm);
void mm_call_downgraded_unlock(struct mm_struct *mm);
void mm_call_range_unlock(struct mm_struct *mm);
bool mm_call_vma_locked(struct vm_area_struct *vma);
void mm_call_tree_lock(struct mm_struct *mm);
void mm_call_tree_unlock(struct mm_struct *mm);
void mm_call_read_lock(struct mm_struct *mm, const struct mm_range *range);
void mm_call_read_unlock(struct mm_struct *mm);
void mm_call_vma_write(struct vm_area_struct *vma);
void mm_call_vma_free(struct vm_area_struct *vma);
void mm_call_vma_detach(struct vm_area_struct *vma);
void mm_call_init_mm(struct mm_struct *mm);
void mm_call_destroy_mm(struct mm_struct *mm);
void mm_call_init_vma(struct vm_area_struct *vma);
size_t mm_call_mm_priv_size(const struct scheme_ops *ops);
size_t mm_call_vma_priv_size(const struct scheme_ops *ops);
/* Once per VMA, when its memory is released (vm_area_free(), or the end
 * of the run for a VMA never freed). */
void mm_call_destroy_vma(struct vm_area_struct *vma);
/* Bytes per CPU of the scheme's per-CPU state, per mm and per VMA. */
size_t mm_call_mm_percpu_size(const struct scheme_ops *ops);
size_t mm_call_vma_percpu_size(const struct scheme_ops *ops);

#endif
