#include "sim/locking/waitqueue.h"

#include <stddef.h>

void init_waitqueue_head(struct wait_queue_head *wq, const char *name)
{
	spin_lock_init(&wq->lock, name, NULL);
	wq->head = wq->tail = NULL;
}

static bool on_queue(const struct wait_queue_head *wq, const struct wait_queue_entry *e)
{
	return e->prev || wq->head == e;
}

void prepare_to_wait(struct wait_queue_head *wq, struct wait_queue_entry *e, bool exclusive)
{
	spin_lock(&wq->lock);
	if (!on_queue(wq, e) || e->task != current) {
		e->task = current;
		e->exclusive = exclusive;
		e->next = NULL;
		e->prev = wq->tail;
		if (wq->tail)
			wq->tail->next = e;
		else
			wq->head = e;
		wq->tail = e;
	}
	task_prepare_sleep();
	spin_unlock(&wq->lock);
}

void finish_wait(struct wait_queue_head *wq, struct wait_queue_entry *e)
{
	spin_lock(&wq->lock);
	if (e->task == current && on_queue(wq, e)) {
		if (e->prev)
			e->prev->next = e->next;
		else
			wq->head = e->next;
		if (e->next)
			e->next->prev = e->prev;
		else
			wq->tail = e->prev;
	}
	e->next = e->prev = NULL;
	e->task = NULL;
	spin_unlock(&wq->lock);
}

void __wake_up(struct wait_queue_head *wq, int nr_exclusive)
{
	struct wait_queue_entry *e;

	spin_lock(&wq->lock);
	for (e = wq->head; e; e = e->next) {
		task_wake(e->task);
		if (e->exclusive && nr_exclusive && !--nr_exclusive)
			break;
	}
	spin_unlock(&wq->lock);
}

bool waitqueue_active(const struct wait_queue_head *wq)
{
	return wq->head != NULL;
}
