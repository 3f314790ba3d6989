/*
 * Atomics on modeled words, named like <linux/atomic.h>.  A word lives on
 * a cacheline (several words may share one, as count and owner of an
 * rw_semaphore do); every operation charges the line access.  Stores and
 * unconditional RMWs (xadd, xchg, lock or) apply the value first and then
 * wait for the line, loads wait and then read (see cacheline.h for why
 * that is linearizable).  CMPXCHG is the exception: its outcome depends
 * on the value it finds, so it is decided when the line is ours (below).
 *
 * Memory ordering is sequentially consistent in the model: the simulated
 * machine executes one access at a time, so _acquire/_release variants are
 * the plain operations plus the cost of nothing extra, as on x86.  The
 * exhaustive check can add x86-TSO's store buffer (perturb.h, tso), where
 * atomic_long_set() may become visible after the task's later loads
 * unless an smp_mb() or a locked RMW comes between.
 */
#ifndef MMLOCKSIM_ATOMIC_H
#define MMLOCKSIM_ATOMIC_H

#include <stdbool.h>

#include "sim/core/cacheline.h"
#include "sim/core/compiler.h"
#include "sim/core/counters.h"
#include "sim/core/perturb.h"

/* The check's schedule point before a store's value lands (cacheline.h). */
static inline void store_point(struct cacheline *line)
{
	if (unlikely(sim_perturb.enabled))
		line_store_point(line);
}

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
	if (unlikely(sim_perturb.enabled)) {
		line_store_long(v->line, &v->counter, i);
		return;
	}
	v->counter = i;
	line_write(v->line);
}

static inline long atomic_long_add_return(long i, atomic_long_t *v)
{
	long r;

	store_point(v->line);
	r = v->counter += i;
	line_rmw(v->line);
	return r;
}

static inline long atomic_long_fetch_add(long i, atomic_long_t *v)
{
	long r;

	store_point(v->line);
	r = v->counter;
	v->counter += i;
	line_rmw(v->line);
	return r;
}

static inline void atomic_long_add(long i, atomic_long_t *v)
{
	store_point(v->line);
	v->counter += i;
	line_rmw(v->line);
}

static inline long atomic_long_fetch_or(long i, atomic_long_t *v)
{
	long r;

	store_point(v->line);
	r = v->counter;
	v->counter |= i;
	line_rmw(v->line);
	return r;
}

static inline long atomic_long_xchg(atomic_long_t *v, long i)
{
	long r;

	store_point(v->line);
	r = v->counter;
	v->counter = i;
	line_rmw(v->line);
	return r;
}

/*
 * Like the kernel's: on failure *old is updated to the current value.
 *
 * LOCK CMPXCHG compares when the line has arrived in this CPU's cache, not
 * when it was asked for: the old value came from an earlier load (or a
 * guess, as in a trylock), and a write by another CPU that reaches the
 * line while this one waits for it makes the compare fail.  The callers'
 * try_cmpxchg loops (down_read_trylock(), refcount_inc_not_zero(),
 * __vma_enter_locked()...) then go round again, each time paying another
 * transfer: the window is one line transfer long, which is what makes a
 * contended CAS loop worse than an XADD.  A failed CMPXCHG still takes
 * the line Exclusive, as on x86.
 */
static inline bool atomic_long_try_cmpxchg(atomic_long_t *v, long *old, long new)
{
	line_rmw(v->line);
	if (v->counter != *old) {
		*old = v->counter;
		count_event("cmpxchg_failed");
		return false;
	}
	v->counter = new;
	return true;
}

#define atomic_long_add_return_acquire	atomic_long_add_return
#define atomic_long_add_return_release	atomic_long_add_return
#define atomic_long_fetch_add_release	atomic_long_fetch_add
#define atomic_long_try_cmpxchg_acquire	atomic_long_try_cmpxchg

/* smp_mb(): a full barrier costs time but touches no line; under the
 * check's TSO store buffer it drains the task's buffered stores. */
static inline void smp_mb(void)
{
	if (unlikely(sim_perturb.tso))
		line_store_drain();
	task_charge(sim_machine->cost.mb);
}

#endif
