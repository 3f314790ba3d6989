/*
 * What every scheme shares: the classic fault path under mmap_lock (the
 * fallback of every scheme, and all of global-rwsem), lock_mm_and_find_vma()
 * and the run's scheme parameters.
 */
#include "schemes/scheme.h"

#include "schemes/registry.h"

#include <stdlib.h>
#include <string.h>

struct vm_area_struct *lock_mm_and_find_vma(struct mm_struct *mm, unsigned long address)
{
	struct vm_area_struct *vma;

	mmap_read_lock(mm);
	vma = find_vma(mm, address);
	if (!vma || vma_start(vma) > address) {
		/* No stack to expand in this model: a bad area. */
		mmap_read_unlock(mm);
		return NULL;
	}
	return vma;
}

struct vm_area_struct *lock_tree_and_find_vma(struct mm_struct *mm, unsigned long address)
{
	struct vm_area_struct *vma;

	spin_lock(&mm->mm_mt.ma_lock);
	vma = find_vma(mm, address);
	if (!vma || vma_start(vma) > address) {
		spin_unlock(&mm->mm_mt.ma_lock);
		count_event("fault_bad_area");
		return NULL;
	}
	return vma;
}

static void mmap_unlock_for_io(struct vm_fault *vmf)
{
	mmap_read_unlock(vmf->vma->vm_mm);
}

/*
 * do_user_addr_fault() after the per-VMA attempt: take mmap_lock for read,
 * find the VMA, handle the fault; on VM_FAULT_RETRY (I/O: the lock was
 * dropped for it) go again with FAULT_FLAG_TRIED.
 */
vm_fault_t do_fault_mmap_lock(struct mm_struct *mm, unsigned long address, unsigned int flags)
{
	struct vm_area_struct *vma;
	struct vm_fault vmf;
	vm_fault_t fault;
	int tries = 0;

retry:
	vma = lock_mm_and_find_vma(mm, address);
	if (!vma) {
		count_event("fault_bad_area");
		return VM_FAULT_SIGSEGV;
	}
	vmf_init(&vmf, vma, address, flags, mmap_unlock_for_io);
	fault = handle_mm_fault(&vmf);
	if (fault & VM_FAULT_RETRY) {
		count_event("fault_retry");
		flags |= FAULT_FLAG_TRIED;
		if (++tries < mm_params.max_fault_retries)
			goto retry;
		return VM_FAULT_SIGSEGV;
	}
	mmap_read_unlock(mm);
	return fault;
}

const char *scheme_param(const struct mm_struct *mm, const char *name)
{
	return scheme_param_value(mm->ops, name);
}

long scheme_param_long(const struct mm_struct *mm, const char *name)
{
	const char *v = scheme_param(mm, name);

	return v ? strtol(v, NULL, 0) : 0;
}
