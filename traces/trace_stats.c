/*
 * Trace statistics.  Mapped bytes are tracked per mm as a sorted set of
 * disjoint page ranges, so overlapping mmaps (MAP_FIXED over an existing
 * mapping) and partial munmaps count right.  Mappings that existed before
 * the trace started are unknown and not counted.
 */
#include "traces/trace_stats.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/xalloc.h"
#include "traces/import.h"
#include "traces/mlt.h"

#define PAGE	4096ull

struct range {
	uint64_t lo, hi;
};

struct mmstat {
	struct range *r;
	size_t n, cap;
	uint64_t bytes, peak;
	uint64_t ops[MLT_NR_OPS];
	uint64_t pages;		/* distinct pages faulted */
};

/* Remove [lo, hi) from the set. */
static void rs_remove(struct mmstat *m, uint64_t lo, uint64_t hi)
{
	size_t i = 0;

	/* A range past the top of the address space wraps: nothing real. */
	if (hi <= lo)
		return;

	while (i < m->n) {
		struct range *x = &m->r[i];

		if (x->hi <= lo || x->lo >= hi) {
			i++;
			continue;
		}
		if (x->lo < lo && x->hi > hi) {
			/* Split: the caller guaranteed room via rs_reserve. */
			memmove(x + 2, x + 1, (m->n - i - 1) * sizeof(*x));
			x[1].lo = hi;
			x[1].hi = x->hi;
			x->hi = lo;
			m->n++;
			m->bytes -= hi - lo;
			return;
		}
		if (x->lo < lo) {
			m->bytes -= x->hi - lo;
			x->hi = lo;
			i++;
		} else if (x->hi > hi) {
			m->bytes -= hi - x->lo;
			x->lo = hi;
			i++;
		} else {
			m->bytes -= x->hi - x->lo;
			memmove(x, x + 1, (m->n - i - 1) * sizeof(*x));
			m->n--;
		}
	}
}

static void rs_reserve(struct mmstat *m)
{
	if (m->n + 2 <= m->cap)
		return;
	m->cap = m->cap ? m->cap * 2 : 64;
	m->r = xreallocarray(m->r, m->cap, sizeof(*m->r));
}

static void rs_add(struct mmstat *m, uint64_t lo, uint64_t hi)
{
	size_t i;

	if (hi <= lo)
		return;

	rs_remove(m, lo, hi);
	for (i = 0; i < m->n && m->r[i].lo < lo; i++)
		;
	memmove(m->r + i + 1, m->r + i, (m->n - i) * sizeof(*m->r));
	m->r[i].lo = lo;
	m->r[i].hi = hi;
	m->n++;
	m->bytes += hi - lo;
	if (m->bytes > m->peak)
		m->peak = m->bytes;
}

static uint64_t pg_up(uint64_t x)
{
	return (x + PAGE - 1) & ~(PAGE - 1);
}

/* Set of u64 page keys (open addressing, key+1 stored, 0 = empty). */
struct pset {
	uint64_t *k;
	size_t cap, n;
};

/* 1 if KEY is new, 0 if it was there. */
static int pset_add(struct pset *s, uint64_t key)
{
	size_t i;

	if ((s->n + 1) * 2 > s->cap) {
		struct pset ns = { .cap = s->cap ? s->cap * 2 : 1024 };

		ns.k = xcalloc(ns.cap, sizeof(*ns.k));
		for (i = 0; i < s->cap; i++)
			if (s->k[i])
				pset_add(&ns, s->k[i] - 1);
		free(s->k);
		*s = ns;
	}
	i = (size_t)((key + 1) * 0x9e3779b97f4a7c15ull >> 20) & (s->cap - 1);
	while (s->k[i]) {
		if (s->k[i] == key + 1)
			return 0;
		i = (i + 1) & (s->cap - 1);
	}
	s->k[i] = key + 1;
	s->n++;
	return 1;
}

static void pr_ops(FILE *out, const uint64_t *ops)
{
	unsigned i;

	for (i = 0; i < MLT_NR_OPS; i++)
		if (ops[i])
			fprintf(out, " %s=%llu", mlt_op_name(i),
				(unsigned long long)ops[i]);
	fputc('\n', out);
}

int trace_stats(const char *path, FILE *out, char *err, size_t errlen)
{
	struct mlt_file *f = trace_open_any(path, NULL, NULL, err, errlen);
	struct mmstat *mms = NULL;
	uint64_t (*th)[MLT_NR_OPS] = NULL;
	uint64_t ops[MLT_NR_OPS] = { 0 }, total = 0, peak = 0;
	struct pset pages = { 0 };
	struct mlt_record r;
	uint32_t i;
	int rc, ret = -1;

	if (!f)
		return -1;
	mms = xcalloc(f->nmms + 1, sizeof(*mms));
	th = xcalloc(f->nthreads + 1, sizeof(*th));
	while ((rc = mlt_next(f, &r)) > 0) {
		struct mmstat *m = &mms[r.mm];
		uint64_t before = m->bytes;

		ops[r.op]++;
		th[r.task][r.op]++;
		m->ops[r.op]++;
		rs_reserve(m);
		switch (r.op) {
		case MLT_FAULT:
			m->pages += (uint64_t)pset_add(&pages, (uint64_t)r.mm << 52 ^ r.addr / PAGE);
			break;
		case MLT_MMAP:
			if (r.len)
				rs_add(m, r.addr & ~(PAGE - 1), pg_up(r.addr + r.len));
			break;
		case MLT_MUNMAP:
			rs_remove(m, r.addr & ~(PAGE - 1), pg_up(r.addr + r.len));
			break;
		case MLT_MREMAP:
			rs_remove(m, r.addr & ~(PAGE - 1), pg_up(r.addr + r.len));
			rs_reserve(m);
			rs_add
(m, r.arg1 & ~(PAGE - 1), pg_up(r.arg1 + r.arg0));
			break;
		case MLT_BRK:
			if (r.arg0 && r.addr > r.arg0)
				rs_add(m, pg_up(r.arg0), pg_up(r.addr));
			else if (r.arg0 && r.addr < r.arg0)
				rs_remove(m, pg_up(r.addr), pg_up(r.arg0));
			break;
		default:
			break;
		}
		total += m->bytes - before;
		if (total > peak)
			peak = total;
	}
	if (rc < 0) {
		snprintf(err, errlen, "%s", f->err);
		goto out;
	}
	fprintf(out, "trace %s\nsource: %s\n", path, f->source);
	fprintf(out, "records %llu, threads %u, mms %u, duration %.6f s\n",
		(unsigned long long)f->nrecords, f->nthreads, f->nmms,
		f->last_time / 1e9);
	fprintf(out, "ops:");
	pr_ops(out, ops);
	fprintf(out, "footprint: peak mapped %.1f MiB (all mms at once), %llu distinct 4 KiB pages faulted (%.1f MiB)\n",
		peak / 1048576.0, (unsigned long long)pages.n,
		pages.n * 4096 / 1048576.0);
	fprintf(out, "per mm:\n");
	for (i = 0; i < f->nmms; i++) {
		fprintf(out, "  mm %-4u id %-8llu peak %.1f MiB, %llu pages faulted:",
			i, (unsigned long long)f->mm_ids[i],
			mms[i].peak / 1048576.0,
			(unsigned long long)mms[i].pages);
		pr_ops(out, mms[i].ops);
	}
	fprintf(out, "per thread:\n");
	for (i = 0; i < f->nthreads; i++) {
		fprintf(out, "  task %-4u tid %-8u mm %-4u %-16.16s", i,
			f->threads[i].tid, f->threads[i].mm,
			f->threads[i].comm);
		pr_ops(out, th[i]);
	}
	ret = 0;
out:
	if (mms)
		for (i = 0; i < f->nmms; i++)
			free(mms[i].r);
	free(mms);
	free(th);
	free(pages.k);
	mlt_close(f);
	return ret;
}
