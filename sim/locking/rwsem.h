/*
 * struct rw_semaphore, modeled on kernel/locking/rwsem.c (v6.x).
 *
 * What is modeled as the kernel does it: the count word (writer bit,
 * waiters and handoff flags, reader count in the high bits) and the owner
 * word on one cacheline with the wait_lock and the osq; the reader fast
 * path (one RMW plus the reader-owned store); reader lock stealing; the
 * FIFO wait list where a wakeup grants the lock to every queued reader at
 * once (up to MAX_READERS_WAKEUP) and marks the first writer for wakeup;
 * writer optimistic spinning on the owner while it runs (through the osq,
 * an MCS queue, so only one spinner polls the owner), time-limited
 * spinning on reader-owned locks and the nonspinnable flag; the handoff
 * bit after RWSEM_WAIT_TIMEOUT.
 *
 * Simplified: no signals (all sleeps are TASK_UNINTERRUPTIBLE), no RT
 * tasks, and the owner's on_cpu and need_resched() are polled every
 * OWNER_POLL_NS rather than re-read in a tight loop (the owner's line is
 * still re-read on every change).  The osq is osq_lock.c's (spinlock.h):
 * a queued spinner that must reschedule leaves it and sleeps instead.
 */
#ifndef MMLOCKSIM_RWSEM_H
#define MMLOCKSIM_RWSEM_H

#include <stdbool.h>

#include "sim/core/atomic.h"
#include "sim/locking/spinlock.h"

struct rwsem_waiter;

struct rw_semaphore {
	struct cacheline line;		/* count, and unless split: owner, osq, wait_lock, list */
	struct cacheline owner_line;	/* owner, osq, wait_lock, list once split */
	atomic_long_t count;
	atomic_long_t owner;
	struct optimistic_spin_queue osq;
	spinlock_t wait_lock;
	struct rwsem_waiter *wait_head, *wait_tail;
	uint16_t stat_write, stat_read;
};

void init_rwsem(struct rw_semaphore *sem, const char *name);
/*
 * The rwsem's count at the end of one cacheline and owner, osq, wait_lock
 * and wait_list at the start of the next, as mm_struct lays out mmap_lock
 * on purpose (the comment above it in include/linux/mm_types.h: "its two
 * hot fields 'count' and 'owner' sit in 2 different cachelines").  Right
 * after init_rwsem(), before any use.
 */
void rwsem_split_count_owner(struct rw_semaphore *sem, const char *name);
/* The whole rwsem on another object's line (a lock embedded among hot
 * fields); right after init_rwsem(), before any use. */
void rwsem_place_on_line(struct rw_semaphore *sem, struct cacheline *line);

void down_read(struct rw_semaphore *sem);
bool down_read_trylock(struct rw_semaphore *sem);
void up_read(struct rw_semaphore *sem);
void down_write(struct rw_semaphore *sem);
bool down_write_trylock(struct rw_semaphore *sem);
void up_write(struct rw_semaphore *sem);
void downgrade_write(struct rw_semaphore *sem);

bool rwsem_is_locked(struct rw_semaphore *sem);
bool rwsem_is_write_locked(struct rw_semaphore *sem);
int rwsem_nr_readers(struct rw_semaphore *sem);

#endif
