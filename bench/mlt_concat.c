/*
 * mlt_concat IN.mlt N OUT.mlt: the trace played N times in a row by the
 * same process -- every copy shifted by the trace's duration plus 1 ms,
 * FORK records kept only in the first copy and EXIT records only in the
 * last -- to show that replay memory follows live state, not trace length.
 */
#include <stdio.h>
#include <stdlib.h>

#include "traces/mlt.h"

int main(int argc, char **argv)
{
	struct mlt_writer *w;
	struct mlt_file *f;
	struct mlt_record r;
	uint64_t span, i;
	char err[512];
	int copies, k;

	if (argc != 4 || (copies = atoi(argv[2])) < 1) {
		fprintf(stderr, "usage: mlt_concat IN.mlt N OUT.mlt\n");
		return 2;
	}
	f = mlt_open(argv[1], err, sizeof(err));
	if (!f) {
		fprintf(stderr, "%s\n", err);
		return 2;
	}
	mlt_get(f, f->nrecords - 1, &r);
	span = r.time_ns + 1000000;
	w = mlt_writer_open(argv[3], err, sizeof(err));
	if (!w) {
		fprintf(stderr, "%s\n", err);
		return 2;
	}
	for (k = 0; k < copies; k++) {
		for (i = 0; i < f->nrecords; i++) {
			mlt_get(f, i, &r);
			if ((r.op == MLT_FORK && k > 0) || (r.op == MLT_EXIT && k < copies - 1))
				continue;
			r.time_ns += (uint64_t)k * span;
			if (mlt_writer_add(w, &r)) {
				mlt_writer_abort(w);
				return 1;
			}
		}
	}
	if (mlt_writer_close(w, f->threads, f->nthreads, f->mm_ids, f->nmms, f->source,
			     err, sizeof(err))) {
		fprintf(stderr, "%s\n", err);
		return 1;
	}
	mlt_close(f);
	return 0;
}
