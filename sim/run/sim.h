/*
 * Setting up and tearing down one simulation: the machine, the first
 * `ncpus` of its CPUs, the seed, and every layer's per-run state, in the
 * order the layers depend on each other.
 */
#ifndef MMLOCKSIM_SIM_H
#define MMLOCKSIM_SIM_H

#include <stdbool.h>
#include <stdint.h>

#include "sim/core/machine.h"

struct sim_config {
	const struct machine *machine;
	int ncpus;		/* 0: all of the machine's */
	uint64_t seed;
	size_t stack_size;	/* 0: default */
	/* The machine's adjacent-line prefetcher turned off, as firmware can. */
	bool adjacent_line_prefetch_off;
};

void sim_begin(const struct sim_config *cfg);
/* Run to completion (or `until` ns); returns the simulated end time. */
sim_time_t sim_run(sim_time_t until);
void sim_end(void);

#endif
