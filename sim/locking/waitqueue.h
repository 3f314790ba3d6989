/*
 * Wait queues, as in <linux/wait.h>: a spinlock-protected list of sleeping
 * tasks; wait_event() re-checks its condition after every wakeup, so a
 * wakeup that races with going to sleep is never lost (task_prepare_sleep()
 * plays set_current_state()).
 */
#ifndef MMLOCKSIM_WAITQUEUE_H
#define MMLOCKSIM_WAITQUEUE_H

#include <stdbool.h>

#include "sim/locking/spinlock.h"

struct wait_queue_entry {
	struct task *task;
	bool exclusive;
	struct wait_queue_entry *next, *prev;
};

struct wait_queue_head {
	spinlock_t lock;
	struct wait_queue_entry *head, *tail;
};

void init_waitqueue_head(struct wait_queue_head *wq, const char *name);
void prepare_to_wait(struct wait_queue_head *wq, struct wait_queue_entry *e, bool exclusive);
void finish_wait(struct wait_queue_head *wq, struct wait_queue_entry *e);
/* Wake every non-exclusive waiter and up to nr_exclusive exclusive ones. */
void __wake_up(struct wait_queue_head *wq, int nr_exclusive);
bool waitqueue_active(const struct wait_queue_head *wq);

#define wake_up(wq)	__wake_up(wq, 1)
#define wake_up_all(wq)	__wake_up(wq, 0)

#define wait_event(wq, condition)					\
	do {								\
		struct wait_queue_entry __wqe = { 0 };				\
		if (condition)						\
			break;						\
		for (;;) {						\
			prepare_to_wait(wq, &__wqe, false);		\
			if (condition)					\
				break;					\
			task_schedule();				\
		}							\
		finish_wait(wq, &__wqe);				\
	} while (0)

#endif
