/*
 * spf-srcu: speculative page faults, after Laurent Dufour's series
 * (2017-2019, "Speculative page faults", v11+) and Michel Lespinasse's
 * rework (2021).
 *
 * Models: the fault takes no mmap_lock.  Inside an SRCU read section it
 * looks the VMA up, snapshots the VMA's sequence count (vm_sequence; odd
 * means a writer is at work: abort), copies the VMA's fields into the
 * fault (vmf), re-checks the count, and runs the fault on the copy.
 * Under the PTE lock, before the PTE is set, the count is checked once
 * more (pte_map_lock()'s vma_has_changed()); a mismatch aborts the fault
 * and it is redone under mmap_lock, as do_user_addr_fault() does after a
 * failed speculation.  Writers hold mmap_lock for write and bump the
 * sequence of every VMA they change or detach (vm_write_begin); VMAs are
 * freed through call_srcu(), so a speculating fault never touches freed
 * memory.  Counts SPF_ATTEMPT, SPF_SUCCESS, SPF_ABORT and the fallbacks.
 *
 * -p rcu=rcu swaps SRCU for plain RCU as in Lespinasse's 2021 series:
 * rcu_read_lock() costs nothing and stores nothing, VMAs are freed after an
 * RCU grace period, and a fault that must sleep on I/O leaves the read
 * section and abandons the speculation (SPF_ABORT_IO).
 *
 * Simplified: Dufour's series protected the rbtree walk with an rwlock
 * (mm_rb_lock); the maple tree walk modeled here is RCU-safe and needs
 * none.  A fault that needs I/O does it inside the SRCU section (SRCU
 * readers may sleep) instead of aborting.  The per-VMA write sections
 * stay open until mmap_write_unlock (see schemes/vma_seq.h).
 */
#include "schemes/scheme.h"
#include "schemes/vma_seq.h"

struct spf_mm {
	struct srcu_struct vma_srcu;
	struct vma_seq_writer writer;
	bool use_rcu;			/* -p rcu=rcu: Lespinasse's RCU flavour */
};

struct spf_vma {
	seqcount_t vm_sequence;		/* on vma->lock_line */
};

static struct spf_mm *sm(const struct mm_struct *mm)
{
	return mm->priv;
}

static struct spf_vma *sv(const struct vm_area_struct *vma)
{
	return vma->priv;
}

static bool spf_vma_unchanged(struct vm_fault *vmf)
{
	return !read_seqcount_retry(&sv(vmf->vma)->vm_sequence, (unsigned int)vmf->seq);
}

/* Read side of the speculation: SRCU (Dufour) or plain RCU (Lespinasse). */
static int spf_read_lock(struct spf_mm *p)
{
	if (p->use_rcu) {
		rcu_read_lock();
		return 0;
	}
	return srcu_read_lock(&p->vma_srcu);
}

static void spf_read_unlock(struct spf_mm *p, int idx)
{
	if (p->use_rcu)
		rcu_read_unlock();
	else
		srcu_read_unlock(&p->vma_srcu, idx);
}

/* RCU readers may not sleep: a fault that needs I/O leaves the read
 * section and the speculation is abandoned after the I/O. */
static void spf_rcu_unlock_for_io(struct vm_fault *vmf)
{
	rcu_read_unlock();
	vmf->scheme_data = vmf;		/* "the read section is gone" */
}

static vm_fault_t spf_fault(struct mm_struct *mm, unsigned long address, unsigned int flags)
{
	struct spf_mm *p = sm(mm);
	struct vm_area_struct *vma;
	struct vm_fault vmf;
	vm_fault_t fault;
	unsigned int seq;
	int idx;

	count_event("SPF_ATTEMPT");
	idx = spf_read_lock(p);
	vma = vma_lookup_rcu(mm, address);
	if (!vma)
		goto abort;
	seq = raw_read_seqcount(&sv(vma)->vm_sequence);
	if (seq & 1)
		goto abort;
	if (p->use_rcu)
		vmf_init(&vmf, vma, address, flags | FAULT_FLAG_SPECULATIVE, spf_rcu_unlock_for_io);
	else	/* SRCU readers may sleep: I/O is done inside the section. */
		vmf_init(&vmf, vma, address,
			 (flags & ~FAULT_FLAG_ALLOW_RETRY) | FAULT_FLAG_SPECULATIVE, NULL);
	if (address < vmf.vm_start || address >= vmf.vm_end)
		goto abort;
	if (read_seqcount_retry(&sv(vma)->vm_sequence, seq))
		goto abort;
	vmf.seq = seq;
	vmf.validate = spf_vma_unchanged;
	fault = handle_mm_fault(&vmf);
	if (vmf.scheme_data) {
		/* Left RCU for I/O: the page is cached now, redo it classically. */
		count_event("SPF_ABORT_IO");
		flags |= FAULT_FLAG_TRIED;
		goto fallback;
	}
	spf_read_unlock(p, idx);
	if (vmf.aborted) {
		count_event("SPF_ABORT");
		goto fallback;
	}
	if (fault & VM_FAULT_SIGSEGV)
		goto fallback;	/* let the classic path decide */
	count_event("SPF_SUCCESS");
	return fault;
abort:
	spf_read_unlock(p, idx);
	count_event("SPF_ABORT");
fallback:
	count_event("fault_fallback_mmap_lock");
	return do_fault_mmap_lock_pre_6_5(mm, address, flags);
}

static void spf_write_unlock(struct mm_struct *mm)
{
	vma_seq_write_end_all(&sm(mm)->writer);
	mmap_write_unlock(mm);
}

static void spf_vma_write(struct vm_area_struct *vma)
{
	vma_seq_write_begin(&sm(vma->vm_mm)->writer, vma, &sv(vma)->vm_sequence);
}

static void spf_vma_free(struct vm_area_struct *vma)
{
	if (sm(vma->vm_mm)->use_rcu)
		vm_area_free_rcu(vma);
	else
		vm_area_free_srcu(vma, &sm(vma->vm_mm)->vma_srcu);
}

static void spf_init_mm(struct mm_struct *mm)
{
	init_srcu_struct(&sm(mm)->vma_srcu, "vma_srcu");
	sm(mm)->use_rcu = !strcmp(scheme_param(mm, "rcu"), "rcu");
}

static const struct scheme_param spf_params[] = {
	{ "rcu", "srcu", "srcu: Dufour's SRCU-protected speculation; rcu: Lespinasse's RCU flavour "
	  "(no read-side stores; I/O abandons the speculation)", "srcu|rcu" },
	{ NULL, NULL, NULL, NULL },
};

static void spf_destroy_mm(struct mm_struct *mm)
{
	cleanup_srcu_struct(&sm(mm)->vma_srcu);
	vma_seq_writer_free(&sm(mm)->writer);
}

static void spf_init_vma(struct vm_area_struct *vma)
{
	seqcount_init(&sv(vma)->vm_sequence, &vma->lock_line);
}

const struct scheme_ops spf_srcu_ops = {
	.api_version	= SCHEME_API_VERSION,
	.abi		= SCHEME_ABI,
	.name		= "spf-srcu",
	.summary	= "speculative faults: VMA seqcount validated under the PTE lock, SRCU-freed VMAs",
	.mm_priv_size	= sizeof(struct spf_mm),
	.vma_priv_size	= sizeof(struct spf_vma),
	.params		= spf_params,
	.fault		= spf_fault,
	.write_lock	= mmap_write_lock,
	.write_unlock	= spf_write_unlock,
	.vma_write	= spf_vma_write,
	.vma_free	= spf_vma_free,
	.init_mm	= spf_init_mm,
	.destroy_mm	= spf_destroy_mm,
	.init_vma	= spf_init_vma,
};
