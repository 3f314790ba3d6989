/*
 * What every scheme shares: the classic fault path under mmap_lock (the
 * fallback of every scheme, and all of global-rwsem), lock_mm_and_find_vma()
 * and the run's scheme parameters.
 */
#include "schemes/scheme.h"

#include "schemes/registry.h"

#include <stdlib.h>
#include <string.h>

/*
 * get_mmap_lock_carefully() (mm/memory.c, 6.5 on): mmap_read_trylock()
 * first, and only if that fails the sleeping mmap_read_lock_killable().
 * The trylock is __down_read_trylock()'s load and cmpxchg loop, not the
 * XADD of down_read(): under many faulting readers its cmpxchg fails
 * whenever another reader's update lands first, and goes round again.
 * The model has no fatal signals, so _killable is mmap_read_lock().
 */
static void get_mmap_lock_carefully(struct mm_struct *mm)
{
	if (mmap_read_trylock(mm))
		return;
	count_event("mmap_read_trylock_failed");
	mmap_read_lock(mm);
}

static struct vm_area_struct *find_vma_locked(struct mm_struct *mm, unsigned long address)
{
	struct vm_area_struct *vma = find_vma(mm, address);

	if (!vma || vma_start(vma) > address) {
		/* No stack to expand in this model: a bad area. */
		mmap_read_unlock(mm);
		return NULL;
	}
	return vma;
}

struct vm_area_struct *lock_mm_and_find_vma(struct mm_struct *mm, unsigned long address)
{
	get_mmap_lock_carefully(mm);
	return find_vma_locked(mm, address);
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
 * do_user_addr_fault() after the per-VMA attempt (arch/x86/mm/fault.c):
 * take mmap_lock for read, find the VMA, handle the fault; on
 * VM_FAULT_RETRY (I/O: the lock was dropped for it) go again with
 * FAULT_FLAG_TRIED.  Since 6.5 every try is lock_mm_and_find_vma(), the
 * trylock first; before it, the first try did down_read_trylock() and
 * then down_read() inline, and a retry jumped to the retry: label, past
 * the trylock, straight to mmap_read_lock().
 */
static vm_fault_t __do_fault_mmap_lock(struct mm_struct *mm, unsigned long address,
				       unsigned int flags, bool trylock_on_retry)
{
	struct vm_area_struct *vma;
	struct vm_fault vmf;
	vm_fault_t fault;
	int tries = 0;

	get_mmap_lock_carefully(mm);
retry:
	vma = find_vma_locked(mm, address);
	if (!vma) {
		count_event("fault_bad_area");
		return VM_FAULT_SIGSEGV;
	}
	vmf_init(&vmf, vma, address, flags, mmap_unlock_for_io);
	fault = handle_mm_fault(&vmf);
	if (fault & VM_FAULT_RETRY) {
		count_event("fault_retry");
		flags |= FAULT_FLAG_TRIED;
		if (++tries >= mm_params.max_fault_retries)
			return VM_FAULT_SIGSEGV;
		if (trylock_on_retry)
			get_mmap_lock_carefully(mm);
		else
			mmap_read_lock(mm);
		goto retry;
	}
	mmap_read_unlock(mm);
	return fault;
}

vm_fault_t do_fault_mmap_lock(struct mm_struct *mm, unsigned long address, unsigned int flags)
{
	return __do_fault_mmap_lock(mm, address, flags, true);
}

vm_fault_t do_fault_mmap_lock_pre_6_5(struct mm_struct *mm, unsigned long address,
				      unsigned int flags)
{
	return __do_fault_mmap_lock(mm, address, flags, false);
}

const char *scheme_param(const struct mm_struct *mm, const char *name)
{
	return scheme_args_value(mm->ops, mm->args, name);
}

long scheme_param_long(const struct mm_struct *mm, const char *name)
{
	const char *v = scheme_param(mm, name);

	return v ? strtol(v, NULL, 0) : 0;
}
