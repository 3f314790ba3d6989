/*
 * The classic "hold" benchmark of a priority queue (Jones 1986), run on the
 * event engine alone: the queue holds Q pending events and every event,
 * when it runs, schedules one successor at now + an exponential increment.
 * The queue size stays Q, so each event is one pop and one push at a
 * steady depth, which is the engine's inner loop with nothing else in it.
 *
 * The same source is linked three times by build.ninja: with
 * sim/core/engine.c as built for the simulator (wheel, FIFO and 4-ary
 * heap), and with its heap alone (-DENGINE_NO_WHEEL), 4-ary and binary
 * (-DHEAP_ARITY=2), so that bench/run shows them side by side.  The binary
 * cannot see which engine it was linked with; the label comes from argv.
 *
 * Increments are drawn up front (gsl_rng_taus2 + gsl_ran_exponential) into
 * a small ring, so the timed loop measures the queue, not the RNG; the
 * cost of a draw is measured separately and printed so that one can see
 * what it would have added.
 *
 * Usage: bench_hold [LABEL [EVENTS_PER_Q]]
 */
#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "lib/wallclock.h"
#include "sim/core/engine.h"

/* 16 KiB: stays in L1 next to the heap's top levels at every Q. */
#define RING_SIZE 4096
#define MEAN_NS 1000.0
#define REPEATS 3

static uint32_t ring[RING_SIZE];
static uint32_t ring_pos;
static uint64_t remaining;

static void hold_event(void *obj, uint64_t arg)
{
	(void)obj;
	(void)arg;
	event_after(ring[ring_pos++ & (RING_SIZE - 1)], hold_event, NULL, 0);
	if (--remaining == 0)
		engine_stop();
}

/* Run `n` hold operations; returns the wall seconds they took. */
static double run_holds(uint64_t n)
{
	uint64_t before = sim_engine.events_run;
	double t0;

	remaining = n;
	t0 = wall_seconds();
	engine_run(UINT64_MAX);
	t0 = wall_seconds() - t0;
	if (sim_engine.events_run - before != n) {
		fprintf(stderr, "bench_hold: ran %llu events, expected %llu\n",
			(unsigned long long)(sim_engine.events_run - before),
			(unsigned long long)n);
		exit(1);
	}
	return t0;
}

/* Best of REPEATS timed runs, after a warm-up that lets the queue's time
 * distribution settle from its initial fill into the steady state. */
static double hold_rate(uint32_t q, uint64_t events)
{
	double best = 0;
	uint32_t i;
	int r;

	engine_reset();
	for (i = 0; i < q; i++)
		event_at(ring[i & (RING_SIZE - 1)], hold_event, NULL, 0);
	run_holds(4ULL * q > events ? 4ULL * q : events);
	for (r = 0; r < REPEATS; r++) {
		double rate = (double)events / run_holds(events);

		if (rate > best)
			best = rate;
	}
	return best;
}

/* What drawing each increment in the loop would cost instead of the ring. */
static double draw_ns(gsl_rng *rng)
{
	const int n = 4000000;
	volatile double sink = 0;
	double t0 = wall_seconds();
	int i;

	for (i = 0; i < n; i++)
		sink += gsl_ran_exponential(rng, MEAN_NS);
	(void)sink;
	return (wall_seconds() - t0) / n * 1e9;
}

int main(int argc, char **argv)
{
	static const uint32_t qs[] = { 64, 1024, 65536 };
	const char *label = argc > 1 ? argv[1] : "engine";
	uint64_t events = argc > 2 ? strtoull(argv[2], NULL, 10) : 4000000;
	gsl_rng *rng = gsl_rng_alloc(gsl_rng_taus2);
	size_t i;

	gsl_rng_set(rng, 1);
	for (i = 0; i < RING_SIZE; i++)
		ring[i] = (uint32_t)gsl_ran_exponential(rng, MEAN_NS);

	printf("# hold model, %s: Q, M events/s (best of %d x %llu events), ns/event\n",
	       label, REPEATS, (unsigned long long)events);
	for (i = 0; i < sizeof(qs) / sizeof(qs[0]); i++) {
		double rate = hold_rate(qs[i], events);

		printf("hold %s %u %.2f %.1f\n", label, qs[i], rate / 1e6, 1e9 / rate);
	}
	printf("rng %s gsl_ran_exponential(taus2) %.1f ns/draw (not in the timed loop)\n",
	       label, draw_ns(rng));
	engine_free();
	gsl_rng_free(rng);
	return 0;
}
