/*
 * Simulated threads: coroutines with their own stacks, running on
 * simulated CPUs.
 *
 * Code inside a task is straight-line kernel-like code.  When it must let
 * simulated time pass it calls task_delay() (the CPU stays busy), parks on
 * the CPU while spinning (task_spin_park(), the CPU stays busy), or sleeps
 * (task_prepare_sleep() + task_schedule(), the CPU is given to the next
 * runnable task, as schedule() does).  The engine resumes it at the right
 * simulated instant.
 *
 * Simplifications, on purpose:
 * - A task is pinned to one CPU (tasks are spread round-robin); there is no
 *   load balancing.  With no more tasks than CPUs this is what the kernel's
 *   balancer converges to anyway.
 * - Preemption happens only at user-mode work (task_user_work()): time
 *   slices, and wakeup preemption by a task that slept, as on a
 *   PREEMPT_NONE server kernel; kernel code runs until it blocks.
 * - SMT siblings do not slow each other down; they only share caches.
 */
#ifndef MMLOCKSIM_TASK_H
#define MMLOCKSIM_TASK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <gsl/gsl_rng.h>

#include "sim/core/engine.h"

struct cacheline;

enum task_state {
	TASK_NEW,
	TASK_RUNNING,		/* owns its CPU (executing or charging time) */
	TASK_SPINNING,		/* owns its CPU, waiting for a line to change */
	TASK_RUNNABLE,		/* queued behind another task on its CPU */
	TASK_SLEEPING,		/* off CPU until task_wake() */
	TASK_DEAD,
};

/* Locks a task's table tracks at once: lockdep's MAX_LOCK_DEPTH.  More
 * (fork write-locking every VMA) are counted, not tracked. */
#define TASK_MAX_HELD 48

struct held_lock {
	const void *lock;
	sim_time_t since;
	uint16_t stat;
};

struct task {
	void *sp;			/* saved stack pointer while switched out */
	int id;
	int cpu;
	enum task_state state;
	bool wake_pending;		/* woken between prepare_sleep and schedule */
	bool preempt_pending;
	/* What every access, delay and op reads, beside sp: a switch's first line. */
	bool kept_exclusive;		/* kept_line came in Exclusive state */
	bool in_op;			/* for the progress watchdog (watchdog.h): */
	sim_time_t op_since;		/* the op it is in, if any */
	sim_time_t lag_ns;		/* local hit time not yet charged */
	const void *kept_line;		/* the line this task last received ... */
	sim_time_t kept_until;		/* ... and keeps until then */
	sim_time_t store_drain_at;	/* when its posted stores are all done */

	/* Lock-correctness state, read by the checker (see check_hook), and
	 * touched by every lock: next, with the first entries of held[]. */
	int rcu_read_depth;
	int srcu_read_depth;
	int atomic_depth;		/* spinlocks held: sleeping here is a bug */
	int in_kernel;			/* in a syscall or fault: no RCU QS at a tick */
	int nr_held;			/* in held[] */
	int nr_untracked;		/* held beyond TASK_MAX_HELD */
	struct held_lock held[TASK_MAX_HELD];

	void (*fn)(void *arg);
	void *arg;
	const char *name;
	gsl_rng *rng;
	uint64_t park_gen;		/* invalidates stale timeout events */
	uint64_t timer_gen;		/* likewise for task_sleep_ns() */
	uint64_t user_gen;		/* likewise for task_user_work() */
	bool in_user;			/* in preemptible user-mode work */
	bool timer_fired;		/* false while in task_sleep_ns() */
	sim_time_t user_left;		/* queued with this much user work left, or 0 */
	struct cacheline *spin_line;	/* the line it is parked on as a spinner, or NULL */
	bool spin_resched;		/* its spin loop checks need_resched(): IPI it */

	const void *point_line;		/* its next access's check point already taken */

	const void *blocked_on;		/* the sleeping lock it waits for, or NULL */
	uint16_t blocked_stat;		/* ... and its class */

	/* Accounting, in ns of simulated time. */
	sim_time_t state_since;
	sim_time_t run_ns, spin_ns, sleep_ns, queued_ns;
	uint64_t nr_switches, nr_wakeups;

	void *private;			/* the owner's per-task data */
	struct task *rq_next;
	struct task *spin_next;		/* on a cacheline's spinner list */

	/* Stack: [stack_base, stack_base + guard) is PROT_NONE. */
	char *stack_base;
	size_t stack_size;
	void *asan_fake_stack;
};

struct sched_params {
	int ncpus;
	uint64_t seed;
	sim_time_t ctxsw_ns;		/* switch to another task on this CPU */
	sim_time_t wakeup_ns;		/* wake a task whose CPU is idle */
	sim_time_t timeslice_ns;	/* user-mode slice when others wait */
	size_t stack_size;		/* 0: default */
};

extern struct task *current;

/*
 * The slot of the current task (slot 0 outside any task) in a host-side
 * memo of n slots, one per task up to n tasks: the last answer a lookup
 * gave each task, which its next lookups mostly ask again.
 */
static inline unsigned int task_memo_slot(unsigned int n)
{
	return (current ? (unsigned int)current->id : 0) % n;
}

void sched_init(const struct sched_params *params);
void sched_teardown(void);
int sched_nr_cpus(void);
int sched_nr_tasks(void);
struct task *sched_task(int id);
/* The task currently owning a CPU (running or spinning), or NULL. */
struct task *sched_cpu_curr(int cpu);
bool sched_cpu_has_waiters(int cpu);
/* Context switches on `cpu` so far: RCU's quiescent-state evidence. */
uint64_t sched_cpu_switches(int cpu);

/* Create a task on `cpu` (-1: round-robin); it starts at sim time `start`. */
struct task *task_create(const char *name, void (*fn)(void *), void *arg,
			 int cpu, sim_time_t start);

/* In task context only. */
void task_delay(sim_time_t ns);
/*
 * Charge a few ns of purely local work (an L1 hit, an owned atomic) without
 * an event: it accumulates in lag_ns and is paid at the next delay, park or
 * sleep, or once it exceeds TASK_LAG_MAX.  Ordering against other CPUs is
 * thus exact to within TASK_LAG_MAX ns and runs of hits cost no events.
 */
#define TASK_LAG_MAX 32
/* Inline: it is on every modeled access, most of them hits. */
static inline void task_charge(sim_time_t ns)
{
	struct task *t = current;

	t->lag_ns += ns;
	if (t->lag_ns > TASK_LAG_MAX)
		task_delay(0);
}
/*
 * User-mode work; 0 ns is a plain return to user mode, where a task that
 * used up its slice, or that a wakeup marked need_resched, gives up the CPU.
 */
void task_user_work(sim_time_t ns);
void task_spin_park(void);
bool task_spin_park_until(sim_time_t deadline);	/* false on timeout */
void task_prepare_sleep(void);
void task_schedule(void);
/* Sleep off-CPU for ns (an I/O, a timer): woken by an event, not a task. */
void task_sleep_ns(sim_time_t ns);

/*
 * Work that the kernel runs on a CPU outside any task of the run -- a
 * softirq (RCU callbacks), a kworker (SRCU's grace-period work) -- takes
 * `ns` of that CPU's time: the task running there pays it at its next
 * delay, as an interrupted task does; an idle CPU absorbs it.  From event
 * context.
 */
void cpu_steal_time(int cpu, sim_time_t ns);

/* From anywhere (task or event context). */
void task_spin_unpark(struct task *t);
void task_wake(struct task *t);

/* True while t owns its CPU: what rwsem_spin_on_owner() checks (on_cpu). */
static inline bool task_on_cpu(const struct task *t)
{
	return t->state == TASK_RUNNING || t->state == TASK_SPINNING;
}

/*
 * Whole rounds of time slicing between tasks that only run user-mode work
 * are taken in one step (task.c, skip_rounds()).  True by default; tests
 * turn it off to compare with the slice-by-slice schedule.
 */
extern bool sched_skip_rounds;

/*
 * Hooks of the lock checker (lockstat.c): at task end (leaked locks), and
 * when a task inside an RCU read-side section or holding a spinlock goes
 * to sleep (might_sleep()'s splat).  The scheduler reports nothing itself.
 */
extern void (*task_exit_hook)(struct task *t);
extern void (*task_sleep_hook)(struct task *t);

/* Report where the simulated stacks are, for the overflow handler. */
bool task_stack_guard_hit(const void *addr, int *task_id);

#endif
