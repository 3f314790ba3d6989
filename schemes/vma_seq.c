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
		w->open = realloc(w->open, (size_t)w->cap * sizeof(*w->open));
		w->seqs = realloc(w->seqs, (size_t)w->cap * sizeof(*w->seqs));
		if (!w->open || !w->seqs) {
			fprintf(stderr, "mmlocksim: out of memory\n");
			exit(1);
		}
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
