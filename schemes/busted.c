/*
 * busted: rcu-fault with the safety taken out, like locktorture's
 * lock_busted -- it exists so that the safety oracle and `mmlocksim check`
 * can be seen to catch an unsafe scheme.  Never in a default comparison.
 *
 * What it gets wrong: the fault looks the VMA up under RCU and trusts it
 * (no sequence count, no validation under the PTE lock), and detached VMAs
 * are freed at once instead of after a grace period.  A fault racing an
 * munmap or mprotect of its VMA therefore installs a PTE into a range that
 * is gone or changed (stale-pte, stale-protection), or touches the freed
 * VMA (use-after-free).
 */
#include "schemes/scheme.h"

static void busted_leave_rcu(struct vm_fault *vmf)
{
	(void)vmf;
	rcu_read_unlock();	/* and keep using the VMA: no reference */
}

static vm_fault_t busted_fault(struct mm_struct *mm, unsigned long address, unsigned int flags)
{
	struct vm_area_struct *vma;
	struct vm_fault vmf;
	vm_fault_t fault;

	rcu_read_lock();
	vma = vma_lookup_rcu(mm, address);
	if (!vma) {
		rcu_read_unlock();
		return do_fault_mmap_lock(mm, address, flags);
	}
	vmf_init(&vmf, vma, address, flags, busted_leave_rcu);
	if (address < vmf.vm_start || address >= vmf.vm_end) {
		rcu_read_unlock();
		return do_fault_mmap_lock(mm, address, flags);
	}
	fault = handle_mm_fault(&vmf);
	if (fault & VM_FAULT_RETRY)
		return do_fault_mmap_lock(mm, address, flags | FAULT_FLAG_TRIED);
	rcu_read_unlock();
	if (fault & VM_FAULT_SIGSEGV)
		return do_fault_mmap_lock(mm, address, flags);
	return fault;
}

const struct scheme_ops busted_ops = {
	.api_version	= SCHEME_API_VERSION,
	.abi		= SCHEME_ABI,
	.name		= "busted",
	.summary	= "rcu-fault without validation, VMAs freed at once: the oracle must catch it",
	.flags		= SCHEME_F_BROKEN,
	.fault		= busted_fault,
	.write_lock	= mmap_write_lock,
	.write_unlock	= mmap_write_unlock,
	.vma_free	= vm_area_free,
};
