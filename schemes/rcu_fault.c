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

struct rcu_fault_vma {
	seqcount_t seq;			/* on vma->lock_line */
	refcount_t refs;		/* the tree's + sleeping faults'; same line */
};

static struct rcu_fault_vma *rv(const struct vm_area_struct *vma)
{
	return vma->priv;
}

static bool rcu_fault_unchanged(struct vm_fault *vmf)
{
	return !read_seqcount_retry(&rv(vmf->vma)->seq, (unsigned int)vmf->seq);
}

/* Before sleeping on I/O: pin the VMA, leave RCU. */
static void rcu_fault_leave_rcu(struct vm_fault *vmf)
{
	if (refcount_inc_not_zero(&rv(vmf->vma)->refs))
		vmf->scheme_data = vmf->vma;
	rcu_read_unlock();
}

static void rcu_fault_put(struct vm_area_struct *vma)
{
	if (refcount_dec_and_test(&rv(vma)->refs))
		vm_area_free(vma);	/* detached and past its grace period */
}

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
	seq = raw_read_seqcount(&rv(vma)->seq);
	if (seq & 1)
		goto abort;
	vmf_init(&vmf, vma, address, flags, rcu_fault_leave_rcu);
	if (address < vmf.vm_start || address >= vmf.vm_end)
		goto abort;
	if (read_seqcount_retry(&rv(vma)->seq, seq))
		goto abort;
	vmf.seq = seq;
	vmf.validate = rcu_fault_unchanged;
	fault = handle_mm_fault(&vmf);
	if (vmf.aborted) {
		rcu_read_unlock();
		goto aborted;
	}
	if (fault & VM_FAULT_RETRY) {
		/* Slept on I/O outside RCU, holding a reference: go round again. */
		if (pinned)
			rcu_fault_put(pinned);
		pinned = vmf.scheme_data;
		flags |= FAULT_FLAG_TRIED;
		count_event("RCU_FAULT_IO");
		if (++tries < mm_params.max_fault_retries)
			goto again;
		goto fallback;
	}
	rcu_read_unlock();
	if (pinned)
		rcu_fault_put(pinned);
	if (fault & VM_FAULT_SIGSEGV)
		goto fallback;	/* let the classic path decide */
	count_event("RCU_FAULT_SUCCESS");
	return fault;
abort:
	rcu_read_unlock();
aborted:
	count_event("RCU_FAULT_ABORT");
	if (pinned)
		rcu_fault_put(pinned);
fallback:
	count_event("fault_fallback_mmap_lock");
	return do_fault_mmap_lock(mm, address, flags);
}

static void rcu_fault_write_unlock(struct mm_struct *mm)
{
	vma_seq_write_end_all(&((struct rcu_fault_mm *)mm->priv)->writer);
	mmap_write_unlock(mm);
}

static void rcu_fault_vma_write(struct vm_area_struct *vma)
{
	vma_seq_write_begin(&((struct rcu_fault_mm *)vma->vm_mm->priv)->writer, vma,
			    &rv(vma)->seq);
}

/* After the grace period, drop the tree's reference (no task: no cost). */
static void rcu_fault_free_cb(struct rcu_head *head)
{
	struct vm_area_struct *vma = vma_from_rcu_head(head);

	if (--rv(vma)->refs.refs.counter == 0)
		vm_area_free(vma);
}

static void rcu_fault_vma_free(struct vm_area_struct *vma)
{
	vma->state = VMA_FREE_PENDING;
	call_rcu(&vma->rcu, rcu_fault_free_cb);
}

static void rcu_fault_destroy_mm(struct mm_struct *mm)
{
	vma_seq_writer_free(&((struct rcu_fault_mm *)mm->priv)->writer);
}

static void rcu_fault_init_vma(struct vm_area_struct *vma)
{
	seqcount_init(&rv(vma)->seq, &vma->lock_line);
	refcount_init(&rv(vma)->refs, &vma->lock_line, 1);
}

const struct scheme_ops rcu_fault_ops = {
	.api_version	= SCHEME_API_VERSION,
	.name		= "rcu-fault",
	.summary	= "whole fault under RCU: only the PTE lock, VMA seqcount validated under it",
	.mm_priv_size	= sizeof(struct rcu_fault_mm),
	.vma_priv_size	= sizeof(struct rcu_fault_vma),
	.fault		= rcu_fault,
	.write_lock	= mmap_write_lock,
	.write_unlock	= rcu_fault_write_unlock,
	.vma_write	= rcu_fault_vma_write,
	.vma_free	= rcu_fault_vma_free,
	.destroy_mm	= rcu_fault_destroy_mm,
	.init_vma	= rcu_fault_init_vma,
};
