/*
 * The record of a run's safety violations: every layer reports what it
 * finds here (the mm model a double free, the oracle a stale PTE, the run
 * a deadlock), so that no layer needs the one that judges.  The first
 * VIOLATIONS_MAX_KEPT are kept whole; all are counted, by kind.
 */
#ifndef MMLOCKSIM_VIOLATION_H
#define MMLOCKSIM_VIOLATION_H

#include <stdint.h>

#include "sim/core/engine.h"

struct violation {
	sim_time_t time;
	int task;		/* -1 outside task context */
	const char *kind;	/* a string literal: "stale-pte", "deadlock", ... */
	unsigned long addr;
	char detail[512];
};

#define VIOLATIONS_MAX_KEPT 1000

void violations_reset(void);
void report_violation(const char *kind, unsigned long addr, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* A finding judged later than it happened: report it at its time and task. */
void report_violation_as(sim_time_t time, int task, const char *kind, unsigned long addr,
			 const char *fmt, ...) __attribute__((format(printf, 5, 6)));

uint64_t violations_total(void);
int violations_kept(void);
const struct violation *violation_at(int i);
/* Violations of one kind, for summaries. */
uint64_t violations_of_kind(const char *kind);

#endif
