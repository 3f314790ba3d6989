/*
 * The Universal Scalability Law fit (see usl.h).
 *
 * The solver works on throughput divided by its largest value, so that
 * the three parameters are of comparable size (lambda ~ 1) whatever the
 * units; lambda is scaled back at the end.  It starts from a linear
 * estimate: with lambda taken from the smallest CPU count, the law says
 * lambda N / X - 1 = sigma (N - 1) + kappa N (N - 1), which is linear in
 * sigma and kappa; the trust-region solver then refines all three.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_errno.h>
#include <gsl/gsl_multifit_nlinear.h>

#include "analysis/usl.h"
#include "lib/xalloc.h"

struct points {
	const double *n, *y;	/* y: throughput / scale */
	size_t count;
};

static double denom(const gsl_vector *p, double n)
{
	return 1 + gsl_vector_get(p, 1) * (n - 1) + gsl_vector_get(p, 2) * n * (n - 1);
}

static int usl_f(const gsl_vector *p, void *data, gsl_vector *f)
{
	const struct points *d = data;
	size_t i;

	for (i = 0; i < d->count; i++)
		gsl_vector_set(f, i, gsl_vector_get(p, 0) * d->n[i] / denom(p, d->n[i]) - d->y[i]);
	return GSL_SUCCESS;
}

static int usl_df(const gsl_vector *p, void *data, gsl_matrix *j)
{
	const struct points *d = data;
	double lambda = gsl_vector_get(p, 0);
	size_t i;

	for (i = 0; i < d->count; i++) {
		double n = d->n[i], den = denom(p, n);

		gsl_matrix_set(j, i, 0, n / den);
		gsl_matrix_set(j, i, 1, -lambda * n * (n - 1) / (den * den));
		gsl_matrix_set(j, i, 2, -lambda * n * n * (n - 1) / (den * den));
	}
	return GSL_SUCCESS;
}

/* sigma, kappa from lambda by linear least squares (2x2 normal equations). */
static void initial_guess(const struct points *d, double lambda, double *sigma, double *kappa)
{
	double saa = 0, sab = 0, sbb = 0, saz = 0, sbz = 0, det;
	size_t i;

	for (i = 0; i < d->count; i++) {
		double a = d->n[i] - 1, b = d->n[i] * (d->n[i] - 1);
		double z = lambda * d->n[i] / d->y[i] - 1;

		saa += a * a;
		sab += a * b;
		sbb += b * b;
		saz += a * z;
		sbz += b * z;
	}
	det = saa * sbb - sab * sab;
	*sigma = 0;
	*kappa = 0;
	if (det > 0) {
		*sigma = (saz * sbb - sbz * sab) / det;
		*kappa = (sbz * saa - saz * sab) / det;
	}
}

int usl_fit(const double *cpus, const double *x, int n, struct usl_fit *fit)
{
	const gsl_multifit_nlinear_type *type = gsl_multifit_nlinear_trust;
	gsl_multifit_nlinear_parameters params = gsl_multifit_nlinear_default_parameters();
	gsl_multifit_nlinear_workspace *w;
	gsl_multifit_nlinear_fdf fdf;
	gsl_error_handler_t *old;
	struct points d;
	double *y, scale = 0, nmin = INFINITY, xmin = 0, mean = 0, ssres = 0, sstot = 0;
	double start[3];
	gsl_vector_view p0;
	int i, k, distinct = 0, info, status, ret = -1;

	memset(fit, 0, sizeof(*fit));
	for (i = 0; i < n; i++) {
		if (!(cpus[i] >= 1) || !(x[i] > 0) || !isfinite(x[i]))
			return -1;
		for (k = 0; k < i && cpus[k] != cpus[i]; k++)
			;
		distinct += k == i;
		if (x[i] > scale)
			scale = x[i];
		if (cpus[i] < nmin) {
			nmin = cpus[i];
			xmin = x[i];
		}
	}
	if (distinct < 3)
		return -1;
	y = xreallocarray(NULL, (size_t)n, sizeof(*y));
	for (i = 0; i < n; i++)
		y[i] = x[i] / scale;
	d = (struct points){ cpus, y, (size_t)n };
	start[0] = xmin / scale / nmin;
	initial_guess(&d, start[0], &start[1], &start[2]);
	p0 = gsl_vector_view_array(start, 3);

	fdf.f = usl_f;
	fdf.df = usl_df;
	fdf.fvv = NULL;
	fdf.n = (size_t)n;
	fdf.p = 3;
	fdf.params = &d;
	/* Failure is a return value here, never an abort() of the whole report. */
	old = gsl_set_error_handler_off();
	w = gsl_multifit_nlinear_alloc(type, &params, (size_t)n, 3);
	if (w && gsl_multifit_nlinear_init(&p0.vector, &fdf, w) == GSL_SUCCESS) {
		status = gsl_multifit_nlinear_driver(500, 1e-12, 1e-12, 0, NULL, NULL, &info, w);
		if (status == GSL_SUCCESS || status == GSL_EMAXITER) {
			const gsl_vector *p = gsl_multifit_nlinear_position(w);

			fit->lambda = gsl_vector_get(p, 0) * scale;
			fit->sigma = gsl_vector_get(p, 1);
			fit->kappa = gsl_vector_get(p, 2);
			ret = isfinite(fit->lambda) && isfinite(fit->sigma) &&
			      isfinite(fit->kappa) ? 0 : -1;
		}
	}
	gsl_multifit_nlinear_free(w);
	gsl_set_error_handler(old);
	free(y);
	if (ret < 0)
		return -1;
	/* The peak; below one CPU (sigma >= 1) it is one CPU. */
	fit->peak_cpus = fit->kappa > 0 ? fmax(1, sqrt(fmax(0, 1 - fit->sigma) / fit->kappa))
					: INFINITY;
	for (i = 0; i < n; i++)
		mean += x[i] / n;
	for (i = 0; i < n; i++) {
		double m = fit->lambda * cpus[i] /
			   (1 + fit->sigma * (cpus[i] - 1) + fit->kappa * cpus[i] * (cpus[i] - 1));

		ssres += (x[i] - m) * (x[i] - m);
		sstot += (x[i] - mean) * (x[i] - mean);
	}
	fit->r2 = sstot > 0 ? 1 - ssres / sstot : ssres == 0;
	fit->npoints = n;
	return 0;
}

/* ---- over a database ------------------------------------------------------ */

struct curve {
	char *scheme, *source, *machine, *args;
	int threads, n, cap;
	double *cpus, *x;
};

static void curve_clear(struct curve *c)
{
	free(c->scheme);
	free(c->source);
	free(c->machine);
	free(c->args);
	free(c->cpus);
	free(c->x);
	memset(c, 0, sizeof(*c));
}

static char *col(sqlite3_stmt *st, int i)
{
	const unsigned char *t = sqlite3_column_text(st, i);

	return xstrdup(t ? (const char *)t : "");
}

static int same_curve(const struct curve *c, sqlite3_stmt *st)
{
	return c->scheme && !strcmp(c->scheme, (const char *)sqlite3_column_text(st, 0)) &&
	       !strcmp(c->source, (const char *)sqlite3_column_text(st, 1)) &&
	       !strcmp(c->machine, (const char *)sqlite3_column_text(st, 2)) &&
	       c->threads == sqlite3_column_int(st, 3) &&
	       !strcmp(c->args, (const char *)sqlite3_column_text(st, 4));
}

struct output {
	FILE *out;
	sqlite3 *db;
	sqlite3_stmt *ins;	/* NULL: not storing */
	char note[256];		/* why not, if it failed */
	char *header;		/* of the group printed last */
	int nfits, nskipped;
};

/* Storing failed: keep what the table had, print anyway. */
static void stop_storing(struct output *o)
{
	snprintf(o->note, sizeof(o->note), "%s", sqlite3_errmsg(o->db));
	sqlite3_finalize(o->ins);
	o->ins = NULL;
	sqlite3_exec(o->db, "ROLLBACK TO usl; RELEASE usl", NULL, NULL, NULL);
}

static void print_fit(struct output *o, const struct curve *c, const struct usl_fit *f, int ok)
{
	char *h = NULL;

	if (!o->out)
		return;
	if (asprintf(&h, "source %s, machine %s%s%.0d%s%s%s", c->source, c->machine,
		     c->threads ? ", " : "", c->threads, c->threads ? " threads" : "",
		     c->args[0] ? ", " : "", c->args) < 0)
		fatal("out of memory");

	if (!o->header || strcmp(o->header, h)) {
		fprintf(o->out, "\n%s\n  %-20s %12s %9s %11s %10s %7s %6s\n", h, "scheme",
			"lambda/s", "sigma", "kappa", "peak CPUs", "R^2", "points");
		free(o->header);
		o->header = h;
	} else {
		free(h);
	}
	if (!ok) {
		fprintf(o->out, "  %-20s %s\n", c->scheme, c->n < 3 ?
			"(needs 3 or more CPU counts)" : "(no fit: the solver did not converge)");
		return;
	}
	fprintf(o->out, "  %-20s %12.4g %9.4f %11.3e ", c->scheme, f->lambda, f->sigma, f->kappa);
	if (isfinite(f->peak_cpus))
		fprintf(o->out, "%10.1f", f->peak_cpus);
	else
		fprintf(o->out, "%10s", "none");
	fprintf(o->out, " %7.4f %6d\n", f->r2, f->npoints);
}

/* Fit c, store and print it. */
static void finish_curve(struct output *o, const struct curve *c)
{
	struct usl_fit f;
	sqlite3_stmt *st = o->ins;
	int ok = c->n >= 3 && usl_fit(c->cpus, c->x, c->n, &f) == 0;

	print_fit(o, c, &f, ok);
	if (!ok) {
		o->nskipped++;
		return;
	}
	o->nfits++;
	if (!st)
		return;
	sqlite3_bind_text(st, 1, c->scheme, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, c->source, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, c->machine, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 4, c->threads);
	sqlite3_bind_text(st, 5, c->args, -1, SQLITE_STATIC);
	sqlite3_bind_double(st, 6, f.lambda);
	sqlite3_bind_double(st, 7, f.sigma);
	sqlite3_bind_double(st, 8, f.kappa);
	if (isfinite(f.peak_cpus))
		sqlite3_bind_double(st, 9, f.peak_cpus);
	else
		sqlite3_bind_null(st, 9);
	sqlite3_bind_double(st, 10, f.r2);
	sqlite3_bind_int(st, 11, f.npoints);
	if (sqlite3_step(st) != SQLITE_DONE)
		stop_storing(o);
	else
		sqlite3_reset(st);
}

/* Begin replacing the table's rows, or say in o->note why the database cannot take them. */
static void begin_store(struct output *o)
{
	if (sqlite3_exec(o->db, "SAVEPOINT usl", NULL, NULL, NULL) != SQLITE_OK) {
		snprintf(o->note, sizeof(o->note), "%s", sqlite3_errmsg(o->db));
		return;
	}
	if (sqlite3_exec(o->db, "DELETE FROM usl_fit", NULL, NULL, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(o->db, "INSERT INTO usl_fit (scheme, source, machine, threads, "
			       "args, lambda, sigma, kappa, peak_cpus, r2, npoints) VALUES "
			       "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", -1, &o->ins, NULL) != SQLITE_OK)
		stop_storing(o);
}

/* The database's file, for messages. */
static const char *db_path(sqlite3 *db)
{
	const char *p = sqlite3_db_filename(db, "main");

	return p && *p ? p : "the results database";
}

int usl_update(sqlite3 *db, FILE *out, int store, char *err, size_t errlen)
{
	struct output o = { .out = out, .db = db };
	struct curve c = { 0 };
	sqlite3_stmt *st;
	int rc, ret = 0;

	if (sqlite3_prepare_v2(db, "SELECT r.scheme, r.source, r.machine, r.threads, r.args, "
			       "r.cpus, avg(o.throughput_per_s) FROM run r JOIN op_stat o "
			       "ON o.run_id = r.run_id AND o.op = 'fault' "
			       "WHERE r.status = 'COMPLETE' AND o.throughput_per_s > 0 "
			       "GROUP BY r.source, r.machine, r.threads, r.args, r.scheme, r.cpus "
			       "ORDER BY r.source, r.machine, r.threads, r.args, r.scheme, r.cpus",
			       -1, &st, NULL) != SQLITE_OK) {
		snprintf(err, errlen, "%s: %s", db_path(db), sqlite3_errmsg(db));
		return -1;
	}
	if (out)
		fprintf(out, "\nUniversal Scalability Law, X(N) = lambda N / (1 + sigma (N-1) + "
			"kappa N (N-1)),\nfitted to the mean fault throughput of the COMPLETE runs "
			"(table usl_fit)\n");
	if (store)
		begin_store(&o);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (!same_curve(&c, st)) {
			if (c.scheme)
				finish_curve(&o, &c);
			curve_clear(&c);
			c.scheme = col(st, 0);
			c.source = col(st, 1);
			c.machine = col(st, 2);
			c.threads = sqlite3_column_int(st, 3);
			c.args = col(st, 4);
		}
		if (c.n == c.cap) {
			c.cap = c.cap * 2 + 8;
			c.cpus = xreallocarray(c.cpus, (size_t)c.cap, sizeof(*c.cpus));
			c.x = xreallocarray(c.x, (size_t)c.cap, sizeof(*c.x));
		}
		c.cpus[c.n] = sqlite3_column_double(st, 5);
		c.x[c.n++] = sqlite3_column_double(st, 6);
	}
	if (ret == 0 && rc != SQLITE_DONE) {
		snprintf(err, errlen, "%s: cannot read the results: %s", db_path(db),
			 sqlite3_errmsg(db));
		ret = -1;
	}
	if (ret == 0 && c.scheme)
		finish_curve(&o, &c);
	sqlite3_finalize(st);
	curve_clear(&c);
	free(o.header);
	if (o.ins) {
		sqlite3_finalize(o.ins);
		sqlite3_exec(db, ret == 0 ? "RELEASE usl" : "ROLLBACK TO usl; RELEASE usl",
			     NULL, NULL, NULL);
	}
	if (out && !o.nfits && !o.nskipped)
		fprintf(out, "  (no COMPLETE runs)\n");
	if (out && o.note[0] && o.nfits)
		fprintf(out, "  (fits not stored in the database: %s)\n", o.note);
	else if (out && !store && o.nfits)
		fprintf(out, "  (not stored: mmlocksim report %s --write stores them in table "
			"usl_fit)\n", db_path(db));
	return ret;
}
