/*
 * The event queue: a wheel of the events due in the next 4 us, a
 * FIFO of the events scheduled in order, and a 4-ary implicit heap of the
 * rest, events stored by value.  The next event is the earliest of the
 * three heads by (time, seq), so the order is exactly a single heap's;
 * only the cost changes.
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
 * the wheel or the heap.
 *
 * Why the wheel: a task model's events are mostly a task's resumption a
 * few hundred ns on (a line transfer, a local delay) among the dozens of
 * other tasks' (on the xz trace at 64 threads, 98% of delays are under
 * 1 us, the heap mostly held 16 to 31 events, and the fused push and take
 * of a delay, its sift-down the most of it, was a third of the host's
 * instructions).  A bucket per nanosecond makes a push and a pop
 * O(1) with no comparisons: all of a bucket's events are at one instant,
 * so its list in scheduling order is in (time, seq) order, and a bitmap
 * finds the first bucket in use.  On that trace the wheel does 10% fewer
 * host instructions than the heap alone, for 25% more L1 misses on the
 * 8 KiB of buckets of its first form, 1 us (bench/bench_trace.sh with
 * COUNTS=1).  Where the queue is shallow the heap was cheaper: on the py
 * trace, whose heap mostly held 2 to 7 events, the wheel costs 2% more;
 * at 256 threads (epyc-7763-2s) it saves 9% on xz and 4% on py.
 *
 * Why 4 us and not 1: a contended mmap_lock (global-rwsem) makes delays
 * of 1 to 4 us, a third of xz's there, which a 1 us wheel left to the
 * heap: its sift-downs and the general push and take were 30% of the
 * host's instructions.  A wider window sweeps more buckets, so a bucket
 * is 4 bytes (its first node; an append walks its list, the events of
 * one nanosecond) and a summary word over the bitmap finds the first
 * bucket in two reads: 16 KiB of buckets for 4 us instead of 8 KiB for
 * 1.  Against the 1 us wheel of 8-byte buckets, cachegrind counts on xz
 * 23% fewer instructions under global-rwsem and, under pervma-refcount,
 * 1% more instructions for 3% fewer load misses and 14% fewer store
 * misses; 11 runs taking turns took 15% less task-clock under
 * global-rwsem, and under pervma-refcount 1.6% less on xz and 3.4% less
 * on py.
 *
 * A task's delay (engine_push_take_next()) is mostly the wheel's alone:
 * on xz at 64 threads the FIFO always held a far event and the heap
 * nearly always one, but the next event was one of theirs in only 1% of
 * the delays, the new event itself in 21% and the wheel's head in 78%.
 * So a delay first compares the wheel's head with far_low, a bound on the
 * other two heads kept without reading them, reuses the head's node for
 * the new event, and leaves every other case to the general path: 9% fewer
 * host instructions on xz, 7% on py, the same order.  Before that, a
 * delay that ends before the horizon, a lower bound on every queued
 * event's time that a delay finding itself next leaves exact, needs no
 * queue at all (engine_run_ahead()): 1.9 M of xz's 10.2 M delays, most
 * of them an exit zapping page tables after the other threads are done;
 * 1.8% fewer host instructions.
 *
 * ENGINE_NO_FIFO and ENGINE_NO_WHEEL build the engine without either, for
 * the comparisons of bench/run (rwsem model: as built against heap only;
 * the hold model: heap layouts alone).
 */
#include "sim/core/engine.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/xalloc.h"
#include "sim/core/compiler.h"

#ifndef HEAP_ARITY
#define HEAP_ARITY 4
#endif

struct engine sim_engine;

/* ---- the near wheel ------------------------------------------------ */

#ifndef WHEEL_SIZE
#define WHEEL_SIZE 4096		/* ns ahead of now; a power of two, 128 to 4096 */
#endif
#define WHEEL_WORDS (WHEEL_SIZE / 64)
_Static_assert(WHEEL_WORDS >= 2 && WHEEL_WORDS <= 64 && !(WHEEL_SIZE & (WHEEL_SIZE - 1)),
	       "one summary word covers the wheel's bitmap");

struct wheel_node {
	struct event ev;
	uint32_t next;			/* in its bucket, or the free list; 0 = none */
};

/*
 * Events due less than WHEEL_SIZE ns after now, one bucket per nanosecond:
 * bucket b holds the events at the one time in [now, now + WHEEL_SIZE)
 * that is b modulo WHEEL_SIZE, in the order they were scheduled, which is
 * their sequence order.  So a bucket is a FIFO, the bucket of now and the
 * ones after it, in circular order, are in time order, and a bitmap of the
 * buckets in use finds the earliest.  Nodes are 1-based: 0 ends a list.
 * A bucket's head means something only while its bit is set, and bit w
 * of `summary` is set while word w of the bitmap is not zero, so the
 * first bucket in use is found in two words however sparse the wheel.
 */
static struct {
	struct wheel_node *node;
	uint32_t node_cap, free, nr;
	uint32_t bucket[WHEEL_SIZE];	/* its first node */
	uint64_t used[WHEEL_WORDS];
	uint64_t summary;
} wheel;

static void wheel_reset(void)
{
	uint32_t i;

	memset(wheel.bucket, 0, sizeof(wheel.bucket));
	memset(wheel.used, 0, sizeof(wheel.used));
	wheel.summary = 0;
	wheel.nr = 0;
	wheel.free = 0;
	for (i = wheel.node_cap; i > 1; i--) {
		wheel.node[i - 1].next = wheel.free;
		wheel.free = i - 1;
	}
}

static void wheel_grow(void)
{
	uint32_t old = wheel.node_cap ? wheel.node_cap : 1, cap, i;

	if (old > UINT32_MAX / 2)
		fatal("engine: more than %u events due within %d ns", old, WHEEL_SIZE);
	cap = old < 128 ? 256 : old * 2;
	wheel.node = xreallocarray(wheel.node, cap, sizeof(*wheel.node));
	for (i = cap; i > old; i--) {
		wheel.node[i - 1].next = wheel.free;
		wheel.free = i - 1;
	}
	wheel.node_cap = cap;
}

/*
 * Does an event at `when` (no earlier than now) belong in the wheel?  Every
 * event in it is then due before now + WHEEL_SIZE, whatever now is later.
 */
static inline bool wheel_takes(sim_time_t when)
{
#ifdef ENGINE_NO_WHEEL
	(void)when;
	return false;
#else
	return when - sim_engine.now < WHEEL_SIZE;
#endif
}

/* The bucket of the events at `when`. */
static inline uint32_t wheel_bucket(sim_time_t when)
{
	return (uint32_t)(when & (WHEEL_SIZE - 1));
}

/* Append node n, its event filled in, to bucket b, the one of its time. */
static inline void wheel_link(uint32_t n, uint32_t b)
{
	uint64_t bit = 1ULL << (b % 64);
	uint32_t last;

	wheel.node[n].next = 0;
	/* The bitmap, hot, says whether the bucket is empty: a bucket far
	 * from the last ones used is then written, never read (a load that
	 * misses stalls, a store that misses does not).  A bucket holds the
	 * events of one nanosecond, a short list: it is walked to its end
	 * rather than keeping a tail, so a bucket is 4 bytes. */
	if (wheel.used[b / 64] & bit) {
		for (last = wheel.bucket[b]; wheel.node[last].next; last = wheel.node[last].next)
			;
		wheel.node[last].next = n;
	} else {
		wheel.bucket[b] = n;
		wheel.used[b / 64] |= bit;
		wheel.summary |= 1ULL << (b / 64);
	}
}

/* Unlink the first node of bucket b, and return it. */
static inline uint32_t wheel_unlink_head(uint32_t b)
{
	uint32_t n = wheel.bucket[b];

	wheel.bucket[b] = wheel.node[n].next;
	if (!wheel.bucket[b] && !(wheel.used[b / 64] &= ~(1ULL << (b % 64))))
		wheel.summary &= ~(1ULL << (b / 64));
	return n;
}

static inline void wheel_add(sim_time_t when, uint64_t seq, event_fn fn, void *obj, uint64_t arg)
{
	struct wheel_node *node;
	uint32_t n;

	if (!wheel.free)
		wheel_grow();
	n = wheel.free;
	node = &wheel.node[n];
	wheel.free = node->next;
	node->ev.time = when;
	node->ev.seq = seq;
	node->ev.fn = fn;
	node->ev.obj = obj;
	node->ev.arg = arg;
	wheel_link(n, wheel_bucket(when));
	wheel.nr++;
}

/*
 * The first bucket in use from now's on, circularly; the wheel is not
 * empty.  Past now's word, the summary names the next word in use: one
 * after now's, else (the window wraps) the first, which may be now's own
 * with only buckets before now's in it, the latest of the window.
 */
static inline uint32_t wheel_first_bucket(void)
{
	uint32_t b = (uint32_t)(sim_engine.now & (WHEEL_SIZE - 1)), w = b / 64;
	uint64_t bits = wheel.used[w] & (~0ULL << (b % 64)), later;

	if (!bits) {
		later = wheel.summary & (~1ULL << w);
		w = (uint32_t)__builtin_ctzll(later ? later : wheel.summary);
		bits = wheel.used[w];
	}
	return w * 64 + (uint32_t)__builtin_ctzll(bits);
}

/* Take the first event of bucket b off the wheel. */
static inline void wheel_pop(uint32_t b)
{
	uint32_t n = wheel_unlink_head(b);

	wheel.node[n].next = wheel.free;
	wheel.free = n;
	wheel.nr--;
}

void engine_reset(void)
{
	struct event *heap = sim_engine.heap, *fifo = sim_engine.fifo;
	uint32_t cap = sim_engine.cap, fifo_cap = sim_engine.fifo_cap;

	memset(&sim_engine, 0, sizeof(sim_engine));
	sim_engine.heap = heap;
	sim_engine.cap = cap;
	sim_engine.fifo = fifo;
	sim_engine.fifo_cap = fifo_cap;
	wheel_reset();
}

void engine_free(void)
{
	free(sim_engine.heap);
	free(sim_engine.fifo);
	free(wheel.node);
	memset(&sim_engine, 0, sizeof(sim_engine));
	memset(&wheel, 0, sizeof(wheel));
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

	for (i = 0; i < sim_engine.fifo_nr; i++)
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

static inline void engine_fifo_pop(void)
{
	sim_engine.fifo_head = (sim_engine.fifo_head + 1) & (sim_engine.fifo_cap - 1);
	sim_engine.fifo_nr--;
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

static inline bool event_before(const struct event *a, const struct event *b)
{
	if (a->time != b->time)
		return a->time < b->time;
	return a->seq < b->seq;
}

/*
 * Move ev down from the root to its place among the first nr slots: to
 * finish a pop (ev = the last slot, no longer counted) or to push into a
 * root left vacant by the running event (see engine_run).
 */
static void sift_down(const struct event *ev, uint32_t nr)
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
		if (!event_before(&heap[best], ev))
			break;
		heap[i] = heap[best];
		i = best;
	}
	heap[i] = *ev;
}

/*
 * An event goes into the heap at `when`.  One that goes into the FIFO
 * needs nothing: it is due no earlier than fifo_mark, and far_low never
 * is later than fifo_mark, as every event in the heap went there for
 * being due before it (see engine_push_take_next()).  Built without the
 * FIFO, the bound falls back to fifo_mark, 0, whenever both are empty.
 */
static inline void far_lower(sim_time_t when)
{
	if (when < sim_engine.far_low)
		sim_engine.far_low = when;
}

/* Queue an event whose seq is already taken: the FIFO, the wheel or the heap. */
static inline __attribute__((always_inline))
void queue_event(sim_time_t when, uint64_t seq, event_fn fn, void *obj, uint64_t arg)
{
	struct event ev = { when, seq, fn, obj, arg };
	struct event *heap;
	uint32_t i;

	assert(when >= sim_engine.now);
	if (when < sim_engine.horizon)
		sim_engine.horizon = when;
#ifndef ENGINE_NO_FIFO
	if (fifo_push(&ev))
		return;
#endif
	if (wheel_takes(when)) {
		wheel_add(when, seq, fn, obj, arg);
		return;
	}
	far_lower(when);
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

void event_at_slow(sim_time_t when, event_fn fn, void *obj, uint64_t arg)
{
	queue_event(when, sim_engine.next_seq++, fn, obj, arg);
}

/* Pop the heap's root (vacant or not): its last event sifts down from there. */
static inline void heap_pop_root(void)
{
	uint32_t nr = --sim_engine.nr;

	if (nr)
		sift_down(&sim_engine.heap[nr], nr);
}

/* Finish the pop of the running event if nothing took its root slot. */
static inline void heap_fill_vacant_root(void)
{
	if (!sim_engine.root_vacant)
		return;
	sim_engine.root_vacant = false;
	heap_pop_root();
}

enum source { SRC_NONE, SRC_FIFO, SRC_HEAP, SRC_WHEEL };

/* The horizon never passes the run's limit: a delay beyond it must stop. */
static inline sim_time_t horizon_limit(void)
{
	return sim_engine.until == UINT64_MAX ? UINT64_MAX : sim_engine.until + 1;
}

/* The horizon once the queue's head is known to be due at `head`. */
static inline void horizon_at(sim_time_t head)
{
	sim_time_t limit = horizon_limit();

	sim_engine.horizon = head < limit ? head : limit;
}

/*
 * The earlier of the FIFO's head and the heap's root (which must not be
 * vacant), NULL if both are empty; *src says which.
 */
static inline const struct event *far_head(enum source *src)
{
	const struct engine *e = &sim_engine;
	const struct event *best = NULL;

	*src = SRC_NONE;
	if (e->fifo_nr) {
		best = fifo_first();
		*src = SRC_FIFO;
	}
	if (e->nr && (!best || event_before(&e->heap[0], best))) {
		best = &e->heap[0];
		*src = SRC_HEAP;
	}
	return best;
}

/*
 * The earliest of the three queues' heads and the queue it is in (for the
 * wheel, its bucket in *bucket).  The heap's root must not be vacant.
 */
static inline enum source next_source(const struct event **top, uint32_t *bucket)
{
	enum source src;
	const struct event *best = far_head(&src);

	if (wheel.nr) {
		uint32_t b = wheel_first_bucket();
		const struct event *w = &wheel.node[wheel.bucket[b]].ev;

		if (!best || event_before(w, best)) {
			best = w;
			src = SRC_WHEEL;
			*bucket = b;
		}
	}
	*top = best;
	return src;
}

/* Take the head found by next_source() off its queue. */
static inline void take_head(enum source src, uint32_t bucket)
{
	if (src == SRC_FIFO)
		engine_fifo_pop();
	else if (src == SRC_HEAP)
		heap_pop_root();
	else
		wheel_pop(bucket);
}

/*
 * The running event, if it came from the heap, leaves the root slot vacant
 * instead of being popped first: a handler that schedules one event out of
 * order (into the heap) then fills the root with one sift-down instead of
 * a pop (sift-down) plus a push (sift-up).  Order is unchanged: (time, seq).
 */
void engine_run(sim_time_t until)
{
	const struct event *top;
	struct event ev;
	enum source src;
	uint32_t bucket = 0;

	sim_engine.stop = false;
	sim_engine.until = until;
	if (horizon_limit() < sim_engine.horizon)
		sim_engine.horizon = horizon_limit();
	while (!sim_engine.stop) {
		src = next_source(&top, &bucket);
		if (src == SRC_NONE || top->time > until)
			break;
		ev = *top;
		if (src == SRC_HEAP)
			sim_engine.root_vacant = true;
		else
			take_head(src, bucket);
		sim_engine.now = ev.time;
		sim_engine.events_run++;
		ev.fn(ev.obj, ev.arg);
		heap_fill_vacant_root();
	}
}

bool engine_take_next(event_fn fn, void **obj)
{
	const struct event *top;
	enum source src;
	uint32_t bucket = 0;

	heap_fill_vacant_root();
	if (sim_engine.stop)
		return false;
	src = next_source(&top, &bucket);
	if (src == SRC_NONE || top->fn != fn || top->time > sim_engine.until)
		return false;
	*obj = top->obj;
	sim_engine.now = top->time;
	sim_engine.events_run++;
	take_head(src, bucket);
	return true;
}

/*
 * If ev is due before everything queued, nothing moves at all (its seq is
 * the newest, so that is when it is due strictly before the head);
 * otherwise the head is taken first and the new event queued after, which
 * leaves the order, (time, seq), as a push then a take would.
 */
static bool __attribute__((noinline))
push_take_next_slow(sim_time_t when, event_fn fn, void *obj, uint64_t arg, void **next)
{
	struct engine *e = &sim_engine;
	uint64_t seq = e->next_seq;
	const struct event *top;
	enum source src;
	uint32_t bucket = 0;
	sim_time_t top_time;

	assert(when >= e->now);
	heap_fill_vacant_root();
	if (e->stop || when > e->until)
		goto plain;
	src = next_source(&top, &bucket);
	if (src == SRC_NONE || when < top->time) {
		horizon_at(src == SRC_NONE ? UINT64_MAX : top->time);
		e->next_seq = seq + 1;
		e->now = when;
		e->events_run++;
		*next = obj;
		return true;
	}
	if (top->fn != fn || top->time > e->until)
		goto plain;
	*next = top->obj;
	top_time = top->time;
	take_head(src, bucket);
	e->next_seq = seq + 1;
	queue_event(when, seq, fn, obj, arg);
	e->now = top_time;
	e->events_run++;
	return true;
plain:
	event_at(when, fn, obj, arg);
	return engine_take_next(fn, next);
}

/*
 * The end of a delay whose next event is the new one or the wheel's head
 * (node n, first in bucket b): if the new event is due strictly first,
 * nothing moves; otherwise the head's node is taken off its bucket and
 * reused for the new event (no free list).
 */
static __always_inline bool push_take_wheel_head(uint32_t n, uint32_t b, sim_time_t when,
						  event_fn fn, void *obj, uint64_t arg, void **next)
{
	struct engine *e = &sim_engine;
	struct wheel_node *node = &wheel.node[n];

	if (when < node->ev.time) {
		/* The head is the queue's: the callers compared it with the rest. */
		horizon_at(node->ev.time);
		e->next_seq++;
		e->now = when;
		e->events_run++;
		*next = obj;
		return true;
	}
	if (unlikely(node->ev.fn != fn))
		return push_take_next_slow(when, fn, obj, arg, next);
	e->now = node->ev.time;
	wheel_unlink_head(b);
	*next = node->ev.obj;
	node->ev.time = when;
	node->ev.seq = e->next_seq++;
	node->ev.obj = obj;
	node->ev.arg = arg;
	wheel_link(n, wheel_bucket(when));
	e->events_run++;
	return true;
}

/*
 * The wheel's head is not due before far_low: read the FIFO's and the
 * heap's heads, which makes the bound exact, and go the general way if
 * one of them is due first.  Apart, so that the common path needs no
 * registers of its own to save.
 */
static bool __attribute__((noinline))
push_take_next_far(uint32_t n, uint32_t b, sim_time_t when, event_fn fn, void *obj,
		   uint64_t arg, void **next)
{
	const struct wheel_node *node = &wheel.node[n];
	struct engine *e = &sim_engine;
	enum source far_src;
	const struct event *far = far_head(&far_src);

	e->far_low = far ? far->time : e->fifo_mark;
	if (far && event_before(far, &node->ev))
		return push_take_next_slow(when, fn, obj, arg, next);
	return push_take_wheel_head(n, b, when, fn, obj, arg, next);
}

/*
 * A task's delay, as push_take_next_slow() does it, in the case that is
 * nearly all of them: the new event is for the wheel and the next one due
 * is either the new event itself or the wheel's head.  The FIFO's and the
 * heap's heads are read only when the wheel's head is not due before
 * far_low, and every other case goes the general way.  Which queue holds
 * an event never changes the order, (time, seq), so the FIFO is not
 * offered the new event here.
 */
bool engine_push_take_next(sim_time_t when, event_fn fn, void *obj, uint64_t arg, void **next)
{
	struct engine *e = &sim_engine;
	uint32_t b, n;

	assert(when >= e->now);
	if (unlikely(e->root_vacant || e->stop || when > e->until || !wheel.nr || !wheel_takes(when)))
		return push_take_next_slow(when, fn, obj, arg, next);
	b = wheel_first_bucket();
	n = wheel.bucket[b];
	if (unlikely(wheel.node[n].ev.time >= e->far_low))
		return push_take_next_far(n, b, when, fn, obj, arg, next);
	return push_take_wheel_head(n, b, when, fn, obj, arg, next);
}

uint32_t engine_nr_queued(void)
{
	return sim_engine.nr - (sim_engine.root_vacant ? 1 : 0) + sim_engine.fifo_nr + wheel.nr;
}

void engine_stop(void)
{
	sim_engine.stop = true;
	sim_engine.horizon = 0;
}

sim_time_t engine_next_time(void)
{
	const struct event *top;
	uint32_t bucket;

	/* A vacant root is the running event's: fill it to see the next one. */
	heap_fill_vacant_root();
	return next_source(&top, &bucket) != SRC_NONE ? top->time : UINT64_MAX;
}
