#include "sim/rcu/rcu.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/xalloc.h"
#include "sim/core/atomic.h"
#include "sim/core/counters.h"
#include "sim/core/misuse.h"
#include "sim/core/timeline.h"

#define SRCU_RETRY_CHECK_DELAY	5000	/* ns, udelay() between scans */

enum { SRCU_STATE_IDLE, SRCU_STATE_SCAN1, SRCU_STATE_SCAN2, SRCU_STATE_END };

/* ---- shared grace-period bookkeeping --------------------------------- */

/* A request now needs a GP that starts after now. */
static uint64_t gp_needed(const struct gp_state *gp)
{
	return gp->completed + (gp->in_progress ? 2 : 1);
}

static void gp_enqueue(struct gp_state *gp, struct rcu_head *head,
		       void (*func)(struct rcu_head *))
{
	/*
	 * debug_rcu_head_queue() (CONFIG_DEBUG_OBJECTS_RCU_HEAD): a head still
	 * queued -- an object freed twice -- would close the list into a cycle
	 * that gp_end() walks forever; reported and left queued once.
	 */
	if (head->func) {
		report_misuse("rcu-double-queue", head, "call_rcu of a callback already "
			      "queued (an object freed twice)");
		return;
	}
	head->func = func;
	head->gp_needed = gp_needed(gp);
	head->cpu = current ? current->cpu : 0;
	head->next = NULL;
	if (gp->cbs_tail)
		gp->cbs_tail->next = head;
	else
		gp->cbs_head = head;
	gp->cbs_tail = head;
}

static void gp_begin(struct gp_state *gp)
{
	gp->in_progress = 1;
	gp->start_pending = 0;
	gp->started = sim_now();
}

/* A callback's own cost: its call, and a miss on its rcu_head's line. */
static sim_time_t rcu_cb_cost(void)
{
	return sim_machine->cost.call + sim_machine->cost.latency[DIST_LLC];
}

/*
 * The CPUs that invoke a GP's callbacks pay for them: `entry` once per CPU
 * with callbacks (a softirq entry, or a kworker switched in and out), and
 * rcu_cb_cost() per callback.
 */
static void charge_callbacks(const int *per_cpu, int ncpus, sim_time_t entry, int srcu)
{
	sim_time_t total = 0;
	int cpu;

	for (cpu = 0; cpu < ncpus; cpu++) {
		sim_time_t ns;

		if (!per_cpu[cpu])
			continue;
		ns = entry + (sim_time_t)per_cpu[cpu] * rcu_cb_cost();
		cpu_steal_time(cpu, ns);
		total += ns;
	}
	if (srcu)
		counter_add(counter_id("srcu_callback_ns"), total);
	else
		counter_add(counter_id("rcu_softirq_ns"), total);
}

/* End the GP and run every callback it covers; true if more are waiting. */
static int gp_end(struct gp_state *gp, int srcu)
{
	sim_time_t len = sim_now() - gp->started, entry;
	int per_cpu[MAX_CPUS] = { 0 }, ncpus = sched_nr_cpus();

	timeline_span(TL_RCU, srcu, "gp", srcu ? "SRCU grace period" : "RCU grace period",
		      gp->started, sim_now());
	gp->completed++;
	gp->in_progress = 0;
	gp->nr_gps++;
	gp->gp_ns_total += len;
	if (len > gp->gp_ns_max)
		gp->gp_ns_max = len;
	while (gp->cbs_head && gp->cbs_head->gp_needed <= gp->completed) {
		struct rcu_head *head = gp->cbs_head;
		void (*func)(struct rcu_head *head) = head->func;

		gp->cbs_head = head->next;
		if (!gp->cbs_head)
			gp->cbs_tail = NULL;
		head->func = NULL;	/* debug_rcu_head_unqueue(): may be queued again */
		if (head->cpu >= 0 && head->cpu < ncpus)
			per_cpu[head->cpu]++;
		func(head);
	}
	/* RCU_SOFTIRQ, or srcu_invoke_callbacks() in a kworker */
	entry = srcu ? 2 * sim_machine->cost.ctxsw : sim_machine->cost.syscall_entry;
	charge_callbacks(per_cpu, ncpus, entry, srcu);
	return gp->cbs_head != NULL;
}

/* synchronize_*(): a callback that wakes the caller. */
struct rcu_synchronize {
	struct rcu_head head;
	struct task *task;
	int done;
};

static void wakeme_after_gp(struct rcu_head *head)
{
	struct rcu_synchronize *rs = (struct rcu_synchronize *)head;

	rs->done = 1;
	task_wake(rs->task);
}

static void wait_for_gp(struct rcu_synchronize *rs)
{
	for (;;) {
		task_prepare_sleep();
		if (rs->done)
			break;
		task_schedule();
	}
}

/* ---- RCU ------------------------------------------------------------- */

static struct {
	struct gp_state gp;
	int ncpus;
	uint64_t *switches;	/* per-CPU context switches at GP start */
	unsigned char *reported;
	int nr_pending;
	int gp_cpu;		/* where the GP kthread runs */
} rcu;

void rcu_setup(int ncpus)
{
	rcu_teardown();
	rcu.ncpus = ncpus;
	rcu.switches = xcalloc((size_t)ncpus, sizeof(*rcu.switches));
	rcu.reported = xcalloc((size_t)ncpus, 1);
}

void rcu_teardown(void)
{
	free(rcu.switches);
	free(rcu.reported);
	memset(&rcu, 0, sizeof(rcu));
}

const struct gp_state *rcu_gp_state(void)
{
	return &rcu.gp;
}

void rcu_read_lock(void)
{
	current->rcu_read_depth++;
}

void rcu_read_unlock(void)
{
	if (!current->rcu_read_depth) {
		report_misuse("bad-unlock", current, "rcu_read_unlock outside an RCU read-side critical section");
		return;
	}
	current->rcu_read_depth--;
}

static sim_time_t next_tick(void)
{
	sim_time_t tick = sim_machine->cost.tick;

	return (sim_now() / tick + 1) * tick;
}

static void rcu_gp_tick(void *obj, uint64_t arg);
static void rcu_gp_start(void *obj, uint64_t arg);

/* rcu_gp_kthread() woken, run, switched away: on the CPU that asked. */
static void rcu_gp_kthread_runs(void)
{
	sim_time_t ns = 2 * sim_machine->cost.ctxsw;

	cpu_steal_time(rcu.gp_cpu, ns);
	counter_add(counter_id("rcu_gp_kthread_ns"), ns);
}

static void rcu_gp_kick(void)
{
	if (rcu.gp.in_progress || rcu.gp.start_pending)
		return;
	rcu.gp.start_pending = 1;
	rcu.gp_cpu = current ? current->cpu : 0;
	event_after(sim_machine->cost.wakeup, rcu_gp_start, NULL, 0);
}

static void rcu_gp_start(void *obj, uint64_t arg)
{
	int cpu;

	(void)obj; (void)arg;
	rcu_gp_kthread_runs();
	gp_begin(&rcu.gp);
	for (cpu = 0; cpu < rcu.ncpus; cpu++) {
		rcu.switches[cpu] = sched_cpu_switches(cpu);
		rcu.reported[cpu] = 0;
	}
	rcu.nr_pending = rcu.ncpus;
	event_at(next_tick(), rcu_gp_tick, NULL, 0);
}

static int cpu_quiescent(int cpu)
{
	struct task *t = sched_cpu_curr(cpu);

	if (sched_cpu_switches(cpu) != rcu.switches[cpu])
		return 1;
	return !t || (!t->rcu_read_depth && !t->in_kernel);
}

static void rcu_gp_tick(void *obj, uint64_t arg)
{
	int cpu;

	(void)obj; (void)arg;
	for (cpu = 0; cpu < rcu.ncpus; cpu++) {
		if (!rcu.reported[cpu] && cpu_quiescent(cpu)) {
			rcu.reported[cpu] = 1;
			rcu.nr_pending--;
		}
	}
	if (rcu.nr_pending) {
		event_at(next_tick(), rcu_gp_tick, NULL, 0);
		return;
	}
	count_event("rcu_gp");
	rcu_gp_kthread_runs();
	if (gp_end(&rcu.gp, 0))
		rcu_gp_kick();
}

void call_rcu(struct rcu_head *head, void (*func)(struct rcu_head *head))
{
	gp_enqueue(&rcu.gp, head, func);
	rcu_gp_kick();
}

void synchronize_rcu(void)
{
	struct rcu_synchronize rs = { .task = current };

	if (current->rcu_read_depth)
		report_misuse("sleep-in-rcu", current, "synchronize_rcu inside an RCU read-side critical section");
	call_rcu(&rs.head, wakeme_after_gp);
	wait_for_gp(&rs);
}

/* ---- SRCU ------------------------------------------------------------ */

struct srcu_data {
	struct cacheline line;
	unsigned long lock_count[2];
	unsigned long unlock_count[2];
};

void init_srcu_struct(struct srcu_struct *ssp, const char *name)
{
	int cpu;

	memset(ssp, 0, sizeof(*ssp));
	line_init(&ssp->idx_line, name);
	ssp->ncpus = sched_nr_cpus();
	ssp->sda = xcalloc((size_t)ssp->ncpus, sizeof(*ssp->sda));

	for (cpu = 0; cpu < ssp->ncpus; cpu++)
		line_init(&ssp->sda[cpu].line, "srcu_data");
}

void cleanup_srcu_struct(struct srcu_struct *ssp)
{
	free(ssp->sda);
	ssp->sda = NULL;
}

int srcu_read_lock(struct srcu_struct *ssp)
{
	struct srcu_data *sdp = &ssp->sda[current->cpu];
	int idx;

	task_charge(sim_machine->cost.call);
	line_read(&ssp->idx_line);
	idx = (int)(ssp->srcu_idx & 1);
	sdp->lock_count[idx]++;		/* this_cpu_inc() */
	line_write(&sdp->line);
	smp_mb();
	current->srcu_read_depth++;
	return idx;
}

void srcu_read_unlock(struct srcu_struct *ssp, int idx)
{
	struct srcu_data *sdp = &ssp->sda[current->cpu];

	if (!current->srcu_read_depth) {
		report_misuse("bad-unlock", ssp, "srcu_read_unlock outside an SRCU read-side critical section");
		return;
	}
	task_charge(sim_machine->cost.call);
	smp_mb();
	sdp->unlock_count[idx]++;
	line_write(&sdp->line);
	current->srcu_read_depth--;
}

/*
 * srcu_readers_active_idx_check(): sum the unlocks, barrier, sum the locks.
 * Each per-CPU line is read from the GP's CPU; *t advances by the waits.
 */
static int srcu_readers_drained(struct srcu_struct *ssp, int idx, sim_time_t *t)
{
	unsigned long locks = 0, unlocks = 0;
	int cpu;

	for (cpu = 0; cpu < ssp->ncpus; cpu++) {
		*t += line_read_by(&ssp->sda[cpu].line, ssp->gp_cpu, *t) + 1;
		unlocks += ssp->sda[cpu].unlock_count[idx];
	}
	*t += sim_machine->cost.mb;
	for (cpu = 0; cpu < ssp->ncpus; cpu++) {
		*t += line_read_by(&ssp->sda[cpu].line, ssp->gp_cpu, *t) + 1;
		locks += ssp->sda[cpu].lock_count[idx];
	}
	return locks == unlocks;
}

static void process_srcu(void *obj, uint64_t arg);

/*
 * A step of the GP is a work item: a kworker switched in on the GP's CPU
 * and out again; its scans (already in *t) are that CPU's time too, paid
 * when the step ends (srcu_step_done()).
 */
static void srcu_kworker_runs(struct srcu_struct *ssp, sim_time_t *t)
{
	*t += 2 * sim_machine->cost.ctxsw;
	ssp->step_started = sim_now();
}

static void srcu_step_done(struct srcu_struct *ssp, sim_time_t t)
{
	sim_time_t ns = t > ssp->step_started ? t - ssp->step_started : 0;

	cpu_steal_time(ssp->gp_cpu, ns);
	counter_add(counter_id("srcu_kworker_ns"), ns);
}

static void srcu_gp_kick(struct srcu_struct *ssp)
{
	if (ssp->gp.in_progress || ssp->gp.start_pending)
		return;
	ssp->gp.start_pending = 1;
	ssp->gp_cpu = current ? current->cpu : 0;
	event_after(sim_machine->cost.wakeup, process_srcu, ssp, 0);
}

/* srcu_advance_state(): one step of the GP state machine per work item. */
static void process_srcu(void *obj, uint64_t arg)
{
	struct srcu_struct *ssp = obj;
	sim_time_t t = sim_now();
	int idx;

	(void)arg;
	srcu_kworker_runs(ssp, &t);
	switch (ssp->state) {
	case SRCU_STATE_IDLE:
		gp_begin(&ssp->gp);
		ssp->state = SRCU_STATE_SCAN1;
		ssp->tries_left = 1;
		/* fall through */
	case SRCU_STATE_SCAN1:
		idx = (int)(1 ^ (ssp->srcu_idx & 1));
		if (!srcu_readers_drained(ssp, idx, &t))
			break;
		/* srcu_flip(): new readers use the other index from now on. */
		t += sim_machine->cost.mb;
		ssp->srcu_idx++;
		t += line_write_by(&ssp->idx_line, ssp->gp_cpu, t);
		t += sim_machine->cost.mb;
		ssp->state = SRCU_STATE_SCAN2;
		ssp->tries_left = 2;
		/* fall through */
	case SRCU_STATE_SCAN2:
		idx = (int)(1 ^ (ssp->srcu_idx & 1));
		if (!srcu_readers_drained(ssp, idx, &t))
			break;
		/* The scans took time: the GP is over when they are. */
		ssp->state = SRCU_STATE_END;
		srcu_step_done(ssp, t);
		event_at(t, process_srcu, ssp, 0);
		return;
	case SRCU_STATE_END:
		srcu_step_done(ssp, t);
		ssp->state = SRCU_STATE_IDLE;
		count_event("srcu_gp");
		if (gp_end(&ssp->gp, 1))
			srcu_gp_kick(ssp);
		return;
	}
	/* Readers remain: try_check_zero()'s udelay, then srcu_reschedule(). */
	srcu_step_done(ssp, t);
	if (--ssp->tries_left > 0) {
		event_at(t + SRCU_RETRY_CHECK_DELAY, process_srcu, ssp, 0);
	} else {
		ssp->tries_left = ssp->state == SRCU_STATE_SCAN1 ? 1 : 2;
		event_at(t + sim_machine->cost.tick, process_srcu, ssp, 0);
	}
}

void call_srcu(struct srcu_struct *ssp, struct rcu_head *head,
	       void (*func)(struct rcu_head *head))
{
	gp_enqueue(&ssp->gp, head, func);
	srcu_gp_kick(ssp);
}

void synchronize_srcu(struct srcu_struct *ssp)
{
	struct rcu_synchronize rs = { .task = current };

	if (current->srcu_read_depth)
		report_misuse("srcu-deadlock", ssp, "synchronize_srcu inside an SRCU read-side critical section");
	call_srcu(ssp, &rs.head, wakeme_after_gp);
	wait_for_gp(&rs);
}
