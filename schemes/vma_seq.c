#include "schemes/vma_seq.h"

#include <stdio.h>
#include <stdlib.h>

void vma_seq_write_begin(struct vma_seq_writer *w, struct vm_area_struct *vma, seqcount_t *seq)
{
	line_read(seq->line);
	if (seq->sequence & 1)
		return;		/* already open in this session */
	if (w->n == w->cap) {
		w->cap = w->cap ? w->cap * 2 : 16;
		w->open = xreallocarray(w->open, (size_t)w->cap, sizeof(*w->open));
		w->seqs = xreallocarray(w->seqs, (size_t)w->cap, sizeof(*w->seqs));

	}
	w->open[w->n] = vma;
	w->seqs[w->n++] = seq;
	write_seqcount_begin(seq);
}

void vma_seq_write_end_all(struct vma_seq_writer *w)
{
	int i;

	for (i = 0; i < w->n; i++)
		if (w->open[i]->state == VMA_LIVE)
			write_seqcount_end(w->seqs[i]);
	w->n = 0;
}

void vma_seq_writer_free(struct vma_seq_writer *w)
{
	free(w->open);
	free(w->seqs);
	w->open = NULL;
	w->seqs = NULL;
	w->n = w->cap = 0;
}

void vma_seq_ref_init(struct vm_area_struct *vma)
{
	seqcount_init(&vma_seq_ref(vma)->seq, &vma->lock_line);
	refcount_init(&vma_seq_ref(vma)->refs, &vma->lock_line, 1);
}

bool vma_seq_unchanged(struct vm_fault *vmf)
{
	return !read_seqcount_retry(&vma_seq_ref(vmf->vma)->seq, (unsigned int)vmf->seq);
}

void vma_seq_leave_rcu_for_io(struct vm_fault *vmf)
{
	if (refcount_inc_not_zero(&vma_seq_ref(vmf->vma)->refs))
		vmf->scheme_data = vmf->vma;
	rcu_read_unlock();
}

void vma_seq_put(struct vm_area_struct *vma)
{
	if (refcount_dec_and_test(&vma_seq_ref(vma)->refs))
		vm_area_free(vma);	/* detached and past its grace period */
}

/* After the grace period, drop the tree's reference (no task: no cost). */
static void vma_seq_free_cb(struct rcu_head *head)
{
	struct vm_area_struct *vma = vma_from_rcu_head(head);

	if (--vma_seq_ref(vma)->refs.refs.counter == 0)
		vm_area_free(vma);
}

void vma_seq_free_rcu(struct vm_area_struct *vma)
{
	vma->state = VMA_FREE_PENDING;
	call_rcu(&vma->rcu, vma_seq_free_cb);
}

enum vma_spec vma_seq_fault_try(struct mm_struct *mm, unsigned long address,
				unsigned int *flags, vm_fault_t *ret)
{
	struct vm_area_struct *vma;
	struct vm_fault vmf;
	vm_fault_t fault;
	unsigned int seq;

	rcu_read_lock();
	vma = vma_lookup_rcu(mm, address);
	if (!vma)
		goto busy;
	seq = raw_read_seqcount(&vma_seq_ref(vma)->seq);
	if (seq & 1)
		goto busy;
	vmf_init(&vmf, vma, address, *flags, NULL);
	if (address < vmf.vm_start || address >= vmf.vm_end ||
	    read_seqcount_retry(&vma_seq_ref(vma)->seq, seq))
		goto retry;
	vmf.seq = seq;
	vmf.validate = vma_seq_unchanged;
	vmf.unlock = vma_seq_leave_rcu_for_io;
	fault = handle_mm_fault(&vmf);
	if (vmf.aborted)
		goto retry;
	if (fault & VM_FAULT_RETRY) {
		/* Slept on I/O outside RCU, holding a pin: round again. */
		if (vmf.scheme_data)
			vma_seq_put(vmf.scheme_data);
		*flags |= FAULT_FLAG_TRIED;
		return VMA_SPEC_IO;
	}
	rcu_read_unlock();
	if (fault & VM_FAULT_SIGSEGV)
		return VMA_SPEC_SIGSEGV;
	*ret = fault;
	return VMA_SPEC_DONE;
retry:
	rcu_read_unlock();
	return VMA_SPEC_RETRY;
busy:
	rcu_read_unlock();
	return VMA_SPEC_BUSY;
}
