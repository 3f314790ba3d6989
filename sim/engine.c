/*
 * The event queue is a 4-ary implicit heap of events stored by value.
 *
 * Why hand-rolled and why 4-ary: the queue is the innermost loop of the
 * simulator (every line transfer and every task resume is one event).
 * bench/bench_hold measures the binary and the 4-ary layout side by side
 * on the classic "hold" model; the 4-ary heap does fewer levels and its four
 * children share one or two host cachelines, which wins on pop, the
 * dominant operation.  HEAP_ARITY can be set at compile time to rebuild the
 * other variant for that benchmark.
 */
#include "engine.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef HEAP_ARITY
#define HEAP_ARITY 4
#endif

struct engine sim_engine;

static inline bool event_before(const struct event *a, const struct event *b)
{
	if (a->time != b->time)
		return a->time < b->time;
	return a->seq < b->seq;
}

void engine_reset(void)
{
	struct event *heap = sim_engine.heap;
	uint32_t cap = sim_engine.cap;

	memset(&sim_engine, 0, sizeof(sim_engine));
	sim_engine.heap = heap;
	sim_engine.cap = cap;
}

void engine_free(void)
{
	free(sim_engine.heap);
	memset(&sim_engine, 0, sizeof(sim_engine));
}

static void heap_grow(void)
{
	uint32_t cap = sim_engine.cap ? sim_engine.cap * 2 : 1024;
	struct event *heap = realloc(sim_engine.heap, cap * sizeof(*heap));

	if (!heap) {
		fprintf(stderr, "mmlocksim: out of memory for the event queue\n");
		exit(1);
	}
	sim_engine.heap = heap;
	sim_engine.cap = cap;
}

/*
 * Move `ev` down from the root to its place among the first nr slots.
 * Used both to finish a pop (ev = the last slot) and to push into a root
 * left vacant by the running event (see engine_run).
 */
static void sift_down(struct event ev, uint32_t nr)
{
	struct event *heap = sim_engine.heap;
	uint32_t i = 0;

	for (;;) {
		uint32_t first = i * HEAP_ARITY + 1, best, c, end;

		if (first >= nr)
			break;
		best = first;
		end = first + HEAP_ARITY < nr ? first + HEAP_ARITY : nr;
		for (c = first + 1; c < end; c++)
			if (event_before(&heap[c], &heap[best]))
				best = c;
		if (!event_before(&heap[best], &ev))
			break;
		heap[i] = heap[best];
		i = best;
	}
	heap[i] = ev;
}

void event_at(sim_time_t when, event_fn fn, void *obj, uint64_t arg)
{
	struct event ev = { when, sim_engine.next_seq++, fn, obj, arg };
	struct event *heap;
	uint32_t i;

	assert(when >= sim_engine.now);
	if (sim_engine.root_vacant) {
		sim_engine.root_vacant = false;
		sift_down(ev, sim_engine.nr);
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

/*
 * The running event leaves the root slot vacant instead of being popped
 * first: most handlers schedule exactly one new event (a task's next
 * resume), which then takes the root with one sift-down instead of a pop
 * (sift-down) plus a push (sift-up).  Order is unchanged: (time, seq).
 */
void engine_run(sim_time_t until)
{
	struct event ev;

	sim_engine.stop = false;
	sim_engine.until = until;
	while (sim_engine.nr && !sim_engine.stop) {
		if (sim_engine.heap[0].time > until)
			break;
		ev = sim_engine.heap[0];
		sim_engine.root_vacant = true;
		sim_engine.now = ev.time;
		sim_engine.events_run++;
		ev.fn(ev.obj, ev.arg);
		if (sim_engine.root_vacant) {
			uint32_t nr = --sim_engine.nr;

			sim_engine.root_vacant = false;
			if (nr)
				sift_down(sim_engine.heap[nr], nr);
		}
	}
}

bool engine_take_next(event_fn fn, void **obj)
{
	struct event *top;
	uint32_t nr;

	if (sim_engine.root_vacant) {
		/* Finish the pop of the event that is running. */
		nr = --sim_engine.nr;
		sim_engine.root_vacant = false;
		if (nr)
			sift_down(sim_engine.heap[nr], nr);
	}
	if (!sim_engine.nr || sim_engine.stop)
		return false;
	top = &sim_engine.heap[0];
	if (top->fn != fn || top->time > sim_engine.until)
		return false;
	*obj = top->obj;
	sim_engine.now = top->time;
	sim_engine.events_run++;
	nr = --sim_engine.nr;
	if (nr)
		sift_down(sim_engine.heap[nr], nr);
	return true;
}

void engine_stop(void)
{
	sim_engine.stop = true;
}
