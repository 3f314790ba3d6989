/*
 * Synthetic traces reproducing the standard benchmarks (pft, will-it-scale
 * page_fault1/2/3 and mmap1/2, ebizzy, a JVM-like mix), written as .mlt.
 * Deterministic: the same arguments give a byte-identical file.
 */
#ifndef MMLOCKSIM_GEN_H
#define MMLOCKSIM_GEN_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/*
 * Generate WORKLOAD into OUT_PATH.  THREADS 0 and OPS 0 take the
 * workload's defaults; OPS is the number of records to write (the run is
 * cut there in time order), unless the workload ends first (pft with its
 * iterations).  PARAMS are NPARAMS "KEY=VALUE" strings.  Each task draws
 * from its own GSL taus2 stream seeded from (SEED, task index).  0 on
 * success; -1 with a one-line message in ERR and no file at OUT_PATH.
 */
int trace_gen(const char *workload, int threads, uint64_t ops, uint64_t seed,
	      int nparams, char **params, const char *out_path,
	      char *err, size_t errlen);
/* The same into the open file OUT_FD, in place (mlt_writer_open_fd()). */
int trace_gen_fd(const char *workload, int threads, uint64_t ops, uint64_t seed,
		 int nparams, char **params, int out_fd, const char *name,
		 char *err, size_t errlen);

/* The most tasks a workload runs (each has its own minimum). */
#define GEN_MAX_THREADS 4096

/*
 * What trace_gen() would refuse of these arguments, without generating:
 * the workload, its thread count, every parameter and the checks of the
 * workload's setup.  0, or -1 with the same one-line message in ERR.
 */
int trace_gen_check(const char *workload, int threads, uint64_t ops, int nparams, char **params,
		    char *err, size_t errlen);

/* Every workload: summary, parameters with defaults and meaning. */
void gen_list(FILE *out);

/* 1 if NAME is a workload trace_gen() knows (for TRACE|WORKLOAD args). */
int gen_is_workload(const char *name);
/* 1 if WORKLOAD has a parameter of its own named KEY (not a common one). */
int gen_has_param(const char *workload, const char *key);
/* 1 if WORKLOAD takes -p KEY=VAL, its own or a common one (think_*). */
int gen_takes_param(const char *workload, const char *key);
/* WORKLOAD's parameter names, space-separated, into buf ("" if none). */
void gen_param_names(const char *workload, char *buf, size_t len);

#endif
