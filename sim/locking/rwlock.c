#include "sim/locking/rwlock.h"

#include "sim/core/task.h"
#include "sim/locking/lockstat.h"

#define _QW_WAITING	0x100L
#define _QW_LOCKED	0x0ffL
#define _QW_WMASK	0x1ffL
#define _QR_BIAS	0x200L

void rwlock_init(rwlock_t *lock, const char *name)
{
	line_init(&lock->line, name);
	atomic_long_init(&lock->cnts, &lock->line, 0);
	spin_lock_init(&lock->wait_lock, name, &lock->line);
	lock->stat_write = lock_stat_get(name);
	lock->stat_read = lock_stat_get_read(name);
}

/* Spin until the writer byte of the word is clear (atomic_cond_read_acquire()). */
static void wait_no_writer(rwlock_t *lock)
{
	line_read(&lock->line);
	while (lock->cnts.counter & _QW_LOCKED)
		line_spin_wait(&lock->line);
}

void read_lock(rwlock_t *lock)
{
	sim_time_t asked = sim_now();
	long cnts;

	task_charge(sim_machine->cost.call);
	cnts = atomic_long_add_return(_QR_BIAS, &lock->cnts);
	if (cnts & _QW_WMASK) {
		/* queued_read_lock_slowpath() */
		lock_contended(lock->stat_read);
		atomic_long_add(-_QR_BIAS, &lock->cnts);
		spin_lock(&lock->wait_lock);
		atomic_long_add(_QR_BIAS, &lock->cnts);
		wait_no_writer(lock);
		spin_unlock(&lock->wait_lock);
	}
	lock_acquired(lock, lock->stat_read, asked);
}

void read_unlock(rwlock_t *lock)
{
	if (!lock_released(lock, "read_unlock"))
		return;
	atomic_long_add(-_QR_BIAS, &lock->cnts);
}

void write_lock(rwlock_t *lock)
{
	sim_time_t asked = sim_now();
	long old = 0;

	task_charge(sim_machine->cost.call);
	if (!atomic_long_try_cmpxchg(&lock->cnts, &old, _QW_LOCKED)) {
		/* queued_write_lock_slowpath() */
		lock_contended(lock->stat_write);
		spin_lock(&lock->wait_lock);
		old = 0;
		if (!atomic_long_try_cmpxchg(&lock->cnts, &old, _QW_LOCKED)) {
			atomic_long_add(_QW_WAITING, &lock->cnts);
			for (;;) {
				old = _QW_WAITING;
				if (lock->cnts.counter == _QW_WAITING &&
				    atomic_long_try_cmpxchg(&lock->cnts, &old, _QW_LOCKED))
					break;
				line_spin_wait(&lock->line);
			}
		}
		spin_unlock(&lock->wait_lock);
	}
	lock_acquired(lock, lock->stat_write, asked);
}

void write_unlock(rwlock_t *lock)
{
	if (!lock_released(lock, "write_unlock"))
		return;
	lock->cnts.counter &= ~_QW_LOCKED;
	line_write_posted(&lock->line);	/* smp_store_release(&lock->wlocked, 0) */
}
