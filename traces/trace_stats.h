/*
 * `mmlocksim stats TRACE`: what is in a trace.
 */
#ifndef MMLOCKSIM_TRACE_STATS_H
#define MMLOCKSIM_TRACE_STATS_H

#include <stdio.h>

/*
 * Print ops by kind, per thread and per mm, duration and address-space
 * footprint (peak mapped bytes per mm and in total, distinct 4 KiB pages
 * faulted) of any trace trace_open_any() accepts.  0 ok; -1 with one
 * line in err naming the file and the problem (the caller exits 2).
 */
int trace_stats(const char *path, FILE *out, char *err, size_t errlen);

#endif
