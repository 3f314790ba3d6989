/*
 * --timeline OUT.json: a run as Chrome trace-event JSON, which
 * ui.perfetto.dev and chrome://tracing open.  Tracks: one per CPU (what
 * ran there: faults and other ops, lock waits, spinning), one per task
 * (sleeping), and one for RCU/SRCU grace periods.  Times are simulated
 * microseconds.  Off unless opened; a span is one fprintf when on, one
 * branch when off.  Written to a temporary file renamed when complete (a
 * device or FIFO, /dev/null or a pipe, is written in place, sim/outfile.h);
 * at most TIMELINE_MAX_EVENTS spans are kept (the file says if it cut).
 */
#ifndef MMLOCKSIM_TIMELINE_H
#define MMLOCKSIM_TIMELINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sim/core/engine.h"

#define TIMELINE_MAX_EVENTS 2000000

enum timeline_track {
	TL_CPU,		/* id = CPU */
	TL_TASK,	/* id = task */
	TL_RCU,		/* id = 0 RCU, 1 SRCU */
};

extern bool timeline_on;

int timeline_open(const char *path, char *err, size_t errlen);
/* Name the tracks (CPUs and tasks) once they exist. */
void timeline_name(enum timeline_track track, int id, const char *name);
void timeline_span(enum timeline_track track, int id, const char *cat, const char *name,
		   sim_time_t start, sim_time_t end);
/* Finish and rename into place; or throw the file away. */
int timeline_close(char *err, size_t errlen);
void timeline_abort(void);

#endif
