/*
 * The lock of a reverse map (anon_vma->rwsem, mapping->i_mmap_rwsem) in
 * either of its historical kinds: a spinlock, which an rmap walk holds with
 * preemption off and which excludes walkers from each other, or an
 * rw_semaphore, which walkers share and under which they may sleep (the
 * 2008-2011 conversion for mmu notifiers).  One run uses one kind per map
 * (mm_params.anon_vma_lock, mm_params.i_mmap_lock).
 */
#ifndef MMLOCKSIM_RMAP_LOCK_H
#define MMLOCKSIM_RMAP_LOCK_H

#include "sim/mm/mm_types.h"

static inline void rmap_lock_write(enum rmap_lock_kind kind, spinlock_t *spin,
				   struct rw_semaphore *rwsem)
{
	if (kind == RMAP_LOCK_SPINLOCK)
		spin_lock(spin);
	else
		down_write(rwsem);
}

static inline void rmap_unlock_write(enum rmap_lock_kind kind, spinlock_t *spin,
				     struct rw_semaphore *rwsem)
{
	if (kind == RMAP_LOCK_SPINLOCK)
		spin_unlock(spin);
	else
		up_write(rwsem);
}

static inline void rmap_lock_read(enum rmap_lock_kind kind, spinlock_t *spin,
				  struct rw_semaphore *rwsem)
{
	if (kind == RMAP_LOCK_SPINLOCK)
		spin_lock(spin);
	else
		down_read(rwsem);
}

static inline void rmap_unlock_read(enum rmap_lock_kind kind, spinlock_t *spin,
				    struct rw_semaphore *rwsem)
{
	if (kind == RMAP_LOCK_SPINLOCK)
		spin_unlock(spin);
	else
		up_read(rwsem);
}

#endif
