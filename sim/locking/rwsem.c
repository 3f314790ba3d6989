/*
 * Reads like kernel/locking/rwsem.c, and should: the differences are the
 * ones listed in rwsem.h.  Every access to count and owner goes through the
 * modeled atomics, so its cost is the line's.
 */
#include "sim/locking/rwsem.h"

#include <stdlib.h>
#include <string.h>

#include "lib/xalloc.h"
#include "sim/core/counters.h"
#include "sim/locking/lockstat.h"
#include "sim/core/misuse.h"

#define RWSEM_WRITER_LOCKED	(1UL << 0)
#define RWSEM_FLAG_WAITERS	(1UL << 1)
#define RWSEM_FLAG_HANDOFF	(1UL << 2)
#define RWSEM_FLAG_READFAIL	(1UL << 63)
#define RWSEM_READER_SHIFT	8
#define RWSEM_READER_BIAS	(1UL << RWSEM_READER_SHIFT)
#define RWSEM_READER_MASK	(~(RWSEM_READER_BIAS - 1))
#define RWSEM_WRITER_MASK	RWSEM_WRITER_LOCKED
#define RWSEM_LOCK_MASK		(RWSEM_WRITER_MASK | RWSEM_READER_MASK)
#define RWSEM_READ_FAILED_MASK	(RWSEM_WRITER_MASK | RWSEM_FLAG_WAITERS | \
				 RWSEM_FLAG_HANDOFF | RWSEM_FLAG_READFAIL)

#define RWSEM_READER_OWNED	(1UL << 0)
#define RWSEM_NONSPINNABLE	(1UL << 1)
#define RWSEM_OWNER_FLAGS_MASK	(RWSEM_READER_OWNED | RWSEM_NONSPINNABLE)

#define MAX_READERS_WAKEUP	0x100
#define RWSEM_WAIT_TIMEOUT	4000000ULL	/* DIV_ROUND_UP(HZ, 250) jiffies = 4 ms */
#define OWNER_POLL_NS		1000

enum rwsem_waiter_type { RWSEM_WAITING_FOR_WRITE, RWSEM_WAITING_FOR_READ };
enum rwsem_wake_type { RWSEM_WAKE_ANY, RWSEM_WAKE_READERS, RWSEM_WAKE_READ_OWNED };
enum owner_state {
	OWNER_NULL = 1 << 0,
	OWNER_WRITER = 1 << 1,
	OWNER_READER = 1 << 2,
	OWNER_NONSPINNABLE = 1 << 3,
};
#define OWNER_SPINNABLE (OWNER_NULL | OWNER_WRITER | OWNER_READER)

/* Lives on the waiting task's stack, so it has a line of its own. */
struct rwsem_waiter {
	struct cacheline line;
	struct task *task;
	enum rwsem_waiter_type type;
	sim_time_t timeout;
	bool handoff_set;
	struct rwsem_waiter *next, *prev;
};

struct wake_q {
	int n;
	struct task *tasks[MAX_READERS_WAKEUP + 1];
};

void init_rwsem(struct rw_semaphore *sem, const char *name)
{
	line_init(&sem->line, name);
	atomic_long_init(&sem->count, &sem->line, 0);
	atomic_long_init(&sem->owner, &sem->line, 0);
	osq_lock_init(&sem->osq, "rwsem_osq", &sem->line);
	spin_lock_init(&sem->wait_lock, "rwsem_wait_lock", &sem->line);
	sem->wait_head = sem->wait_tail = NULL;
	sem->stat_write = lock_stat_get(name);
	sem->stat_read = lock_stat_get_read(name);
	lock_stat_set_line_class(sem->stat_read, name);
}

void rwsem_place_on_line(struct rw_semaphore *sem, struct cacheline *line)
{
	atomic_long_init(&sem->count, line, 0);
	atomic_long_init(&sem->owner, line, 0);
	osq_lock_init(&sem->osq, "rwsem_osq", line);
	spin_lock_init(&sem->wait_lock, "rwsem_wait_lock", line);
}

void rwsem_split_count_owner(struct rw_semaphore *sem, const char *name)
{
	line_init(&sem->owner_line, name);
	atomic_long_init(&sem->owner, &sem->owner_line, 0);
	osq_lock_init(&sem->osq, "rwsem_osq", &sem->owner_line);
	spin_lock_init(&sem->wait_lock, "rwsem_wait_lock", &sem->owner_line);
}

/* ---- plain inspection, no cost: for assertions and checkers ---------- */

bool rwsem_is_locked(struct rw_semaphore *sem)
{
	return (unsigned long)sem->count.counter & RWSEM_LOCK_MASK;
}

bool rwsem_is_write_locked(struct rw_semaphore *sem)
{
	return (unsigned long)sem->count.counter & RWSEM_WRITER_LOCKED;
}

int rwsem_nr_readers(struct rw_semaphore *sem)
{
	return (int)((unsigned long)sem->count.counter >> RWSEM_READER_SHIFT);
}

/* ---- owner ------------------------------------------------------------ */

static void rwsem_set_owner(struct rw_semaphore *sem)
{
	atomic_long_set(&sem->owner, (long)current);
}

static void rwsem_clear_owner(struct rw_semaphore *sem)
{
	atomic_long_set(&sem->owner, 0);
}

static void rwsem_set_reader_owned(struct rw_semaphore *sem)
{
	long val = (long)current | RWSEM_READER_OWNED |
		   (atomic_long_read(&sem->owner) & RWSEM_NONSPINNABLE);

	atomic_long_set(&sem->owner, val);
}

static struct task *rwsem_owner_flags(struct rw_semaphore *sem, unsigned long *pflags)
{
	unsigned long owner = (unsigned long)atomic_long_read(&sem->owner);

	*pflags = owner & RWSEM_OWNER_FLAGS_MASK;
	return (struct task *)(owner & ~RWSEM_OWNER_FLAGS_MASK);
}

static void rwsem_set_nonspinnable(struct rw_semaphore *sem)
{
	long owner = atomic_long_read(&sem->owner);

	while (owner & RWSEM_READER_OWNED) {
		if (owner & RWSEM_NONSPINNABLE)
			return;
		if (atomic_long_try_cmpxchg(&sem->owner, &owner, owner | RWSEM_NONSPINNABLE))
			return;
	}
}

static void clear_nonspinnable(struct rw_semaphore *sem)
{
	if (sem->owner.counter & RWSEM_NONSPINNABLE)
		atomic_long_add(-(long)RWSEM_NONSPINNABLE, &sem->owner);
}

/* ---- wait list -------------------------------------------------------- */

static struct rwsem_waiter *rwsem_first_waiter(struct rw_semaphore *sem)
{
	return sem->wait_head;
}

static void rwsem_add_waiter(struct rw_semaphore *sem, struct rwsem_waiter *w)
{
	w->next = NULL;
	w->prev = sem->wait_tail;
	if (sem->wait_tail)
		sem->wait_tail->next = w;
	else
		sem->wait_head = w;
	sem->wait_tail = w;
}

static void list_del_waiter(struct rw_semaphore *sem, struct rwsem_waiter *w)
{
	if (w->prev)
		w->prev->next = w->next;
	else
		sem->wait_head = w->next;
	if (w->next)
		w->next->prev = w->prev;
	else
		sem->wait_tail = w->prev;
	w->next = w->prev = NULL;
}

static void wake_q_add(struct wake_q *q, struct task *t)
{
	q->tasks[q->n++] = t;
}

static void wake_up_q(struct wake_q *q)
{
	int i;

	for (i = 0; i < q->n; i++) {
		task_wake(q->tasks[i]);
		task_delay(sim_machine->cost.ttwu);
	}
	q->n = 0;
}

/*
 * rwsem_mark_wake(): the caller holds wait_lock and the list is not empty.
 * A writer at the head is only marked for wakeup (it must still take the
 * lock itself); readers are granted the lock here, all of them at once.
 */
static void rwsem_mark_wake(struct rw_semaphore *sem, enum rwsem_wake_type wake_type,
			    struct wake_q *wake_q)
{
	struct rwsem_waiter *waiter, *tmp, *wlist = NULL, **wtail = &wlist;
	long oldcount, woken = 0, adjustment = 0;

	waiter = rwsem_first_waiter(sem);
	line_read(&waiter->line);
	if (waiter->type == RWSEM_WAITING_FOR_WRITE) {
		if (wake_type == RWSEM_WAKE_ANY) {
			wake_q_add(wake_q, waiter->task);
			count_event("rwsem_wake_writer");
		}
		return;
	}

	if (atomic_long_read(&sem->count) < 0)
		return;		/* too many readers already */

	if (wake_type != RWSEM_WAKE_READ_OWNED) {
		adjustment = RWSEM_READER_BIAS;
		oldcount = atomic_long_fetch_add(adjustment, &sem->count);
		if (oldcount & RWSEM_WRITER_MASK) {
			/* A writer stole the lock.  Waited too long: ask for handoff. */
			if (sim_now() > waiter->timeout) {
				if (!(oldcount & RWSEM_FLAG_HANDOFF)) {
					adjustment -= RWSEM_FLAG_HANDOFF;
					count_event("rwsem_rlock_handoff");
				}
				waiter->handoff_set = true;
			}
			atomic_long_add(-adjustment, &sem->count);
			return;
		}
		atomic_long_set(&sem->owner, (long)waiter->task | RWSEM_READER_OWNED |
				(sem->owner.counter & RWSEM_NONSPINNABLE));
	}

	/* Grant the lock to every reader in the queue, skipping writers. */
	for (waiter = sem->wait_head; waiter; waiter = tmp) {
		tmp = waiter->next;
		if (waiter->type == RWSEM_WAITING_FOR_WRITE)
			continue;
		woken++;
		list_del_waiter(sem, waiter);
		*wtail = waiter;
		wtail = &waiter->next;
		if (woken >= MAX_READERS_WAKEUP)
			break;
	}
	*wtail = NULL;

	adjustment = woken * (long)RWSEM_READER_BIAS - adjustment;
	if (woken)
		counter_add(counter_id("rwsem_wake_reader"), (uint64_t)woken);
	oldcount = atomic_long_read(&sem->count);
	if (!sem->wait_head) {
		adjustment -= RWSEM_FLAG_WAITERS;
		if (oldcount & RWSEM_FLAG_HANDOFF)
			adjustment -= RWSEM_FLAG_HANDOFF;
	} else if (woken) {
		if (oldcount & RWSEM_FLAG_HANDOFF)
			adjustment -= RWSEM_FLAG_HANDOFF;
	}
	if (adjustment)
		atomic_long_add(adjustment, &sem->count);

	/* Second pass: hand each reader its lock, then queue its wakeup. */
	for (waiter = wlist; waiter; waiter = tmp) {
		struct task *t = waiter->task;

		tmp = waiter->next;
		/*
		 * smp_store_release(&waiter->task, NULL) last: once the reader
		 * can see NULL it may return, and this waiter is its stack
		 * frame, so the store is paid for first and nothing touches the
		 * waiter after it.
		 */
		line_write(&waiter->line);
		waiter->task = NULL;
		wake_q_add(wake_q, t);
	}
}

static void rwsem_cond_wake_waiter(struct rw_semaphore *sem, long count,
				   struct wake_q *wake_q)
{
	enum rwsem_wake_type wake_type;

	if (count & RWSEM_WRITER_MASK)
		return;
	if (count & RWSEM_READER_MASK) {
		wake_type = RWSEM_WAKE_READERS;
	} else {
		wake_type = RWSEM_WAKE_ANY;
		clear_nonspinnable(sem);
	}
	rwsem_mark_wake(sem, wake_type, wake_q);
}

/* ---- readers ---------------------------------------------------------- */

static bool rwsem_read_trylock(struct rw_semaphore *sem, long *cntp)
{
	*cntp = atomic_long_add_return_acquire(RWSEM_READER_BIAS, &sem->count);
	if (*cntp < 0)
		rwsem_set_nonspinnable(sem);
	if (!(*cntp & RWSEM_READ_FAILED_MASK)) {
		rwsem_set_reader_owned(sem);
		return true;
	}
	return false;
}

static void rwsem_down_read_slowpath(struct rw_semaphore *sem, long count)
{
	long adjustment = -(long)RWSEM_READER_BIAS;
	long rcnt = (long)((unsigned long)count >> RWSEM_READER_SHIFT);
	struct rwsem_waiter waiter;
	struct wake_q wake_q = { 0 };

	/* Don't steal from a reader-owned lock: a writer may be starving. */
	if ((atomic_long_read(&sem->owner) & RWSEM_READER_OWNED) && rcnt > 1 &&
	    !(count & RWSEM_WRITER_LOCKED))
		goto queue;

	/* Reader optimistic lock stealing. */
	if (!(count & (RWSEM_WRITER_LOCKED | RWSEM_FLAG_HANDOFF))) {
		rwsem_set_reader_owned(sem);
		count_event("rwsem_rlock_steal");
		if (rcnt == 1 && (count & RWSEM_FLAG_WAITERS)) {
			spin_lock(&sem->wait_lock);
			if (sem->wait_head)
				rwsem_mark_wake(sem, RWSEM_WAKE_READ_OWNED, &wake_q);
			spin_unlock(&sem->wait_lock);
			wake_up_q(&wake_q);
		}
		return;
	}

queue:
	line_init(&waiter.line, "rwsem_waiter");
	waiter.task = current;
	waiter.type = RWSEM_WAITING_FOR_READ;
	waiter.timeout = sim_now() + RWSEM_WAIT_TIMEOUT;
	waiter.handoff_set = false;
	line_write(&waiter.line);

	spin_lock(&sem->wait_lock);
	if (!sem->wait_head) {
		/* Empty queue and no writer: our bias already gives us the lock. */
		if (!(atomic_long_read(&sem->count) & RWSEM_WRITER_MASK)) {
			spin_unlock(&sem->wait_lock);
			rwsem_set_reader_owned(sem);
			count_event("rwsem_rlock_fast");
			return;
		}
		adjustment += RWSEM_FLAG_WAITERS;
	}
	rwsem_add_waiter(sem, &waiter);

	count = atomic_long_add_return(adjustment, &sem->count);
	rwsem_cond_wake_waiter(sem, count, &wake_q);
	spin_unlock(&sem->wait_lock);
	if (wake_q.n)
		wake_up_q(&wake_q);

	for (;;) {
		task_prepare_sleep();
		line_read(&waiter.line);
		if (!waiter.task)
			break;
		task_schedule();
		count_event("rwsem_sleep_reader");
	}
}

void down_read(struct rw_semaphore *sem)
{
	sim_time_t asked = sim_now();
	long count;

	task_charge(sim_machine->cost.call);
	if (!rwsem_read_trylock(sem, &count)) {
		lock_contended(sem->stat_read);
		lock_blocked_on(sem, sem->stat_read);
		rwsem_down_read_slowpath(sem, count);
		lock_unblocked();
	}
	lock_acquired(sem, sem->stat_read, asked);
}

bool down_read_trylock(struct rw_semaphore *sem)
{
	long tmp = atomic_long_read(&sem->count);

	while (!(tmp & RWSEM_READ_FAILED_MASK)) {
		if (atomic_long_try_cmpxchg_acquire(&sem->count, &tmp,
						    tmp + (long)RWSEM_READER_BIAS)) {
			rwsem_set_reader_owned(sem);
			lock_acquired(sem, sem->stat_read, sim_now());
			return true;
		}
	}
	return false;
}

static void rwsem_wake(struct rw_semaphore *sem)
{
	struct wake_q wake_q = { 0 };

	spin_lock(&sem->wait_lock);
	if (sem->wait_head)
		rwsem_mark_wake(sem, RWSEM_WAKE_ANY, &wake_q);
	spin_unlock(&sem->wait_lock);
	wake_up_q(&wake_q);
}

void up_read(struct rw_semaphore *sem)
{
	long tmp;

	if (!lock_released(sem, "up_read"))
		return;
	task_charge(sim_machine->cost.call);
	tmp = atomic_long_add_return_release(-(long)RWSEM_READER_BIAS, &sem->count);
	if ((tmp & (RWSEM_LOCK_MASK | RWSEM_FLAG_WAITERS)) == RWSEM_FLAG_WAITERS) {
		clear_nonspinnable(sem);
		rwsem_wake(sem);
	}
}

/* ---- writers ---------------------------------------------------------- */

static bool rwsem_write_trylock(struct rw_semaphore *sem)
{
	long tmp = 0;

	if (atomic_long_try_cmpxchg_acquire(&sem->count, &tmp, RWSEM_WRITER_LOCKED)) {
		rwsem_set_owner(sem);
		return true;
	}
	return false;
}

static bool rwsem_try_write_lock_unqueued(struct rw_semaphore *sem)
{
	long count = atomic_long_read(&sem->count);

	while (!(count & (RWSEM_LOCK_MASK | RWSEM_FLAG_HANDOFF))) {
		if (atomic_long_try_cmpxchg_acquire(&sem->count, &count,
						    count | RWSEM_WRITER_LOCKED)) {
			rwsem_set_owner(sem);
			count_event("rwsem_opt_lock");
			return true;
		}
	}
	return false;
}

static bool need_resched(void)
{
	return sched_cpu_has_waiters(current->cpu);
}

static bool rwsem_can_spin_on_owner(struct rw_semaphore *sem)
{
	struct task *owner;
	unsigned long flags;

	if (need_resched())
		return false;
	owner = rwsem_owner_flags(sem, &flags);
	if ((flags & RWSEM_NONSPINNABLE) ||
	    (owner && !(flags & RWSEM_READER_OWNED) && !task_on_cpu(owner)))
		return false;
	return true;
}

static enum owner_state rwsem_owner_state(struct task *owner, unsigned long flags)
{
	if (flags & RWSEM_NONSPINNABLE)
		return OWNER_NONSPINNABLE;
	if (flags & RWSEM_READER_OWNED)
		return OWNER_READER;
	return owner ? OWNER_WRITER : OWNER_NULL;
}

/*
 * Spin while the same writer owns the lock and runs.  The owner word is
 * re-read whenever its line is written; owner->on_cpu is polled.
 */
static enum owner_state rwsem_spin_on_owner(struct rw_semaphore *sem)
{
	struct task *new, *owner;
	unsigned long flags, new_flags;
	enum owner_state state;

	owner = rwsem_owner_flags(sem, &flags);
	state = rwsem_owner_state(owner, flags);
	if (state != OWNER_WRITER)
		return state;
	for (;;) {
		new = rwsem_owner_flags(sem, &new_flags);
		if (new != owner || new_flags != flags)
			return rwsem_owner_state(new, new_flags);
		if (need_resched() || !task_on_cpu(owner))
			return OWNER_NONSPINNABLE;
		line_spin_wait_until(sem->owner.line, sim_now() + OWNER_POLL_NS);
	}
}

static sim_time_t rwsem_rspin_threshold(struct rw_semaphore *sem)
{
	long readers = (long)((unsigned long)atomic_long_read(&sem->count) >> RWSEM_READER_SHIFT);

	if (readers > 30)
		readers = 30;
	return sim_now() + (sim_time_t)(20 + readers) * 1000 / 2;
}

static bool rwsem_optimistic_spin(struct rw_semaphore *sem)
{
	enum owner_state prev_owner_state = OWNER_NULL;
	sim_time_t rspin_threshold = 0;
	bool taken = false;

	/* One spinner polls the owner; a queued one that must reschedule sleeps. */
	if (!osq_lock(&sem->osq)) {
		count_event("rwsem_opt_fail");
		return false;
	}
	for (;;) {
		enum owner_state owner_state = rwsem_spin_on_owner(sem);

		if (!(owner_state & OWNER_SPINNABLE))
			break;
		taken = rwsem_try_write_lock_unqueued(sem);
		if (taken)
			break;
		if (owner_state == OWNER_READER) {
			if (prev_owner_state != OWNER_READER) {
				if (sem->owner.counter & RWSEM_NONSPINNABLE)
					break;
				rspin_threshold = rwsem_rspin_threshold(sem);
			} else if (sim_now() > rspin_threshold) {
				rwsem_set_nonspinnable(sem);
				count_event("rwsem_opt_nospin");
				break;
			}
			/* Wait for the readers' count to change, up to the limit. */
			line_spin_wait_until(sem->count.line, rspin_threshold + 1);
		}
		if (owner_state != OWNER_WRITER && need_resched())
			break;
		/* Free but not ours (handoff pending, or a racing writer): wait
		 * for the line to change rather than re-polling every ns. */
		if (owner_state == OWNER_NULL)
			line_spin_wait_until(sem->count.line, sim_now() + OWNER_POLL_NS);
		prev_owner_state = owner_state;
	}
	osq_unlock(&sem->osq);
	if (!taken)
		count_event("rwsem_opt_fail");
	return taken;
}

static bool rwsem_try_write_lock(struct rw_semaphore *sem, struct rwsem_waiter *waiter)
{
	struct rwsem_waiter *first = rwsem_first_waiter(sem);
	long count, new;

	count = atomic_long_read(&sem->count);
	do {
		bool has_handoff = count & RWSEM_FLAG_HANDOFF;

		if (has_handoff && first->handoff_set && waiter != first)
			return false;
		new = count;
		if (count & RWSEM_LOCK_MASK) {
			if (has_handoff || sim_now() <= waiter->timeout)
				return false;
			new |= RWSEM_FLAG_HANDOFF;
		} else {
			new |= RWSEM_WRITER_LOCKED;
			new &= ~RWSEM_FLAG_HANDOFF;
			if (sem->wait_head == sem->wait_tail)
				new &= ~RWSEM_FLAG_WAITERS;
		}
	} while (!atomic_long_try_cmpxchg_acquire(&sem->count, &count, new));

	if (new & RWSEM_FLAG_HANDOFF) {
		first->handoff_set = true;
		count_event("rwsem_wlock_handoff");
		return false;
	}
	list_del_waiter(sem, waiter);
	rwsem_set_owner(sem);
	return true;
}

static void rwsem_down_write_slowpath(struct rw_semaphore *sem)
{
	struct rwsem_waiter waiter;
	struct wake_q wake_q = { 0 };

	if (rwsem_can_spin_on_owner(sem) && rwsem_optimistic_spin(sem))
		return;

	line_init(&waiter.line, "rwsem_waiter");
	waiter.task = current;
	waiter.type = RWSEM_WAITING_FOR_WRITE;
	waiter.timeout = sim_now() + RWSEM_WAIT_TIMEOUT;
	waiter.handoff_set = false;
	line_write(&waiter.line);

	spin_lock(&sem->wait_lock);
	rwsem_add_waiter(sem, &waiter);
	if (rwsem_first_waiter(sem) != &waiter) {
		rwsem_cond_wake_waiter(sem, atomic_long_read(&sem->count), &wake_q);
		if (wake_q.n) {
			spin_unlock(&sem->wait_lock);
			wake_up_q(&wake_q);
			spin_lock(&sem->wait_lock);
		}
	} else {
		atomic_long_fetch_or(RWSEM_FLAG_WAITERS, &sem->count);
	}

	task_prepare_sleep();
	for (;;) {
		if (rwsem_try_write_lock(sem, &waiter))
			break;
		spin_unlock(&sem->wait_lock);
		/* Having set the handoff bit, spin on the owner to take over fast. */
		if (waiter.handoff_set && rwsem_spin_on_owner(sem) == OWNER_NULL)
			goto trylock_again;
		task_schedule();
		count_event("rwsem_sleep_writer");
		task_prepare_sleep();
trylock_again:
		spin_lock(&sem->wait_lock);
	}
	spin_unlock(&sem->wait_lock);
}

void down_write(struct rw_semaphore *sem)
{
	sim_time_t asked = sim_now();

	task_charge(sim_machine->cost.call);
	if (!rwsem_write_trylock(sem)) {
		lock_contended(sem->stat_write);
		lock_blocked_on(sem, sem->stat_write);
		rwsem_down_write_slowpath(sem);
		lock_unblocked();
	}
	lock_acquired(sem, sem->stat_write, asked);
}

bool down_write_trylock(struct rw_semaphore *sem)
{
	if (!rwsem_write_trylock(sem))
		return false;
	lock_acquired(sem, sem->stat_write, sim_now());
	return true;
}

void up_write(struct rw_semaphore *sem)
{
	long tmp;

	if (!lock_released(sem, "up_write"))
		return;
	task_charge(sim_machine->cost.call);
	rwsem_clear_owner(sem);
	tmp = atomic_long_fetch_add_release(-(long)RWSEM_WRITER_LOCKED, &sem->count);
	if (tmp & RWSEM_FLAG_WAITERS)
		rwsem_wake(sem);
}

void downgrade_write(struct rw_semaphore *sem)
{
	struct wake_q wake_q = { 0 };
	long tmp;

	/* The held-lock entry stays (the task still holds the rwsem), now a read hold. */
	lock_downgraded(sem, sem->stat_read);
	atomic_long_set(&sem->owner, (long)current | RWSEM_READER_OWNED);
	tmp = atomic_long_fetch_add_release(-(long)RWSEM_WRITER_LOCKED + (long)RWSEM_READER_BIAS,
					    &sem->count);
	if (tmp & RWSEM_FLAG_WAITERS) {
		spin_lock(&sem->wait_lock);
		if (sem->wait_head)
			rwsem_mark_wake(sem, RWSEM_WAKE_READ_OWNED, &wake_q);
		spin_unlock(&sem->wait_lock);
		wake_up_q(&wake_q);
	}
}
