/*
 * Reliability: what a sweep or compare leaves behind when it is
 * killed or interrupted, results that do not depend on --jobs, a broken
 * plugin named as the culprit, and memory that stays bounded on hostile
 * input.  End to end, through test_bindir/mmlocksim.
 *
 * What "complete" means, checked after every kill: a run whose status is
 * COMPLETE has sim_ns > 0, events > 0, wall_s set, no error text, at
 * least one param, op_stat, lock_stat and counter row, and for every
 * op_stat row a latency histogram whose counts add up to its count.
 * store_run_finish() writes all of that and the status in one
 * transaction, so a kill at any point must leave either all of it or a
 * run that is not COMPLETE (RUNNING, INTERRUPTED).
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "lib/wallclock.h"
#include "tests/test.h"
#include "tests/scratch.h"

extern const struct test_case reliability_tests[];

/* The whole of a small file, NUL-terminated, in a static buffer. */
static const char *slurp(const char *p)
{
	static char buf[16384];
	FILE *f = fopen(p, "r");
	size_t n = f ? fread(buf, 1, sizeof(buf) - 1, f) : 0;

	buf[n] = 0;
	if (f)
		fclose(f);
	return buf;
}

static void sleep_s(double s)
{
	struct timespec ts = { (time_t)s, (long)((s - (double)(time_t)s) * 1e9) };

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

/* Start mmlocksim ARGS... (NULL-terminated) with stdout and stderr to files. */
static pid_t spawn(const char *out, const char *err, ...)
{
	char bin[300], *argv[32];
	va_list ap;
	int n = 1, fd;
	pid_t pid;

	snprintf(bin, sizeof(bin), "%s/mmlocksim", test_bindir);
	argv[0] = bin;
	va_start(ap, err);
	while (n < 31 && (argv[n] = va_arg(ap, char *)))
		n++;
	va_end(ap);
	argv[n] = NULL;
	fflush(NULL);
	pid = fork();
	if (pid == 0) {
		fd = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		dup2(fd, 1);
		close(fd);
		fd = open(err, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		dup2(fd, 2);
		close(fd);
		alarm(120);	/* a hang dies */
		execv(bin, argv);
		_exit(127);
	}
	return pid;
}

/* Exit status of pid, 128 + signal if it was killed. */
static int reap(pid_t pid)
{
	int st;

	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

/* One integer of a query on db (opened read-write: a killed writer's WAL is recovered). */
static long long qi(const char *db, const char *sql)
{
	sqlite3 *h;
	sqlite3_stmt *st;
	long long v = -1;

	if (sqlite3_open_v2(db, &h, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK) {
		sqlite3_close(h);
		return -2;
	}
	sqlite3_busy_timeout(h, 10000);
	if (sqlite3_prepare_v2(h, sql, -1, &st, NULL) == SQLITE_OK) {
		if (sqlite3_step(st) == SQLITE_ROW)
			v = sqlite3_column_int64(st, 0);
		sqlite3_finalize(st);
	}
	sqlite3_close(h);
	return v;	/* -1 also before the sweep has made its schema */
}

/* One text of a query, in a static buffer. */
static const char *qs(const char *db, const char *sql)
{
	static char out[4096];
	sqlite3 *h;
	sqlite3_stmt *st;

	out[0] = 0;
	if (sqlite3_open_v2(db, &h, SQLITE_OPEN_READWRITE, NULL) == SQLITE_OK &&
	    sqlite3_prepare_v2(h, sql, -1, &st, NULL) == SQLITE_OK) {
		if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0))
			snprintf(out, sizeof(out), "%s", sqlite3_column_text(st, 0));
		sqlite3_finalize(st);
	}
	sqlite3_close(h);
	return out;
}

/* COMPLETE runs that lack part of their outcome (see the top of the file). */
#define NOT_COMPLETE_SQL \
	"SELECT count(*) FROM run r WHERE r.status = 'COMPLETE' AND NOT (" \
	"r.sim_ns > 0 AND r.events > 0 AND r.wall_s IS NOT NULL AND r.error IS NULL " \
	"AND EXISTS (SELECT 1 FROM param p WHERE p.run_id = r.run_id) " \
	"AND EXISTS (SELECT 1 FROM op_stat o WHERE o.run_id = r.run_id) " \
	"AND EXISTS (SELECT 1 FROM lock_stat l WHERE l.run_id = r.run_id) " \
	"AND EXISTS (SELECT 1 FROM counter c WHERE c.run_id = r.run_id) " \
	"AND NOT EXISTS (SELECT 1 FROM op_stat o WHERE o.run_id = r.run_id AND o.count != " \
	"  (SELECT coalesce(sum(h.count), 0) FROM lat_hist h WHERE h.run_id = o.run_id " \
	"   AND h.op = o.op)))"

#define KEY_SQL "r.scheme || '|' || r.source || '|' || r.machine || '|' || r.cpus || '|' || " \
	"r.threads || '|' || r.seed || '|' || r.args"

/* The database is sound and claims nothing it does not hold. */
static int consistent(const char *db)
{
	long long bad;

	CHECKF(!strcmp(qs(db, "PRAGMA integrity_check"), "ok"), "%s: integrity_check: %s", db,
	       qs(db, "PRAGMA integrity_check"));
	bad = qi(db, NOT_COMPLETE_SQL);
	CHECKF(bad == 0, "%s: %lld COMPLETE runs are not complete", db, bad);
	/* A key COMPLETE twice would count twice in every mean. */
	CHECK(qi(db, "SELECT count(*) - count(DISTINCT " KEY_SQL ") FROM run r "
		 "WHERE status = 'COMPLETE'") == 0);
	return 0;
}

/*
 * The COMPLETE runs of a and b are the same runs with the same results,
 * but for host time: matched by key, not run_id (an interrupted sweep
 * numbers its runs differently).
 */
static int same_complete(const char *a, const char *b)
{
	static const struct {
		const char *table, *cols;
	} t[] = {
		{ "run", "r.status, r.sim_ns, r.events, r.violations, r.version, r.error" },
		{ "param", "c.key, c.value" },
		{ "op_stat", "c.op, c.count, c.throughput_per_s, c.mean_ns, c.p50_ns, c.p99_ns, "
		  "c.p999_ns, c.max_ns" },
		{ "lock_stat", "c.lock, c.acquisitions, c.contended, c.wait_ns, c.hold_ns, "
		  "c.line_transfers" },
		{ "counter", "c.name, c.value" },
		{ "violation", "c.t_ns, c.task, c.kind, c.addr, c.detail" },
		{ "lat_hist", "c.op, c.lo_ns, c.hi_ns, c.count" },
	};
	sqlite3 *h;
	size_t i;

	CHECK(sqlite3_open_v2(a, &h, SQLITE_OPEN_READWRITE, NULL) == SQLITE_OK);
	{
		char *sql = sqlite3_mprintf("ATTACH %Q AS other", b);

		CHECK(sqlite3_exec(h, sql, NULL, NULL, NULL) == SQLITE_OK);
		sqlite3_free(sql);
	}
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		const char *from = i ? "%s.run r JOIN %s.%s c ON c.run_id = r.run_id" : "%s.run r";
		char fa[256], fb[256], *sql;
		sqlite3_stmt *st;
		int diff, rows;

		snprintf(fa, sizeof(fa), from, "main", "main", t[i].table);
		snprintf(fb, sizeof(fb), from, "other", "other", t[i].table);
		sql = sqlite3_mprintf("SELECT (SELECT count(*) FROM (SELECT " KEY_SQL ", %s FROM %s "
				      "WHERE r.status = 'COMPLETE' EXCEPT SELECT " KEY_SQL ", %s FROM %s "
				      "WHERE r.status = 'COMPLETE')) + (SELECT count(*) FROM (SELECT "
				      KEY_SQL ", %s FROM %s WHERE r.status = 'COMPLETE' EXCEPT SELECT "
				      KEY_SQL ", %s FROM %s WHERE r.status = 'COMPLETE')), (SELECT "
				      "count(*) FROM %s WHERE r.status = 'COMPLETE')",
				      t[i].cols, fa, t[i].cols, fb, t[i].cols, fb, t[i].cols, fa, fa);
		CHECKF(sqlite3_prepare_v2(h, sql, -1, &st, NULL) == SQLITE_OK, "%s",
		       sqlite3_errmsg(h));
		sqlite3_free(sql);
		CHECK(sqlite3_step(st) == SQLITE_ROW);
		diff = sqlite3_column_int(st, 0);
		rows = sqlite3_column_int(st, 1);
		sqlite3_finalize(st);
		printf("  %-10s %5d rows of COMPLETE runs, %d differ\n", t[i].table, rows, diff);
		CHECKF(diff == 0, "table %s differs", t[i].table);
	}
	sqlite3_close(h);
	return 0;
}

/* 2 schemes x 2 CPU counts x 6 seeds = 24 runs of some 30 ms each. */
static const char experiment[] =
	"[experiment]\n"
	"name = reliability\n"
	"sources = page_fault1\n"
	"schemes = global-rwsem, pervma-refcount\n"
	"cpus = 1, 4\n"
	"seeds = 6\n"
	"[source page_fault1]\n"
	"ops = 100000\n"
	"size = 1M\n";
#define RUNS 24

/*
 * For SIGINT and SIGTERM: 4 runs of some 0.4 s each, so that the run seen
 * in flight is still in flight when the signal lands, however loaded the
 * machine (with runs of 30 ms a busy host let it finish first).
 */
static const char slow_experiment[] =
	"[experiment]\n"
	"name = reliability-signals\n"
	"sources = page_fault1\n"
	"schemes = global-rwsem, pervma-refcount\n"
	"cpus = 1, 4\n"
	"seeds = 1\n"
	"[source page_fault1]\n"
	"ops = 600000\n"
	"size = 1M\n";
#define SLOW_RUNS 4

/* Host seconds the uninterrupted sweep took. */
static double ref_wall;

/* The reference: an experiment of `runs` runs, run without interruption. */
static int reference(const char *ini, int runs)
{
	double t0 = wall_seconds();

	unlink(scratch_path("ref.db"));
	CHECK(write_file(scratch_path("exp.ini"), ini) == 0);
	CHECK(reap(spawn(scratch_path("ref.out"), scratch_path("ref.err"), "sweep", scratch_path("exp.ini"), "--db",
			 scratch_path("ref.db"), "--jobs", "2", NULL)) == 0);
	ref_wall = wall_seconds() - t0;
	CHECK(qi(scratch_path("ref.db"), "SELECT count(*) FROM run WHERE status = 'COMPLETE'") == runs);
	return consistent(scratch_path("ref.db"));
}

/* Our descendants orphaned by a killed sweep come to us: they must all end. */
static int no_orphans_left(double timeout)
{
	double t0 = wall_seconds();
	int st;
	pid_t p;

	for (;;) {
		p = waitpid(-1, &st, WNOHANG);
		if (p < 0 && errno == ECHILD)
			return 0;
		if (p == 0 && wall_seconds() - t0 > timeout)
			return -1;
		if (p == 0)
			sleep_s(0.01);
	}
}

static int test_sigkill_loop(void)
{
	const char *old_tmpdir = getenv("TMPDIR");
	char *saved = old_tmpdir ? strdup(old_tmpdir) : NULL, tmpdir[512], names[256];
	unsigned seed = 20240611;
	double t0 = wall_seconds();
	int i, killed = 0, finished = 0, rc;
	long long done;

	/* The runs' temporary files go here, to be counted after the kills. */
	snprintf(tmpdir, sizeof(tmpdir), "%s", scratch_path("tmp"));
	CHECK(mkdir(tmpdir, 0700) == 0 || errno == EEXIST);
	setenv("TMPDIR", tmpdir, 1);
	/* Orphaned runs of a killed sweep are reparented to this process. */
	CHECK(prctl(PR_SET_CHILD_SUBREAPER, 1) == 0);
	CHECK(reference(experiment, RUNS) == 0);
	for (i = 0; i < 15; i++) {
		/*
		 * A random part, 10% to 50%, of the time the runs still to do
		 * (and start-up, as much as a run) take (measured, so as fitting under ASan as optimized): a
		 * kill lands in every phase of the sweep and of its runs, the
		 * commits included, and most kills still find work to cut.
		 */
		long long todo = RUNS - (access(scratch_path("k.db"), F_OK) ? 0 :
					 qi(scratch_path("k.db"), "SELECT count(*) FROM run "
					    "WHERE status = 'COMPLETE'"));
		double delay = 0.02 + ref_wall * (double)(todo + 1) / RUNS *
			       (0.1 + 0.4 * (double)(rand_r(&seed) % 1000) / 1000.0);
		pid_t pid = spawn(scratch_path("k.out"), scratch_path("k.err"), "sweep", scratch_path("exp.ini"), "--db",
				  scratch_path("k.db"), "--jobs", "2", NULL);

		CHECK(pid > 0);
		sleep_s(delay);
		if (kill(pid, SIGKILL) == 0)
			killed++;
		rc = reap(pid);
		finished += rc == 0;
		CHECKF(rc == 0 || rc == 128 + SIGKILL, "sweep exited %d: %s", rc, slurp(scratch_path("k.err")));
		/* Its runs die with it (PR_SET_PDEATHSIG): none runs on unobserved. */
		CHECKF(no_orphans_left(10) == 0, "runs of the killed sweep still running");
		if (access(scratch_path("k.db"), F_OK) != 0)
			continue;	/* killed before it made the database */
		CHECK(consistent(scratch_path("k.db")) == 0);
		done = qi(scratch_path("k.db"), "SELECT count(*) FROM run WHERE status = 'COMPLETE'");
		printf("kill %2d after %3.0f ms: %2lld of %d runs COMPLETE, %lld RUNNING left by "
		       "the kill\n", i + 1, delay * 1e3, done, RUNS,
		       qi(scratch_path("k.db"), "SELECT count(*) FROM run WHERE status = 'RUNNING'"));
	}
	/* The resume runs only what is not complete, and completes everything. */
	CHECK(reap(spawn(scratch_path("k.out"), scratch_path("k.err"), "sweep", scratch_path("exp.ini"), "--db",
			 scratch_path("k.db"), "--jobs", "2", NULL)) == 0);
	printf("resume: %s", slurp(scratch_path("k.out")));
	CHECK(consistent(scratch_path("k.db")) == 0);
	CHECK(qi(scratch_path("k.db"), "SELECT count(DISTINCT " KEY_SQL ") FROM run r "
		 "WHERE status = 'COMPLETE'") == RUNS);
	CHECK(same_complete(scratch_path("k.db"), scratch_path("ref.db")) == 0);
	printf("%d kills (%d sweeps had finished first; the sweep alone takes %.2f s), %.1f s\n",
	       killed, finished, ref_wall, wall_seconds() - t0);
	/* Runs killed mid-way left no generated trace (nor anything else) behind. */
	dir_names(tmpdir, names, sizeof(names));
	CHECKF(dir_entries(tmpdir) == 0, "%s: %d files left by the killed runs: %s", tmpdir,
	       dir_entries(tmpdir), names);
	if (saved)
		setenv("TMPDIR", saved, 1);
	else
		unsetenv("TMPDIR");
	free(saved);
	return 0;
}

/* SIG in the middle of a sweep: INTERRUPTED marks, 128 + SIG, then a resume. */
static int interrupt_sweep(int sig)
{
	long long started_before = -1;	/* the last run started before any was COMPLETE */
	char db[64];
	double t0;
	pid_t pid;
	int rc;

	CHECK(prctl(PR_SET_CHILD_SUBREAPER, 1) == 0);
	CHECK(reference(slow_experiment, SLOW_RUNS) == 0);
	snprintf(db, sizeof(db), "sig%d.db", sig);
	pid = spawn(scratch_path("s.out"), scratch_path("s.err"), "sweep", scratch_path("exp.ini"), "--db", scratch_path(db),
		    "--jobs", "2", NULL);
	CHECK(pid > 0);
	/*
	 * Once some run is COMPLETE the sweep is well under way; signal it
	 * while a run is in flight, not in the gap between one run ending and
	 * the next starting, where there is nothing to mark.  A run still
	 * RUNNING in the database may be ending that moment (its result read
	 * as the signal comes, with its sibling's): wait for one that started
	 * after the last look before any run was COMPLETE, which has its
	 * whole length to go.
	 */
	for (t0 = wall_seconds(); wall_seconds() - t0 < 30; sleep_s(0.005)) {
		char fresh[128];

		if (access(scratch_path(db), F_OK) != 0)
			continue;
		if (qi(scratch_path(db), "SELECT count(*) FROM run WHERE status = 'COMPLETE'") <= 0) {
			started_before = qi(scratch_path(db), "SELECT max(run_id) FROM run");
			continue;
		}
		snprintf(fresh, sizeof(fresh),
			 "SELECT count(*) FROM run WHERE status = 'RUNNING' AND run_id > %lld",
			 started_before);
		if (qi(scratch_path(db), fresh) > 0)
			break;
	}
	CHECK(kill(pid, sig) == 0);
	rc = reap(pid);
	printf("%s: exit %d; %s", strsignal(sig), rc, slurp(scratch_path("s.err")));
	CHECKF(rc == 128 + sig, "exit status %d, expected %d", rc, 128 + sig);
	CHECK(strstr(slurp(scratch_path("s.err")), "interrupted"));
	/* The pool killed and reaped its runs before it exited. */
	CHECK(no_orphans_left(0) == 0);
	CHECK(consistent(scratch_path(db)) == 0);
	printf("  %s\n", qs(scratch_path(db), "SELECT group_concat(status || ' ' || n, ', ') FROM "
			    "(SELECT status, count(*) AS n FROM run GROUP BY status)"));
	CHECK(qi(scratch_path(db), "SELECT count(*) FROM run WHERE status = 'INTERRUPTED'") >= 1);
	CHECK(qi(scratch_path(db), "SELECT count(*) FROM run WHERE status = 'INTERRUPTED' AND "
		 "error LIKE '%interrupted%'") ==
	      qi(scratch_path(db), "SELECT count(*) FROM run WHERE status = 'INTERRUPTED'"));
	CHECK(qi(scratch_path(db), "SELECT count(*) FROM run WHERE status NOT IN ('COMPLETE', "
		 "'INTERRUPTED')") == 0);
	CHECK(qi(scratch_path(db), "SELECT count(*) FROM run WHERE status = 'COMPLETE'") < SLOW_RUNS);
	/* Resume: only the runs not COMPLETE, then the same results as uninterrupted. */
	CHECK(reap(spawn(scratch_path("s.out"), scratch_path("s.err"), "sweep", scratch_path("exp.ini"), "--db",
			 scratch_path(db), "--jobs", "2", NULL)) == 0);
	printf("  resume: %s", slurp(scratch_path("s.out")));
	CHECK(qi(scratch_path(db), "SELECT count(DISTINCT " KEY_SQL ") FROM run r "
		 "WHERE status = 'COMPLETE'") == SLOW_RUNS);
	return same_complete(scratch_path(db), scratch_path("ref.db"));
}

static int test_sigint(void)
{
	return interrupt_sweep(SIGINT);
}

static int test_sigterm(void)
{
	return interrupt_sweep(SIGTERM);
}

/*
 * SIG in the middle of `run --db` (a run of seconds, signalled a moment
 * after its RUNNING row appears): the run is marked INTERRUPTED, saying
 * why, and the exit status is 128 + SIG.  With --plugin the run is a
 * child; a signal sent to the parent alone reaches it too.
 */
static int interrupt_run(int sig, const char *plugin)
{
	char db[64], so[512];
	double t0;
	pid_t pid;
	int rc;

	snprintf(db, sizeof(db), "run%d%s.db", sig, plugin ? "p" : "");
	snprintf(so, sizeof(so), "%s/schemes/examples/mmap_trylock.so", test_bindir);
	if (plugin)
		pid = spawn(scratch_path("r.out"), scratch_path("r.err"), "run", "pft", "--plugin", so,
			    "--cpus", "16", "--threads", "64", "-p", "size=64M", "-p",
			    "think_scale=0", "--db", scratch_path(db), NULL);
	else
		pid = spawn(scratch_path("r.out"), scratch_path("r.err"), "run", "pft", "-s",
			    "global-rwsem", "--cpus", "16", "--threads", "64", "-p", "size=64M", "-p",
			    "think_scale=0", "--db", scratch_path(db), NULL);
	CHECK(pid > 0);
	for (t0 = wall_seconds(); wall_seconds() - t0 < 30; sleep_s(0.005))
		if (access(scratch_path(db), F_OK) == 0 &&
		    qi(scratch_path(db), "SELECT count(*) FROM run WHERE status = 'RUNNING'") == 1)
			break;
	sleep_s(0.3);		/* into the simulation (the whole run takes seconds) */
	CHECK(kill(pid, sig) == 0);
	rc = reap(pid);
	printf("  %s%s: exit %d; %s  %s\n", strsignal(sig), plugin ? " (plugin)" : "", rc,
	       slurp(scratch_path("r.err")),
	       qs(scratch_path(db), "SELECT status || ': ' || coalesce(error, '') FROM run"));
	CHECK(qi(scratch_path(db), "SELECT count(*) FROM run") == 1);
	CHECK(qi(scratch_path(db), "SELECT count(*) FROM run WHERE status = 'INTERRUPTED' AND "
		 "error LIKE 'interrupted by signal%'") == 1);
	CHECKF(rc == 128 + sig, "exit status %d, expected %d", rc, 128 + sig);
	CHECK(strstr(slurp(scratch_path("r.err")), "interrupted by signal"));
	CHECK(consistent(scratch_path(db)) == 0);
	if (!plugin)
		CHECK(strstr(slurp(scratch_path("r.out")), "status: INTERRUPTED"));
	return 0;
}

static int test_run_signals(void)
{
	CHECK(interrupt_run(SIGINT, NULL) == 0);
	CHECK(interrupt_run(SIGTERM, NULL) == 0);
	CHECK(interrupt_run(SIGTERM, "plugin") == 0);
	return 0;
}

/* compare: --jobs 1 and --jobs 3 give the same database but for host time. */
static int test_compare_jobs(void)
{
	CHECK(reap(spawn(scratch_path("c1.out"), scratch_path("c1.err"), "compare", "page_fault1", "-p",
			 "ops=20000", "-p", "size=1M", "-s", "global-rwsem,pervma-refcount,spf-srcu",
			 "--cpus", "1,4,16", "--seeds", "2", "--jobs", "1", "--db", scratch_path("c1.db"),
			 NULL)) == 0);
	CHECK(reap(spawn(scratch_path("c3.out"), scratch_path("c3.err"), "compare", "page_fault1", "-p",
			 "ops=20000", "-p", "size=1M", "-s", "global-rwsem,pervma-refcount,spf-srcu",
			 "--cpus", "1,4,16", "--seeds", "2", "--jobs", "3", "--db", scratch_path("c3.db"),
			 NULL)) == 0);
	CHECK(qi(scratch_path("c1.db"), "SELECT count(*) FROM run WHERE status = 'COMPLETE'") == 18);
	CHECK(consistent(scratch_path("c1.db")) == 0 && consistent(scratch_path("c3.db")) == 0);
	/* Runs start in job order: the run ids agree too. */
	CHECK(!strcmp(qs(scratch_path("c1.db"), "SELECT group_concat(run_id || scheme || cpus || seed) "
			 "FROM run"), qs(scratch_path("c3.db"), "SELECT group_concat(run_id || scheme || "
					 "cpus || seed) FROM run")));
	return same_complete(scratch_path("c1.db"), scratch_path("c3.db"));
}

/*
 * Two threads that think GAP seconds between their calls, replayed on one
 * CPU: they share it in time slices the whole while.  The events the run
 * took, or -1.
 */
static long long idle_gap_events(const char *gap)
{
	char text[1024], db[300];
	const char *in = scratch_path("gap.strace");

	snprintf(text, sizeof(text),
		 "7  1.000000 mmap(NULL, 8192, PROT_READ, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0) = 0x7f0000000000\n"
		 "8  1.000001 mmap(NULL, 8192, PROT_READ, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0) = 0x7f0000100000\n"
		 "7  %s.000000 munmap(0x7f0000000000, 8192) = 0\n"
		 "8  %s.000001 munmap(0x7f0000100000, 8192) = 0\n", gap, gap);
	snprintf(db, sizeof(db), "%s", scratch_path("gap.db"));
	unlink(db);
	if (write_file(in, text) < 0 ||
	    reap(spawn(scratch_path("g.out"), scratch_path("g.err"), "run", in, "-s", "rcu-fault",
		       "--cpus", "1", "--db", db, NULL)) != 0) {
		fprintf(stderr, "gap %s: %s", gap, slurp(scratch_path("g.err")));
		return -1;
	}
	return qi(db, "SELECT events FROM run WHERE status = 'COMPLETE'");
}

/* Hours, or a century, of think time replay in the events of seconds. */
static int test_idle_gap(void)
{
	long long small = idle_gap_events("10"), hours = idle_gap_events("10000"),
		  century = idle_gap_events("4000000000");

	printf("events: gap 10 s %lld, 1e4 s %lld, 4e9 s %lld\n", small, hours, century);
	CHECK(small > 0 && small < 1000);
	CHECK(hours == small && century == small);
	return 0;
}

/* The one line of a refusal (exit 2) holds want. */
static int refused(int rc, const char *errfile, const char *want)
{
	const char *e = slurp(errfile);
	const char *nl = strchr(e, '\n');

	CHECKF(rc == 2, "exit %d, expected 2: %s", rc, e);
	CHECKF(nl && !nl[1], "expected one line: %s", e);
	CHECKF(strstr(e, want), "expected '%s' in: %s", want, e);
	return 0;
}

static int test_plugin_compare(void)
{
	char crash[300], badver[300];
	const char *e, *o;

	snprintf(crash, sizeof(crash), "%s/tests/plugin_crash.so", test_bindir);
	snprintf(badver, sizeof(badver), "%s/tests/plugin_bad_version.so", test_bindir);
	CHECK(reap(spawn(scratch_path("p.out"), scratch_path("p.err"), "compare", "pft", "-p", "size=1M",
			 "--cpus", "1,2", "--seeds", "1", "--plugin", crash, "-s",
			 "global-rwsem,crashing-plugin", "--db", scratch_path("p.db"), NULL)) == 1);
	e = slurp(scratch_path("p.err"));
	printf("%s", e);
	CHECK(strstr(e, "plugin_crash.so") && strstr(e, "crashing-plugin"));
	o = slurp(scratch_path("p.out"));
	CHECK(strstr(o, "plugin_crash.so (scheme 'crashing-plugin') crashed"));
	CHECK(strstr(o, "crashing-plugin      not checked: no run finished"));
	CHECK(qi(scratch_path("p.db"), "SELECT count(*) FROM run WHERE scheme = 'crashing-plugin' AND "
		 "status = 'ERROR' AND error LIKE '%plugin_crash.so%crashed%'") == 2);
	CHECK(qi(scratch_path("p.db"), "SELECT count(*) FROM run WHERE scheme = 'global-rwsem' AND "
		 "status = 'COMPLETE'") == 2);
	CHECK(consistent(scratch_path("p.db")) == 0);
	/* A plugin of another API version: refused up front, naming it, no database. */
	CHECK(refused(reap(spawn(scratch_path("b.out"), scratch_path("b.err"), "compare", "pft", "--plugin",
				 badver, "--db", scratch_path("b.db"), NULL)), scratch_path("b.err"),
		      "plugin_bad_version.so") == 0);
	printf("%s", slurp(scratch_path("b.err")));
	CHECK(access(scratch_path("b.db"), F_OK) != 0);
	return 0;
}

static int test_plugin_sweep(void)
{
	char ini[1024], crash[300], badver[300];
	const char *e;

	snprintf(crash, sizeof(crash), "%s/tests/plugin_crash.so", test_bindir);
	snprintf(badver, sizeof(badver), "%s/tests/plugin_bad_version.so", test_bindir);
	/* The plugin after the schemes naming it: its key is read first anyway. */
	snprintf(ini, sizeof(ini), "[experiment]\nsources = pft\nschemes = global-rwsem, "
		 "crashing-plugin\ncpus = 1, 2\nplugin = %s\n[source pft]\nsize = 1M\n", crash);
	CHECK(write_file(scratch_path("p.ini"), ini) == 0);
	CHECK(reap(spawn(scratch_path("p.out"), scratch_path("p.err"), "sweep", scratch_path("p.ini"), "--db",
			 scratch_path("ps.db"), "--jobs", "2", NULL)) == 1);
	e = slurp(scratch_path("p.err"));
	printf("%s", e);
	CHECK(strstr(e, "plugin_crash.so (scheme 'crashing-plugin') crashed"));
	CHECK(qi(scratch_path("ps.db"), "SELECT count(*) FROM run WHERE scheme = 'crashing-plugin' AND "
		 "status = 'ERROR' AND error LIKE '%plugin_crash.so%crashed%'") == 2);
	CHECK(qi(scratch_path("ps.db"), "SELECT count(*) FROM run WHERE status = 'COMPLETE'") == 2);
	CHECK(consistent(scratch_path("ps.db")) == 0);
	/* mmlocksim report names it too. */
	CHECK(reap(spawn(scratch_path("r.out"), scratch_path("r.err"), "report", scratch_path("ps.db"), NULL)) == 0);
	CHECK(strstr(slurp(scratch_path("r.out")), "plugin_crash.so (scheme 'crashing-plugin') crashed"));
	/* Of another API version: refused at its line, naming it, no database. */
	snprintf(ini, sizeof(ini), "[experiment]\nsources = pft\ncpus = 1\nplugin = %s\n", badver);
	CHECK(write_file(scratch_path("b.ini"), ini) == 0);
	CHECK(refused(reap(spawn(scratch_path("b.out"), scratch_path("b.err"), "sweep", scratch_path("b.ini"), "--db",
				 scratch_path("bs.db"), NULL)), scratch_path("b.err"), "b.ini:4: expected a scheme "
		      "plugin") == 0);
	CHECK(strstr(slurp(scratch_path("b.err")), "plugin_bad_version.so"));
	printf("%s", slurp(scratch_path("b.err")));
	CHECK(access(scratch_path("bs.db"), F_OK) != 0);
	return 0;
}

/* Peak resident memory of pid, kB, or -1. */
static long vm_hwm(pid_t pid)
{
	char p[64], line[256];
	long kb = -1;
	FILE *f;

	snprintf(p, sizeof(p), "/proc/%d/status", (int)pid);
	f = fopen(p, "r");
	while (f && fgets(line, sizeof(line), f))
		if (!strncmp(line, "VmHWM:", 6))
			kb = atol(line + 6);
	if (f)
		fclose(f);
	return kb;
}

#ifdef __SANITIZE_ADDRESS__
#define ASAN 1		/* ASan reserves terabytes of shadow: no RLIMIT_AS */
#else
#define ASAN 0
#endif
#define LIMIT_MB 512

/* mmlocksim ARGS under a 512 MB address-space limit: its pid. */
static pid_t spawn_limited(const char *out, const char *err, char *const args[])
{
	char bin[300], *argv[32];
	pid_t pid;
	int i, fd;

	snprintf(bin, sizeof(bin), "%s/mmlocksim", test_bindir);
	argv[0] = bin;
	for (i = 0; args[i] && i < 30; i++)
		argv[i + 1] = args[i];
	argv[i + 1] = NULL;
	fflush(NULL);
	pid = fork();
	if (pid == 0) {
		struct rlimit rl = { (rlim_t)LIMIT_MB << 20, (rlim_t)LIMIT_MB << 20 };

		if (!ASAN)
			setrlimit(RLIMIT_AS, &rl);
		fd = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		dup2(fd, 1);
		close(fd);
		fd = open(err, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		dup2(fd, 2);
		close(fd);
		alarm(60);
		execv(bin, argv);
		_exit(127);
	}
	return pid;
}

static int test_memory_bounded(void)
{
	static char *const endless[][12] = {
		/* 10^11 ops: hours of simulation, generated and replayed as it goes. */
		{ "run", "page_fault1", "-s", "global-rwsem", "-p", "ops=100000000000", NULL },
		{ "run", "pft", "-s", "pervma-refcount", "-p", "iterations=0", "-p",
		  "ops=100000000000", "-p", "size=64M", NULL },
		{ "run", "mmap1", "-s", "spf-srcu", "-p", "ops=100000000000", NULL },
	};
	static char *const refused_args[][12] = {
		{ "run", "mmap1", "-s", "global-rwsem", "-p", "ops=-1", NULL },
		{ "run", "page_fault1", "-s", "global-rwsem", "--threads", "100000", NULL },
	};
	size_t i;
	FILE *f;
	int t, n = 0;

	for (i = 0; i < sizeof(endless) / sizeof(endless[0]); i++) {
		pid_t pid = spawn_limited(scratch_path("m.out"), scratch_path("m.err"), endless[i]);
		long first, last;
		int rc;

		CHECK(pid > 0);
		sleep_s(1.0);
		first = vm_hwm(pid);
		sleep_s(1.5);
		last = vm_hwm(pid);
		/* Still running (not dead of an allocation failure) and flat. */
		CHECKF(first > 0 && last > 0, "%s %s died: %s", endless[i][1], endless[i][5],
		       slurp(scratch_path("m.err")));
		kill(pid, SIGKILL);
		rc = reap(pid);
		CHECK(rc == 128 + SIGKILL);
		printf("%s %s %s: peak RSS %ld kB after 1 s, %ld kB after 2.5 s (limit %d MB%s)\n",
		       endless[i][0], endless[i][1], endless[i][5], first, last, LIMIT_MB,
		       ASAN ? ", not set under ASan" : "");
		CHECK(last < (ASAN ? 1024 : 128) * 1024);
		CHECK(last - first < 16 * 1024);
		n++;
	}
	for (i = 0; i < sizeof(refused_args) / sizeof(refused_args[0]); i++) {
		CHECK(refused(reap(spawn_limited(scratch_path("m.out"), scratch_path("m.err"), refused_args[i])),
			      scratch_path("m.err"), "expected") == 0);
		printf("%s", slurp(scratch_path("m.err")));
		n++;
	}
	/* A trace of 20000 thread ids, one fault each: a stack per task would not fit. */
	f = fopen(scratch_path("tids.perf.txt"), "w");
	CHECK(f);
	for (t = 1; t <= 20000; t++)
		fprintf(f, "   xz  1/%d  [000]   1.%06d: exceptions:page_fault_user: "
			"address=0x%x ip=0x1 error_code=0x6\n", t, t, 0x10000000 + t * 4096);
	CHECK(fclose(f) == 0);
	{
		char *args[] = { "run", (char *)scratch_path("tids.perf.txt"), "-s", "global-rwsem", NULL };

		/* Refused at import, at the line of the thread one too many. */
		CHECK(refused(reap(spawn_limited(scratch_path("m.out"), scratch_path("m.err"), args)),
			      scratch_path("m.err"), "tids.perf.txt:16385: expected at most 16384 threads") == 0);
		printf("%s", slurp(scratch_path("m.err")));
		n++;
	}
	printf("%d inputs under a %d MB limit\n", n, LIMIT_MB);
	return 0;
}

const struct test_case reliability_tests[] = {
	{ "reliability/sweep_sigkill_resume", test_sigkill_loop },
	{ "reliability/sweep_sigint", test_sigint },
	{ "reliability/sweep_sigterm", test_sigterm },
	{ "reliability/run_db_signals", test_run_signals },
	{ "reliability/compare_jobs_deterministic", test_compare_jobs },
	{ "reliability/idle_gap", test_idle_gap },
	{ "reliability/plugin_compare", test_plugin_compare },
	{ "reliability/plugin_sweep", test_plugin_sweep },
	{ "reliability/memory_bounded", test_memory_bounded },
	{ NULL, NULL },
};
