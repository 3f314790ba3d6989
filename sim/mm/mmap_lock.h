/*
 * The mmap_lock wrappers of include/linux/mmap_lock.h over the mm's
 * rw_semaphore, for the mm model and the schemes alike.
 */
#ifndef MMLOCKSIM_MMAP_LOCK_H
#define MMLOCKSIM_MMAP_LOCK_H

#include "sim/mm/mm_types.h"

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

static inline void mmap_write_downgrade(struct mm_struct *mm)
{
	downgrade_write(&mm->mmap_lock);
}

#endif
