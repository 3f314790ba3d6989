/*
 * An example plugin, built as a shared object against schemes/scheme.h
 * only and loaded with `--plugin build/schemes/examples/mmap_trylock.so`.
 *
 * mmap-trylock: global-rwsem with the first step x86's do_user_addr_fault()
 * takes before lock_mm_and_find_vma(): mmap_read_trylock(), and only if that
 * fails the sleeping mmap_read_lock().  Under a waiting writer the trylock
 * fails at once (the rwsem's reader fast path refuses while a writer
 * queues) and the fault takes the ordinary path, so the result is the
 * baseline's with one more atomic on the lock's line per contended fault.
 *
 * The descriptor is exported as `mmlocksim_scheme`; the loader checks its
 * api_version and every required hook.  Build a broken variant with
 * -DEXAMPLE_BAD_VERSION to see the refusal.
 */
#include "schemes/scheme.h"

static void trylock_unlock_for_io(struct vm_fault *vmf)
{
	mmap_read_unlock(vmf->vma->vm_mm);
}

static vm_fault_t trylock_fault(struct mm_struct *mm, unsigned long address, unsigned int flags)
{
	struct vm_area_struct *vma;
	struct vm_fault vmf;
	vm_fault_t fault;
	int tries = 0;

retry:
	if (!mmap_read_trylock(mm)) {
		count_event("mmap_trylock_failed");
		mmap_read_lock(mm);
	}
	vma = find_vma(mm, address);
	if (!vma || vma_start(vma) > address) {
		mmap_read_unlock(mm);
		return VM_FAULT_SIGSEGV;
	}
	vmf_init(&vmf, vma, address, flags, trylock_unlock_for_io);
	fault = handle_mm_fault(&vmf);
	if (fault & VM_FAULT_RETRY) {
		flags |= FAULT_FLAG_TRIED;
		if (++tries < 8)
			goto retry;
		return VM_FAULT_SIGSEGV;
	}
	mmap_read_unlock(mm);
	return fault;
}

const struct scheme_ops mmlocksim_scheme = {
#ifdef EXAMPLE_BAD_VERSION
	.api_version	= SCHEME_API_VERSION + 98,
#else
	.api_version	= SCHEME_API_VERSION,
#endif
	.abi		= SCHEME_ABI,
	.name		= "mmap-trylock",
	.summary	= "example plugin: global-rwsem with the mmap_read_trylock fast path",
	.fault		= trylock_fault,
	.write_lock	= mmap_write_lock,
	.write_unlock	= mmap_write_unlock,
};
