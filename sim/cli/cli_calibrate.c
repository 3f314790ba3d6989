/*
 * `mmlocksim calibrate`: measure this host and write a machine INI file
 * (README, "Custom machines") that the simulator loads.
 *
 * What is measured, and how (each timed loop repeated, the median kept,
 * the spread over the repeats written beside it):
 * - topology from sysfs: packages, cores (package, die, core_id), SMT
 *   siblings, the groups sharing the highest-level cache, NUMA nodes;
 * - line transfer latency per distance: two threads pinned to two CPUs
 *   at that distance hand one line back and forth (each spins until the
 *   other's store lands, then stores), half a round trip per transfer, as
 *   c2clat and core-to-core-latency measure it;
 * - occupancy: N threads pinned one per core (per LLC, per socket for the
 *   farther distances) doing atomic adds on one line; the ns per op of
 *   all of them together at the largest N is the time the line is busy
 *   per transfer;
 * - memory: a dependent random walk over a buffer four times the LLC
 *   (latency) and a streaming read of it, one load per line (occupancy);
 * - l1_hit (a walk within 1 KiB), atomic (lock add on an owned line), mb,
 *   syscall_entry (getppid), ctxsw (two threads on one CPU in futex
 *   ping-pong), wakeup and ttwu (the same across two CPUs: half the round
 *   trip, and the waker's FUTEX_WAKE call), ipi (membarrier with a thread
 *   running on another CPU);
 * - page_zero and page_copy: memset and memcpy of 4 KiB pages over
 *   buffers larger than the LLC; mem_page: every core of a socket zeroing
 *   at once, 4 KiB over their sum of bandwidth;
 * - faults, timed single-thread loops over fresh mappings: the zero-page
 *   read fault (fault_entry), the anonymous write fault (page_alloc is
 *   what it costs beyond that and page_zero), the file read fault
 *   (pagecache_lookup beyond the zero-page fault), the first fault of a
 *   2 MiB range (pt_alloc beyond an anonymous fault), the file COW fault
 *   (reported), munmap of touched pages (zap_pte), mmap and munmap of an
 *   untouched page (mmap_body, vma_op).
 * Distances the host does not have (no SMT, one LLC, one socket) and
 * costs user space cannot see (line_hold, call, io, tlb_flush) are taken
 * from elsewhere, and the file and the summary say from where.  Latency
 * and occupancy are made monotone (a farther distance never cheaper),
 * raising a figure where the noise made it otherwise, and saying so.
 */
#include <errno.h>
#include <linux/futex.h>
#include <math.h>
#include <pthread.h>
#include <sched.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <unistd.h>
#include <zlib.h>

#include "lib/outfile.h"
#include "lib/xalloc.h"
#include "sim/cli/cli.h"
#include "sim/cli/cliargs.h"
#include "sim/cli/climsg.h"
#include "sim/cli/hostbench.h"
#include "sim/core/machine.h"

#define PAGE		4096UL
#define LINE		64
#define MAX_HOST_CPUS	MAX_CPUS
/* The preset a figure is taken from when it cannot be measured. */
#define FALLBACK	"xeon-8176-2s"

static void usage(FILE *out)
{
	fprintf(out,
		"usage: mmlocksim calibrate [-o HOST.ini] [--quick]\n"
		"  -o HOST.ini  the machine file to write (default host.ini)\n"
		"  --quick      fewer and shorter repeats (seconds instead of about a minute)\n"
		"Measures this host (threads pinned to its CPUs) and writes a machine file for\n"
		"--machine HOST.ini, every value commented with what was measured and its\n"
		"spread; figures it cannot measure are taken from %s, and said.\n", FALLBACK);
}

/* ---- figures ----------------------------------------------------------- */

#define MAX_REPS 9

struct fig {
	double v[MAX_REPS];
	int n;
	double med, lo, hi;
};

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static void fig_done(struct fig *f)
{
	double s[MAX_REPS];

	memcpy(s, f->v, sizeof(s));
	qsort(s, (size_t)f->n, sizeof(s[0]), cmp_double);
	f->lo = s[0];
	f->hi = s[f->n - 1];
	f->med = f->n % 2 ? s[f->n / 2] : (s[f->n / 2 - 1] + s[f->n / 2]) / 2;
}

static void fig_add(struct fig *f, double v)
{
	if (f->n < MAX_REPS)
		f->v[f->n++] = v;
	fig_done(f);
}

/* One key of the file: its value and the comment that says where it came from. */
struct entry {
	const char *section, *key;
	unsigned long long value;
	char note[400];
	int measured;
};

#define MAX_ENTRIES 64

static struct {
	int quick, reps, tty, step, nsteps;
	struct entry e[MAX_ENTRIES];
	int ne;
	char unmeasured[MAX_ENTRIES][480];
	int nun;
	const struct machine *fb;
} cal;

static void progress(const char *what)
{
	cal.step++;
	if (cal.tty) {
		fprintf(stderr, "\rcalibrate: [%2d/%d] %-46s", cal.step, cal.nsteps, what);
		fflush(stderr);
	}
}

static unsigned long long ns_round(double ns, unsigned long long min)
{
	double r = floor(ns + 0.5);

	if (!(r >= (double)min))
		return min;
	return (unsigned long long)r;
}

static struct entry *put(const char *section, const char *key, unsigned long long v,
			 int measured, const char *fmt, ...) __attribute__((format(printf, 5, 6)));

static struct entry *put(const char *section, const char *key, unsigned long long v,
			 int measured, const char *fmt, ...)
{
	struct entry *e = &cal.e[cal.ne++];
	char note[sizeof(e->note)];
	va_list ap;

	e->section = section;
	e->key = key;
	e->value = v;
	e->measured = measured;
	va_start(ap, fmt);
	vsnprintf(note, sizeof(note), fmt, ap);
	va_end(ap);
	memcpy(e->note, note, sizeof(note));
	if (!measured)
		snprintf(cal.unmeasured[cal.nun++], sizeof(cal.unmeasured[0]), "[%s] %s = %llu: %s",
			 section, key, v, note);
	return e;
}

/* A measured figure: "WHAT: median of N, spread LO-HI ns". */
static struct entry *put_fig(const char *section, const char *key, const struct fig *f,
			     unsigned long long min, const char *what)
{
	double pct = f->med > 0 ? 100.0 * (f->hi - f->lo) / f->med : 0;

	return put(section, key, ns_round(f->med, min), 1,
		   "%s: median of %d, spread %.1f-%.1f ns (%.0f%%)", what, f->n, f->lo, f->hi,
		   pct);
}

static struct entry *find_entry(const char *section, const char *key)
{
	int i;

	for (i = 0; i < cal.ne; i++)
		if (!strcmp(cal.e[i].section, section) && !strcmp(cal.e[i].key, key))
			return &cal.e[i];
	return NULL;
}

/* ---- topology (sysfs) ---------------------------------------------------- */

struct topo {
	int n;				/* CPUs we may run on */
	int cpu[MAX_HOST_CPUS];
	int core[MAX_HOST_CPUS];	/* dense core index */
	int pkg[MAX_HOST_CPUS];		/* dense package index */
	int llc[MAX_HOST_CPUS];		/* dense LLC group index */
	int node[MAX_HOST_CPUS];
	int ncores, npkgs, nllcs, nnodes;
	int llc_level;
	char llc_size[32];
	int from_sysfs;
};

static int read_int(const char *path, int *v)
{
	FILE *f = fopen(path, "r");
	int ok;

	if (!f)
		return -1;
	ok = fscanf(f, "%d", v) == 1;
	fclose(f);
	return ok ? 0 : -1;
}

static int read_str(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "r");
	size_t n;

	if (!f)
		return -1;
	n = fread(buf, 1, len - 1, f);
	fclose(f);
	buf[n] = 0;
	while (n && (buf[n - 1] == '\n' || buf[n - 1] == ' '))
		buf[--n] = 0;
	return 0;
}

/* The dense index of key among keys[0..*n), added if new. */
static int dense(long *keys, int *n, long key)
{
	int i;

	for (i = 0; i < *n; i++)
		if (keys[i] == key)
			return i;
	keys[*n] = key;
	return (*n)++;
}

static void read_topology(struct topo *t)
{
	static long corekeys[MAX_HOST_CPUS], pkgkeys[MAX_HOST_CPUS], llckeys[MAX_HOST_CPUS],
		    nodekeys[MAX_HOST_CPUS];
	char path[160], buf[64];
	int i, idx, v, ok = 1;

	memset(t, 0, sizeof(*t));
	t->n = host_cpus(t->cpu, MAX_HOST_CPUS);
	for (i = 0; i < t->n; i++) {
		int c = t->cpu[i], pkg = 0, die = 0, core = c, level, best = -1, first = c, node;

		snprintf(path, sizeof(path), "/sys/devices/system/cpu/cpu%d/topology/physical_package_id", c);
		ok &= !read_int(path, &pkg);
		snprintf(path, sizeof(path), "/sys/devices/system/cpu/cpu%d/topology/die_id", c);
		(void)read_int(path, &die);
		snprintf(path, sizeof(path), "/sys/devices/system/cpu/cpu%d/topology/core_id", c);
		ok &= !read_int(path, &core);
		/* The last-level cache: the highest level that holds data. */
		for (idx = 0; idx < 8; idx++) {
			snprintf(path, sizeof(path), "/sys/devices/system/cpu/cpu%d/cache/index%d/level", c, idx);
			if (read_int(path, &level))
				break;
			snprintf(path, sizeof(path), "/sys/devices/system/cpu/cpu%d/cache/index%d/type", c, idx);
			if (read_str(path, buf, sizeof(buf)) || !strcmp(buf, "Instruction"))
				continue;
			if (level > best) {
				best = level;
				snprintf(path, sizeof(path), "/sys/devices/system/cpu/cpu%d/cache/index%d/shared_cpu_list", c, idx);
				if (!read_str(path, buf, sizeof(buf)))
					first = atoi(buf);	/* the group's first CPU names it */
				snprintf(path, sizeof(path), "/sys/devices/system/cpu/cpu%d/cache/index%d/size", c, idx);
				if (read_str(path, t->llc_size, sizeof(t->llc_size)))
					t->llc_size[0] = 0;
			}
		}
		if (best < 0)
			ok = 0;
		t->llc_level = best;
		node = 0;
		for (v = 0; v < 1024; v++) {
			snprintf(path, sizeof(path), "/sys/devices/system/cpu/cpu%d/node%d", c, v);
			if (!access(path, F_OK)) {
				node = v;
				break;
			}
		}
		t->pkg[i] = dense(pkgkeys, &t->npkgs, pkg);
		t->core[i] = dense(corekeys, &t->ncores, ((long)pkg << 40) | ((long)die << 20) | core);
		t->llc[i] = dense(llckeys, &t->nllcs, ((long)pkg << 32) | first);
		t->node[i] = dense(nodekeys, &t->nnodes, node);
	}
	t->from_sysfs = ok;
	if (!ok) {
		/* No sysfs topology: every CPU a core of one socket behind one cache. */
		t->npkgs = t->nllcs = t->nnodes = 1;
		t->ncores = t->n;
		for (i = 0; i < t->n; i++) {
			t->core[i] = i;
			t->pkg[i] = t->llc[i] = t->node[i] = 0;
		}
	}
}

/* Two CPUs (indexes into t->cpu) at distance d; -1 if the host has none. */
static int pair_at(const struct topo *t, enum line_dist d, int *a, int *b)
{
	int i, j;

	for (i = 0; i < t->n; i++) {
		for (j = i + 1; j < t->n; j++) {
			int same_core = t->core[i] == t->core[j], same_llc = t->llc[i] == t->llc[j];
			int same_pkg = t->pkg[i] == t->pkg[j];
			enum line_dist dj = same_core ? DIST_SMT : same_llc ? DIST_LLC :
					    same_pkg ? DIST_SOCKET : DIST_REMOTE;

			if (dj == d) {
				*a = t->cpu[i];
				*b = t->cpu[j];
				return 0;
			}
		}
	}
	return -1;
}

/*
 * CPUs all at distance d from each other, one per core (DIST_LLC: the
 * cores of one LLC), per LLC of one socket (DIST_SOCKET), per socket
 * (DIST_REMOTE), or the threads of one core (DIST_SMT): their count.
 */
static int group_at(const struct topo *t, enum line_dist d, int *out, int max)
{
	int best = 0, g, i, j, n, cand[MAX_HOST_CPUS];
	int ngroups = d == DIST_SMT ? t->ncores : d == DIST_LLC ? t->nllcs :
		      d == DIST_SOCKET ? t->npkgs : 1;

	for (g = 0; g < ngroups; g++) {
		n = 0;
		for (i = 0; i < t->n && n < max; i++) {
			int in = d == DIST_SMT ? t->core[i] == g : d == DIST_LLC ? t->llc[i] == g :
				 d == DIST_SOCKET ? t->pkg[i] == g : 1;

			if (!in)
				continue;
			/* One per core, per LLC, per socket: none sharing what the distance crosses. */
			for (j = 0; j < n && d != DIST_SMT; j++) {
				int k = cand[j];

				if ((d == DIST_LLC && t->core[k] == t->core[i]) ||
				    (d == DIST_SOCKET && t->llc[k] == t->llc[i]) ||
				    (d == DIST_REMOTE && t->pkg[k] == t->pkg[i]))
					break;
			}
			if (j == n || d == DIST_SMT)
				cand[n++] = i;
		}
		if (n > best) {
			best = n;
			for (i = 0; i < n; i++)
				out[i] = t->cpu[cand[i]];
		}
	}
	return best;
}

/* ---- threads ------------------------------------------------------------- */

struct worker {
	pthread_t tid;
	int cpu;
	void *(*fn)(struct worker *);
	void *arg;
	double result;
	uint64_t start;		/* when it passed the start barrier */
};

static void *worker_main(void *p)
{
	struct worker *w = p;

	(void)host_pin(w->cpu);
	return w->fn(w);
}

static void spawn(struct worker *w)
{
	if (pthread_create(&w->tid, NULL, worker_main, w))
		fatal("pthread_create: %s", strerror(errno));
}

static inline void cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#elif defined(__aarch64__)
	__asm__ __volatile__("yield" ::: "memory");
#endif
}

/* ---- line transfer latency: ping-pong ------------------------------------ */

struct pingpong {
	_Alignas(LINE) volatile unsigned long line;
	char pad[LINE - sizeof(unsigned long)];
	long rounds;
};

static void *pong(struct worker *w)
{
	struct pingpong *pp = w->arg;
	unsigned long i;

	for (i = 0; i < (unsigned long)pp->rounds; i++) {
		while (__atomic_load_n(&pp->line, __ATOMIC_ACQUIRE) != 2 * i + 1)
			cpu_relax();
		__atomic_store_n(&pp->line, 2 * i + 2, __ATOMIC_RELEASE);
	}
	return NULL;
}

/*
 * ns per one-way transfer between CPUs a and b: the best of batches of
 * 100 round trips, as c2clat keeps its minimum, since on a shared host a
 * batch during which either thread was preempted measures the scheduler.
 */
static double pingpong_ns(int a, int b, long rounds)
{
	struct pingpong *pp = aligned_alloc(LINE, sizeof(*pp));
	struct worker w = { .cpu = b, .fn = pong };
	uint64_t t0, t1;
	unsigned long i;
	double best = 1e12;

	if (!pp)
		fatal("out of memory");
	memset(pp, 0, sizeof(*pp));
	pp->rounds = rounds;
	w.arg = pp;
	(void)host_pin(a);
	spawn(&w);
	/* The first batch lets both threads start; it is not counted. */
	t0 = host_ns();
	for (i = 0; i < (unsigned long)rounds; i++) {
		__atomic_store_n(&pp->line, 2 * i + 1, __ATOMIC_RELEASE);
		while (__atomic_load_n(&pp->line, __ATOMIC_ACQUIRE) != 2 * i + 2)
			cpu_relax();
		if (i % 100 == 99) {
			t1 = host_ns();
			if (i > 100 && (double)(t1 - t0) / 200.0 < best)
				best = (double)(t1 - t0) / 200.0;
			t0 = t1;
		}
	}
	pthread_join(w.tid, NULL);
	free(pp);
	return best;
}

/* ---- occupancy: N threads adding to one line ------------------------------- */

struct contend {
	_Alignas(LINE) unsigned long line;
	char pad[LINE - sizeof(unsigned long)];
	pthread_barrier_t go;
	long ops;
	unsigned long handoffs;		/* ops that found another thread's add last */
};

static void *adder(struct worker *w)
{
	struct contend *c = w->arg;
	unsigned long last = ~0UL, old, handoffs = 0;
	long i;

	pthread_barrier_wait(&c->go);
	w->start = host_ns();
	for (i = 0; i < c->ops; i++) {
		old = __atomic_fetch_add(&c->line, 1, __ATOMIC_SEQ_CST);
		/* Not our own add last: the line came from another CPU. */
		handoffs += old != last + 1;
		last = old;
	}
	w->result = (double)host_ns();
	__atomic_fetch_add(&c->handoffs, handoffs, __ATOMIC_RELAXED);
	return NULL;
}

/*
 * n threads pinned to cpus[0..n) adding to one line: ns per op of all
 * of them together, and in *per_xfer the ns the line is busy per
 * transfer.  A thread often adds several times while it holds the line,
 * so not every op is a transfer: the line's time is the transfers' plus
 * the local adds' (atomic_ns each), and the transfers are the adds that
 * found another thread's add before them.
 */
static double contend_ns(const int *cpus, int n, long ops, double atomic, double *per_xfer)
{
	struct contend *c = aligned_alloc(LINE, sizeof(*c));
	struct worker w[MAX_HOST_CPUS];
	double end = 0;
	uint64_t t0;
	int i;

	if (!c)
		fatal("out of memory");
	memset(c, 0, sizeof(*c));
	c->ops = ops;
	pthread_barrier_init(&c->go, NULL, (unsigned)n + 1);
	for (i = 0; i < n; i++) {
		w[i] = (struct worker){ .cpu = cpus[i], .fn = adder, .arg = c };
		spawn(&w[i]);
	}
	pthread_barrier_wait(&c->go);
	/*
	 * From the first thread's start, not ours: with a thread on every
	 * CPU this one may not run again before they end.
	 */
	t0 = UINT64_MAX;
	for (i = 0; i < n; i++) {
		pthread_join(w[i].tid, NULL);
		if (w[i].result > end)
			end = w[i].result;
		if (w[i].start < t0)
			t0 = w[i].start;
	}
	pthread_barrier_destroy(&c->go);
	{
		double all = (double)ops * n, xfers = (double)c->handoffs, busy = end - (double)t0;

		*per_xfer = xfers > 0 ? (busy - (all - xfers) * atomic) / xfers : busy / all;
		if (*per_xfer < busy / all)
			*per_xfer = busy / all;
		free(c);
		return busy / all;
	}
}

/* ---- single-CPU loops -------------------------------------------------------- */

static uint64_t xs_state = 88172645463325252ULL;

static uint64_t xs(void)
{
	xs_state ^= xs_state << 13;
	xs_state ^= xs_state >> 7;
	xs_state ^= xs_state << 17;
	return xs_state;
}

/* A random cycle through the lines of buf (len bytes): ns per dependent load. */
static double chase_ns(size_t len, long loads)
{
	size_t nlines = len / LINE, i, j;
	char *buf = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	size_t *perm;
	void **p;
	uint64_t t0, t1;
	long k;

	if (buf == MAP_FAILED)
		fatal("mmap of %zu bytes: %s", len, strerror(errno));
	/* Huge pages where the host gives them: the walk measures the cache, not the TLB. */
	madvise(buf, len, MADV_HUGEPAGE);
	perm = xcalloc(nlines, sizeof(*perm));
	for (i = 0; i < nlines; i++)
		perm[i] = i;
	for (i = nlines - 1; i > 0; i--) {
		j = xs() % (i + 1);
		size_t s = perm[i];

		perm[i] = perm[j];
		perm[j] = s;
	}
	for (i = 0; i < nlines; i++)
		*(void **)(buf + perm[i] * LINE) = buf + perm[(i + 1) % nlines] * LINE;
	free(perm);
	p = (void **)buf;
	for (k = 0; k < loads / 8; k++)
		p = *p;
	t0 = host_ns();
	for (k = 0; k < loads; k++)
		p = *p;
	t1 = host_ns();
	__asm__ __volatile__("" :: "r"(p));
	munmap(buf, len);
	return (double)(t1 - t0) / (double)loads;
}

/* ns per line reading buf sequentially, one load per line. */
static double stream_ns(char *buf, size_t len)
{
	uint64_t t0, t1, sum = 0;
	size_t i;

	t0 = host_ns();
	for (i = 0; i < len; i += LINE)
		sum += *(volatile uint64_t *)(buf + i);
	t1 = host_ns();
	__asm__ __volatile__("" :: "r"(sum));
	return (double)(t1 - t0) / (double)(len / LINE);
}

static double atomic_ns(long n)
{
	static _Alignas(LINE) unsigned long x;
	uint64_t t0 = host_ns();
	long i;

	for (i = 0; i < n; i++)
		__atomic_fetch_add(&x, 1, __ATOMIC_SEQ_CST);
	return (double)(host_ns() - t0) / (double)n;
}

static double mb_ns(long n)
{
	uint64_t t0 = host_ns();
	long i;

	for (i = 0; i < n; i++)
		__atomic_thread_fence(__ATOMIC_SEQ_CST);
	return (double)(host_ns() - t0) / (double)n;
}

static double syscall_ns(long n)
{
	uint64_t t0 = host_ns();
	long i;

	for (i = 0; i < n; i++)
		syscall(SYS_getppid);
	return (double)(host_ns() - t0) / (double)n;
}

/* ns per 4 KiB page: memset (copy = 0) or memcpy (copy = 1) over len bytes. */
static double pages_ns(char *dst, const char *src, size_t len, int copy)
{
	uint64_t t0 = host_ns();
	size_t off;

	for (off = 0; off < len; off += PAGE) {
		if (copy)
			memcpy(dst + off, src + off, PAGE);
		else
			memset(dst + off, 0, PAGE);
	}
	__asm__ __volatile__("" :: "r"(dst) : "memory");
	return (double)(host_ns() - t0) / (double)(len / PAGE);
}

static char *map_filled(size_t len)
{
	char *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		fatal("mmap of %zu bytes: %s", len, strerror(errno));
	madvise(p, len, MADV_NOHUGEPAGE);
	memset(p, 1, len);
	return p;
}

/* ---- the whole socket zeroing: mem_page ------------------------------------ */

struct zeroer {
	pthread_barrier_t *go;
	char *buf;
	size_t len;
	uint64_t end;
};

static void *zero_main(struct worker *w)
{
	struct zeroer *z = w->arg;

	pthread_barrier_wait(z->go);
	w->start = host_ns();
	pages_ns(z->buf, NULL, z->len, 0);
	z->end = host_ns();
	return NULL;
}

/* ns per 4 KiB page of n CPUs zeroing their own buffers at once (the socket's share). */
static double socket_zero_ns(const int *cpus, int n, char **bufs, size_t len)
{
	struct worker w[MAX_HOST_CPUS];
	struct zeroer z[MAX_HOST_CPUS];
	pthread_barrier_t go;
	uint64_t t0, end = 0;
	int i;

	pthread_barrier_init(&go, NULL, (unsigned)n + 1);
	for (i = 0; i < n; i++) {
		z[i] = (struct zeroer){ .go = &go, .buf = bufs[i], .len = len };
		w[i] = (struct worker){ .cpu = cpus[i], .fn = zero_main, .arg = &z[i] };
		spawn(&w[i]);
	}
	pthread_barrier_wait(&go);
	t0 = UINT64_MAX;
	for (i = 0; i < n; i++) {
		pthread_join(w[i].tid, NULL);
		if (z[i].end > end)
			end = z[i].end;
		if (w[i].start < t0)
			t0 = w[i].start;
	}
	pthread_barrier_destroy(&go);
	return (double)(end - t0) / ((double)(len / PAGE) * n);
}

/* ---- futex ping-pong: ctxsw, wakeup, ttwu ---------------------------------- */

struct fpp {
	_Alignas(LINE) unsigned int word[2];
	long rounds;
	double wake_ns;		/* the waker's FUTEX_WAKE calls, summed */
};

static void futex_wait(unsigned int *w, unsigned int v)
{
	syscall(SYS_futex, w, FUTEX_WAIT_PRIVATE, v, NULL, NULL, 0);
}

static double futex_wake(unsigned int *w)
{
	uint64_t t0 = host_ns();

	syscall(SYS_futex, w, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
	return (double)(host_ns() - t0);
}

/* Side `me` of the ping-pong: wait for my word to turn, turn the other's. */
static void fpp_side(struct fpp *f, int me, int first)
{
	long i;

	for (i = 0; i < f->rounds; i++) {
		if (!(first && i == 0)) {
			while (__atomic_load_n(&f->word[me], __ATOMIC_ACQUIRE) == 0)
				futex_wait(&f->word[me], 0);
			__atomic_store_n(&f->word[me], 0, __ATOMIC_RELAXED);
		}
		__atomic_store_n(&f->word[!me], 1, __ATOMIC_RELEASE);
		f->wake_ns += futex_wake(&f->word[!me]);
	}
	if (!first) {
		return;
	}
	while (__atomic_load_n(&f->word[me], __ATOMIC_ACQUIRE) == 0)
		futex_wait(&f->word[me], 0);
}

static void *fpp_other(struct worker *w)
{
	fpp_side(w->arg, 1, 0);
	return NULL;
}

/* Half a futex round trip between CPUs a and b (a == b: a context switch each way). */
static double futex_pingpong_ns(int a, int b, long rounds, double *wake_ns)
{
	struct fpp *f = aligned_alloc(LINE, sizeof(*f));
	struct worker w = { .cpu = b, .fn = fpp_other };
	uint64_t t0, t1;

	if (!f)
		fatal("out of memory");
	memset(f, 0, sizeof(*f));
	f->rounds = rounds;
	w.arg = f;
	(void)host_pin(a);
	spawn(&w);
	t0 = host_ns();
	fpp_side(f, 0, 1);
	t1 = host_ns();
	pthread_join(w.tid, NULL);
	if (wake_ns)
		*wake_ns = f->wake_ns / (double)rounds;
	free(f);
	return (double)(t1 - t0) / (2.0 * (double)rounds);
}

/* ---- IPI: membarrier with a thread running elsewhere ------------------------ */

#ifndef MEMBARRIER_CMD_PRIVATE_EXPEDITED
#define MEMBARRIER_CMD_PRIVATE_EXPEDITED (1 << 3)
#define MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED (1 << 4)
#endif

struct spinner {
	volatile int stop;
};

static void *spin_main(struct worker *w)
{
	struct spinner *s = w->arg;

	while (!s->stop)
		cpu_relax();
	return NULL;
}

/* ns of one membarrier() that interrupts the thread spinning on CPU b; -1 if refused. */
static double ipi_ns(int a, int b, long n)
{
	struct spinner s = { 0 };
	struct worker w = { .cpu = b, .fn = spin_main, .arg = &s };
	uint64_t t0, t1;
	long i;

	if (syscall(SYS_membarrier, MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED, 0, 0))
		return -1;
	(void)host_pin(a);
	spawn(&w);
	usleep(2000);	/* let it start spinning there */
	t0 = host_ns();
	for (i = 0; i < n; i++)
		if (syscall(SYS_membarrier, MEMBARRIER_CMD_PRIVATE_EXPEDITED, 0, 0))
			break;
	t1 = host_ns();
	s.stop = 1;
	pthread_join(w.tid, NULL);
	return i < n ? -1 : (double)(t1 - t0) / (double)n;
}

/* ---- faults and mmap bodies --------------------------------------------------- */

enum fault_kind { F_ANON_WRITE, F_ZERO_READ, F_PT_FIRST };

/* ns per fault over a fresh anonymous mapping of len bytes. */
static double anon_fault_ns(size_t len, enum fault_kind k)
{
	size_t stride = k == F_PT_FIRST ? (2UL << 20) : PAGE, off, n = 0;
	size_t maplen = len + (2UL << 20);
	char *p = mmap(NULL, maplen, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	char *base;
	uint64_t t0, t1;
	unsigned long sum = 0;

	if (p == MAP_FAILED)
		fatal("mmap of %zu bytes: %s", maplen, strerror(errno));
	madvise(p, maplen, MADV_NOHUGEPAGE);
	/* 2 MiB aligned, so that each first touch of a stride needs its own page table. */
	base = (char *)(((uintptr_t)p + (2UL << 20) - 1) & ~((2UL << 20) - 1));
	t0 = host_ns();
	for (off = 0; off < len; off += stride, n++) {
		if (k == F_ZERO_READ)
			sum += ((volatile char *)base)[off];
		else
			((volatile char *)base)[off] = 1;
	}
	t1 = host_ns();
	__asm__ __volatile__("" :: "r"(sum));
	munmap(p, maplen);
	return (double)(t1 - t0) / (double)n;
}

static long minflt(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_minflt;
}

/*
 * ns per fault of a file mapping in the page cache: read (MAP_SHARED),
 * or write to a MAP_PRIVATE one (COW).  Faults counted with getrusage,
 * since a read fault maps the pages around it too (fault-around).
 */
static double file_fault_ns(int fd, size_t len, int cow, double *per_page)
{
	char *p = mmap(NULL, len, cow ? PROT_READ | PROT_WRITE : PROT_READ,
		       cow ? MAP_PRIVATE : MAP_SHARED, fd, 0);
	uint64_t t0, t1;
	unsigned long sum = 0;
	long f0, nf;
	size_t off;

	if (p == MAP_FAILED)
		return -1;
	f0 = minflt();
	t0 = host_ns();
	for (off = 0; off < len; off += PAGE) {
		if (cow)
			((volatile char *)p)[off] = 1;
		else
			sum += ((volatile char *)p)[off];
	}
	t1 = host_ns();
	nf = minflt() - f0;
	__asm__ __volatile__("" :: "r"(sum));
	munmap(p, len);
	if (per_page)
		*per_page = (double)(t1 - t0) / (double)(len / PAGE);
	return nf > 0 ? (double)(t1 - t0) / (double)nf : -1;
}

/* ns per munmap of len bytes, touched (every page written) or not. */
static double munmap_ns(size_t len, int touched, int n)
{
	uint64_t total = 0, t0;
	int i;

	for (i = 0; i < n; i++) {
		char *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		if (p == MAP_FAILED)
			fatal("mmap: %s", strerror(errno));
		madvise(p, len, MADV_NOHUGEPAGE);
		if (touched)
			memset(p, 1, len);
		t0 = host_ns();
		munmap(p, len);
		total += host_ns() - t0;
	}
	return (double)total / n;
}

/* ns per mmap of len bytes (not touched, a VMA each); unmapped after the clock. */
static double mmap_ns(size_t len, int n)
{
	void **maps = xcalloc((size_t)n, sizeof(*maps));
	uint64_t t0, t1;
	int i;

	t0 = host_ns();
	for (i = 0; i < n; i++) {
		/* Protections alternate, so that no mapping merges into its neighbour's VMA. */
		maps[i] = mmap(NULL, len, i & 1 ? PROT_READ : PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (maps[i] == MAP_FAILED)
			fatal("mmap: %s", strerror(errno));
	}
	t1 = host_ns();
	for (i = 0; i < n; i++)
		munmap(maps[i], len);
	free(maps);
	return (double)(t1 - t0) / n;
}

/*
 * ns per mprotect that splits an untouched 3-page mapping into three
 * VMAs (its middle page made read-only); each is merged back untimed.
 */
static double split_ns(int n)
{
	char *p = mmap(NULL, 3 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	uint64_t total = 0, t0;
	int i;

	if (p == MAP_FAILED)
		fatal("mmap: %s", strerror(errno));
	for (i = 0; i < n; i++) {
		t0 = host_ns();
		mprotect(p + PAGE, PAGE, PROT_READ);
		total += host_ns() - t0;
		mprotect(p + PAGE, PAGE, PROT_READ | PROT_WRITE);
	}
	munmap(p, 3 * PAGE);
	return (double)total / n;
}

/* ---- kernel settings ---------------------------------------------------------- */

/* CONFIG_HZ of the running kernel, from /boot/config-RELEASE or /proc/config.gz; 0 if unknown. */
static int kernel_hz(char *from, size_t fromlen)
{
	struct utsname u;
	char path[300], line[256];
	gzFile gz;
	int hz = 0;

	if (uname(&u))
		return 0;
	snprintf(path, sizeof(path), "/boot/config-%s", u.release);
	gz = gzopen(path, "r");
	if (!gz) {
		snprintf(path, sizeof(path), "/proc/config.gz");
		gz = gzopen(path, "r");
	}
	if (!gz)
		return 0;
	while (gzgets(gz, line, sizeof(line)))
		if (!strncmp(line, "CONFIG_HZ=", 10))
			hz = atoi(line + 10);
	gzclose(gz);
	snprintf(from, fromlen, "%s", path);
	return hz > 0 && hz <= 10000 ? hz : 0;
}

/* ---- the calibration ----------------------------------------------------------- */

static const char *const dist_key[NR_DIST] = { "smt", "llc", "socket", "remote", "memory" };
static const char *const dist_what[NR_DIST] = {
	"SMT siblings", "two cores of one LLC", "two LLCs of one socket", "two sockets", "memory",
};

/*
 * Latency or occupancy per distance: measured where the host has the
 * distance, else the nearest measured one (closer first: a missing
 * farther distance costs no less than the nearest nearer one), and made
 * monotone from smt to remote.
 */
/* No line transfer takes 10 us: a figure above that was preempted, not measured. */
#define LINE_FIGURE_MAX_NS 10000

static void put_distances(const char *section, struct fig *f, const int *have_measured,
			  const char *const *how)
{
	unsigned long long v[NR_DIST];
	int d, src[NR_DIST], have[NR_DIST];

	for (d = 0; d < NR_DIST; d++)
		have[d] = have_measured[d] && f[d].med <= LINE_FIGURE_MAX_NS;

	for (d = DIST_SMT; d <= DIST_REMOTE; d++) {
		int e;

		src[d] = -1;
		if (have[d]) {
			src[d] = d;
			continue;
		}
		for (e = d - 1; e >= DIST_SMT && src[d] < 0; e--)
			if (have[e])
				src[d] = e;
		for (e = d + 1; e <= DIST_REMOTE && src[d] < 0; e++)
			if (have[e])
				src[d] = e;
	}
	for (d = DIST_SMT; d <= DIST_REMOTE; d++)
		v[d] = src[d] >= 0 ? ns_round(f[src[d]].med, 1) :
		       !strcmp(section, "latency") ? cal.fb->cost.latency[d] : cal.fb->cost.occupancy[d];
	for (d = DIST_SMT; d <= DIST_REMOTE; d++) {
		unsigned long long before = v[d];
		struct entry *e;

		if (d > DIST_SMT && v[d] < v[d - 1])
			v[d] = v[d - 1];
		if (have[d]) {
			e = put_fig(section, dist_key[d], &f[d], 1, how[d]);
			e->value = v[d];
			if (v[d] != before) {
				size_t l = strlen(e->note);

				snprintf(e->note + l, sizeof(e->note) - l, "; raised from %llu to "
					 "%s's %llu: a farther distance is never cheaper", before,
					 dist_key[d - 1], v[d]);
			}
		} else if (src[d] >= 0 && have_measured[d]) {
			put(section, dist_key[d], v[d], 0, "measured %.0f ns, no line transfer "
			    "(the threads were preempted); took the %s figure", f[d].med,
			    dist_key[src[d]]);
		} else if (src[d] >= 0) {
			put(section, dist_key[d], v[d], 0, "not measured: the host has no %s; took "
			    "the %s figure", dist_what[d], dist_key[src[d]]);
		} else {
			put(section, dist_key[d], v[d], 0, "not measured: no two CPUs to measure "
			    "on; took %s's", FALLBACK);
		}
	}
}

static void put_fallback(const char *key, sim_time_t v, const char *why)
{
	put("cost", key, (unsigned long long)v, 0, "not measured (%s); took %s's", why, FALLBACK);
}

/* A note as "; " comment lines, broken at spaces: the INI reader takes lines of 198 bytes. */
static void put_comment(FILE *f, const char *note)
{
	size_t len = strlen(note), cut;

	while (len) {
		cut = len;
		if (cut > 100) {
			for (cut = 100; cut > 40 && note[cut] != ' '; cut--)
				;
			if (note[cut] != ' ')
				cut = 100;
		}
		fprintf(f, "; %.*s\n", (int)cut, note);
		note += cut;
		len -= cut;
		while (*note == ' ') {
			note++;
			len--;
		}
	}
}

/*
 * The file: written to a temporary beside it, loaded back as --machine
 * would load it, and only then renamed over (a device or FIFO: written in
 * place).  0, or -1 with the message in err.
 */
static int write_machine(const char *path, const struct outfile *of, const char *header,
			 char *err, size_t errlen)
{
	static const char *const secs[] = { "machine", "latency", "occupancy", "cost" };
	size_t tl = strlen(of->dest) + 32, s;
	char *tmp = xmalloc(tl);
	struct machine check;
	FILE *f;
	int k, ok;

	snprintf(tmp, tl, "%s.tmp%d", of->dest, (int)getpid());
	f = fopen(of->stream ? path : tmp, "w");
	if (!f) {
		snprintf(err, errlen, "%s: cannot write: %s", path, strerror(errno));
		free(tmp);
		return -1;
	}
	fputs(header, f);
	for (s = 0; s < sizeof(secs) / sizeof(secs[0]); s++) {
		if (s)
			fprintf(f, "\n[%s]\n", secs[s]);
		for (k = 0; k < cal.ne; k++) {
			const struct entry *e = &cal.e[k];

			if (!strcmp(e->section, secs[s])) {
				put_comment(f, e->note);
				fprintf(f, "%s = %llu\n", e->key, e->value);
			}
		}
	}
	ok = !ferror(f);
	ok &= fclose(f) == 0;
	if (!ok) {
		snprintf(err, errlen, "%s: write error", path);
	} else if (!of->stream && machine_load_ini(tmp, &check, err, errlen)) {
		ok = 0;		/* a bug: the message says where */
	} else if (!of->stream && rename(tmp, of->dest)) {
		snprintf(err, errlen, "%s: cannot rename into place: %s", path, strerror(errno));
		ok = 0;
	}
	if (!ok && !of->stream)
		unlink(tmp);
	free(tmp);
	return ok ? 0 : -1;
}

int cli_calibrate(int argc, char **argv)
{
	const char *outpath = "host.ini";
	struct cli_opt opts[] = {
		CLI_OPT_STRING("-o", &outpath),
		CLI_OPT_FLAG("--quick", &cal.quick),
		CLI_OPT_END,
	};
	struct outfile of;
	struct topo t;
	struct utsname u;
	struct fig lat[NR_DIST] = { { .n = 0 } }, occ[NR_DIST] = { { .n = 0 } }, fz = { .n = 0 };
	int have_lat[NR_DIST] = { 0 }, have_occ[NR_DIST] = { 0 };
	char occ_how[NR_DIST][400], lat_how[NR_DIST][120], err[600], from[320];
	const char *lat_hows[NR_DIST], *occ_hows[NR_DIST];
	int npos, rc, d, r, a = 0, b = 0, i, group[MAX_HOST_CPUS], n, cps, cpl, tpc, hz;
	long rounds, cops;
	size_t llc_bytes = 32UL << 20, big, flen;
	char *mem, *src, *header;
	FILE *hf;
	double atomic_med, zero_med, anon_med, file_med = -1, cow_med = -1, per_page, munmap1 = 0;
	struct fig ffault[6] = { { .n = 0 } };
	int fd;

	rc = cli_parse("calibrate", argc, argv, opts, NULL, 0, &npos, "argument");
	if (rc > 0) {
		usage(stdout);
		return 0;
	}
	if (rc < 0)
		return EXIT_BAD_INPUT;
	/* Refused before a minute of measuring, not after. */
	if (outfile_check(outpath, &of, err, sizeof(err)) < 0) {
		cli_error("calibrate", "-o %s", err);
		return EXIT_BAD_INPUT;
	}
	if (!of.stream) {
		char *dir = xstrdup(of.dest), *slash = strrchr(dir, '/');

		if (slash)
			slash[slash == dir] = 0;
		if (access(slash ? dir : ".", W_OK)) {
			cli_error("calibrate", "-o %s: cannot write in %s (%s); expected a "
				  "writable directory", outpath, slash ? dir : ".", strerror(errno));
			free(dir);
			outfile_free(&of);
			return EXIT_BAD_INPUT;
		}
		free(dir);
	}
	cal.fb = machine_find(FALLBACK, NULL);
	cal.reps = cal.quick ? 3 : 7;
	cal.tty = isatty(2);
	cal.nsteps = 16;
	rounds = cal.quick ? 4000 : 40000;
	cops = cal.quick ? 100000 : 1000000;

	progress("topology (sysfs)");
	read_topology(&t);
	if (t.llc_size[0]) {
		char *end;
		unsigned long v = strtoul(t.llc_size, &end, 10);

		if (v)
			llc_bytes = v << (*end == 'M' ? 20 : *end == 'K' ? 10 : 0);
	}
	tpc = 0;
	for (i = 0; i < t.ncores; i++) {
		int k, c = 0;

		for (k = 0; k < t.n; k++)
			c += t.core[k] == i;
		if (c > tpc)
			tpc = c;
	}
	cps = (t.ncores + t.npkgs - 1) / t.npkgs;
	cpl = (t.ncores + t.nllcs - 1) / t.nllcs;
	if (cpl < 1 || cps % cpl)
		cpl = cps;
	if ((long)t.npkgs * cps * tpc > MAX_CPUS) {
		cli_error("calibrate", "the host has %d sockets x %d cores x %d threads; the model "
			  "takes at most %d CPUs", t.npkgs, cps, tpc, MAX_CPUS);
		outfile_free(&of);
		return 1;
	}

	/* Latency per distance. */
	for (d = DIST_SMT; d <= DIST_REMOTE; d++) {
		char what[80];

		snprintf(what, sizeof(what), "line ping-pong, %s", dist_what[d]);
		progress(what);
		if (pair_at(&t, (enum line_dist)d, &a, &b))
			continue;
		for (r = 0; r < cal.reps; r++)
			fig_add(&lat[d], pingpong_ns(a, b, rounds));
		have_lat[d] = 1;
		snprintf(lat_how[d], sizeof(lat_how[d]), "ping-pong of one line, CPUs %d and %d "
			 "(%s), half a round trip", a, b, dist_what[d]);
	}
	/* Occupancy per distance: the local adds in it cost what an owned line's do. */
	(void)host_pin(t.cpu[0]);
	{
		double v[MAX_REPS];

		for (r = 0; r < cal.reps; r++)
			v[r] = atomic_ns(cal.quick ? 2000000 : 20000000);
		qsort(v, (size_t)cal.reps, sizeof(v[0]), cmp_double);
		atomic_med = v[cal.reps / 2];
	}
	for (d = DIST_SMT; d <= DIST_REMOTE; d++) {
		char what[80];
		size_t l;
		int k;

		snprintf(what, sizeof(what), "atomic adds on one line, %s", dist_what[d]);
		progress(what);
		n = group_at(&t, (enum line_dist)d, group, MAX_HOST_CPUS);
		if (n < 2)
			continue;
		l = (size_t)snprintf(occ_how[d], sizeof(occ_how[d]), "%d threads (CPUs", n);
		for (k = 0; k < n && l < sizeof(occ_how[d]) - 40; k++)
			l += (size_t)snprintf(occ_how[d] + l, sizeof(occ_how[d]) - l, " %d", group[k]);
		l += (size_t)snprintf(occ_how[d] + l, sizeof(occ_how[d]) - l,
				      ", %s) atomic adds on one line, ns per op of all and per transfer (the adds "
				      "that found another CPU's last, the local ones at [cost] atomic); at N =",
				      dist_what[d]);
		for (k = 2; k <= n; k++) {
			struct fig fk = { .n = 0 }, fx = { .n = 0 };
			double x;

			for (r = 0; r < cal.reps; r++) {
				fig_add(&fk, contend_ns(group, k, cops, atomic_med, &x));
				fig_add(&fx, x);
			}
			if (l < sizeof(occ_how[d]) - 30)
				l += (size_t)snprintf(occ_how[d] + l, sizeof(occ_how[d]) - l,
						      " %d: %.1f/op %.1f/transfer", k, fk.med, fx.med);
			if (k == n)
				occ[d] = fx;
		}
		have_occ[d] = 1;
	}
	for (d = 0; d < NR_DIST; d++) {
		lat_hows[d] = lat_how[d];
		occ_hows[d] = occ_how[d];
	}
	put_distances("latency", lat, have_lat, lat_hows);

	progress("memory latency (random walk)");
	(void)host_pin(t.cpu[0]);
	big = 4 * llc_bytes;
	if (big < (64UL << 20))
		big = 64UL << 20;
	if (big > (1UL << 30))
		big = 1UL << 30;
	if (cal.quick && big > (128UL << 20))
		big = 128UL << 20;
	for (r = 0; r < cal.reps; r++)
		fig_add(&lat[DIST_MEMORY], chase_ns(big, cal.quick ? 300000 : 2000000));
	snprintf(lat_how[DIST_MEMORY], sizeof(lat_how[0]), "dependent random walk over %zu MiB "
		 "(4x the LLC, huge pages if given), ns per load", big >> 20);
	put_fig("latency", "memory", &lat[DIST_MEMORY], 1, lat_how[DIST_MEMORY]);
	put_distances("occupancy", occ, have_occ, occ_hows);
	progress("memory occupancy (streaming read)");
	mem = map_filled(big);
	for (r = 0; r < cal.reps; r++)
		fig_add(&occ[DIST_MEMORY], stream_ns(mem, big));
	snprintf(occ_how[DIST_MEMORY], sizeof(occ_how[0]), "streaming read of %zu MiB, one "
		 "load per line, ns per line", big >> 20);
	put_fig("occupancy", "memory", &occ[DIST_MEMORY], 1, occ_how[DIST_MEMORY]);

	progress("L1 hit, atomic, barrier, syscall");
	put("cost", "line_hold", cal.fb->cost.line_hold, 0,
	    "not measured (a cache's own timing, unseen from user space); took %s's", FALLBACK);
	{
		struct fig f1 = { .n = 0 }, fa = { .n = 0 }, fm = { .n = 0 }, fs = { .n = 0 };

		for (r = 0; r < cal.reps; r++) {
			fig_add(&f1, chase_ns(16 * LINE, cal.quick ? 2000000 : 20000000));
			fig_add(&fa, atomic_ns(cal.quick ? 2000000 : 20000000));
			fig_add(&fm, mb_ns(cal.quick ? 2000000 : 20000000));
			fig_add(&fs, syscall_ns(cal.quick ? 100000 : 1000000));
		}
		put_fig("cost", "l1_hit", &f1, 1, "dependent loads within 1 KiB, ns per load");
		put_fig("cost", "atomic", &fa, 1, "lock add on a line this CPU owns, ns per op");
		put_fig("cost", "mb", &fm, 1, "smp_mb() (a full fence), ns per fence");
		put_fallback("call", cal.fb->cost.call, "a few instructions, below what a timed "
			     "loop resolves");
		progress("context switch, wakeup");
		{
			struct fig fc = { .n = 0 }, fw = { .n = 0 }, ft = { .n = 0 };
			double wake;

			for (r = 0; r < cal.reps; r++)
				fig_add(&fc, futex_pingpong_ns(t.cpu[0], t.cpu[0], rounds / 4, NULL));
			put_fig("cost", "ctxsw", &fc, 1, "futex ping-pong of two threads on one "
				"CPU, half a round trip (one switch with its futex calls)");
			/* Two CPUs as near as the host has (not SMT siblings, if it can). */
			if (t.n > 1 && pair_at(&t, DIST_LLC, &a, &b) &&
			    pair_at(&t, DIST_SOCKET, &a, &b) && pair_at(&t, DIST_REMOTE, &a, &b)) {
				a = t.cpu[0];
				b = t.cpu[1];
			}
			if (t.n > 1) {
				for (r = 0; r < cal.reps; r++) {
					fig_add(&fw, futex_pingpong_ns(a, b, rounds / 4, &wake));
					fig_add(&ft, wake - fs.med > 0 ? wake - fs.med : 0);
				}
				put_fig("cost", "wakeup", &fw, 1, "futex ping-pong of two sleeping "
					"threads on two CPUs, half a round trip");
				put_fig("cost", "ttwu", &ft, 0, "the waker's FUTEX_WAKE of a sleeper "
					"on another CPU, less syscall_entry");
			} else {
				put_fallback("wakeup", cal.fb->cost.wakeup, "one CPU: nothing to wake "
					     "on another");
				put_fallback("ttwu", cal.fb->cost.ttwu, "one CPU: nothing to wake "
					     "on another");
			}
		}
		hz = kernel_hz(from, sizeof(from));
		{
			char slice[32];
			long v;

			if (!read_str("/sys/kernel/debug/sched/base_slice_ns", slice, sizeof(slice)) &&
			    (v = atol(slice)) >= 100000 && v <= 1000000000)
				put("cost", "timeslice", (unsigned long long)v, 1, "read from "
				    "/sys/kernel/debug/sched/base_slice_ns");
			else
				put_fallback("timeslice", cal.fb->cost.timeslice, "no "
					     "/sys/kernel/debug/sched/base_slice_ns to read");
		}
		if (hz)
			put("cost", "tick", 1000000000ULL / (unsigned)hz, 1, "1/HZ, CONFIG_HZ=%d in %s",
			    hz, from);
		else
			put_fallback("tick", cal.fb->cost.tick, "no kernel config to read CONFIG_HZ "
				     "from");
		progress("IPI (membarrier)");
		{
			struct fig fi = { .n = 0 };
			double v = -1;

			for (r = 0; t.n > 1 && r < cal.reps; r++) {
				v = ipi_ns(t.cpu[0], t.cpu[t.n - 1], cal.quick ? 2000 : 20000);
				if (v < 0)
					break;
				fig_add(&fi, v - fs.med > 1 ? v - fs.med : 1);
			}
			if (v >= 0 && fi.n)
				put_fig("cost", "ipi", &fi, 0, "membarrier(PRIVATE_EXPEDITED) "
					"interrupting a thread on another CPU, less syscall_entry");
			else
				put_fallback("ipi", cal.fb->cost.ipi, t.n > 1 ? "membarrier refused" :
					     "one CPU: no other to interrupt");
		}
		progress("page zeroing and copying");
		{
			struct fig fp = { .n = 0 }, fsock = { .n = 0 };
			size_t len = big / 2, each;
			char *bufs[MAX_HOST_CPUS];

			src = map_filled(len);
			for (r = 0; r < cal.reps; r++) {
				fig_add(&fz, pages_ns(mem, NULL, big, 0));
				fig_add(&fp, pages_ns(mem, src, len, 1));
			}
			put_fig("cost", "page_zero", &fz, 0, "memset of 4 KiB pages over a buffer "
				"larger than the LLC, ns per page");
			put_fig("cost", "page_copy", &fp, 0, "memcpy of 4 KiB pages between buffers "
				"larger than the LLC, ns per page");
			munmap(src, len);
			/* One thread per core of the first socket. */
			n = 0;
			for (i = 0; i < t.n; i++) {
				int k;

				if (t.pkg[i] != t.pkg[0])
					continue;
				for (k = 0; k < n; k++)
					if (t.core[group[k]] == t.core[i])
						break;
				if (k == n)
					group[n++] = i;
			}
			each = big / (size_t)n;
			if (each < (8UL << 20))
				each = 8UL << 20;
			for (i = 0; i < n; i++) {
				bufs[i] = map_filled(each);
				group[i] = t.cpu[group[i]];
			}
			for (r = 0; r < cal.reps; r++)
				fig_add(&fsock, socket_zero_ns(group, n, bufs, each));
			for (i = 0; i < n; i++)
				munmap(bufs[i], each);
			{
				char how[120];

				snprintf(how, sizeof(how), "%d cores of one socket zeroing at once, ns "
					 "per 4 KiB page of their sum", n);
				put_fig("cost", "mem_page", &fsock, 0, how);
			}
		}
		put_fig("cost", "syscall_entry", &fs, 0, "getppid() round trip, ns per call");
	}
	munmap(mem, big);

	/* Faults: 0 zero-page read, 1 anon write, 2 first of a 2 MiB range, 3 file read, 4 COW. */
	progress("page faults (anon, zero page, page table)");
	{
		size_t flen_anon = cal.quick ? (16UL << 20) : (128UL << 20);
		size_t ptlen = cal.quick ? (256UL << 20) : (2UL << 30);

		for (r = 0; r < cal.reps; r++) {
			fig_add(&ffault[0], anon_fault_ns(flen_anon, F_ZERO_READ));
			fig_add(&ffault[1], anon_fault_ns(flen_anon, F_ANON_WRITE));
			fig_add(&ffault[2], anon_fault_ns(ptlen, F_PT_FIRST));
		}
	}
	zero_med = ffault[0].med;
	anon_med = ffault[1].med;
	put_fig("cost", "fault_entry", &ffault[0], 0, "read fault of untouched anonymous memory "
		"(maps the zero page: entry, VMA lookup, one PTE), ns per fault");
	{
		struct fig pa = { .n = 0 }, pt = { .n = 0 };

		for (r = 0; r < ffault[1].n; r++) {
			double v = ffault[1].v[r] - ffault[0].v[r] - fz.med;

			fig_add(&pa, v > 0 ? v : 0);
			v = ffault[2].v[r] - ffault[1].v[r];
			fig_add(&pt, v > 0 ? v : 0);
		}
		put_fig("cost", "page_alloc", &pa, 0, "anonymous write fault less the zero-page "
			"fault and page_zero (allocation, charge, rmap, LRU)");
		put_fig("cost", "pt_alloc", &pt, 0, "first fault of a 2 MiB range (a new page "
			"table) less an anonymous write fault");
	}

	progress("page faults (file read, COW)");
	flen = cal.quick ? (16UL << 20) : (64UL << 20);
	{
		const char *dir = getenv("TMPDIR");
		char fpath[300];

		snprintf(fpath, sizeof(fpath), "%s/mmlocksim-calibrate-XXXXXX", dir && *dir ? dir : "/tmp");
		fd = mkstemp(fpath);
		if (fd >= 0) {
			char *buf = map_filled(1 << 20);
			size_t off;
			int ok = 1;

			unlink(fpath);
			for (off = 0; off < flen && ok; off += 1 << 20)
				ok = write(fd, buf, 1 << 20) == 1 << 20;
			munmap(buf, 1 << 20);
			for (r = 0; ok && r < cal.reps; r++) {
				double v = file_fault_ns(fd, flen, 0, &per_page), w;

				w = file_fault_ns(fd, flen, 1, NULL);
				if (v < 0 || w < 0) {
					ok = 0;
					break;
				}
				fig_add(&ffault[3], v);
				fig_add(&ffault[4], w);
			}
			close(fd);
			if (ok && ffault[3].n) {
				struct fig pl = { .n = 0 };

				for (r = 0; r < ffault[3].n; r++) {
					double v = ffault[3].v[r] - ffault[0].v[r];

					fig_add(&pl, v > 0 ? v : 0);
				}
				file_med = ffault[3].med;
				cow_med = ffault[4].med;
				put_fig("cost", "pagecache_lookup", &pl, 0, "read fault of a cached "
					"file page less the zero-page fault (with the pages "
					"fault-around maps)");
			}
		}
		if (file_med < 0)
			put_fallback("pagecache_lookup", cal.fb->cost.pagecache_lookup,
				     "no temporary file to map");
	}
	put_fallback("io", cal.fb->cost.io, "a page-cache miss would need the cache dropped, "
		     "for the whole host");

	progress("mmap, munmap");
	{
		int nm = cal.quick ? 2000 : 20000;
		size_t zlen = 4UL << 20;
		struct fig fzap = { .n = 0 }, fvma = { .n = 0 }, fbody = { .n = 0 };
		const struct entry *sc = find_entry("cost", "syscall_entry");
		double scv = sc ? (double)sc->value : 0;

		for (r = 0; r < cal.reps; r++) {
			double touched = munmap_ns(zlen, 1, cal.quick ? 8 : 32);
			double untouched = munmap_ns(zlen, 0, cal.quick ? 8 : 32);
			double split = split_ns(nm) - scv, v;

			v = (touched - untouched) / (double)(zlen / PAGE);
			fig_add(&fzap, v > 0 ? v : 0);
			/* Two __split_vma(), each a VMA allocated and stored. */
			fig_add(&fvma, split > 0 ? split / 2 : 0);
			v = mmap_ns(PAGE, nm) - scv - (split > 0 ? split / 2 : 0);
			fig_add(&fbody, v > 0 ? v : 0);
			munmap1 = munmap_ns(PAGE, 0, nm);
		}
		put_fig("cost", "zap_pte", &fzap, 0, "munmap of 4 MiB written less munmap of "
			"4 MiB untouched, per page");
		put_fallback("tlb_flush", cal.fb->cost.tlb_flush, "not separable from the "
			     "syscall around it");
		put_fig("cost", "vma_op", &fvma, 0, "mprotect of the middle page of an untouched "
			"3-page mapping (two VMA splits) less syscall_entry, halved");
		put_fig("cost", "mmap_body", &fbody, 0, "mmap of one page less syscall_entry "
			"and vma_op");
	}

	/* The file. */
	if (uname(&u))
		memset(&u, 0, sizeof(u));
	put("machine", "sockets", (unsigned long long)t.npkgs, 1, "physical packages");
	put("machine", "cores_per_socket", (unsigned long long)cps, 1, "cores per package");
	put("machine", "threads_per_core", (unsigned long long)tpc, 1, "SMT siblings per core");
	put("machine", "cores_per_llc", (unsigned long long)cpl, 1,
	    "cores sharing the last-level cache");
	{
		double gib = (double)sysconf(_SC_PHYS_PAGES) * (double)sysconf(_SC_PAGESIZE) /
			     (double)(1UL << 30);

		put("machine", "memory_gib", gib >= 1 ? (unsigned long long)(gib + 0.5) : 1, 1,
		    "installed memory, GiB");
	}
	hf = open_memstream(&header, &flen);
	if (!hf)
		fatal("out of memory");
	fprintf(hf, "; Machine file written by `mmlocksim calibrate%s` on %s (Linux %s, %s).\n",
		cal.quick ? " --quick" : "", u.nodename, u.release, u.machine);
	fprintf(hf, "; Topology (%s): %d CPUs usable, %d sockets, %d cores, %d threads per "
		"core, %d LLC groups (level %d%s%s), %d NUMA nodes.\n",
		t.from_sysfs ? "sysfs" : "no sysfs topology: one socket of single-thread cores "
		"behind one cache assumed", t.n, t.npkgs, t.ncores, tpc, t.nllcs, t.llc_level,
		t.llc_size[0] ? ", " : "", t.llc_size, t.nnodes);
	if (t.nnodes > t.npkgs)
		fprintf(hf, "; The model's 'remote' distance is another socket; this host has "
			"more NUMA nodes than sockets, which it does not tell apart.\n");
	if (cps * t.npkgs != t.ncores || cpl * t.nllcs != t.ncores)
		fprintf(hf, "; The cores are not spread evenly over the sockets or LLCs; the "
			"model takes the largest.\n");
	fprintf(hf, "; Faults (ns per fault): zero-page read %.0f, anonymous write %.0f", zero_med,
		anon_med);
	if (file_med >= 0)
		fprintf(hf, ", file read %.0f (fault-around maps up to 16 pages a fault; the "
			"model maps one), file COW write %.0f", file_med, cow_med);
	fprintf(hf, ".\n");
	fprintf(hf, "; munmap of one untouched page %.0f ns", munmap1);
	fprintf(hf, ".\n; Each value: what was measured, the median of the repeats and their "
		"spread; 'not measured' says what was taken instead.\n");
	fprintf(hf, "\n[machine]\nname = host-%.40s\n", u.nodename[0] ? u.nodename : "unknown");
	fprintf(hf, "summary = calibrated host: %d sockets, %d cores, %d CPUs, Linux %.40s\n",
		t.npkgs, t.ncores, t.npkgs * cps * tpc, u.release);
	fclose(hf);
	rc = write_machine(outpath, &of, header, err, sizeof(err));
	free(header);
	outfile_free(&of);
	if (rc) {
		cli_error("calibrate", "%s", err);
		return 1;
	}
	if (cal.tty)
		fprintf(stderr, "\r%-70s\r", "");
	/* The summary. */
	printf("calibrate: %d CPUs, %d sockets x %d cores x %d threads, %d per LLC\n", t.n,
	       t.npkgs, cps, tpc, cpl);
	for (i = 0; i < cal.ne; i++) {
		const struct entry *e = &cal.e[i];

		if (!e->section || !strcmp(e->section, "machine"))
			continue;
		printf("  %-9s %-16s %10llu ns%s\n", e->section, e->key, e->value,
		       e->measured ? "" : "  (not measured)");
	}
	if (cal.nun) {
		printf("not measured:\n");
		for (i = 0; i < cal.nun; i++)
			printf("  %s\n", cal.unmeasured[i]);
	}
	printf("wrote %s: mmlocksim run pft -s SCHEME --machine %s\n", outpath, outpath);
	return 0;
}
