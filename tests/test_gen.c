/*
 * Workload generator tests: every workload generates a valid trace (time
 * order, munmaps of earlier mmaps, faults inside mappings that allow the
 * access at that time: checked by a small address-space model below),
 * record counts follow from the parameters, output is deterministic for a
 * seed, and bad names or values give one clear message and no file.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "schemes/registry.h"
#include "sim/run/run.h"
#include "tests/test.h"
#include "tests/scratch.h"
#include "tests/workloads.h"
#include "traces/gen.h"
#include "traces/mlt.h"

extern const struct test_case gen_tests[];

/* ---- The checker: a model of each mm's mappings and their protection ---- */

struct seg {
	uint64_t start, end;
	unsigned prot;
};

struct cmm {
	struct seg *s;		/* sorted, non-overlapping */
	size_t n, cap;
	struct seg *maps;	/* whole mappings as made, for munmap */
	size_t nmaps, capmaps;
};

struct summary {
	uint64_t n;
	uint64_t ops[MLT_NR_OPS];
	uint64_t read_faults, cow_faults;
	uint64_t mmap_flags_or;		/* union of MLT_MMAP record flags */
	uint64_t first_time[64], last_time[64];	/* per task (first 64) */
	uint64_t task_ops[64];
	uint64_t max_len;		/* largest mmap */
	uint32_t nthreads, nmms;
	char comm[4][MLT_COMM_LEN + 1];
};

static int grow(void **p, size_t *cap, size_t need, size_t size)
{
	void *q;
	size_t c = *cap ? *cap : 16;

	if (need <= *cap)
		return 0;
	while (c < need)
		c *= 2;
	q = realloc(*p, c * size);
	if (!q)
		return -1;
	*p = q;
	*cap = c;
	return 0;
}

/* First segment with start >= A. */
static size_t lower(const struct cmm *m, uint64_t a)
{
	size_t lo = 0, hi = m->n;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (m->s[mid].start < a)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static struct seg *find(struct cmm *m, uint64_t a)
{
	size_t i = lower(m, a + 1);

	if (!i || m->s[i - 1].end <= a)
		return NULL;
	return &m->s[i - 1];
}

static int insert(struct cmm *m, size_t i, struct seg s)
{
	if (grow((void **)&m->s, &m->cap, m->n + 1, sizeof(*m->s)))
		return -1;
	memmove(&m->s[i + 1], &m->s[i], (m->n - i) * sizeof(*m->s));
	m->s[i] = s;
	m->n++;
	return 0;
}

/* Make X a segment boundary if it falls inside one. */
static int split(struct cmm *m, uint64_t x)
{
	struct seg *s = find(m, x), hi;

	if (!s || s->start == x)
		return 0;
	hi = *s;
	hi.start = x;
	s->end = x;
	return insert(m, (size_t)(s - m->s) + 1, hi);
}

/* [a, a+len) fully mapped, split at its ends: index of its first segment. */
static long covered(struct cmm *m, uint64_t a, uint64_t len)
{
	uint64_t cur = a;
	size_t i;

	if (split(m, a) || split(m, a + len))
		return -1;
	i = lower(m, a);
	for (; cur < a + len; i++) {
		if (i >= m->n || m->s[i].start != cur)
			return -1;
		cur = m->s[i].end;
	}
	return (long)lower(m, a);
}

/*
 * A move of [addr, addr+len) to arg1, length unchanged (MREMAP_FIXED, as
 * the generators write it): the old range mapped, the new one free; the
 * segments keep their protections.
 */
static int check_mremap(struct cmm *m, const struct mlt_record *r,
			char *why, size_t len)
{
	uint64_t to = r->arg1, end = r->addr + r->len;
	struct seg *moved;
	size_t i, j, n;
	long k;

	if (r->addr % 4096 || r->len % 4096 || to % 4096 || !r->len ||
	    r->arg0 != r->len || !(r->flags & MLT_F_FIXED)) {
		snprintf(why, len, "mremap of 0x%llx+%llu to 0x%llx+%llu: expected a fixed move of the same length",
			 (unsigned long long)r->addr, (unsigned long long)r->len,
			 (unsigned long long)to, (unsigned long long)r->arg0);
		return -1;
	}
	k = covered(m, r->addr, r->len);
	if (k < 0) {
		snprintf(why, len, "mremap of unmapped 0x%llx+%llu",
			 (unsigned long long)r->addr, (unsigned long long)r->len);
		return -1;
	}
	i = lower(m, end);
	n = i - (size_t)k;
	moved = malloc(n * sizeof(*moved));
	if (!moved)
		return -1;
	memcpy(moved, &m->s[k], n * sizeof(*moved));
	memmove(&m->s[k], &m->s[i], (m->n - i) * sizeof(*m->s));
	m->n -= n;
	j = lower(m, to);
	if ((j && m->s[j - 1].end > to) || (j < m->n && m->s[j].start < to + r->len)) {
		snprintf(why, len, "mremap onto a mapping at 0x%llx", (unsigned long long)to);
		free(moved);
		return -1;
	}
	for (i = 0; i < n; i++) {
		moved[i].start = moved[i].start - r->addr + to;
		moved[i].end = moved[i].end - r->addr + to;
		if (insert(m, j + i, moved[i])) {
			free(moved);
			return -1;
		}
	}
	free(moved);
	/* A whole mapping moved is still one (for a later munmap of it). */
	for (i = 0; i < m->nmaps; i++)
		if (m->maps[i].start == r->addr && m->maps[i].end == end)
			m->maps[i] = (struct seg){ to, to + r->len, 0 };
	return 0;
}

static int check_record(struct cmm *m, const struct mlt_record *r,
			char *why, size_t len)
{
	uint64_t end = r->addr + r->len;
	struct seg *s;
	size_t i;
	long k;

	if (r->op != MLT_FAULT && r->op <= MLT_MADVISE &&
	    (r->addr % 4096 || r->len % 4096 || (r->op != MLT_BRK && !r->len))) {
		snprintf(why, len, "unaligned address or length");
		return -1;
	}
	switch (r->op) {
	case MLT_FAULT:
		s = find(m, r->addr);
		if (!s) {
			snprintf(why, len, "fault at 0x%llx outside every mapping",
				 (unsigned long long)r->addr);
			return -1;
		}
		if ((r->flags & MLT_F_WRITE) ? !(s->prot & MLT_PROT_WRITE) :
		    (r->flags & MLT_F_EXEC) ? !(s->prot & MLT_PROT_EXEC) :
		    !(s->prot & MLT_PROT_READ)) {
			snprintf(why, len, "fault at 0x%llx (flags %x) in a mapping with prot %u",
				 (unsigned long long)r->addr, r->flags, s->prot);
			return -1;
		}
		return 0;
	case MLT_MMAP:
		if (r->addr < 0x100000000ULL || end > 0x7f0000000000ULL) {
			snprintf(why, len, "mmap at 0x%llx outside the mmap area",
				 (unsigned long long)r->addr);
			return -1;
		}
		i = lower(m, r->addr);
		if ((i && m->s[i - 1].end > r->addr) ||
		    (i < m->n && m->s[i].start < end)) {
			snprintf(why, len, "mmap at 0x%llx overlaps a mapping",
				 (unsigned long long)r->addr);
			return -1;
		}
		if (insert(m, i, (struct seg){ r->addr, end, (unsigned)r->arg0 }) ||
		    grow((void **)&m->maps, &m->capmaps, m->nmaps + 1, sizeof(*m->maps)))
			return -1;
		m->maps[m->nmaps++] = (struct seg){ r->addr, end, 0 };
		return 0;
	case MLT_MUNMAP:
		for (i = 0; i < m->nmaps; i++)
			if (m->maps[i].start == r->addr && m->maps[i].end == end)
				break;
		if (i == m->nmaps) {
			snprintf(why, len, "munmap of 0x%llx+%llu, not an earlier mmap",
				 (unsigned long long)r->addr, (unsigned long long)r->len);
			return -1;
		}
		m->maps[i] = m->maps[--m->nmaps];
		k = covered(m, r->addr, r->len);
		if (k < 0)
			return -1;
		i = lower(m, end);
		memmove(&m->s[k], &m->s[i], (m->n - i) * sizeof(*m->s));
		m->n -= i - (size_t)k;
		return 0;
	case MLT_MPROTECT:
	case MLT_MADVISE:
		k = covered(m, r->addr, r->len);
		if (k < 0) {
			snprintf(why, len, "%s of unmapped 0x%llx+%llu", mlt_op_name(r->op),
				 (unsigned long long)r->addr, (unsigned long long)r->len);
			return -1;
		}
		if (r->op == MLT_MPROTECT)
			for (i = (size_t)k; i < m->n && m->s[i].start < end; i++)
				m->s[i].prot = (unsigned)r->arg0;
		else if (r->arg0 != MLT_MADV_DONTNEED)
			return -1;
		return 0;
	case MLT_MREMAP:
		return check_mremap(m, r, why, len);
	case MLT_BARRIER:
		return 0;	/* an ordering constraint, no change to the mappings */
	case MLT_LOOKUP:
		if (!find(m, r->addr) || r->len) {
			snprintf(why, len, "lookup of 0x%llx outside every mapping",
				 (unsigned long long)r->addr);
			return -1;
		}
		return 0;
	default:
		snprintf(why, len, "unexpected op %s", mlt_op_name(r->op));
		return -1;
	}
}

/* Read PATH, check every record, fill SUM.  0 ok; -1 with WHY. */
static int check_trace(const char *path, struct summary *sum, char *why, size_t len)
{
	struct mlt_file *f = mlt_open(path, why, len);
	struct mlt_record r;
	struct cmm *mms;
	uint32_t i;
	int ret = -1, rc;

	memset(sum, 0, sizeof(*sum));
	if (!f)
		return -1;
	mms = calloc(f->nmms, sizeof(*mms));
	if (!mms)
		goto out;
	sum->nthreads = f->nthreads;
	sum->nmms = f->nmms;
	for (i = 0; i < 4 && i < f->nthreads; i++)
		memcpy(sum->comm[i], f->threads[i].comm, MLT_COMM_LEN);
	while ((rc = mlt_next(f, &r)) == 1) {
		if (r.mm != f->threads[r.task].mm) {
			snprintf(why, len, "record %llu: task %u in mm %u, not its own",
				 (unsigned long long)sum->n, r.task, r.mm);
			goto out;
		}
		if (check_record(&mms[r.mm], &r, why, len) < 0) {
			size_t n = strlen(why);

			snprintf(why + n, len - n, " (record %llu, task %u, t=%llu)",
				 (unsigned long long)sum->n, r.task,
				 (unsigned long long)r.time_ns);
			goto out;
		}
		sum->ops[r.op]++;
		if (r.op == MLT_FAULT && !(r.flags & MLT_F_WRITE))
			sum->read_faults++;
		if (r.op == MLT_FAULT && (r.flags & MLT_F_PRESENT))
			sum->cow_faults++;
		if (r.op == MLT_MMAP) {
			sum->mmap_flags_or |= r.flags;
			if (r.len > sum->max_len)
				sum->max_len = r.len;
		}
		if (r.task < 64) {
			if (!sum->task_ops[r.task]++)
				sum->first_time[r.task] = r.time_ns;
			sum->last_time[r.task] = r.time_ns;
		}
		sum->n++;
	}
	if (rc < 0) {
		snprintf(why, len, "%s", f->err);
		goto out;
	}
	ret = 0;
out:
	for (i = 0; mms && i < f->nmms; i++) {
		free(mms[i].s);
		free(mms[i].maps);
	}
	free(mms);
	mlt_close(f);
	return ret;
}

/* Generate, then check; 0 ok. */
static int gen_check(const char *wl, int threads, uint64_t ops, uint64_t seed,
		     const char *p1, const char *p2, const char *p3,
		     const char *out, struct summary *sum)
{
	char *params[3], err[1024];
	int n = 0;

	if (p1)
		params[n++] = (char *)p1;
	if (p2)
		params[n++] = (char *)p2;
	if (p3)
		params[n++] = (char *)p3;
	if (trace_gen(wl, threads, ops, seed, n, params, out, err, sizeof(err))) {
		fprintf(stderr, "trace_gen %s: %s\n", wl, err);
		return -1;
	}
	if (check_trace(out, sum, err, sizeof(err))) {
		fprintf(stderr, "%s: %s\n", wl, err);
		return -1;
	}
	return 0;
}

/* ---- Tests ---- */

static int t_defaults(void)
{
	static const struct {
		const char *name;
		uint64_t records;
		uint32_t threads;
	} want[] = {
		/* shared=1: per iteration task 0's mmap and munmap, every fault,
		 * and two barriers of all four tasks */
		{ "pft", 2 * (4 * 16384 + 2 + 2 * 4), 4 },
		{ "page_fault1", 262144, 4 },
		{ "page_fault2", 262144, 4 },
		{ "page_fault3", 262144, 4 },
		{ "mmap1", 100000, 4 },
		{ "mmap2", 100000, 4 },
		{ "ebizzy", 200000, 4 },
		{ "jvm", 300000, 16 },
		{ "multi_fault", 200000, 4 },
		{ "vma_lookup", 100000, 4 },
	};
	struct summary s;
	size_t i;

	for (i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		CHECK(gen_check(want[i].name, 0, 0, 1, NULL, NULL, NULL,
				scratch_path("d.mlt"), &s) == 0);
		CHECKF(s.n == want[i].records, "%s: %llu records", want[i].name,
		       (unsigned long long)s.n);
		CHECK(s.nthreads == want[i].threads && s.nmms == 1);
	}
	return 0;
}

static int t_pft_counts(void)
{
	struct summary s;
	unsigned t;

	/* Private: threads * iterations * (pages + 2). */
	CHECK(gen_check("pft", 3, 0, 7, "size=1M", "iterations=3", "shared=0",
			scratch_path("p.mlt"), &s) == 0);
	CHECK(s.n == 3 * 3 * (256 + 2));
	CHECK(s.ops[MLT_MMAP] == 9 && s.ops[MLT_MUNMAP] == 9);
	CHECK(s.ops[MLT_FAULT] == 9 * 256 && s.read_faults == 0);
	CHECK(s.max_len == 1 << 20);
	for (t = 0; t < 3; t++)
		CHECK(s.task_ops[t] == 3 * 258 && s.first_time[t] == 0);
	CHECK(!strcmp(s.comm[0], "pft"));

	/* Shared: one mapping of size * threads per iteration, by task 0. */
	CHECK(gen_check("pft", 3, 0, 7, "size=1M", "iterations=3", "shared=1",
			scratch_path("s.mlt"), &s) == 0);
	/* and two barriers of the three tasks: after the mmap, before the munmap */
	CHECK(s.n == 3 * (3 * 256 + 2 + 2 * 3));
	CHECK(s.ops[MLT_MMAP] == 3 && s.ops[MLT_MUNMAP] == 3 && s.ops[MLT_BARRIER] == 3 * 2 * 3);
	CHECK(s.max_len == 3 << 20);
	CHECK(s.task_ops[0] == 3 * (256 + 2 + 2));
	CHECK(s.task_ops[1] == 3 * (256 + 2) && s.task_ops[2] == 3 * (256 + 2));
	/* The others start faulting only after task 0's mmap. */
	CHECK(s.first_time[0] == 0 && s.first_time[1] > 0 && s.first_time[2] > 0);

	/* -n cuts the run in time order. */
	CHECK(gen_check("pft", 2, 1000, 7, "size=1M", NULL, NULL,
			scratch_path("c.mlt"), &s) == 0);
	CHECK(s.n == 1000);
	/* iterations=0 runs until -n. */
	CHECK(gen_check("pft", 2, 5000, 7, "size=64K", "iterations=0", NULL,
			scratch_path("c.mlt"), &s) == 0);
	CHECK(s.n == 5000 && s.ops[MLT_MUNMAP] > 100);
	return 0;
}

/*
 * Replay PATH, a generated benchmark, on CPUS CPUs with think times scaled
 * by THINK_SCALE: every record replayed, none failed, and the benchmark
 * never met what it did not map (an implicit VMA for a fault in a hole, a
 * SIGSEGV) nor found a range it maps still taken (an mmap or mremap placed
 * elsewhere, or one replacing a live mapping).  FAULTS, if not NULL, gets
 * the faults replayed, FAULT_RATE their rate per simulated second.
 */
static int replay_benchmark(const char *path, const char *scheme, int cpus,
			    const char *think_scale, uint64_t records, uint64_t *faults,
			    double *fault_rate)
{
	static const char *const must_be_zero[] = {
		"op_errors", "fault_sigsegv", "implicit_vma", "mmap_relocated", "mremap_relocated",
	};
	struct run_spec spec = { .trace = path, .scheme = scheme, .cpus = cpus, .seed = 1,
				 .nparams = 1, .params = { think_scale } };
	const struct op_result *fault;
	struct run_result r;
	char err[512];
	size_t i;

	if (run_simulation(&spec, &r, err, sizeof(err))) {
		fprintf(stderr, "run %s: %s\n", scheme, err);
		return -1;
	}
	CHECKF(!strcmp(r.status, RUN_COMPLETE), "%s %d CPUs %s: %s", scheme, cpus, think_scale,
	       r.status);
	CHECK(result_counter(&r, "ops_in") == records);
	CHECK(result_counter(&r, "ops_replayed") == records);
	for (i = 0; i < sizeof(must_be_zero) / sizeof(must_be_zero[0]); i++)
		CHECKF(!result_counter(&r, must_be_zero[i]), "%s %d CPUs %s: %s %llu", scheme,
		       cpus, think_scale, must_be_zero[i],
		       (unsigned long long)result_counter(&r, must_be_zero[i]));
	fault = result_op(&r, "fault");
	if (faults)
		*faults = fault ? fault->count : 0;
	if (fault_rate)
		*fault_rate = fault ? fault->throughput_per_s : 0;
	run_result_free(&r);
	return 0;
}

static int t_wis(void)
{
	struct summary s;

	CHECK(gen_check("page_fault1", 2, 10000, 3, "size=1M", NULL, NULL,
			scratch_path("w.mlt"), &s) == 0);
	CHECK(s.n == 10000 && s.nmms == 1);
	CHECK(s.mmap_flags_or == MLT_F_WRITE);
	/* Each iteration is mmap + 256 faults + munmap, so about 1/258 each. */
	CHECK(s.ops[MLT_MMAP] >= 10000 / 258 && s.ops[MLT_MMAP] <= 10000 / 258 + 2);
	CHECK(!strcmp(s.comm[0], "page_fault1_thr"));

	CHECK(gen_check("page_fault2", 2, 5000, 3, "size=256K", NULL, NULL,
			scratch_path("w.mlt"), &s) == 0);
	CHECK(s.mmap_flags_or == (MLT_F_WRITE | MLT_F_FILE));
	CHECK(s.ops[MLT_FAULT] > 4000 && s.read_faults == 0);

	CHECK(gen_check("page_fault3", 2, 5000, 3, "size=256K", NULL, NULL,
			scratch_path("w.mlt"), &s) == 0);
	CHECK(s.mmap_flags_or == (MLT_F_WRITE | MLT_F_FILE | MLT_F_SHARED));

	CHECK(gen_check("mmap1", 3, 3000, 3, NULL, NULL, NULL, scratch_path("w.mlt"), &s) == 0);
	CHECK(s.n == 3000 && s.ops[MLT_FAULT] == 0);
	/* The cut may fall between a task's mmap and its munmap. */
	CHECK(s.ops[MLT_MMAP] + s.ops[MLT_MUNMAP] == 3000);
	CHECK(s.ops[MLT_MMAP] - s.ops[MLT_MUNMAP] <= 3);
	CHECK(s.max_len == 128 << 20);

	CHECK(gen_check("mmap2", 3, 3000, 3, "size=8K", NULL, NULL, scratch_path("w.mlt"), &s) == 0);
	CHECK(s.mmap_flags_or == (MLT_F_WRITE | MLT_F_FILE | MLT_F_SHARED));
	CHECK(s.max_len == 8192);

	/*
	 * duration=T: each task loops until T of generated time, with no op
	 * count unless one is given; the trace replays clean, processes too.
	 */
	{
		static const char *const wls[] = { "page_fault1", "page_fault3", "mmap1" };
		size_t i;
		unsigned t;

		for (i = 0; i < 3; i++) {
			CHECK(gen_check(wls[i], 3, 0, 3, "size=256K", "duration=5ms", NULL,
					scratch_path("d.mlt"), &s) == 0);
			CHECKF(s.n > 3000 && s.n != 262144 && s.n != 100000, "%s: %llu records",
			       wls[i], (unsigned long long)s.n);
			for (t = 0; t < 3; t++)
				CHECK(s.last_time[t] < 5000000 && s.last_time[t] > 4900000);
			CHECK(replay_benchmark(scratch_path("d.mlt"), "pervma-refcount", 3,
					       "think_scale=0", s.n, NULL, NULL) == 0);
		}
		CHECK(gen_check("page_fault1", 3, 0, 3, "size=256K", "duration=5ms", "procs=1",
				scratch_path("d.mlt"), &s) == 0);
		CHECK(s.nmms == 3 && s.last_time[2] > 4900000);
		CHECK(replay_benchmark(scratch_path("d.mlt"), "global-rwsem", 3, "think_scale=1",
				       s.n, NULL, NULL) == 0);
		/* An op count given still cuts the run. */
		CHECK(gen_check("page_fault1", 3, 1000, 3, "size=256K", "duration=5ms", NULL,
				scratch_path("d.mlt"), &s) == 0);
		CHECK(s.n == 1000);
	}
	return 0;
}

/*
 * pft as mmtests runs it (one region the threads carve, phases apart by
 * barriers), 48 threads on 48 CPUs, under every scheme of the default
 * comparison: nothing implicit, no SIGSEGV, no mapping placed elsewhere,
 * and the fault rate with the generator's think time (think_scale=1)
 * within 3% of the rate without (think_scale=0), since a generated trace
 * carries only user time and the ops' costs come from the model.  (The
 * mean fault latency may move more: think time spreads the threads'
 * faults apart, so fewer meet on a line.)
 */
static int t_pft_48_every_scheme(void)
{
	const char *path = scratch_path("p48.mlt");
	struct summary s;
	int i, schemes = 0;

	schemes_init();
	CHECK(gen_check("pft", 48, 0, 3, "size=4M", "iterations=1", NULL, path, &s) == 0);
	for (i = 0; i < scheme_count(); i++) {
		const struct scheme_ops *ops = scheme_at(i);
		double r0, r1;

		if (!scheme_in_default_compare(ops))
			continue;
		CHECK(replay_benchmark(path, ops->name, 48, "think_scale=0", s.n, NULL, &r0) == 0);
		CHECK(replay_benchmark(path, ops->name, 48, "think_scale=1", s.n, NULL, &r1) == 0);
		printf("  %-16s faults/s think_scale=0 %.0f, =1 %.0f (%+.2f%%)\n", ops->name, r0, r1,
		       100 * (r1 / r0 - 1));
		CHECKF(r0 > 0 && fabs(r1 / r0 - 1) <= 0.03, "%s: %.0f against %.0f faults/s",
		       ops->name, r1, r0);
		schemes++;
	}
	CHECK(schemes >= 4);
	return 0;
}

/* Faults per simulated second of one replay of PATH. */
static double fault_rate(const char *path, const char *scheme, int cpus)
{
	struct run_spec spec = { .trace = path, .scheme = scheme, .cpus = cpus, .seed = 1 };
	const struct op_result *fault;
	struct run_result r;
	char err[512];
	double rate = 0;

	if (run_simulation(&spec, &r, err, sizeof(err))) {
		fprintf(stderr, "run %s: %s\n", scheme, err);
		return 0;
	}
	fault = result_op(&r, "fault");
	if (!strcmp(r.status, RUN_COMPLETE) && fault && r.sim_ns)
		rate = (double)fault->count * 1e9 / (double)r.sim_ns;
	run_result_free(&r);
	return rate;
}

static int t_procs(void)
{
	struct summary s;
	struct mlt_file *f;
	char err[512];
	uint32_t i;

	CHECK(gen_check("page_fault1", 3, 3000, 5, "procs=1", "size=1M", NULL,
			scratch_path("m.mlt"), &s) == 0);
	CHECK(s.nmms == 3 && s.n == 3000);
	CHECK(!strcmp(s.comm[0], "page_fault1_pro"));
	f = mlt_open(scratch_path("m.mlt"), err, sizeof(err));
	CHECK(f);
	for (i = 0; i < 3; i++) {
		CHECK(f->threads[i].mm == i);
		/* Each process's pid is its tid, all distinct. */
		CHECK(f->mm_ids[i] == f->threads[i].tid);
		CHECK(i == 0 || f->mm_ids[i] != f->mm_ids[i - 1]);
	}
	mlt_close(f);
	CHECK(gen_check("mmap1", 4, 4000, 5, "procs=1", NULL, NULL,
			scratch_path("m.mlt"), &s) == 0);
	CHECK(s.nmms == 4 && s.ops[MLT_MMAP] + s.ops[MLT_MUNMAP] == 4000);
	CHECK(s.ops[MLT_MMAP] - s.ops[MLT_MUNMAP] <= 4);

	/*
	 * pft -n: one process per task, each faulting its slice in its own
	 * mm, so shared=1 (the default) does not apply and no barrier joins
	 * tasks of different mms.
	 */
	CHECK(gen_check("pft", 4, 0, 5, "procs=1", "size=1M", NULL,
			scratch_path("m.mlt"), &s) == 0);
	CHECK(s.nmms == 4 && s.ops[MLT_BARRIER] == 0);
	CHECK(s.n == 4 * 2 * (256 + 2));
	CHECK(!strcmp(s.comm[0], "pft"));
	CHECK(replay_benchmark(scratch_path("m.mlt"), "pervma-refcount", 4, "think_scale=1",
			       s.n, NULL, NULL) == 0);
	/*
	 * With no mm shared, what decides between the schemes is gone:
	 * mmap_lock against per-VMA locks is a wash, and the processes run
	 * faster than the threads under mmap_lock since their faults share
	 * no lock line and wait at no barrier for another task's mmap or
	 * munmap.
	 */
	{
		double thr, pro, pro_vma;

		CHECK(gen_check("pft", 8, 0, 5, "size=1M", "procs=0", NULL,
				scratch_path("t.mlt"), &s) == 0);
		CHECK(gen_check("pft", 8, 0, 5, "size=1M", "procs=1", NULL,
				scratch_path("m.mlt"), &s) == 0);
		thr = fault_rate(scratch_path("t.mlt"), "global-rwsem", 8);
		pro = fault_rate(scratch_path("m.mlt"), "global-rwsem", 8);
		pro_vma = fault_rate(scratch_path("m.mlt"), "rcu-fault", 8);
		CHECKF(thr > 0 && pro > 1.2 * thr, "pft global-rwsem: threads %.0f, processes %.0f",
		       thr, pro);
		CHECKF(pro_vma < 1.02 * pro && pro_vma > 0.98 * pro,
		       "pft processes: global-rwsem %.0f, rcu-fault %.0f", pro, pro_vma);
	}
	return 0;
}

static int t_ebizzy(void)
{
	struct summary s;
	unsigned t;

	CHECK(gen_check("ebizzy", 3, 20000, 9, "chunks=4", "chunk_size=64K", NULL,
			scratch_path("e.mlt"), &s) == 0);
	CHECK(s.n == 20000);
	CHECK(s.max_len <= 65536 && s.read_faults == 0);
	/* Copies are freed: munmaps trail mmaps by at most one per task. */
	CHECK(s.ops[MLT_MMAP] - s.ops[MLT_MUNMAP] <= 4 + 3);
	for (t = 1; t < 3; t++)
		CHECK(s.task_ops[t] > 1000 && s.first_time[t] > 0);
	/* Fixed size: every copy is chunk_size. */
	CHECK(gen_check("ebizzy", 2, 5000, 9, "random_size=0", "chunk_size=16K",
			NULL, scratch_path("e.mlt"), &s) == 0);
	CHECK(s.ops[MLT_FAULT] * 1 >= (s.ops[MLT_MMAP] - 1) * 4);
	CHECK(s.ops[MLT_FAULT] <= s.ops[MLT_MMAP] * 4);
	/* ppc64's 64 KiB pages: a 512 KiB copy is 8 faults, not 128. */
	CHECK(gen_check("ebizzy", 2, 5000, 9, "random_size=0", "page_size=64K",
			NULL, scratch_path("e.mlt"), &s) == 0);
	CHECK(s.ops[MLT_FAULT] >= (s.ops[MLT_MMAP] - 2) * 8);
	CHECK(s.ops[MLT_FAULT] <= s.ops[MLT_MMAP] * 8);
	{
		char err[512];
		char *bad[][2] = { { "page_size=8K", NULL }, { "page_size=64K", "chunk_size=96K" } };
		static const char *const says[] = { "expected 4K, 16K or 64K",
						    "not a multiple of page_size" };
		size_t i;

		for (i = 0; i < 2; i++) {
			CHECK(trace_gen("ebizzy", 2, 100, 1, bad[i][1] ? 2 : 1, bad[i],
					scratch_path("bad.mlt"), err, sizeof(err)) < 0);
			CHECKF(strstr(err, says[i]), "%s", err);
			CHECK(!file_exists(scratch_path("bad.mlt")));
		}
	}

	/*
	 * -p: every even chunk is made read-only once filled (chunks 0, 2, 4
	 * of 5); -T: no search between a copy's last fault and its munmap, so
	 * the same records take far less time than with a 1 ms search.
	 */
	{
		uint64_t searched;
		struct summary s2;

		CHECK(gen_check("ebizzy", 2, 5000, 9, "chunks=5", "permissions=1", "search=1ms",
				scratch_path("e.mlt"), &s) == 0);
		CHECK(s.ops[MLT_MPROTECT] == 3);
		CHECK(replay_benchmark(scratch_path("e.mlt"), "pervma-refcount", 2, "think_scale=1",
				       s.n, NULL, NULL) == 0);
		searched = s.last_time[1];
		CHECK(gen_check("ebizzy", 2, 5000, 9, "chunks=5", "touch=1", "search=1ms",
				scratch_path("e.mlt"), &s2) == 0);
		CHECK(s2.ops[MLT_MPROTECT] == 0 && s2.ops[MLT_FAULT] > 4000);
		printf("  task 1's last record: %llu ns searching, %llu ns touching\n",
		       (unsigned long long)searched, (unsigned long long)s2.last_time[1]);
		CHECK(s2.last_time[1] * 4 < searched);
	}
	return 0;
}

static int t_jvm(void)
{
	struct summary s;
	unsigned t;

	CHECK(gen_check("jvm", 6, 60000, 11, "heap=64M", "gc_interval=200us",
			"rt_interval=20us", scratch_path("j.mlt"), &s) == 0);
	CHECK(s.n == 60000 && s.nthreads == 6);
	CHECK(s.ops[MLT_MMAP] > 10 && s.ops[MLT_MUNMAP] > 5);
	CHECK(s.ops[MLT_MPROTECT] > 10 && s.ops[MLT_MADVISE] > 10);
	CHECK(s.read_faults > 100 && s.cow_faults > 10);
	CHECK(s.mmap_flags_or & MLT_F_EXEC);	/* the code cache */
	CHECK(!strcmp(s.comm[0], "VM Thread"));
	CHECK(!strcmp(s.comm[1], "C2 CompilerThre"));
	CHECK(!strcmp(s.comm[2], "java"));
	/* Mutators fault only, and only after the heap exists. */
	for (t = 2; t < 6; t++)
		CHECK(s.task_ops[t] > 1000 && s.first_time[t] > 0);
	return 0;
}

static int same_file(const char *a, const char *b)
{
	FILE *fa = fopen(a, "rb"), *fb = fopen(b, "rb");
	int ca, cb, same = fa && fb;

	while (same) {
		ca = fgetc(fa);
		cb = fgetc(fb);
		if (ca != cb)
			same = 0;
		if (ca == EOF || cb == EOF)
			break;
	}
	if (fa)
		fclose(fa);
	if (fb)
		fclose(fb);
	return same;
}

static int t_deterministic(void)
{
	static const char *const wls[] = { "ebizzy", "jvm", "pft" };
	char *p[] = { "size=256K" };
	char err[512];
	size_t i;

	for (i = 0; i < 3; i++) {
		int np = !strcmp(wls[i], "pft");

		CHECK(trace_gen(wls[i], 5, 20000, 42, np, p, scratch_path("a.mlt"), err, sizeof(err)) == 0);
		CHECK(trace_gen(wls[i], 5, 20000, 42, np, p, scratch_path("b.mlt"), err, sizeof(err)) == 0);
		CHECK(trace_gen(wls[i], 5, 20000, 43, np, p, scratch_path("c.mlt"), err, sizeof(err)) == 0);
		CHECKF(same_file(scratch_path("a.mlt"), scratch_path("b.mlt")), "%s", wls[i]);
		CHECKF(!same_file(scratch_path("a.mlt"), scratch_path("c.mlt")), "%s", wls[i]);
	}
	return 0;
}

/* Task 1's own choices (its copy sizes) do not depend on the thread count. */
static int t_stream_per_task(void)
{
	uint64_t lens[2][20];
	int threads[2] = { 2, 6 }, k;
	char err[512];

	for (k = 0; k < 2; k++) {
		struct mlt_file *f;
		struct mlt_record r;
		int n = 0;

		CHECK(trace_gen("ebizzy", threads[k], 30000, 5, 0, NULL, scratch_path("s.mlt"),
				err, sizeof(err)) == 0);
		f = mlt_open(scratch_path("s.mlt"), err, sizeof(err));
		CHECK(f);
		while (n < 20 && mlt_next(f, &r) == 1)
			if (r.task == 1 && r.op == MLT_MMAP)
				lens[k][n++] = r.len;
		mlt_close(f);
		CHECK(n == 20);
	}
	CHECK(!memcmp(lens[0], lens[1], sizeof(lens[0])));
	return 0;
}

static int t_errors(void)
{
	char err[1024];
	char *bad_name[] = { "sise=1M" };
	char *bad_size[] = { "size=12345" };
	char *bad_bool[] = { "shared=yes" };
	char *bad_frac[] = { "alloc_frac=1.5" };
	char *no_eq[] = { "size" };
	FILE *f;

	CHECK(trace_gen("nosuch", 0, 0, 1, 0, NULL, scratch_path("e.mlt"), err, sizeof(err)) < 0);
	fprintf(stderr, "%s\n", err);
	CHECK(strstr(err, "unknown workload 'nosuch'"));
	CHECK(strstr(err, "pft") && strstr(err, "page_fault3") && strstr(err, "jvm"));

	CHECK(trace_gen("pft", 0, 0, 1, 1, bad_name, scratch_path("e.mlt"), err, sizeof(err)) < 0);
	fprintf(stderr, "%s\n", err);
	CHECK(strstr(err, "unknown parameter 'sise'"));
	CHECK(strstr(err, "size") && strstr(err, "iterations") && strstr(err, "think_fault"));

	CHECK(trace_gen("pft", 0, 0, 1, 1, bad_size, scratch_path("e.mlt"), err, sizeof(err)) < 0);
	fprintf(stderr, "%s\n", err);
	CHECK(strstr(err, "size") && strstr(err, "multiple of 4096") && strstr(err, "12345"));

	CHECK(trace_gen("pft", 0, 0, 1, 1, bad_bool, scratch_path("e.mlt"), err, sizeof(err)) < 0);
	CHECK(strstr(err, "shared") && strstr(err, "0 or 1"));
	CHECK(trace_gen("jvm", 0, 0, 1, 1, bad_frac, scratch_path("e.mlt"), err, sizeof(err)) < 0);
	CHECK(strstr(err, "alloc_frac") && strstr(err, "fraction"));
	CHECK(trace_gen("pft", 0, 0, 1, 1, no_eq, scratch_path("e.mlt"), err, sizeof(err)) < 0);
	CHECK(strstr(err, "KEY=VALUE"));
	CHECK(trace_gen("jvm", 2, 0, 1, 0, NULL, scratch_path("e.mlt"), err, sizeof(err)) < 0);
	CHECK(strstr(err, "threads"));
	/* Too large for the address space: fails while generating. */
	{
		char *huge[] = { "size=1T", "shared=1" };

		CHECK(trace_gen("pft", 200, 0, 1, 2, huge, scratch_path("e.mlt"), err, sizeof(err)) < 0);
		fprintf(stderr, "%s\n", err);
		CHECK(strstr(err, "no room"));
	}
	CHECK(!file_exists(scratch_path("e.mlt")));
	CHECK(scratch_entries() == 0);

	/* A failed run leaves an existing output as it was. */
	f = fopen(scratch_path("keep.mlt"), "w");
	CHECK(f);
	fputs("old", f);
	fclose(f);
	CHECK(trace_gen("pft", 0, 0, 1, 1, bad_size, scratch_path("keep.mlt"), err, sizeof(err)) < 0);
	f = fopen(scratch_path("keep.mlt"), "r");
	CHECK(f && fgetc(f) == 'o');
	fclose(f);
	CHECK(scratch_entries() == 1);
	return 0;
}

static int t_list(void)
{
	static const char *const names[] = {
		"pft", "page_fault1", "page_fault2", "page_fault3", "mmap1",
		"mmap2", "ebizzy", "jvm", "size=64M", "size=128M", "procs=0",
		"chunk_size=512K", "heap=1G", "think_fault=100", "vmaops",
		"mprotect_frac=0.1", "multi_fault", "fault_length=2M",
		"vma_lookup", "think_lookup=100",
	};
	char *buf = NULL;
	size_t len = 0, i;
	FILE *out = open_memstream(&buf, &len);

	CHECK(out);
	gen_list(out);
	fclose(out);
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		CHECKF(strstr(buf, names[i]), "%s missing from gen_list", names[i]);
	CHECK(gen_is_workload("jvm") && !gen_is_workload("java"));
	free(buf);
	return 0;
}

/* Replay PATH on 4 CPUs: 0 if every op ran and none failed or hit a hole. */
static int replay_clean(const char *path, const char *scheme, uint64_t records)
{
	static const char *const must_be_zero[] = {
		"op_errors", "fault_sigsegv", "implicit_vma", "mremap_efault",
		"mprotect_enomem", "mmap_relocated", "mremap_relocated",
	};
	struct run_spec spec = { .trace = path, .scheme = scheme, .cpus = 4, .seed = 1 };
	struct run_result r;
	char err[512];
	size_t i;

	if (run_simulation(&spec, &r, err, sizeof(err))) {
		fprintf(stderr, "run %s: %s\n", scheme, err);
		return -1;
	}
	printf("  %s: %s, ops in %llu replayed %llu, moved PTEs %llu\n", scheme, r.status,
	       (unsigned long long)result_counter(&r, "ops_in"),
	       (unsigned long long)result_counter(&r, "ops_replayed"),
	       (unsigned long long)result_counter(&r, "mremap_moved_ptes"));
	CHECK(!strcmp(r.status, RUN_COMPLETE));
	CHECK(result_counter(&r, "ops_in") == records);
	CHECK(result_counter(&r, "ops_replayed") == records);
	CHECK(result_counter(&r, "mremap_moved_ptes") > 0);
	for (i = 0; i < sizeof(must_be_zero) / sizeof(must_be_zero[0]); i++)
		CHECKF(!result_counter(&r, must_be_zero[i]), "%s: %s %llu", scheme, must_be_zero[i],
		       (unsigned long long)result_counter(&r, must_be_zero[i]));
	run_result_free(&r);
	return 0;
}

/*
 * Per task, the lowest and highest address its ops after setup (faults,
 * mprotect, madvise, both ends of an mremap) touched; 1 if two tasks'
 * ranges overlap.
 */
static int tasks_overlap(const char *path, unsigned ntasks)
{
	uint64_t lo[8], hi[8];
	struct mlt_file *f;
	struct mlt_record r;
	char err[512];
	unsigned i, j;
	int overlap = 0;

	if (ntasks > 8)
		return -1;
	for (i = 0; i < ntasks; i++) {
		lo[i] = UINT64_MAX;
		hi[i] = 0;
	}
	f = mlt_open(path, err, sizeof(err));
	if (!f)
		return -1;
	while (mlt_next(f, &r) == 1) {
		uint64_t a = r.addr, b = r.addr + (r.op == MLT_FAULT ? 1 : r.len);

		if (r.op == MLT_MMAP || r.op == MLT_MUNMAP || r.op == MLT_BARRIER ||
		    r.task >= ntasks)
			continue;	/* setup, by task 0; barriers touch no address */
		if (r.op == MLT_MREMAP) {
			a = a < r.arg1 ? a : r.arg1;
			b = b > r.arg1 + r.arg0 ? b : r.arg1 + r.arg0;
		}
		lo[r.task] = a < lo[r.task] ? a : lo[r.task];
		hi[r.task] = b > hi[r.task] ? b : hi[r.task];
	}
	mlt_close(f);
	for (i = 0; i < ntasks; i++)
		for (j = i + 1; j < ntasks; j++)
			if (lo[i] < hi[j] && lo[j] < hi[i])
				overlap = 1;
	return overlap;
}

/*
 * vmaops: the record mix follows from the parameters, every record is
 * valid when written (the checker follows mremap moves), replay runs every
 * op without a fault in a hole or a failed mprotect/mremap, and without
 * the shared arena no two threads touch the same addresses.
 */
static int t_vmaops(void)
{
	/* The defaults: vmas=8, span=3, mprotect_frac=0.1, mremap_frac=0.05. */
	const double mprotect_frac = 0.1, mremap_frac = 0.05, span = 3;
	const unsigned threads = 4, vmas = 8;
	char *shared1[] = { "shared=1", "span=1" };
	double per_op, want_mprotect, want_mremap, mprotect, mremap;
	uint64_t setup = (threads + 1) * (uint64_t)(vmas + 2), ops;
	struct summary s;
	char err[512];

	CHECK(gen_check("vmaops", (int)threads, 8000, 3, NULL, NULL, NULL,
			scratch_path("v.mlt"), &s) == 0);
	CHECK(s.n == 8000 && s.nthreads == threads && s.nmms == 1);
	/* Setup: per arena a reservation and vmas mmaps, then the reservations go. */
	CHECK(s.ops[MLT_MMAP] == (threads + 1) * (uint64_t)(vmas + 1));
	CHECK(s.ops[MLT_MUNMAP] == threads + 1);
	CHECK(!strcmp(s.comm[0], "vmaops"));
	/*
	 * Each op is one record, except that every other mprotect of a thread
	 * on an arena is the restore of its span, one call per VMA: (1 + span)
	 * / 2 calls per mprotect on average (a bit fewer in the shared arena,
	 * whose restores skip other threads' mobile VMAs).
	 */
	ops = s.n - setup;
	per_op = 1 - mprotect_frac + mprotect_frac * (1 + span) / 2;
	want_mprotect = mprotect_frac * (1 + span) / 2 / per_op;
	want_mremap = mremap_frac / per_op;
	mprotect = (double)s.ops[MLT_MPROTECT] / (double)ops;
	mremap = (double)s.ops[MLT_MREMAP] / (double)ops;
	printf("  %llu records after setup: mprotect %.4f (model %.4f), mremap %.4f (model %.4f), "
	       "fault %.4f, madvise %.4f, read faults %llu\n", (unsigned long long)ops,
	       mprotect, want_mprotect, mremap, want_mremap,
	       (double)s.ops[MLT_FAULT] / (double)ops, (double)s.ops[MLT_MADVISE] / (double)ops,
	       (unsigned long long)s.read_faults);
	CHECK(mprotect > 0.8 * want_mprotect && mprotect < 1.2 * want_mprotect);
	CHECK(mremap > 0.8 * want_mremap && mremap < 1.2 * want_mremap);
	/* Read faults on the read-only VMAs; a VMA full of pages is given back. */
	CHECK(s.read_faults > 0 && s.read_faults < s.ops[MLT_FAULT]);
	CHECK(s.ops[MLT_MADVISE] > 0);
	CHECK(replay_clean(scratch_path("v.mlt"), "global-rwsem", s.n) == 0);
	CHECK(replay_clean(scratch_path("v.mlt"), "rcu-fault", s.n) == 0);
	/* The shared arena is where threads meet. */
	CHECK(tasks_overlap(scratch_path("v.mlt"), threads) == 1);

	/* Without it, each thread keeps to its own arena and spare area. */
	CHECK(gen_check("vmaops", (int)threads, 8000, 3, "shared=0", NULL, NULL,
			scratch_path("p.mlt"), &s) == 0);
	CHECK(s.ops[MLT_MPROTECT] > 0 && s.ops[MLT_MREMAP] > 0);
	CHECK(tasks_overlap(scratch_path("p.mlt"), threads) == 0);

	/*
	 * Everything on the shared arena, more threads than mobile VMAs (4 of
	 * 8: threads 4-7 move VMAs of their own arenas instead), spans of one
	 * VMA (static ones only): still valid, and clean to replay.
	 */
	CHECK(trace_gen("vmaops", 8, 8000, 5, 2, shared1, scratch_path("s.mlt"),
			err, sizeof(err)) == 0);
	CHECK(check_trace(scratch_path("s.mlt"), &s, err, sizeof(err)) == 0);
	CHECK(s.ops[MLT_MPROTECT] > 0 && s.ops[MLT_MREMAP] > 0);
	CHECK(replay_clean(scratch_path("s.mlt"), "global-rwsem", s.n) == 0);

	/* Corners: one VMA, spans as wide as the arena, mostly multi-VMA ops. */
	CHECK(gen_check("vmaops", 1, 5000, 7, "vmas=1", "span=1", NULL,
			scratch_path("c.mlt"), &s) == 0);
	CHECK(s.ops[MLT_MPROTECT] > 0 && s.ops[MLT_MREMAP] > 0);
	CHECK(gen_check("vmaops", 3, 5000, 7, "vmas=2", "span=2", "shared=1",
			scratch_path("c.mlt"), &s) == 0);
	CHECK(s.ops[MLT_MPROTECT] > 0 && s.ops[MLT_MREMAP] > 0);
	CHECK(gen_check("vmaops", 5, 5000, 7, "vmas=3", "span=1", "shared=0.5",
			scratch_path("c.mlt"), &s) == 0);
	CHECK(gen_check("vmaops", 2, 5000, 7, "vmas=4", "span=4", "mremap_frac=0.4",
			scratch_path("c.mlt"), &s) == 0);
	CHECK(s.ops[MLT_MPROTECT] > 0 && s.ops[MLT_MREMAP] > 0);

	/* Deterministic for a seed. */
	CHECK(gen_check("vmaops", (int)threads, 8000, 3, NULL, NULL, NULL,
			scratch_path("w.mlt"), &s) == 0);
	CHECK(same_file(scratch_path("v.mlt"), scratch_path("w.mlt")));

	/* Bad values: one message naming the parameter, no file. */
	{
		static const struct {
			const char *p1, *p2, *says;
		} bad[] = {
			{ "vmas=0", NULL, "vmas=0" },
			{ "span=0", NULL, "span=0" },
			{ "span=9", NULL, "span=9" },
			{ "vmas=4", "span=5", "span=5" },
			{ "mprotect_frac=0.6", "mremap_frac=0.5", "at most 1" },
			{ "mremap_frac=2", NULL, "fraction" },
		};
		size_t i;

		for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
			char *p[2] = { (char *)bad[i].p1, (char *)bad[i].p2 };

			CHECK(trace_gen("vmaops", 2, 100, 1, bad[i].p2 ? 2 : 1, p,
					scratch_path("bad.mlt"), err, sizeof(err)) < 0);
			fprintf(stderr, "%s\n", err);
			CHECKF(strstr(err, bad[i].says), "%s", err);
			CHECK(!file_exists(scratch_path("bad.mlt")));
		}
	}
	return 0;
}

/*
 * multi_fault: the record counts follow from the parameters (task 0's
 * mmap; per round and thread the faults and, as multi-fault-all.c, three
 * barriers, task 0 madvising every slice; with madvise_all=0 one madvise
 * per thread and two barriers, each thread in its own slice), and the
 * trace replays clean at 1, 4, 20 and 60 threads with or without think
 * time, the same faults either way.
 */
static int t_multi_fault(void)
{
	static const int threads[] = { 1, 4, 20, 60 };
	uint64_t f0, f1;
	struct summary s;
	size_t i;

	/* 4 rounds: a barrier after the mmap, then 1 + 2 per round, not after the last */
	CHECK(gen_check("multi_fault", 3, 0, 7, "fault_length=64K", "iterations=4", NULL,
			scratch_path("m.mlt"), &s) == 0);
	CHECK(s.n == 1 + 3 * 4 * 16 + 4 * 3 + 3 * (1 + 4 + 2 * 3));
	CHECK(s.ops[MLT_MMAP] == 1 && s.max_len == 3 * (8 << 20));
	CHECK(s.ops[MLT_FAULT] == 3 * 4 * 16 && s.read_faults == 0);
	CHECK(s.ops[MLT_MADVISE] == 4 * 3 && s.ops[MLT_BARRIER] == 3 * 11);
	/* every madvise is task 0's */
	CHECK(s.task_ops[0] == 1 + 4 * (16 + 3) + 11 && s.task_ops[1] == 4 * 16 + 11);
	CHECK(s.first_time[0] == 0 && s.first_time[1] > 0);
	CHECK(!strcmp(s.comm[0], "multi-fault"));

	/* each thread zaps its own slice, so no two touch the same addresses */
	CHECK(gen_check("multi_fault", 3, 0, 7, "fault_length=64K", "iterations=4",
			"madvise_all=0", scratch_path("m.mlt"), &s) == 0);
	CHECK(s.n == 1 + 3 * 4 * (16 + 1 + 2));
	CHECK(s.ops[MLT_MADVISE] == 3 * 4 && s.ops[MLT_BARRIER] == 3 * 4 * 2);
	CHECK(s.task_ops[0] == 1 + 4 * 19 && s.task_ops[1] == 4 * 19);
	CHECK(tasks_overlap(scratch_path("m.mlt"), 3) == 0);

	for (i = 0; i < sizeof(threads) / sizeof(threads[0]); i++) {
		CHECK(gen_check("multi_fault", threads[i], 30000, 1, "fault_length=256K", NULL, NULL,
				scratch_path("m.mlt"), &s) == 0);
		CHECK(s.n == 30000 && s.ops[MLT_MADVISE] >= (uint64_t)threads[i]);
		CHECK(replay_benchmark(scratch_path("m.mlt"), "global-rwsem", threads[i],
				       "think_scale=1", s.n, &f1, NULL) == 0);
		CHECK(replay_benchmark(scratch_path("m.mlt"), "spf-srcu", threads[i],
				       "think_scale=0", s.n, &f0, NULL) == 0);
		CHECK(f0 == s.ops[MLT_FAULT] && f1 == s.ops[MLT_FAULT]);
	}

	/* Bad values: one message naming the parameter, no file. */
	{
		char err[512];
		char *big[] = { "fault_length=16M" };

		CHECK(trace_gen("multi_fault", 2, 100, 1, 1, big, scratch_path("bad.mlt"), err,
				sizeof(err)) < 0);
		fprintf(stderr, "%s\n", err);
		CHECK(strstr(err, "fault_length=16777216") && strstr(err, "mmap_length"));
		CHECK(!file_exists(scratch_path("bad.mlt")));
	}
	return 0;
}

/*
 * vma_lookup: task 0's mappings, one barrier per thread, then lookups
 * only, each inside a mapping; replay runs them all as lookups (none in a
 * hole) at 1, 4, 20 and 60 threads, with or without think time, and
 * reports their rate; one lock shared by every lookup gives fewer lookups
 * per second per thread at 20 threads than at 1.
 */
static int t_vma_lookup(void)
{
	static const int threads[] = { 1, 4, 20, 60 };
	struct summary s;
	double per_thread[4] = { 0 };
	size_t i;

	CHECK(gen_check("vma_lookup", 3, 5000, 7, "vmas=5", "size=64K", NULL,
			scratch_path("l.mlt"), &s) == 0);
	CHECK(s.n == 5000 && s.ops[MLT_MMAP] == 5 && s.ops[MLT_BARRIER] == 3);
	CHECK(s.ops[MLT_LOOKUP] == 5000 - 5 - 3 && s.ops[MLT_FAULT] == 0);
	CHECK(s.mmap_flags_or == (MLT_F_FILE | MLT_F_EXEC));
	CHECK(s.first_time[1] > 0 && s.task_ops[1] > 1000 && s.task_ops[2] > 1000);
	CHECK(!strcmp(s.comm[0], "vma_lookup"));

	for (i = 0; i < sizeof(threads) / sizeof(threads[0]); i++) {
		struct run_spec spec = { .trace = scratch_path("l.mlt"), .scheme = "global-rwsem",
					 .cpus = threads[i], .seed = 1, .nparams = 1,
					 .params = { "think_scale=1" } };
		const struct op_result *lk;
		struct run_result r;
		char err[512];

		CHECK(gen_check("vma_lookup", threads[i], 20000, 1, NULL, NULL, NULL,
				scratch_path("l.mlt"), &s) == 0);
		CHECK(replay_benchmark(scratch_path("l.mlt"), "spf-srcu", threads[i],
				       "think_scale=0", s.n, NULL, NULL) == 0);
		CHECK(replay_benchmark(scratch_path("l.mlt"), "pervma-refcount", threads[i],
				       "think_scale=1", s.n, NULL, NULL) == 0);
		CHECKF(run_simulation(&spec, &r, err, sizeof(err)) == 0, "%s", err);
		lk = result_op(&r, "lookup");
		CHECK(lk && lk->count == s.ops[MLT_LOOKUP] && lk->throughput_per_s > 0);
		CHECK(!result_counter(&r, "lookup_no_vma") && !result_counter(&r, "op_errors"));
		per_thread[i] = lk->throughput_per_s / threads[i];
		printf("  %2d threads: %.0f lookups/s, mean %.0f ns\n", threads[i],
		       lk->throughput_per_s, lk->mean_ns);
		run_result_free(&r);
	}
	CHECK(per_thread[2] < per_thread[0]);

	/* A lookup where nothing is mapped finds no VMA: an op error, counted. */
	{
		const struct mlt_record recs[] = {
			{ .time_ns = 0, .addr = 0x7e0000000000ULL, .len = 65536,
			  .arg0 = MLT_PROT_READ, .arg1 = 0x22, .op = MLT_MMAP },
			{ .time_ns = 1000, .addr = 0x7e0000000123ULL, .op = MLT_LOOKUP },
			{ .time_ns = 2000, .addr = 0x7e0000010000ULL, .op = MLT_LOOKUP },
		};
		const struct mlt_thread thr = { .tid = 1, .mm = 0, .comm = "t" };
		const uint64_t mm_id = 1;
		struct run_spec spec = { .trace = scratch_path("h.mlt"), .scheme = "global-rwsem",
					 .cpus = 1, .seed = 1 };
		struct mlt_writer *w = mlt_writer_open(scratch_path("h.mlt"), NULL, 0);
		struct run_result r;
		char err[512];

		CHECK(w);
		for (i = 0; i < 3; i++)
			CHECK(mlt_writer_add(w, &recs[i]) == 0);
		CHECK(mlt_writer_close(w, &thr, 1, &mm_id, 1, "t", err, sizeof(err)) == 0);
		CHECKF(run_simulation(&spec, &r, err, sizeof(err)) == 0, "%s", err);
		CHECK(result_op(&r, "lookup") && result_op(&r, "lookup")->count == 2);
		CHECK(result_counter(&r, "lookup_no_vma") == 1);
		CHECK(result_counter(&r, "op_errors") == 1);
		CHECK(!result_counter(&r, "implicit_vma"));
		run_result_free(&r);
	}

	/* Bad values: one message naming the parameter, no file. */
	{
		char err[512];
		char *zero[] = { "vmas=0" };

		CHECK(trace_gen("vma_lookup", 2, 100, 1, 1, zero, scratch_path("bad.mlt"), err,
				sizeof(err)) < 0);
		fprintf(stderr, "%s\n", err);
		CHECK(strstr(err, "vmas=0"));
		CHECK(!file_exists(scratch_path("bad.mlt")));
	}
	return 0;
}

const struct test_case gen_tests[] = {
	{ "gen/defaults", t_defaults },
	{ "gen/pft_counts", t_pft_counts },
	{ "gen/pft_48_every_scheme", t_pft_48_every_scheme },
	{ "gen/will_it_scale", t_wis },
	{ "gen/process_mode", t_procs },
	{ "gen/ebizzy", t_ebizzy },
	{ "gen/jvm", t_jvm },
	{ "gen/deterministic", t_deterministic },
	{ "gen/stream_per_task", t_stream_per_task },
	{ "gen/errors", t_errors },
	{ "gen/list", t_list },
	{ "gen/vmaops", t_vmaops },
	{ "gen/multi_fault", t_multi_fault },
	{ "gen/vma_lookup", t_vma_lookup },
	{ NULL, NULL },
};
