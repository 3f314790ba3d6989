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
	struct event fifo_mark;	/* the last event appended to the FIFO */
	bool stop;
	bool root_vacant;	/* the running event's slot, see engine_run() */
	sim_time_t until;	/* engine_run()'s limit */
};

extern struct engine sim_engine;

void engine_reset(void);
void engine_free(void);

static inline sim_time_t sim_now(void)
{
	return sim_engine.now;
}

void event_at(sim_time_t when, event_fn fn, void *obj, uint64_t arg);

static inline void event_after(sim_time_t delay, event_fn fn, void *obj,
			       uint64_t arg)
{
	event_at(sim_engine.now + delay, fn, obj, arg);
}

/* Run events until none are left, engine_stop() is called or `until` passes. */
void engine_run(sim_time_t until);
void engine_stop(void);
/*
 * From inside an event: if the next event due is a call of fn (and within
 * the run's limit), take it off the queue as engine_run() would, set the
 * clock, and hand back its object, so the caller can run it at once.
 * Tasks use it to switch straight to the next task due instead of going
 * through the run loop's stack.
 */
bool engine_take_next(event_fn fn, void **obj);

#endif
