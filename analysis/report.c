/*
 * The mmtests-style comparison table (see report.h).
 *
 * Everything is read back from the database, never from memory, so that
 * `compare` at its end and `report` on a file later print the same thing.
 * Each cell's numbers come from the COMPLETE runs of that (scheme, CPU
 * count); a cell with none says why (FAILED, ERROR, RUNNING...).
 */
#include <inttypes.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/hist.h"
#include "analysis/report.h"
#include "analysis/sample_stats.h"
#include "analysis/usl.h"
#include "lib/xalloc.h"

#define MAX_SCHEMES 32
#define MAX_CPUS 64
#define NAME_W 20		/* the least width of the row label column */
#define CELL_W 24		/* one scheme column */

/*
 * The runs a table is about: they share source, machine, threads and
 * model_args (the conditions); its columns are the variants of schemes
 * (scheme and scheme_args), "scheme" or "scheme:KEY=VAL ...".
 */
struct group {
	char *source, *machine, *args;
	int threads;
	int w;			/* width of the row labels */
	int nschemes, ncpus;
	char *schemes[MAX_SCHEMES];
	int cpus[MAX_CPUS];
};

struct cell {
	double *tput;		/* fault throughput of each COMPLETE run */
	size_t n;
	double hmean, cv;
	uint64_t p99;
	int nfailed, nerror, nother;
};

/* The database's file, which every message names. */
static const char *db_path(sqlite3 *db)
{
	const char *p = sqlite3_db_filename(db, "main");

	return p && *p ? p : "the results database";
}

/*
 * After the last sqlite3_step() of a loop over rows (rc): 0 if every row
 * came, else -1 with why in err.  A corrupt page ends a loop early with
 * an error, which must not read as "no more rows".
 */
static int rows_done(sqlite3 *db, int rc, char *err, size_t errlen)
{
	if (rc == SQLITE_DONE)
		return 0;
	snprintf(err, errlen, "%s: cannot read the results: %s", db_path(db), sqlite3_errmsg(db));
	return -1;
}

static char *dup_col(sqlite3_stmt *st, int i)
{
	const unsigned char *t = sqlite3_column_text(st, i);

	return xstrdup(t ? (const char *)t : "");
}

/*
 * Prepare sql and bind the group key to ?1..?4 and its largest CPU count
 * to :maxcpus if used: NULL on error (in err).
 */
static sqlite3_stmt *prep(sqlite3 *db, const char *sql, const struct group *g,
			  char *err, size_t errlen)
{
	sqlite3_stmt *st;

	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
		snprintf(err, errlen, "%s: %s", db_path(db), sqlite3_errmsg(db));
		return NULL;
	}
	if (g) {
		sqlite3_bind_text(st, 1, g->source, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, g->machine, -1, SQLITE_STATIC);
		sqlite3_bind_int(st, 3, g->threads);
		sqlite3_bind_text(st, 4, g->args, -1, SQLITE_STATIC);
		if (g->ncpus)
			sqlite3_bind_int(st, sqlite3_bind_parameter_index(st, ":maxcpus"),
					 g->cpus[g->ncpus - 1]);
	}
	return st;
}

#define GROUP_WHERE "r.source = ?1 AND r.machine = ?2 AND r.threads = ?3 AND r.model_args = ?4"
/* A variant of a scheme, as a column of the report names it. */
#define VARIANT_OF(r) "(" r ".scheme || CASE WHEN " r ".scheme_args = '' THEN '' ELSE ':' || " \
	r ".scheme_args END)"
#define VARIANT VARIANT_OF("r")

static int load_cell(sqlite3 *db, const struct group *g, const char *scheme, int cpus,
		     struct cell *c, char *err, size_t errlen)
{
	struct lat_bucket *b = NULL;
	size_t cap = 0;
	int nb = 0, capb = 0, rc;
	sqlite3_stmt *st;

	memset(c, 0, sizeof(*c));
	st = prep(db, "SELECT o.throughput_per_s FROM run r JOIN op_stat o ON o.run_id = r.run_id "
		  "AND o.op = 'fault' WHERE " GROUP_WHERE " AND " VARIANT " = ?5 AND r.cpus = ?6 "
		  "AND r.status = 'COMPLETE' ORDER BY r.run_id", g, err, errlen);
	if (!st)
		return -1;
	sqlite3_bind_text(st, 5, scheme, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 6, cpus);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (c->n == cap) {
			cap = cap ? 2 * cap : 8;
			c->tput = xreallocarray(c->tput, cap, sizeof(*c->tput));
		}
		c->tput[c->n++] = sqlite3_column_double(st, 0);
	}
	sqlite3_finalize(st);
	if (rows_done(db, rc, err, errlen))
		return -1;
	c->hmean = stats_hmean(c->tput, c->n);
	c->cv = stats_cv(c->tput, c->n);

	st = prep(db, "SELECT r.status, count(*) FROM run r WHERE " GROUP_WHERE
		  " AND " VARIANT " = ?5 AND r.cpus = ?6 GROUP BY r.status", g, err, errlen);
	if (!st)
		return -1;
	sqlite3_bind_text(st, 5, scheme, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 6, cpus);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *s = (const char *)sqlite3_column_text(st, 0);
		int k = sqlite3_column_int(st, 1);

		if (!strcmp(s, "FAILED"))
			c->nfailed += k;
		else if (!strcmp(s, "ERROR"))
			c->nerror += k;
		else if (strcmp(s, "COMPLETE"))
			c->nother += k;
	}
	sqlite3_finalize(st);
	if (rows_done(db, rc, err, errlen))
		return -1;

	/* p99 of all the faults of all seeds: pool the histograms. */
	st = prep(db, "SELECT h.lo_ns, h.hi_ns, sum(h.count) FROM lat_hist h JOIN run r "
		  "ON r.run_id = h.run_id WHERE " GROUP_WHERE " AND " VARIANT " = ?5 AND r.cpus = ?6 "
		  "AND r.status = 'COMPLETE' AND h.op = 'fault' GROUP BY h.lo_ns, h.hi_ns "
		  "ORDER BY h.lo_ns", g, err, errlen);
	if (!st)
		return -1;
	sqlite3_bind_text(st, 5, scheme, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 6, cpus);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (nb == capb) {
			capb = capb ? 2 * capb : 64;
			b = xreallocarray(b, (size_t)capb, sizeof(*b));
		}
		b[nb].lo_ns = (uint64_t)sqlite3_column_int64(st, 0);
		b[nb].hi_ns = (uint64_t)sqlite3_column_int64(st, 1);
		b[nb].count = (uint64_t)sqlite3_column_int64(st, 2);
		nb++;
	}
	sqlite3_finalize(st);
	c->p99 = hist_percentile_buckets(b, nb, 0.99);
	free(b);
	return rows_done(db, rc, err, errlen);
}

/* A cell with no COMPLETE run: say why, in the cell. */
static void print_missing(FILE *out, const struct cell *c)
{
	const char *why = c->nfailed ? "FAILED" : c->nerror ? "ERROR" :
			  c->nother ? "INCOMPLETE" : "-";

	fprintf(out, "%*s", CELL_W, why);
}

/* The column names; one longer than a column (a variant) goes on over more lines. */
static void print_header(FILE *out, const struct group *g)
{
	size_t n, most = 0, l;
	int s;

	for (s = 0; s < g->nschemes; s++)
		if (strlen(g->schemes[s]) > most)
			most = strlen(g->schemes[s]);
	for (l = 0; l == 0 || l < most; l += CELL_W - 1) {
		fprintf(out, "%-*s", g->w, "");
		for (s = 0; s < g->nschemes; s++) {
			n = strlen(g->schemes[s]);
			fprintf(out, " %*.*s", CELL_W - 1, CELL_W - 1, l < n ? g->schemes[s] + l : "");
		}
		fputc('\n', out);
	}
}

/* "  12345.67 (   1.23%)", or "*   1.23%*" around the change when significant. */
static void print_value_change(FILE *out, double v, double base, int significant,
			       const char *fmt)
{
	char num[32], chg[16];

	snprintf(num, sizeof(num), fmt, v);
	if (base > 0 && isfinite(v))
		snprintf(chg, sizeof(chg), "%7.2f%%", 100.0 * (v - base) / base);
	else
		snprintf(chg, sizeof(chg), "%8s", "-");
	fprintf(out, "%*s %c%s%c", CELL_W - 11, num, significant ? '*' : '(', chg,
		significant ? '*' : ')');
}

static void print_table(FILE *out, const struct group *g, struct cell *cells)
{
	int s, k;
	char label[32];

	print_header(out, g);
	for (k = 0; k < g->ncpus; k++) {
		const struct cell *b = &cells[k * g->nschemes];

		snprintf(label, sizeof(label), "Hmean fault/s-%d", g->cpus[k]);
		fprintf(out, "%-*s", g->w, label);
		for (s = 0; s < g->nschemes; s++) {
			const struct cell *c = &cells[k * g->nschemes + s];
			double p = stats_welch_p(c->tput, c->n, b->tput, b->n, NULL, NULL);

			if (!c->n) {
				print_missing(out, c);
				continue;
			}
			print_value_change(out, c->hmean, b->n ? b->hmean : NAN,
					   s > 0 && p < 0.05, "%.2f");
		}
		fputc('\n', out);
	}
	for (k = 0; k < g->ncpus; k++) {
		snprintf(label, sizeof(label), "CoeffVar fault/s-%d", g->cpus[k]);
		fprintf(out, "%-*s", g->w, label);
		for (s = 0; s < g->nschemes; s++) {
			const struct cell *c = &cells[k * g->nschemes + s];

			if (!c->n)
				print_missing(out, c);
			else if (isnan(c->cv))
				fprintf(out, "%*s", CELL_W, "-");
			else
				fprintf(out, "%*.2f%%%*s", CELL_W - 11, c->cv, 10, "");
		}
		fputc('\n', out);
	}
	for (k = 0; k < g->ncpus; k++) {
		const struct cell *b = &cells[k * g->nschemes];

		snprintf(label, sizeof(label), "p99 fault-ns-%d", g->cpus[k]);
		fprintf(out, "%-*s", g->w, label);
		for (s = 0; s < g->nschemes; s++) {
			const struct cell *c = &cells[k * g->nschemes + s];

			if (!c->n)
				print_missing(out, c);
			else
				print_value_change(out, (double)c->p99, b->n ? (double)b->p99 : NAN,
						   0, "%.0f");
		}
		fputc('\n', out);
	}
	for (k = 0; k < g->ncpus; k++) {
		fprintf(out, "%-*s", g->w, k ? "" : "runs");
		snprintf(label, sizeof(label), "cpus-%d", g->cpus[k]);
		for (s = 0; s < g->nschemes; s++) {
			const struct cell *c = &cells[k * g->nschemes + s];
			char txt[64];

			snprintf(txt, sizeof(txt), "%s: %zu ok%s%.0d%s%.0d%s%.0d", label, c->n,
				 c->nfailed ? " FAILED " : "", c->nfailed,
				 c->nerror ? " ERROR " : "", c->nerror,
				 c->nother ? " other " : "", c->nother);
			fprintf(out, " %*s", CELL_W - 1, txt);
		}
		fputc('\n', out);
	}
}

static void print_pivot_row(FILE *out, const struct group *g, const char *name,
			    const double *vals, const int *have, const char *fmt)
{
	char num[32];
	int s;

	fprintf(out, "%-*s", g->w, name);
	for (s = 0; s < g->nschemes; s++) {
		if (have[s])
			snprintf(num, sizeof(num), fmt, vals[s]);
		fprintf(out, " %*s", CELL_W - 1, have[s] ? num : "-");
	}
	fputc('\n', out);
}

/*
 * Rows (name, scheme, value) from sql, bound to the group and ordered by
 * name, as a table: one line per name, one column per scheme.
 */
static int print_pivot(FILE *out, sqlite3 *db, const struct group *g, const char *sql, const char *fmt, char *err, size_t errlen)
{
	sqlite3_stmt *st = prep(db, sql, g, err, errlen);
	char *row = NULL;
	double vals[MAX_SCHEMES];
	int s, have[MAX_SCHEMES], rc;

	if (!st)
		return -1;
	for (;;) {
		const char *name;

		rc = sqlite3_step(st);
		name = rc == SQLITE_ROW ? (const char *)sqlite3_column_text(st, 0) : NULL;

		if (row && (!name || strcmp(name, row))) {
			print_pivot_row(out, g, row, vals, have, fmt);
			free(row);
			row = NULL;
		}
		if (!name)
			break;
		if (!row) {
			row = xstrdup(name);
			memset(have, 0, sizeof(have));
		}
		for (s = 0; s < g->nschemes; s++) {
			if (!strcmp(g->schemes[s], (const char *)sqlite3_column_text(st, 1))) {
				vals[s] = sqlite3_column_double(st, 2);
				have[s] = 1;
			}
		}
	}
	free(row);
	sqlite3_finalize(st);
	return rows_done(db, rc, err, errlen);
}

/* How many rows sql (bound to the group) returns, to skip empty sections; -1 (err). */
static int count_rows(sqlite3 *db, const struct group *g, const char *sql, char *err,
		      size_t errlen)
{
	sqlite3_stmt *st = prep(db, sql, g, err, errlen);
	int n = 0, rc;

	if (!st)
		return -1;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		n++;
	sqlite3_finalize(st);
	return rows_done(db, rc, err, errlen) ? -1 : n;
}

static const char counters_sql[] =
	"WITH f AS (SELECT " VARIANT " AS v, sum(o.count) AS faults FROM run r JOIN op_stat o "
	"  ON o.run_id = r.run_id AND o.op = 'fault' WHERE " GROUP_WHERE
	"  AND r.status IN ('COMPLETE', 'FAILED') GROUP BY v) "
	"SELECT c.name, f.v, 1000.0 * sum(c.value) / max(f.faults, 1) "
	"FROM run r JOIN counter c ON c.run_id = r.run_id JOIN f ON f.v = " VARIANT
	" WHERE " GROUP_WHERE " AND r.status IN ('COMPLETE', 'FAILED') "
	"GROUP BY c.name, f.v ORDER BY c.name";

/* Lock wait at the largest CPU count (:maxcpus), where it matters most. */
static const char lockwait_sql[] =
	"WITH f AS (SELECT " VARIANT " AS v, sum(o.count) AS faults FROM run r JOIN op_stat o "
	"  ON o.run_id = r.run_id AND o.op = 'fault' WHERE " GROUP_WHERE
	"  AND r.cpus = :maxcpus AND r.status = 'COMPLETE' GROUP BY v) "
	"SELECT l.lock, f.v, 1.0 * sum(l.wait_ns) / max(f.faults, 1) "
	"FROM run r JOIN lock_stat l ON l.run_id = r.run_id JOIN f ON f.v = " VARIANT
	" WHERE " GROUP_WHERE " AND r.cpus = :maxcpus AND r.status = 'COMPLETE' "
	"GROUP BY l.lock, f.v ORDER BY l.lock";

static int print_violations(FILE *out, sqlite3 *db, const struct group *g, char *err,
			    size_t errlen)
{
	sqlite3_stmt *st;
	int n = 0, rc;

	/* Only finished runs were checked: an ERROR run is no evidence of safety. */
	st = prep(db, "SELECT " VARIANT ", sum(r.status IN ('COMPLETE', 'FAILED')), "
		  "sum(r.status = 'FAILED'), "
		  "coalesce(sum(r.violations), 0), "
		  "(SELECT group_concat(k || ' ' || c, ', ') FROM (SELECT v.kind AS k, count(*) AS c "
		  "  FROM violation v JOIN run r2 ON r2.run_id = v.run_id WHERE "
		  VARIANT_OF("r2") " = " VARIANT
		  "  AND r2.source = ?1 AND r2.machine = ?2 AND r2.threads = ?3 AND r2.model_args = ?4 "
		  "  GROUP BY v.kind ORDER BY c DESC)) "
		  "FROM run r WHERE " GROUP_WHERE " GROUP BY " VARIANT " ORDER BY min(r.run_id)",
		  g, err, errlen);
	if (!st)
		return -1;
	fprintf(out, "\nsafety\n");
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *scheme = (const char *)sqlite3_column_text(st, 0);
		const char *kinds = (const char *)sqlite3_column_text(st, 4);
		int64_t nv = sqlite3_column_int64(st, 3);

		n++;
		if (!nv && !sqlite3_column_int(st, 1))
			fprintf(out, "  %-*s not checked: no run finished\n", NAME_W, scheme);
		else if (!nv)
			fprintf(out, "  %-*s no violations in %d runs\n", NAME_W, scheme,
				sqlite3_column_int(st, 1));
		else
			fprintf(out, "  %-*s UNSAFE: %" PRId64 " violations, %d of %d runs FAILED "
				"(stored: %s)\n", NAME_W, scheme, nv, sqlite3_column_int(st, 2),
				sqlite3_column_int(st, 1), kinds ? kinds : "none");
	}
	sqlite3_finalize(st);
	return rows_done(db, rc, err, errlen) ? -1 : n;
}

#define MAX_PROBLEMS 20

/* Every run that is not COMPLETE, with why. */
static int print_problems(FILE *out, sqlite3 *db, const struct group *g, char *err,
			  size_t errlen)
{
	sqlite3_stmt *st;
	int n = 0, rc;

	st = prep(db, "SELECT r.run_id, " VARIANT ", r.cpus, r.seed, r.status, r.error, "
		  "r.violations, v.kind, v.t_ns, v.task, v.addr, v.detail FROM run r "
		  "LEFT JOIN violation v ON v.rowid = (SELECT min(rowid) FROM violation "
		  "  WHERE run_id = r.run_id) "
		  "WHERE " GROUP_WHERE " AND r.status != 'COMPLETE' ORDER BY r.run_id", g, err, errlen);
	if (!st)
		return -1;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *status = (const char *)sqlite3_column_text(st, 4);
		const char *error = (const char *)sqlite3_column_text(st, 5);

		if (!n)
			fprintf(out, "\nruns that did not complete\n");
		if (++n > MAX_PROBLEMS)
			continue;
		fprintf(out, "  run %lld %s cpus=%d seed=%lld: %s", sqlite3_column_int64(st, 0),
			(const char *)sqlite3_column_text(st, 1), sqlite3_column_int(st, 2),
			sqlite3_column_int64(st, 3), status);
		if (!strcmp(status, "FAILED") && sqlite3_column_type(st, 7) != SQLITE_NULL)
			fprintf(out, ", %lld violations, first: %s at %lld ns, task %d, addr %#llx: %s",
				sqlite3_column_int64(st, 6), (const char *)sqlite3_column_text(st, 7),
				sqlite3_column_int64(st, 8), sqlite3_column_int(st, 9),
				(unsigned long long)sqlite3_column_int64(st, 10),
				(const char *)sqlite3_column_text(st, 11));
		else if (!strcmp(status, "RUNNING"))
			fprintf(out, " (never finished: the process running it died or is still running)");
		if (error)
			fprintf(out, ": %s", error);
		fputc('\n', out);
	}
	if (n > MAX_PROBLEMS)
		fprintf(out, "  ... and %d more (SELECT * FROM run WHERE status != 'COMPLETE')\n",
			n - MAX_PROBLEMS);
	sqlite3_finalize(st);
	return rows_done(db, rc, err, errlen) ? -1 : n;
}

static void free_group(struct group *g)
{
	int s;

	for (s = 0; s < g->nschemes; s++)
		free(g->schemes[s]);
	free(g->source);
	free(g->machine);
	free(g->args);
	memset(g, 0, sizeof(*g));
}

/*
 * Variants of schemes (the baseline's first, its plain one before those
 * with parameters, then in the order they were run) and CPU counts.
 */
static int load_group(sqlite3 *db, struct group *g, const char *baseline, char *err,
		      size_t errlen)
{
	sqlite3_stmt *st;
	int rc;

	st = prep(db, "SELECT " VARIANT " AS v FROM run r WHERE " GROUP_WHERE
		  " GROUP BY v ORDER BY r.scheme != ?5, r.scheme_args != '', min(r.run_id)", g, err,
		  errlen);
	if (!st)
		return -1;
	sqlite3_bind_text(st, 5, baseline, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW && g->nschemes < MAX_SCHEMES)
		g->schemes[g->nschemes++] = dup_col(st, 0);
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW && rows_done(db, rc, err, errlen))
		return -1;
	if (!g->nschemes) {
		snprintf(err, errlen, "%s: cannot read the results: no schemes in a group of runs",
			 db_path(db));
		return -1;
	}
	st = prep(db, "SELECT DISTINCT r.cpus FROM run r WHERE " GROUP_WHERE " ORDER BY r.cpus",
		  g, err, errlen);
	if (!st)
		return -1;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW && g->ncpus < MAX_CPUS)
		g->cpus[g->ncpus++] = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW && rows_done(db, rc, err, errlen))
		return -1;
	/* Labels: "CoeffVar fault/s-CPUS", counter and lock names. */
	st = prep(db, "SELECT max(coalesce((SELECT max(length(c.name)) FROM counter c JOIN run r "
		  "ON r.run_id = c.run_id WHERE " GROUP_WHERE "), 0), coalesce((SELECT "
		  "max(length(l.lock)) FROM lock_stat l JOIN run r ON r.run_id = l.run_id WHERE "
		  GROUP_WHERE "), 0))", g, err, errlen);
	if (!st)
		return -1;
	g->w = NAME_W;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW && sqlite3_column_int(st, 0) + 1 > g->w)
		g->w = sqlite3_column_int(st, 0) + 1;
	sqlite3_finalize(st);
	return rc == SQLITE_ROW ? 0 : rows_done(db, rc, err, errlen);
}

static int report_group(FILE *out, sqlite3 *db, struct group *g, const char *baseline,
			char *err, size_t errlen)
{
	struct cell *cells;
	int s, k, ret = -1;
	char title[64];

	if (load_group(db, g, baseline, err, errlen) < 0)
		return -1;
	fprintf(out, "source %s, machine %s", g->source, g->machine);
	if (g->threads)
		fprintf(out, ", %d threads", g->threads);
	if (g->args[0])
		fprintf(out, ", %s", g->args);
	fprintf(out, "\nbaseline %s; change against it in (%%), *marked* where Welch's t-test "
		"gives p < 0.05\n\n", g->schemes[0]);
	if (strncmp(g->schemes[0], baseline, strlen(baseline)) ||
	    (g->schemes[0][strlen(baseline)] && g->schemes[0][strlen(baseline)] != ':'))
		fprintf(out, "(no runs of baseline %s here: comparing against %s)\n\n", baseline,
			g->schemes[0]);
	cells = xcalloc((size_t)(g->nschemes * g->ncpus), sizeof(*cells));
	for (k = 0; k < g->ncpus; k++)
		for (s = 0; s < g->nschemes; s++)
			if (load_cell(db, g, g->schemes[s], g->cpus[k],
				      &cells[k * g->nschemes + s], err, errlen) < 0)
				goto out;
	print_table(out, g, cells);
	k = count_rows(db, g, counters_sql, err, errlen);
	if (k < 0)
		goto out;
	if (k) {
		fprintf(out, "\ncounters per 1000 faults (finished runs, all CPU counts)\n");
		print_header(out, g);
		if (print_pivot(out, db, g, counters_sql, "%.2f", err, errlen) < 0)
			goto out;
	}
	k = count_rows(db, g, lockwait_sql, err, errlen);
	if (k < 0)
		goto out;
	if (k) {
		snprintf(title, sizeof(title), "lock wait ns per fault at %d CPUs (COMPLETE runs)",
			 g->cpus[g->ncpus - 1]);
		fprintf(out, "\n%s\n", title);
		print_header(out, g);
		if (print_pivot(out, db, g, lockwait_sql, "%.1f", err, errlen) < 0)
			goto out;
	}
	if (print_violations(out, db, g, err, errlen) < 0 ||
	    print_problems(out, db, g, err, errlen) < 0)
		goto out;
	ret = 0;
out:
	for (k = 0; k < g->nschemes * g->ncpus; k++)
		free(cells[k].tput);
	free(cells);
	return ret;
}

/* The baseline: asked for (must exist), else the baseline table's, else the first run. */
static int pick_baseline(sqlite3 *db, const char *want, char *buf, size_t len, char *err,
			 size_t errlen)
{
	sqlite3_stmt *st;
	int found = 0, rc;

	if (sqlite3_prepare_v2(db, "SELECT ?1 IN (SELECT scheme FROM run), "
			       "(SELECT scheme FROM baseline), "
			       "(SELECT scheme FROM run ORDER BY run_id LIMIT 1), "
			       "(SELECT group_concat(scheme, ' ') FROM (SELECT DISTINCT scheme FROM run)), "
			       "(SELECT scheme FROM baseline) IN (SELECT scheme FROM run)",
			       -1, &st, NULL) != SQLITE_OK) {
		snprintf(err, errlen, "%s: %s", db_path(db), sqlite3_errmsg(db));
		return -1;
	}
	sqlite3_bind_text(st, 1, want ? want : "", -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc != SQLITE_ROW)
		rows_done(db, rc == SQLITE_DONE ? SQLITE_ERROR : rc, err, errlen);
	if (rc == SQLITE_ROW) {
		const char *table = (const char *)sqlite3_column_text(st, 1);
		const char *first = (const char *)sqlite3_column_text(st, 2);
		const char *all = (const char *)sqlite3_column_text(st, 3);

		found = 1;
		if (!first) {
			snprintf(err, errlen, "%s: no runs in the database", db_path(db));
			found = -1;
		} else if (want && !sqlite3_column_int(st, 0)) {
			snprintf(err, errlen, "%s: --baseline %s: no runs of that scheme; "
				 "schemes in the database: %s", db_path(db), want, all);
			found = -1;
		} else {
			snprintf(buf, len, "%s", want ? want :
				 table && sqlite3_column_int(st, 4) ? table : first);
		}
	}
	sqlite3_finalize(st);
	return found > 0 ? 0 : -1;
}

int report_print(sqlite3 *db, const char *baseline, FILE *out, int store_fits, char *err,
		 size_t errlen)
{
	struct group g = { 0 };
	sqlite3_stmt *st;
	char base[128];
	int ret = 0, n = 0, rc = SQLITE_DONE;

	if (pick_baseline(db, baseline, base, sizeof(base), err, errlen) < 0)
		return -1;
	if (sqlite3_prepare_v2(db, "SELECT source, machine, threads, model_args FROM run "
			       "GROUP BY source, machine, threads, model_args ORDER BY min(run_id)",
			       -1, &st, NULL) != SQLITE_OK) {
		snprintf(err, errlen, "%s: %s", db_path(db), sqlite3_errmsg(db));
		return -1;
	}
	while (ret == 0 && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		g.source = dup_col(st, 0);
		g.machine = dup_col(st, 1);
		g.threads = sqlite3_column_int(st, 2);
		g.args = dup_col(st, 3);
		if (n++)
			fprintf(out, "\n\n");
		ret = report_group(out, db, &g, base, err, errlen);

		free_group(&g);
	}
	sqlite3_finalize(st);
	if (ret == 0)
		ret = rows_done(db, rc, err, errlen);
	if (ret == 0)
		ret = usl_update(db, out, store_fits, err, errlen);
	if (ret < 0) {
		/* SQLite's messages may quote the file's text, newlines and all. */
		char *p;

		for (p = err; *p; p++)
			if (*p == '\n' || *p == '\r')
				*p = ' ';
	}
	return ret;
}
