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

#endif
