/*
 * Summary statistics over the runs of one configuration (one value per
 * seed), on top of GSL.  Sample statistics: the standard deviation divides
 * by n - 1.  Functions of fewer samples than they need return NAN.
 */
#ifndef MMLOCKSIM_STATS_H
#define MMLOCKSIM_STATS_H

#include <stddef.h>

double stats_mean(const double *x, size_t n);
double stats_stddev(const double *x, size_t n);
/* Coefficient of variation in percent: 100 * sd / mean. */
double stats_cv(const double *x, size_t n);
/* Harmonic mean (mmtests' Hmean for rates); NAN if any x <= 0. */
double stats_hmean(const double *x, size_t n);
/* Half-width of the 95% confidence interval of the mean (Student's t). */
double stats_ci95(const double *x, size_t n);
/*
 * Welch's unequal-variances t-test of mean(a) == mean(b): the two-sided
 * p-value; t and the Welch-Satterthwaite degrees of freedom if asked.
 * Two identical constant samples give p = 1, different constants p = 0.
 */
double stats_welch_p(const double *a, size_t na, const double *b, size_t nb,
		     double *t, double *df);

#endif
