/*
 * Lock misuse (unlock without lock, double unlock, sleeping in an RCU read
 * section or under a spinlock, a lock leaked at task end) is a finding, not
 * a crash: the primitive reports it here with time and task and carries on,
 * the way lockdep prints a splat and lets the kernel continue.  The safety
 * oracle installs misuse_hook to turn reports into violations.
 */
#ifndef MMLOCKSIM_MISUSE_H
#define MMLOCKSIM_MISUSE_H

#include <stdint.h>

#include "sim/core/engine.h"

struct misuse {
	sim_time_t time;
	int task;			/* -1 outside task context */
	const char *kind;		/* e.g. "unlock-without-lock" */
	const void *object;
	char detail[200];
};

typedef void (*misuse_hook_fn)(const struct misuse *m);

extern misuse_hook_fn misuse_hook;
extern uint64_t misuse_count;

void report_misuse(const char *kind, const void *object, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif
