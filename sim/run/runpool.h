/*
 * A pool of simulation runs, each in a forked child, into one database:
 * what `compare` and `sweep` share.
 *
 * Each run is a forked child: run_simulation() in a fresh copy of the
 * process, so runs cannot disturb each other (the simulator has
 * process-wide state) and a crashing run is one ERROR row, not a lost
 * sweep.  The child sends its struct run_result back over a pipe and the
 * parent alone writes the database: RUNNING before the fork, the outcome
 * (or ERROR, saying why the child died) after.  Runs start in the order of
 * the job array, so the run ids do not depend on how many run at a time.
 * SIGINT, SIGTERM or SIGHUP stops the runs in flight (killed and reaped),
 * which are marked INTERRUPTED; finished runs keep their outcome.  A
 * child dies with the pool (PR_SET_PDEATHSIG) if the pool is killed.
 */
#ifndef MMLOCKSIM_RUNPOOL_H
#define MMLOCKSIM_RUNPOOL_H

#include <stdint.h>

#include "analysis/result.h"
#include "analysis/store.h"
#include "sim/run/run.h"

#define RUNPOOL_MAX_JOBS 256	/* runs at a time */

/* One run: what the child runs, and the run row written before it starts. */
struct runpool_job {
	struct run_spec spec;
	struct store_key key;
	/*
	 * The .so the scheme was loaded from (already registered in this
	 * process, so spec.plugin is NULL), or NULL: a run that dies is then
	 * reported as that plugin's failure, naming it.
	 */
	const char *plugin;
};

struct runpool_opts {
	const char *what;	/* the command, for messages and progress: "compare" */
	int jobs;		/* runs at a time, capped to 1..RUNPOOL_MAX_JOBS */
	/*
	 * Give a run that died before resolving its machine and thread count
	 * those of the first run that finished (compare: every run shares them),
	 * so it is counted with its siblings in the report.
	 */
	int resolve_from_siblings;
};

struct runpool_tally {
	int done, complete, failed, errors;
	int store_errors;	/* outcomes the database did not take (a full disk) */
	int interrupted;	/* the signal that stopped the pool, or 0 */
	char first_error[300];
};

/*
 * Run every job, jobs at a time, writing each to db; progress on stderr
 * when it is a terminal.  0 when every job ran (see the tally for how
 * they ended, or for the signal that stopped them), -1 if the database or
 * the system failed so that no more runs could start (message printed).
 */
int runpool_run(struct store *db, const struct runpool_job *jobs, int njobs,
		const struct runpool_opts *opts, struct runpool_tally *ty);

#endif
