/*
 * A per-VMA sequence count, for the schemes that validate instead of
 * locking (spf-srcu, rcu-fault, busted's look-alike): a writer makes the
 * count odd before it changes or detaches a VMA (vma_write hook) and the
 * mmap_write_unlock() of the session makes every count it opened even
 * again, except for VMAs that were detached (their readers must all fail).
 * Readers snapshot an even count and re-check it under the PTE lock.
 *
 * Dufour's series brackets each modification with vm_write_begin/end; the
 * writes here stay open until the session ends, which is a little more
 * conservative (a few more aborts) and never less safe.
 */
#ifndef MMLOCKSIM_VMA_SEQ_H
#define MMLOCKSIM_VMA_SEQ_H

#include "schemes/scheme.h"

struct vma_seq_writer {
	struct vm_area_struct **open;
	seqcount_t **seqs;
	int n, cap;
};

void vma_seq_write_begin(struct vma_seq_writer *w, struct vm_area_struct *vma, seqcount_t *seq);
void vma_seq_write_end_all(struct vma_seq_writer *w);
void vma_seq_writer_free(struct vma_seq_writer *w);

/*
 * The per-VMA state of the schemes whose faults run under RCU and validate
 * under the PTE lock (rcu-fault, mt-lock, ww-vma): the sequence count and
 * a reference count (the tree's, plus faults that pin the VMA to sleep),
 * both on the VMA's lock line.  It is the first member of the scheme's
 * vma_priv, so the helpers below find it at vma->priv.
 */
struct vma_seq_ref {
	seqcount_t seq;
	refcount_t refs;
};

static inline struct vma_seq_ref *vma_seq_ref(const struct vm_area_struct *vma)
{
	return vma->priv;
}

void vma_seq_ref_init(struct vm_area_struct *vma);		/* init_vma */
bool vma_seq_unchanged(struct vm_fault *vmf);			/* vmf->validate */
void vma_seq_leave_rcu_for_io(struct vm_fault *vmf);		/* vmf->unlock: pin, leave RCU */
void vma_seq_put(struct vm_area_struct *vma);			/* drop a pin */
void vma_seq_free_rcu(struct vm_area_struct *vma);		/* vma_free: the tree's ref after a GP */

/*
 * One speculative attempt, as mt-lock and ww-vma make it: under RCU, look
 * the VMA up, snapshot an even sequence and the fields, fault, validated
 * under the PTE lock.  The caller counts the outcome and decides:
 */
enum vma_spec {
	VMA_SPEC_DONE,		/* *ret is the fault's result */
	VMA_SPEC_RETRY,		/* a writer got in (the sequence moved): try again */
	VMA_SPEC_IO,		/* slept on I/O holding a pin (dropped): go round, TRIED set */
	VMA_SPEC_BUSY,		/* no VMA, or a writer holds it now (odd sequence) */
	VMA_SPEC_SIGSEGV,	/* no VMA allows it: only a locked lookup may say so */
};
enum vma_spec vma_seq_fault_try(struct mm_struct *mm, unsigned long address,
				unsigned int *flags, vm_fault_t *ret);

#endif
