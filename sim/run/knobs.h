/*
 * The knobs of the kernel model and the replay: -p KEY=VAL that every
 * scheme runs with (file_miss, the rmap locks, what faults share...).
 * One table (knobs.c) gives each its name, type, default, bounds and
 * help, and from it come the defaults of a run, the checking and setting
 * of -p, `mmlocksim list` and the error message naming them all.
 */
#ifndef MMLOCKSIM_KNOBS_H
#define MMLOCKSIM_KNOBS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "sim/mm/mm_types.h"

/* The values of one run: the mm model's, and the replay's own. */
struct run_knobs {
	struct mm_params mm;
	double think_scale;	/* multiplies think times and thread starts */
	int livelock_ms;	/* the progress watchdog's window, simulated ms */
	/* 0: the machine's adjacent-line prefetcher off (the firmware switch) */
	bool adjacent_line_prefetch;
};

/* Every knob at its default (the table's). */
void knobs_defaults(struct run_knobs *k);
/* Is key the name of a knob? */
bool knob_known(const char *key);
/*
 * kv is "KEY=VAL": 0 if KEY is no knob; 1 with the value checked and set
 * in k; -1 with one line in err ("-p KEY=VAL: expected ...").
 */
int knob_set(struct run_knobs *k, const char *kv, char *err, size_t errlen);
/* The kernel model runs with k's values (mm_params), from now on. */
void knobs_apply(const struct run_knobs *k);
/* "file_miss, max_fault_retries, ...": every name, for error messages. */
const char *knob_names(void);
/* One "-p NAME=DEFAULT help (choices)" line per knob. */
void knobs_list(FILE *out);

#endif
