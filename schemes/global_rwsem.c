/*
 * global-rwsem: the address space under one rw_semaphore, as in Linux
 * before 6.4 (and today's fallback path).
 *
 * Models: do_user_addr_fault() of 5.x-6.4 (arch/x86/mm/fault.c) takes
 * mmap_lock for read with down_read_trylock(), and with down_read() only
 * if that fails, finds the VMA, handles the fault, and on VM_FAULT_RETRY
 * (I/O) retries with FAULT_FLAG_TRIED, having dropped the lock for the
 * I/O, through its retry: label (mmap_read_lock(), no trylock).
 * Every mm-changing operation takes mmap_lock for write.  A detached VMA
 * is freed at once: no fault can hold a pointer to it without mmap_lock.
 *
 * munmap downgrades to the read lock once the VMAs are detached and zaps
 * under it, as __do_munmap() has since 4.20 (Yang Shi, "mm: mmap: zap
 * pages with read mmap_sem in munmap").  -p munmap_downgrade=0 is the
 * kernel before it, whose munmap zapped every page and freed the page
 * tables with mmap_lock held for write: the baseline of the SPF series
 * of 2014-2018 (3.18 to 4.17), where every munmap stops every fault in
 * the mm for the length of its zap.
 *
 * Simplifies: no lock-stealing heuristics beyond rwsem's own.
 */
#include "schemes/scheme.h"

static vm_fault_t global_rwsem_fault(struct mm_struct *mm, unsigned long address,
				     unsigned int flags)
{
	return do_fault_mmap_lock_pre_6_5(mm, address, flags);
}

static bool global_rwsem_write_downgrade(struct mm_struct *mm)
{
	if (!scheme_param_long(mm, "munmap_downgrade"))
		return false;
	mmap_write_downgrade(mm);
	return true;
}

static const struct scheme_param global_rwsem_params[] = {
	{ "munmap_downgrade", "1", "1: munmap zaps under the read lock, as since 4.20; "
	  "0: under the write lock to the end, as before", "0|1" },
	{ NULL, NULL, NULL, NULL },
};

const struct scheme_ops global_rwsem_ops = {
	.api_version	= SCHEME_API_VERSION,
	.abi		= SCHEME_ABI,
	.name		= "global-rwsem",
	.summary	= "faults take mmap_lock for read, writers for write (Linux < 6.4)",
	.params		= global_rwsem_params,
	.fault		= global_rwsem_fault,
	.write_lock	= mmap_write_lock,
	.write_unlock	= mmap_write_unlock,
	.write_downgrade = global_rwsem_write_downgrade,
};
