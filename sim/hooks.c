#include "hooks.h"

#include "check.h"

#include "schemes/scheme.h"

vm_fault_t mm_call_fault(struct mm_struct *mm, unsigned long address, unsigned int flags)
{
	return mm->ops->fault(mm, address, flags);
}

void mm_call_write_lock(struct mm_struct *mm)
{
	mm->ops->write_lock(mm);
}

void mm_call_write_unlock(struct mm_struct *mm)
{
	mm->ops->write_unlock(mm);
	check_writer_done(mm);
}

void mm_call_read_lock(struct mm_struct *mm)
{
	if (mm->ops->read_lock)
		mm->ops->read_lock(mm);
	else
		mmap_read_lock(mm);
}

void mm_call_read_unlock(struct mm_struct *mm)
{
	if (mm->ops->read_unlock)
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
