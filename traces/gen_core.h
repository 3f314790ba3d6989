/*
 * The machinery the workload generators share (traces/gen_*.c): the
 * workload descriptor, per-task state with its own RNG, the op emitters
 * that stamp each record with a plausible time, and a per-mm address
 * allocator that places mappings the way the kernel does.
 *
 * How a workload is written: `step` is called for the task whose next op
 * is earliest (ties go to the lower task index).  It emits at most one
 * record, at the task's current time, and the emitter advances the task's
 * clock by the op's estimated cost plus an exponential think time.  So the
 * merged stream is in time order, and state shared between tasks (the
 * address allocator, a shared heap) changes in the order a real run would
 * see it.
 */
#ifndef MMLOCKSIM_GEN_CORE_H
#define MMLOCKSIM_GEN_CORE_H

#include <stddef.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <gsl/gsl_rng.h>

#include "traces/mlt.h"

#define GEN_PAGE		4096ULL
#define GEN_PMD		(2ULL << 20)
/* Top of the mmap area (mappings grow down from here, as on x86-64). */
#define GEN_MMAP_BASE		0x7f0000000000ULL
/* Bottom of it: well above a PIE's text and brk heap (0x55..-0x56..). */
#define GEN_MMAP_FLOOR		0x600000000000ULL
/* Recorded ids: the "pid" of mm i is GEN_PID + i, tids follow it. */
#define GEN_PID			4200

/* Linux mmap flags, as recorded in arg1 of an MLT_MMAP. */
#define GEN_MAP_SHARED		0x01
#define GEN_MAP_PRIVATE		0x02
#define GEN_MAP_ANON		0x20
#define GEN_MAP_NORESERVE	0x4000
#define GEN_MAP_STACK		0x20000

/*
 * Estimated cost (ns) of each op, from the table in DESIGN.md,
 * "The machine and the cacheline model".
 * The time between two ops of a task is cost + think, and replay derives
 * think time as gap minus its own modeled cost, so these err on the high
 * side: an estimate below the model's cost only shortens think time.
 */
#define GEN_COST_FAULT_ANON	1500	/* allocate + zero 4 KiB + PTE */
#define GEN_COST_FAULT_ZERO	700	/* read fault: map the zero page */
#define GEN_COST_FAULT_COW	2000	/* write fault copying a page */
#define GEN_COST_FAULT_FILE_READ 1000	/* read fault mapping a page-cache page */
#define GEN_COST_FAULT_FILE	2500	/* private file write: page cache + COW */
#define GEN_COST_FAULT_SHARED	1500	/* shared file write: page cache + mkwrite */
#define GEN_COST_MMAP		3000
#define GEN_COST_MUNMAP		3000	/* plus GEN_COST_PAGE per resident page */
#define GEN_COST_MPROTECT	2500
#define GEN_COST_MADVISE	1500	/* plus GEN_COST_PAGE per resident page */
#define GEN_COST_PAGE		150	/* zap a PTE and free its page */
#define GEN_COST_FORK		30000	/* dup the mm: VMAs, page tables, COW */
#define GEN_COST_LOOKUP		500	/* int3 trap + mmap_lock read + find_vma */
/* A task released from a barrier wakes this much after the last arrival. */
#define GEN_COST_WAKEUP		3000

/* Parameter value kinds (how KEY=VAL is parsed and checked). */
enum gen_ptype {
	GP_SIZE,	/* bytes, optional K/M/G suffix, page multiple, > 0 */
	GP_COUNT,	/* unsigned integer */
	GP_NS,		/* time >= 0: ns, or with suffix ns/us/ms/s */
	GP_FRAC,	/* a fraction in [0, 1] */
	GP_BOOL,	/* 0 or 1 */
};

struct gen_param {
	const char *name;	/* NULL ends a table */
	enum gen_ptype type;
	const char *def;	/* default, written as a user would */
	const char *help;
};

/* Results of a step. */
enum gen_step {
	GEN_MORE,	/* call again at the task's new time */
	GEN_BARRIER,	/* wait until every live task reaches a barrier */
	GEN_DONE,	/* the task has finished */
	GEN_ERROR,	/* message in g->err */
};

struct gen;
struct gen_task;

struct gen_workload {
	const char *name;
	const char *summary;
	const char *comm;		/* task name in the thread table */
	unsigned default_threads;
	unsigned min_threads;
	uint64_t default_ops;		/* 0: run to the workload's own end */
	const struct gen_param *params;	/* workload-specific, NULL-ended */
	const char *notes;		/* printed under the parameters; may be NULL */
	/*
	 * Optional: set up g->priv, task mms (g->nmms) and names.  Tasks
	 * start with mm 0 and the workload's comm.  0 ok, -1 with g->err.
	 */
	int (*init)(struct gen *g);
	enum gen_step (*step)(struct gen *g, struct gen_task *t);
	void (*fini)(struct gen *g);	/* optional: free g->priv (default: free()) */
};

struct gen_task {
	unsigned idx;
	unsigned mm;
	uint64_t t;		/* time of this task's next op */
	uint64_t nrecords;	/* records written for it so far */
	bool forked;		/* its first record will be a FORK (a child process) */
	gsl_rng *rng;
	char comm[MLT_COMM_LEN];
	/* Workload state: a phase and a few registers, meaning per workload. */
	int phase;
	uint64_t iter;
	uint64_t addr, len, pos, n;
};

struct gen_range {
	uint64_t start, end;
};

struct gen_mm {
	struct gen_range *r;	/* live mappings, sorted by start */
	size_t n, cap;
};

/* Means of the exponential think time after each op kind (ns). */
struct gen_think {
	double fault, mmap, munmap, mprotect, madvise, lookup;
};

struct gen {
	const struct gen_workload *wl;
	unsigned nthreads;
	unsigned nmms;			/* init may raise it (process mode) */
	struct gen_task *tasks;
	struct gen_mm *mms;		/* nthreads of them, nmms in use */
	double *pval;			/* parameter values, see gen_param() */
	struct gen_think think;
	void *priv;			/* the workload's */
	struct mlt_writer *w;
	uint64_t limit;			/* records to write; 0: until all are done */
	bool ops_given;			/* the limit is the caller's, not the default */
	uint64_t nbarriers;		/* MLT_BARRIERs released so far */
	uint64_t emitted;
	char *err;
	size_t errlen;
};

/* Value of parameter NAME (workload or common); asserts that it exists. */
double gen_param(const struct gen *g, const char *name);
/* The same as an integer (sizes, counts, bools). */
uint64_t gen_param_u64(const struct gen *g, const char *name);

void gen_error(struct gen *g, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Set T's thread-table name, truncated to 15 bytes as the kernel does. */
void gen_set_comm(struct gen_task *t, const char *name);

/* An exponential delay of mean MEAN ns drawn from T's stream, rounded. */
uint64_t gen_exp(struct gen_task *t, double mean);
/* Advance T's clock without a record (work that does not fault). */
void gen_idle(struct gen_task *t, uint64_t ns);

/*
 * The emitters: write one record for T at T->t and advance T->t.  0 ok,
 * -1 on a write error (message in g->err).
 */
int gen_fault(struct gen *g, struct gen_task *t, uint64_t addr,
	      unsigned flags, uint64_t cost);
/* Maps LEN bytes in T's mm top-down; returns the address, 0 on error. */
uint64_t gen_mmap(struct gen *g, struct gen_task *t, uint64_t len,
		  unsigned prot, unsigned mflags);
/* Unmaps a whole earlier mapping; RESIDENT pages set the cost. */
int gen_munmap(struct gen *g, struct gen_task *t, uint64_t addr,
	       uint64_t len, uint64_t resident);
int gen_mprotect(struct gen *g, struct gen_task *t, uint64_t addr,
		 uint64_t len, unsigned prot);
/* A VMA lookup with no fault (a uprobe hit) at ADDR, any alignment. */
int gen_lookup(struct gen *g, struct gen_task *t, uint64_t addr);
int gen_madvise(struct gen *g, struct gen_task *t, uint64_t addr,
		uint64_t len, unsigned advice, uint64_t resident);
/* brk() from OLD_BRK to BRK (0 OLD_BRK: the first, which sets the heap). */
int gen_brk(struct gen *g, struct gen_task *t, uint64_t brk, uint64_t old_brk,
	    uint64_t resident);
/* T is a new process forked by task PARENT (T's mm is its own); then exit. */
int gen_fork(struct gen *g, struct gen_task *t, unsigned parent);
int gen_exit(struct gen *g, struct gen_task *t);

/* Common parameters (think times), appended to every workload's. */
extern const struct gen_param gen_common_params[];

/* Where a trace goes: the file at path, or the open fd (>= 0) named path. */
struct gen_out {
	const char *path;
	int fd;
};

/*
 * Run workload WL; see trace_gen() in gen.h for the arguments.  The
 * parameter strings are parsed here.  A NULL DEST stops after the checks
 * and the workload's init (trace_gen_check()).
 */
int gen_run(const struct gen_workload *wl, unsigned threads, uint64_t ops,
	    uint64_t seed, int nparams, char **params, const struct gen_out *dest,
	    char *err, size_t errlen);

/* Print WL's summary and parameter table (for `mmlocksim list workloads`). */
void gen_describe(const struct gen_workload *wl, FILE *out);
/* Print the common parameters' table. */
void gen_describe_common(FILE *out);
/* 1 if WL takes parameter NAME, its own or a common one. */
int gen_param_known(const struct gen_workload *wl, const char *name);
/* WL's parameter names, its own then the common ones, space-separated. */
void gen_param_list(const struct gen_workload *wl, char *buf, size_t len);

#endif
