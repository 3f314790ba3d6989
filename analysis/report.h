/*
 * `mmlocksim report`: the comparison table of a results database, in the
 * style of mmtests' compare-kernels: per (source, machine, threads, args)
 * one table, rows are CPU counts, columns schemes, cells the harmonic-mean
 * fault throughput over the seeds and its change against the baseline
 * scheme, marked *like this* when Welch's t-test gives p < 0.05; then the
 * coefficient of variation and the p99 fault latency (pooled histograms),
 * counters per 1000 faults, lock wait per fault, violations, and every run
 * that did not complete.
 */
#ifndef MMLOCKSIM_REPORT_H
#define MMLOCKSIM_REPORT_H

#include <stdio.h>

#include <sqlite3.h>

/*
 * Print the report of db to out.  baseline: a scheme in db, or NULL for the
 * baseline table's scheme (or, if that has no runs, the first scheme run).
 * store_fits: also replace table usl_fit with the fits (see usl.h); else
 * db is only read.  0, or -1 with one line in err naming the database
 * (e.g. an unknown baseline, listing the schemes there are).
 */
int report_print(sqlite3 *db, const char *baseline, FILE *out, int store_fits, char *err,
		 size_t errlen);

#endif
