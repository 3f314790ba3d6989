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
 * MCS_NESTING levels per CPU.
 *
 * struct optimistic_spin_queue is kernel/locking/osq_lock.c: the MCS queue,
 * one node per CPU, that a would-be optimistic spinner on a sleeping lock
 * (the rwsem's writers) joins so that only its head spins on the owner.
 * As in the kernel, a queued spinner that must reschedule (need_resched():
 * a task is waiting for its CPU) leaves the queue -- the three-step
 * unqueue of osq_lock() -- and osq_lock() returns false, so its caller
 * sleeps on the lock instead of keeping the CPU.  need_resched() comes
 * with an IPI that wakes the spinner (task.c); no vcpu_is_preempted().
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

/*
 * What spin_lock() and spin_unlock() read comes first, then the line's own
 * fields that a hit reads: 56 bytes together, not three host lines apart.
 */
typedef struct spinlock {
	struct cacheline *line;		/* where the lock word lives */
	int locked;			/* the lock word: locked byte, */
	int pending;			/* pending byte (_Q_PENDING_BITS == 8), */
	struct mcs_node *tail;		/* and tail */
	uint16_t stat;
	struct cacheline own_line;	/* used when not embedded in another line */
} spinlock_t;

struct optimistic_spin_queue {
	struct cacheline *line;		/* where the tail word lives */
	int tail;			/* CPU + 1 of the last node queued; 0: unlocked */
	uint16_t stat;
};

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
/* The tail word lives on `line` (an rwsem's own). */
void osq_lock_init(struct optimistic_spin_queue *lock, const char *name,
		   struct cacheline *line);
/* True: the caller heads the queue; false: it must reschedule, and left it. */
bool osq_lock(struct optimistic_spin_queue *lock);
void osq_unlock(struct optimistic_spin_queue *lock);
void spin_lock(spinlock_t *lock);
bool spin_trylock(spinlock_t *lock);
void spin_unlock(spinlock_t *lock);
bool spin_is_locked(const spinlock_t *lock);

void ticket_spin_lock_init(ticket_spinlock_t *lock, const char *name);
void ticket_spin_lock(ticket_spinlock_t *lock);
void ticket_spin_unlock(ticket_spinlock_t *lock);

#endif
