/*
 * Sweeps: the experiment file, --jobs not changing any result, resume
 * after crashed and interrupted runs, --shard slices and their merge, the
 * Slurm job array on a one-node cluster started here, and the Universal
 * Scalability Law fit recovering known parameters.
 */
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tests/test.h"
#include "tests/scratch.h"
#include "analysis/store.h"
#include "analysis/usl.h"

extern const struct test_case sweep_tests[];

/* Run a shell command made from fmt; its exit status (-1 if it did not exit). */
static int shf(const char *fmt, ...)
{
	char cmd[4096];
	va_list ap;
	int st;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	st = system(cmd);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* The first line of a file, without its newline, in a static buffer. */
static const char *first_line(const char *p)
{
	static char line[2048];
	FILE *f = fopen(p, "r");

	line[0] = 0;
	if (f) {
		if (!fgets(line, sizeof(line), f))
			line[0] = 0;
		fclose(f);
	}
	line[strcspn(line, "\n")] = 0;
	return line;
}

/* One text value of a query, in a static buffer ("" for none or NULL). */
static const char *q(const char *db, const char *sql)
{
	static char out[4096];
	struct store *s;
	sqlite3_stmt *st;
	char err[512];

	out[0] = 0;
	s = store_open(db, 0, err, sizeof(err));
	if (!s) {
		snprintf(out, sizeof(out), "(%s)", err);
		return out;
	}
	if (sqlite3_prepare_v2(store_db(s), sql, -1, &st, NULL) != SQLITE_OK) {
		snprintf(out, sizeof(out), "(%s)", sqlite3_errmsg(store_db(s)));
	} else {
		if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0))
			snprintf(out, sizeof(out), "%s", sqlite3_column_text(st, 0));
		sqlite3_finalize(st);
	}
	store_close(s);
	return out;
}

/* 2 sources x 2 CPU counts x 2 seeds x (1 + 2 variants) = 24 short runs. */
static const char experiment[] =
	"; a small sweep for the tests\n"
	"[experiment]\n"
	"name = test-sweep\n"
	"sources = pft\n"
	"workloads = page_fault1\n"
	"schemes = global-rwsem, pervma-refcount\n"
	"machines = xeon-8176-2s\n"
	"cpus = 1, 4\n"
	"seeds = 2\n"
	"\n"
	"[source pft]\n"
	"size = 1M\n"
	"[source page_fault1]\n"
	"ops = 2000\n"
	"size = 1M\n"
	"[scheme pervma-refcount]\n"
	"variant = refcnt, rwsem\n";
#define EXPERIMENT_RUNS 24

/* The key of every run, as one sortable text per run. */
#define KEY_SQL "scheme || '|' || source || '|' || machine || '|' || cpus || '|' || " \
	"threads || '|' || seed || '|' || args"

/* The experiment file. */
static int setup(void)
{
	CHECK(write_file(scratch_path("exp.ini"), experiment) == 0);
	return 0;
}

/*
 * Every table of a and b holds the same rows, but for the host's wall
 * time and start time: per table, the rows of either side missing from
 * the other.
 */
static int same_results(const char *a, const char *b)
{
	static const char *const tables[] = {
		"run", "param", "op_stat", "lock_stat", "counter", "violation", "lat_hist", NULL,
	};
	static const char run_cols[] = "run_id, scheme, source, machine, cpus, threads, seed, "
		"args, status, sim_ns, events, violations, version, error";
	struct store *s;
	sqlite3_stmt *st;
	char err[512], *sql;
	int i, diff, rows;

	s = store_open(a, 0, err, sizeof(err));
	CHECKF(s, "%s", err);
	sql = sqlite3_mprintf("ATTACH %Q AS other", b);
	CHECK(sqlite3_exec(store_db(s), sql, NULL, NULL, NULL) == SQLITE_OK);
	sqlite3_free(sql);
	for (i = 0; tables[i]; i++) {
		const char *t = tables[i], *c = i ? "*" : run_cols;

		sql = sqlite3_mprintf("SELECT (SELECT count(*) FROM (SELECT %s FROM main.%s EXCEPT "
				      "SELECT %s FROM other.%s)) + (SELECT count(*) FROM (SELECT %s "
				      "FROM other.%s EXCEPT SELECT %s FROM main.%s)), (SELECT "
				      "count(*) FROM main.%s)", c, t, c, t, c, t, c, t, t);
		CHECKF(sqlite3_prepare_v2(store_db(s), sql, -1, &st, NULL) == SQLITE_OK, "%s",
		       sqlite3_errmsg(store_db(s)));
		sqlite3_free(sql);
		CHECK(sqlite3_step(st) == SQLITE_ROW);
		diff = sqlite3_column_int(st, 0);
		rows = sqlite3_column_int(st, 1);
		sqlite3_finalize(st);
		printf("  %-10s %5d rows, %d differ\n", t, rows, diff);
		CHECKF(diff == 0, "table %s differs", t);
	}
	store_close(s);
	return 0;
}

static int test_jobs_deterministic(void)
{
	CHECK(setup() == 0);
	CHECK(shf("%s/mmlocksim sweep '%s' --db '%s' --jobs 1 > '%s'", test_bindir,
		  scratch_path("exp.ini"), scratch_path("j1.db"), scratch_path("j1.out")) == 0);
	printf("%s\n", first_line(scratch_path("j1.out")));
	CHECK(shf("%s/mmlocksim sweep '%s' --db '%s' --jobs 2 > /dev/null", test_bindir,
		  scratch_path("exp.ini"), scratch_path("j2.db")) == 0);
	CHECK(!strcmp(q(scratch_path("j1.db"), "SELECT count(*) FROM run WHERE status = 'COMPLETE'"),
		      "24"));
	CHECK(!strcmp(q(scratch_path("j1.db"), "SELECT count(DISTINCT " KEY_SQL ") FROM run"), "24"));
	return same_results(scratch_path("j1.db"), scratch_path("j2.db"));
}

static int test_resume(void)
{
	CHECK(setup() == 0);
	/* Seed 2's runs crash: recorded as ERROR with why, the others go on. */
	CHECK(shf("MMLOCKSIM_CRASH_SEED=2 %s/mmlocksim sweep '%s' --db '%s' --jobs 2 > '%s' "
		  "2> '%s'", test_bindir, scratch_path("exp.ini"), scratch_path("r.db"), scratch_path("r1.out"),
		  scratch_path("r1.err")) == 1);
	/* (Under ASan, its report of each SIGSEGV comes first.) */
	CHECK(shf("grep 'runs could not run' '%s' && grep -q '^mmlocksim sweep: 12 runs could "
		  "not run' '%s'", scratch_path("r1.err"), scratch_path("r1.err")) == 0);
	CHECK(!strcmp(q(scratch_path("r.db"), "SELECT group_concat(DISTINCT seed || ':' || status) "
			"FROM run"), "1:COMPLETE,2:ERROR"));
	CHECK(strstr(q(scratch_path("r.db"), "SELECT error FROM run WHERE status = 'ERROR'"),
		     "signal 11") ||
	      strstr(q(scratch_path("r.db"), "SELECT error FROM run WHERE status = 'ERROR'"),
		     "exited with status 1"));	/* ASan's SIGSEGV handler exits instead */

	/* A run that was interrupted, and one whose row is lost, run again too. */
	CHECK(shf("sqlite3 '%s' \"UPDATE run SET status = 'INTERRUPTED' WHERE run_id = 1; "
		  "DELETE FROM run WHERE run_id = 3\"", scratch_path("r.db")) == 0);
	CHECK(shf("%s/mmlocksim sweep '%s' --db '%s' --jobs 2 > '%s'", test_bindir,
		  scratch_path("exp.ini"), scratch_path("r.db"), scratch_path("r2.out")) == 0);
	printf("%s\n", first_line(scratch_path("r2.out")));
	CHECK(strstr(first_line(scratch_path("r2.out")), "24 runs; 10 already in"));
	CHECK(strstr(first_line(scratch_path("r2.out")), "14 to run"));
	/* Every run of the experiment COMPLETE exactly once. */
	CHECK(!strcmp(q(scratch_path("r.db"), "SELECT count(DISTINCT " KEY_SQL ") || ' ' || count(*) "
			"FROM run WHERE status = 'COMPLETE'"), "24 24"));
	/* Nothing left to do. */
	CHECK(shf("%s/mmlocksim sweep '%s' --db '%s' > '%s'", test_bindir, scratch_path("exp.ini"),
		  scratch_path("r.db"), scratch_path("r3.out")) == 0);
	CHECK(strstr(first_line(scratch_path("r3.out")), "24 already in") &&
	      strstr(first_line(scratch_path("r3.out")), ", 0 to run"));
	return 0;
}

static int test_shards(void)
{
	int i;

	CHECK(setup() == 0);
	/* The slices partition the expansion, in its order. */
	CHECK(shf("%s/mmlocksim sweep '%s' --dry-run > '%s'", test_bindir, scratch_path("exp.ini"),
		  scratch_path("all.txt")) == 0);
	for (i = 0; i < 3; i++)
		CHECK(shf("%s/mmlocksim sweep '%s' --dry-run --shard %d/3 > '%s'", test_bindir,
			  scratch_path("exp.ini"), i, scratch_path("s.txt")) == 0 &&
		      shf("cat '%s' >> '%s'", scratch_path("s.txt"), scratch_path("slices.txt")) == 0);
	CHECK(shf("test $(wc -l < '%s') = %d && sort '%s' > '%s' && sort '%s' | cmp -s - '%s'",
		  scratch_path("all.txt"), EXPERIMENT_RUNS, scratch_path("all.txt"), scratch_path("all.sorted"),
		  scratch_path("slices.txt"), scratch_path("all.sorted")) == 0);
	/* Round robin: the first run of slice 1/3 is the second of all. */
	CHECK(shf("test \"$(%s/mmlocksim sweep '%s' --dry-run --shard 1/3 | head -n 1)\" = "
		  "\"$(sed -n 2p '%s')\"", test_bindir, scratch_path("exp.ini"), scratch_path("all.txt")) == 0);

	for (i = 0; i < 3; i++) {
		char db[64];

		snprintf(db, sizeof(db), "shard%d.db", i);
		CHECK(shf("%s/mmlocksim sweep '%s' --shard %d/3 --db '%s' --jobs 1 > /dev/null",
			  test_bindir, scratch_path("exp.ini"), i, scratch_path(db)) == 0);
	}
	CHECK(shf("%s/mmlocksim merge '%s' '%s' '%s' '%s' > '%s'", test_bindir, scratch_path("m.db"),
		  scratch_path("shard0.db"), scratch_path("shard1.db"), scratch_path("shard2.db"), scratch_path("m.out")) == 0);
	printf("%s\n", first_line(scratch_path("m.out")));
	CHECK(!strcmp(q(scratch_path("m.db"), "SELECT count(DISTINCT " KEY_SQL ") || ' ' || count(*) "
			"FROM run WHERE status = 'COMPLETE'"), "24 24"));
	/* A shard merged twice is refused, naming the run. */
	CHECK(shf("%s/mmlocksim merge '%s' '%s' 2> '%s'", test_bindir, scratch_path("m.db"),
		  scratch_path("shard1.db"), scratch_path("m.err")) == 2);
	printf("%s\n", first_line(scratch_path("m.err")));
	CHECK(strstr(first_line(scratch_path("m.err")), "already in"));
	CHECK(!strcmp(q(scratch_path("m.db"), "SELECT count(*) FROM run"), "24"));
	return 0;
}

/* Each bad file: exit 2, one line naming file:line and what was expected. */
#define E_HEAD "[experiment]\nsources = pft\nschemes = global-rwsem\ncpus = 1\n"

static int test_bad_ini(void)
{
	static const struct {
		const char *text, *want;
	} cases[] = {
		{ "[experiment]\nsources = pft\ncpus = 1\nschemes = nosuch\n",
		  "exp-bad.ini:4: expected a scheme name" },
		{ "[experiment]\nsources = pft\ncolour = blue\n",
		  "exp-bad.ini:3: expected name, sources" },
		{ "[experiment]\nsources = pft\nschemes = global-rwsem\ncpus = 1, x\n",
		  "exp-bad.ini:4: expected whole numbers 1 to" },
		{ "[experiment]\nsources = pft\nschemes = global-rwsem\nmachines = laptop-8\n"
		  "cpus = 1, 64\n", "exp-bad.ini:5: expected cpus of at most 16 (machine laptop-8)" },
		{ "[experiment]\nsources = no-such-trace.mlt\n",
		  "exp-bad.ini:2: expected a readable trace or a workload name" },
		{ "[experiment]\nsources = pft\ncpus = 1\n[scheme pervma-refcount]\nvariant = fast\n",
		  "exp-bad.ini:5: -p variant=fast: expected one of" },
		{ "[experiment]\nsources = pft\ncpus = 1\n[scheme pervma-refcount]\nspeed = 3\n",
		  "exp-bad.ini:5: -p speed=3: scheme 'pervma-refcount' has no parameter" },
		{ "[experiment]\nsources = pft\n[machine]\nname = x\n",
		  "exp-bad.ini:4: expected [experiment], [params], [scheme NAME] or [source NAME]" },
		{ "[experiment]\nsources = pft\ncpus = 1\nseeds = 0\n",
		  "exp-bad.ini:4: expected seeds = K" },
		{ "[experiment]\nsources = pft\ncpus = 1\ncpus = 2\n",
		  "exp-bad.ini:4: expected cpus once in [experiment] (first at line 3)" },
		{ "[experiment]\nsources = pft\nschemes = global-rwsem\ncpus = 1\nthreads = 0, 8\n",
		  "exp-bad.ini:5: expected threads 0 (as recorded) alone" },
		{ "[experiment]\nsources = pft\nschemes = global-rwsem\ncpus = 1\n"
		  "[scheme pervma-refcount]\nvariant = rwsem\n",
		  "exp-bad.ini:6: expected [scheme pervma-refcount] to name one of the schemes" },
		{ "[experiment]\nsources = pft\nthis line is not ini\n",
		  "exp-bad.ini:3: expected 'key = value' or '[section]'" },
		{ "[experiment]\nsources = pft\nschemes = global-rwsem\n", "exp-bad.ini: expected cpus" },
		{ "[experiment]\nsources = pft\nschemes = global-rwsem\ncpus = 1, 2, 1\n",
		  "exp-bad.ini:4: expected each value once for cpus, got '1' again" },
		/* Values every run would refuse: refused before any runs, at their line. */
		{ E_HEAD "[params]\nthink_scale = nan\n", "exp-bad.ini:6: -p think_scale=nan: expected" },
		{ E_HEAD "[params]\nthink_scale = 1, inf\n", "exp-bad.ini:6: -p think_scale=inf: expected" },
		{ E_HEAD "[params]\nthink_scale = -1\n", "exp-bad.ini:6: -p think_scale=-1: expected" },
		{ E_HEAD "[params]\nfile_miss = 0\nfile_miss2 = 1\n",
		  "exp-bad.ini:7: -p file_miss2=1: 'file_miss2' is not a parameter of scheme" },
		{ E_HEAD "[params]\nfile_miss = 2\n", "exp-bad.ini:6: -p file_miss=2: expected" },
		{ E_HEAD "[params]\nrmap_walkers = 0\n", "exp-bad.ini:6: -p rmap_walkers=0: expected" },
		{ E_HEAD "[params]\nrmap_walkers = 1, 9\n", "exp-bad.ini:6: -p rmap_walkers=9: expected" },
		{ "[experiment]\nsources = pft, ebizzy\nschemes = global-rwsem\ncpus = 1\n"
		  "[params]\nsize = 1M\n", "exp-bad.ini:6: -p size=1M: 'size' is not a parameter of "
		  "scheme 'global-rwsem'" },
		{ E_HEAD "[source pft]\nbogus = 1\n", "exp-bad.ini:6: -p bogus=1: 'bogus' is not a parameter" },
		{ E_HEAD "[source pft]\nsize = 1M, -1M\n", "exp-bad.ini:6: parameter size: expected" },
		{ E_HEAD "[scheme mt-lock]\nspec_tries = 3, -1\n",
		  "exp-bad.ini:6: -p spec_tries=-1: expected a whole number from 1 to 64" },
		{ "[experiment]\nsources = garbage.txt\nschemes = global-rwsem\ncpus = 1\n",
		  "exp-bad.ini:2: garbage.txt:1: unknown trace format" },
		{ "[experiment]\nsources = pft,\n  /dev/null\nschemes = global-rwsem\ncpus = 1\n",
		  "exp-bad.ini:2: expected a comma-separated list of values for sources, without empty" },
		{ "[experiment]\nsources = pft\ntraces = /dev/null\nschemes = global-rwsem\ncpus = 1\n",
		  "exp-bad.ini:3: /dev/null: byte 0: unknown trace format" },
		/* Duplicates: keys and sections once. */
		{ "[experiment]\nsources = pft\nsources = mmap1\nschemes = global-rwsem\ncpus = 1\n",
		  "exp-bad.ini:3: expected sources once in [experiment] (first at line 2)" },
		{ E_HEAD "[params]\nthink_scale = 0\n[params]\nfile_miss = 0\n",
		  "exp-bad.ini:7: expected [params] once (first at line 5)" },
		{ E_HEAD "[scheme global-rwsem]\n[source pft]\nsize = 1M\n[scheme global-rwsem]\n",
		  "exp-bad.ini:8: expected [scheme global-rwsem] once (first at line 5)" },
		{ E_HEAD "[experiment]\nseeds = 2\n", "exp-bad.ini:5: expected [experiment] once (first at line 1)" },
		{ "[experiment]\nsources = .\nschemes = global-rwsem\ncpus = 1\n",
		  "exp-bad.ini:2: .: read: Is a directory" },
		{ E_HEAD "threads = 100000\n", "exp-bad.ini:5: expected whole numbers 0 to 16384 for threads" },
		{ E_HEAD "threads = 8, 5000\n", "exp-bad.ini:5: pft: expected 1 to 4096 threads, got 5000" },
		{ "[experiment]\nsources = pft\nschemes = global-rwsem\ncpus = 1,,2\n",
		  "exp-bad.ini:4: expected a comma-separated list of values for cpus, without empty" },
		{ "[experiment]\nsources = pft\nschemes = global-rwsem\ncpus = 1, 2,\n",
		  "exp-bad.ini:4: expected a comma-separated list of values for cpus, without empty" },
		{ "[experiment]\nsources = pft\nschemes = global-rwsem\ncpus =\n",
		  "exp-bad.ini:4: expected a comma-separated list of values for cpus, without empty" },
		/* Each value fine, the combination not: named at its [source] section. */
		{ "[experiment]\nsources = vmaops\nschemes = global-rwsem\ncpus = 1\n"
		  "[source vmaops]\nmprotect_frac = 0.1, 0.6\nmremap_frac = 0.05, 0.5\n",
		  "exp-bad.ini:6: the runs of vmaops, global-rwsem, mprotect_frac=0.6 mremap_frac=0.5: "
		  "vmaops: mprotect_frac=0.6 plus mremap_frac=0.5: expected a sum of at most 1" },
	};
	size_t i;

	char bin[4096];

	/* Relative sources are found from the scratch directory. */
	CHECK(realpath(test_bindir, bin) != NULL);
	CHECK(write_file(scratch_path("garbage.txt"), "garbage\n") == 0);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		CHECK(write_file(scratch_path("exp-bad.ini"), cases[i].text) == 0);
		CHECK(shf("cd '%s' && %s/mmlocksim sweep '%s' --db '%s' > /dev/null 2> '%s'",
			  scratch_dir(), bin, scratch_path("exp-bad.ini"), scratch_path("bad.db"),
			  scratch_path("bad.err")) == 2);
		printf("%s\n", first_line(scratch_path("bad.err")));
		CHECKF(strstr(first_line(scratch_path("bad.err")), cases[i].want), "case %zu: want '%s'",
		       i, cases[i].want);
		CHECK(shf("test $(wc -l < '%s') -eq 1", scratch_path("bad.err")) == 0);
		/* --dry-run lists only runs that can start. */
		CHECKF(shf("cd '%s' && %s/mmlocksim sweep '%s' --dry-run > /dev/null 2> '%s'",
			   scratch_dir(), bin, scratch_path("exp-bad.ini"),
			   scratch_path("bad.err")) == 2,
		       "case %zu: --dry-run took it", i);
		CHECK(strstr(first_line(scratch_path("bad.err")), cases[i].want));
	}
	CHECK(access(scratch_path("bad.db"), F_OK) != 0);	/* nothing written on bad input */
	CHECK(shf("%s/mmlocksim sweep '%s' --shard 3/3 --db x.db 2> /dev/null", test_bindir,
		  scratch_path("exp-bad.ini")) == 2);
	return 0;
}

/*
 * The job array for real, on a one-node cluster started by
 * tests/slurm-local.sh; skipped (passing, with the reason) where Slurm
 * cannot start here.
 */
static int test_slurm(void)
{
	int rc;

	if (access("tests/slurm-local.sh", X_OK) != 0) {
		printf("SKIPPED: tests/slurm-local.sh not found (tests run from the source tree)\n");
		return 0;
	}
	CHECK(setup() == 0);
	rc = shf("tests/slurm-local.sh %s/mmlocksim '%s' 3 '%s' > '%s' 2>&1", test_bindir,
		 scratch_path("exp.ini"), scratch_dir(), scratch_path("slurm.out"));
	shf("cat '%s'", scratch_path("slurm.out"));
	if (rc == 77) {
		printf("SKIPPED: Slurm could not start on this machine (reason above)\n");
		return 0;
	}
	CHECKF(rc == 0, "tests/slurm-local.sh exited %d", rc);
	CHECK(!strcmp(q(scratch_path("merged.db"), "SELECT count(DISTINCT " KEY_SQL ") || ' ' || "
			"count(*) FROM run WHERE status = 'COMPLETE'"), "24 24"));
	CHECK(!strcmp(q(scratch_path("merged.db"), "SELECT count(*) FROM run"), "24"));
	printf("merged: 24 runs from 3 shards of the job array, each exactly once\n");
	return 0;
}

/* X(N) of the law, for making synthetic curves. */
static double usl_x(double lambda, double sigma, double kappa, double n)
{
	return lambda * n / (1 + sigma * (n - 1) + kappa * n * (n - 1));
}

static int test_usl_recovers(void)
{
	static const double cpus[] = { 1, 2, 4, 8, 16, 24, 32, 48, 64 };
	static const struct {
		double lambda, sigma, kappa;
	} truth[] = {
		{ 1.0e6, 0.05, 2.0e-4 },	/* peaks at 68.9 CPUs */
		{ 3.5e5, 0.20, 1.0e-3 },	/* peaks at 28.3 */
		{ 2.0e6, 0.01, 0.0 },		/* Amdahl: no peak */
	};
	double x[9];
	struct usl_fit f;
	size_t t, i;

	for (t = 0; t < sizeof(truth) / sizeof(truth[0]); t++) {
		double peak = truth[t].kappa > 0 ?
			sqrt((1 - truth[t].sigma) / truth[t].kappa) : INFINITY;
		int noisy;

		for (noisy = 0; noisy < 2; noisy++) {
			/* +-1% deterministic noise, as the mean of a few seeds scatters. */
			for (i = 0; i < 9; i++)
				x[i] = usl_x(truth[t].lambda, truth[t].sigma, truth[t].kappa, cpus[i]) *
				       (1 + (noisy ? 0.01 * sin(1.7 * (double)i + 0.3) : 0));
			CHECK(usl_fit(cpus, x, 9, &f) == 0);
			printf("%s: true lambda %.4g sigma %.4f kappa %.3e peak %.1f; fitted "
			       "lambda %.4g sigma %.4f kappa %.3e peak %.1f, R^2 %.5f\n",
			       noisy ? "1% noise" : "exact   ", truth[t].lambda, truth[t].sigma,
			       truth[t].kappa, peak, f.lambda, f.sigma, f.kappa, f.peak_cpus, f.r2);
			if (!noisy) {
				CHECK(fabs(f.lambda / truth[t].lambda - 1) < 1e-6);
				CHECK(fabs(f.sigma - truth[t].sigma) < 1e-6);
				CHECK(fabs(f.kappa - truth[t].kappa) < 1e-8);
				CHECK(f.r2 > 0.999999);
			} else {
				CHECK(fabs(f.lambda / truth[t].lambda - 1) < 0.05);
				CHECK(fabs(f.sigma - truth[t].sigma) < 0.01);
				CHECK(fabs(f.kappa - truth[t].kappa) < 0.15 * truth[t].kappa + 3e-5);
				CHECK(f.r2 > 0.99);
			}
			if (truth[t].kappa > 0)
				CHECK(fabs(f.peak_cpus / peak - 1) < (noisy ? 0.1 : 1e-4));
		}
	}
	/* Too few CPU counts to determine three parameters. */
	CHECK(usl_fit(cpus, x, 2, &f) < 0);
	return 0;
}

/* The fit through the database: report prints it, report --write fills usl_fit. */
static int test_usl_report(void)
{
	static const int cpus[] = { 1, 4, 16, 64 };
	struct store *s;
	char err[512];
	int i, seed;

	s = store_open(scratch_path("usl.db"), 1, err, sizeof(err));
	CHECKF(s, "%s", err);
	for (i = 0; i < 4; i++) {
		for (seed = 1; seed <= 3; seed++) {
			struct store_key k = { "global-rwsem", "pft", "xeon-8176-2s", cpus[i], 64,
					       (uint64_t)seed, "", "0.1.0", "", "" };
			struct op_result op = { .op = "fault", .count = 1000 };
			struct run_result r = { .scheme = "global-rwsem", .source = "pft",
						.machine = "xeon-8176-2s", .status = "COMPLETE",
						.cpus = cpus[i], .threads = 64, .seed = (uint64_t)seed,
						.nops = 1, .ops = &op };
			int64_t id = store_run_begin(s, &k, err, sizeof(err));

			/* Seeds scatter +-1% around the law's curve; their mean is on it. */
			op.throughput_per_s = usl_x(1e6, 0.1, 5e-4, cpus[i]) * (1 + 0.01 * (seed - 2));
			CHECKF(id > 0 && store_run_finish(s, id, &r, err, sizeof(err)) == 0, "%s", err);
		}
	}
	store_close(s);
	/* report only reads: the fits are printed, and stored with --write. */
	CHECK(shf("%s/mmlocksim report '%s' > '%s'", test_bindir, scratch_path("usl.db"),
		  scratch_path("usl.out")) == 0);
	CHECK(!strcmp(q(scratch_path("usl.db"), "SELECT count(*) FROM usl_fit"), "0"));
	CHECK(shf("grep -q 'global-rwsem .* 0.1000 .* 5.000e-04 .* 42.4 ' '%s'",
		  scratch_path("usl.out")) == 0);
	CHECK(shf("%s/mmlocksim report '%s' --write > '%s'", test_bindir, scratch_path("usl.db"),
		  scratch_path("usl.out")) == 0);
	CHECK(shf("grep -A3 'Universal Scalability Law' '%s'", scratch_path("usl.out")) == 0);
	CHECK(shf("grep -q 'global-rwsem .* 0.1000 .* 5.000e-04 .* 42.4 ' '%s'",
		  scratch_path("usl.out")) == 0);
	printf("usl_fit: %s\n", q(scratch_path("usl.db"), "SELECT scheme || ' sigma ' || round(sigma, 4) || "
				  "' kappa ' || round(kappa, 6) || ' peak ' || round(peak_cpus, 1) || "
				  "' points ' || npoints FROM usl_fit"));
	CHECK(!strcmp(q(scratch_path("usl.db"), "SELECT round(sigma, 4) || ' ' || round(kappa, 6) || ' ' || "
			"round(peak_cpus, 1) || ' ' || npoints FROM usl_fit"),
		      "0.1 0.0005 42.4 4"));
	return 0;
}

const struct test_case sweep_tests[] = {
	{ "sweep_jobs_deterministic", test_jobs_deterministic },
	{ "sweep_resume", test_resume },
	{ "sweep_shards_merge", test_shards },
	{ "sweep_bad_ini", test_bad_ini },
	{ "sweep_slurm", test_slurm },
	{ "usl_recovers_parameters", test_usl_recovers },
	{ "usl_report_table", test_usl_report },
	{ NULL, NULL },
};
