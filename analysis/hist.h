/*
 * Log-bucketed latency histograms: 8 buckets per power of two, so a
 * bucket is about 9% wide and any percentile read from it is within that
 * of the true value.  Bucket k holds the integer latencies v with
 * ceil(2^(k/8)) <= v < ceil(2^((k+1)/8)); bucket 0 also holds 0.  Some low
 * buckets are empty by construction (no integer falls in them).
 *
 * The simulator records with hist_add() (O(1), no allocation: a fixed
 * array in the struct); the store keeps the non-empty buckets
 * (hist_to_buckets()) in lat_hist; the report pools buckets of several runs
 * and reads percentiles back with hist_percentile_buckets().
 */
#ifndef MMLOCKSIM_HIST_H
#define MMLOCKSIM_HIST_H

#include <stdint.h>

#include "analysis/result.h"

#define HIST_SUB	8			/* buckets per power of two */
#define HIST_BUCKETS	(64 * HIST_SUB)		/* covers all of uint64_t */

struct lat_hist {
	uint64_t n;
	uint64_t min, max;
	double sum;			/* for the mean */
	uint64_t count[HIST_BUCKETS];
};

void hist_init(struct lat_hist *h);
void hist_add(struct lat_hist *h, uint64_t ns);
/* Add every sample of src to dst. */
void hist_merge(struct lat_hist *dst, const struct lat_hist *src);
double hist_mean(const struct lat_hist *h);
/*
 * The q-quantile (0 <= q <= 1), interpolated linearly inside its bucket
 * and clamped to the observed min and max; 0 if empty.
 */
uint64_t hist_percentile(const struct lat_hist *h, double q);
/*
 * The non-empty buckets, ascending, in a malloc'ed array (*out, *n; NULL
 * and 0 if empty).
 */
void hist_to_buckets(
const struct lat_hist *h, struct lat_bucket **out, int *n);
/* The same quantile from stored buckets (ascending, as from lat_hist). */
uint64_t hist_percentile_buckets(const struct lat_bucket *b, int n, double q);
/* Bucket bounds: [hist_bucket_lo(k), hist_bucket_lo(k + 1)). */
uint64_t hist_bucket_lo(int k);
int hist_bucket_of(uint64_t ns);

#endif
