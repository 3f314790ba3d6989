/*
 * The conformance and safety suite behind `mmlocksim check`: small
 * adversarial scenarios (a fault racing munmap, mprotect, mremap of its
 * VMA; faults during splits and merges; many faulting readers against a
 * writer; a fault that sleeps on I/O across an munmap), each run against a
 * scheme under many seeds with random schedule perturbation, and an
 * exhaustive mode that runs every schedule with up to P preemptions at
 * line-access points (CHESS-style preemption bounding) of the tiny ones.
 * Every run must finish every op (a stuck task is a deadlock) with no
 * oracle violation.
 */
#ifndef MMLOCKSIM_CHECK_SUITE_H
#define MMLOCKSIM_CHECK_SUITE_H

#include <stdint.h>
#include <stdio.h>

struct scheme_ops;
struct scheme_args;

struct check_opts {
	int seeds;		/* random-perturbation runs per scenario */
	int exhaustive;		/* also the bounded exhaustive search */
	int preemptions;	/* its bound */
	int tso;		/* the exhaustive search again with x86-TSO store buffers */
	const char *only;	/* run only scenarios whose name contains this */
	const char *count;	/* a counter (count_event name) to total, or NULL */
	FILE *log;		/* per-scenario lines; NULL for quiet */
	const struct scheme_args *args;	/* the scheme's parameters; NULL: defaults */
};

struct check_outcome {
	uint64_t runs;
	uint64_t schedules;		/* exhaustive schedules explored */
	uint64_t violations;		/* total over all runs */
	uint64_t failed_runs;
	char first[768];		/* the first violation, for the report */
	char kinds[256];		/* distinct kinds seen */
	const char *count;		/* opts->count, and its total over all runs */
	uint64_t counted;
};

int check_scheme(const struct scheme_ops *ops, const struct check_opts *opts,
		 struct check_outcome *out);
int check_nr_scenarios(void);
const char *check_scenario_name(int i);

#endif
