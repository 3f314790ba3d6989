/*
 * Mappings the replay places elsewhere than recorded (sim/run/reloc.h):
 * the tables themselves, and hand-built traces whose schedule in the replay
 * is not the recording's, so that an mmap finds its range still taken.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/run/reloc.h"
#include "sim/run/run.h"
#include "tests/scratch.h"
#include "tests/test.h"
#include "tests/workloads.h"
#include "traces/mlt.h"

#define PG		4096ULL
#define R_ADDR		0x7f0000000000ULL	/* the contested range */
#define Q_ADDR		0x7f8000000000ULL	/* a thread's own, to keep it busy */
#define MAX_RECS	1024
#define ANON_PRIVATE	0x22			/* MAP_PRIVATE | MAP_ANONYMOUS */
#define FILE_PRIVATE	0x02

/* A trace being built: records in any order, sorted by time when written. */
struct trace {
	struct mlt_record rec[MAX_RECS];
	int n;
	uint32_t nthreads, nmms;
	uint32_t mm_of[8];		/* by task */
};

static void rec_add(struct trace *t, uint64_t time, uint32_t task, int op, uint64_t addr,
		    uint64_t len, uint64_t arg0, uint64_t arg1, uint8_t flags)
{
	struct mlt_record *r = &t->rec[t->n++];

	memset(r, 0, sizeof(*r));
	r->time_ns = time;
	r->task = task;
	r->mm = (uint16_t)t->mm_of[task];
	r->op = (uint8_t)op;
	r->addr = addr;
	r->len = len;
	r->arg0 = arg0;
	r->arg1 = arg1;
	r->flags = flags;
}

/* An anonymous private mmap of pages pages with prot (MLT_PROT_*). */
static void add_mmap(struct trace *t, uint64_t time, uint32_t task, uint64_t addr, int pages,
		     int prot, uint8_t flags)
{
	rec_add(t, time, task, MLT_MMAP, addr, (uint64_t)pages * PG, (uint64_t)prot,
		flags & MLT_F_FILE ? FILE_PRIVATE : ANON_PRIVATE,
		flags | (prot & MLT_PROT_WRITE ? MLT_F_WRITE : 0));
}

static void add_fault(struct trace *t, uint64_t time, uint32_t task, uint64_t addr, bool write)
{
	rec_add(t, time, task, MLT_FAULT, addr, 0, 0, 0, write ? MLT_F_WRITE : 0);
}

/* Stable by time: records of one time keep the order they were added in. */
static void sort_by_time(struct trace *t)
{
	int i, j;

	for (i = 1; i < t->n; i++) {
		struct mlt_record r = t->rec[i];

		for (j = i; j > 0 && t->rec[j - 1].time_ns > r.time_ns; j--)
			t->rec[j] = t->rec[j - 1];
		t->rec[j] = r;
	}
}

static int write_trace(struct trace *t, const char *path)
{
	struct mlt_thread thr[8];
	uint64_t mm_ids[8];
	struct mlt_writer *w;
	char err[512];
	uint32_t i;
	int k;

	sort_by_time(t);
	w = mlt_writer_open(path, err, sizeof(err));
	CHECKF(w, "%s", err);
	for (k = 0; k < t->n; k++)
		CHECK(mlt_writer_add(w, &t->rec[k]) == 0);
	for (i = 0; i < t->nthreads; i++) {
		memset(&thr[i], 0, sizeof(thr[i]));
		thr[i].tid = 100 + i;
		thr[i].mm = t->mm_of[i];
		snprintf(thr[i].comm, sizeof(thr[i].comm), "t%u", i);
	}
	for (i = 0; i < t->nmms; i++)
		mm_ids[i] = 100 + i;
	CHECKF(mlt_writer_close(w, thr, t->nthreads, mm_ids, t->nmms, "test", err,
				sizeof(err)) == 0, "%s", err);
	return 0;
}

static int replay(const char *path, const char *scheme, int cpus, int threads,
		  struct run_result *r)
{
	struct run_spec spec = { .trace = path, .scheme = scheme, .cpus = cpus,
				 .threads = threads, .seed = 1 };
	char err[512];

	CHECKF(run_simulation(&spec, r, err, sizeof(err)) == 0, "%s", err);
	return 0;
}

static void print_counters(const char *what, const struct run_result *r)
{
	printf("  %-26s %s: relocated %llu, sigsegv %llu, implicit %llu, "
	       "op errors %llu, anon %llu (zero page %llu), file %llu\n", what, r->status,
	       (unsigned long long)result_counter(r, "mmap_relocated"),
	       (unsigned long long)result_counter(r, "fault_sigsegv"),
	       (unsigned long long)result_counter(r, "implicit_vma"),
	       (unsigned long long)result_counter(r, "op_errors"),
	       (unsigned long long)result_counter(r, "fault_anon"),
	       (unsigned long long)result_counter(r, "fault_anon_zero"),
	       (unsigned long long)result_counter(r, "fault_file_read"));
}

/* Every op replayed, none refused, no fault outside a mapping. */
static int clean_run(const struct run_result *r)
{
	CHECK(!strcmp(r->status, RUN_COMPLETE));
	CHECK(r->violations_total == 0);
	CHECK(result_counter(r, "ops_in") == result_counter(r, "ops_replayed"));
	CHECK(result_counter(r, "op_errors") == 0);
	CHECK(result_counter(r, "fault_sigsegv") == 0);
	CHECK(result_counter(r, "implicit_vma") == 0);
	return 0;
}

/* ---- the tables --------------------------------------------------------- */

/* Where record idx of clone 0 finds addr: translated, or where it is. */
static uint64_t where(const struct reloc_table *t, uint64_t addr, uint64_t idx)
{
	const struct reloc_entry *e = reloc_find(t, addr, idx, 0);

	return e ? e->to + (addr - e->start) : addr;
}

static int test_tables(void)
{
	struct range_set s = { 0 }, c = { 0 };
	struct reloc_table t = { 0 }, placed = { 0 };
	uint64_t to, end;

	/* Ranges merge when they touch, split when a hole is cut. */
	range_set_add(&s, 0x10000, 0x20000);
	range_set_add(&s, 0x30000, 0x40000);
	range_set_add(&s, 0x20000, 0x30000);
	CHECK(s.nr == 1 && s.r[0].start == 0x10000 && s.r[0].end == 0x40000);
	range_set_remove(&s, 0x18000, 0x28000);
	CHECK(s.nr == 2 && s.r[0].end == 0x18000 && s.r[1].start == 0x28000);
	CHECK(range_set_meets(&s, 0x17000, 0x18000) && !range_set_meets(&s, 0x18000, 0x28000));
	CHECK(!range_set_meets(&s, 0x40000, 0x50000) && range_set_meets(&s, 0, 0x100000));
	/* The range a search found answers the next ones, until a removal
	 * cuts into it; one added beside it keeps it. */
	CHECK(range_set_meets(&s, 0x30000, 0x31000) && s.hint.start == 0x28000);
	range_set_add(&s, 0x40000, 0x48000);
	CHECK(range_set_meets(&s, 0x3f000, 0x40000) && range_set_meets(&s, 0x47000, 0x48000));
	range_set_remove(&s, 0x40000, 0x48000);
	CHECK(!range_set_meets(&s, 0x40000, 0x41000) && !range_set_meets(&s, 0x47000, 0x48000));
	range_set_remove(&s, 0x30000, 0x31000);
	CHECK(!range_set_meets(&s, 0x30000, 0x31000) && range_set_meets(&s, 0x31000, 0x32000));
	range_set_copy(&c, &s);
	range_set_remove(&s, 0, 0x100000);
	CHECK(s.nr == 0 && c.nr == 3);
	range_set_free(&s);
	range_set_free(&c);

	/* Record 10 put [R, R+4) at 0x5000000: records 11 on follow it. */
	reloc_add(&t, R_ADDR, R_ADDR + 4 * PG, 0x5000000, 10, 0);
	CHECK(where(&t, R_ADDR, 10) == R_ADDR);		/* not the relocating record */
	CHECK(!reloc_find(&t, R_ADDR, 11, 1));		/* nor another clone's */
	CHECK(where(&t, R_ADDR + PG + 12, 11) == 0x5000000 + PG + 12);
	CHECK(where(&t, R_ADDR + 4 * PG, 11) == R_ADDR + 4 * PG);
	/* A range op across its end: the part inside, then the rest. */
	end = reloc_piece(&t, R_ADDR + 2 * PG, R_ADDR + 8 * PG, 12, 0, &to);
	CHECK(end == R_ADDR + 4 * PG && to == 0x5000000 + 2 * PG);
	end = reloc_piece(&t, end, R_ADDR + 8 * PG, 12, 0, &to);
	CHECK(end == R_ADDR + 8 * PG && to == R_ADDR + 4 * PG);

	/* Record 20 unmaps its middle page: records after 20 no longer follow it there. */
	CHECK(reloc_end(&t, R_ADDR + PG, R_ADDR + 2 * PG, 20, 0));
	CHECK(where(&t, R_ADDR + PG, 20) == 0x5000000 + PG);	/* the munmap itself does */
	CHECK(where(&t, R_ADDR + PG, 21) == R_ADDR + PG);
	CHECK(where(&t, R_ADDR, 21) == 0x5000000 && where(&t, R_ADDR + 3 * PG, 21) ==
	      0x5000000 + 3 * PG);
	CHECK(!reloc_end(&t, R_ADDR + PG, R_ADDR + 2 * PG, 22, 0));	/* nothing left to end */

	/* Record 30 put the range elsewhere again: the latest mapping wins. */
	reloc_add(&t, R_ADDR, R_ADDR + 4 * PG, 0x9000000, 30, 0);
	CHECK(where(&t, R_ADDR + 3 * PG, 31) == 0x9000000 + 3 * PG);
	CHECK(where(&t, R_ADDR + PG, 31) == 0x9000000 + PG);
	CHECK(where(&t, R_ADDR + 3 * PG, 25) == 0x5000000 + 3 * PG);	/* a record between */

	/* Pruned once no record below 21 can come: the ended page's entry goes. */
	reloc_prune(&t, 21);
	CHECK(where(&t, R_ADDR + PG, 20) == R_ADDR + PG && where(&t, R_ADDR, 25) == 0x5000000);

	/*
	 * Record 50, mapped where recorded, ran before record 40, which went
	 * elsewhere: the records after 50 stay with 50's mapping.
	 */
	reloc_add(&placed, 0x7000000, 0x7004000, 0x7000000, 50, 0);
	reloc_add(&t, 0x7000000, 0x7008000, 0xa000000, 40, 0);
	reloc_keep_later(&t, &placed, 0x7000000, 0x7008000, 40, 0);
	CHECK(where(&t, 0x7001000, 45) == 0xa001000);
	CHECK(where(&t, 0x7001000, 51) == 0x7001000);
	CHECK(where(&t, 0x7005000, 51) == 0xa005000);	/* past 50's range: 40's */
	reloc_prune_made_before(&placed, 50);
	CHECK(placed.nr == 0);
	reloc_free(&t);
	reloc_free(&placed);
	return 0;
}

/* ---- traces ------------------------------------------------------------- */

/*
 * Thread 0 maps R (anonymous, writable), writes 64 pages of it with no
 * think time between, and unmaps it; thread 1's read-only file mapping of
 * R is recorded after that munmap, and its 16 reads spread over 800 us.
 * In the replay thread 0's faults take far longer than recorded, so
 * thread 1's mmap comes while thread 0's mapping is still there.
 */
static void reorder_trace(struct trace *t)
{
	int i;

	memset(t, 0, sizeof(*t));
	t->nthreads = 2;
	t->nmms = 1;
	add_mmap(t, 0, 0, R_ADDR, 64, MLT_PROT_READ | MLT_PROT_WRITE, 0);
	for (i = 0; i < 64; i++)
		add_fault(t, 1 + (uint64_t)i, 0, R_ADDR + (uint64_t)i * PG, true);
	rec_add(t, 70, 0, MLT_MUNMAP, R_ADDR, 64 * PG, 0, 0, 0);
	add_mmap(t, 1000, 1, R_ADDR, 16, MLT_PROT_READ, MLT_F_FILE);
	for (i = 0; i < 16; i++)
		add_fault(t, 1000 + (uint64_t)(i + 1) * 50000, 1, R_ADDR + (uint64_t)i * PG, false);
	rec_add(t, 900000, 1, MLT_MUNMAP, R_ADDR, 16 * PG, 0, 0, 0);
}

/* What reloc_find() must answer, from every entry of the table. */
static const struct reloc_entry *find_by_scan(const struct reloc_table *t, uint64_t addr,
					      uint64_t idx, int clone)
{
	const struct reloc_entry *best = NULL;
	size_t k;

	for (k = 0; k < t->nr; k++) {
		const struct reloc_entry *e = &t->e[k];

		if (e->clone == clone && e->from < idx && idx <= e->until && e->start <= addr &&
		    addr < e->end && (!best || e->from > best->from))
			best = e;
	}
	return best;
}

/* Each entry's start is in starts[] and its reach is the highest end up to it. */
static bool reaches_hold(const struct reloc_table *t)
{
	uint64_t reach = 0;
	size_t k;

	for (k = 0; k < t->nr; k++) {
		if (t->e[k].end > reach)
			reach = t->e[k].end;
		if (t->e[k].reach != reach || t->starts[k] != t->e[k].start ||
		    (k && t->e[k].start < t->e[k - 1].start))
			return false;
	}
	return true;
}

/*
 * Mappings of four clones placed, ended and pruned at random, long ones
 * among many short ones: every lookup finds what a scan of the whole table
 * finds, though it stops at the first entry that, with all before it,
 * cannot reach the address.  A copy of the table (a fork's) answers as
 * the table does.
 */
static int test_find_matches_scan(void)
{
	struct reloc_table t = { 0 }, copy = { 0 };
	uint64_t seed = 99, idx;
	int lookups = 0;

	for (idx = 1; idx < 4000; idx++) {
		uint64_t r, start, len;
		int clone, i;

		seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
		r = seed >> 16;
		clone = (int)(r % 4);
		start = 0x400000 + (r >> 2) % 512 * PG;
		len = (r >> 11) % 16 == 0 ? (r >> 15) % 256 * PG + PG : (r >> 15) % 4 * PG + PG;
		if ((r >> 23) % 3) {
			reloc_add(&t, start, start + len, 0x7000000000 + (r >> 25) % 4096 * PG, idx, clone);
		} else {
			uint64_t a;

			reloc_end(&t, start, start + len, idx, clone);
			/* Ended everywhere in its range: no entry of the clone is
			 * left there for the records after it. */
			for (a = start; a < start + len; a += PG)
				CHECKF(!find_by_scan(&t, a + 8, idx + 1, clone),
				       "record %llu left clone %d mapped at %#llx",
				       (unsigned long long)idx, clone, (unsigned long long)a);
		}
		CHECKF(reaches_hold(&t), "after record %llu", (unsigned long long)idx);
		if (idx % 500 == 0)
			reloc_prune(&t, idx - 300);
		if (idx % 97 == 0)
			reloc_copy(&copy, &t);
		for (i = 0; i < 8; i++, lookups++) {
			uint64_t addr = 0x400000 + (r >> (i + 3)) % (800 * PG) + i;
			int c = (clone + i) % 4;
			const struct reloc_entry *e = reloc_find(&t, addr, idx + 1, c), *ce;

			CHECKF(e == find_by_scan(&t, addr, idx + 1, c),
			       "record %llu, clone %d, address %#llx", (unsigned long long)idx, c,
			       (unsigned long long)addr);
			if (idx % 97 != 0)
				continue;
			ce = reloc_find(&copy, addr, idx + 1, c);
			CHECKF(ce == find_by_scan(&copy, addr, idx + 1, c) &&
			       (e ? ce && ce->to == e->to && ce->start == e->start : !ce),
			       "the copy at record %llu, clone %d, address %#llx",
			       (unsigned long long)idx, c, (unsigned long long)addr);
		}
	}
	printf("  %d lookups in a table of %zu entries at the end\n", lookups, t.nr);
	CHECK(t.nr > 100);
	reloc_free(&t);
	reloc_free(&copy);
	return 0;
}

/*
 * Four clones, each with a memo, look up addresses near their last one
 * (a little below it too) at record indexes that mostly grow, and where
 * the table last changed, while it is changed, pruned, copied over and
 * freed under them: every answer through a memo is reloc_find()'s, and
 * most come from the memo (found and not found).
 */
static int test_memo_matches_find(void)
{
	struct reloc_table t = { 0 }, other = { 0 };
	struct reloc_memo memo[4] = { 0 };
	uint64_t seed = 7, idx, addr[4] = { 0x400000, 0x480000, 0x500000, 0x580000 };
	uint64_t lookups = 0, hits = 0, null_hits = 0, last_start = 0x400000, last_r = 0;

	for (idx = 1; idx < 6000; idx++) {
		uint64_t r, start, len;
		int c, i;

		seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
		r = seed >> 16;
		start = 0x400000 + (r >> 2) % 512 * PG;
		len = (r >> 11) % 4 * PG + PG;
		if (idx % 3 == 0 || idx % 13 == 0) {
			last_start = start;
			last_r = r;
		}
		if (idx % 3 == 0)
			reloc_add(&t, start, start + len, 0x7000000000 + (r >> 25) % 4096 * PG, idx,
				  (int)(r % 4));
		else if (idx % 13 == 0)
			reloc_end(&t, start, start + len, idx, (int)(r % 4));
		if (idx % 700 == 0)
			reloc_prune(&t, idx - 300);
		if (idx % 1300 == 0) {
			reloc_copy(&other, &t);
			reloc_copy(&t, &other);
		}
		if (idx % 2900 == 0)
			reloc_free(&t);
		for (i = 0; i < 8; i++) {
			const struct reloc_entry *want, *got;
			struct reloc_memo before;
			uint64_t at = idx - (r >> (i + 30)) % 4 / 3;	/* now and then the one before */

			c = (int)((r >> (i * 2)) % 4);
			if (i == 0) {
				/* Where the last change was, by its clone, at it and after. */
				c = (int)(last_r % 4);
				addr[c] = last_start + (r >> 5) % 4 * (PG / 2);
			} else if ((r >> (i + 20)) % 16 == 0) {
				addr[c] = 0x400000 + (r >> (i + 5)) % (600 * PG);
			} else {
				addr[c] += (r >> (i + 9)) % 3 * (PG / 2) - PG / 2;
			}
			before = memo[c];
			want = reloc_find(&t, addr[c], at, c);
			got = reloc_find_memo(&t, &memo[c], addr[c], at, c);
			CHECKF(got == want, "record %llu, clone %d, address %#llx",
			       (unsigned long long)at, c, (unsigned long long)addr[c]);
			lookups++;
			/* A memo left as it was answered from itself. */
			if (!memcmp(&before, &memo[c], sizeof(before))) {
				hits++;
				null_hits += !got;
			}
		}
	}
	printf("  %llu lookups, %llu from a memo (%llu of them not found), %zu entries at the end\n",
	       (unsigned long long)lookups, (unsigned long long)hits,
	       (unsigned long long)null_hits, t.nr);
	CHECK(hits > lookups / 2 && null_hits > 0 && hits - null_hits > lookups / 10);
	reloc_free(&t);
	reloc_free(&other);
	return 0;
}

/*
 * The mmap that the replay runs before the munmap recorded ahead of it
 * goes elsewhere: its faults land in it (file reads, never in the other
 * thread's anonymous mapping, never in a hole), the other thread's
 * writes keep their writable mapping to the end, and its munmap unmaps
 * its own.  For every kind of writer lock, range locks (ww-vma) too, and
 * in cloned thread groups.
 */
static int test_reorder_relocates(void)
{
	static const char *const schemes[] = { "global-rwsem", "pervma-refcount", "ww-vma" };
	static struct trace t;
	const char *path = scratch_path("reorder.mlt");
	size_t s;

	reorder_trace(&t);
	CHECK(write_trace(&t, path) == 0);
	for (s = 0; s < sizeof(schemes) / sizeof(schemes[0]); s++) {
		struct run_result r;
		int threads;

		for (threads = 0; threads <= 8; threads += 8) {
			uint64_t groups = threads ? (uint64_t)threads / 2 : 1;

			CHECK(replay(path, schemes[s], 8, threads, &r) == 0);
			print_counters(schemes[s], &r);
			CHECK(clean_run(&r) == 0);
			CHECK(result_counter(&r, "mmap_relocated") == groups);
			CHECK(result_counter(&r, "fault_file_read") == 16 * groups);
			CHECK(result_counter(&r, "fault_anon") == 64 * groups);
			CHECK(result_counter(&r, "vma_unmapped") == 2 * groups);
			run_result_free(&r);
		}
	}
	return 0;
}

/*
 * Overlaps that are in the recording replace, as the kernel did: a
 * segment mapped over its own reservation without MAP_FIXED in the trace
 * and one with it, and a forked child mapping over what it inherited.
 */
static int test_recorded_overlay_replaces(void)
{
	static struct trace t;
	struct run_result r;
	int i;

	memset(&t, 0, sizeof(t));
	t.nthreads = 1;
	t.nmms = 1;
	add_mmap(&t, 0, 0, R_ADDR, 16, 0, 0);			/* PROT_NONE reservation */
	add_mmap(&t, 10, 0, R_ADDR + 4 * PG, 4, MLT_PROT_READ | MLT_PROT_WRITE, 0);
	add_mmap(&t, 20, 0, R_ADDR + 8 * PG, 4, MLT_PROT_READ | MLT_PROT_WRITE, MLT_F_FIXED);
	for (i = 0; i < 8; i++)
		add_fault(&t, 30 + (uint64_t)i, 0, R_ADDR + (uint64_t)(4 + i) * PG, true);
	rec_add(&t, 100, 0, MLT_MUNMAP, R_ADDR, 16 * PG, 0, 0, 0);
	CHECK(write_trace(&t, scratch_path("overlay.mlt")) == 0);
	CHECK(replay(scratch_path("overlay.mlt"), "pervma-refcount", 2, 0, &r) == 0);
	print_counters("overlay", &r);
	CHECK(clean_run(&r) == 0);
	CHECK(result_counter(&r, "mmap_relocated") == 0);
	CHECK(result_counter(&r, "fault_anon") == 8);
	run_result_free(&r);

	/* fork(): the child's address space starts as the parent's. */
	memset(&t, 0, sizeof(t));
	t.nthreads = 2;
	t.nmms = 2;
	t.mm_of[1] = 1;
	add_mmap(&t, 0, 0, R_ADDR, 8, MLT_PROT_READ | MLT_PROT_WRITE, 0);
	add_fault(&t, 1, 0, R_ADDR, true);
	rec_add(&t, 100000, 1, MLT_FORK, 0, 0, 0, 0, 0);
	add_mmap(&t, 200000, 1, R_ADDR, 8, MLT_PROT_READ, MLT_F_FILE);
	add_fault(&t, 210000, 1, R_ADDR + PG, false);
	rec_add(&t, 300000, 1, MLT_EXIT, 0, 0, 0, 0, 0);
	rec_add(&t, 400000, 0, MLT_EXIT, 0, 0, 0, 0, 0);
	CHECK(write_trace(&t, scratch_path("fork.mlt")) == 0);
	CHECK(replay(scratch_path("fork.mlt"), "global-rwsem", 2, 0, &r) == 0);
	print_counters("forked child over inherited", &r);
	CHECK(clean_run(&r) == 0);
	CHECK(result_counter(&r, "fork") == 1);
	CHECK(result_counter(&r, "mmap_relocated") == 0);
	CHECK(result_counter(&r, "fault_file_read") == 1);
	run_result_free(&r);
	return 0;
}

/*
 * A recorded replacement whose target the replay placed elsewhere follows
 * it there: thread 0's reservation of R, recorded after thread 1's munmap
 * of R, finds thread 1 still writing there and moves; its read-only
 * segment over the reservation goes over the moved reservation, where
 * thread 0 reads it, and never over thread 1's pages, which it writes to
 * the end.
 */
static int test_relocated_overlay_follows(void)
{
	static struct trace t;
	struct run_result r;
	int i;

	memset(&t, 0, sizeof(t));
	t.nthreads = 2;
	t.nmms = 1;
	add_mmap(&t, 0, 1, R_ADDR, 64, MLT_PROT_READ | MLT_PROT_WRITE, 0);
	for (i = 0; i < 64; i++)
		add_fault(&t, 1 + (uint64_t)i, 1, R_ADDR + (uint64_t)i * PG, true);
	rec_add(&t, 70, 1, MLT_MUNMAP, R_ADDR, 64 * PG, 0, 0, 0);
	add_mmap(&t, 1000, 0, R_ADDR, 16, 0, 0);
	add_mmap(&t, 1010, 0, R_ADDR + 4 * PG, 4, MLT_PROT_READ, 0);
	for (i = 0; i < 4; i++)
		add_fault(&t, 1020 + (uint64_t)i * 50000, 0, R_ADDR + (uint64_t)(4 + i) * PG,
			  false);
	rec_add(&t, 500000, 0, MLT_MUNMAP, R_ADDR, 16 * PG, 0, 0, 0);
	CHECK(write_trace(&t, scratch_path("follow.mlt")) == 0);
	CHECK(replay(scratch_path("follow.mlt"), "pervma-refcount", 4, 0, &r) == 0);
	print_counters("overlay of a moved mapping", &r);
	CHECK(clean_run(&r) == 0);
	CHECK(result_counter(&r, "mmap_relocated") == 1);
	CHECK(result_counter(&r, "fault_anon") == 64);
	CHECK(result_counter(&r, "fault_anon_zero") == 4);	/* reads of the segment */
	run_result_free(&r);
	return 0;
}

/*
 * Thread 1's mmap of R, recorded after thread 0 mapped and unmapped it,
 * runs first in the replay; thread 0's mmap, busy elsewhere, then finds
 * it there and moves.  Thread 1's reads and its munmap, recorded after
 * both, stay with thread 1's mapping where recorded, and thread 0's
 * munmap unmaps its own.
 */
static int test_early_mapping_kept(void)
{
	static struct trace t;
	struct run_result r;
	uint64_t when = 0;
	int i;

	memset(&t, 0, sizeof(t));
	t.nthreads = 2;
	t.nmms = 1;
	add_mmap(&t, when++, 0, Q_ADDR, 512, MLT_PROT_READ | MLT_PROT_WRITE, 0);
	for (i = 0; i < 256; i++)
		add_fault(&t, when++, 0, Q_ADDR + (uint64_t)i * PG, true);
	add_mmap(&t, when++, 0, R_ADDR, 16, MLT_PROT_READ | MLT_PROT_WRITE, 0);
	for (i = 0; i < 16; i++)
		add_fault(&t, when++, 0, R_ADDR + (uint64_t)i * PG, true);
	for (i = 256; i < 512; i++)
		add_fault(&t, when++, 0, Q_ADDR + (uint64_t)i * PG, true);
	rec_add(&t, when++, 0, MLT_MUNMAP, R_ADDR, 16 * PG, 0, 0, 0);
	add_mmap(&t, 1000, 1, R_ADDR, 16, MLT_PROT_READ, MLT_F_FILE);
	for (i = 0; i < 16; i++)
		add_fault(&t, 1000 + (uint64_t)(i + 1) * 20000, 1, R_ADDR + (uint64_t)i * PG,
			  false);
	rec_add(&t, 350000, 1, MLT_MUNMAP, R_ADDR, 16 * PG, 0, 0, 0);
	CHECK(write_trace(&t, scratch_path("early.mlt")) == 0);
	CHECK(replay(scratch_path("early.mlt"), "pervma-refcount", 4, 0, &r) == 0);
	print_counters("early mapping kept", &r);
	CHECK(clean_run(&r) == 0);
	CHECK(result_counter(&r, "mmap_relocated") == 1);
	CHECK(result_counter(&r, "fault_file_read") == 16);
	CHECK(result_counter(&r, "fault_anon") == 512 + 16);
	CHECK(result_counter(&r, "vma_unmapped") == 2);
	run_result_free(&r);
	return 0;
}

/*
 * A recorded replacement over a mapping that the recording made only
 * after it, and that the replay ran early, goes elsewhere too: thread 2's
 * reservation of R comes late, thread 0's segment over it (which it
 * unmaps again) later still, and thread 1's file mapping of the segment's
 * range, recorded after that munmap, is there first.  Thread 1 reads its
 * mapping to the last page; thread 0's munmap unmaps its own segment.
 */
static int test_replacement_spares_early_mapping(void)
{
	static struct trace t;
	struct run_result r;
	int i;

	memset(&t, 0, sizeof(t));
	t.nthreads = 3;
	t.nmms = 1;
	add_mmap(&t, 0, 2, Q_ADDR, 256, MLT_PROT_READ | MLT_PROT_WRITE, 0);
	for (i = 0; i < 256; i++)
		add_fault(&t, 1 + (uint64_t)i, 2, Q_ADDR + (uint64_t)i * PG, true);
	add_mmap(&t, 300, 2, R_ADDR, 16, MLT_PROT_READ | MLT_PROT_WRITE, 0);
	add_mmap(&t, 0, 0, Q_ADDR + 0x10000000, 128, MLT_PROT_READ | MLT_PROT_WRITE, 0);
	for (i = 0; i < 128; i++)
		add_fault(&t, 1 + (uint64_t)i, 0, Q_ADDR + 0x10000000 + (uint64_t)i * PG, true);
	add_mmap(&t, 400, 0, R_ADDR + 4 * PG, 4, MLT_PROT_READ | MLT_PROT_WRITE, 0);
	rec_add(&t, 500, 0, MLT_MUNMAP, R_ADDR + 4 * PG, 4 * PG, 0, 0, 0);
	add_mmap(&t, 600, 1, R_ADDR + 4 * PG, 4, MLT_PROT_READ, MLT_F_FILE);
	for (i = 0; i < 4; i++)
		add_fault(&t, 600 + (uint64_t)(i + 1) * 100000, 1, R_ADDR + (uint64_t)(4 + i) * PG,
			  false);
	rec_add(&t, 600000, 1, MLT_MUNMAP, R_ADDR + 4 * PG, 4 * PG, 0, 0, 0);
	CHECK(write_trace(&t, scratch_path("spare.mlt")) == 0);
	CHECK(replay(scratch_path("spare.mlt"), "pervma-refcount", 4, 0, &r) == 0);
	print_counters("replacement spares", &r);
	CHECK(clean_run(&r) == 0);
	CHECK(result_counter(&r, "mmap_relocated") == 2);	/* the segment, the reservation */
	CHECK(result_counter(&r, "fault_file_read") == 4);
	CHECK(result_counter(&r, "vma_unmapped") == 2);
	run_result_free(&r);
	return 0;
}

/*
 * An mremap whose destination was free when recorded but is still mapped
 * in the replay moves elsewhere (MREMAP_MAYMOVE), and the writes after it
 * follow the moved pages; the file mapping that was in the way is read to
 * its last page.
 */
static int test_mremap_relocates(void)
{
	static struct trace t;
	struct run_result r;
	int i;

	memset(&t, 0, sizeof(t));
	t.nthreads = 2;
	t.nmms = 1;
	add_mmap(&t, 0, 1, R_ADDR, 64, MLT_PROT_READ, MLT_F_FILE);
	for (i = 0; i < 64; i++)
		add_fault(&t, 1 + (uint64_t)i, 1, R_ADDR + (uint64_t)(63 - i) * PG, false);
	rec_add(&t, 70, 1, MLT_MUNMAP, R_ADDR, 64 * PG, 0, 0, 0);
	add_mmap(&t, 1000, 0, Q_ADDR, 4, MLT_PROT_READ | MLT_PROT_WRITE, 0);
	for (i = 0; i < 4; i++)
		add_fault(&t, 1001 + (uint64_t)i, 0, Q_ADDR + (uint64_t)i * PG, true);
	rec_add(&t, 2000, 0, MLT_MREMAP, Q_ADDR, 4 * PG, 4 * PG, R_ADDR, MLT_F_FIXED);
	for (i = 0; i < 4; i++)
		add_fault(&t, 3000 + (uint64_t)i * 50000, 0, R_ADDR + (uint64_t)i * PG, true);
	rec_add(&t, 500000, 0, MLT_MUNMAP, R_ADDR, 4 * PG, 0, 0, 0);
	CHECK(write_trace(&t, scratch_path("mremap.mlt")) == 0);
	CHECK(replay(scratch_path("mremap.mlt"), "pervma-refcount", 4, 0, &r) == 0);
	print_counters("mremap destination", &r);
	printf("  mremap relocated %llu, moved PTEs %llu\n",
	       (unsigned long long)result_counter(&r, "mremap_relocated"),
	       (unsigned long long)result_counter(&r, "mremap_moved_ptes"));
	CHECK(clean_run(&r) == 0);
	CHECK(result_counter(&r, "mremap_relocated") == 1);
	CHECK(result_counter(&r, "mremap_moved_ptes") == 4);
	CHECK(result_counter(&r, "fault_file_read") == 64);
	CHECK(result_counter(&r, "fault_anon") == 4);
	/* The file mapping, the moved VMA's source and the moved VMA. */
	CHECK(result_counter(&r, "vma_unmapped") == 3);
	run_result_free(&r);
	return 0;
}

/*
 * Random ops of four threads in a few MiB, where mappings meet all the
 * time and the replay reorders them, with some values far out of range:
 * whatever the replay makes of them, every op is replayed, the oracle
 * finds nothing wrong, and mmaps that find their range taken go elsewhere.
 */
static int test_random_ops(void)
{
	static const char *const schemes[] = { "global-rwsem", "ww-vma", "pervma-refcount" };
	static struct trace t;
	uint64_t seed = 12345, when = 0;
	size_t s;
	int i;

	memset(&t, 0, sizeof(t));
	t.nthreads = 4;
	t.nmms = 1;
	for (i = 0; i < MAX_RECS; i++) {
		uint64_t r, addr, len, arg1;
		uint32_t task;
		uint8_t flags;

		seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
		r = seed >> 16;
		task = (uint32_t)(r % 4);
		addr = R_ADDR + (r >> 8) % 1024 * PG;
		len = (1 + (r >> 20) % 64) * PG;
		arg1 = R_ADDR + (r >> 28) % 1024 * PG;
		flags = (uint8_t)((r >> 40) % 2 ? MLT_F_FIXED : 0);
		if ((r >> 44) % 97 == 0)
			addr = ~0ULL - PG + 1;		/* far out of range */
		if ((r >> 44) % 89 == 0)
			len = ~0ULL;
		when += (r >> 50) % 3000;
		switch ((r >> 4) % 8) {
		case 0:
		case 1:
			add_mmap(&t, when, task, addr, (int)(len / PG), MLT_PROT_READ | MLT_PROT_WRITE,
				 flags | ((r >> 41) % 3 ? 0 : MLT_F_FILE));
			break;
		case 2:
			rec_add(&t, when, task, MLT_MUNMAP, addr, len, 0, 0, 0);
			break;
		case 3:
			rec_add(&t, when, task, MLT_MPROTECT, addr, len, MLT_PROT_READ, 0, 0);
			break;
		case 4:
			rec_add(&t, when, task, MLT_MREMAP, addr, len, len + PG * ((r >> 45) % 3),
				(r >> 47) % 2 ? addr : arg1, flags);
			break;
		case 5:
			rec_add(&t, when, task, MLT_MADVISE, addr, len, MLT_MADV_DONTNEED, 0, 0);
			break;
		case 6:
			add_fault(&t, when, task, addr + (r >> 52) % len % (64 * PG), (r >> 46) % 2);
			break;
		default:
			rec_add(&t, when, task, MLT_LOOKUP, addr + 12, 0, 0, 0, 0);
			break;
		}
	}
	CHECK(write_trace(&t, scratch_path("random.mlt")) == 0);
	for (s = 0; s < sizeof(schemes) / sizeof(schemes[0]); s++) {
		struct run_result r;
		int threads;

		for (threads = 0; threads <= 8; threads += 8) {
			CHECK(replay(scratch_path("random.mlt"), schemes[s], 4, threads, &r) == 0);
			print_counters(schemes[s], &r);
			CHECK(!strcmp(r.status, RUN_COMPLETE));
			CHECK(r.violations_total == 0);
			CHECK(result_counter(&r, "ops_in") == result_counter(&r, "ops_replayed"));
			CHECK(result_counter(&r, "mmap_relocated") > 0);
			run_result_free(&r);
		}
	}
	return 0;
}

/*
 * The bundled traces at 16 and 32 threads on 16 CPUs: no mmap replaces a
 * mapping the recording did not, and no more faults find nothing mapped
 * (SIGSEGV, then an implicit VMA) than when such mmaps replaced.
 */
static int test_bundled_traces(void)
{
	static const struct {
		const char *trace;
		int threads;
		uint64_t sigsegv, implicit;	/* before mmaps were relocated */
	} v[] = {
		{ "traces/samples/py.perf.txt.xz", 16, 250, 234 },
		{ "traces/samples/py.perf.txt.xz", 32, 250, 234 },
		{ "traces/samples/py.strace.xz", 16, 38, 38 },
		{ "traces/samples/py.strace.xz", 32, 51, 51 },
		{ "traces/samples/xz.perf.txt.xz", 16, 42, 42 },
		{ "traces/samples/xz.perf.txt.xz", 32, 83, 83 },
	};
	uint64_t relocated = 0;
	size_t i;

	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		struct run_result r;

		CHECK(replay(v[i].trace, "pervma-refcount", 16, v[i].threads, &r) == 0);
		printf("  %-32s --threads %d: %s, relocated %llu, sigsegv %llu "
		       "(%llu before), implicit %llu (%llu)\n", v[i].trace, v[i].threads, r.status,
		       (unsigned long long)result_counter(&r, "mmap_relocated"),
		       (unsigned long long)result_counter(&r, "fault_sigsegv"),
		       (unsigned long long)v[i].sigsegv,
		       (unsigned long long)result_counter(&r, "implicit_vma"),
		       (unsigned long long)v[i].implicit);
		CHECK(!strcmp(r.status, RUN_COMPLETE));
		CHECK(result_counter(&r, "ops_in") == result_counter(&r, "ops_replayed"));
		CHECK(result_counter(&r, "fault_sigsegv") <= v[i].sigsegv);
		CHECK(result_counter(&r, "implicit_vma") <= v[i].implicit);
		relocated += result_counter(&r, "mmap_relocated");
		run_result_free(&r);
	}
	CHECK(relocated > 0);
	return 0;
}

const struct test_case reloc_tests[] = {
	{ "reloc/tables", test_tables },
	{ "reloc/find_matches_scan", test_find_matches_scan },
	{ "reloc/memo_matches_find", test_memo_matches_find },
	{ "reloc/reorder_relocates", test_reorder_relocates },
	{ "reloc/recorded_overlay_replaces", test_recorded_overlay_replaces },
	{ "reloc/relocated_overlay_follows", test_relocated_overlay_follows },
	{ "reloc/early_mapping_kept", test_early_mapping_kept },
	{ "reloc/replacement_spares_early_mapping", test_replacement_spares_early_mapping },
	{ "reloc/mremap_relocates", test_mremap_relocates },
	{ "reloc/random_ops", test_random_ops },
	{ "reloc/bundled_traces", test_bundled_traces },
	{ NULL, NULL },
};
