/*
 * refcount_t, as in <linux/refcount.h>: inc_not_zero is a cmpxchg loop that
 * never takes a count from zero (the object is being freed), and misuse
 * (an increment from zero, an underflow) is reported like the kernel's
 * "refcount_t: addition on 0; use-after-free" warning instead of trusted.
 */
#ifndef MMLOCKSIM_REFCOUNT_H
#define MMLOCKSIM_REFCOUNT_H

#include <stdbool.h>

#include "sim/core/atomic.h"
#include "sim/core/misuse.h"

typedef struct {
	atomic_long_t refs;
} refcount_t;

static inline void refcount_init(refcount_t *r, struct cacheline *line, long n)
{
	atomic_long_init(&r->refs, line, n);
}

static inline long refcount_read(refcount_t *r)
{
	return atomic_long_read(&r->refs);
}

static inline void refcount_set(refcount_t *r, long n)
{
	atomic_long_set(&r->refs, n);
}

static inline bool refcount_inc_not_zero(refcount_t *r)
{
	long old = atomic_long_read(&r->refs);

	do {
		if (!old)
			return false;
	} while (!atomic_long_try_cmpxchg(&r->refs, &old, old + 1));
	return true;
}

static inline void refcount_inc(refcount_t *r)
{
	long old = atomic_long_fetch_add(1, &r->refs);

	if (old <= 0)
		report_misuse("refcount-inc-on-zero", r, "refcount_t: addition on %ld; use-after-free", old);
}

static inline bool refcount_dec_and_test(refcount_t *r)
{
	long old = atomic_long_fetch_add(-1, &r->refs);

	if (old <= 0) {
		report_misuse("refcount-underflow", r, "refcount_t: underflow from %ld; use-after-free", old);
		return false;
	}
	return old == 1;
}

#endif
