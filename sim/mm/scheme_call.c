#include "sim/mm/scheme_call.h"

#include "sim/core/task.h"
#include "sim/mm/mm.h"

#include "sim/mm/mm_oracle.h"
#include "sim/mm/mmap_lock.h"
#include "sim/mm/scheme_ops.h"
#include "sim/mm/vma_tree.h"

vm_fault_t mm_call_fault(struct mm_struct *mm, unsigned long address, unsigned int flags)
{
	return mm->ops->fault(mm, address, flags);
}

bool mm_has_range_locks(const struct mm_struct *mm)
{
	return mm->ops->api_version >= 2 && mm->ops->range_lock;
}

void mm_call_write_lock(struct mm_struct *mm)
{
	mm->ops->write_lock(mm);
	mm->nr_writers++;
}

/*
 * The oracle judges the PTEs faults installed behind a writer's back once
 * no writer is left in the mm: with range locks two writers overlap, and
 * the one that ends first must not be blamed for the other's half-done zap.
 */
static void writer_done(struct mm_struct *mm)
{
	if (--mm->nr_writers == 0)
		oracle_writer_done(mm);
}

/*
 * vma_write() records the VMA as the running operation's, in lock order,
 * for for_each_write_locked_vma(); the operation's lock ends (write_unlock,
 * range_unlock, a downgrade) once its hook has returned, and only then are
 * the VMAs it freed meanwhile released (vm_area_free() held them back), so
 * the hook that ends the locks may still touch every VMA it locked.
 */
static void wlock_add(struct vm_area_struct *vma)
{
	struct mm_struct *mm = vma->vm_mm;

	if (!current || vma->write_locker)
		return;
	vma->write_locker = current;
	vma->wlock_next = NULL;
	if (mm->wlocked_tail)
		mm->wlocked_tail->wlock_next = vma;
	else
		mm->wlocked_head = vma;
	mm->wlocked_tail = vma;
}

static void wlock_end(struct mm_struct *mm)
{
	struct vm_area_struct **pp = &mm->wlocked_head, *vma, *freed = NULL, **ftail = &freed;

	mm->wlocked_tail = NULL;
	while ((vma = *pp)) {
		if (vma->write_locker != current) {
			mm->wlocked_tail = vma;
			pp = &vma->wlock_next;
			continue;
		}
		*pp = vma->wlock_next;
		vma->write_locker = NULL;
		vma->wlock_next = NULL;
		if (vma->free_deferred) {
			*ftail = vma;
			ftail = &vma->wlock_next;
		}
	}
	while ((vma = freed)) {
		freed = vma->wlock_next;
		vma->wlock_next = NULL;
		vma->free_deferred = false;
		vm_area_free(vma);
	}
}

struct vm_area_struct *vma_write_locked_next(struct mm_struct *mm, struct vm_area_struct *prev)
{
	struct vm_area_struct *vma = prev ? prev->wlock_next : mm->wlocked_head;

	while (vma && vma->write_locker != current)
		vma = vma->wlock_next;
	return vma;
}

void mm_call_write_unlock(struct mm_struct *mm)
{
	mm->ops->write_unlock(mm);
	wlock_end(mm);
	writer_done(mm);
}

bool mm_call_write_downgrade(struct mm_struct *mm)
{
	if (mm_has_range_locks(mm) || !mm->ops->write_downgrade)
		return false;
	if (!mm->ops->write_downgrade(mm))
		return false;
	wlock_end(mm);		/* mmap_write_downgrade(): vma_end_write_all() */
	return true;
}

void mm_call_downgraded_unlock(struct mm_struct *mm)
{
	if (mm->ops->read_unlock)
		mm->ops->read_unlock(mm);
	else
		mmap_read_unlock(mm);
	writer_done(mm);
}

void mm_call_range_lock(struct mm_struct *mm, const struct mm_range *ranges, int nr)
{
	if (!mm_has_range_locks(mm)) {
		mm_call_write_lock(mm);
		return;
	}
	mm->ops->range_lock(mm, ranges, nr);
	mm->nr_writers++;
}

void mm_call_range_unlock(struct mm_struct *mm)
{
	if (!mm_has_range_locks(mm)) {
		mm_call_write_unlock(mm);
		return;
	}
	mm->ops->range_unlock(mm);
	wlock_end(mm);
	writer_done(mm);
}

bool mm_call_vma_locked(struct vm_area_struct *vma)
{
	return !mm_has_range_locks(vma->vm_mm) || vma->vm_mm->ops->vma_locked(vma);
}

void mm_call_tree_lock(struct mm_struct *mm)
{
	if (mm_has_range_locks(mm))
		mm->ops->tree_lock(mm);
}

void mm_call_tree_unlock(struct mm_struct *mm)
{
	if (mm_has_range_locks(mm))
		mm->ops->tree_unlock(mm);
}

void mm_call_read_lock(struct mm_struct *mm, const struct mm_range *range)
{
	if (mm_has_range_locks(mm))
		mm->ops->range_lock(mm, range, 1);
	else if (mm->ops->read_lock)
		mm->ops->read_lock(mm);
	else
		mmap_read_lock(mm);
}

void mm_call_read_unlock(struct mm_struct *mm)
{
	if (mm_has_range_locks(mm))
		mm->ops->range_unlock(mm);
	else if (mm->ops->read_unlock)
		mm->ops->read_unlock(mm);
	else
		mmap_read_unlock(mm);
}

void mm_call_vma_write(struct vm_area_struct *vma)
{
	if (vma->vm_mm->ops->vma_write)
		vma->vm_mm->ops->vma_write(vma);
	wlock_add(vma);
}

void mm_call_vma_free(struct vm_area_struct *vma)
{
	if (vma->vm_mm->ops->vma_free)
		vma->vm_mm->ops->vma_free(vma);
	else
		vm_area_free(vma);
}

void mm_call_vma_detach(struct vm_area_struct *vma)
{
	if (vma->vm_mm->ops->vma_detach)
		vma->vm_mm->ops->vma_detach(vma);
}

void mm_call_init_mm(struct mm_struct *mm)
{
	if (mm->ops->init_mm)
		mm->ops->init_mm(mm);
}

void mm_call_destroy_mm(struct mm_struct *mm)
{
	if (mm->ops->destroy_mm)
		mm->ops->destroy_mm(mm);
}

void mm_call_init_vma(struct vm_area_struct *vma)
{
	if (vma->vm_mm->ops->init_vma)
		vma->vm_mm->ops->init_vma(vma);
}

size_t mm_call_mm_priv_size(const struct scheme_ops *ops)
{
	return ops->mm_priv_size;
}

size_t mm_call_vma_priv_size(const struct scheme_ops *ops)
{
	return ops->vma_priv_size;
}

void mm_call_destroy_vma(struct vm_area_struct *vma)
{
	if (vma->destroyed)
		return;
	vma->destroyed = true;
	if (vma->vm_mm->ops->destroy_vma)
		vma->vm_mm->ops->destroy_vma(vma);
}

size_t mm_call_mm_percpu_size(const struct scheme_ops *ops)
{
	return ops->mm_percpu_size;
}

size_t mm_call_vma_percpu_size(const struct scheme_ops *ops)
{
	return ops->vma_percpu_size;
}
