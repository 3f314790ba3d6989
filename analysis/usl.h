/*
 * Gunther's Universal Scalability Law fitted to a scaling curve:
 *
 *   X(N) = lambda N / (1 + sigma (N - 1) + kappa N (N - 1))
 *
 * lambda: throughput of one CPU; sigma: contention (the serial fraction,
 * Amdahl); kappa: coherency (the cost of keeping N copies consistent,
 * which makes X fall past a peak).  The peak is at N* = sqrt((1 - sigma) /
 * kappa); with kappa <= 0 throughput never falls and there is no peak.
 *
 * Fitted with GSL's nonlinear least squares (gsl_multifit_nlinear, trust
 * region) to the mean fault throughput per CPU count.
 */
#ifndef MMLOCKSIM_USL_H
#define MMLOCKSIM_USL_H

#include <stddef.h>
#include <stdio.h>

#include <sqlite3.h>

struct usl_fit {
	double lambda, sigma, kappa;
	double peak_cpus;	/* INFINITY when kappa <= 0 */
	double r2;		/* coefficient of determination over the points */
	int npoints;
};

/*
 * Fit n points (cpus[i], x[i]), n >= 3 distinct CPU counts.  0, or -1 if
 * the points cannot determine the law or the solver did not converge.
 */
int usl_fit(const double *cpus, const double *x, int n, struct usl_fit *fit);

/*
 * Fit every (scheme, source, machine, threads, args) of db that has
 * COMPLETE runs at 3 or more CPU counts, over the mean fault throughput
 * per CPU count, print them to out (if not NULL) and, with store, replace
 * the rows of table usl_fit with them.  The table is derived data: when
 * it cannot be written the fits are still printed, with a note.  0, or -1
 * with one line in err.
 */
int usl_update(sqlite3 *db, FILE *out, int store, char *err, size_t errlen);

#endif
