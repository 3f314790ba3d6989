/*
 * Lock statistics per lock class (like /proc/lock_stat) and held-lock
 * tracking per task (a small lockdep): every acquire and release of a
 * modeled lock goes through here, so an unlock of a lock the task does not
 * hold, and a lock still held when a task ends, are reported as misuse.
 */
#ifndef MMLOCKSIM_LOCKSTAT_H
#define MMLOCKSIM_LOCKSTAT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sim/core/engine.h"

struct lock_stat {
	const char *name;
	uint64_t acquisitions;
	uint64_t contended;
	sim_time_t wait_ns;
	sim_time_t hold_ns;
	uint16_t line_class;	/* the line class the lock word lives on */
};

#define MAX_LOCK_STATS 64

uint16_t lock_stat_get(const char *name);
/* The class of the read side of a reader-writer lock class: "NAME/read". */
uint16_t lock_stat_get_read(const char *name);
int lock_stat_count(void);
/* The lock word of this class lives on lines of another class. */
void lock_stat_set_line_class(uint16_t stat, const char *line_class);
const struct lock_stat *lock_stat_at(int i);
void lock_stats_reset(void);

/*
 * The fast path found the lock taken and the task goes to the slow path
 * (lockdep's lock_contended(), what /proc/lock_stat counts as
 * contentions), whether or not it then waits long.
 */
void lock_contended(uint16_t stat);
/* The current task got `lock`; `asked` is when it started trying. */
void lock_acquired(const void *lock, uint16_t stat, sim_time_t asked);
/*
 * The statistics half of lock_acquired(), for locks with no owner (a
 * semaphore's up() may come from any task): an acquisition and its wait,
 * no held-lock tracking and so no hold time.
 */
void lock_waited(uint16_t stat, sim_time_t asked);
/* The current task lets go of `lock`; false (and a misuse report) if it
 * does not hold it, in which case the caller must not touch the lock. */
bool lock_released(const void *lock, const char *what);

/*
 * The current task's write hold of `lock` becomes a read hold
 * (downgrade_write(), lockdep's lock_downgrade()): the write class's hold
 * time ends here and the read class's begins.
 */
void lock_downgraded(const void *lock, uint16_t read_stat);

/*
 * The current task's slow path may sleep until it gets `lock`, and is left
 * (the lock taken, or a ww back-off): the kernel's __set_task_blocked_on()
 * and __clear_task_blocked_on() around a mutex's wait loop.  What a run
 * that ends with tasks asleep names for each of them.
 */
void lock_blocked_on(const void *lock, uint16_t stat);
void lock_unblocked(void);
struct task;
/* "asleep on vma_ww_mutex held by task 5" (or "asleep on no lock", "running"...). */
void lock_describe_wait(const struct task *t, char *buf, size_t len);

/* Install the leaked-lock check at task end. */
void lockstat_setup(void);

#endif
