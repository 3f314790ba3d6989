#include <assert.h>
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_randist.h>

#include "lib/xalloc.h"
#include "traces/gen.h"
#include "traces/gen_core.h"

#define GEN_MAX_THREADS	4096
/*
 * Steps in a row that wrote nothing: a workload that stops producing
 * records would otherwise spin for ever while the clock runs.
 */
#define GEN_MAX_IDLE_STEPS	100000000ULL

const struct gen_param gen_common_params[] = {
	{ "think_fault", GP_NS, "100",
	  "mean think time after a fault (exponential)" },
	{ "think_mmap", GP_NS, "500", "mean think time after an mmap" },
	{ "think_munmap", GP_NS, "500", "mean think time after a munmap" },
	{ "think_mprotect", GP_NS, "500", "mean think time after an mprotect" },
	{ "think_madvise", GP_NS, "500", "mean think time after an madvise" },
	{ "think_lookup", GP_NS, "100", "mean think time after a VMA lookup (a uprobe hit)" },
	{ NULL, GP_COUNT, NULL, NULL },
};

static size_t table_len(const struct gen_param *p)
{
	size_t n = 0;

	while (p && p[n].name)
		n++;
	return n;
}

/* Parameter I of the combined table: the workload's first, then common. */
static const struct gen_param *param_at(const struct gen_workload *wl, size_t i)
{
	size_t n = table_len(wl->params);

	return i < n ? &wl->params[i] : &gen_common_params[i - n];
}

static size_t nparams_of(const struct gen_workload *wl)
{
	return table_len(wl->params) + table_len(gen_common_params);
}

static long param_index(const struct gen_workload *wl, const char *name,
			size_t namelen)
{
	size_t i, n = nparams_of(wl);

	for (i = 0; i < n; i++) {
		const char *pn = param_at(wl, i)->name;

		if (strlen(pn) == namelen && !strncmp(pn, name, namelen))
			return (long)i;
	}
	return -1;
}

int gen_param_known(const struct gen_workload *wl, const char *name)
{
	return param_index(wl, name, strlen(name)) >= 0;
}

double gen_param(const struct gen *g, const char *name)
{
	long i = param_index(g->wl, name, strlen(name));

	assert(i >= 0);
	return g->pval[i];
}

uint64_t gen_param_u64(const struct gen *g, const char *name)
{
	return (uint64_t)gen_param(g, name);
}

void gen_error(struct gen *g, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(g->err, g->errlen, fmt, ap);
	va_end(ap);
}

static const char *expected(enum gen_ptype type)
{
	switch (type) {
	case GP_SIZE:
		return "a size in bytes, a positive multiple of 4096 (e.g. 65536, 64K, 128M, 1G)";
	case GP_COUNT:
		return "a non-negative integer";
	case GP_NS:
		return "a time >= 0 in ns, or with a unit (e.g. 500, 2us, 5ms)";
	case GP_FRAC:
		return "a fraction between 0 and 1";
	case GP_BOOL:
		return "0 or 1";
	}
	return "?";
}

/* Parse S as TYPE into *V: 0 ok, -1 malformed or out of range. */
static int parse_value(enum gen_ptype type, const char *s, double *v)
{
	char *end;
	unsigned long long u;
	double d;

	if (!*s || isspace((unsigned char)*s) || *s == '-' || *s == '+')
		return -1;
	errno = 0;
	switch (type) {
	case GP_SIZE:
		u = strtoull(s, &end, 0);
		if (errno || end == s)
			return -1;
		{
			static const char units[] = "KMGT";
			const char *k = *end ? strchr(units, toupper((unsigned char)*end)) : NULL;
			int shift;

			if (k) {
				shift = 10 * (int)(k - units + 1);
				if (u > (UINT64_MAX >> shift))
					return -1;
				u <<= shift;
				end++;
				if (!strcmp(end, "iB") || !strcmp(end, "B"))
					end += strlen(end);
			}
		}
		if (*end || u == 0 || u % GEN_PAGE || u > (1ULL << 52))
			return -1;
		*v = (double)u;
		return 0;
	case GP_COUNT:
	case GP_BOOL:
		u = strtoull(s, &end, 10);
		if (errno || end == s || *end || u > (1ULL << 52))
			return -1;
		if (type == GP_BOOL && u > 1)
			return -1;
		*v = (double)u;
		return 0;
	case GP_NS:
	case GP_FRAC:
		d = strtod(s, &end);
		if (errno || end == s || !isfinite(d) || d < 0)
			return -1;
		if (type == GP_FRAC) {
			if (*end || d > 1)
				return -1;
		} else if (!*end || !strcmp(end, "ns")) {
			;
		} else if (!strcmp(end, "us")) {
			d *= 1e3;
		} else if (!strcmp(end, "ms")) {
			d *= 1e6;
		} else if (!strcmp(end, "s")) {
			d *= 1e9;
		} else {
			return -1;
		}
		if (d > 1e15)	/* 11 days of think time is a typo */
			return -1;
		*v = d;
		return 0;
	}
	return -1;
}

void gen_param_list(const struct gen_workload *wl, char *buf, size_t len)
{
	size_t i, n = nparams_of(wl), off = 0;

	buf[0] = 0;
	for (i = 0; i < n && off < len; i++)
		off += (size_t)snprintf(buf + off, len - off, "%s%s", i ? " " : "",
					param_at(wl, i)->name);
}

static int parse_params(struct gen *g, int nparams, char **params)
{
	const struct gen_workload *wl = g->wl;
	size_t i, n = nparams_of(wl);
	int k;

	for (i = 0; i < n; i++) {
		const struct gen_param *p = param_at(wl, i);

		if (parse_value(p->type, p->def, &g->pval[i]) < 0)
			assert(!"bad default in a parameter table");
	}
	for (k = 0; k < nparams; k++) {
		const char *eq = strchr(params[k], '=');
		char names[1024];
		long idx;

		if (!eq || eq == params[k]) {
			gen_error(g, "parameter '%s': expected KEY=VALUE", params[k]);
			return -1;
		}
		idx = param_index(wl, params[k], (size_t)(eq - params[k]));
		if (idx < 0) {
			gen_param_list(wl, names, sizeof(names));
			gen_error(g, "unknown parameter '%.*s' for workload %s; valid: %s",
				  (int)(eq - params[k]), params[k], wl->name, names);
			return -1;
		}
		if (parse_value(param_at(wl, (size_t)idx)->type, eq + 1,
				&g->pval[idx]) < 0) {
			gen_error(g, "parameter %s: expected %s, got '%s'",
				  param_at(wl, (size_t)idx)->name,
				  expected(param_at(wl, (size_t)idx)->type), eq + 1);
			return -1;
		}
	}
	g->think.fault = gen_param(g, "think_fault");
	g->think.mmap = gen_param(g, "think_mmap");
	g->think.munmap = gen_param(g, "think_munmap");
	g->think.mprotect = gen_param(g, "think_mprotect");
	g->think.madvise = gen_param(g, "think_madvise");
	g->think.lookup = gen_param(g, "think_lookup");
	return 0;
}

void gen_set_comm(struct gen_task *t, const char *name)
{
	size_t n = strlen(name);

	if (n > MLT_COMM_LEN - 1)
		n = MLT_COMM_LEN - 1;
	memset(t->comm, 0, sizeof(t->comm));
	memcpy(t->comm, name, n);
}

/* ---- Time and records ---- */

uint64_t gen_exp(struct gen_task *t, double mean)
{
	if (mean <= 0)
		return 0;
	return (uint64_t)llround(gsl_ran_exponential(t->rng, mean));
}

void gen_idle(struct gen_task *t, uint64_t ns)
{
	t->t += ns;
}

static int emit(struct gen *g, struct gen_task *t, unsigned op, uint64_t addr,
		uint64_t len, uint64_t arg0, uint64_t arg1, unsigned flags,
		uint64_t cost, double think)
{
	struct mlt_record r = {
		.time_ns = t->t, .addr = addr, .len = len, .arg0 = arg0,
		.arg1 = arg1, .task = t->idx, .mm = (uint16_t)t->mm,
		.op = (uint8_t)op, .flags = (uint8_t)flags,
	};

	assert(!(addr % GEN_PAGE) || op == MLT_FAULT || op == MLT_LOOKUP);
	if (mlt_writer_add(g->w, &r) < 0) {
		gen_error(g, "%s", mlt_writer_error(g->w));
		return -1;
	}
	g->emitted++;
	t->nrecords++;
	t->t += cost + gen_exp(t, think);
	return 0;
}

int gen_fault(struct gen *g, struct gen_task *t, uint64_t addr,
	      unsigned flags, uint64_t cost)
{
	return emit(g, t, MLT_FAULT, addr, 0, 0, 0, flags, cost, g->think.fault);
}

/* ---- The address allocator ---- */

/*
 * Top-down first fit in the task's own window of the mmap area: the
 * highest hole that fits, as the kernel's unmapped_area_topdown() picks,
 * so an munmap followed by an mmap of the same size gets the same address
 * back, as it does for real.  Each task allocates in a window of its own
 * (the area below GEN_MMAP_BASE split evenly, in 2 MiB units), so that no
 * replay order can make two threads' mappings collide: in the kernel the
 * order is fixed by mmap_lock, in a replay it is the model's.
 */
static uint64_t mm_alloc(struct gen_mm *mm, uint64_t len, unsigned task, unsigned ntasks)
{
	uint64_t window = (GEN_MMAP_BASE - GEN_MMAP_FLOOR) / (ntasks ? ntasks : 1) & ~(GEN_PMD - 1);
	uint64_t top = GEN_MMAP_BASE - (uint64_t)task * window, floor = top - window;
	uint64_t hi = top, start;
	size_t i = mm->n;

	/* the ranges above this window belong to other tasks */
	while (i && mm->r[i - 1].start >= top)
		i--;
	for (;;) {
		uint64_t lo = i && mm->r[i - 1].end > floor ? mm->r[i - 1].end : floor;

		if (hi >= lo && hi - lo >= len)
			break;
		if (!i || mm->r[i - 1].end <= floor)
			return 0;
		hi = mm->r[--i].start;
	}
	start = hi - len;
	if (mm->n == mm->cap) {
		size_t cap = mm->cap ? 2 * mm->cap : 16;
		mm->r = xreallocarray(mm->r, cap, sizeof(*mm->r));

		mm->cap = cap;
	}
	memmove(&mm->r[i + 1], &mm->r[i], (mm->n - i) * sizeof(*mm->r));
	mm->r[i].start = start;
	mm->r[i].end = start + len;
	mm->n++;
	return start;
}

static void mm_free(struct gen_mm *mm, uint64_t start, uint64_t len)
{
	size_t lo = 0, hi = mm->n;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (mm->r[mid].start < start)
			lo = mid + 1;
		else
			hi = mid;
	}
	/* Workloads unmap only whole mappings they made. */
	assert(lo < mm->n && mm->r[lo].start == start &&
	       mm->r[lo].end == start + len);
	memmove(&mm->r[lo], &mm->r[lo + 1], (mm->n - lo - 1) * sizeof(*mm->r));
	mm->n--;
}

static unsigned mmap_rflags(unsigned prot, unsigned mflags)
{
	unsigned f = 0;

	if (!(mflags & GEN_MAP_ANON))
		f |= MLT_F_FILE;
	if (mflags & GEN_MAP_SHARED)
		f |= MLT_F_SHARED;
	if (prot & MLT_PROT_WRITE)
		f |= MLT_F_WRITE;
	if (prot & MLT_PROT_EXEC)
		f |= MLT_F_EXEC;
	return f;
}

uint64_t gen_mmap(struct gen *g, struct gen_task *t, uint64_t len,
		  unsigned prot, unsigned mflags)
{
	uint64_t addr;

	assert(len && !(len % GEN_PAGE));
	addr = mm_alloc(&g->mms[t->mm], len, t->idx, g->nthreads);
	if (!addr) {
		gen_error(g, "%s: task %u: no room for a %llu-byte mapping in its share of the "
			  "mmap area below 0x%llx (expected smaller parameters or fewer threads)",
			  g->wl->name, t->idx, (unsigned long long)len,
			  (unsigned long long)GEN_MMAP_BASE);
		return 0;
	}
	if (emit(g, t, MLT_MMAP, addr, len, prot, mflags,
		 mmap_rflags(prot, mflags), GEN_COST_MMAP, g->think.mmap) < 0)
		return 0;
	return addr;
}

int gen_munmap(struct gen *g, struct gen_task *t, uint64_t addr,
	       uint64_t len, uint64_t resident)
{
	mm_free(&g->mms[t->mm], addr, len);
	return emit(g, t, MLT_MUNMAP, addr, len, 0, 0, 0,
		    GEN_COST_MUNMAP + resident * GEN_COST_PAGE, g->think.munmap);
}

int gen_mprotect(struct gen *g, struct gen_task *t, uint64_t addr,
		 uint64_t len, unsigned prot)
{
	return emit(g, t, MLT_MPROTECT, addr, len, prot, 0, 0,
		    GEN_COST_MPROTECT, g->think.mprotect);
}

int gen_lookup(struct gen *g, struct gen_task *t, uint64_t addr)
{
	return emit(g, t, MLT_LOOKUP, addr, 0, 0, 0, 0, GEN_COST_LOOKUP, g->think.lookup);
}

int gen_madvise(struct gen *g, struct gen_task *t, uint64_t addr,
		uint64_t len, unsigned advice, uint64_t resident)
{
	return emit(g, t, MLT_MADVISE, addr, len, advice, 0, 0,
		    GEN_COST_MADVISE + resident * GEN_COST_PAGE, g->think.madvise);
}

int gen_brk(struct gen *g, struct gen_task *t, uint64_t brk, uint64_t old_brk,
	    uint64_t resident)
{
	uint64_t cost = brk < old_brk ? GEN_COST_MUNMAP + resident * GEN_COST_PAGE : GEN_COST_MMAP;

	return emit(g, t, MLT_BRK, brk, 0, old_brk, 0, 0, cost,
		    brk < old_brk ? g->think.munmap : g->think.mmap);
}

int gen_fork(struct gen *g, struct gen_task *t, unsigned parent)
{
	return emit(g, t, MLT_FORK, 0, 0, parent, 0, 0, GEN_COST_FORK, g->think.mmap);
}

int gen_exit(struct gen *g, struct gen_task *t)
{
	return emit(g, t, MLT_EXIT, 0, 0, 0, 0, 0, 0, 0);
}

/* ---- The run ---- */

/* A binary min-heap of ready tasks ordered by (time, index). */
struct ready {
	struct gen_task **h;
	size_t n;
};

static int before(const struct gen_task *a, const struct gen_task *b)
{
	return a->t < b->t || (a->t == b->t && a->idx < b->idx);
}

static void ready_push(struct ready *q, struct gen_task *t)
{
	size_t i = q->n++;

	while (i) {
		size_t p = (i - 1) / 2;

		if (!before(t, q->h[p]))
			break;
		q->h[i] = q->h[p];
		i = p;
	}
	q->h[i] = t;
}

static struct gen_task *ready_pop(struct ready *q)
{
	struct gen_task *top = q->h[0], *last = q->h[--q->n];
	size_t i = 0;

	for (;;) {
		size_t c = 2 * i + 1;

		if (c >= q->n)
			break;
		if (c + 1 < q->n && before(q->h[c + 1], q->h[c]))
			c++;
		if (!before(q->h[c], last))
			break;
		q->h[i] = q->h[c];
		i = c;
	}
	if (q->n)
		q->h[i] = last;
	return top;
}

/* Seed of task I's stream: depends on (seed, I) only, never the count. */
static unsigned long task_seed(uint64_t seed, unsigned i)
{
	uint64_t z = seed + 0x9e3779b97f4a7c15ULL * ((uint64_t)i + 1);

	/* splitmix64's finalizer: nearby inputs give unrelated seeds. */
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	z ^= z >> 31;
	return (unsigned long)z;
}

/*
 * Everyone is waiting: all go on at the time the last one arrived; the
 * others pay a wakeup, which also leaves replay some slack for whatever
 * the last arrival did just before (e.g. the mmap the others fault into).
 */
/*
 * Every task still running has reached the barrier: each records it (an
 * MLT_BARRIER at the release time, so that replay keeps the order), and
 * all go on from the last one's arrival.
 */
static int release(struct gen *g, struct ready *q, struct gen_task **waiting,
		   size_t nwaiting)
{
	struct gen_task *last = waiting[0];
	uint64_t when, meet = 0;
	size_t i;

	for (i = 1; i < nwaiting; i++)
		if (before(last, waiting[i]))
			last = waiting[i];
	when = last->t;
	/*
	 * A child process before its FORK does not exist for the replay until
	 * then: it waits in the generator alone, and the others meet without it.
	 */
	for (i = 0; i < nwaiting; i++)
		meet += !waiting[i]->forked || waiting[i]->nrecords > 0;
	for (i = 0; i < nwaiting; i++) {
		struct gen_task *t = waiting[i];

		t->t = when;
		if (meet > 1 && (!t->forked || t->nrecords) &&
		    emit(g, t, MLT_BARRIER, 0, 0, g->nbarriers, meet, 0, 0, 0) < 0)
			return -1;
		if (t != last)
			t->t = when + GEN_COST_WAKEUP + gen_exp(t, g->think.fault);
		ready_push(q, t);
	}
	g->nbarriers++;
	return 0;
}

static int run_loop(struct gen *g)
{
	struct ready q = { xcalloc(g->nthreads, sizeof(*q.h)), 0 };
	struct gen_task **waiting = xcalloc(g->nthreads, sizeof(*waiting));
	size_t nwaiting = 0, ndone = 0;
	uint64_t idle = 0;
	unsigned i;
	int ret = -1;

	for (i = 0; i < g->nthreads; i++)
		ready_push(&q, &g->tasks[i]);
	while (q.n && (!g->limit || g->emitted < g->limit)) {
		struct gen_task *t = ready_pop(&q);
		uint64_t before_n = g->emitted;
		enum gen_step s = g->wl->step(g, t);

		assert(g->emitted - before_n <= 1);
		idle = g->emitted == before_n ? idle + 1 : 0;
		if (idle > GEN_MAX_IDLE_STEPS) {
			gen_error(g, "%s: no record in %llu steps; expected parameters that leave something to do",
				  g->wl->name, GEN_MAX_IDLE_STEPS);
			goto out;
		}
		switch (s) {
		case GEN_MORE:
			ready_push(&q, t);
			break;
		case GEN_BARRIER:
			waiting[nwaiting++] = t;
			break;
		case GEN_DONE:
			ndone++;
			break;
		case GEN_ERROR:
			goto out;
		}
		if (nwaiting && nwaiting + ndone == g->nthreads) {
			if (release(g, &q, waiting, nwaiting) < 0)
				goto out;
			nwaiting = 0;
		}
	}
	ret = 0;
out:
	free(q.h);
	free(waiting);
	return ret;
}

static void describe_run(const struct gen *g, unsigned threads, uint64_t ops,
			 uint64_t seed, char *buf, size_t len)
{
	size_t i, n = nparams_of(g->wl), off;

	off = (size_t)snprintf(buf, len, "mmlocksim gen %s threads=%u ops=%llu seed=%llu",
			       g->wl->name, threads, (unsigned long long)ops,
			       (unsigned long long)seed);
	for (i = 0; i < n && off < len; i++)
		off += (size_t)snprintf(buf + off, len - off, " %s=%.15g",
					param_at(g->wl, i)->name, g->pval[i]);
}

int gen_run(const struct gen_workload *wl, unsigned threads, uint64_t ops,
	    uint64_t seed, int nparams, char **params, const struct gen_out *dest,
	    char *err, size_t errlen)
{
	struct gen g = { .wl = wl, .err = err, .errlen = errlen, .nmms = 1 };
	struct mlt_thread *tab = NULL;
	uint64_t *mm_ids = NULL;
	char source[2048];
	int inited = 0, ret = -1;
	unsigned i;

	if (!threads)
		threads = wl->default_threads;
	if (threads < wl->min_threads || threads > GEN_MAX_THREADS) {
		gen_error(&g, "%s: expected %u to %u threads, got %u",
			  wl->name, wl->min_threads, GEN_MAX_THREADS, threads);
		return -1;
	}
	g.nthreads = threads;
	g.ops_given = ops != 0;
	if (!ops)
		ops = wl->default_ops;
	g.limit = ops;
	g.pval = xcalloc(nparams_of(wl), sizeof(*g.pval));
	g.tasks = xcalloc(threads, sizeof(*g.tasks));
	g.mms = xcalloc(threads, sizeof(*g.mms));
	tab = xcalloc(threads, sizeof(*tab));
	mm_ids = xcalloc(threads, sizeof(*mm_ids));
	if (parse_params(&g, nparams, params) < 0)
		goto out;
	for (i = 0; i < threads; i++) {
		struct gen_task *t = &g.tasks[i];

		t->idx = i;
		t->rng = gsl_rng_alloc(gsl_rng_taus2);
		if (!t->rng)
			fatal("out of memory");
		gsl_rng_set(t->rng, task_seed(seed, i));
		gen_set_comm(t, wl->comm);
	}
	if (wl->init && wl->init(&g) < 0)
		goto out;
	inited = 1;
	if (!dest) {
		/* A check only (trace_gen_check()): everything up to writing. */
		ret = 0;
		goto out;
	}
	g.w = dest->fd >= 0 ? mlt_writer_open_fd(dest->fd, dest->path, err, errlen) :
			      mlt_writer_open(dest->path, err, errlen);
	if (!g.w)
		goto out;
	if (run_loop(&g) < 0) {
		mlt_writer_abort(g.w);
		goto out;
	}
	/* An mm's recorded id (pid) is the tid of its first task. */
	for (i = threads; i-- > 0;) {
		tab[i].tid = GEN_PID + i;
		tab[i].mm = g.tasks[i].mm;
		memcpy(tab[i].comm, g.tasks[i].comm, MLT_COMM_LEN);
		mm_ids[g.tasks[i].mm] = tab[i].tid;
	}
	describe_run(&g, threads, ops, seed, source, sizeof(source));
	ret = mlt_writer_close(g.w, tab, threads, mm_ids, g.nmms, source,
			       err, errlen);
out:
	/*
	 * An init that fails after setting priv (a parameter check) has
	 * something to free too; every fini takes a partly built priv.
	 * Without a fini, priv is one plain allocation.
	 */
	if ((inited || g.priv) && wl->fini)
		wl->fini(&g);
	else if (!wl->fini)
		free(g.priv);
	for (i = 0; g.tasks && i < threads; i++)
		if (g.tasks[i].rng)
			gsl_rng_free(g.tasks[i].rng);
	for (i = 0; g.mms && i < threads; i++)
		free(g.mms[i].r);
	free(g.tasks);
	free(g.mms);
	free(g.pval);
	free(tab);
	free(mm_ids);
	return ret;
}

static void describe_param(const struct gen_param *p, FILE *out)
{
	char kv[64];

	snprintf(kv, sizeof(kv), "%s=%s", p->name, p->def);
	fprintf(out, "    %-22s %s\n", kv, p->help);
}

void gen_describe(const struct gen_workload *wl, FILE *out)
{
	size_t i;

	fprintf(out, "  %-12s %s\n", wl->name, wl->summary);
	fprintf(out, "    (threads %u", wl->default_threads);
	if (wl->default_ops)
		fprintf(out, ", ops %llu", (unsigned long long)wl->default_ops);
	else
		fprintf(out, ", ops: until the workload ends");
	fprintf(out, " by default)\n");
	for (i = 0; wl->params && wl->params[i].name; i++)
		describe_param(&wl->params[i], out);
	if (wl->notes)
		fprintf(out, "%s", wl->notes);
}

void gen_describe_common(FILE *out)
{
	size_t i;

	for (i = 0; gen_common_params[i].name; i++)
		describe_param(&gen_common_params[i], out);
}
