/*
 * Allocation that cannot fail, and the one fatal() for what cannot be
 * recovered from.  Running out of host memory is not bad input (which gets
 * an error line naming the file and exit status 2): the run cannot go on
 * and there is nothing useful to unwind, so it is one line and exit 1.
 * The bottom layer: every folder may include it, it includes nothing of
 * the project (tools/check-layers).
 */
#ifndef MMLOCKSIM_LIB_XALLOC_H
#define MMLOCKSIM_LIB_XALLOC_H

#include <stddef.h>

/* Prints "mmlocksim: FMT\n" to stderr and exits with status 1. */
__attribute__((noreturn, format(printf, 1, 2)))
void fatal(const char *fmt, ...);

/* A zero size is allocated as one byte, so NULL always means failure. */
void *xmalloc(size_t size);
void *xzalloc(size_t size);
/* Zeroed, at least one element; n * size is checked for overflow. */
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t size);
/* realloc to n * size, checked for overflow; the new part is not zeroed. */
void *xreallocarray(void *p, size_t n, size_t size);
char *xstrdup(const char *s);
/*
 * n zeroed objects of size bytes starting on a 64-byte boundary (a host
 * cacheline), for the simulator's hot structures, whose layouts put what
 * one access reads on one host line: malloc()'s 16-byte alignment would
 * split that line at an offset that changes with every allocation before
 * it.  size should be a multiple of 64 for every object to start on one.
 * Freed with free().
 */
void *xzalloc_lines(size_t n, size_t size);

#endif
