/*
 * Atomics on modeled words, named like <linux/atomic.h>.  A word lives on
 * a cacheline (several words may share one, as count and owner of an
 * rw_semaphore do); every operation charges the line access.  Stores and
 * RMWs apply the value first and then wait for the line, loads wait and
 * then read (see cacheline.h for why that is linearizable).
 *
 * Memory ordering is sequentially consistent in the model: the simulated
 * machine executes one access at a time, so _acquire/_release variants are
 * the plain operations plus the cost of nothing extra, as on x86.
 */
#ifndef MMLOCKSIM_ATOMIC_H
#define MMLOCKSIM_ATOMIC_H

#include <stdbool.h>

#include "sim/core/cacheline.h"

typedef struct {
	long counter;
	struct cacheline *line;
} atomic_long_t;

static inline void atomic_long_init(atomic_long_t *v, struct cacheline *line, long i)
{
	v->counter = i;
	v->line = line;
}

static inline long atomic_long_read(atomic_long_t *v)
{
	line_read(v->line);
	return v->counter;
}

static inline void atomic_long_set(atomic_long_t *v, long i)
{
	v->counter = i;
	line_write(v->line);
}

static inline long atomic_long_add_return(long i, atomic_long_t *v)
{
	long r = v->counter += i;

	line_rmw(v->line);
	return r;
}

static inline long atomic_long_fetch_add(long i, atomic_long_t *v)
{
	long r = v->counter;

	v->counter += i;
	line_rmw(v->line);
	return r;
}

static inline void atomic_long_add(long i, atomic_long_t *v)
{
	v->counter += i;
	line_rmw(v->line);
}

static inline long atomic_long_fetch_or(long i, atomic_long_t *v)
{
	long r = v->counter;

	v->counter |= i;
	line_rmw(v->line);
	return r;
}

static inline long atomic_long_xchg(atomic_long_t *v, long i)
{
	long r = v->counter;

	v->counter = i;
	line_rmw(v->line);
	return r;
}

/* Like the kernel's: on failure *old is updated to the current value. */
static inline bool atomic_long_try_cmpxchg(atomic_long_t *v, long *old, long new)
{
	bool ok = v->counter == *old;

	if (ok)
		v->counter = new;
	else
		*old = v->counter;
	line_rmw(v->line);	/* a failed CMPXCHG still takes the line */
	return ok;
}

#define atomic_long_add_return_acquire	atomic_long_add_return
#define atomic_long_add_return_release	atomic_long_add_return
#define atomic_long_fetch_add_release	atomic_long_fetch_add
#define atomic_long_try_cmpxchg_acquire	atomic_long_try_cmpxchg

/* smp_mb(): a full barrier costs time but touches no line. */
static inline void smp_mb(void)
{
	task_charge(sim_machine->cost.mb);
}

#endif
