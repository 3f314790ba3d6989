/*
 * `mmlocksim validate [--only NAME] [--quick] [--jobs J]`: the published-figure suite.
 * Each figure is a measurement somebody published (source, machine,
 * workload and parameters) that the model reproduces from its own
 * mechanisms on the preset of that machine; the table prints the published
 * value beside the simulated one, the tolerance, and ok or MISS, and ends
 * with "K of N published figures hold".  The exit status is 0 only when
 * all hold.
 *
 * Tolerances: an absolute cost holds within +-35%; a relative change (in
 * percent, a ratio R counted as 100 (R - 1)) within max(10 points, half
 * the published change).  No figure's value enters the model: the
 * constants of the model come from the machine presets' cited
 * measurements, and a figure that misses is reported, not fitted.
 *
 * --quick runs each figure on a smaller problem (fewer iterations, smaller
 * regions) for the test suite; the full suite is the one to quote.
 *
 * --jobs J measures up to J figures at a time, each in a forked child (the
 * simulator has process-wide state, as in compare's run pool) that sends
 * its value back over a pipe; the table still prints in figure order and
 * reads the same as with one job, since every figure's runs use a fixed
 * seed.
 */
#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "analysis/result.h"
#include "sim/cli/cli.h"
#include "sim/cli/cliargs.h"
#include "sim/cli/climsg.h"
#include "sim/core/machine.h"
#include "sim/run/readcost.h"
#include "sim/run/run.h"

enum figure_kind {
	FIG_ABS_NS,	/* an absolute cost in ns */
	FIG_REL_PCT,	/* the change of B against A, in percent */
	FIG_RATIO,	/* B / A */
};

struct run_cfg {
	const char *workload, *scheme;
	int threads;
	const char *params[8];		/* NULL-terminated */
};

struct figure {
	const char *name;
	const char *source;
	const char *machine;
	const char *what;
	enum figure_kind kind;
	double published;
	/* FIG_ABS_NS: a read-side cost */
	enum read_side read_side;
	int cpus;
	/* FIG_REL_PCT, FIG_RATIO: B against A, fault throughput */
	struct run_cfg a, b;
	const char *why_not;		/* not reproducible here: why (row is skipped) */
};

#define PERFBOOK "perfbook rcuscale data (Xeon Platinum 8176 host)"
#define LESPINASSE "Lespinasse, SPF RFC 2021-04 (HP Z840)"
#define LKP "LKP on Dufour's SPF v9, 2018-05"
#define SUREN "Baghdasaryan, vm_refcnt v9 cover letter, 2025-01"
#define SUREN_VMLOCK "Baghdasaryan, vm_lock placement, 2024-08-09"
#define ZIJLSTRA "Zijlstra, SPF re-spin 2014, multi-fault"
#define DUFOUR "Dufour, SPF v11 cover letter, 2018-05"

#define READ(n, src, side, label, c, pub)					\
	{ .name = n, .source = src, .machine = "xeon-8176-2s",			\
	  .what = label " read lock+unlock, " #c " CPUs", .kind = FIG_ABS_NS,	\
	  .published = pub, .read_side = side, .cpus = c }

/* pft as mmtests runs it: threads faulting their slices of one region. */
#define PFT(s, t, ...) { "pft", s, t, { "shared=1", __VA_ARGS__ } }

/*
 * The baseline kernel of each SPF series: 3.18-rc1 (Zijlstra), 4.16 and
 * 4.17 (Dufour's v9 and v11) all zapped munmap's pages with mmap_lock
 * held for write, as kernels did before 4.20; Lespinasse's 5.12 downgrades.
 */
#define PRE_4_20 "munmap_downgrade=0"
/* Dufour's POWER8: ppc64 kernels are built with 64 KiB pages. */
#define PPC64 "page_size=64K"

static const struct figure figures[] = {
	READ("rcuscale-rwlock-1", PERFBOOK, READ_SIDE_RWLOCK, "rwlock", 1, 11.32),
	READ("rcuscale-rwlock-4", PERFBOOK, READ_SIDE_RWLOCK, "rwlock", 4, 68.88),
	READ("rcuscale-rwlock-16", PERFBOOK, READ_SIDE_RWLOCK, "rwlock", 16, 626.1),
	READ("rcuscale-rwlock-64", PERFBOOK, READ_SIDE_RWLOCK, "rwlock", 64, 2076.1),
	READ("rcuscale-rwsem-1", PERFBOOK, READ_SIDE_RWSEM, "rwsem", 1, 17.86),
	READ("rcuscale-rwsem-4", PERFBOOK, READ_SIDE_RWSEM, "rwsem", 4, 76.64),
	READ("rcuscale-rwsem-16", PERFBOOK, READ_SIDE_RWSEM, "rwsem", 16, 1343.9),
	READ("rcuscale-rwsem-64", PERFBOOK, READ_SIDE_RWSEM, "rwsem", 64, 4577.6),
	READ("rcuscale-srcu-1", PERFBOOK, READ_SIDE_SRCU, "SRCU", 1, 14.17),
	READ("rcuscale-srcu-4", PERFBOOK, READ_SIDE_SRCU, "SRCU", 4, 14.37),
	READ("rcuscale-srcu-16", PERFBOOK, READ_SIDE_SRCU, "SRCU", 16, 14.88),
	READ("rcuscale-srcu-64", PERFBOOK, READ_SIDE_SRCU, "SRCU", 64, 16.07),
	READ("rcuscale-rcu-1", PERFBOOK, READ_SIDE_RCU, "RCU", 1, 0.267),
	READ("rcuscale-rcu-64", PERFBOOK, READ_SIDE_RCU, "RCU", 64, 0.411),
	{ .name = "rcuscale-192", .source = PERFBOOK, .machine = "xeon-8176-2s",
	  .what = "every primitive at 192 CPUs", .why_not = "a 192-vCPU guest on a host of "
	  "112 hardware threads: the model has no overcommitted vCPUs" },
	{ .name = "spf-48-vs-1", .source = LESPINASSE, .machine = "xeon-e5-2690v3-2s",
	  .what = "pft, SPF: 48 threads against 1", .kind = FIG_RATIO, .published = 24,
	  .a = PFT("spf-srcu", 1, "variant=lespinasse"),
	  .b = PFT("spf-srcu", 48, "variant=lespinasse") },
	{ .name = "spf-vs-base-48", .source = LESPINASSE, .machine = "xeon-e5-2690v3-2s",
	  .what = "pft, 48 threads: SPF against the baseline kernel", .kind = FIG_RATIO,
	  .published = 3.7,
	  .a = PFT("global-rwsem", 48, NULL),
	  .b = PFT("spf-srcu", 48, "variant=lespinasse") },
	{ .name = "spf-vma-atomic-48", .source = LESPINASSE, .machine = "xeon-e5-2690v3-2s",
	  .what = "pft, 48 threads: one atomic per VMA added", .kind = FIG_REL_PCT,
	  .published = -62,
	  .a = PFT("spf-srcu", 48, "variant=lespinasse"),
	  .b = PFT("spf-srcu", 48, "variant=lespinasse", "vma_atomic=1") },
	{ .name = "lkp-page_fault1", .source = LKP, .machine = "skl-4s-192",
	  .what = "will-it-scale page_fault1, threads, 100%", .kind = FIG_REL_PCT,
	  .published = 36.4,
	  .a = { "page_fault1", "global-rwsem", 192, { PRE_4_20 } },
	  .b = { "page_fault1", "spf-srcu", 192, { "variant=dufour-v11" } } },
	{ .name = "lkp-page_fault2", .source = LKP, .machine = "skl-4s-192",
	  .what = "will-it-scale page_fault2, threads, 100%", .kind = FIG_REL_PCT,
	  .published = -17.8,
	  .a = { "page_fault2", "global-rwsem", 192, { PRE_4_20 } },
	  .b = { "page_fault2", "spf-srcu", 192, { "variant=dufour-v11" } } },
	{ .name = "lkp-page_fault3", .source = LKP, .machine = "skl-4s-192",
	  .what = "will-it-scale page_fault3, threads, 100%", .kind = FIG_REL_PCT,
	  .published = -19.1,
	  .a = { "page_fault3", "global-rwsem", 192, { PRE_4_20 } },
	  .b = { "page_fault3", "spf-srcu", 192, { "variant=dufour-v11" } } },
	{ .name = "lkp-thp", .source = LKP, .machine = "skl-4s-192",
	  .what = "page_fault2/3 with THP", .why_not = "the model has no transparent huge pages" },
	{ .name = "vm_refcnt-1", .source = SUREN, .machine = "xeon-e5-2690v4-2s",
	  .what = "pft, 1 thread: vm_refcnt against the per-VMA rwsem", .kind = FIG_REL_PCT,
	  .published = -0.3,
	  .a = PFT("pervma-refcount", 1, "variant=rwsem"), .b = PFT("pervma-refcount", 1, NULL) },
	{ .name = "vm_refcnt-21", .source = SUREN, .machine = "xeon-e5-2690v4-2s",
	  .what = "pft, 21 threads: vm_refcnt against the per-VMA rwsem", .kind = FIG_REL_PCT,
	  .published = 14.8,
	  .a = PFT("pervma-refcount", 21, "variant=rwsem"), .b = PFT("pervma-refcount", 21, NULL) },
	{ .name = "vm_refcnt-56", .source = SUREN, .machine = "xeon-e5-2690v4-2s",
	  .what = "pft, 56 threads: vm_refcnt against the per-VMA rwsem", .kind = FIG_REL_PCT,
	  .published = 10.9,
	  .a = PFT("pervma-refcount", 56, "variant=rwsem"), .b = PFT("pervma-refcount", 56, NULL) },
	/*
	 * The kernel measured is Guzik's RFC: the rwsem cacheline-aligned at
	 * the end of a SLAB_HWCACHE_ALIGN'd VMA, on a line of its own
	 * (vm_lock=aligned), not among vm_start/vm_end/vm_flags as before 6.4
	 * (vm_lock=embedded).
	 */
	{ .name = "vm_lock-inside-12", .source = SUREN_VMLOCK, .machine = "xeon-e5-2690v4-2s",
	  .what = "pft, 12 threads: vm_lock inside the VMA against separate", .kind = FIG_REL_PCT,
	  .published = -15.6,
	  .a = PFT("pervma-refcount", 12, "variant=rwsem"),
	  .b = PFT("pervma-refcount", 12, "variant=rwsem", "vm_lock=aligned") },
	{ .name = "vm_lock-inside-56", .source = SUREN_VMLOCK, .machine = "xeon-e5-2690v4-2s",
	  .what = "pft, 56 threads: vm_lock inside the VMA against separate", .kind = FIG_REL_PCT,
	  .published = -9.2,
	  .a = PFT("pervma-refcount", 56, "variant=rwsem"),
	  .b = PFT("pervma-refcount", 56, "variant=rwsem", "vm_lock=aligned") },
	/* perf stat's page-faults over the 60 s run: 149.4M -> 236.4M, 105.8M -> 187.8M */
	{ .name = "multi-fault-20", .source = ZIJLSTRA, .machine = "ivb-ep-2x10x2",
	  .what = "multi-fault, 20 threads: SPF against the baseline", .kind = FIG_REL_PCT,
	  .published = 58,
	  .a = { "multi_fault", "global-rwsem", 20, { PRE_4_20 } },
	  .b = { "multi_fault", "spf-srcu", 20, { "variant=zijlstra" } } },
	{ .name = "multi-fault-60", .source = ZIJLSTRA, .machine = "ivb-ex-4x15x2",
	  .what = "multi-fault, 60 threads: SPF against the baseline", .kind = FIG_REL_PCT,
	  .published = 78,
	  .a = { "multi_fault", "global-rwsem", 60, { PRE_4_20 } },
	  .b = { "multi_fault", "spf-srcu", 60, { "variant=zijlstra" } } },
	{ .name = "ebizzy-power8", .source = DUFOUR, .machine = "power8-80",
	  .what = "ebizzy -mTt 80: SPF v11 against the baseline", .kind = FIG_REL_PCT,
	  .published = 84,
	  .a = { "ebizzy", "global-rwsem", 80, { PRE_4_20, "touch=1", "random_size=0", PPC64 } },
	  .b = { "ebizzy", "spf-srcu", 80, { "variant=dufour-v11", "touch=1", "random_size=0",
					     PPC64 } } },
};

#define NR_FIGURES ((int)(sizeof(figures) / sizeof(figures[0])))

/* Fault throughput of one configuration (think time off: the ops back to back). */
static int fault_throughput(const struct figure *f, const struct run_cfg *c, int quick,
			    double *tput, char *err, size_t errlen)
{
	struct run_spec spec = { .trace = c->workload, .scheme = c->scheme, .machine = f->machine,
				 .threads = c->threads, .cpus = c->threads, .seed = 1 };
	struct run_result r;
	int i;

	spec.params[spec.nparams++] = "think_scale=0";
	if (!strcmp(c->workload, "pft")) {
		spec.params[spec.nparams++] = quick ? "size=2M" : "size=16M";
		spec.params[spec.nparams++] = "iterations=1";
	} else {
		spec.params[spec.nparams++] = quick ? "ops=20000" : "ops=200000";
		/* Rounds of 64 pages, so that the quick run still has a few madvises. */
		if (quick && !strcmp(c->workload, "multi_fault"))
			spec.params[spec.nparams++] = "fault_length=256K";
	}
	for (i = 0; c->params[i]; i++)
		spec.params[spec.nparams++] = c->params[i];
	if (run_simulation(&spec, &r, err, errlen))
		return -1;
	/*
	 * pft reports each thread's faults over its own fault loop (faults per
	 * second per CPU, summed): with no think time that is threads / mean
	 * fault latency, leaving out the mmap and munmap around the loop.
	 * will-it-scale, ebizzy and multi-fault count over the whole timed run
	 * (multi-fault with perf stat): faults over the simulated time.
	 */
	*tput = 0;
	for (i = 0; i < r.nops; i++) {
		if (strcmp(r.ops[i].op, "fault"))
			continue;
		if (!strcmp(c->workload, "pft"))
			*tput = r.ops[i].mean_ns > 0 ? c->threads * 1e9 / r.ops[i].mean_ns : 0;
		else
			*tput = r.ops[i].throughput_per_s;
	}
	if (strcmp(r.status, RUN_COMPLETE)) {
		snprintf(err, errlen, "run %s: %s", r.status, r.error[0] ? r.error : "violations");
		run_result_free(&r);
		return -1;
	}
	run_result_free(&r);
	return 0;
}

/* The simulated value of f; -1 with a reason in err. */
static int measure(const struct figure *f, int quick, double *v, char *err, size_t errlen)
{
	const struct machine *m;
	double a, b;

	if (f->kind == FIG_ABS_NS) {
		m = machine_find(f->machine, NULL);
		if (!m) {
			snprintf(err, errlen, "no machine preset %s", f->machine);
			return -1;
		}
		*v = read_side_cost(m, f->read_side, f->cpus,
				    quick ? 200 : (f->cpus == 1 ? 20000 : 2000), 1, NULL);
		return 0;
	}
	if (fault_throughput(f, &f->a, quick, &a, err, errlen) ||
	    fault_throughput(f, &f->b, quick, &b, err, errlen))
		return -1;
	if (a <= 0) {
		snprintf(err, errlen, "no faults in the baseline run");
		return -1;
	}
	*v = f->kind == FIG_RATIO ? b / a : 100 * (b / a - 1);
	return 0;
}

/* A figure's measurement, as a child sends it back. */
struct measured {
	int rc;
	double v;
	char err[512];
};

/* A figure being measured in a child, or measured already (pid 0). */
struct pending {
	pid_t pid;
	int fd;
	struct measured m;
};

#define MAX_JOBS 64

static void measure_start(const struct figure *f, int quick, struct pending *p)
{
	int fds[2];

	p->pid = 0;
	if (pipe(fds) < 0) {
		p->m.rc = measure(f, quick, &p->m.v, p->m.err, sizeof(p->m.err));
		return;
	}
	fflush(stdout);
	fflush(stderr);
	p->pid = fork();
	if (p->pid == 0) {
		struct measured m = { 0 };
		size_t done = 0;
		ssize_t n;

		close(fds[0]);
		m.rc = measure(f, quick, &m.v, m.err, sizeof(m.err));
		while (done < sizeof(m) &&
		       ((n = write(fds[1], (char *)&m + done, sizeof(m) - done)) > 0 ||
			(n < 0 && errno == EINTR)))
			done += n > 0 ? (size_t)n : 0;
		_exit(0);
	}
	close(fds[1]);
	if (p->pid < 0) {
		close(fds[0]);
		p->pid = 0;
		p->m.rc = measure(f, quick, &p->m.v, p->m.err, sizeof(p->m.err));
		return;
	}
	p->fd = fds[0];
}

/* Wait for a figure's child: its measurement, or why there is none. */
static void measure_finish(struct pending *p)
{
	size_t done = 0;
	ssize_t n;
	int st;

	if (!p->pid)
		return;
	while (done < sizeof(p->m) &&
	       ((n = read(p->fd, (char *)&p->m + done, sizeof(p->m) - done)) > 0 ||
		(n < 0 && errno == EINTR)))
		done += n > 0 ? (size_t)n : 0;
	close(p->fd);
	while (waitpid(p->pid, &st, 0) < 0 && errno == EINTR)
		;
	p->pid = 0;
	if (done == sizeof(p->m))
		return;
	p->m.rc = -1;
	if (WIFSIGNALED(st))
		snprintf(p->m.err, sizeof(p->m.err),
			 "the measuring process was killed by signal %d (%s)", WTERMSIG(st),
			 strsignal(WTERMSIG(st)));
	else
		snprintf(p->m.err, sizeof(p->m.err),
			 "the measuring process exited with status %d before its result",
			 WIFEXITED(st) ? WEXITSTATUS(st) : -1);
}

static int holds(const struct figure *f, double v, double *tol)
{
	double p = f->kind == FIG_RATIO ? 100 * (f->published - 1) : f->published;
	double m = f->kind == FIG_RATIO ? 100 * (v - 1) : v;

	if (f->kind == FIG_ABS_NS) {
		*tol = 0.35 * f->published;
		return fabs(v - f->published) <= *tol;
	}
	*tol = fmax(10, fabs(p) / 2);
	return fabs(m - p) <= *tol;
}

static void print_value(char *buf, size_t len, enum figure_kind kind, double v)
{
	if (kind == FIG_ABS_NS)
		snprintf(buf, len, "%.2f ns", v);
	else if (kind == FIG_RATIO)
		snprintf(buf, len, "%.2fx", v);
	else
		snprintf(buf, len, "%+.1f%%", v);
}

static void usage(FILE *out)
{
	fprintf(out, "usage: mmlocksim validate [--only NAME] [--quick] [--jobs J] [--list]\n"
		"  Runs the published-figure suite: for each figure the source, machine,\n"
		"  workload, published value, simulated value, tolerance and ok or MISS;\n"
		"  exit status 0 only when every figure holds.  --jobs J measures J\n"
		"  figures at a time (default 1).\n");
}

/* Whether figure f is one this invocation measures. */
static int to_measure(const struct figure *f, const char *only, int list)
{
	return !list && !f->why_not && (!only || !strcmp(f->name, only));
}

int cli_validate(int argc, char **argv)
{
	const char *only = NULL;
	int quick = 0, list = 0, jobs = 1, npos, i, next = 0, held = 0, judged = 0, ran = 0;
	struct pending pending[NR_FIGURES];
	struct cli_opt o[] = {
		CLI_OPT_STRING("--only", &only),
		CLI_OPT_FLAG("--quick", &quick),
		CLI_OPT_FLAG("--list", &list),
		CLI_OPT_INT("--jobs", &jobs, 1, MAX_JOBS, "jobs"),
		CLI_OPT_END,
	};

	i = cli_parse("validate", argc, argv, o, NULL, 0, &npos, NULL);
	if (i > 0) {
		usage(stdout);
		return 0;
	}
	if (i < 0)
		return EXIT_BAD_INPUT;
	if (only) {
		for (i = 0; i < NR_FIGURES && strcmp(figures[i].name, only); i++)
			;
		if (i == NR_FIGURES) {
			cli_error("validate", "--only %s: no such figure (mmlocksim validate --list)",
				  only);
			return EXIT_BAD_INPUT;
		}
	}
	for (i = 0; i < NR_FIGURES; i++) {
		const struct figure *f = &figures[i];
		char pub[32], sim[32];
		struct measured *m = &pending[i].m;
		double tol;
		int ok;

		if (only && strcmp(f->name, only))
			continue;
		if (list) {
			printf("%-20s %s; %s; %s\n", f->name, f->source, f->machine, f->what);
			continue;
		}
		if (f->why_not) {
			printf("%-20s %-44s %-18s %s: not reproduced: %s\n", f->name, f->source,
			       f->machine, f->what, f->why_not);
			continue;
		}
		ran++;
		/* Keep `jobs` figures in flight: this one and those after it. */
		if (jobs == 1) {
			m->rc = measure(f, quick, &m->v, m->err, sizeof(m->err));
		} else {
			for (next = next > i ? next : i; next < NR_FIGURES && next < i + jobs; next++)
				if (to_measure(&figures[next], only, list))
					measure_start(&figures[next], quick, &pending[next]);
			measure_finish(&pending[i]);
		}
		print_value(pub, sizeof(pub), f->kind, f->published);
		if (m->rc) {
			printf("%-20s %-44s %-18s %s: published %s, not simulated: %s  MISS\n",
			       f->name, f->source, f->machine, f->what, pub, m->err);
			judged++;
			fflush(stdout);
			continue;
		}
		print_value(sim, sizeof(sim), f->kind, m->v);
		ok = holds(f, m->v, &tol);
		judged++;
		held += ok;
		printf("%-20s %-44s %-18s %s: published %s, simulated %s, tolerance +-%.*f%s  %s\n",
		       f->name, f->source, f->machine, f->what, pub, sim,
		       f->kind == FIG_ABS_NS ? 2 : 0, tol, f->kind == FIG_ABS_NS ? " ns" : " points",
		       ok ? "ok" : "MISS");
		fflush(stdout);
	}
	if (list)
		return 0;
	printf("%d of %d published figures hold%s\n", held, judged,
	       ran < judged ? "" : quick ? " (--quick: smaller problems)" : "");
	return held == judged ? 0 : 1;
}
