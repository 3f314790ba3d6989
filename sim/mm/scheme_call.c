#include "sim/mm/scheme_call.h"

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

void mm_call_write_unlock(struct mm_struct *mm)
{
	mm->ops->write_unlock(mm);
	writer_done(mm);
}

bool mm_call_write_downgrade(struct mm_struct *mm)
{
	if (mm_has_range_locks(mm) || !mm->ops->write_downgrade)
		return false;
	return mm->ops->write_downgrade(mm);
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
