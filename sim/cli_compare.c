/*
 * `mmlocksim compare`: schemes x CPU counts x seeds, run in parallel, into
 * one database, then the report table and, with --plot, the plots.
 *
 * Each run is a forked child: run_simulation() in a fresh copy of the
 * process, so runs cannot disturb each other (the simulator has
 * process-wide state) and a crashing run is one ERROR row, not a lost
 * comparison.  The child sends its struct run_result back over a pipe and
 * the parent alone writes the database.  Shard databases per child would
 * also work, but then every child opens SQLite after fork and the parent
 * merges at the end; one writer is simpler, keeps results visible as runs
 * finish, and lets the parent record a run that died (RUNNING is written
 * before the fork, the outcome or ERROR after).
 */
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "analysis/plot.h"
#include "analysis/report.h"
#include "analysis/store.h"
#include "cli.h"
#include "machine.h"
#include "run.h"
#include "schemes/registry.h"
#include "traces/gen.h"

#define MAX_LIST 64
#define MAX_JOBS 256

static void usage(FILE *out)
{
	fprintf(out,
		"usage: mmlocksim compare TRACE|WORKLOAD [-s a,b,...] [--cpus 1,8,64] [--seeds K]\n"
		"                         [--jobs J] [--db OUT.db] [--plot DIR] [--machine M]\n"
		"                         [--threads N] [-p KEY=VAL]... [--plugin P.so]\n"
		"  -s LIST      schemes, comma separated; the first is the baseline (default: every\n"
		"               registered scheme meant for comparison; mmlocksim list schemes)\n"
		"  --cpus LIST  CPU counts (default 1,4,16,64, capped at the machine's CPUs)\n"
		"  --seeds K    runs per (scheme, CPU count), seeds 1..K (default 5)\n"
		"  --jobs J     runs at a time (default: the number of online CPUs)\n"
		"  --db OUT.db  keep the results in a new database (default: a temporary one)\n"
		"  --plot DIR   write scaling.png, latency_cdf.png, lock_wait.png into DIR\n"
		"  --machine M, --threads N, -p KEY=VAL, --plugin P.so: as for mmlocksim run\n"
		"Progress is shown on a terminal.  exit status: 0 every run COMPLETE, 1 some\n"
		"run FAILED or ERROR, 2 bad input, 130 interrupted (runs marked INTERRUPTED).\n");
}

/* ---- the run_result over a pipe --------------------------------------
 * The child and the parent are the same binary, so the structs go as raw
 * bytes: the struct, then each array it points to.  The parent checks the
 * lengths, so a child that dies half-way is detected, not misread. */

#define WIRE_MAGIC 0x4d4c5252u	/* "MLRR" */

static int put(FILE *f, const void *p, size_t n)
{
	return n && fwrite(p, 1, n, f) != n ? -1 : 0;
}

static int serialize(FILE *f, const struct run_result *r)
{
	uint32_t magic = WIRE_MAGIC;
	int i, rc;

	rc = put(f, &magic, sizeof(magic)) | put(f, r, sizeof(*r)) |
	     put(f, r->params, (size_t)r->nparams * sizeof(*r->params)) |
	     put(f, r->ops, (size_t)r->nops * sizeof(*r->ops));
	for (i = 0; i < r->nops; i++)
		rc |= put(f, r->ops[i].buckets, (size_t)r->ops[i].nbuckets * sizeof(struct lat_bucket));
	rc |= put(f, r->locks, (size_t)r->nlocks * sizeof(*r->locks)) |
	      put(f, r->counters, (size_t)r->ncounters * sizeof(*r->counters)) |
	      put(f, r->violations, (size_t)r->nviolations * sizeof(*r->violations));
	return rc;
}

struct reader {
	const char *buf;
	size_t len, pos;
};

/* A malloc'ed copy of the next n * size bytes; *ok = 0 if they are not there. */
static void *take(struct reader *rd, int n, size_t size, int *ok)
{
	size_t bytes;
	void *p;

	if (n < 0 || n > 1 << 24) {
		*ok = 0;
		return NULL;
	}
	bytes = (size_t)n * size;
	if (!*ok || bytes > rd->len - rd->pos) {
		*ok = 0;
		return NULL;
	}
	p = malloc(bytes ? bytes : 1);
	if (!p) {
		*ok = 0;
		return NULL;
	}
	memcpy(p, rd->buf + rd->pos, bytes);
	rd->pos += bytes;
	return p;
}

static int deserialize(const char *buf, size_t len, struct run_result *r)
{
	struct reader rd = { buf, len, 0 };
	uint32_t magic;
	int i, ok = 1;

	memset(r, 0, sizeof(*r));
	if (len < sizeof(magic) + sizeof(*r))
		return -1;
	memcpy(&magic, buf, sizeof(magic));
	if (magic != WIRE_MAGIC)
		return -1;
	memcpy(r, buf + sizeof(magic), sizeof(*r));
	rd.pos = sizeof(magic) + sizeof(*r);
	r->params = NULL;
	r->ops = NULL;
	r->locks = NULL;
	r->counters = NULL;
	r->violations = NULL;
	r->params = take(&rd, r->nparams, sizeof(*r->params), &ok);
	r->ops = take(&rd, r->nops, sizeof(*r->ops), &ok);
	if (!r->ops)
		r->nops = 0;	/* so that run_result_free() below is safe */
	for (i = 0; i < r->nops; i++)
		r->ops[i].buckets = NULL;
	for (i = 0; i < r->nops; i++)
		r->ops[i].buckets = take(&rd, r->ops[i].nbuckets, sizeof(struct lat_bucket), &ok);
	r->locks = take(&rd, r->nlocks, sizeof(*r->locks), &ok);
	r->counters = take(&rd, r->ncounters, sizeof(*r->counters), &ok);
	r->violations = take(&rd, r->nviolations, sizeof(*r->violations), &ok);
	if (!ok || rd.pos != len) {
		run_result_free(r);
		return -1;
	}
	r->status[sizeof(r->status) - 1] = 0;
	r->error[sizeof(r->error) - 1] = 0;
	return 0;
}

/* ---- the plan ---------------------------------------------------------- */

struct job {
	const char *scheme;
	int cpus;
	uint64_t seed;
};

struct slot {
	pid_t pid;
	int fd;
	int64_t run_id;
	const struct job *t;
	char *buf;
	size_t len, cap;
};

static volatile sig_atomic_t interrupted;

static void on_signal(int sig)
{
	interrupted = sig;
}

/* "a,b,c" into list (pointers into s, which is modified); count or -1. */
static int split(char *s, char **list, int max)
{
	int n = 0;
	char *tok, *save = NULL;

	for (tok = strtok_r(s, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		if (n == max)
			return -1;
		list[n++] = tok;
	}
	return n;
}

static int parse_long(const char *s, long min, long max, long *v)
{
	char *end;

	errno = 0;
	*v = strtol(s, &end, 10);
	return !*s || *end || errno || *v < min || *v > max ? -1 : 0;
}

static int cmp_int(const void *a, const void *b)
{
	return *(const int *)a - *(const int *)b;
}

/* The CPU count of --machine (preset or .ini), or -1 after a message. */
static int machine_cpus(const char *name)
{
	static struct machine custom;
	const struct machine *m;
	char err[1024];

	if (name && strchr(name, '.')) {
		if (machine_load_ini(name, &custom, err, sizeof(err))) {
			fprintf(stderr, "mmlocksim compare: %s\n", err);
			return -1;
		}
		return custom.ncpus;
	}
	m = machine_find(name ? name : "xeon-8176-2s", stderr);
	return m ? m->ncpus : -1;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void progress(int done, int total, int bad, double t0)
{
	double el = now_s() - t0, eta = done ? el / done * (total - done) : 0;

	fprintf(stderr, "\r\033[Kcompare: %d/%d runs%s%.0d%s, elapsed %d:%02d", done, total,
		bad ? ", " : "", bad, bad ? " not COMPLETE" : "", (int)el / 60, (int)el % 60);
	if (done)
		fprintf(stderr, ", ETA %d:%02d", (int)eta / 60, (int)eta % 60);
}

/* In the child: one run, its result down the pipe, never back to the caller. */
static void child(const struct run_spec *base, const struct job *t, int fd)
{
	struct run_spec spec = *base;
	struct run_result res;
	char err[1024];
	FILE *f;
	const char *crash = getenv("MMLOCKSIM_CRASH_SEED");

	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	/* Fault injection for the tests: the run of that seed dies as a crash would. */
	if (crash && strtoull(crash, NULL, 10) == t->seed)
		raise(SIGSEGV);
	spec.scheme = t->scheme;
	spec.cpus = t->cpus;
	spec.seed = t->seed;
	run_simulation(&spec, &res, err, sizeof(err));
	f = fdopen(fd, "w");
	if (!f || serialize(f, &res) < 0 || fclose(f) != 0)
		_exit(3);
	_exit(0);
}

/* A run without a result from its child: an ERROR row that says why. */
static void error_result(struct run_result *r, const struct slot *s, const char *source,
			 int status)
{
	memset(r, 0, sizeof(*r));
	snprintf(r->scheme, sizeof(r->scheme), "%s", s->t->scheme);
	snprintf(r->source, sizeof(r->source), "%s", source);
	snprintf(r->status, sizeof(r->status), RUN_ERROR);
	r->cpus = s->t->cpus;
	r->seed = s->t->seed;
	if (WIFSIGNALED(status))
		snprintf(r->error, sizeof(r->error), "the run's process was killed by signal %d (%s)",
			 WTERMSIG(status), strsignal(WTERMSIG(status)));
	else
		snprintf(r->error, sizeof(r->error), "the run's process exited with status %d "
			 "without a complete result", WIFEXITED(status) ? WEXITSTATUS(status) : -1);
}

struct tally {
	int done, failed, errors, complete;
	char first_error[300];
	/* What the finished runs resolved, for the runs that died before (ERROR). */
	char machine[RESULT_NAME_LEN];
	int threads;
	int64_t *error_ids;
};

/* The child of s has closed its pipe: reap it and store what it sent. */
static void finish_slot(struct store *db, struct slot *s, const char *source, struct tally *ty)
{
	struct run_result r;
	char err[1024];
	int status = 0;

	while (waitpid(s->pid, &status, 0) < 0 && errno == EINTR)
		;
	if (!(WIFEXITED(status) && WEXITSTATUS(status) == 0) ||
	    deserialize(s->buf, s->len, &r) < 0)
		error_result(&r, s, source, status);
	if (store_run_finish(db, s->run_id, &r, err, sizeof(err)) < 0) {
		fprintf(stderr, "\nmmlocksim compare: %s\n", err);
		store_run_mark(db, s->run_id, RUN_ERROR, err);
	}
	ty->done++;
	if (!ty->machine[0] && r.machine[0] && r.threads) {
		snprintf(ty->machine, sizeof(ty->machine), "%s", r.machine);
		ty->threads = r.threads;
	}
	if (!strcmp(r.status, RUN_COMPLETE)) {
		ty->complete++;
	} else if (!strcmp(r.status, RUN_FAILED)) {
		ty->failed++;
	} else {
		ty->error_ids[ty->errors++] = s->run_id;
		if (!ty->first_error[0])
			snprintf(ty->first_error, sizeof(ty->first_error), "%s", r.error);
	}
	run_result_free(&r);
	free(s->buf);
	memset(s, 0, sizeof(*s));
	s->fd = -1;
}

/* Fork the child of task t into slot s; -1 if it could not start. */
static int start_slot(struct store *db, struct slot *s, const struct run_spec *base,
		      const struct job *t, const char *args)
{
	struct store_key key = {
		.scheme = t->scheme, .source = base->trace,
		.machine = base->machine ? base->machine : "", .cpus = t->cpus,
		.threads = base->threads, .seed = t->seed, .args = args,
		.version = MMLOCKSIM_VERSION,
	};
	char err[1024];
	int p[2];

	s->run_id = store_run_begin(db, &key, err, sizeof(err));
	if (s->run_id < 0) {
		fprintf(stderr, "\nmmlocksim compare: %s\n", err);
		return -1;
	}
	if (pipe(p) < 0) {
		store_run_mark(db, s->run_id, RUN_ERROR, strerror(errno));
		return -1;
	}
	fflush(stdout);
	fflush(stderr);
	s->pid = fork();
	if (s->pid < 0) {
		store_run_mark(db, s->run_id, RUN_ERROR, strerror(errno));
		close(p[0]);
		close(p[1]);
		return -1;
	}
	if (s->pid == 0) {
		close(p[0]);
		child(base, t, p[1]);
	}
	close(p[1]);
	s->fd = p[0];
	s->t = t;
	s->len = 0;
	return 0;
}

/* Read what is there from s's pipe; 1 at end of file. */
static int drain(struct slot *s)
{
	ssize_t n;

	if (s->cap - s->len < 65536) {
		char *b = realloc(s->buf, s->cap = s->cap * 2 + 65536);

		if (!b) {
			s->len = 0;	/* cannot keep it: the run becomes an ERROR */
			return 1;
		}
		s->buf = b;
	}
	n = read(s->fd, s->buf + s->len, s->cap - s->len);
	if (n < 0)
		return errno == EINTR || errno == EAGAIN ? 0 : 1;
	if (n == 0)
		return 1;
	s->len += (size_t)n;
	return 0;
}

static int run_all(struct store *db, const struct run_spec *base, const struct job *tasks,
		   int ntasks, int jobs, const char *args, struct tally *ty)
{
	struct slot slots[MAX_JOBS];
	struct pollfd pfd[MAX_JOBS];
	int next = 0, running = 0, i, n, tty = isatty(2), stop = 0;
	double t0 = now_s(), last = 0;

	for (i = 0; i < jobs; i++) {
		memset(&slots[i], 0, sizeof(slots[i]));
		slots[i].fd = -1;
	}
	while (((next < ntasks && !stop) || running) && !interrupted) {
		for (i = 0; i < jobs && next < ntasks && !stop; i++) {
			if (slots[i].pid)
				continue;
			if (start_slot(db, &slots[i], base, &tasks[next], args) < 0) {
				stop = 1;	/* the database or the system is failing */
				break;
			}
			next++;
			running++;
		}
		for (i = n = 0; i < jobs; i++) {
			if (!slots[i].pid)
				continue;
			pfd[n].fd = slots[i].fd;
			pfd[n].events = POLLIN;
			pfd[n].revents = 0;
			n++;
		}
		if (tty && now_s() - last > 0.2) {
			progress(ty->done, ntasks, ty->failed + ty->errors, t0);
			last = now_s();
		}
		if (poll(pfd, (nfds_t)n, 1000) < 0)
			continue;	/* EINTR: the loop condition sees a signal */
		for (i = n = 0; i < jobs; i++) {
			if (!slots[i].pid)
				continue;
			if (pfd[n++].revents && drain(&slots[i])) {
				close(slots[i].fd);
				finish_slot(db, &slots[i], base->trace, ty);
				running--;
			}
		}
	}
	if (interrupted) {
		/* Stop the runs in flight; they are INTERRUPTED, never COMPLETE. */
		for (i = 0; i < jobs; i++) {
			if (!slots[i].pid)
				continue;
			kill(slots[i].pid, SIGTERM);
			close(slots[i].fd);
			while (waitpid(slots[i].pid, NULL, 0) < 0 && errno == EINTR)
				;
			store_run_mark(db, slots[i].run_id, RUN_INTERRUPTED,
				       "compare was interrupted by a signal");
			free(slots[i].buf);
		}
	}
	if (tty) {
		progress(ty->done, ntasks, ty->failed + ty->errors, t0);
		fputc('\n', stderr);
	}
	/* Runs that died early count with their siblings in the report. */
	for (i = 0; i < ty->errors && ty->machine[0]; i++)
		store_run_resolve(db, ty->error_ids[i], ty->machine, ty->threads);
	return stop ? -1 : 0;
}

/* ---- the command ------------------------------------------------------- */

static void remove_db(const char *path)
{
	char p[4200];

	unlink(path);
	snprintf(p, sizeof(p), "%s-wal", path);
	unlink(p);
	snprintf(p, sizeof(p), "%s-shm", path);
	unlink(p);
}

int cli_compare(int argc, char **argv)
{
	struct run_spec base = { 0 };
	const char *dbpath = NULL, *plotdir = NULL, *cpus_arg = NULL;
	char *scheme_list[MAX_LIST], *cpu_strs[MAX_LIST], *sarg = NULL, *carg = NULL;
	int cpus[MAX_LIST], nschemes = 0, ncpus = 0, nseeds = 5, jobs, i, j, k, m, ntasks;
	int ret = EXIT_BAD_INPUT, mcpus;
	char tmpdb[64] = "", err[1024], args[1024];
	struct job *tasks = NULL;
	struct store *db = NULL;
	struct tally ty = { 0 };
	struct sigaction sa, old_int, old_term;
	long v;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			usage(stdout);
			return 0;
		}
	}
	jobs = (int)sysconf(_SC_NPROCESSORS_ONLN);
	for (i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (a[0] != '-' || !a[1]) {
			if (base.trace) {
				fprintf(stderr, "mmlocksim compare: expected one trace, got '%s' too\n", a);
				goto out;
			}
			base.trace = a;
			continue;
		}
		if (i + 1 >= argc) {
			fprintf(stderr, "mmlocksim compare: %s needs a value (mmlocksim compare --help)\n", a);
			goto out;
		}
		if (!strcmp(a, "-s")) {
			free(sarg);
			sarg = strdup(argv[++i]);
		} else if (!strcmp(a, "--cpus")) {
			cpus_arg = argv[++i];
		} else if (!strcmp(a, "--seeds") || !strcmp(a, "--jobs") || !strcmp(a, "--threads")) {
			if (parse_long(argv[++i], 1, !strcmp(a, "--jobs") ? MAX_JOBS : 1 << 20, &v) < 0) {
				fprintf(stderr, "mmlocksim compare: %s: expected a positive number%s, got '%s'\n",
					a, !strcmp(a, "--jobs") ? " up to 256" : "", argv[i]);
				goto out;
			}
			if (a[2] == 's')
				nseeds = (int)v;
			else if (a[2] == 'j')
				jobs = (int)v;
			else
				base.threads = (int)v;
		} else if (!strcmp(a, "--db")) {
			dbpath = argv[++i];
		} else if (!strcmp(a, "--plot")) {
			plotdir = argv[++i];
		} else if (!strcmp(a, "--machine")) {
			base.machine = argv[++i];
		} else if (!strcmp(a, "--plugin")) {
			base.plugin = argv[++i];
		} else if (!strcmp(a, "-p")) {
			if (base.nparams == RUN_MAX_PARAMS) {
				fprintf(stderr, "mmlocksim compare: at most %d -p\n", RUN_MAX_PARAMS);
				goto out;
			}
			base.params[base.nparams++] = argv[++i];
		} else {
			fprintf(stderr, "mmlocksim compare: unknown option '%s'; expected -s, --cpus, "
				"--seeds, --jobs, --db, --plot, --machine, --threads, -p, --plugin\n", a);
			goto out;
		}
	}
	if (!base.trace) {
		fprintf(stderr, "mmlocksim compare: expected a trace or a workload (mmlocksim compare --help)\n");
		goto out;
	}
	if (!gen_is_workload(base.trace) && access(base.trace, R_OK) != 0) {
		fprintf(stderr, "mmlocksim compare: %s: %s, and not a workload name (mmlocksim list "
			"workloads)\n", base.trace, strerror(errno));
		goto out;
	}
	if (jobs < 1)
		jobs = 1;
	if (jobs > MAX_JOBS)
		jobs = MAX_JOBS;

	/* Schemes: checked here, once, rather than failing in every child. */
	schemes_init();
	if (base.plugin) {
		/* Registered in this process, so the children find it by name. */
		const struct scheme_ops *ops = scheme_load_plugin(base.plugin, err, sizeof(err));

		if (!ops) {
			fprintf(stderr, "mmlocksim compare: %s\n", err);
			goto out;
		}
		base.plugin = NULL;
	}
	if (sarg) {
		nschemes = split(sarg, scheme_list, MAX_LIST);
		if (nschemes <= 0) {
			fprintf(stderr, "mmlocksim compare: -s: expected scheme names, comma separated\n");
			goto out;
		}
	} else {
		for (i = 0; i < scheme_count() && nschemes < MAX_LIST; i++)
			if (scheme_in_default_compare(scheme_at(i)))
				scheme_list[nschemes++] = (char *)scheme_at(i)->name;
	}
	for (i = 0; i < nschemes; i++) {
		if (!scheme_find(scheme_list[i], stderr))
			goto out;
		for (j = 0; j < i; j++) {
			if (!strcmp(scheme_list[i], scheme_list[j])) {
				fprintf(stderr, "mmlocksim compare: -s: %s given twice\n", scheme_list[i]);
				goto out;
			}
		}
	}
	if (!nschemes) {
		fprintf(stderr, "mmlocksim compare: no schemes to compare (mmlocksim list schemes)\n");
		goto out;
	}

	/* CPU counts: the default is capped at the machine, an explicit list must fit. */
	mcpus = machine_cpus(base.machine);
	if (mcpus < 0)
		goto out;
	carg = strdup(cpus_arg ? cpus_arg : "1,4,16,64");
	k = carg ? split(carg, cpu_strs, MAX_LIST) : -1;
	if (k <= 0) {
		fprintf(stderr, "mmlocksim compare: --cpus: expected CPU counts, comma separated\n");
		goto out;
	}
	for (i = 0; i < k; i++) {
		if (parse_long(cpu_strs[i], 1, 1 << 20, &v) < 0) {
			fprintf(stderr, "mmlocksim compare: --cpus: expected positive numbers, got '%s'\n",
				cpu_strs[i]);
			goto out;
		}
		if (v > mcpus) {
			if (cpus_arg) {
				fprintf(stderr, "mmlocksim compare: --cpus %ld: the machine has %d CPUs\n",
					v, mcpus);
				goto out;
			}
			v = mcpus;
		}
		for (j = 0; j < ncpus && cpus[j] != v; j++)
			;
		if (j == ncpus)
			cpus[ncpus++] = (int)v;
	}
	qsort(cpus, (size_t)ncpus, sizeof(cpus[0]), cmp_int);

	/* CPU counts outermost, schemes innermost: partial results stay balanced. */
	ntasks = ncpus * nseeds * nschemes;
	tasks = calloc((size_t)ntasks, sizeof(*tasks));
	ty.error_ids = calloc((size_t)ntasks, sizeof(*ty.error_ids));
	if (!tasks || !ty.error_ids) {
		fprintf(stderr, "mmlocksim compare: out of memory\n");
		goto out;
	}
	for (i = k = 0; i < ncpus; i++)
		for (j = 0; j < nseeds; j++)
			for (m = 0; m < nschemes; m++, k++) {
				tasks[k].scheme = scheme_list[m];
				tasks[k].cpus = cpus[i];
				tasks[k].seed = (uint64_t)j + 1;
			}

	if (dbpath) {
		struct stat st;

		if (stat(dbpath, &st) == 0 && st.st_size > 0) {
			fprintf(stderr, "mmlocksim compare: %s exists; compare writes a new database "
				"(remove it, or combine databases with mmlocksim merge)\n", dbpath);
			goto out;
		}
	} else {
		int fd;

		snprintf(tmpdb, sizeof(tmpdb), "/tmp/mmlocksim-compare-XXXXXX");
		fd = mkstemp(tmpdb);
		if (fd < 0) {
			fprintf(stderr, "mmlocksim compare: cannot create a temporary database: %s\n",
				strerror(errno));
			tmpdb[0] = 0;
			goto out;
		}
		close(fd);
	}
	db = store_open(dbpath ? dbpath : tmpdb, 1, err, sizeof(err));
	if (!db) {
		fprintf(stderr, "mmlocksim compare: %s\n", err);
		goto out;
	}
	store_args(base.params, base.nparams, args, sizeof(args));
	printf("compare %s: %d scheme%s x %d CPU count%s x %d seed%s = %d runs, %d at a time\n",
	       base.trace, nschemes, nschemes > 1 ? "s" : "", ncpus, ncpus > 1 ? "s" : "",
	       nseeds, nseeds > 1 ? "s" : "", ntasks, jobs);
	fflush(stdout);

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;	/* no SA_RESTART: poll() must return */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, &old_int);
	sigaction(SIGTERM, &sa, &old_term);
	ret = run_all(db, &base, tasks, ntasks, jobs, args, &ty);
	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGTERM, &old_term, NULL);
	if (ret < 0) {
		ret = 1;
		goto out;
	}
	if (interrupted) {
		fprintf(stderr, "mmlocksim compare: interrupted: %d of %d runs done; the runs in "
			"flight are marked INTERRUPTED%s%s\n", ty.done, ntasks,
			dbpath ? " in " : "", dbpath ? dbpath : "");
		ret = 128 + interrupted;
		goto out;
	}
	if (ty.errors == ntasks) {
		fprintf(stderr, "mmlocksim compare: every run failed to start: %s\n", ty.first_error);
		ret = EXIT_BAD_INPUT;
		goto out;
	}
	printf("\n");
	if (report_print(store_db(db), scheme_list[0], stdout, err, sizeof(err)) < 0) {
		fprintf(stderr, "mmlocksim compare: %s\n", err);
		ret = 1;
		goto out;
	}
	ret = ty.failed || ty.errors ? 1 : 0;
	if (ty.errors)
		fprintf(stderr, "mmlocksim compare: %d runs could not run; first: %s\n", ty.errors,
			ty.first_error);
	store_close(db);	/* checkpoint, so the plots see everything */
	db = NULL;
	if (plotdir) {
		int rc = plot_all(dbpath ? dbpath : tmpdb, plotdir, err, sizeof(err));

		if (rc < 0) {
			fprintf(stderr, "mmlocksim compare: %s\n", err);
			ret = rc == PLOT_NO_TOOLS ? EXIT_BAD_INPUT : 1;
		} else {
			printf("\nplots:");
			for (i = 0; plot_names[i]; i++)
				printf(" %s/%s", plotdir, plot_names[i]);
			printf("\n");
		}
	}
	if (dbpath)
		printf("results: %s (mmlocksim report %s; README, Querying results)\n", dbpath, dbpath);
out:
	store_close(db);
	if (tmpdb[0])
		remove_db(tmpdb);
	free(tasks);
	free(ty.error_ids);
	free(sarg);
	free(carg);
	return ret;
}
