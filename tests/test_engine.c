/* The event queue: order by (time, sequence), run-until, determinism. */
#include <gsl/gsl_rng.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sim/core/engine.h"
#include "tests/test.h"

static uint64_t seen[20000];
static int nseen;

static void record(void *obj, uint64_t arg)
{
	(void)obj;
	seen[nseen++] = arg;
}

/* Random times with many ties: run order must be by time, ties by insertion. */
static int test_heap_order(void)
{
	gsl_rng *r = gsl_rng_alloc(gsl_rng_taus2);
	static uint64_t when[20000];
	int i;

	engine_reset();
	nseen = 0;
	for (i = 0; i < 20000; i++) {
		when[i] = gsl_rng_uniform_int(r, 500);
		event_at(when[i], record, NULL, (uint64_t)i);
	}
	engine_run(UINT64_MAX);
	CHECK(nseen == 20000);
	for (i = 1; i < 20000; i++) {
		uint64_t a = seen[i - 1], b = seen[i];

		CHECKF(when[a] < when[b] || (when[a] == when[b] && a < b),
		       "event %llu (t=%llu) ran before %llu (t=%llu)", (unsigned long long)a,
		       (unsigned long long)when[a], (unsigned long long)b, (unsigned long long)when[b]);
	}
	gsl_rng_free(r);
	engine_free();
	return 0;
}

static void chain(void *obj, uint64_t arg)
{
	int *left = obj;

	seen[nseen++] = sim_now();
	if (--*left > 0)
		event_after(arg, chain, obj, arg);
}

/* Events scheduled from events; engine_run(until) stops before later ones. */
static int test_run_until(void)
{
	int left = 10;

	engine_reset();
	nseen = 0;
	event_at(5, chain, &left, 10);
	engine_run(50);
	CHECK(nseen == 5);
	CHECK(seen[4] == 45);
	CHECK(sim_now() == 45);
	engine_run(UINT64_MAX);
	CHECK(nseen == 10);
	CHECK(seen[9] == 95);
	CHECK(sim_engine.events_run == 10);
	engine_free();
	return 0;
}

static void stopper(void *obj, uint64_t arg)
{
	(void)obj; (void)arg;
	engine_stop();
}

static int test_stop(void)
{
	engine_reset();
	nseen = 0;
	event_at(1, record, NULL, 1);
	event_at(2, stopper, NULL, 0);
	event_at(3, record, NULL, 3);
	engine_run(UINT64_MAX);
	CHECK(nseen == 1);
	engine_run(UINT64_MAX);
	CHECK(nseen == 2);
	engine_free();
	return 0;
}

/*
 * Events scheduled from events: most of them later than everything queued
 * (the FIFO's case: transfers queued behind a busy line), some due within
 * the wheel's 4 us, on both sides of its end (the wheel's), the
 * rest at random further on (the heap's).  The run order must still be
 * (time, scheduling order), and all three structures must have been used.
 */
static gsl_rng *mix_rng;
static uint64_t mix_scheduled, mix_last_time, mix_last_arg;
static int mix_left, mix_bad, mix_bad_bound, mix_lone_queued, mix_lone_run, mix_run_ahead;
static sim_time_t mix_far, mix_near;
/* Below the first, events scheduled in order; below the second, near ones. */
static double mix_in_order = 0.5, mix_near_until = 0.8;
static uint32_t mix_wheel_max;

/*
 * Checks that (now, id) comes after the event run before it, and that the
 * engine's bound on the heads of the FIFO and the heap holds.
 */
static void mix_check(uint64_t id)
{
	const struct engine *e = &sim_engine;

	if (nseen && (sim_now() < mix_last_time ||
		      (sim_now() == mix_last_time && id < mix_last_arg)))
		mix_bad++;
	if (e->fifo_nr && e->fifo[e->fifo_head].time < e->far_low)
		mix_bad_bound++;
	if (e->nr && !e->root_vacant && e->heap[0].time < e->far_low)
		mix_bad_bound++;
	/* The horizon is a bound on every head (reading them has no side
	 * effect unless the heap's root is vacant). */
	if (!e->root_vacant && engine_next_time() < e->horizon)
		mix_bad_bound++;
	mix_last_time = sim_now();
	mix_last_arg = id;
	nseen++;
}

static sim_time_t mix_when(void)
{
	double u = gsl_rng_uniform(mix_rng);

	if (u < mix_in_order) {
		mix_far += gsl_rng_uniform_int(mix_rng, 3);	/* ties too */
		return mix_far > sim_now() ? mix_far : sim_now();
	}
	if (u < mix_near_until) {
		/* Now and then the instant of an earlier near one: a bucket of several. */
		if (u < mix_in_order + 0.05 && mix_near >= sim_now())
			return mix_near;
		mix_near = sim_now() + gsl_rng_uniform_int(mix_rng, 4400);
		return mix_near;
	}
	return sim_now() + 4000 + gsl_rng_uniform_int(mix_rng, 40000);
}

static void mixed(void *obj, uint64_t arg)
{
	uint32_t in_wheel = engine_nr_queued() - sim_engine.fifo_nr -
			    (sim_engine.nr - (sim_engine.root_vacant ? 1 : 0));
	int k;

	(void)obj;
	mix_check(arg);
	if (in_wheel > mix_wheel_max)
		mix_wheel_max = in_wheel;
	for (k = 0; k < 2 && mix_left > 0; k++, mix_left--)
		event_at(mix_when(), mixed, NULL, mix_scheduled++);
}

static void mix_start(void)
{
	mix_rng = gsl_rng_alloc(gsl_rng_taus2);
	engine_reset();
	nseen = 0;
	mix_scheduled = 1;
	mix_left = 200000;
	mix_bad = mix_bad_bound = 0;
	mix_lone_queued = mix_lone_run = mix_run_ahead = 0;
	mix_far = 100;
	mix_near = 0;
	mix_wheel_max = 0;
	mix_last_time = mix_last_arg = 0;
}

static int test_fifo_wheel_heap(void)
{
	mix_start();
	event_at(0, mixed, NULL, 0);
	engine_run(UINT64_MAX);
	printf("  %d events run, %d out of order; FIFO ring %u slots, heap %u slots, "
	       "up to %u in the wheel\n", nseen, mix_bad, sim_engine.fifo_cap, sim_engine.cap,
	       mix_wheel_max);
	CHECK(nseen == 200001);
	CHECK(mix_bad == 0);
	CHECK(sim_engine.fifo_cap > 0 && sim_engine.cap > 0 && mix_wheel_max > 0);
	CHECK(engine_nr_queued() == 0);
	gsl_rng_free(mix_rng);
	engine_free();
	return 0;
}

/*
 * The same mix through engine_push_take_next(), as a task's delays use it:
 * each "task" runs, schedules its next step and goes straight on with
 * whatever is due next, returning to the run loop only when that is not
 * one of its kind: a plain event of another kind (lone()), which must
 * never be taken for a step.  Some steps queue a lone event just before
 * their delay, as a task wakes another and goes on.  Each event's object
 * carries its scheduling order.
 */
static uint64_t step_id[200002];
static bool step_is_lone[200002];

static void step(void *obj, uint64_t arg);

static void lone(void *obj, uint64_t arg)
{
	(void)arg;
	mix_check(*(uint64_t *)obj);
	mix_lone_run++;
	if (mix_left <= 0)
		return;
	mix_left--;
	step_id[mix_scheduled] = mix_scheduled;
	event_at(mix_when(), step, &step_id[mix_scheduled], 0);
	mix_scheduled++;
}

static void step(void *obj, uint64_t arg)
{
	sim_time_t when;
	void *next;
	double u;

	(void)arg;
	for (;;) {
		mix_check(*(uint64_t *)obj);
		if (step_is_lone[*(uint64_t *)obj])
			mix_bad++;
		if (mix_left <= 0)
			return;
		mix_left--;
		u = gsl_rng_uniform(mix_rng);
		if (u < 0.1) {	/* now and then, a plain event, of either kind */
			step_id[mix_scheduled] = mix_scheduled;
			event_at(mix_when(), u < 0.05 ? lone : step, &step_id[mix_scheduled], 0);
			step_is_lone[mix_scheduled] = u < 0.05;
			mix_lone_queued += u < 0.05;
			mix_scheduled++;
			return;
		}
		if (u < 0.2 && mix_left > 0) {	/* a lone event too, then the delay */
			mix_left--;
			step_id[mix_scheduled] = mix_scheduled;
			event_at(mix_when(), lone, &step_id[mix_scheduled], 0);
			step_is_lone[mix_scheduled] = true;
			mix_lone_queued++;
			mix_scheduled++;
		}
		/* As task_delay(): the horizon first, then the fused push and take. */
		when = mix_when();
		step_id[mix_scheduled] = mix_scheduled;
		if (engine_run_ahead(when)) {
			obj = &step_id[mix_scheduled++];
			mix_run_ahead++;
			continue;
		}
		if (!engine_push_take_next(when, step, &step_id[mix_scheduled++], 0, &next))
			return;
		obj = next;
	}
}

static int push_take_next_mix(double in_order, double near_until, int ntasks)
{
	int i;

	mix_start();
	mix_in_order = in_order;
	mix_near_until = near_until;
	memset(step_is_lone, 0, sizeof(step_is_lone));
	mix_left = 200000 - ntasks;
	for (i = 0; i < ntasks; i++) {
		step_id[mix_scheduled] = mix_scheduled;
		event_at(gsl_rng_uniform_int(mix_rng, 100), step, &step_id[mix_scheduled++], 0);
	}
	engine_run(UINT64_MAX);
	printf("  %d tasks, %.0f%% in order, %.0f%% far: %d steps run (%d of them lone, %d run ahead), "
	       "%d out of order, %d heads before a bound\n", ntasks, 100 * in_order,
	       100 * (1 - near_until), nseen, mix_lone_run, mix_run_ahead, mix_bad, mix_bad_bound);
	CHECK(nseen == 200000);
	CHECK(mix_bad == 0);
	CHECK(mix_bad_bound == 0);
	CHECK(mix_lone_queued > 1000);
	CHECK(mix_lone_run == mix_lone_queued);
	CHECK(in_order == 0 || mix_run_ahead > 100);	/* in order: a step often is next */
	CHECK(sim_engine.events_run == 200000);
	gsl_rng_free(mix_rng);
	engine_free();
	mix_in_order = 0.5;
	mix_near_until = 0.8;
	return 0;
}

/*
 * Half the events in order keeps the FIFO from draining.  None in order
 * leaves it mostly empty, so that an event the FIFO takes is often the
 * earliest of all.  With two tasks instead of 64 the heap is often empty
 * too, and an event pushed there is often its new root, which the bound
 * on the two heads must follow (engine/far_bound scripts the FIFO's case).
 */
static int test_push_take_next(void)
{
	int err = push_take_next_mix(0.5, 0.8, 64);

	if (!err)
		err = push_take_next_mix(0.0, 0.8, 64);
	return err ? err : push_take_next_mix(0.0, 0.8, 2);
}

/*
 * One scripted case of the bound on the FIFO's and the heap's heads: a
 * delay finds both empty (the bound then stays at fifo_mark), and the next
 * task wakes another through the FIFO, due before the wheel's head, just
 * before its own delay.  The woken one must run first.  Tasks A, B and C
 * delay to their script's times in turn (0 ends one); L0 and L1 are plain
 * events.
 */
static const sim_time_t fb_script[3][3] = { { 200, 300, 0 }, { 205, 400, 0 }, { 0 } };
static int fb_phase[3], fb_n;
static char fb_who[16];
static sim_time_t fb_time[16];
static char fb_names[] = "ABCLl";

static void fb_log(void *obj, uint64_t arg)
{
	(void)arg;
	if (fb_n < 16) {
		fb_who[fb_n] = *(char *)obj;
		fb_time[fb_n++] = sim_now();
	}
}

static void fb_task(void *obj, uint64_t arg)
{
	void *next;

	for (;;) {
		int i = *(char *)obj - 'A';
		sim_time_t to = fb_script[i][fb_phase[i]++];

		fb_log(obj, arg);
		if (i == 1 && fb_phase[i] == 2)
			event_at(210, fb_log, &fb_names[4], 0);
		if (!to || !engine_push_take_next(to, fb_task, obj, 0, &next))
			return;
		obj = next;
	}
}

static int test_far_bound(void)
{
	static const char want_who[] = "ABCLABlAB";
	static const sim_time_t want_time[] = { 10, 20, 30, 100, 200, 205, 210, 300, 400 };
	int i;

	engine_reset();
	fb_n = 0;
	memset(fb_phase, 0, sizeof(fb_phase));
	event_at(100, fb_log, &fb_names[3], 0);
	event_at(10, fb_task, &fb_names[0], 0);
	event_at(20, fb_task, &fb_names[1], 0);
	event_at(30, fb_task, &fb_names[2], 0);
	engine_run(UINT64_MAX);
	CHECK(fb_n == 9);
	for (i = 0; i < 9; i++)
		CHECKF(fb_who[i] == want_who[i] && fb_time[i] == want_time[i],
		       "event %d: %c at %llu, not %c at %llu", i, fb_who[i],
		       (unsigned long long)fb_time[i], want_who[i], (unsigned long long)want_time[i]);
	engine_free();
	return 0;
}

const struct test_case engine_tests[] = {
	{ "engine/heap_order", test_heap_order },
	{ "engine/fifo_wheel_heap", test_fifo_wheel_heap },
	{ "engine/push_take_next", test_push_take_next },
	{ "engine/far_bound", test_far_bound },
	{ "engine/run_until", test_run_until },
	{ "engine/stop", test_stop },
	{ NULL, NULL },
};
