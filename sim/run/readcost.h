/*
 * Read-side cost of the sync primitives as rcuscale (kernel/rcu/rcuscale.c,
 * the "reader" loop of its lock_stat-like scale tests) measures it: one
 * task per CPU, each taking and dropping the read side back to back; the
 * figure is the mean ns per lock+unlock pair.  perfbook's published
 * rcuscale figures are held against it by `mmlocksim validate`.
 */
#ifndef MMLOCKSIM_READCOST_H
#define MMLOCKSIM_READCOST_H

#include <stdint.h>

#include "sim/core/machine.h"

enum read_side {
	READ_SIDE_RWLOCK,	/* read_lock() / read_unlock() of a qrwlock */
	READ_SIDE_RWSEM,	/* down_read() / up_read() */
	READ_SIDE_SRCU,		/* srcu_read_lock() / srcu_read_unlock() */
	READ_SIDE_RCU,		/* rcu_read_lock() / rcu_read_unlock() */
};

/* Mean ns per read lock+unlock with `ncpus` CPUs on one lock; the run's
 * event count in *events if asked. */
double read_side_cost(const struct machine *m, enum read_side kind, int ncpus, int iters,
		      uint64_t seed, uint64_t *events);

static inline double rwsem_read_cost(const struct machine *m, int ncpus, int iters,
				     uint64_t seed, uint64_t *events)
{
	return read_side_cost(m, READ_SIDE_RWSEM, ncpus, iters, seed, events);
}

static inline double srcu_read_cost(const struct machine *m, int ncpus, int iters, uint64_t seed)
{
	return read_side_cost(m, READ_SIDE_SRCU, ncpus, iters, seed, NULL);
}

#endif
