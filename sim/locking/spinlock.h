/*
 * Spinlocks.
 *
 * spinlock_t models the kernel's queued spinlock (kernel/locking/qspinlock.c):
 * an uncontended cmpxchg on the lock word; the first contender sets the
 * pending bit and spins on the lock word itself (no MCS node), and takes
 * the lock with one store when the owner releases it; further contenders
 * queue an MCS node each and spin on their own node's line, and only the
 * queue head spins on the lock word, waiting for both the owner and the
 * pending waiter to go.  A queued handoff is one store to the lock word plus
 * one to the next waiter's node, so cost per handoff stays flat with CPUs.
 * Simplified: the lock word is three fields (locked, pending, tail) and
 * each kernel access to it is one line access; no paravirt; MCS nodes for
 * MCS_NESTING levels per CPU.  osq_lock_init() makes the same lock without
 * the pending step, for the rwsem's optimistic spin queue (osq_lock() is a
 * plain MCS queue).
 *
 * ticket_spinlock_t is the pre-4.2 x86 ticket lock, kept for validation
 * against Boyd-Wickizer et al.: every waiter spins on the one lock line, so
 * each release invalidates all of them and the next owner's re-read queues
 * behind the others'.
 */
#ifndef MMLOCKSIM_SPINLOCK_H
#define MMLOCKSIM_SPINLOCK_H

#include <stdbool.h>

#include "sim/core/cacheline.h"

struct mcs_node;

typedef struct spinlock {
	struct cacheline *line;		/* where the lock word lives */
	struct cacheline own_line;	/* used when not embedded in another line */
	int locked;			/* the lock word: locked byte, */
	int pending;			/* pending byte (_Q_PENDING_BITS == 8), */
	struct mcs_node *tail;		/* and tail */
	bool no_pending;		/* osq_lock_init(): queue at once */
	uint16_t stat;
} spinlock_t;

typedef struct ticket_spinlock {
	struct cacheline line;
	unsigned int next;		/* next ticket to hand out */
	unsigned int owner;		/* ticket now served */
	uint16_t stat;
} ticket_spinlock_t;

/* Allocate per-CPU MCS nodes for the machine in use. */
void spinlock_setup(int ncpus);
void spinlock_teardown(void);

/* line == NULL: the lock has a line of its own, of class `name`. */
void spin_lock_init(spinlock_t *lock, const char *name, struct cacheline *line);
/* The same queue without the pending step: the rwsem's osq. */
void osq_lock_init(spinlock_t *lock, const char *name, struct cacheline *line);
void spin_lock(spinlock_t *lock);
bool spin_trylock(spinlock_t *lock);
void spin_unlock(spinlock_t *lock);
bool spin_is_locked(const spinlock_t *lock);

void ticket_spin_lock_init(ticket_spinlock_t *lock, const char *name);
void ticket_spin_lock(ticket_spinlock_t *lock);
void ticket_spin_unlock(ticket_spinlock_t *lock);

#endif
