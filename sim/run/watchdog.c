/*
 * The progress watchdog (see watchdog.h): a tick per simulated ms, a
 * snapshot of every task's CPU time whenever an op has completed since the
 * last tick, and a judgment once a whole window has passed without one.
 */
#include "sim/run/watchdog.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/core/cacheline.h"
#include "sim/core/violation.h"
#include "sim/locking/lockstat.h"
#include "sim/core/task.h"

#define MAX_GROUPS	16
#define IDS_SHOWN	8

static struct {
	sim_time_t window;
	const char *fired;
	uint64_t progress, seen;
	sim_time_t last_progress;	/* when the last op completed */
	sim_time_t watch_from;		/* the window under watch starts here */
	sim_time_t *snap;		/* each task's CPU time at the last tick */
	int nsnap, cap;
	int in_ops;			/* tasks inside an op */
	bool armed;			/* a tick is queued */
	bool started;
} wd;

static volatile sig_atomic_t wd_signal;

/* Time on its CPU, spinning or running, up to now. */
static sim_time_t cpu_time(const struct task *t)
{
	sim_time_t ns = t->run_ns + t->spin_ns;

	if (t->state == TASK_RUNNING || t->state == TASK_SPINNING)
		ns += sim_now() - t->state_since;
	return ns;
}

static void snapshot(void)
{
	int i, n = sched_nr_tasks();

	if (n > wd.cap) {
		sim_time_t *s = realloc(wd.snap, (size_t)n * sizeof(*s));

		if (!s) {
			fprintf(stderr, "mmlocksim: out of memory\n");
			exit(1);
		}
		wd.snap = s;
		wd.cap = n;
	}
	for (i = 0; i < n; i++)
		wd.snap[i] = cpu_time(sched_task(i));
	wd.nsnap = n;
}

/* In an op all through the window under watch (no op completed in it). */
static bool stuck(const struct task *t)
{
	return t->in_op && t->op_since <= wd.watch_from;
}

/*
 * On its CPU now or in the last tick: still spinning or retrying.  (Over
 * the whole window, a task that worked a while and then went to sleep for
 * good would count; it is deadlocked, not livelocked.)
 */
static bool busy(const struct task *t)
{
	return t->state == TASK_RUNNING || t->state == TASK_SPINNING ||
	       t->state == TASK_RUNNABLE || t->id >= wd.nsnap || cpu_time(t) > wd.snap[t->id];
}

struct group {
	char what[160];		/* "spin on mmap_lock holding rwsem_osq" */
	int ids[IDS_SHOWN], n;
	sim_time_t since;	/* the earliest op start among them */
};

static void describe(const struct task *t, char *buf, size_t len)
{
	size_t off;
	int i;

	switch (t->state) {
	case TASK_SPINNING:
		off = (size_t)snprintf(buf, len, "spin on %s", t->spin_line ?
				       line_class_at(t->spin_line->klass)->name : "a line");
		break;
	case TASK_RUNNING:
		off = (size_t)snprintf(buf, len, "run");
		break;
	case TASK_RUNNABLE:
		off = (size_t)snprintf(buf, len, "wait for the CPU");
		break;
	default:
		off = (size_t)snprintf(buf, len, "sleep");
		break;
	}
	for (i = 0; i < t->nr_held && i < 2 && off < len; i++)
		off += (size_t)snprintf(buf + off, len - off, "%s%s", i ? "," : " holding ",
					lock_stat_at(t->held[i].stat)->name);
	if (t->nr_held + t->nr_untracked > 2 && off < len)
		snprintf(buf + off, len - off, ",+%d", t->nr_held + t->nr_untracked - 2);
}

/* The stuck tasks, grouped by what they do, into the violation's detail. */
static void report(const char *kind)
{
	static struct group g[MAX_GROUPS];
	char detail[512], what[160];
	int i, j, ng = 0, n = sched_nr_tasks(), other = 0, pass;
	size_t off;

	/* The tasks on a CPU first (what the livelock is), the sleepers after. */
	for (pass = 0; pass < 2; pass++) {
		for (i = 0; i < n; i++) {
			const struct task *t = sched_task(i);

			if (!t->in_op || (t->state == TASK_SLEEPING) != pass)
				continue;
			describe(t, what, sizeof(what));
			for (j = 0; j < ng && strcmp(g[j].what, what); j++)
				;
			if (j == ng) {
				if (ng == MAX_GROUPS) {
					other++;
					continue;
				}
				snprintf(g[ng].what, sizeof(g[ng].what), "%s", what);
				g[ng].n = 0;
				g[ng].since = t->op_since;
				ng++;
			}
			if (g[j].n < IDS_SHOWN)
				g[j].ids[g[j].n] = t->id;
			g[j].n++;
			if (t->op_since < g[j].since)
				g[j].since = t->op_since;
		}
	}
	off = (size_t)snprintf(detail, sizeof(detail), "no op completed since %.3f ms (%.0f ms):",
			       (double)wd.last_progress / 1e6,
			       (double)(sim_now() - wd.last_progress) / 1e6);
	for (i = 0; i < ng && off < sizeof(detail); i++) {
		off += (size_t)snprintf(detail + off, sizeof(detail) - off, "%s task%s",
					i ? ";" : "", g[i].n > 1 ? "s" : "");
		for (j = 0; j < g[i].n && j < IDS_SHOWN && off < sizeof(detail); j++)
			off += (size_t)snprintf(detail + off, sizeof(detail) - off, "%s%d",
						j ? "," : " ", g[i].ids[j]);
		if (g[i].n > IDS_SHOWN && off < sizeof(detail))
			off += (size_t)snprintf(detail + off, sizeof(detail) - off, ",+%d",
						g[i].n - IDS_SHOWN);
		if (off < sizeof(detail))
			off += (size_t)snprintf(detail + off, sizeof(detail) - off,
						" %s (in op since %.3f ms)", g[i].what,
						(double)g[i].since / 1e6);
	}
	if (other && off < sizeof(detail))
		snprintf(detail + off, sizeof(detail) - off, "; %d more", other);
	report_violation(kind, 0, "%s", detail);
	wd.fired = kind;
}

/*
 * A whole window without progress: livelock if a task stuck in its op is
 * still on a CPU (or waits for one that another task never gives up),
 * deadlock if all of them sleep (and not on a timer), else keep watching.
 */
static bool judge(void)
{
	int i, n = sched_nr_tasks(), nstuck = 0, nbusy = 0, asleep = 0;

	for (i = 0; i < n; i++) {
		const struct task *t = sched_task(i);

		if (!stuck(t))
			continue;
		nstuck++;
		if (busy(t))
			nbusy++;
		else if (t->state == TASK_SLEEPING && t->timer_fired)
			asleep++;
	}
	if (nbusy) {
		report("livelock");
		return true;
	}
	if (nstuck && asleep == nstuck) {
		report("deadlock");
		return true;
	}
	wd.watch_from = sim_now();
	return false;
}

static void tick_event(void *obj, uint64_t arg)
{
	(void)obj;
	(void)arg;
	sim_engine.events_run--;	/* not one of the model's */
	if (wd_signal) {
		engine_stop();
		return;
	}
	if (wd.progress != wd.seen) {
		wd.seen = wd.progress;
		wd.watch_from = sim_now();
	} else if (sim_now() - wd.watch_from >= wd.window && judge()) {
		engine_stop();
		return;
	}
	snapshot();
	/*
	 * Only while a task is inside an op (nothing to judge otherwise: a
	 * quiet stretch of think time schedules no ticks, and the scheduler
	 * can take its time-slice rounds in one step), and while something
	 * else is pending (the running event not counted).
	 */
	wd.armed = wd.in_ops > 0 && engine_nr_queued();
	if (wd.armed)
		event_after(WATCHDOG_TICK_NS, tick_event, NULL, 0);
}

void watchdog_start(sim_time_t window)
{
	wd.window = window ? window : WATCHDOG_WINDOW_NS;
	wd.fired = NULL;
	wd.progress = wd.seen = 0;
	wd.last_progress = wd.watch_from = sim_now();
	wd.in_ops = 0;
	wd.started = true;
	snapshot();
	wd.armed = true;
	event_after(WATCHDOG_TICK_NS, tick_event, NULL, 0);
}

void watchdog_stop(void)
{
	wd.started = false;
	wd.armed = false;
}

const char *watchdog_fired(void)
{
	return wd.fired;
}

void watchdog_op_begin(void)
{
	current->in_op = true;
	current->op_since = sim_now();
	wd.in_ops++;
	if (wd.started && !wd.armed) {
		/* back from a quiet stretch: watch again from here */
		wd.armed = true;
		wd.watch_from = sim_now();
		snapshot();
		event_after(WATCHDOG_TICK_NS, tick_event, NULL, 0);
	}
}

void watchdog_op_end(void)
{
	current->in_op = false;
	wd.in_ops--;
	wd.progress++;
	wd.last_progress = sim_now();
}

void watchdog_interrupt(int sig)
{
	wd_signal = sig;
}

int watchdog_interrupted(void)
{
	return wd_signal;
}

void watchdog_interrupt_clear(void)
{
	wd_signal = 0;
}
