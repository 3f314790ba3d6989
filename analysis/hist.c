/*
 * Log-bucketed latency histograms (see hist.h for the bucket scheme).
 *
 * The bucket bounds are a table computed once; hist_add() finds the power
 * of two from the highest set bit and then counts the bounds of the table
 * below ns among the 7 inside it, so it is O(1) and touches one or two
 * cachelines of the table.
 */
#include <assert.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/hist.h"
#include "lib/xalloc.h"

/* lo[k] = ceil(2^(k/8)); lo[0] = 0 so that bucket 0 also holds 0; lo[512] = max. */
static uint64_t lo[HIST_BUCKETS + 1];
static int lo_ready;

static void init_bounds(void)
{
	int k;

	if (lo_ready)
		return;
	for (k = 1; k < HIST_BUCKETS; k++) {
		if (k % HIST_SUB == 0)
			lo[k] = 1ULL << (k / HIST_SUB);	/* exact, whatever pow() does */
		else
			lo[k] = (uint64_t)ceil(pow(2.0, (double)k / HIST_SUB));
	}
	lo[0] = 0;
	lo[HIST_BUCKETS] = UINT64_MAX;
	lo_ready = 1;
}

uint64_t hist_bucket_lo(int k)
{
	assert(k >= 0 && k <= HIST_BUCKETS);
	init_bounds();
	return lo[k];
}

/*
 * lo[8 * msb] = 2^msb <= ns < 2^(msb + 1) = lo[8 * msb + 8], and lo only
 * grows: ns's bucket is 8 * msb plus how many of the seven bounds between
 * are at most ns.  Counted without branches: a walk down to the bucket
 * takes a data-dependent number of steps, whose exit the host mispredicts.
 */
static inline int bucket_of(uint64_t ns)
{
	const uint64_t *b;
	int k, j;

	if (ns == 0)
		return 0;
	k = HIST_SUB * (63 - __builtin_clzll(ns));
	b = &lo[k];
#pragma GCC unroll 8
	for (j = 1; j < HIST_SUB; j++)
		k += b[j] <= ns;
	return k;
}

int hist_bucket_of(uint64_t ns)
{
	init_bounds();
	return bucket_of(ns);
}

void hist_init(struct lat_hist *h)
{
	init_bounds();
	memset(h, 0, sizeof(*h));
	h->min = UINT64_MAX;
}

void hist_add(struct lat_hist *h, uint64_t ns)
{
	int k;

	assert(lo_ready);
	k = bucket_of(ns);
	h->count[k]++;
	h->n++;
	h->sum += (double)ns;
	if (ns < h->min)
		h->min = ns;
	if (ns > h->max)
		h->max = ns;
}

void hist_merge(struct lat_hist *dst, const struct lat_hist *src)
{
	int k;

	for (k = 0; k < HIST_BUCKETS; k++)
		dst->count[k] += src->count[k];
	dst->n += src->n;
	dst->sum += src->sum;
	if (src->min < dst->min)
		dst->min = src->min;
	if (src->max > dst->max)
		dst->max = src->max;
}

double hist_mean(const struct lat_hist *h)
{
	return h->n ? h->sum / (double)h->n : 0.0;
}

/*
 * The rank-th smallest sample (1-based) lies in a bucket holding count
 * samples of which `before` are below it: place it linearly in [l, h).
 */
static uint64_t interpolate(uint64_t l, uint64_t hi, uint64_t count, uint64_t before,
			    uint64_t rank)
{
	double f = ((double)(rank - before) - 0.5) / (double)count;

	return l + (uint64_t)(f * (double)(hi - l));
}

static uint64_t rank_of(uint64_t n, double q)
{
	uint64_t rank;

	if (q <= 0)
		return 1;
	if (q >= 1)
		return n;
	rank = (uint64_t)ceil(q * (double)n);
	return rank ? rank : 1;
}

uint64_t hist_percentile(const struct lat_hist *h, double q)
{
	uint64_t rank, cum = 0, v;
	int k;

	if (!h->n)
		return 0;
	rank = rank_of(h->n, q);
	for (k = 0; k < HIST_BUCKETS; k++) {
		if (cum + h->count[k] >= rank)
			break;
		cum += h->count[k];
	}
	assert(k < HIST_BUCKETS);
	v = interpolate(lo[k], lo[k + 1], h->count[k], cum, rank);
	if (v < h->min)
		v = h->min;
	if (v > h->max)
		v = h->max;
	return v;
}

uint64_t hist_percentile_buckets(const struct lat_bucket *b, int n, double q)
{
	uint64_t total = 0, rank, cum = 0, v;
	int i;

	for (i = 0; i < n; i++)
		total += b[i].count;
	if (!total)
		return 0;
	rank = rank_of(total, q);
	for (i = 0; i < n - 1; i++) {
		if (cum + b[i].count >= rank)
			break;
		cum += b[i].count;
	}
	v = interpolate(b[i].lo_ns, b[i].hi_ns, b[i].count, cum, rank);
	return v >= b[i].hi_ns && b[i].hi_ns > b[i].lo_ns ? b[i].hi_ns - 1 : v;
}

void hist_to_buckets(const struct lat_hist *h, struct lat_bucket **out, int *n)
{
	int k, m = 0;

	*out = NULL;
	*n = 0;
	for (k = 0; k < HIST_BUCKETS; k++)
		m += h->count[k] != 0;
	if (!m)
		return;
	*out = xreallocarray(NULL, (size_t)m, sizeof(**out));
	for (k = 0; k < HIST_BUCKETS; k++) {
		if (!h->count[k])
			continue;
		(*out)[*n].lo_ns = lo[k];
		(*out)[*n].hi_ns = lo[k + 1];
		(*out)[*n].count = h->count[k];
		(*n)++;
	}
}

