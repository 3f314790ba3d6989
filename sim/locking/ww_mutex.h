/*
 * Wound/wait mutexes, as in include/linux/ww_mutex.h and
 * kernel/locking/ww_mutex.h: sleeping locks taken in any order under an
 * acquire context whose stamp (a ticket from the class's counter) orders
 * transactions by age; deadlock is avoided by backing the younger one off.
 *
 * Both algorithms of the kernel's classes:
 * - wait-die (DEFINE_WD_CLASS): a younger context that would wait for an
 *   older holder, or behind an older waiter, dies: ww_mutex_lock() returns
 *   -EDEADLK; an older one waits.  A newly queued older waiter wakes the
 *   younger waiters behind it so that they die at once.
 * - wound-wait (DEFINE_WW_CLASS): an older context that would wait for a
 *   younger holder wounds it (and wakes it if it sleeps on another lock);
 *   the wounded context gets -EDEADLK when it next has to wait, and only
 *   if it holds something.  Younger contexts wait for older holders.
 * The caller's side is the kernel's: on -EDEADLK unlock everything taken
 * under the context, ww_mutex_lock_slow() the contended lock (it can wait
 * without dying, since it holds nothing), and take the rest again; the
 * context keeps its stamp, so it only gets older and eventually wins.
 *
 * Modeled: the mutex word, wait_lock and wait list share one line, as in
 * struct mutex; the class's stamp counter is a line of its own (an atomic
 * increment per transaction); waiters are queued in stamp order
 * (__ww_waiter_add()); unlock wakes the first waiter, which competes with
 * any newcomer (no handoff).  Simplified: no optimistic spinning on the
 * owner (mutex_optimistic_spin() with its ww checks), so every wait sleeps.
 */
#ifndef MMLOCKSIM_WW_MUTEX_H
#define MMLOCKSIM_WW_MUTEX_H

#include <stdbool.h>
#include <stdint.h>

#include "sim/core/atomic.h"
#include "sim/core/cacheline.h"
#include "sim/locking/spinlock.h"

#ifndef EDEADLK
#define EDEADLK		35
#endif
#ifndef EALREADY
#define EALREADY	114
#endif

struct task;

struct ww_class {
	struct cacheline line;
	atomic_long_t stamp;
	bool is_wait_die;
	const char *name;
};

struct ww_acquire_ctx {
	unsigned long stamp;
	unsigned int acquired;		/* locks held under this context */
	bool wounded;			/* wound-wait: an older context wants ours */
	bool is_wait_die;
};

struct ww_mutex_waiter;

struct ww_mutex {
	struct cacheline line;		/* owner, wait_lock, wait_list, ctx */
	struct task *owner;
	struct ww_acquire_ctx *ctx;	/* the holder's context, if any */
	spinlock_t wait_lock;
	struct ww_mutex_waiter *wait_head;
	uint16_t stat;
};

void ww_class_init(struct ww_class *ww_class, const char *name, bool is_wait_die);
void ww_mutex_init(struct ww_mutex *lock, struct ww_class *ww_class);

void ww_acquire_init(struct ww_acquire_ctx *ctx, struct ww_class *ww_class);
void ww_acquire_fini(struct ww_acquire_ctx *ctx);

/* 0; -EDEADLK: back off (unlock all, ww_mutex_lock_slow() this one);
 * -EALREADY: ctx already holds it.  A NULL ctx locks it as a plain mutex. */
int ww_mutex_lock(struct ww_mutex *lock, struct ww_acquire_ctx *ctx);
/* After backing off, with nothing held: waits, never dies. */
void ww_mutex_lock_slow(struct ww_mutex *lock, struct ww_acquire_ctx *ctx);
void ww_mutex_unlock(struct ww_mutex *lock);
bool ww_mutex_is_locked(const struct ww_mutex *lock);

#endif
