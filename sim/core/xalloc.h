/*
 * Allocation for the simulator's own state.  Running out of host memory is
 * not bad input and cannot be recovered from mid-run: one line, exit 1.
 */
#ifndef MMLOCKSIM_XALLOC_H
#define MMLOCKSIM_XALLOC_H

#include <stdio.h>
#include <stdlib.h>

static inline void *xzalloc(size_t size)
{
	void *p = calloc(1, size ? size : 1);

	if (!p) {
		fprintf(stderr, "mmlocksim: out of memory\n");
		exit(1);
	}
	return p;
}

static inline void *xrealloc(void *old, size_t size)
{
	void *p = realloc(old, size ? size : 1);

	if (!p) {
		fprintf(stderr, "mmlocksim: out of memory\n");
		exit(1);
	}
	return p;
}

#endif
