/*
 * Wound/wait mutexes (kernel/locking/ww_mutex.h, mutex.c); see ww_mutex.h
 * for what is modeled.  The functions are named after the kernel's.
 */
#include "sim/locking/ww_mutex.h"

#include "sim/core/counters.h"
#include "sim/locking/lockstat.h"
#include "sim/core/machine.h"
#include "sim/core/misuse.h"
#include "sim/core/task.h"

struct ww_mutex_waiter {
	struct task *task;
	struct ww_acquire_ctx *ww_ctx;
	struct ww_mutex_waiter *next;
};

void ww_class_init(struct ww_class *ww_class, const char *name, bool is_wait_die)
{
	line_init(&ww_class->line, "ww_class");
	atomic_long_init(&ww_class->stamp, &ww_class->line, 0);
	ww_class->is_wait_die = is_wait_die;
	ww_class->name = name;
}

void ww_mutex_init(struct ww_mutex *lock, struct ww_class *ww_class)
{
	line_init(&lock->line, ww_class->name);
	lock->owner = NULL;
	lock->ctx = NULL;
	spin_lock_init(&lock->wait_lock, "ww_wait_lock", &lock->line);
	lock->wait_head = NULL;
	lock->stat = lock_stat_get(ww_class->name);
}

bool ww_mutex_is_locked(const struct ww_mutex *lock)
{
	return lock->owner != NULL;
}

void ww_acquire_init(struct ww_acquire_ctx *ctx, struct ww_class *ww_class)
{
	ctx->stamp = (unsigned long)atomic_long_add_return(1, &ww_class->stamp);
	ctx->acquired = 0;
	ctx->wounded = false;
	ctx->is_wait_die = ww_class->is_wait_die;
}

void ww_acquire_fini(struct ww_acquire_ctx *ctx)
{
	if (ctx->acquired)
		report_misuse("ww-acquire-fini-held", current,
			      "task %d ends a ww_acquire_ctx holding %u locks", current->id,
			      ctx->acquired);
}

/* __ww_ctx_less(): a is younger (the later stamp) than b. */
static bool __ww_ctx_less(const struct ww_acquire_ctx *a, const struct ww_acquire_ctx *b)
{
	return (long)(a->stamp - b->stamp) > 0;
}

/* __ww_mutex_kill(): back off, but only a context that holds something. */
static int __ww_mutex_kill(struct ww_acquire_ctx *ww_ctx)
{
	if (ww_ctx->acquired > 0) {
		if (ww_ctx->is_wait_die)
			count_event("ww_die");
		else
			count_event("ww_wounded_backoff");
		return -EDEADLK;
	}
	return 0;
}

/* Wait-die: wake a younger waiter that holds locks, so it dies now. */
static bool __ww_mutex_die(struct ww_mutex_waiter *waiter, struct ww_acquire_ctx *ww_ctx)
{
	if (!ww_ctx->is_wait_die)
		return false;
	if (waiter->ww_ctx->acquired > 0 && __ww_ctx_less(waiter->ww_ctx, ww_ctx)) {
		task_wake(waiter->task);
		return true;
	}
	return false;
}

/* Wound-wait: an older ww_ctx wounds a younger holder and wakes it. */
static bool __ww_mutex_wound(struct ww_mutex *lock, struct ww_acquire_ctx *ww_ctx,
			     struct ww_acquire_ctx *hold_ctx)
{
	struct task *owner = lock->owner;

	if (!hold_ctx || !owner)
		return false;
	if (ww_ctx->acquired > 0 && __ww_ctx_less(hold_ctx, ww_ctx)) {
		if (!hold_ctx->wounded)
			count_event("ww_wound");
		hold_ctx->wounded = true;
		if (owner != current)
			task_wake(owner);
		return true;
	}
	return false;
}

/*
 * __ww_mutex_check_waiters(): ww_ctx now holds lock; waiters that must die
 * (wait-die) are woken, or the first older waiter wounds us (wound-wait).
 */
static void __ww_mutex_check_waiters(struct ww_mutex *lock, struct ww_acquire_ctx *ww_ctx)
{
	struct ww_mutex_waiter *cur;

	for (cur = lock->wait_head; cur; cur = cur->next) {
		if (!cur->ww_ctx)
			continue;
		if (__ww_mutex_die(cur, ww_ctx) || __ww_mutex_wound(lock, cur->ww_ctx, ww_ctx))
			break;
	}
}

/* __ww_mutex_check_kill(): in the wait loop, should we back off? */
static int __ww_mutex_check_kill(struct ww_mutex *lock, struct ww_mutex_waiter *waiter,
				 struct ww_acquire_ctx *ctx)
{
	struct ww_acquire_ctx *hold_ctx = lock->ctx;
	struct ww_mutex_waiter *cur;

	if (ctx->acquired == 0)
		return 0;
	if (!ctx->is_wait_die)
		return ctx->wounded ? __ww_mutex_kill(ctx) : 0;
	if (hold_ctx && __ww_ctx_less(ctx, hold_ctx))
		return __ww_mutex_kill(ctx);
	/* A waiter with a context ahead of us is older: die. */
	for (cur = lock->wait_head; cur && cur != waiter; cur = cur->next)
		if (cur->ww_ctx)
			return __ww_mutex_kill(ctx);
	return 0;
}

/*
 * __ww_mutex_add_waiter(): queue in stamp order, oldest first; waiters
 * without a context go last.  Wait-die: dying now beats queueing behind an
 * older context; younger waiters we pass are woken to die.  Wound-wait: a
 * younger holder is wounded.
 */
static int __ww_mutex_add_waiter(struct ww_mutex_waiter *waiter, struct ww_mutex *lock,
				 struct ww_acquire_ctx *ww_ctx)
{
	struct ww_mutex_waiter **pos = &lock->wait_head, *cur;

	if (ww_ctx) {
		/* Find the first waiter with a younger context. */
		for (cur = lock->wait_head; cur; cur = cur->next) {
			if (cur->ww_ctx && __ww_ctx_less(cur->ww_ctx, ww_ctx))
				break;
			pos = &cur->next;
		}
		if (ww_ctx->is_wait_die && pos != &lock->wait_head) {
			/* An older context waits ahead of us. */
			for (cur = lock->wait_head; cur != *pos; cur = cur->next) {
				if (cur->ww_ctx) {
					int ret = __ww_mutex_kill(ww_ctx);

					if (ret)
						return ret;
					break;
				}
			}
		}
		for (cur = *pos; cur; cur = cur->next)
			if (cur->ww_ctx)
				__ww_mutex_die(cur, ww_ctx);
	} else {
		while (*pos)
			pos = &(*pos)->next;
	}
	waiter->next = *pos;
	*pos = waiter;
	line_write(&lock->line);
	if (ww_ctx && !ww_ctx->is_wait_die)
		__ww_mutex_wound(lock, ww_ctx, lock->ctx);
	return 0;
}

static void remove_waiter(struct ww_mutex *lock, struct ww_mutex_waiter *waiter)
{
	struct ww_mutex_waiter **pos;

	for (pos = &lock->wait_head; *pos; pos = &(*pos)->next) {
		if (*pos == waiter) {
			*pos = waiter->next;
			break;
		}
	}
}

/* ww_mutex_lock_acquired(): the lock (already ours) is held under ww_ctx. */
static void ww_mutex_lock_acquired(struct ww_mutex *lock, struct ww_acquire_ctx *ww_ctx)
{
	lock->ctx = ww_ctx;
	if (ww_ctx)
		ww_ctx->acquired++;
}

/* __mutex_trylock(): take a free mutex word with one cmpxchg. */
static bool __mutex_trylock(struct ww_mutex *lock)
{
	line_rmw(&lock->line);
	if (lock->owner)
		return false;
	lock->owner = current;
	return true;
}

static int __ww_mutex_lock(struct ww_mutex *lock, struct ww_acquire_ctx *ww_ctx)
{
	struct ww_mutex_waiter waiter = { .task = current, .ww_ctx = ww_ctx };
	sim_time_t asked = sim_now();
	int ret;

	task_charge(sim_machine->cost.call);
	if (ww_ctx) {
		if (lock->ctx == ww_ctx)
			return -EALREADY;
		/* Holding nothing, no one can wound us: a past wound is paid. */
		if (ww_ctx->acquired == 0)
			ww_ctx->wounded = false;
	}
	if (__mutex_trylock(lock)) {
		ww_mutex_lock_acquired(lock, ww_ctx);
		/* ww_mutex_set_context_fastpath(): waiters may need to die or wound. */
		if (ww_ctx && lock->wait_head) {
			spin_lock(&lock->wait_lock);
			__ww_mutex_check_waiters(lock, ww_ctx);
			spin_unlock(&lock->wait_lock);
		}
		lock_acquired(lock, lock->stat, asked);
		return 0;
	}

	lock_contended(lock->stat);
	spin_lock(&lock->wait_lock);
	/* After waiting for wait_lock, try again; waiters may need to die or wound. */
	if (__mutex_trylock(lock)) {
		if (ww_ctx)
			__ww_mutex_check_waiters(lock, ww_ctx);
		goto acquired;
	}
	if (ww_ctx) {
		ret = __ww_mutex_check_kill(lock, &waiter, ww_ctx);
		if (ret)
			goto err_early;
	}
	ret = __ww_mutex_add_waiter(&waiter, lock, ww_ctx);
	if (ret)
		goto err_early;

	lock_blocked_on(lock, lock->stat);
	task_prepare_sleep();
	for (;;) {
		if (__mutex_trylock(lock))
			break;
		if (ww_ctx) {
			ret = __ww_mutex_check_kill(lock, &waiter, ww_ctx);
			if (ret)
				goto err;
		}
		spin_unlock(&lock->wait_lock);
		task_schedule();
		count_event("ww_sleep");
		task_prepare_sleep();
		spin_lock(&lock->wait_lock);
	}
	/* Wound-wait: we took it ahead of older waiters, who may wound us. */
	if (ww_ctx && !ww_ctx->is_wait_die && lock->wait_head != &waiter)
		__ww_mutex_check_waiters(lock, ww_ctx);
	remove_waiter(lock, &waiter);
	lock_unblocked();
acquired:
	ww_mutex_lock_acquired(lock, ww_ctx);
	spin_unlock(&lock->wait_lock);
	lock_acquired(lock, lock->stat, asked);
	return 0;
err:
	remove_waiter(lock, &waiter);
	lock_unblocked();
	line_write(&lock->line);
err_early:
	spin_unlock(&lock->wait_lock);
	return ret;
}

int ww_mutex_lock(struct ww_mutex *lock, struct ww_acquire_ctx *ctx)
{
	return __ww_mutex_lock(lock, ctx);
}

void ww_mutex_lock_slow(struct ww_mutex *lock, struct ww_acquire_ctx *ctx)
{
	if (ctx->acquired)
		report_misuse("ww-lock-slow-held", current,
			      "task %d: ww_mutex_lock_slow() while holding %u locks of the context",
			      current->id, ctx->acquired);
	(void)__ww_mutex_lock(lock, ctx);
}

void ww_mutex_unlock(struct ww_mutex *lock)
{
	if (!lock_released(lock, "ww_mutex_unlock"))
		return;
	task_charge(sim_machine->cost.call);
	if (lock->ctx) {
		lock->ctx->acquired--;
		lock->ctx = NULL;
	}
	lock->owner = NULL;
	line_rmw(&lock->line);
	/* __mutex_unlock_slowpath(): wake the first waiter. */
	if (lock->wait_head) {
		spin_lock(&lock->wait_lock);
		if (lock->wait_head)
			task_wake(lock->wait_head->task);
		spin_unlock(&lock->wait_lock);
	}
}

