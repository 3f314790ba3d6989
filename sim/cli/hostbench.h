/*
 * Microbenchmarks run on the host, for `mmlocksim validate --host` and
 * `mmlocksim hostbench` (which tools/record-perf can record): the real
 * counterparts of the generators pft (shared=1), page_fault1, mmap1 and
 * vmaops, written to do what those generators write, so that a measured
 * throughput and a simulated one are of the same work.  And the host
 * helpers `mmlocksim calibrate` shares: pinning, the online CPUs, a
 * nanosecond clock.
 */
#ifndef MMLOCKSIM_HOSTBENCH_H
#define MMLOCKSIM_HOSTBENCH_H

#include <stddef.h>
#include <stdint.h>

#define HOSTBENCH_MAX_THREADS 256
/* vmaops' arena in the host benchmark and in its generator parameters. */
#define HOSTBENCH_VMAS		8
#define HOSTBENCH_VMA_SIZE	(64 << 10)
#define HOSTBENCH_SPAN		2
#define HOSTBENCH_MPROTECT_FRAC	0.1

struct hostbench_args {
	int threads;
	uint64_t size;		/* bytes: per thread (pft, page_fault1), per mmap (mmap1) */
	uint64_t iterations;	/* pft */
	uint64_t ops;		/* records, all threads together (page_fault1, mmap1, vmaops) */
};

struct hostbench_result {
	uint64_t ops;		/* every op done: faults (page touches), mmap, munmap, ... */
	uint64_t metric_ops;	/* of them, the ones the benchmark's metric counts */
	double wall_s;		/* from the start barrier to the last thread's end */
};

struct hostbench {
	const char *name;	/* as the generator: pft, page_fault1, mmap1, vmaops */
	const char *metric;	/* op whose rate is compared: "fault", "mmap"; NULL: all ops */
	const char *summary;
	int (*run)(const struct hostbench_args *a, struct hostbench_result *r,
		   char *err, size_t errlen);
};

extern const struct hostbench hostbenches[];
extern const int nr_hostbenches;
const struct hostbench *hostbench_find(const char *name);

/*
 * The generator's -p list for the same work as a (think_scale=0: the ops
 * back to back, as the host runs them).  Fills up to max "K=V" strings
 * into buf (max x 48 bytes), pointers into kv; returns the count.
 */
int hostbench_gen_params(const struct hostbench *b, const struct hostbench_args *a,
			 char (*buf)[48], const char **kv, int max);

/* The host CPUs this process may run on, ascending: the count (at most max). */
int host_cpus(int *cpus, int max);
/* Pin the calling thread to CPU cpu: 0, or -1 (errno set). */
int host_pin(int cpu);
/* CLOCK_MONOTONIC in ns. */
uint64_t host_ns(void);

#endif
