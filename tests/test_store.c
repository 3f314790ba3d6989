/*
 * The results database: a run_result goes in and comes back out of every
 * table unchanged; the status is written last (a run that dies stays
 * RUNNING and its half-written rows are not there); databases of another
 * application or schema version are refused with one clear line; shards
 * merge with run ids renumbered; the views compute what GSL computes; the
 * t quantiles in the schema match GSL; the histogram buckets are what
 * hist.h says.
 */
#include <math.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_rng.h>
#include <gsl/gsl_sort.h>
#include <gsl/gsl_statistics_double.h>

#include "tests/test.h"
#include "tests/scratch.h"
#include "analysis/hist.h"
#include "analysis/sample_stats.h"
#include "analysis/store.h"

extern const struct test_case store_tests[];

/* A result with every table populated; tput sets the fault throughput. */
static void make_result(struct run_result *r, const char *scheme, int cpus, uint64_t seed,
			double tput, const char *status)
{
	struct lat_hist h;
	int i;

	memset(r, 0, sizeof(*r));
	snprintf(r->scheme, sizeof(r->scheme), "%s", scheme);
	snprintf(r->source, sizeof(r->source), "gen:pft");
	snprintf(r->machine, sizeof(r->machine), "xeon-8176-2s");
	snprintf(r->version, sizeof(r->version), "0.1.0");
	snprintf(r->status, sizeof(r->status), "%s", status);
	r->cpus = cpus;
	r->threads = cpus;
	r->seed = seed;
	r->sim_ns = 123456789;
	r->events = 987654321;
	r->wall_s = 1.5;
	r->nparams = 2;
	r->params = calloc(2, sizeof(*r->params));
	snprintf(r->params[0].key, sizeof(r->params[0].key), "size");
	snprintf(r->params[0].value, sizeof(r->params[0].value), "64M");
	snprintf(r->params[1].key, sizeof(r->params[1].key), "file_miss");
	snprintf(r->params[1].value, sizeof(r->params[1].value), "0.25");
	r->nops = 2;
	r->ops = calloc(2, sizeof(*r->ops));
	hist_init(&h);
	for (i = 1; i <= 1000; i++)
		hist_add(&h, 500 + (uint64_t)i * 3 + (seed * 7) % 50);
	snprintf(r->ops[0].op, sizeof(r->ops[0].op), "fault");
	r->ops[0].count = h.n;
	r->ops[0].throughput_per_s = tput;
	r->ops[0].mean_ns = hist_mean(&h);
	r->ops[0].p50_ns = hist_percentile(&h, 0.5);
	r->ops[0].p99_ns = hist_percentile(&h, 0.99);
	r->ops[0].p999_ns = hist_percentile(&h, 0.999);
	r->ops[0].max_ns = h.max;
	hist_to_buckets(&h, &r->ops[0].buckets, &r->ops[0].nbuckets);
	snprintf(r->ops[1].op, sizeof(r->ops[1].op), "munmap");
	r->ops[1].count = 3;
	r->ops[1].throughput_per_s = 10;
	r->ops[1].mean_ns = 7000.4;
	r->ops[1].p50_ns = r->ops[1].p99_ns = r->ops[1].p999_ns = r->ops[1].max_ns = 7000;
	r->nlocks = 2;
	r->locks = calloc(2, sizeof(*r->locks));
	snprintf(r->locks[0].lock, sizeof(r->locks[0].lock), "mmap_lock/read");
	r->locks[0].acquisitions = 1000;
	r->locks[0].contended = 10 * seed;
	r->locks[0].wait_ns = 50000 * (uint64_t)cpus;
	r->locks[0].hold_ns = 700000;
	r->locks[0].line_transfers = 1999;
	snprintf(r->locks[1].lock, sizeof(r->locks[1].lock), "ptl");
	r->locks[1].acquisitions = 1000;
	r->locks[1].wait_ns = 1000;
	r->locks[1].line_transfers = 5;
	r->ncounters = 2;
	r->counters = calloc(2, sizeof(*r->counters));
	snprintf(r->counters[0].name, sizeof(r->counters[0].name), "VMA_LOCK_SUCCESS");
	r->counters[0].value = 990;
	snprintf(r->counters[1].name, sizeof(r->counters[1].name), "VMA_LOCK_RETRY");
	r->counters[1].value = 10;
	if (!strcmp(status, RUN_FAILED)) {
		r->nviolations = 1;
		r->violations_total = 3;
		r->violations = calloc(1, sizeof(*r->violations));
		r->violations[0].t_ns = 4242;
		r->violations[0].task = 3;
		snprintf(r->violations[0].kind, sizeof(r->violations[0].kind), "use-after-free");
		r->violations[0].addr = 0x7f0000001000ULL;
		snprintf(r->violations[0].detail, sizeof(r->violations[0].detail),
			 "fault touched VMA freed at 4000 ns");
	}
}

static int64_t store_one(struct store *s, const struct run_result *r)
{
	struct store_key k = { r->scheme, r->source, r->machine, r->cpus, r->threads, r->seed,
			       "size=64M", r->version, "", "size=64M" };
	char err[512];
	int64_t id = store_run_begin(s, &k, err, sizeof(err));

	if (id < 0 || store_run_finish(s, id, r, err, sizeof(err)) < 0) {
		fprintf(stderr, "store: %s\n", err);
		return -1;
	}
	return id;
}

/* The first column of the first row of sql, as text into buf ("" if none). */
static const char *q(struct store *s, const char *sql)
{
	static char buf[4][1024];
	static int k;
	char *out = buf[k++ & 3];
	sqlite3_stmt *st;

	out[0] = 0;
	if (sqlite3_prepare_v2(store_db(s), sql, -1, &st, NULL) != SQLITE_OK) {
		snprintf(out, 1024, "SQL error: %s", sqlite3_errmsg(store_db(s)));
		return out;
	}
	if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0))
		snprintf(out, 1024, "%s", (const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	return out;
}

static int test_roundtrip(void)
{
	struct run_result r;
	struct store *s;
	char err[512], sql[512];
	int64_t id;
	int i;

	s = store_open(scratch_path("rt.db"), 1, err, sizeof(err));
	CHECKF(s, "%s", err);
	CHECK(!strcmp(q(s, "PRAGMA application_id"), "1296847693"));
	CHECK(atoi(q(s, "PRAGMA user_version")) == store_schema_version());
	CHECK(!strcmp(q(s, "PRAGMA journal_mode"), "wal"));
	make_result(&r, "pervma-refcount", 8, 3, 1.25e6, RUN_FAILED);
	id = store_one(s, &r);
	CHECK(id == 1);
	CHECK(!strcmp(q(s, "SELECT scheme || '|' || source || '|' || machine || '|' || cpus || '|' || "
			"threads || '|' || seed || '|' || args || '|' || status || '|' || sim_ns || '|' || "
			"events || '|' || wall_s || '|' || violations || '|' || version FROM run"),
		      "pervma-refcount|gen:pft|xeon-8176-2s|8|8|3|size=64M|FAILED|123456789|"
		      "987654321|1.5|3|0.1.0"));
	CHECK(!strcmp(q(s, "SELECT group_concat(key || '=' || value, ' ') FROM param"),
		      "file_miss=0.25 size=64M"));	/* in key order */
	for (i = 0; i < r.nops; i++) {
		const struct op_result *o = &r.ops[i];
		char want[256];

		snprintf(sql, sizeof(sql), "SELECT count || '|' || throughput_per_s || '|' || mean_ns "
			 "|| '|' || p50_ns || '|' || p99_ns || '|' || p999_ns || '|' || max_ns FROM "
			 "op_stat WHERE op = '%s'", o->op);
		snprintf(want, sizeof(want), "%llu|%.1f|%lld|%llu|%llu|%llu|%llu",
			 (unsigned long long)o->count, o->throughput_per_s, llround(o->mean_ns),
			 (unsigned long long)o->p50_ns, (unsigned long long)o->p99_ns,
			 (unsigned long long)o->p999_ns, (unsigned long long)o->max_ns);
		CHECKF(!strcmp(q(s, sql), want), "%s: got %s, want %s", o->op, q(s, sql), want);
	}
	/* Every bucket, in order. */
	snprintf(sql, sizeof(sql), "SELECT count(*) || '|' || sum(count) FROM lat_hist WHERE op = 'fault'");
	snprintf(err, sizeof(err), "%d|1000", r.ops[0].nbuckets);
	CHECKF(!strcmp(q(s, sql), err), "%s", q(s, sql));
	for (i = 0; i < r.ops[0].nbuckets; i++) {
		char want[128];

		snprintf(sql, sizeof(sql), "SELECT lo_ns || '|' || hi_ns || '|' || count FROM lat_hist "
			 "WHERE op = 'fault' ORDER BY lo_ns LIMIT 1 OFFSET %d", i);
		snprintf(want, sizeof(want), "%llu|%llu|%llu",
			 (unsigned long long)r.ops[0].buckets[i].lo_ns,
			 (unsigned long long)r.ops[0].buckets[i].hi_ns,
			 (unsigned long long)r.ops[0].buckets[i].count);
		CHECK(!strcmp(q(s, sql), want));
	}
	CHECK(!strcmp(q(s, "SELECT group_concat(lock || ':' || acquisitions || ':' || contended || ':' "
			"|| wait_ns || ':' || hold_ns || ':' || line_transfers, ' ') FROM lock_stat"),
		      "mmap_lock/read:1000:30:400000:700000:1999 ptl:1000:0:1000:0:5"));
	CHECK(!strcmp(q(s, "SELECT group_concat(name || '=' || value, ' ') FROM counter"),
		      "VMA_LOCK_RETRY=10 VMA_LOCK_SUCCESS=990"));
	CHECK(!strcmp(q(s, "SELECT t_ns || '|' || task || '|' || kind || '|' || printf('%x', addr) "
			"|| '|' || detail FROM violation"),
		      "4242|3|use-after-free|7f0000001000|fault touched VMA freed at 4000 ns"));
	run_result_free(&r);
	store_close(s);
	return 0;
}

/*
 * The rows of a run go STORE_BATCH_ROWS to a statement and the rest in
 * one of their exact number: counts on either side of a batch's end, a
 * name repeated across batches (its counts add up), every column of
 * every row back as it went in, and a second run on the same connection
 * whose rest is of another number.
 */
static int test_batched_rows(void)
{
	const int batch = STORE_BATCH_ROWS, nc = 2 * STORE_BATCH_ROWS + 22;
	const int nv = STORE_BATCH_ROWS + 6;
	struct run_result r;
	struct lat_hist h;
	struct store *s;
	char err[512], want[64];
	uint64_t sum = 0;
	int i;

	s = store_open(scratch_path("batch.db"), 1, err, sizeof(err));
	CHECKF(s, "%s", err);
	make_result(&r, "global-rwsem", 4, 1, 1e6, RUN_FAILED);
	hist_init(&h);
	for (i = 0; i < 40000; i++)
		hist_add(&h, 1 + (uint64_t)i * (uint64_t)i * 64);	/* wide: many buckets */
	free(r.ops[1].buckets);
	hist_to_buckets(&h, &r.ops[1].buckets, &r.ops[1].nbuckets);
	CHECKF(r.ops[1].nbuckets > 2 * batch && r.ops[1].nbuckets % batch, "%d buckets",
	       r.ops[1].nbuckets);
	free(r.counters);
	r.ncounters = nc;
	r.counters = calloc((size_t)nc, sizeof(*r.counters));
	for (i = 0; i < nc; i++) {
		/* counter batch + 3 repeats counter 3's name, in the next statement */
		snprintf(r.counters[i].name, sizeof(r.counters[i].name), "c%03d",
			 i == batch + 3 ? 3 : i);
		r.counters[i].value = (uint64_t)i + 1;
		sum += (uint64_t)i + 1;
	}
	free(r.violations);
	r.nviolations = nv;
	r.violations = calloc((size_t)nv, sizeof(*r.violations));
	for (i = 0; i < nv; i++) {
		r.violations[i].t_ns = (uint64_t)i * 10;
		r.violations[i].task = i;
		snprintf(r.violations[i].kind, sizeof(r.violations[i].kind), "kind%d", i);
		r.violations[i].addr = 0x1000 * (uint64_t)i;
		snprintf(r.violations[i].detail, sizeof(r.violations[i].detail), "detail %d", i);
	}
	CHECK(store_one(s, &r) == 1);
	snprintf(want, sizeof(want), "%d|%llu", r.ops[1].nbuckets, (unsigned long long)h.n);
	CHECKF(!strcmp(q(s, "SELECT count(*) || '|' || sum(count) FROM lat_hist WHERE op = 'munmap'"),
		       want), "%s", q(s, "SELECT count(*) || '|' || sum(count) FROM lat_hist"));
	CHECK(!strcmp(q(s, "SELECT count(*) FROM lat_hist l WHERE op = 'munmap' AND hi_ns <= lo_ns"),
		      "0"));
	snprintf(want, sizeof(want), "%d|%llu|%d", nc - 1, (unsigned long long)sum, 4 + batch + 4);
	CHECKF(!strcmp(q(s, "SELECT count(*) || '|' || sum(value) || '|' || "
			 "(SELECT value FROM counter WHERE name = 'c003') FROM counter"), want),
	       "%s", q(s, "SELECT count(*) || '|' || sum(value) FROM counter"));
	snprintf(want, sizeof(want), "%d|%d", nv, nv);
	CHECK(!strcmp(q(s, "SELECT count(*) || '|' || sum(t_ns = task * 10 AND kind = 'kind' || task "
			"AND addr = task * 4096 AND detail = 'detail ' || task) FROM violation"),
		      want));

	/* The next run: 5 counters fewer, so its rest takes a new statement. */
	r.ncounters = nc - 5;
	r.seed = 2;
	CHECK(store_one(s, &r) == 2);
	snprintf(want, sizeof(want), "%d|%d", nc - 5 - 1, nv);
	CHECKF(!strcmp(q(s, "SELECT (SELECT count(*) FROM counter WHERE run_id = 2) || '|' || "
			 "(SELECT count(*) FROM violation WHERE run_id = 2)"), want),
	       "%s", q(s, "SELECT count(*) FROM counter WHERE run_id = 2"));
	r.ncounters = nc;
	run_result_free(&r);
	store_close(s);
	return 0;
}

static int test_status_last(void)
{
	struct store_key k = { "global-rwsem", "gen:pft", "xeon-8176-2s", 4, 4, 1, "", "0.1.0", "", "" };
	struct run_result r;
	struct store *s;
	char err[512];
	int64_t id, id2;
	pid_t pid;
	int status;

	s = store_open(scratch_path("st.db"), 1, err, sizeof(err));
	CHECKF(s, "%s", err);
	/* Begun, never finished: RUNNING, and not found for resume. */
	id = store_run_begin(s, &k, err, sizeof(err));
	CHECK(id > 0);
	CHECK(!strcmp(q(s, "SELECT status FROM run"), "RUNNING"));
	CHECK(store_find_done(s, &k) == 0);
	CHECK(!strcmp(q(s, "SELECT count(*) FROM v_scaling"), "0"));

	/* A writer killed in the middle of the outcome's transaction: nothing of it lands. */
	pid = fork();
	CHECK(pid >= 0);
	if (pid == 0) {
		struct store *c = store_open(scratch_path("st.db"), 1, err, sizeof(err));
		int64_t cid = c ? store_run_begin(c, &k, err, sizeof(err)) : -1;

		if (cid < 0)
			_exit(3);
		sqlite3_exec(store_db(c), "BEGIN; INSERT INTO op_stat VALUES (2, 'fault', 1, 1, 1, 1, "
			     "1, 1, 1); UPDATE run SET status = 'COMPLETE' WHERE run_id = 1", NULL,
			     NULL, NULL);
		raise(SIGKILL);
	}
	CHECK(waitpid(pid, &status, 0) == pid && WIFSIGNALED(status));
	CHECK(!strcmp(q(s, "SELECT group_concat(run_id || ':' || status, ' ') FROM run"),
		      "1:RUNNING 2:RUNNING"));
	CHECK(!strcmp(q(s, "SELECT count(*) FROM op_stat"), "0"));

	/* A bad final status is refused and changes nothing. */
	make_result(&r, "global-rwsem", 4, 1, 1e6, RUN_RUNNING);
	CHECK(store_run_finish(s, id, &r, err, sizeof(err)) < 0);
	printf("refused: %s\n", err);
	CHECK(!strcmp(q(s, "SELECT count(*) FROM op_stat"), "0"));
	snprintf(r.status, sizeof(r.status), RUN_COMPLETE);
	CHECK(store_run_finish(s, id, &r, err, sizeof(err)) == 0);
	CHECK(!strcmp(q(s, "SELECT status FROM run WHERE run_id = 1"), "COMPLETE"));
	CHECK(store_find_done(s, &k) == id);
	k.seed = 2;
	CHECK(store_find_done(s, &k) == 0);
	k.seed = 1;
	k.cpus = 0;	/* any */
	CHECK(store_find_done(s, &k) == id);
	CHECK(store_run_mark(s, 2, RUN_INTERRUPTED, "stopped by SIGINT") == 0);
	CHECK(!strcmp(q(s, "SELECT status || ': ' || error FROM run WHERE run_id = 2"),
		      "INTERRUPTED: stopped by SIGINT"));
	/* A result that could not run keeps the key columns it was begun with. */
	id2 = store_run_begin(s, &k, err, sizeof(err));
	run_result_free(&r);
	memset(&r, 0, sizeof(r));
	snprintf(r.status, sizeof(r.status), RUN_ERROR);
	snprintf(r.error, sizeof(r.error), "pft: unknown parameter");
	CHECK(store_run_finish(s, id2, &r, err, sizeof(err)) == 0);
	CHECK(!strcmp(q(s, "SELECT scheme || ' ' || machine || ' ' || status || ' ' || error FROM run "
			"WHERE run_id = 3"), "global-rwsem xeon-8176-2s ERROR pft: unknown parameter"));
	store_close(s);
	return 0;
}

static int run_sh(const char *cmd)
{
	int st = system(cmd);

	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static int test_refuses_foreign(void)
{
	char err[512], cmd[1024], line[512];
	struct store *s;
	FILE *f;

	/* Another program's SQLite file. */
	snprintf(cmd, sizeof(cmd), "sqlite3 '%s' 'CREATE TABLE t(x)'", scratch_path("other.db"));
	if (run_sh("command -v sqlite3 >/dev/null") != 0) {
		printf("SKIP part: no sqlite3 shell\n");
	} else {
		CHECK(run_sh(cmd) == 0);
		s = store_open(scratch_path("other.db"), 1, err, sizeof(err));
		CHECK(!s);
		printf("%s\n", err);
		CHECK(strstr(err, "not an mmlocksim database"));
	}
	/* Ours, but of another schema version. */
	s = store_open(scratch_path("v99.db"), 1, err, sizeof(err));
	CHECK(s);
	CHECK(sqlite3_exec(store_db(s), "PRAGMA user_version = 99", NULL, NULL, NULL) == SQLITE_OK);
	store_close(s);
	s = store_open(scratch_path("v99.db"), 1, err, sizeof(err));
	CHECK(!s);
	printf("%s\n", err);
	CHECK(strstr(err, "schema version 99") && !strchr(err, '\n'));
	/* Not SQLite at all. */
	f = fopen(scratch_path("text.db"), "w");
	CHECK(f);
	fputs("this is not a database, just some text that is long enough to be a header...\n", f);
	fclose(f);
	s = store_open(scratch_path("text.db"), 1, err, sizeof(err));
	CHECK(!s);
	printf("%s\n", err);
	CHECK(strstr(err, "not an SQLite database"));
	/* Missing, without create. */
	CHECK(!store_open(scratch_path("none.db"), 0, err, sizeof(err)));
	CHECK(strstr(err, "no such database"));
	/* The command: one line, exit 2. */
	snprintf(cmd, sizeof(cmd), "%s/mmlocksim report '%s' 2>'%s'", test_bindir, scratch_path("v99.db"),
		 scratch_path("report.err"));
	CHECK(run_sh(cmd) == 2);
	f = fopen(scratch_path("report.err"), "r");
	CHECK(f && fgets(line, sizeof(line), f));
	CHECK(!fgets(cmd, sizeof(cmd), f));	/* exactly one line */
	fclose(f);
	printf("mmlocksim report: %s", line);
	CHECK(strstr(line, "schema version 99"));
	return 0;
}

static int test_merge(void)
{
	struct run_result r;
	struct store *a, *b, *out;
	char err[512], cmd[1024], line[1024];
	FILE *f;
	int64_t rows;

	a = store_open(scratch_path("a.db"), 1, err, sizeof(err));
	b = store_open(scratch_path("b.db"), 1, err, sizeof(err));
	CHECK(a && b);
	make_result(&r, "global-rwsem", 4, 1, 1e6, RUN_COMPLETE);
	CHECK(store_one(a, &r) == 1);
	run_result_free(&r);
	make_result(&r, "global-rwsem", 4, 2, 1.1e6, RUN_COMPLETE);
	CHECK(store_one(a, &r) == 2);
	run_result_free(&r);
	make_result(&r, "busted", 4, 1, 9e6, RUN_FAILED);
	CHECK(store_one(b, &r) == 1);	/* clashes with a's run 1 */
	run_result_free(&r);
	store_close(a);
	store_close(b);

	out = store_open(scratch_path("out.db"), 1, err, sizeof(err));
	CHECK(out);
	rows = store_merge(out, scratch_path("a.db"), err, sizeof(err));
	CHECKF(rows > 0, "%s", err);
	rows = store_merge(out, scratch_path("b.db"), err, sizeof(err));
	CHECKF(rows > 0, "%s", err);
	CHECK(!strcmp(q(out, "SELECT group_concat(run_id || ':' || scheme || ':' || seed, ' ') FROM run"),
		      "1:global-rwsem:1 2:global-rwsem:2 3:busted:1"));
	/* The children moved with their runs. */
	CHECK(!strcmp(q(out, "SELECT count(*) FROM violation WHERE run_id = 3"), "1"));
	CHECK(!strcmp(q(out, "SELECT group_concat(DISTINCT run_id) FROM op_stat"), "1,2,3"));
	CHECK(!strcmp(q(out, "SELECT count(*) FROM lat_hist WHERE run_id NOT IN (SELECT run_id FROM run)"),
		      "0"));
	CHECK(!strcmp(q(out, "SELECT count(*) FROM baseline"), "1"));	/* config not copied */
	CHECK(!strcmp(q(out, "SELECT count(*) FROM t975"), "39"));

	/* A shard of another version (the one before this) is refused and nothing changes. */
	b = store_open(scratch_path("b.db"), 1, err, sizeof(err));
	CHECK(b);
	sqlite3_exec(store_db(b), "PRAGMA user_version = 1", NULL, NULL, NULL);
	store_close(b);
	rows = store_merge(out, scratch_path("b.db"), err, sizeof(err));
	CHECK(rows < 0);
	printf("%s\n", err);
	CHECK(store_schema_version() == 2 && strstr(err, "schema version 1"));
	CHECK(!strcmp(q(out, "SELECT count(*) FROM run"), "3"));
	store_close(out);

	/* The command. */
	snprintf(cmd, sizeof(cmd), "%s/mmlocksim merge '%s' '%s' >/dev/null", test_bindir,
		 scratch_path("cli.db"), scratch_path("a.db"));
	CHECK(run_sh(cmd) == 0);
	snprintf(cmd, sizeof(cmd), "%s/mmlocksim merge '%s' '%s' 2>/dev/null", test_bindir,
		 scratch_path("cli.db"), scratch_path("b.db"));
	CHECK(run_sh(cmd) == 2);
	/* The same runs twice (a shard merged again) would count twice: refused. */
	snprintf(cmd, sizeof(cmd), "%s/mmlocksim merge '%s' '%s' 2>'%s'", test_bindir,
		 scratch_path("cli.db"), scratch_path("a.db"), scratch_path("clash.err"));
	CHECK(run_sh(cmd) == 2);
	f = fopen(scratch_path("clash.err"), "r");
	CHECK(f && fgets(line, sizeof(line), f));
	fclose(f);
	printf("%s", line);
	CHECK(strstr(line, "a.db: run 1 (global-rwsem") && strstr(line, "already in") &&
	      strstr(line, "as run 1"));
	out = store_open(scratch_path("cli.db"), 0, err, sizeof(err));
	CHECK(out);
	CHECK(!strcmp(q(out, "SELECT group_concat(run_id, ',') FROM run"), "1,2"));
	store_close(out);
	return 0;
}

static int test_views(void)
{
	static const double a[5] = { 1.00e6, 1.10e6, 0.95e6, 1.05e6, 1.02e6 };
	static const double b[5] = { 2.00e6, 2.30e6, 2.10e6, 1.90e6, 2.20e6 };
	struct run_result r;
	struct store *s;
	char err[512];
	double mean, sd, ci, hm;
	int i;

	s = store_open(scratch_path("views.db"), 1, err, sizeof(err));
	CHECK(s);
	for (i = 0; i < 5; i++) {
		make_result(&r, "global-rwsem", 16, (uint64_t)i + 1, a[i], RUN_COMPLETE);
		store_one(s, &r);
		run_result_free(&r);
		make_result(&r, "pervma-refcount", 16, (uint64_t)i + 1, b[i], RUN_COMPLETE);
		store_one(s, &r);
		run_result_free(&r);
	}
	/* Not COMPLETE: must not count. */
	make_result(&r, "pervma-refcount", 16, 6, 1e9, RUN_FAILED);
	store_one(s, &r);
	run_result_free(&r);
	{
		struct store_key k = { "pervma-refcount", "gen:pft", "xeon-8176-2s", 16, 16, 7,
				       "size=64M", "0.1.0", "", "size=64M" };

		store_run_begin(s, &k, err, sizeof(err));
	}
	mean = gsl_stats_mean(b, 1, 5);
	sd = gsl_stats_sd(b, 1, 5);
	ci = gsl_cdf_tdist_Pinv(0.975, 4) * sd / sqrt(5);
	hm = stats_hmean(b, 5);
	CHECK(fabs(atof(q(s, "SELECT n FROM v_scaling WHERE scheme = 'pervma-refcount'")) - 5) < 1e-9);
	CHECK(fabs(atof(q(s, "SELECT mean_tput FROM v_scaling WHERE scheme = 'pervma-refcount'")) - mean) < 1e-6);
	CHECK(fabs(atof(q(s, "SELECT sd_tput FROM v_scaling WHERE scheme = 'pervma-refcount'")) - sd) < 1e-6);
	CHECK(fabs(atof(q(s, "SELECT hmean_tput FROM v_scaling WHERE scheme = 'pervma-refcount'")) - hm) < 1e-3);
	/* The schema's t table has 4 decimals: agree to 1e-4 relative. */
	CHECKF(fabs(atof(q(s, "SELECT ci95_tput FROM v_scaling WHERE scheme = 'pervma-refcount'")) - ci)
	       < 1e-4 * ci, "view %s, GSL %.3f",
	       q(s, "SELECT ci95_tput FROM v_scaling WHERE scheme = 'pervma-refcount'"), ci);
	CHECK(fabs(stats_ci95(b, 5) - ci) < 1e-9 * ci);
	printf("v_scaling pervma-refcount: mean %.1f sd %.1f ci95 %s (GSL %.1f)\n", mean, sd,
	       q(s, "SELECT ci95_tput FROM v_scaling WHERE scheme = 'pervma-refcount'"), ci);
	CHECK(fabs(atof(q(s, "SELECT pct_change FROM v_compare WHERE scheme = 'pervma-refcount'")) -
		   100.0 * (mean - gsl_stats_mean(a, 1, 5)) / gsl_stats_mean(a, 1, 5)) < 1e-6);
	CHECK(!strcmp(q(s, "SELECT baseline FROM v_compare WHERE scheme = 'pervma-refcount'"), "global-rwsem"));
	CHECK(!strcmp(q(s, "SELECT pct_change FROM v_compare WHERE scheme = 'global-rwsem'"), "0.0"));
	/* Another baseline, by the documented UPDATE. */
	sqlite3_exec(store_db(s), "UPDATE baseline SET scheme = 'pervma-refcount'", NULL, NULL, NULL);
	CHECK(!strcmp(q(s, "SELECT baseline FROM v_compare WHERE scheme = 'global-rwsem'"), "pervma-refcount"));
	store_close(s);
	return 0;
}

static int test_t_table(void)
{
	struct store *s;
	sqlite3_stmt *st;
	char err[512];
	int n = 0;

	s = store_open(scratch_path("t.db"), 1, err, sizeof(err));
	CHECK(s);
	CHECK(sqlite3_prepare_v2(store_db(s), "SELECT df, t FROM t975", -1, &st, NULL) == SQLITE_OK);
	while (sqlite3_step(st) == SQLITE_ROW) {
		double df = sqlite3_column_double(st, 0), t = sqlite3_column_double(st, 1);
		double want = gsl_cdf_tdist_Pinv(0.975, df);

		CHECKF(fabs(t - want) < 0.6e-4, "df %.0f: table %.4f, GSL %.6f", df, t, want);
		n++;
	}
	sqlite3_finalize(st);
	CHECK(n == 39);
	store_close(s);
	return 0;
}

/* The embedded schema is the file, and the stock shell loads it. */
static int test_schema_embedded(void)
{
	extern const char store_schema_sql[];
	char cmd[1024];
	FILE *f = fopen("analysis/schema.sql", "r");
	char *text;
	long n;

	if (!f) {
		printf("SKIP: analysis/schema.sql not found (tests run from the source tree)\n");
		return 0;
	}
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	text = calloc(1, (size_t)n + 1);
	CHECK(text && fread(text, 1, (size_t)n, f) == (size_t)n);
	fclose(f);
	CHECKF(!strcmp(text, store_schema_sql), "the binary's schema differs from analysis/schema.sql");
	free(text);
	CHECK(store_schema_version() >= 1);
	if (run_sh("command -v sqlite3 >/dev/null") == 0) {
		snprintf(cmd, sizeof(cmd), "sqlite3 '%s' < analysis/schema.sql && "
			 "sqlite3 '%s' 'SELECT count(*) FROM v_scaling' >/dev/null",
			 scratch_path("shell.db"), scratch_path("shell.db"));
		CHECK(run_sh(cmd) == 0);
	}
	return 0;
}

static int test_hist(void)
{
	struct lat_hist h, h2;
	struct lat_bucket *b;
	gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
	static double xs[20000];
	int k, nb, i;
	uint64_t v;

	/* Bounds: bucket k is the integers of [2^(k/8), 2^((k+1)/8)). */
	for (k = 1; k < 200; k++) {
		double lo = pow(2.0, k / 8.0);

		CHECK(hist_bucket_lo(k) == (uint64_t)ceil(lo));
	}
	CHECK(hist_bucket_lo(64) == 256 && hist_bucket_lo(0) == 0);
	for (v = 0; v < 100000; v++) {
		k = hist_bucket_of(v);
		CHECKF(hist_bucket_lo(k) <= v && v < hist_bucket_lo(k + 1), "%llu in bucket %d",
		       (unsigned long long)v, k);
	}
	for (i = 0; i < 63; i++) {
		v = 1ULL << i;
		CHECK(hist_bucket_of(v) == 8 * i);
		CHECK(hist_bucket_of(v - 1) < 8 * i || v == 1);
	}
	CHECK(hist_bucket_of(UINT64_MAX) == HIST_BUCKETS - 1);
	/* Each bound and the integer below it, in every power of two, and
	 * hist_add() counting them in the same bucket. */
	hist_init(&h);
	for (k = 1; k < HIST_BUCKETS; k++) {
		uint64_t edge = hist_bucket_lo(k);

		CHECKF(hist_bucket_of(edge) == k || hist_bucket_lo(k + 1) == edge,
		       "bound %llu of bucket %d", (unsigned long long)edge, k);
		CHECKF(hist_bucket_of(edge - 1) < k, "%llu below bucket %d", (unsigned long long)(edge - 1), k);
		hist_add(&h, edge);
		CHECK(h.n == 1 && h.count[hist_bucket_of(edge)] == 1);
		hist_init(&h);
	}

	/* Percentiles within a bucket width (9%) of the exact ones. */
	hist_init(&h);
	hist_init(&h2);
	for (i = 0; i < 20000; i++) {
		xs[i] = floor(800 - 2000 * log(gsl_rng_uniform_pos(rng)));	/* shifted exponential */
		hist_add(i & 1 ? &h : &h2, (uint64_t)xs[i]);
	}
	hist_merge(&h, &h2);
	CHECK(h.n == 20000);
	gsl_sort(xs, 1, 20000);
	for (i = 0; i < 4; i++) {
		static const double qs[4] = { 0.5, 0.9, 0.99, 0.999 };
		double exact = gsl_stats_quantile_from_sorted_data(xs, 1, 20000, qs[i]);
		double got = (double)hist_percentile(&h, qs[i]);

		printf("q%.3f exact %.0f histogram %.0f\n", qs[i], exact, got);
		CHECK(fabs(got - exact) <= 0.095 * exact);
	}
	CHECK(fabs(hist_mean(&h) - gsl_stats_mean(xs, 1, 20000)) < 1e-6 * hist_mean(&h));
	CHECK(hist_percentile(&h, 1.0) == h.max && hist_percentile(&h, 0) == h.min);
	/* Stored buckets give the same percentiles (up to the min/max clamp). */
	hist_to_buckets(&h, &b, &nb);
	CHECK(nb > 0);

	for (i = 0; i < nb; i++)
		CHECK(b[i].count && b[i].lo_ns < b[i].hi_ns && (!i || b[i - 1].hi_ns <= b[i].lo_ns));
	CHECK(hist_percentile_buckets(b, nb, 0.99) == hist_percentile(&h, 0.99));
	free(b);
	gsl_rng_free(rng);
	return 0;
}

const struct test_case store_tests[] = {
	{ "store_roundtrip", test_roundtrip },
	{ "store_batched_rows", test_batched_rows },
	{ "store_status_last", test_status_last },
	{ "store_refuses_foreign", test_refuses_foreign },
	{ "store_merge", test_merge },
	{ "store_views", test_views },
	{ "store_t_table", test_t_table },
	{ "store_schema_embedded", test_schema_embedded },
	{ "store_hist", test_hist },
	{ NULL, NULL },
};
