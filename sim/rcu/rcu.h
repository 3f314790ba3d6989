/*
 * RCU and SRCU.
 *
 * RCU (kernel/rcu/tree.c, non-preemptible flavour, as on a server kernel):
 * rcu_read_lock() costs nothing but a nesting count.  A grace period starts
 * when a callback or synchronize_rcu() needs one and no GP is running (after
 * the GP kthread's wakeup); every CPU must then report a quiescent state.
 * The scheduling-clock tick does that for a CPU that is idle, in user mode,
 * or has context-switched since the GP began; a CPU in kernel code or in a
 * read-side critical section at its tick reports at a later tick.  The GP
 * ends at the tick when the last CPU reports.  Callbacks queued while a GP
 * runs wait for the next one, and all callbacks a GP covers are invoked
 * together at its end (the segmented callback list's batching).
 * Grace-period work takes CPU time (cpu_steal_time()): the GP kthread's
 * wakeup and switch back, at each GP's start and end, on the CPU that
 * asked for it; the callbacks in RCU_SOFTIRQ on the CPU that queued them,
 * one softirq entry per batch and, per callback, its call and a cache miss
 * on its rcu_head (milliseconds old by then: in the LLC at best).
 * Simplified: ticks are aligned across CPUs, there is no expedited GP.
 *
 * SRCU (kernel/rcu/srcutree.c): srcu_read_lock() reads the current index,
 * increments this CPU's lock count for it and issues a full barrier;
 * unlock mirrors it on the unlock count.  Read cost is per-CPU, hence flat
 * in the number of CPUs.  A grace period (on the requesting CPU, as the
 * srcu workqueue item) scans the inactive index until every CPU's locks
 * equal its unlocks (reading each CPU's counter line, so the scan's cost
 * and its cacheline traffic are modeled), flips the index, and scans the
 * old one; a scan that finds readers retries after 5 us
 * (SRCU_RETRY_CHECK_DELAY) for the try count of its phase (1, then 2) and
 * then re-queues itself one tick later (SRCU_INTERVAL).  Each step of the
 * state machine is a workqueue item: a kworker switched in and out on the
 * GP's CPU, running the scan; the callbacks are invoked by another work
 * item on each CPU that queued some (srcu_invoke_callbacks()), a kworker
 * switch there too.  That scheduling is what Laurent Dufour's SPF v11
 * dropped SRCU for (a 20% cost, as Kemi Wang measured).
 * Simplified: one srcu_node (no funnel tree), no auto-expediting.
 */
#ifndef MMLOCKSIM_RCU_H
#define MMLOCKSIM_RCU_H

#include <stdint.h>

#include "sim/core/cacheline.h"

struct rcu_head {
	struct rcu_head *next;
	void (*func)(struct rcu_head *head);	/* non-NULL while queued */
	uint64_t gp_needed;
	int cpu;				/* that queued it, which invokes it */
};

/* Grace-period bookkeeping shared by RCU and SRCU. */
struct gp_state {
	uint64_t completed;
	int in_progress;
	int start_pending;
	sim_time_t started;
	struct rcu_head *cbs_head, *cbs_tail;
	uint64_t nr_gps;
	sim_time_t gp_ns_total;
	sim_time_t gp_ns_max;
};

void rcu_setup(int ncpus);
void rcu_teardown(void);
void rcu_read_lock(void);
void rcu_read_unlock(void);
void synchronize_rcu(void);
void call_rcu(struct rcu_head *head, void (*func)(struct rcu_head *head));
const struct gp_state *rcu_gp_state(void);

struct srcu_data;

struct srcu_struct {
	struct cacheline idx_line;
	unsigned long srcu_idx;
	struct srcu_data *sda;
	int ncpus;
	int state;
	int gp_cpu;
	int tries_left;
	sim_time_t step_started;	/* of the running work item */
	struct gp_state gp;
};

void init_srcu_struct(struct srcu_struct *ssp, const char *name);
void cleanup_srcu_struct(struct srcu_struct *ssp);
int srcu_read_lock(struct srcu_struct *ssp);
void srcu_read_unlock(struct srcu_struct *ssp, int idx);
void synchronize_srcu(struct srcu_struct *ssp);
void call_srcu(struct srcu_struct *ssp, struct rcu_head *head,
	       void (*func)(struct rcu_head *head));

#endif
