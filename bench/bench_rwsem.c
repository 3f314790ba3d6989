/*
 * Model (b) of DESIGN.md, "Performance targets": one task per CPU on the
 * Xeon preset, all hammering down_read()/up_read() on one rw_semaphore.
 * Every lock operation moves the rwsem's cacheline, so this is the cacheline-heavy
 * model the engine's events/s target is about, and the model that
 * bench/simpy_rwsem.py implements in SimPy for the side-by-side figure.
 *
 * Usage: bench_rwsem [NCPUS [ITERS [SEED]]]
 * Prints one "key value" pair per line so that bench/run and the SimPy
 * script can pick the figures out without parsing prose.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lib/wallclock.h"
#include "sim/core/cacheline.h"
#include "sim/core/machine.h"
#include "tests/workloads.h"

/* The rwsem's line class, named after the lock by rwsem_read_cost(). */
static const struct line_class *rwsem_class(void)
{
	int i;

	for (i = 0; i < line_nr_classes(); i++)
		if (!strcmp(line_class_at(i)->name, "bench_rwsem"))
			return line_class_at(i);
	return NULL;
}

int main(int argc, char **argv)
{
	const struct machine *m = machine_find("xeon-8176-2s", stderr);
	int ncpus = argc > 1 ? atoi(argv[1]) : 64;
	int iters = argc > 2 ? atoi(argv[2]) : 60000;
	uint64_t seed = argc > 3 ? strtoull(argv[3], NULL, 10) : 1;
	const struct line_class *k;
	uint64_t events = 0;
	double ns, wall, ops;

	if (!m || ncpus < 1 || ncpus > m->ncpus || iters < 1) {
		fprintf(stderr, "usage: bench_rwsem [NCPUS (1-%d) [ITERS [SEED]]]\n",
			m ? m->ncpus : MAX_CPUS);
		return 2;
	}
	wall = wall_seconds();
	ns = rwsem_read_cost(m, ncpus, iters, seed, &events);
	wall = wall_seconds() - wall;
	ops = (double)ncpus * iters;
	k = rwsem_class();

	printf("machine %s\n", m->name);
	printf("ncpus %d\n", ncpus);
	printf("iters %d\n", iters);
	printf("mean_ns_per_lock_unlock %.3f\n", ns);
	printf("wall_s %.3f\n", wall);
	printf("events %llu\n", (unsigned long long)events);
	printf("events_per_op %.3f\n", (double)events / ops);
	printf("events_per_s %.0f\n", (double)events / wall);
	printf("lock_ops_per_wall_s %.0f\n", ops / wall);
	if (k)
		printf("line_transfers_per_op %.3f\n", (double)k->transfers / ops);
	return 0;
}
