/*
 * seqcount_t, as in <linux/seqlock.h>.  smp_rmb()/smp_wmb() are free (x86
 * TSO); the cost is in the sequence line.  A reader that finds a write in
 * progress spins on the line until it is even again.
 */
#ifndef MMLOCKSIM_SEQCOUNT_H
#define MMLOCKSIM_SEQCOUNT_H

#include <stdbool.h>

#include "sim/core/atomic.h"
#include "sim/core/cacheline.h"
#include "sim/core/misuse.h"

typedef struct {
	unsigned int sequence;
	struct cacheline *line;
} seqcount_t;

static inline void seqcount_init(seqcount_t *s, struct cacheline *line)
{
	s->sequence = 0;
	s->line = line;
}

static inline unsigned int raw_read_seqcount(seqcount_t *s)
{
	line_read(s->line);
	return s->sequence;
}

static inline unsigned int read_seqcount_begin(seqcount_t *s)
{
	line_read(s->line);
	while (s->sequence & 1)
		line_spin_wait(s->line);
	return s->sequence;
}

static inline bool read_seqcount_retry(seqcount_t *s, unsigned int start)
{
	line_read(s->line);
	return s->sequence != start;
}

static inline void write_seqcount_begin(seqcount_t *s)
{
	if (s->sequence & 1)
		report_misuse("seqcount-nested-write", s, "write_seqcount_begin with a write already open");
	store_point(s->line);
	s->sequence++;
	line_write(s->line);
}

static inline void write_seqcount_end(seqcount_t *s)
{
	if (!(s->sequence & 1)) {
		report_misuse("seqcount-unbalanced", s, "write_seqcount_end without write_seqcount_begin");
		return;
	}
	store_point(s->line);
	s->sequence++;
	line_write(s->line);
}

#endif
