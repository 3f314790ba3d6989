/*
 * Replay's address bookkeeping: the ranges live in recorded order, and the
 * recorded ranges the replay placed elsewhere (reloc.h).  Both are sorted
 * arrays: a process has a few thousand mappings at most, and the table of
 * placed-elsewhere ranges is empty in almost every run, so a lookup on the
 * replay's hot path costs one test of its size.
 */
#include "sim/run/reloc.h"
#include "lib/xalloc.h"

#include <stdlib.h>
#include <string.h>

/* ---- ranges live in recorded order ----------------------------------- */

/* Index of the first range whose end is at least addr. */
static size_t rs_first_end_from(const struct range_set *s, uint64_t addr)
{
	size_t lo = 0, hi = s->nr;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (s->r[mid].end < addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/*
 * Index of the first of n keys above addr: the keys never decrease, and
 * lie stride bytes apart from the first at base.
 */
static size_t first_key_above(const void *base, size_t stride, size_t n, uint64_t addr)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		uint64_t key;

		memcpy(&key, (const char *)base + mid * stride, sizeof(key));
		if (key <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* Index of the first range starting above addr. */
static size_t rs_first_start_above(const struct range_set *s, uint64_t addr)
{
	return s->nr ? first_key_above(&s->r[0].start, sizeof(*s->r), s->nr, addr) : 0;
}

/* Room for one more range. */
static void rs_reserve(struct range_set *s)
{
	if (s->nr < s->cap)
		return;
	s->cap = s->cap ? s->cap * 2 : 16;
	s->r = xreallocarray(s->r, s->cap, sizeof(*s->r));
}

/* Replace ranges [i, j) by one range (or insert it at i if i == j). */
static void rs_splice(struct range_set *s, size_t i, size_t j, uint64_t start, uint64_t end)
{
	if (i == j) {
		rs_reserve(s);
		memmove(&s->r[i + 1], &s->r[i], (s->nr - i) * sizeof(*s->r));
		s->nr++;
	} else if (j > i + 1) {
		memmove(&s->r[i + 1], &s->r[j], (s->nr - j) * sizeof(*s->r));
		s->nr -= j - i - 1;
	}
	s->r[i].start = start;
	s->r[i].end = end;
}

bool range_set_meets(struct range_set *s, uint64_t start, uint64_t end)
{
	size_t i;

	if (end <= start)
		return false;
	if (start >= s->hint.start && start < s->hint.end)
		return true;
	i = rs_first_end_from(s, start + 1);
	if (i == s->nr || s->r[i].start >= end)
		return false;
	s->hint = s->r[i];
	return true;
}

void range_set_add(struct range_set *s, uint64_t start, uint64_t end)
{
	size_t i, j;

	if (end <= start)
		return;
	i = rs_first_end_from(s, start);	/* touching counts: merged */
	j = rs_first_start_above(s, end);
	if (i < j) {
		if (s->r[i].start < start)
			start = s->r[i].start;
		if (s->r[j - 1].end > end)
			end = s->r[j - 1].end;
	}
	rs_splice(s, i, j, start, end);
}

void range_set_remove(struct range_set *s, uint64_t start, uint64_t end)
{
	size_t i, j;

	if (end <= start)
		return;
	i = rs_first_end_from(s, start + 1);
	if (i == s->nr || s->r[i].start >= end)
		return;
	s->hint.start = s->hint.end = 0;
	if (s->r[i].start < start && s->r[i].end > end) {
		/* A hole in the middle: the range splits in two. */
		uint64_t tail = s->r[i].end;

		s->r[i].end = start;
		rs_splice(s, i + 1, i + 1, end, tail);
		return;
	}
	if (s->r[i].start < start)
		s->r[i++].end = start;
	for (j = i; j < s->nr && s->r[j].end <= end; j++)
		;
	if (j < s->nr && s->r[j].start < end)
		s->r[j].start = end;
	memmove(&s->r[i], &s->r[j], (s->nr - j) * sizeof(*s->r));
	s->nr -= j - i;
}

void range_set_copy(struct range_set *dst, const struct range_set *src)
{
	range_set_free(dst);
	if (!src->nr)
		return;
	dst->r = xreallocarray(NULL, src->nr, sizeof(*src->r));
	memcpy(dst->r, src->r, src->nr * sizeof(*src->r));
	dst->nr = dst->cap = src->nr;
}

void range_set_free(struct range_set *s)
{
	free(s->r);
	memset(s, 0, sizeof(*s));
}

/* ---- recorded ranges placed elsewhere -------------------------------- */

/* Does e translate for record idx of clone? */
static bool entry_valid(const struct reloc_entry *e, uint64_t idx, int clone)
{
	return e->clone == clone && e->from < idx && idx <= e->until;
}

/* Index of the first entry starting above addr. */
static size_t rt_first_start_above(const struct reloc_table *t, uint64_t addr)
{
	return t->nr ? first_key_above(t->starts, sizeof(*t->starts), t->nr, addr) : 0;
}

static uint64_t max_u64(uint64_t a, uint64_t b)
{
	return a > b ? a : b;
}

static uint64_t min_u64(uint64_t a, uint64_t b)
{
	return a < b ? a : b;
}

/*
 * reloc_find()'s walk.  With m, it also works out the addresses and
 * record indexes around (addr, idx) that the walk would take the same
 * way and end with the same answer: between the starts on either side,
 * past the ends it found short of addr, short of those that reach it,
 * and while each of those of clone stays valid or not as it is for idx.
 */
static const struct reloc_entry *rt_find(const struct reloc_table *t, uint64_t addr,
					 uint64_t idx, int clone, struct reloc_memo *m)
{
	const struct reloc_entry *best = NULL;
	size_t k = rt_first_start_above(t, addr);

	if (m) {
		m->lo = k ? t->starts[k - 1] : 0;
		m->hi = k < t->nr ? t->starts[k] : UINT64_MAX;
		m->idx_lo = 0;
		m->idx_hi = UINT64_MAX;
	}
	/* Entries start at or below addr from k down; none from the first
	 * whose reach stops short of addr gets there. */
	while (k-- > 0) {
		const struct reloc_entry *e = &t->e[k];

		if (e->reach <= addr) {
			if (m)
				m->lo = max_u64(m->lo, e->reach);
			break;
		}
		if (e->end <= addr) {
			if (m)
				m->lo = max_u64(m->lo, e->end);
			continue;
		}
		if (entry_valid(e, idx, clone) && (!best || e->from > best->from))
			best = e;
		if (!m)
			continue;
		m->hi = min_u64(m->hi, e->end);
		if (e->clone != clone)
			continue;
		if (entry_valid(e, idx, clone)) {
			m->idx_lo = max_u64(m->idx_lo, e->from + 1);
			m->idx_hi = min_u64(m->idx_hi, e->until);
		} else if (idx <= e->from) {
			m->idx_hi = min_u64(m->idx_hi, e->from);
		} else {
			m->idx_lo = max_u64(m->idx_lo, e->until + 1);
		}
	}
	return best;
}

const struct reloc_entry *reloc_find(const struct reloc_table *t, uint64_t addr, uint64_t idx,
				     int clone)
{
	return rt_find(t, addr, idx, clone, NULL);
}

const struct reloc_entry *reloc_find_fill(const struct reloc_table *t, struct reloc_memo *m,
					  uint64_t addr, uint64_t idx, int clone)
{
	m->table = t;
	m->gen = t->gen;
	m->e = rt_find(t, addr, idx, clone, m);
	return m->e;
}

uint64_t reloc_piece(const struct reloc_table *t, uint64_t start, uint64_t end, uint64_t idx,
		     int clone, uint64_t *to)
{
	const struct reloc_entry *e = reloc_find(t, start, idx, clone);
	size_t k;

	*to = start;
	if (e) {
		*to = e->to + (start - e->start);
		if (e->end < end)
			end = e->end;
	}
	/* Another entry beginning inside the piece may take over there. */
	for (k = rt_first_start_above(t, start); k < t->nr && t->e[k].start < end; k++) {
		if (entry_valid(&t->e[k], idx, clone)) {
			end = t->e[k].start;
			break;
		}
	}
	return end;
}

/* Set each entry's reach and start from k on, after a change at k. */
static void rt_reach_from(struct reloc_table *t, size_t k)
{
	t->gen++;
	for (; k < t->nr; k++) {
		struct reloc_entry *e = &t->e[k];

		e->reach = k && e[-1].reach > e->end ? e[-1].reach : e->end;
		t->starts[k] = e->start;
	}
}

/* Insert e keeping the table sorted by start. */
static void rt_insert(struct reloc_table *t, const struct reloc_entry *e)
{
	size_t k = rt_first_start_above(t, e->start);

	if (t->nr == t->cap) {
		t->cap = t->cap ? t->cap * 2 : 8;
		t->e = xreallocarray(t->e, t->cap, sizeof(*t->e));
		t->starts = xreallocarray(t->starts, t->cap, sizeof(*t->starts));
	}
	memmove(&t->e[k + 1], &t->e[k], (t->nr - k) * sizeof(*t->e));
	memmove(&t->starts[k + 1], &t->starts[k], (t->nr - k) * sizeof(*t->starts));
	t->e[k] = *e;
	t->starts[k] = e->start;
	t->nr++;
	t->gen++;
	/* The reaches after it take its end in, up to the first already past it. */
	t->e[k].reach = k && t->e[k - 1].reach > e->end ? t->e[k - 1].reach : e->end;
	for (k++; k < t->nr && t->e[k].reach < e->end; k++)
		t->e[k].reach = e->end;
}

void reloc_add(struct reloc_table *t, uint64_t start, uint64_t end, uint64_t to, uint64_t idx,
	       int clone)
{
	struct reloc_entry e = { start, end, to, idx, UINT64_MAX, clone, end };

	if (end > start)
		rt_insert(t, &e);
}

/* The part [start, end) of e, translated as e is. */
static struct reloc_entry entry_part(const struct reloc_entry *e, uint64_t start, uint64_t end)
{
	struct reloc_entry p = *e;

	p.start = start;
	p.end = end;
	p.to = e->to + (start - e->start);
	return p;
}

/*
 * Index of the first entry whose reach passes addr: none before it ends
 * above addr.  Reach only grows along the table, so this is a binary
 * search, however long the longest entry (a reservation of gigabytes
 * would otherwise send every walk back to the first entry).
 */
static size_t rt_first_reaching(const struct reloc_table *t, uint64_t addr)
{
	return t->nr ? first_key_above(&t->e[0].reach, sizeof(*t->e), t->nr, addr) : 0;
}

bool reloc_end(struct reloc_table *t, uint64_t start, uint64_t end, uint64_t idx, int clone)
{
	struct reloc_entry *parts = NULL;
	size_t k, lo, hi, n, nparts = 0;

	if (end <= start)
		return false;
	/*
	 * Each entry meeting [start, end) that translates for idx leaves the
	 * table and comes back as up to three pieces: the part inside, ended
	 * at idx, and the parts outside, as they were.  Re-inserted after the
	 * walk, so the table stays sorted.
	 */
	lo = rt_first_reaching(t, start);
	for (k = n = lo; k < t->nr && t->e[k].start < end; k++) {
		struct reloc_entry *e = &t->e[k];

		if (e->end <= start || !entry_valid(e, idx, clone) || e->until == idx) {
			/* kept: moved down over the ones taken out, if any */
			if (n != k)
				t->e[n] = *e;
			n++;
			continue;
		}
		parts = xreallocarray(parts, nparts + 3, sizeof(*parts));
		if (e->start < start)
			parts[nparts++] = entry_part(e, e->start, start);
		if (e->end > end)
			parts[nparts++] = entry_part(e, end, e->end);
		parts[nparts] = entry_part(e, e->start > start ? e->start : start,
					   e->end < end ? e->end : end);
		parts[nparts++].until = idx;
	}
	hi = k;
	if (!nparts)
		return false;
	memmove(&t->e[n], &t->e[hi], (t->nr - hi) * sizeof(*t->e));
	t->nr -= hi - n;
	rt_reach_from(t, lo);
	for (k = 0; k < nparts; k++)
		rt_insert(t, &parts[k]);
	free(parts);
	return true;
}

void reloc_keep_later(struct reloc_table *t, const struct reloc_table *placed, uint64_t start,
		      uint64_t end, uint64_t idx, int clone)
{
	struct reloc_entry p;
	size_t k;

	for (k = rt_first_reaching(placed, start); k < placed->nr && placed->e[k].start < end;
	     k++) {
		const struct reloc_entry *c = &placed->e[k];

		if (c->clone != clone || c->from <= idx || c->end <= start)
			continue;
		p = entry_part(c, c->start > start ? c->start : start, c->end < end ? c->end : end);
		rt_insert(t, &p);
	}
}

bool reloc_later_mapped(const struct reloc_table *placed, uint64_t start, uint64_t end,
			uint64_t idx, int clone)
{
	size_t k;

	for (k = rt_first_reaching(placed, start); k < placed->nr && placed->e[k].start < end;
	     k++) {
		const struct reloc_entry *c = &placed->e[k];

		if (c->clone == clone && c->from > idx && c->until == UINT64_MAX && c->end > start)
			return true;
	}
	return false;
}

/* Keep the entries still of use from record low on: by until, or by the record that made them. */
static void rt_filter(struct reloc_table *t, uint64_t low, bool by_until)
{
	size_t k, n = 0;

	for (k = 0; k < t->nr; k++)
		if (by_until ? t->e[k].until >= low : t->e[k].from > low)
			t->e[n++] = t->e[k];
	t->nr = n;
	rt_reach_from(t, 0);
	t->prune_at = 2 * n + 16;
}

void reloc_prune(struct reloc_table *t, uint64_t low)
{
	rt_filter(t, low, true);
}

void reloc_prune_made_before(struct reloc_table *t, uint64_t low)
{
	rt_filter(t, low, false);
}

void reloc_copy(struct reloc_table *dst, const struct reloc_table *src)
{
	reloc_free(dst);
	if (!src->nr)
		return;
	dst->e = xreallocarray(NULL, src->nr, sizeof(*src->e));
	memcpy(dst->e, src->e, src->nr * sizeof(*src->e));
	dst->starts = xreallocarray(NULL, src->nr, sizeof(*src->starts));
	memcpy(dst->starts, src->starts, src->nr * sizeof(*src->starts));
	dst->nr = dst->cap = src->nr;
	dst->prune_at = src->prune_at;
}

void reloc_free(struct reloc_table *t)
{
	uint64_t gen = t->gen;

	free(t->e);
	free(t->starts);
	memset(t, 0, sizeof(*t));
	t->gen = gen + 1;	/* what a memo kept of it is gone with it */
}
