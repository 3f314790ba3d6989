/*
 * Micro-workloads on the sync primitives, shared by the validation tests
 * and bench/: each sets up a simulation, runs it and returns a measured
 * figure.  Nothing in here knows the reference value it will be held to.
 */
#ifndef MMLOCKSIM_TESTS_WORKLOADS_H
#define MMLOCKSIM_TESTS_WORKLOADS_H

#include <stdint.h>

#include "analysis/result.h"
#include "sim/core/machine.h"
#include "sim/run/readcost.h"

/* A counter of a run's result by name (0 if absent). */
uint64_t result_counter(const struct run_result *r, const char *name);
/* An op's or a lock class's result by name (NULL if absent). */
const struct op_result *result_op(const struct run_result *r, const char *name);
const struct lock_result *result_lock(const struct run_result *r, const char *name);

/* rwsem_read_cost(), srcu_read_cost(): sim/run/readcost.h */

enum spin_kind { SPIN_TICKET, SPIN_QUEUED };
/*
 * Acquisitions per second of one lock, one task per CPU, each looping:
 * lock, write a shared data line and work cs_ns, unlock, work think_ns.
 */
double spin_throughput(const struct machine *m, enum spin_kind kind, int ncpus,
		       sim_time_t cs_ns, sim_time_t think_ns, sim_time_t duration,
		       uint64_t seed);

struct mm1_result {
	double mean_wait_ns;	/* from spin_lock()/down() call to acquisition */
	double mean_hold_ns;
	double arrival_rate;	/* per ns, measured */
	uint64_t customers;
};
/* Finite-source queue at a spinlock: `sources` tasks, exponential think
 * and hold times with the given means. */
void mm1_spinlock(const struct machine *m, int sources, double think_mean_ns,
		  double hold_mean_ns, uint64_t customers, uint64_t seed,
		  struct mm1_result *res);
/* The same sources in front of a counting semaphore of `servers` units,
 * where waiters sleep (M/M/c). */
void mmc_semaphore(const struct machine *m, int servers, int sources, double think_mean_ns,
		   double hold_mean_ns, uint64_t customers, uint64_t seed,
		   struct mm1_result *res);

#endif
