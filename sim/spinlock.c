#include "spinlock.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>

#include "lockstat.h"
#include "misuse.h"

struct mcs_node {
	struct cacheline line;
	int locked;
	struct mcs_node *next;
};

/*
 * Like the kernel's per-CPU qnodes[MAX_NODES]: a CPU waiting for one
 * queued lock while already queued on another (the rwsem osq and then a
 * spinlock) uses the next node.
 */
#define MCS_NESTING 4

static struct mcs_node *mcs_nodes;
static int *mcs_nest;

void spinlock_setup(int ncpus)
{
	int i;

	spinlock_teardown();
	mcs_nodes = calloc((size_t)ncpus * MCS_NESTING, sizeof(*mcs_nodes));
	mcs_nest = calloc((size_t)ncpus, sizeof(*mcs_nest));
	if (!mcs_nodes || !mcs_nest) {
		fprintf(stderr, "mmlocksim: out of memory\n");
		exit(1);
	}
	for (i = 0; i < ncpus * MCS_NESTING; i++)
		line_init(&mcs_nodes[i].line, "qspinlock_node");
}

void spinlock_teardown(void)
{
	free(mcs_nodes);
	free(mcs_nest);
	mcs_nodes = NULL;
	mcs_nest = NULL;
}

void spin_lock_init(spinlock_t *lock, const char *name, struct cacheline *line)
{
	if (!line) {
		line_init(&lock->own_line, name);
		line = &lock->own_line;
	}
	lock->line = line;
	lock->locked = 0;
	lock->tail = NULL;
	lock->stat = lock_stat_get(name);
}

bool spin_is_locked(const spinlock_t *lock)
{
	return lock->locked;
}

/* queued_spin_lock_slowpath(), minus the pending bit. */
static void mcs_queue_and_lock(spinlock_t *lock, struct mcs_node *node);

static void queued_spin_lock_slowpath(spinlock_t *lock)
{
	int cpu = current->cpu;

	assert(mcs_nest[cpu] < MCS_NESTING);
	mcs_queue_and_lock(lock, &mcs_nodes[cpu * MCS_NESTING + mcs_nest[cpu]++]);
	mcs_nest[cpu]--;
}

static void mcs_queue_and_lock(spinlock_t *lock, struct mcs_node *node)
{
	struct mcs_node *prev, *next;

	node->locked = 0;
	node->next = NULL;
	line_write(&node->line);

	/* xchg_tail(): publish ourselves as the queue tail. */
	prev = lock->tail;
	lock->tail = node;
	line_rmw(lock->line);

	if (prev) {
		/* WRITE_ONCE(prev->next, node), then spin on our own node. */
		prev->next = node;
		line_write(&prev->line);
		line_read(&node->line);
		while (!node->locked)
			line_spin_wait(&node->line);
	}

	/* Queue head: wait for the owner to go (atomic_cond_read_acquire). */
	line_read(lock->line);
	while (lock->locked)
		line_spin_wait(lock->line);

	/* Last in the queue: take the lock and clear the tail in one cmpxchg. */
	if (lock->tail == node) {
		lock->tail = NULL;
		lock->locked = 1;
		line_rmw(lock->line);
		return;
	}
	/* set_locked(), then hand the head of the queue to our successor. */
	lock->locked = 1;
	line_write(lock->line);
	line_read(&node->line);
	while (!node->next)
		line_spin_wait(&node->line);
	next = node->next;
	next->locked = 1;
	line_write(&next->line);
}

void spin_lock(spinlock_t *lock)
{
	sim_time_t asked = sim_now();

	current->atomic_depth++;	/* preempt_disable() */
	task_charge(sim_machine->cost.call);
	if (!lock->locked && !lock->tail) {
		lock->locked = 1;
		line_rmw(lock->line);
	} else {
		line_rmw(lock->line);	/* the failed fast-path cmpxchg */
		queued_spin_lock_slowpath(lock);
	}
	lock_acquired(lock, lock->stat, asked);
}

bool spin_trylock(spinlock_t *lock)
{
	bool ok = !lock->locked && !lock->tail;

	if (ok)
		lock->locked = 1;
	line_rmw(lock->line);
	if (ok) {
		current->atomic_depth++;
		lock_acquired(lock, lock->stat, sim_now());
	}
	return ok;
}

void spin_unlock(spinlock_t *lock)
{
	if (!lock_released(lock, "spin_unlock"))
		return;
	lock->locked = 0;
	line_write(lock->line);	/* smp_store_release(&lock->locked, 0) */
	current->atomic_depth--;
}

void ticket_spin_lock_init(ticket_spinlock_t *lock, const char *name)
{
	line_init(&lock->line, name);
	lock->next = lock->owner = 0;
	lock->stat = lock_stat_get(name);
}

void ticket_spin_lock(ticket_spinlock_t *lock)
{
	sim_time_t asked = sim_now();
	unsigned int ticket;

	current->atomic_depth++;
	task_charge(sim_machine->cost.call);
	ticket = lock->next++;		/* xadd */
	line_rmw(&lock->line);
	while (lock->owner != ticket)
		line_spin_wait(&lock->line);
	lock_acquired(lock, lock->stat, asked);
}

void ticket_spin_unlock(ticket_spinlock_t *lock)
{
	if (!lock_released(lock, "ticket_spin_unlock"))
		return;
	lock->owner++;
	line_write(&lock->line);
	current->atomic_depth--;
}
