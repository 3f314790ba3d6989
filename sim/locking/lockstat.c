#include "sim/locking/lockstat.h"

#include <stdio.h>
#include <string.h>

#include "lib/xalloc.h"
#include "sim/core/cacheline.h"
#include "sim/core/compiler.h"
#include "sim/core/misuse.h"
#include "sim/core/namecache.h"
#include "sim/core/task.h"
#include "sim/core/timeline.h"

static struct lock_stat stats[MAX_LOCK_STATS] = { { .name = "other" } };
static int nr_stats = 1;
static struct name_cache stat_ids, read_stat_ids;

static uint16_t lock_stat_lookup(const char *name)
{
	int i;

	for (i = 0; i < nr_stats; i++)
		if (stats[i].name == name || !strcmp(stats[i].name, name))
			return (uint16_t)i;
	if (nr_stats == MAX_LOCK_STATS)
		return 0;
	stats[nr_stats].name = name;
	stats[nr_stats].line_class = line_class_get(name);
	return (uint16_t)nr_stats++;
}

uint16_t lock_stat_get(const char *name)
{
	int id = name_cache_get(&stat_ids, name);

	if (id < 0) {
		id = lock_stat_lookup(name);
		name_cache_put(&stat_ids, name, id);
	}
	return (uint16_t)id;
}

int lock_stat_count(void)
{
	return nr_stats;
}

const struct lock_stat *lock_stat_at(int i)
{
	return &stats[i];
}

void lock_stat_set_line_class(uint16_t stat, const char *line_class)
{
	stats[stat].line_class = line_class_get(line_class);
}

void lock_stats_reset(void)
{
	int i;

	for (i = 0; i < nr_stats; i++) {
		stats[i].acquisitions = stats[i].contended = 0;
		stats[i].wait_ns = stats[i].hold_ns = 0;
	}
}

/* "NAME/read", kept for the run's lifetime (a class keeps its name's pointer). */
static uint16_t lock_stat_lookup_read(const char *name)
{
	static char *names[MAX_LOCK_STATS];
	static int nr;
	char buf[96];
	int i;

	snprintf(buf, sizeof(buf), "%s/read", name);
	for (i = 0; i < nr; i++)
		if (!strcmp(names[i], buf))
			return lock_stat_get(names[i]);
	if (nr == MAX_LOCK_STATS)
		return lock_stat_get("rwsem/read");
	names[nr] = xstrdup(buf);
	return lock_stat_get(names[nr++]);
}

uint16_t lock_stat_get_read(const char *name)
{
	int id = name_cache_get(&read_stat_ids, name);

	if (id < 0) {
		id = lock_stat_lookup_read(name);
		name_cache_put(&read_stat_ids, name, id);
	}
	return (uint16_t)id;
}

void lock_contended(uint16_t stat)
{
	stats[stat].contended++;
}

/* Apart, so that the name's buffer is no part of every acquisition's frame. */
static __noinline void timeline_lock_wait(const struct lock_stat *s, sim_time_t asked)
{
	char name[80];

	snprintf(name, sizeof(name), "wait %s", s->name);
	timeline_span(TL_TASK, current->id, "lock", name, asked, sim_now());
}

void lock_waited(uint16_t stat, sim_time_t asked)
{
	struct lock_stat *s = &stats[stat];
	sim_time_t waited = sim_now() - asked;

	s->acquisitions++;
	s->wait_ns += waited;
	if (timeline_on && waited > sim_machine->cost.latency[DIST_REMOTE])
		timeline_lock_wait(s, asked);
}

void lock_acquired(const void *lock, uint16_t stat, sim_time_t asked)
{
	struct task *t = current;

	lock_waited(stat, asked);
	if (t->nr_held == TASK_MAX_HELD) {
		t->nr_untracked++;
		return;
	}
	t->held[t->nr_held].lock = lock;
	t->held[t->nr_held].since = sim_now();
	t->held[t->nr_held].stat = stat;
	t->nr_held++;
}

bool lock_released(const void *lock, const char *what)
{
	struct task *t = current;
	int i, n = t->nr_held;

	for (i = n - 1; i >= 0; i--) {
		if (t->held[i].lock != lock)
			continue;
		stats[t->held[i].stat].hold_ns += sim_now() - t->held[i].since;
		if (i != n - 1)		/* released out of order */
			memmove(&t->held[i], &t->held[i + 1],
				(size_t)(n - i - 1) * sizeof(t->held[0]));
		t->nr_held--;
		return true;
	}
	if (t->nr_untracked) {
		t->nr_untracked--;	/* taken when the table was full: trust it */
		return true;
	}
	report_misuse("bad-unlock", lock, "%s of a lock task %d does not hold "
		      "(unlock without lock, or double unlock)", what, t->id);
	return false;
}

void lock_downgraded(const void *lock, uint16_t read_stat)
{
	struct task *t = current;
	int i;

	for (i = t->nr_held - 1; i >= 0; i--) {
		if (t->held[i].lock != lock)
			continue;
		stats[t->held[i].stat].hold_ns += sim_now() - t->held[i].since;
		t->held[i].since = sim_now();
		t->held[i].stat = read_stat;
		stats[read_stat].acquisitions++;
		return;
	}
}

void lock_blocked_on(const void *lock, uint16_t stat)
{
	current->blocked_on = lock;
	current->blocked_stat = stat;
}

void lock_unblocked(void)
{
	current->blocked_on = NULL;
}

void lock_describe_wait(const struct task *t, char *buf, size_t len)
{
	static const char *const states[] = {
		[TASK_NEW] = "not started", [TASK_RUNNING] = "running",
		[TASK_SPINNING] = "spinning", [TASK_RUNNABLE] = "runnable",
		[TASK_SLEEPING] = "asleep", [TASK_DEAD] = "ended",
	};
	size_t n;
	int i, k;

	n = (size_t)snprintf(buf, len, "%s", states[t->state]);
	if (!t->blocked_on) {
		if (t->state == TASK_SLEEPING && n < len)
			snprintf(buf + n, len - n, " on no lock");
		return;
	}
	n += (size_t)snprintf(buf + n, n < len ? len - n : 0, " on %s",
			      stats[t->blocked_stat].name);
	/* Its holders, from their held-lock tables (rwsem readers: several). */
	for (i = 0, k = 0; i < sched_nr_tasks() && n < len; i++) {
		const struct task *h = sched_task(i);
		int j;

		for (j = 0; j < h->nr_held; j++)
			if (h->held[j].lock == t->blocked_on)
				break;
		if (j == h->nr_held)
			continue;
		n += (size_t)snprintf(buf + n, len - n, "%s%d", k++ ? "," : " held by task ",
				      h->id);
	}
	if (!k && n < len)
		snprintf(buf + n, len - n, " held by no tracked task");
}

static void lockstat_task_exit(struct task *t)
{
	int i, n = t->nr_held;

	for (i = 0; i < n; i++)
		report_misuse("lock-leak", t->held[i].lock, "task %d ended holding a %s lock",
			      t->id, stats[t->held[i].stat].name);
	if (t->rcu_read_depth)
		report_misuse("lock-leak", t, "task %d ended inside an RCU read-side critical section", t->id);
	if (t->srcu_read_depth)
		report_misuse("lock-leak", t, "task %d ended inside an SRCU read-side critical section", t->id);
}

/* __might_sleep(): sleeping where the kernel may not. */
static void lockstat_task_sleeps(struct task *t)
{
	if (t->rcu_read_depth)
		report_misuse("sleep-in-rcu", t, "task %d sleeps inside an RCU read-side critical section", t->id);
	if (t->atomic_depth)
		report_misuse("sleep-in-atomic", t, "task %d sleeps holding a spinlock", t->id);
}

void lockstat_setup(void)
{
	task_exit_hook = lockstat_task_exit;
	task_sleep_hook = lockstat_task_sleeps;
}
