/*
 * The outcome of one simulation run: what the simulator hands to the
 * analysis side (SQLite store, report, plots).  Plain data, owned by the
 * struct (free with run_result_free()).  Times are integer nanoseconds.
 */
#ifndef MMLOCKSIM_RESULT_H
#define MMLOCKSIM_RESULT_H

#include <stdint.h>

#define RESULT_NAME_LEN 48

/* Run status, as stored in run.status. */
#define RUN_RUNNING	"RUNNING"	/* written first: an interrupted run keeps it */
#define RUN_COMPLETE	"COMPLETE"	/* finished, no safety violation */
#define RUN_FAILED	"FAILED"	/* finished with safety violations */
#define RUN_ERROR	"ERROR"		/* could not run (bad input, crash); see error */
#define RUN_INTERRUPTED	"INTERRUPTED"	/* stopped by a signal */

struct lat_bucket {
	uint64_t lo_ns, hi_ns;		/* [lo, hi) */
	uint64_t count;
};

struct op_result {
	char op[16];			/* "fault", "mmap", ... */
	uint64_t count;
	double throughput_per_s;	/* count per simulated second */
	double mean_ns;
	uint64_t p50_ns, p99_ns, p999_ns, max_ns;
	int nbuckets;			/* non-empty log buckets, ascending */
	struct lat_bucket *buckets;
};

struct lock_result {
	char lock[RESULT_NAME_LEN];	/* lock class: "mmap_lock", "mmap_lock/read", "ptl" ... */
	uint64_t acquisitions, contended;
	uint64_t wait_ns, hold_ns;
	uint64_t line_transfers;	/* transfers of the lines of that class */
};

struct counter_result {
	char name[RESULT_NAME_LEN];	/* "VMA_LOCK_SUCCESS", "rwsem_sleep_reader" ... */
	uint64_t value;
};

struct violation_result {
	uint64_t t_ns;
	int task;
	char kind[32];
	uint64_t addr;
	char detail[512];
};

struct param_result {
	char key[RESULT_NAME_LEN];
	char value[128];
};

struct run_result {
	char scheme[RESULT_NAME_LEN];
	char source[256];		/* trace path or "gen:WORKLOAD k=v..." */
	char machine[RESULT_NAME_LEN];
	char version[16];
	char status[16];
	char error[256];		/* for RUN_ERROR */
	int cpus, threads;
	uint64_t seed;
	uint64_t sim_ns, events;
	double wall_s;
	int nparams, nops, nlocks, ncounters, nviolations;
	uint64_t violations_total;	/* may exceed nviolations (only the first are kept) */
	struct param_result *params;
	struct op_result *ops;
	struct lock_result *locks;
	struct counter_result *counters;
	struct violation_result *violations;
};

void run_result_free(struct run_result *r);

#endif
