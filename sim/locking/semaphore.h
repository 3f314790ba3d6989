/*
 * Counting semaphores, as in kernel/locking/semaphore.c: a count and a
 * FIFO list of sleepers under a raw spinlock, all on one cacheline.
 * down() takes a unit or sleeps at the tail of the list; up() with
 * sleepers does not raise the count but hands its unit to the first one
 * (waiter->up = true, then wake it), so nobody can barge past a sleeper.
 * A semaphore of count c is therefore c servers in front of one FIFO
 * queue, an M/M/c queue under Poisson arrivals (the validation tests hold
 * it to the Erlang C and finite-source formulas).
 *
 * There is no owner: up() may come from any task, so lock_stat counts a
 * semaphore's acquisitions, contentions and waits but not hold times, and
 * the held-lock checks do not apply.  Simplified: no down_interruptible/
 * killable/timeout (no signals in the model).
 */
#ifndef MMLOCKSIM_SEMAPHORE_H
#define MMLOCKSIM_SEMAPHORE_H

#include <stdint.h>

#include "sim/core/cacheline.h"
#include "sim/locking/spinlock.h"

struct semaphore_waiter;

struct semaphore {
	struct cacheline line;		/* lock, count and wait list */
	spinlock_t lock;		/* raw_spinlock_t in the kernel */
	unsigned int count;
	struct semaphore_waiter *wait_head, *wait_tail;
	uint16_t stat;
};

void sema_init(struct semaphore *sem, unsigned int val, const char *name);
void down(struct semaphore *sem);
/* 0 if it took a unit, 1 if none was free: the kernel's (inverted) sense. */
int down_trylock(struct semaphore *sem);
void up(struct semaphore *sem);

#endif
