/*
 * One simulation run, end to end: open the trace (or generate the
 * workload), build the machine, the mm(s) and the scheme, replay, collect
 * the outcome.  What `mmlocksim run` does, and what `compare` and `sweep`
 * do once per (scheme, cpus, seed) in a child process.
 */
#ifndef MMLOCKSIM_RUN_H
#define MMLOCKSIM_RUN_H

#include <stddef.h>
#include <stdint.h>

#include "analysis/result.h"

#define RUN_MAX_PARAMS 32
/* Seeds of one (scheme, CPU count) in compare, check and sweep. */
#define RUN_MAX_SEEDS 100000

struct run_spec {
	const char *trace;	/* .mlt/perf/strace path, or a workload name (list workloads) */
	const char *scheme;	/* registered name, or the name inside --plugin */
	const char *plugin;	/* path of a scheme .so, or NULL */
	const char *machine;	/* preset name or .ini path; NULL: xeon-8176-2s */
	int cpus;		/* 0: all of the machine's */
	int threads;		/* 0: as recorded; more: clone thread groups (README) */
	uint64_t seed;
	int nparams;		/* "KEY=VAL": scheme parameters, mm model knobs, gen params */
	const char *params[RUN_MAX_PARAMS];
	const char *timeline;	/* Chrome trace-event JSON output, or NULL */
};

/*
 * 0: res is filled (status COMPLETE or FAILED).  -1: bad input, with one
 * line in err ("FILE:LINE: expected ..."); res->status is ERROR.  -1 with
 * res->status INTERRUPTED: a signal given to watchdog_interrupt() stopped
 * the run before it finished (err says which); there is no outcome.
 */
int run_simulation(const struct run_spec *spec, struct run_result *res,
		   char *err, size_t errlen);

/*
 * Everything run_simulation() would refuse of spec, without running it
 * or reading a trace file: the scheme (or plugin), the machine and CPU
 * count, the thread count, every -p, and for a workload its parameters
 * and setup (trace_gen_check()).  For commands that check a whole plan
 * before anything runs (sweep).  0, or -1 with one line in err.
 */
int run_check(const struct run_spec *spec, char *err, size_t errlen);
/*
 * TRACE is a workload name, or a trace file that opens (imported if text)
 * and can be replayed with each of the N thread counts (none: as
 * recorded).  0, or -1 with one line in err naming the file.
 */
/*
 * spec's -p as the run row keeps them, each canonical (store_args()), len
 * bytes each: all of them; the scheme's parameters (what makes a variant
 * of it); the rest (model knobs, workload parameters).
 */
void run_args(const struct run_spec *spec, char *all, char *scheme_args, char *model_args,
	      size_t len);
int run_check_trace(const char *trace, const int *threads, int n, char *err, size_t errlen);

#endif
