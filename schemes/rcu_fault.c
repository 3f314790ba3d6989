/*
 * rcu-fault: the whole fault under RCU, the "store-free page fault" plan
 * discussed on linux-mm (Matthew Wilcox and others, 2022-2024): no store
 * to any VMA or mm cacheline on the fast path.
 *
 * Models: rcu_read_lock() (free: a preempt count), a maple-tree walk, a
 * snapshot of the VMA's sequence count and fields, the page-table walk,
 * the PTE lock -- the only lock taken -- and, under it, the check that the
 * VMA's sequence has not moved; then the PTE is installed.  A mismatch
 * (a writer got in) aborts to the mmap_lock path.  Work that may sleep is
 * done outside RCU: before sleeping for I/O the fault takes a reference on
 * the VMA (refcount_inc_not_zero) so it cannot be freed, leaves the RCU
 * section, and after the I/O goes round again (the page is cached now)
 * and drops the reference.  Writers hold mmap_lock for write and bump the
 * sequence of each VMA they change or detach; detached VMAs (and, in the
 * maple tree, the nodes that pointed at them) are freed after an RCU grace
 * period, or by the last reference holder after it.
 *
 * Simplified: page allocation never sleeps here (the model's allocator has
 * no reclaim), so only I/O leaves the RCU section.  Counts RCU_FAULT_SUCCESS,
 * RCU_FAULT_ABORT and fallbacks.
 */
#include "schemes/scheme.h"
#include "schemes/vma_seq.h"

struct rcu_fault_mm {
	struct vma_seq_writer writer;
};

static vm_fault_t rcu_fault(struct mm_struct *mm, unsigned long address, unsigned int flags)
{
	struct vm_area_struct *vma, *pinned = NULL;
	struct vm_fault vmf;
	vm_fault_t fault;
	unsigned int seq;
	int tries = 0;

again:
	rcu_read_lock();
	vma = vma_lookup_rcu(mm, address);
	if (!vma)
		goto abort;
	seq = raw_read_seqcount(&vma_seq_ref(vma)->seq);
	if (seq & 1)
		goto abort;
	vmf_init(&vmf, vma, address, flags, vma_seq_leave_rcu_for_io);
	if (address < vmf.vm_start || address >= vmf.vm_end)
		goto abort;
	if (read_seqcount_retry(&vma_seq_ref(vma)->seq, seq))
		goto abort;
	vmf.seq = seq;
	vmf.validate = vma_seq_unchanged;
	fault = handle_mm_fault(&vmf);
	if (vmf.aborted) {
		rcu_read_unlock();
		goto aborted;
	}
	if (fault & VM_FAULT_RETRY) {
		/* Slept on I/O outside RCU, holding a reference: go round again. */
		if (pinned)
			vma_seq_put(pinned);
		pinned = vmf.scheme_data;
		flags |= FAULT_FLAG_TRIED;
		count_event("RCU_FAULT_IO");
		if (++tries < mm_params.max_fault_retries)
			goto again;
		goto fallback;
	}
	rcu_read_unlock();
	if (pinned)
		vma_seq_put(pinned);
	if (fault & VM_FAULT_SIGSEGV)
		goto fallback;	/* let the classic path decide */
	count_event("RCU_FAULT_SUCCESS");
	return fault;
abort:
	rcu_read_unlock();
aborted:
	count_event("RCU_FAULT_ABORT");
	if (pinned)
		vma_seq_put(pinned);
fallback:
	count_event("fault_fallback_mmap_lock");
	return do_fault_mmap_lock(mm, address, flags);
}

static void rcu_fault_write_unlock(struct mm_struct *mm)
{
	vma_seq_write_end_all(&((struct rcu_fault_mm *)mm->priv)->writer);
	mmap_write_unlock(mm);
}

static bool rcu_fault_write_downgrade(struct mm_struct *mm)
{
	vma_seq_write_end_all(&((struct rcu_fault_mm *)mm->priv)->writer);
	mmap_write_downgrade(mm);
	return true;
}

static void rcu_fault_vma_write(struct vm_area_struct *vma)
{
	vma_seq_write_begin(&((struct rcu_fault_mm *)vma->vm_mm->priv)->writer, vma,
			    &vma_seq_ref(vma)->seq);
}

static void rcu_fault_destroy_mm(struct mm_struct *mm)
{
	vma_seq_writer_free(&((struct rcu_fault_mm *)mm->priv)->writer);
}

const struct scheme_ops rcu_fault_ops = {
	.api_version	= SCHEME_API_VERSION,
	.abi		= SCHEME_ABI,
	.name		= "rcu-fault",
	.summary	= "whole fault under RCU: only the PTE lock, VMA seqcount validated under it",
	.mm_priv_size	= sizeof(struct rcu_fault_mm),
	.vma_priv_size	= sizeof(struct vma_seq_ref),
	.fault		= rcu_fault,
	.write_lock	= mmap_write_lock,
	.write_unlock	= rcu_fault_write_unlock,
	.write_downgrade = rcu_fault_write_downgrade,
	.vma_write	= rcu_fault_vma_write,
	.vma_free	= vma_seq_free_rcu,
	.destroy_mm	= rcu_fault_destroy_mm,
	.init_vma	= vma_seq_ref_init,
};
