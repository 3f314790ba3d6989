#include "sim/locking/spinlock.h"

#include <assert.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "lib/xalloc.h"
#include "sim/core/counters.h"
#include "sim/locking/lockstat.h"
#include "sim/core/misuse.h"

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

/* osq_lock.c's per-CPU struct optimistic_spin_node. */
struct optimistic_spin_node {
	struct cacheline line;
	struct optimistic_spin_node *next, *prev;
	int locked;
	int cpu;			/* encode_cpu(): CPU + 1 */
};

static struct optimistic_spin_node *osq_nodes;

void spinlock_setup(int ncpus)
{
	int i;

	spinlock_teardown();
	mcs_nodes = xcalloc((size_t)ncpus * MCS_NESTING, sizeof(*mcs_nodes));
	mcs_nest = xcalloc((size_t)ncpus, sizeof(*mcs_nest));
	osq_nodes = xcalloc((size_t)ncpus, sizeof(*osq_nodes));
	for (i = 0; i < ncpus * MCS_NESTING; i++)
		line_init(&mcs_nodes[i].line, "qspinlock_node");
	for (i = 0; i < ncpus; i++)
		line_init(&osq_nodes[i].line, "osq_node");
}

void spinlock_teardown(void)
{
	free(mcs_nodes);
	free(mcs_nest);
	free(osq_nodes);
	mcs_nodes = NULL;
	mcs_nest = NULL;
	osq_nodes = NULL;
}

void spin_lock_init(spinlock_t *lock, const char *name, struct cacheline *line)
{
	if (!line) {
		line_init(&lock->own_line, name);
		line = &lock->own_line;
	}
	lock->line = line;
	lock->locked = 0;
	lock->pending = 0;
	lock->tail = NULL;
	lock->stat = lock_stat_get(name);
}

bool spin_is_locked(const spinlock_t *lock)
{
	return lock->locked;
}

/* The lock word is zero: (tail, pending, locked) == (0, 0, 0), the three
 * tested at once, as the kernel tests its one word. */
static inline bool queued_val_zero(const spinlock_t *lock)
{
	return !((uintptr_t)lock->tail | (unsigned int)lock->locked | (unsigned int)lock->pending);
}

/*
 * The x86 value (arch/x86/include/asm/qspinlock.h): how many times a
 * contender re-reads a lock word caught in the pending->locked handover
 * (0,1,0) before it stops waiting for the handover to finish.
 */
#define _Q_PENDING_LOOPS	(1 << 9)

static void mcs_queue_and_lock(spinlock_t *lock, struct mcs_node *node);

/*
 * queued_spin_lock_slowpath() of kernel/locking/qspinlock.c, entered after
 * the fast-path cmpxchg failed; locked/pending/tail are the lock word it
 * saw.  As in the kernel:
 *  - a word caught in the pending->locked handover (0,1,0) is re-read, at
 *    most _Q_PENDING_LOOPS times, until the handover is done;
 *  - any contention already there (pending or a queue) means queue;
 *  - otherwise the second contender sets PENDING with one locked RMW
 *    (queued_fetch_set_pending_acquire(), "lock bts" on x86), spins on the
 *    lock word until the owner's store-release clears locked, and takes the
 *    lock with one store (clear_pending_set_locked()): no MCS node, no
 *    queue.  If the RMW finds that someone else got there first (pending
 *    or tail set), it undoes its PENDING (clear_pending()) and queues;
 *  - the queue head waits for locked AND pending to clear, so a pending
 *    waiter always goes before the queue.
 * Simplified: the word is three C fields updated together (the kernel's
 * byte/halfword stores and u32 RMWs are one line access each); the
 * _Q_PENDING_LOOPS re-reads are one wait on the line bounded by as many L1
 * hits; no paravirt hooks.
 */
static void queued_spin_lock_slowpath(spinlock_t *lock, int locked, int pending,
				      struct mcs_node *tail)
{
	int cpu = current->cpu;

	/* 0,1,0 -> 0,0,1: wait for an in-progress pending->locked handover. */
	if (!locked && pending && !tail) {
		sim_time_t deadline = sim_now() + current->lag_ns +
				      _Q_PENDING_LOOPS * sim_machine->cost.l1_hit;

		line_read(lock->line);
		while (!lock->locked && lock->pending && !lock->tail &&
		       line_spin_wait_until(lock->line, deadline))
			;
		pending = lock->pending;
		tail = lock->tail;
	}
	/* If we observe any contention; queue. */
	if (pending || tail)
		goto queue;

	/* trylock || pending: 0,0,* -> 0,1,* (queued_fetch_set_pending_acquire) */
	locked = lock->locked;
	pending = lock->pending;
	tail = lock->tail;
	lock->pending = 1;
	line_rmw(lock->line);
	if (pending || tail) {
		/* A concurrent locker got there first: undo PENDING if we set it. */
		if (!pending) {
			lock->pending = 0;
			line_write(lock->line);	/* clear_pending() */
		}
		goto queue;
	}

	/* We're pending, wait for the owner to go away: 0,1,1 -> 0,1,0. */
	if (locked) {
		line_read(lock->line);
		while (lock->locked)
			line_spin_wait(lock->line);
	}
	/* clear_pending_set_locked(): take ownership, 0,1,0 -> 0,0,1. */
	lock->pending = 0;
	lock->locked = 1;
	line_write(lock->line);
	return;

queue:
	assert(mcs_nest[cpu] < MCS_NESTING);
	mcs_queue_and_lock(lock, &mcs_nodes[cpu * MCS_NESTING + mcs_nest[cpu]++]);
	mcs_nest[cpu]--;
}

/*
 * The MCS half of queued_spin_lock_slowpath().  As in the kernel, the new
 * head reads node->next and prefetchw()es the successor's node while it
 * still waits for the owner, and both stores after the wait, set_locked()
 * and arch_mcs_spin_unlock_contended(), are plain stores on x86 that
 * retire into the store buffer: the head goes into its critical section
 * with neither line yet in hand.  So the critical path of a queued handoff
 * is the owner's unlock reaching the head, one transfer, which is what
 * keeps the queued lock's throughput flat as waiters are added.
 */
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

	next = NULL;
	if (prev) {
		/* WRITE_ONCE(prev->next, node), then spin on our own node. */
		prev->next = node;
		line_write(&prev->line);
		line_read(&node->line);
		while (!node->locked)
			line_spin_wait(&node->line);

		/*
		 * "While waiting for the MCS lock, the next pointer may have
		 * been set by another lock waiter": load it and prefetch its
		 * line for writing, off the critical path.
		 */
		line_read(&node->line);
		next = node->next;
		if (next)
			line_write_posted(&next->line);	/* prefetchw(next) */
	}

	/*
	 * Queue head: wait for the owner and any pending waiter to go,
	 * atomic_cond_read_acquire(&lock->val, !(VAL & _Q_LOCKED_PENDING_MASK)).
	 */
	line_read(lock->line);
	while (lock->locked || lock->pending)
		line_spin_wait(lock->line);

	/*
	 * Last in the queue: take the lock and clear the tail in one cmpxchg,
	 * decided when the line is ours; a waiter that queued behind us in
	 * the meantime makes it fail, and we hand over as below.
	 */
	if (lock->tail == node) {
		line_rmw(lock->line);
		if (lock->tail == node && !lock->locked && !lock->pending) {
			lock->tail = NULL;
			lock->locked = 1;
			return;
		}
		count_event("cmpxchg_failed");
	}
	/* set_locked(): a byte store, WRITE_ONCE(lock->locked, _Q_LOCKED_VAL). */
	lock->locked = 1;
	line_write_posted(lock->line);
	/* The successor may still be linking itself in behind us. */
	if (!next) {
		line_read(&node->line);
		while (!node->next)
			line_spin_wait(&node->line);
		next = node->next;
	}
	next->locked = 1;
	line_write_posted(&next->line);	/* arch_mcs_spin_unlock_contended() */
}

void spin_lock(spinlock_t *lock)
{
	sim_time_t asked = sim_now();

	current->atomic_depth++;	/* preempt_disable() */
	task_charge(sim_machine->cost.call);
	/*
	 * atomic_try_cmpxchg_acquire(&lock->val, &val, _Q_LOCKED_VAL), decided
	 * when the line is ours (see atomic_long_try_cmpxchg()); on failure
	 * the slow path starts from the word the cmpxchg found.
	 */
	line_rmw(lock->line);
	if (queued_val_zero(lock)) {
		lock->locked = 1;
	} else {
		count_event("cmpxchg_failed");
		lock_contended(lock->stat);
		queued_spin_lock_slowpath(lock, lock->locked, lock->pending, lock->tail);
	}
	lock_acquired(lock, lock->stat, asked);
}

bool spin_trylock(spinlock_t *lock)
{
	bool ok;

	/* queued_spin_trylock(): a load, then the cmpxchg if the word was 0 */
	line_read(lock->line);
	if (!queued_val_zero(lock))
		return false;
	line_rmw(lock->line);
	ok = queued_val_zero(lock);
	if (ok)
		lock->locked = 1;
	else
		count_event("cmpxchg_failed");
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
	line_write_posted(lock->line);	/* smp_store_release(&lock->locked, 0) */
	current->atomic_depth--;
}

/* ---- the optimistic spin queue (kernel/locking/osq_lock.c) ------------- */

/*
 * cpu_relax() in the unqueue steps, where what we wait for may change on
 * another line than the one we watch: re-look after a PAUSE or two.
 */
#define OSQ_RELAX_NS	100

static bool need_resched(void)
{
	return sched_cpu_has_waiters(current->cpu);
}

void osq_lock_init(struct optimistic_spin_queue *lock, const char *name,
		   struct cacheline *line)
{
	lock->line = line;
	lock->tail = 0;
	lock->stat = lock_stat_get(name);
}

/*
 * Get a stable node->next, for unlock or unqueue: NULL if we were the last
 * queued and moved the tail back to prev (or emptied the queue).
 */
static struct optimistic_spin_node *osq_wait_next(struct optimistic_spin_queue *lock,
						  struct optimistic_spin_node *node,
						  struct optimistic_spin_node *prev)
{
	struct optimistic_spin_node *next;
	int curr = node->cpu, old = prev ? prev->cpu : 0;

	for (;;) {
		line_read(lock->line);
		if (lock->tail == curr) {
			lock->tail = old;	/* atomic_cmpxchg_acquire(&lock->tail, curr, old) */
			line_rmw(lock->line);
			return NULL;
		}
		line_read(&node->line);
		if (node->next) {
			next = node->next;	/* xchg(&node->next, NULL) */
			node->next = NULL;
			line_rmw(&node->line);
			return next;
		}
		line_spin_wait_until(&node->line, sim_now() + OSQ_RELAX_NS);
	}
}

bool osq_lock(struct optimistic_spin_queue *lock)
{
	struct task *t = current;
	struct optimistic_spin_node *node = &osq_nodes[t->cpu], *prev, *next;
	sim_time_t asked = sim_now();
	int old;

	task_charge(sim_machine->cost.call);
	node->locked = 0;
	node->next = NULL;
	node->cpu = t->cpu + 1;
	line_write(&node->line);
	old = lock->tail;		/* atomic_xchg(&lock->tail, curr) */
	lock->tail = node->cpu;
	line_rmw(lock->line);
	if (!old)
		goto locked;
	lock_contended(lock->stat);
	prev = &osq_nodes[old - 1];
	node->prev = prev;
	prev->next = node;		/* WRITE_ONCE(prev->next, node) */
	line_write(&prev->line);

	/* Wait for our turn, or for a reason to give up (see task.c's IPI). */
	t->spin_resched = true;
	line_read(&node->line);
	while (!node->locked && !need_resched())
		line_spin_wait(&node->line);
	t->spin_resched = false;
	if (node->locked)
		goto locked;

	count_event("osq_unqueue");
	/* Step A: undo prev->next = node, unless an unlock got there first. */
	for (;;) {
		line_read(&prev->line);
		if (prev->next == node) {
			prev->next = NULL;	/* cmpxchg(&prev->next, node, NULL) */
			line_rmw(&prev->line);
			break;
		}
		line_read(&node->line);
		if (node->locked)
			goto locked;
		/* A racing unqueue of prev writes us a new node->prev (its step C). */
		line_spin_wait_until(&prev->line, sim_now() + OSQ_RELAX_NS);
		line_read(&node->line);
		prev = node->prev;
	}
	/* Step B: a stable next, or the tail moved back to prev. */
	next = osq_wait_next(lock, node, prev);
	if (next) {
		/* Step C: unlink; prev waits for a new next, next in its step A. */
		next->prev = prev;
		line_write(&next->line);
		prev->next = next;
		line_write(&prev->line);
	}
	return false;

locked:
	t->atomic_depth++;	/* rwsem_optimistic_spin() runs with preemption off */
	lock_acquired(lock, lock->stat, asked);
	return true;
}

void osq_unlock(struct optimistic_spin_queue *lock)
{
	struct optimistic_spin_node *node, *next;
	int curr = current->cpu + 1;

	if (!lock_released(lock, "osq_unlock"))
		return;
	current->atomic_depth--;
	/* The uncontended case: atomic_cmpxchg_release(&lock->tail, curr, 0). */
	if (lock->tail == curr) {
		lock->tail = 0;
		line_rmw(lock->line);
		return;
	}
	line_rmw(lock->line);
	node = &osq_nodes[current->cpu];
	next = node->next;		/* xchg(&node->next, NULL) */
	node->next = NULL;
	line_rmw(&node->line);
	if (!next)
		next = osq_wait_next(lock, node, NULL);
	if (next) {
		next->locked = 1;	/* WRITE_ONCE(next->locked, 1) */
		line_write_posted(&next->line);
	}
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
	if (lock->owner != ticket)
		lock_contended(lock->stat);
	while (lock->owner != ticket)
		line_spin_wait(&lock->line);
	lock_acquired(lock, lock->stat, asked);
}

void ticket_spin_unlock(ticket_spinlock_t *lock)
{
	if (!lock_released(lock, "ticket_spin_unlock"))
		return;
	/* __ticket_spin_unlock(): an unlocked add on head, so a posted store */
	lock->owner++;
	line_write_posted(&lock->line);
	current->atomic_depth--;
}
