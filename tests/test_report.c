/*
 * Statistics, the report table, plots, the README's SQL, and the run,
 * compare and report commands end to end.
 *
 * Welch's t-test is checked against the three worked examples of the
 * Wikipedia article "Welch's t-test" (t, degrees of freedom and p as
 * published there, to the digits published).
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tests/test.h"
#include "tests/scratch.h"
#include "analysis/hist.h"
#include "analysis/plot.h"
#include "analysis/report.h"
#include "analysis/sample_stats.h"
#include "analysis/store.h"

extern const struct test_case report_tests[];

static int sh(const char *cmd)
{
	int st = system(cmd);

	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	char *text;
	long n;

	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	text = calloc(1, (size_t)n + 1);
	if (text && fread(text, 1, (size_t)n, f) != (size_t)n) {
		free(text);
		text = NULL;
	}
	fclose(f);
	return text;
}

static int test_welch(void)
{
	/* Wikipedia, "Welch's t-test", examples 1-3. */
	static const double a1[15] = { 27.5, 21.0, 19.0, 23.6, 17.0, 17.9, 16.9, 20.1, 21.9, 22.6,
				       23.1, 19.6, 19.0, 21.7, 21.4 };
	static const double a2[15] = { 27.1, 22.0, 20.8, 23.4, 23.4, 23.5, 25.8, 22.0, 24.8, 20.2,
				       21.9, 22.1, 22.9, 20.5, 24.4 };
	static const double b1[10] = { 17.2, 20.9, 22.6, 18.1, 21.7, 21.4, 23.5, 24.2, 14.7, 21.8 };
	static const double b2[20] = { 21.5, 22.8, 21.0, 23.0, 21.6, 23.6, 22.5, 20.7, 23.4, 21.8,
				       20.7, 21.7, 21.5, 22.5, 23.6, 21.5, 22.5, 23.5, 21.5, 21.8 };
	static const double c1[10] = { 19.8, 20.4, 19.6, 17.8, 18.5, 18.9, 18.3, 18.9, 19.5, 22.0 };
	static const double c2[20] = { 28.2, 26.6, 20.1, 23.3, 25.2, 22.1, 17.7, 27.6, 20.6, 13.7,
				       23.2, 17.5, 20.6, 18.0, 23.9, 21.6, 24.3, 20.4, 23.9, 13.3 };
	static const double x[3] = { 5, 5, 5 };
	double t, df, p;

	p = stats_welch_p(a1, 15, a2, 15, &t, &df);
	printf("example 1: t %.3f df %.2f p %.4f (published: -2.46, 25.0, 0.021)\n", t, df, p);
	CHECK(fabs(t + 2.46) < 0.005 && fabs(df - 25.0) < 0.05 && fabs(p - 0.021) < 0.0005);
	p = stats_welch_p(b1, 10, b2, 20, &t, &df);
	printf("example 2: t %.3f df %.2f p %.4f (published: -1.57, 9.9, 0.149)\n", t, df, p);
	CHECK(fabs(t + 1.57) < 0.005 && fabs(df - 9.9) < 0.05 && fabs(p - 0.149) < 0.0005);
	p = stats_welch_p(c1, 10, c2, 20, &t, &df);
	printf("example 3: t %.3f df %.2f p %.4f (published: -2.22, 24.5, 0.036)\n", t, df, p);
	CHECK(fabs(t + 2.22) < 0.01 && fabs(df - 24.5) < 0.05 && fabs(p - 0.036) < 0.0006);
	/* Symmetric, and the degenerate cases. */
	CHECK(fabs(stats_welch_p(a2, 15, a1, 15, NULL, NULL) - stats_welch_p(a1, 15, a2, 15, NULL, NULL)) < 1e-12);
	CHECK(stats_welch_p(x, 3, x, 3, NULL, NULL) == 1.0);
	CHECK(isnan(stats_welch_p(x, 1, x, 3, NULL, NULL)));
	return 0;
}

static int test_stats(void)
{
	static const double x[4] = { 2, 4, 4, 6 };

	CHECK(stats_mean(x, 4) == 4);
	CHECK(fabs(stats_stddev(x, 4) - sqrt(8.0 / 3)) < 1e-12);
	CHECK(fabs(stats_cv(x, 4) - 100 * sqrt(8.0 / 3) / 4) < 1e-9);
	CHECK(fabs(stats_hmean(x, 4) - 4 / (0.5 + 0.25 + 0.25 + 1.0 / 6)) < 1e-12);
	/* t(0.975, 3) = 3.18245: the 95% half-width of the mean. */
	CHECK(fabs(stats_ci95(x, 4) - 3.182446 * sqrt(8.0 / 3) / 2) < 1e-5);
	CHECK(isnan(stats_ci95(x, 1)) && isnan(stats_hmean(x, 0)));
	return 0;
}

/* ---- a database of constructed runs ---------------------------------- */

static void add_run(struct store *s, const char *scheme, int cpus, uint64_t seed, double tput,
		    uint64_t lat, const char *status)
{
	struct store_key k = { scheme, "pft", "xeon-8176-2s", cpus, 8, seed, "", "0.1.0", "", "" };
	struct run_result r;
	struct lat_hist h;
	char err[512];
	int64_t id;
	int i;

	memset(&r, 0, sizeof(r));
	snprintf(r.status, sizeof(r.status), "%s", status);
	snprintf(r.scheme, sizeof(r.scheme), "%s", scheme);
	r.cpus = cpus;
	r.seed = seed;
	r.nops = 1;
	r.ops = calloc(1, sizeof(*r.ops));
	hist_init(&h);
	for (i = 0; i < 1000; i++)
		hist_add(&h, lat + (uint64_t)(i % 100) * lat / 100 + (i >= 990 ? 10 * lat : 0));
	snprintf(r.ops[0].op, sizeof(r.ops[0].op), "fault");
	r.ops[0].count = 1000;
	r.ops[0].throughput_per_s = tput;
	r.ops[0].mean_ns = hist_mean(&h);
	r.ops[0].p99_ns = hist_percentile(&h, 0.99);
	hist_to_buckets(&h, &r.ops[0].buckets, &r.ops[0].nbuckets);
	r.nlocks = 2;
	r.locks = calloc(2, sizeof(*r.locks));
	snprintf(r.locks[0].lock, sizeof(r.locks[0].lock), "mmap_lock/read");
	r.locks[0].acquisitions = 1000;
	r.locks[0].wait_ns = strcmp(scheme, "global-rwsem") ? 2000 * (uint64_t)cpus : 90000 * (uint64_t)cpus;
	r.locks[0].line_transfers = 500;
	snprintf(r.locks[1].lock, sizeof(r.locks[1].lock), "ptl");
	r.locks[1].acquisitions = 1000;
	r.locks[1].wait_ns = 3000 * (uint64_t)cpus;
	r.ncounters = 3;
	r.counters = calloc(3, sizeof(*r.counters));
	snprintf(r.counters[2].name, sizeof(r.counters[2].name), "fault_fallback_mmap_lock");
	r.counters[2].value = 30;
	snprintf(r.counters[0].name, sizeof(r.counters[0].name), "VMA_LOCK_SUCCESS");
	r.counters[0].value = 970;
	snprintf(r.counters[1].name, sizeof(r.counters[1].name), "VMA_LOCK_RETRY");
	r.counters[1].value = 30;
	if (!strcmp(status, RUN_FAILED)) {
		r.nviolations = 1;
		r.violations_total = 2;
		r.violations = calloc(1, sizeof(*r.violations));
		r.violations[0].t_ns = 1234;
		r.violations[0].task = 2;
		r.violations[0].addr = 0x7f0000000000ULL;
		snprintf(r.violations[0].kind, sizeof(r.violations[0].kind), "use-after-free");
		snprintf(r.violations[0].detail, sizeof(r.violations[0].detail), "VMA freed at 1000 ns");
	}
	id = store_run_begin(s, &k, err, sizeof(err));
	if (id < 0 || store_run_finish(s, id, &r, err, sizeof(err)) < 0) {
		fprintf(stderr, "%s\n", err);
		abort();
	}
	run_result_free(&r);
}

/*
 * global-rwsem (baseline) collapses with CPUs; pervma-refcount scales
 * (significantly better at 16); spf-srcu is the baseline plus noise (not
 * significant); busted is fast and always FAILED.
 */
static const double base16[5] = { 1.00e6, 1.04e6, 0.97e6, 1.02e6, 0.99e6 };
static const double pervma16[5] = { 5.0e6, 5.3e6, 4.9e6, 5.1e6, 5.2e6 };
static const double spf16[5] = { 1.03e6, 0.96e6, 1.05e6, 0.98e6, 1.01e6 };

static int build_db(const char *path)
{
	char err[512];
	struct store *s = store_open(path, 1, err, sizeof(err));
	uint64_t i;

	if (!s) {
		fprintf(stderr, "%s\n", err);
		return -1;
	}
	for (i = 0; i < 5; i++) {
		add_run(s, "global-rwsem", 1, i + 1, 0.8e6 + 1e4 * (double)i, 1000, RUN_COMPLETE);
		add_run(s, "pervma-refcount", 1, i + 1, 0.79e6 + 1e4 * (double)i, 1050, RUN_COMPLETE);
		add_run(s, "spf-srcu", 1, i + 1, 0.81e6 - 1e4 * (double)i, 1020, RUN_COMPLETE);
		add_run(s, "busted", 1, i + 1, 0.9e6, 900, RUN_FAILED);
		add_run(s, "global-rwsem", 16, i + 1, base16[i], 12000, RUN_COMPLETE);
		add_run(s, "pervma-refcount", 16, i + 1, pervma16[i], 2500, RUN_COMPLETE);
		add_run(s, "spf-srcu", 16, i + 1, spf16[i], 11000, RUN_COMPLETE);
		add_run(s, "busted", 16, i + 1, 9e6, 1000, RUN_FAILED);
	}
	{
		/* A run whose process died. */
		struct store_key k = { "spf-srcu", "pft", "xeon-8176-2s", 16, 8, 6, "", "0.1.0", "", "" };

		store_run_begin(s, &k, err, sizeof(err));
	}
	store_close(s);
	return 0;
}

/* The line of text that starts with prefix. */
static const char *line_of(const char *text, const char *prefix)
{
	static char buf[1024];
	const char *p = text, *e;

	while (p && *p) {
		if (!strncmp(p, prefix, strlen(prefix))) {
			e = strchr(p, '\n');
			snprintf(buf, sizeof(buf), "%.*s", e ? (int)(e - p) : (int)strlen(p), p);
			return buf;
		}
		p = strchr(p, '\n');
		if (p)
			p++;
	}
	return NULL;
}

static int report_text(const char *db, const char *baseline, char **out, char *err, size_t errlen)
{
	struct store *s = store_open(db, 0, err, errlen);
	size_t len;
	FILE *f;
	int rc;

	if (!s)
		return -1;
	f = open_memstream(out, &len);
	rc = report_print(store_db(s), baseline, f, 1, err, errlen);
	fclose(f);
	store_close(s);
	return rc;
}

static int test_report_table(void)
{
	char *text = NULL, err[512], want[64];
	const char *l;

	CHECK(build_db(scratch_path("r.db")) == 0);
	CHECKF(report_text(scratch_path("r.db"), NULL, &text, err, sizeof(err)) == 0, "%s", err);
	fputs(text, stdout);
	/* Baseline first, then the order of the runs. */
	l = line_of(text, "     ");
	CHECK(l && strstr(l, "global-rwsem") < strstr(l, "pervma-refcount") &&
	      strstr(l, "pervma-refcount") < strstr(l, "spf-srcu") && strstr(l, "busted"));
	l = line_of(text, "Hmean fault/s-16");
	CHECK(l);
	snprintf(want, sizeof(want), "%.2f", stats_hmean(pervma16, 5));
	CHECKF(strstr(l, want), "want %s in '%s'", want, l);
	CHECK(strstr(l, "(   0.00%)"));			/* the baseline */
	CHECK(strstr(l, "*") && strstr(l, "%*"));		/* pervma: significant */
	CHECK(strstr(l, "FAILED"));				/* busted has no COMPLETE run */
	{
		/* spf-srcu: not significant, in parentheses. */
		double p = stats_welch_p(spf16, 5, base16, 5, NULL, NULL);
		const char *spf = strstr(l, "%*") + 2;

		printf("Welch p, spf-srcu vs global-rwsem at 16 CPUs: %.3f\n", p);
		CHECK(p > 0.05 && strchr(spf, '(') && !strchr(spf, '*'));
	}
	l = line_of(text, "CoeffVar fault/s-1");
	CHECK(l && strstr(l, "%"));
	l = line_of(text, "p99 fault-ns-16");
	CHECK(l);
	CHECK(line_of(text, "VMA_LOCK_RETRY"));
	CHECK(strstr(line_of(text, "VMA_LOCK_RETRY"), "30.00"));	/* per 1000 faults */
	CHECK(line_of(text, "lock wait ns per fault at 16 CPUs"));
	CHECK(strstr(text, "busted") && strstr(text, "UNSAFE: 20 violations, 10 of 10 runs FAILED"));
	CHECK(strstr(text, "use-after-free at 1234 ns, task 2"));
	CHECK(strstr(text, "spf-srcu cpus=16 seed=6: RUNNING"));
	free(text);
	text = NULL;

	/* Another baseline, and an unknown one. */
	CHECK(report_text(scratch_path("r.db"), "pervma-refcount", &text, err, sizeof(err)) == 0);
	l = line_of(text, "     ");
	CHECK(l && strstr(l, "pervma-refcount") < strstr(l, "global-rwsem"));
	free(text);
	text = NULL;
	CHECK(report_text(scratch_path("r.db"), "nosuch", &text, err, sizeof(err)) < 0);
	free(text);
	printf("%s\n", err);
	CHECK(strstr(err, "nosuch") && strstr(err, "spf-srcu"));
	return 0;
}

static int test_plots(void)
{
	const char *keep = getenv("MMLOCKSIM_TEST_PLOT_DIR");
	char err[512], path[600];
	const char *dir = keep ? keep : scratch_path("plots");
	struct stat st;
	int i, rc;

	CHECK(build_db(scratch_path("p.db")) == 0);
	rc = plot_all(scratch_path("p.db"), dir, err, sizeof(err));
	if (rc == PLOT_NO_TOOLS) {
		printf("SKIP: %s\n", err);
		return 0;
	}
	CHECKF(rc == 0, "%s", err);
	for (i = 0; plot_names[i]; i++) {
		unsigned char magic[8];
		FILE *f;

		snprintf(path, sizeof(path), "%s/%s", dir, plot_names[i]);
		CHECK(stat(path, &st) == 0);
		printf("%s: %lld bytes\n", path, (long long)st.st_size);
		CHECK(st.st_size > 2000);
		f = fopen(path, "rb");
		CHECK(f && fread(magic, 1, 8, f) == 8);
		fclose(f);
		CHECK(!memcmp(magic, "\x89PNG\r\n\x1a\n", 8));
	}
	return 0;
}

/* Every ```sql block of the README's "Querying results", run as printed. */
static int test_readme_sql(void)
{
	char *readme = slurp("README.md"), *p, *end, *block, cmd[1024];
	int n = 0;
	FILE *f;

	if (!readme) {
		printf("SKIP: README.md not found (tests run from the source tree)\n");
		return 0;
	}
	if (sh("command -v sqlite3 >/dev/null") != 0) {
		printf("SKIP: no sqlite3 shell\n");
		free(readme);
		return 0;
	}
	CHECK(build_db(scratch_path("q.db")) == 0);
	p = strstr(readme, "<!-- querying-results:begin");
	end = p ? strstr(p, "<!-- querying-results:end") : NULL;
	CHECK(p && end);
	*end = 0;
	while ((p = strstr(p, "```sql\n"))) {
		p += 7;
		block = p;
		p = strstr(p, "```");
		CHECK(p);
		*p++ = 0;
		f = fopen(scratch_path("q.sql"), "w");
		CHECK(f);
		fputs(block, f);
		fclose(f);
		snprintf(cmd, sizeof(cmd), "sqlite3 -bail '%s' < '%s' > '%s' 2>&1", scratch_path("q.db"),
			 scratch_path("q.sql"), scratch_path("q.out"));
		printf("---- README query %d:\n%s", n + 1, block);
		CHECK(sh(cmd) == 0);
		{
			char *out = slurp(scratch_path("q.out"));

			CHECK(out);
			printf("%s", out);
			CHECKF(out[0] && !strstr(out, "Error"), "query %d gave no rows", n + 1);
			free(out);
		}
		n++;
	}
	CHECK(n >= 3);
	free(readme);
	return 0;
}

/* ---- the commands, with the real simulator ------------------------- */

static int test_cli_run(void)
{
	char cmd[1024], *out;

	snprintf(cmd, sizeof(cmd), "%s/mmlocksim run pft -s global-rwsem --cpus 2 -p size=1M "
		 "--db '%s' > '%s' 2>&1", test_bindir, scratch_path("run.db"), scratch_path("run.out"));
	CHECK(sh(cmd) == 0);
	out = slurp(scratch_path("run.out"));
	CHECK(out);
	fputs(out, stdout);
	CHECK(strstr(out, "status: COMPLETE") && strstr(out, "fault"));
	free(out);
	snprintf(cmd, sizeof(cmd), "sqlite3 '%s' \"SELECT status || ' ' || cpus FROM run\" > '%s'",
		 scratch_path("run.db"), scratch_path("run.out"));
	if (sh("command -v sqlite3 >/dev/null") == 0) {
		CHECK(sh(cmd) == 0);
		out = slurp(scratch_path("run.out"));
		CHECK(out && !strcmp(out, "COMPLETE 2\n"));
		free(out);
	}
	/* Bad input: one line, exit 2. */
	snprintf(cmd, sizeof(cmd), "%s/mmlocksim run pft -s nosuch-scheme > /dev/null 2> '%s'",
		 test_bindir, scratch_path("run.err"));
	CHECK(sh(cmd) == 2);
	out = slurp(scratch_path("run.err"));
	CHECK(out);
	printf("%s", out);
	CHECK(strstr(out, "nosuch-scheme") && strstr(out, "global-rwsem"));
	free(out);
	return 0;
}

/*
 * The plots name each variant as compare -s does and draw it apart; a
 * report --plot leaves nothing beside the database it only reads.
 */
static int plots_keep_variants_apart(const char *db)
{
	char cmd[1600], *out;
	int rc;

	snprintf(cmd, sizeof(cmd), "%s/mmlocksim report '%s' --plot '%s' > /dev/null 2>&1",
		 test_bindir, db, scratch_path("report-plots"));
	rc = sh(cmd);
	if (rc == 2 && sh("command -v gnuplot >/dev/null && command -v sqlite3 >/dev/null")) {
		printf("SKIP: no gnuplot or sqlite3 shell\n");
		return 0;
	}
	CHECK(rc == 0);
	snprintf(cmd, sizeof(cmd), "%s-shm", db);
	CHECKF(access(cmd, F_OK) != 0, "%s left beside the database", cmd);
	snprintf(cmd, sizeof(cmd), "%s-wal", db);
	CHECKF(access(cmd, F_OK) != 0, "%s left beside the database", cmd);
	if (access("analysis/plot/scaling.gp", R_OK) != 0) {
		printf("SKIP: analysis/plot not found (tests run from the source tree)\n");
		return 0;
	}
	snprintf(cmd, sizeof(cmd), "gnuplot -e \"db='%s'; out='%s'\" analysis/plot/scaling.gp "
		 "-e 'print schemes' > '%s' 2>&1", db, scratch_path("s.png"), scratch_path("s.txt"));
	CHECK(sh(cmd) == 0);
	out = slurp(scratch_path("s.txt"));
	CHECK(out);
	printf("  scaling.png series: %s", out);
	CHECK(!strcmp(out, "global-rwsem global-rwsem:munmap_downgrade=0\n"));
	free(out);
	return 0;
}

static int test_cli_compare(void)
{
	char cmd[1200], *out, err[512];
	struct store *s;
	sqlite3_stmt *st;
	int n = 0;

	snprintf(cmd, sizeof(cmd), "%s/mmlocksim compare pft -s global-rwsem,"
		 "global-rwsem:munmap_downgrade=0 -p size=1M --cpus 1,2 "
		 "--seeds 3 --jobs 3 --db '%s' --plot '%s' > '%s' 2> '%s'", test_bindir,
		 scratch_path("cmp.db"), scratch_path("cmp-plots"), scratch_path("cmp.out"), scratch_path("cmp.err"));
	CHECK(sh(cmd) == 0);
	out = slurp(scratch_path("cmp.out"));
	CHECK(out);
	fputs(out, stdout);
	CHECK(strstr(out, "12 runs") && strstr(out, "Hmean fault/s-2") && strstr(out, "scaling.png"));
	free(out);
	out = slurp(scratch_path("cmp.err"));
	CHECK(out && !strchr(out, '\r'));	/* no progress line into a file */
	free(out);
	s = store_open(scratch_path("cmp.db"), 0, err, sizeof(err));
	CHECKF(s, "%s", err);
	CHECK(sqlite3_prepare_v2(store_db(s), "SELECT status FROM run", -1, &st, NULL) == SQLITE_OK);
	while (sqlite3_step(st) == SQLITE_ROW) {
		CHECK(!strcmp((const char *)sqlite3_column_text(st, 0), "COMPLETE"));
		n++;
	}
	sqlite3_finalize(st);
	store_close(s);
	CHECK(n == 12);
	/* An existing database is not appended to. */
	CHECK(sh(cmd) == 2);
	CHECK(plots_keep_variants_apart(scratch_path("cmp.db")) == 0);

	/* A run that crashes is an ERROR row; the others go on. */
	snprintf(cmd, sizeof(cmd), "MMLOCKSIM_CRASH_SEED=2 %s/mmlocksim compare pft -s global-rwsem "
		 "-p size=1M --cpus 1,2 --seeds 2 --db '%s' > '%s' 2>&1", test_bindir,
		 scratch_path("crash.db"), scratch_path("crash.out"));
	CHECK(sh(cmd) == 1);
	out = slurp(scratch_path("crash.out"));
	CHECK(out);
	fputs(out, stdout);
	/* Killed by SIGSEGV; under ASan its handler reports and exits 1 instead. */
	CHECK(strstr(out, "killed by signal 11") || strstr(out, "exited with status 1"));
	free(out);
	s = store_open(scratch_path("crash.db"), 0, err, sizeof(err));
	CHECK(s);
	CHECK(sqlite3_prepare_v2(store_db(s), "SELECT group_concat(seed || ':' || status, ' ') "
				 "FROM (SELECT * FROM run ORDER BY run_id)", -1, &st, NULL) == SQLITE_OK);
	CHECK(sqlite3_step(st) == SQLITE_ROW);
	printf("runs: %s\n", (const char *)sqlite3_column_text(st, 0));
	CHECK(!strcmp((const char *)sqlite3_column_text(st, 0),
		      "1:COMPLETE 2:ERROR 1:COMPLETE 2:ERROR"));
	sqlite3_finalize(st);
	store_close(s);
	return 0;
}

const struct test_case report_tests[] = {
	{ "stats_welch_textbook", test_welch },
	{ "stats_basic", test_stats },
	{ "report_table", test_report_table },
	{ "report_plots", test_plots },
	{ "report_readme_sql", test_readme_sql },
	{ "cli_run", test_cli_run },
	{ "cli_compare", test_cli_compare },
	{ NULL, NULL },
};
