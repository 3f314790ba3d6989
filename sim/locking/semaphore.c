/*
 * Counting semaphores (kernel/locking/semaphore.c); see semaphore.h for
 * what is modeled.  The functions are named after the kernel's.
 */
#include "sim/locking/semaphore.h"

#include "sim/locking/lockstat.h"
#include "sim/core/machine.h"
#include "sim/core/task.h"

struct semaphore_waiter {
	struct cacheline line;		/* on the sleeper's stack */
	struct task *task;
	bool up;
	struct semaphore_waiter *next;
};

void sema_init(struct semaphore *sem, unsigned int val, const char *name)
{
	line_init(&sem->line, name);
	/* One lockdep class for every semaphore's inner lock, as the kernel's
	 * __SEMAPHORE_INITIALIZER gives them. */
	spin_lock_init(&sem->lock, "semaphore->lock", &sem->line);
	sem->count = val;
	sem->wait_head = sem->wait_tail = NULL;
	sem->stat = lock_stat_get(name);
}

/*
 * __down_common(TASK_UNINTERRUPTIBLE, MAX_SCHEDULE_TIMEOUT), entered and
 * left with sem->lock held: queue at the tail and sleep until an up()
 * hands us its unit.  A wakeup is only ever up()'s, but the loop re-checks
 * waiter.up as the kernel's does.
 */
static void __down(struct semaphore *sem)
{
	struct semaphore_waiter waiter = { .task = current, .up = false, .next = NULL };

	line_init(&waiter.line, "semaphore_waiter");
	line_write(&waiter.line);
	if (sem->wait_tail)
		sem->wait_tail->next = &waiter;
	else
		sem->wait_head = &waiter;
	sem->wait_tail = &waiter;
	for (;;) {
		task_prepare_sleep();		/* __set_current_state() */
		spin_unlock(&sem->lock);
		task_schedule();
		spin_lock(&sem->lock);
		line_read(&waiter.line);
		if (waiter.up)
			return;
	}
}

void down(struct semaphore *sem)
{
	sim_time_t asked = sim_now();

	task_charge(sim_machine->cost.call);
	spin_lock(&sem->lock);			/* raw_spin_lock_irqsave() */
	line_read(&sem->line);
	if (sem->count > 0) {
		sem->count--;
		line_write(&sem->line);
	} else {
		lock_contended(sem->stat);
		lock_blocked_on(sem, sem->stat);
		__down(sem);
		lock_unblocked();
	}
	spin_unlock(&sem->lock);
	lock_waited(sem->stat, asked);
}

int down_trylock(struct semaphore *sem)
{
	int taken;

	task_charge(sim_machine->cost.call);
	spin_lock(&sem->lock);
	line_read(&sem->line);
	taken = sem->count > 0;
	if (taken) {
		sem->count--;
		line_write(&sem->line);
	}
	spin_unlock(&sem->lock);
	if (taken)
		lock_waited(sem->stat, sim_now());
	return !taken;
}

/*
 * __up(): the first sleeper gets the unit.  Its waiter lives on its stack,
 * so the task is read before waiter->up is set, and the wakeup is done
 * after sem->lock is dropped (the kernel's wake_q), by which time the
 * sleeper may be running again.
 */
static struct task *__up(struct semaphore *sem)
{
	struct semaphore_waiter *waiter = sem->wait_head;
	struct task *task = waiter->task;

	sem->wait_head = waiter->next;
	if (!sem->wait_head)
		sem->wait_tail = NULL;
	line_write(&sem->line);
	waiter->up = true;
	line_write(&waiter->line);
	return task;
}

void up(struct semaphore *sem)
{
	struct task *wake = NULL;

	task_charge(sim_machine->cost.call);
	spin_lock(&sem->lock);
	line_read(&sem->line);
	if (!sem->wait_head) {
		sem->count++;
		line_write(&sem->line);
	} else {
		wake = __up(sem);
	}
	spin_unlock(&sem->lock);
	if (wake)
		task_wake(wake);		/* wake_up_q() */
}
