/*
 * The event queue: a 4-ary implicit heap of events stored by value, with
 * a FIFO beside it for events scheduled in order.
 *
 * Why hand-rolled: the queue is the innermost loop of the simulator (every
 * line transfer and every task resume is one event).
 *
 * Why 4-ary: bench/bench_hold measures the binary and the 4-ary layout
 * side by side on the classic "hold" model; the 4-ary heap does fewer
 * levels and its four children share one or two host cachelines, which
 * wins on pop, the dominant operation.  HEAP_ARITY can be set at compile
 * time to rebuild the other variant for that benchmark.
 *
 * Why the FIFO: on a contended line every transfer queues behind the one
 * before it (busy_until), so the events of a cacheline-heavy model are
 * mostly scheduled later than everything already queued.  An event that
 * sorts after the FIFO's tail is appended to it (O(1)), any other goes to
 * the heap, and the next event is the earlier of the two heads.  Both hold
 * (time, seq) order, so the order of events is exactly the heap's alone;
 * only the cost changes (bench/run: rwsem model, FIFO against heap only).
 * ENGINE_NO_FIFO builds the heap-only engine for that comparison.
 */
#include "sim/core/engine.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/xalloc.h"

#ifndef HEAP_ARITY
#define HEAP_ARITY 4
#endif

struct engine sim_engine;

void engine_reset(void)
{
	struct event *heap = sim_engine.heap, *fifo = sim_engine.fifo;
	uint32_t cap = sim_engine.cap, fifo_cap = sim_engine.fifo_cap;

	memset(&sim_engine, 0, sizeof(sim_engine));
	sim_engine.heap = heap;
	sim_engine.cap = cap;
	sim_engine.fifo = fifo;
	sim_engine.fifo_cap = fifo_cap;
}

void engine_free(void)
{
	free(sim_engine.heap);
	free(sim_engine.fifo);
	memset(&sim_engine, 0, sizeof(sim_engine));
}

static void heap_grow(void)
{
	uint32_t cap = sim_engine.cap ? sim_engine.cap * 2 : 1024;
	struct event *heap = xreallocarray(sim_engine.heap, cap, sizeof(*heap));

	sim_engine.heap = heap;
	sim_engine.cap = cap;
}

/* Double the ring, unrolling it so that its head is slot 0 again. */
static void fifo_grow(void)
{
	uint32_t cap = sim_engine.fifo_cap ? sim_engine.fifo_cap * 2 : 1024, i;
	struct event *fifo = xreallocarray(NULL, cap, sizeof(*fifo));

	for
 (i = 0; i < sim_engine.fifo_nr; i++)
		fifo[i] = sim_engine.fifo[(sim_engine.fifo_head + i) & (sim_engine.fifo_cap - 1)];
	free(sim_engine.fifo);
	sim_engine.fifo = fifo;
	sim_engine.fifo_cap = cap;
	sim_engine.fifo_head = 0;
}

static inline struct event *fifo_first(void)
{
	return &sim_engine.fifo[sim_engine.fifo_head];
}

/*
 * Append if `ev` sorts after the last event ever appended (not merely the
 * FIFO's current tail: with random delays, as in the hold model, that
 * keeps the FIFO to the rare record-breaking events instead of splitting
 * the queue at random between two structures); false otherwise.  The
 * inline event_at() in engine.h does the same without the growing.
 */
static inline bool fifo_push(const struct event *ev)
{
	if (ev->time < sim_engine.fifo_mark)
		return false;
	if (sim_engine.fifo_nr == sim_engine.fifo_cap)
		fifo_grow();
	sim_engine.fifo[(sim_engine.fifo_head + sim_engine.fifo_nr++) &
			(sim_engine.fifo_cap - 1)] = *ev;
	sim_engine.fifo_mark = ev->time;
	return true;
}

/* Does an event at (time, seq) sort before ev, and ev before one at it? */
static inline bool key_before(sim_time_t time, uint64_t seq, const struct event *ev)
{
	return time != ev->time ? time < ev->time : seq < ev->seq;
}

static inline bool event_before_key(const struct event *ev, sim_time_t time, uint64_t seq)
{
	return ev->time != time ? ev->time < time : ev->seq < seq;
}

/*
 * Move the event (time, seq, fn, obj, arg) down from slot i to its place
 * among the first nr slots (i's parent, if any, sorts before it).  From
 * the root, used both to finish a pop (the event = the last slot) and to
 * push into a root left vacant by the running event (see engine_run).
 * The event comes in registers, not as a copy on the stack: the fused
 * push and take of every delay calls this, and the stack below a task's
 * frame is a host line of its own.
 */
static inline __attribute__((always_inline))
void sift_down_key(uint32_t i, uint32_t nr, sim_time_t time, uint64_t seq,
		   event_fn fn, void *obj, uint64_t arg)
{
	struct event *heap = sim_engine.heap;

	for (;;) {
		uint32_t first = i * HEAP_ARITY + 1, best, c, end;

		if (first >= nr)
			break;
		best = first;
		end = first + HEAP_ARITY < nr ? first + HEAP_ARITY : nr;
		for (c = first + 1; c < end; c++)
			if (event_before(&heap[c], &heap[best]))
				best = c;
		if (!event_before_key(&heap[best], time, seq))
			break;
		heap[i] = heap[best];
		i = best;
	}
	heap[i].time = time;
	heap[i].seq = seq;
	heap[i].fn = fn;
	heap[i].obj = obj;
	heap[i].arg = arg;
}

static void sift_down_from(const struct event *ev, uint32_t i, uint32_t nr)
{
	sift_down_key(i, nr, ev->time, ev->seq, ev->fn, ev->obj, ev->arg);
}

static inline void sift_down(const struct event *ev, uint32_t nr)
{
	sift_down_from(ev, 0, nr);
}

void event_at_slow(sim_time_t when, event_fn fn, void *obj, uint64_t arg)
{
	struct event ev = { when, sim_engine.next_seq++, fn, obj, arg };
	struct event *heap;
	uint32_t i;

	assert(when >= sim_engine.now);
#ifndef ENGINE_NO_FIFO
	if (fifo_push(&ev))
		return;
#endif
	if (sim_engine.root_vacant) {
		sim_engine.root_vacant = false;
		sift_down(&ev, sim_engine.nr);
		return;
	}
	if (sim_engine.nr == sim_engine.cap)
		heap_grow();
	heap = sim_engine.heap;
	i = sim_engine.nr++;
	while (i > 0) {
		uint32_t parent = (i - 1) / HEAP_ARITY;

		if (!event_before(&ev, &heap[parent]))
			break;
		heap[i] = heap[parent];
		i = parent;
	}
	heap[i] = ev;
}

/* Finish the pop of the running event if nothing took its root slot. */
static inline void heap_fill_vacant_root(void)
{
	uint32_t nr;

	if (!sim_engine.root_vacant)
		return;
	nr = --sim_engine.nr;
	sim_engine.root_vacant = false;
	if (nr)
		sift_down(&sim_engine.heap[nr], nr);
}

/*
 * The running event, if it came from the heap, leaves the root slot vacant
 * instead of being popped first: a handler that schedules one event out of
 * order (into the heap) then fills the root with one sift-down instead of
 * a pop (sift-down) plus a push (sift-up).  Order is unchanged: (time, seq).
 */
void engine_run(sim_time_t until)
{
	struct event ev;

	sim_engine.stop = false;
	sim_engine.until = until;
	while ((sim_engine.nr || sim_engine.fifo_nr) && !sim_engine.stop) {
		if (engine_next_is_fifo()) {
			ev = *fifo_first();
			if (ev.time > until)
				break;
			engine_fifo_pop();
		} else {
			ev = sim_engine.heap[0];
			if (ev.time > until)
				break;
			sim_engine.root_vacant = true;
		}
		sim_engine.now = ev.time;
		sim_engine.events_run++;
		ev.fn(ev.obj, ev.arg);
		heap_fill_vacant_root();
	}
}

bool engine_take_next_slow(event_fn fn, void **obj)
{
	const struct event *top;
	bool from_fifo;

	heap_fill_vacant_root();
	if ((!sim_engine.nr && !sim_engine.fifo_nr) || sim_engine.stop)
		return false;
	from_fifo = engine_next_is_fifo();
	top = from_fifo ? fifo_first() : &sim_engine.heap[0];
	if (top->fn != fn || top->time > sim_engine.until)
		return false;
	*obj = top->obj;
	sim_engine.now = top->time;
	sim_engine.events_run++;
	if (from_fifo) {
		engine_fifo_pop();
	} else {
		uint32_t nr = --sim_engine.nr;

		if (nr)
			sift_down(&sim_engine.heap[nr], nr);
	}
	return true;
}

/*
 * Every event in the heap but the root sits under it, so a vacant root's
 * successor is its smallest child: the index of that (0 if none).
 */
static inline uint32_t vacant_root_min(void)
{
	const struct event *heap = sim_engine.heap;
	uint32_t c, end = sim_engine.nr < 1 + HEAP_ARITY ? sim_engine.nr : 1 + HEAP_ARITY, best = 0;

	for (c = 1; c < end; c++)
		if (!best || event_before(&heap[c], &heap[best]))
			best = c;
	return best;
}

/*
 * The order of events is (time, seq) whatever the heap's arrangement, so
 * the pushed event may take the place of the one popped: where the next
 * due is the heap's top, ev fills its slot with one sift-down from there
 * (a vacant root stays vacant, the running event's; see engine_run()).
 * If ev is due before everything queued, nothing moves at all.  Any other
 * case is the plain push and take.
 */
bool engine_push_take_next(sim_time_t when, event_fn fn, void *obj, uint64_t arg, void **next)
{
	struct engine *e = &sim_engine;
	const struct event *fifo_top = e->fifo_nr ? fifo_first() : NULL;
	struct event *heap = e->heap;
	uint64_t seq = e->next_seq;
	uint32_t top = 0;
	bool have_top;

	assert(when >= e->now);
	if (e->stop || when > e->until)
		goto plain;
	if (e->root_vacant) {
		top = vacant_root_min();
		have_top = top != 0;
	} else {
		have_top = e->nr != 0;
	}
	if ((!have_top || key_before(when, seq, &heap[top])) &&
	    (!fifo_top || key_before(when, seq, fifo_top))) {
		e->next_seq = seq + 1;
		e->now = when;
		e->events_run++;
		*next = obj;
		return true;
	}
	if (!have_top || (fifo_top && event_before(fifo_top, &heap[top])) ||
	    heap[top].fn != fn || heap[top].time > e->until)
		goto plain;
	e->next_seq = seq + 1;
	*next = heap[top].obj;
	e->now = heap[top].time;
	e->events_run++;
	sift_down_key(top, e->nr, when, seq, fn, obj, arg);
	return true;
plain:
	event_at(when, fn, obj, arg);
	return engine_take_next(fn, next);
}

void engine_stop(void)
{
	sim_engine.stop = true;
}

sim_time_t engine_next_time(void)
{
	sim_time_t t = UINT64_MAX;

	/* A vacant root is the running event's: fill it to see the next one. */
	heap_fill_vacant_root();
	if (sim_engine.fifo_nr)
		t = fifo_first()->time;
	if (sim_engine.nr && sim_engine.heap[0].time < t)
		t = sim_engine.heap[0].time;
	return t;
}
