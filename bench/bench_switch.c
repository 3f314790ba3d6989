/*
 * The engine's floor for task models: 64 tasks on 64 CPUs that only let
 * time pass (task_delay), so every event is one queue push, one pop and
 * one coroutine switch, with no model work at all.  Its ns/event bounds
 * what any task model can reach; bench/run sets it beside model (b) and
 * SimPy to show how much of an event is the engine and how much the model.
 *
 * Usage: bench_switch [NTASKS [ITERS]]
 * Prints "key value" lines, as bench_rwsem does.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "lib/wallclock.h"
#include "sim/core/engine.h"
#include "sim/core/machine.h"
#include "sim/run/sim.h"
#include "sim/core/task.h"

static int iters;

static void idle_worker(void *arg)
{
	int i;

	(void)arg;
	for (i = 0; i < iters; i++)
		task_delay(100);
}

int main(int argc, char **argv)
{
	const struct machine *m = machine_find("xeon-8176-2s", stderr);
	int ntasks = argc > 1 ? atoi(argv[1]) : 64;
	struct sim_config cfg = { .machine = m, .ncpus = ntasks, .seed = 1 };
	uint64_t events;
	double wall;
	int i;

	iters = argc > 2 ? atoi(argv[2]) : 200000;
	if (!m || ntasks < 1 || ntasks > m->ncpus || iters < 1) {
		fprintf(stderr, "usage: bench_switch [NTASKS (1-%d) [ITERS]]\n",
			m ? m->ncpus : MAX_CPUS);
		return 2;
	}
	sim_begin(&cfg);
	for (i = 0; i < ntasks; i++)
		task_create("idle", idle_worker, NULL, i, (sim_time_t)i);
	wall = wall_seconds();
	sim_run(UINT64_MAX);
	wall = wall_seconds() - wall;
	events = sim_engine.events_run;
	sim_end();
	printf("ntasks %d\n", ntasks);
	printf("events %llu\n", (unsigned long long)events);
	printf("wall_s %.3f\n", wall);
	printf("ns_per_event %.2f\n", wall * 1e9 / (double)events);
	printf("events_per_s %.0f\n", (double)events / wall);
	return 0;
}
