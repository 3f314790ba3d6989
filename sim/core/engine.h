/*
 * The event engine: simulated time, a priority queue of events and the run
 * loop.  It knows nothing of tasks, machines or mm: an event is a function
 * and two arguments to call at a simulated instant.
 *
 * Events are ordered by (time, sequence number).  The sequence number is
 * assigned at scheduling time, so two events at the same instant run in the
 * order they were scheduled and a run is bit-for-bit deterministic.
 */
#ifndef MMLOCKSIM_ENGINE_H
#define MMLOCKSIM_ENGINE_H

#include <stdbool.h>
#include <stdint.h>

typedef uint64_t sim_time_t;	/* nanoseconds */

typedef void (*event_fn)(void *obj, uint64_t arg);

struct event {
	sim_time_t time;
	uint64_t seq;
	event_fn fn;
	void *obj;
	uint64_t arg;
};

struct engine {
	sim_time_t now;
	uint64_t next_seq;
	uint64_t events_run;
	struct event *heap;
	uint32_t nr, cap;
	struct event *fifo;	/* ring of events in (time, seq) order */
	uint32_t fifo_head, fifo_nr, fifo_cap;
	/*
	 * The time of the last event appended to the FIFO.  Sequence numbers
	 * only grow, so an event at or after this time sorts after it.
	 */
	sim_time_t fifo_mark;
	/*
	 * No later than the FIFO's head and the heap's root, nor (with the
	 * FIFO built in) than fifo_mark: lowered by every event the heap
	 * takes, raised only when the heads are read (engine_push_take_next()).
	 */
	sim_time_t far_low;
	/*
	 * No later than every event queued, nor than until + 1, and 0 while
	 * stopped: a delay that ends before it is itself the next event due
	 * (engine_run_ahead()).  Lowered by every event scheduled, set exact
	 * only where a delay reads the queue's head anyway.
	 */
	sim_time_t horizon;
	bool stop;
	bool root_vacant;	/* the heap's root is the running event's, see engine_run() */
	sim_time_t until;	/* engine_run()'s limit */
};

extern struct engine sim_engine;

void engine_reset(void);
void engine_free(void);

static inline sim_time_t sim_now(void)
{
	return sim_engine.now;
}

void event_at_slow(sim_time_t when, event_fn fn, void *obj, uint64_t arg);

/*
 * Schedule fn(obj, arg) at `when`.  The common case, an event no earlier
 * than the last one the FIFO took and room in the ring, is inline: it is
 * on every line transfer of every task (see engine.c for the queue).
 */
static inline void event_at(sim_time_t when, event_fn fn, void *obj, uint64_t arg)
{
	struct engine *e = &sim_engine;
	struct event *slot;

	if (when < e->fifo_mark || e->fifo_nr == e->fifo_cap || when < e->now) {
		event_at_slow(when, fn, obj, arg);
		return;
	}
	if (when < e->horizon)
		e->horizon = when;
	slot = &e->fifo[(e->fifo_head + e->fifo_nr++) & (e->fifo_cap - 1)];
	slot->time = when;
	slot->seq = e->next_seq++;
	slot->fn = fn;
	slot->obj = obj;
	slot->arg = arg;
	e->fifo_mark = when;
}

static inline void event_after(sim_time_t delay, event_fn fn, void *obj,
			       uint64_t arg)
{
	event_at(sim_engine.now + delay, fn, obj, arg);
}

/* Run events until none are left, engine_stop() is called or `until` passes. */
void engine_run(sim_time_t until);
void engine_stop(void);
/* The time of the earliest event queued, UINT64_MAX if there is none. */
sim_time_t engine_next_time(void);
/*
 * From inside an event: if the next event due is a call of fn (and within
 * the run's limit), take it off the queue as engine_run() would, set the
 * clock, and hand back its object, so the caller can run it at once.
 * Tasks use it to switch straight to the next task due instead of going
 * through the run loop's stack.
 */
bool engine_take_next(event_fn fn, void **obj);
/*
 * event_at(when, fn, obj, arg) then engine_take_next(fn, next): the same
 * order and the same clock, with the new event left out of the queue
 * when it is itself the next due.  A task that lets time pass does this
 * on every delay.
 */
bool engine_push_take_next(sim_time_t when, event_fn fn, void *obj, uint64_t arg, void **next);

/*
 * The case of engine_push_take_next() where the new event would be the
 * next due, settled without reading the queue: if `when` (no earlier
 * than now) comes before the horizon, the clock moves there and the
 * event counts as run, as if it had been queued and taken at once; false
 * (nothing done) if the horizon does not tell.  Inline: a task that is
 * alone on the run queue for a while (an exit zapping its page tables
 * while the rest are done) takes it on every delay.
 */
static inline bool engine_run_ahead(sim_time_t when)
{
	struct engine *e = &sim_engine;

	if (when >= e->horizon)
		return false;
	e->now = when;
	e->next_seq++;
	e->events_run++;
	return true;
}

/* Events queued, the running one not counted. */
uint32_t engine_nr_queued(void);

#endif
