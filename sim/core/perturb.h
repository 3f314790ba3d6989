/*
 * Schedule perturbation for the safety checks: extra delays at line
 * accesses (the points where one CPU's order against another's matters),
 * either at random (a seeded fraction of accesses) or at chosen access
 * numbers (the exhaustive search's preemptions).  Off in normal runs.
 * Set before sim_begin(): whether a line access may skip its point (a
 * hit settled inline) is decided there, once per run.
 */
#ifndef MMLOCKSIM_PERTURB_H
#define MMLOCKSIM_PERTURB_H

#include <stdint.h>

#include "sim/core/engine.h"

#define PERTURB_MAX_CHOICES 4

struct perturb {
	int enabled;
	double random_p;		/* random mode: chance per access */
	sim_time_t random_max;		/* ... of up to this much delay */
	int nchoices;			/* choice mode: delay these access numbers */
	uint64_t choice[PERTURB_MAX_CHOICES];
	sim_time_t choice_delay;
	uint64_t points;		/* accesses seen in this run */
	/*
	 * x86-TSO (check --exhaustive --tso): a chosen point at a store of
	 * atomic_long_set() does not delay the task but leaves the store in
	 * its CPU's store buffer for choice_delay ns; the stores after it
	 * wait behind it, in order, and a locked RMW, smp_mb(), a store
	 * that is not buffered, or a load of the same line drains the buffer
	 * first (cacheline.c).  Off: sequential consistency.
	 */
	int tso;
};

extern struct perturb sim_perturb;

/* The extra delay for the current task's next line access. */
sim_time_t perturb_point(void);

#endif
