/*
 * The results database's speed (DESIGN.md, "Performance targets":
 * >= 1 M rows/s insert): store_run_finish() of runs of about 1000 rows each, one
 * transaction per run as `compare` does, into a database file on disk;
 * then the merge of 10 shards of 100k rows each into one.
 *
 * usage: bench_store [DIR]   (scratch files go in DIR, default $TMPDIR or /tmp)
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "lib/wallclock.h"
#include "analysis/store.h"

#define ROWS_PER_RUN 1000

/* A run of exactly ROWS_PER_RUN child rows, shaped like a real one. */
static void make(struct run_result *r)
{
	int i, j;

	memset(r, 0, sizeof(*r));
	snprintf(r->scheme, sizeof(r->scheme), "pervma-refcount");
	snprintf(r->source, sizeof(r->source), "traces/samples/app.mlt");
	snprintf(r->machine, sizeof(r->machine), "xeon-8176-2s");
	snprintf(r->version, sizeof(r->version), "0.1.0");
	snprintf(r->status, sizeof(r->status), RUN_COMPLETE);
	r->cpus = 64;
	r->threads = 64;
	r->nparams = 10;
	r->params = calloc(10, sizeof(*r->params));
	for (i = 0; i < 10; i++) {
		snprintf(r->params[i].key, sizeof(r->params[i].key), "param%d", i);
		snprintf(r->params[i].value, sizeof(r->params[i].value), "%d", i * 7);
	}
	r->nops = 4;		/* 4 op_stat + 4 * 200 lat_hist */
	r->ops = calloc(4, sizeof(*r->ops));
	for (i = 0; i < 4; i++) {
		snprintf(r->ops[i].op, sizeof(r->ops[i].op), "op%d", i);
		r->ops[i].count = 1000000;
		r->ops[i].throughput_per_s = 1.5e6;
		r->ops[i].nbuckets = 200;
		r->ops[i].buckets = calloc(200, sizeof(struct lat_bucket));
		for (j = 0; j < 200; j++) {
			r->ops[i].buckets[j].lo_ns = 100 + (uint64_t)j * 10;
			r->ops[i].buckets[j].hi_ns = 110 + (uint64_t)j * 10;
			r->ops[i].buckets[j].count = (uint64_t)j * 3 + 1;
		}
	}
	r->nlocks = 20;
	r->locks = calloc(20, sizeof(*r->locks));
	for (i = 0; i < 20; i++) {
		snprintf(r->locks[i].lock, sizeof(r->locks[i].lock), "lock%d", i);
		r->locks[i].acquisitions = 123456;
		r->locks[i].wait_ns = 987654321;
	}
	r->ncounters = 66;
	r->counters = calloc(66, sizeof(*r->counters));
	for (i = 0; i < 66; i++) {
		snprintf(r->counters[i].name, sizeof(r->counters[i].name), "counter_%d", i);
		r->counters[i].value = (uint64_t)i * 1000;
	}
	r->nviolations = 100;	/* 10 + 4 + 800 + 20 + 66 + 100 = 1000 */
	r->violations_total = 100;
	r->violations = calloc(100, sizeof(*r->violations));
	for (i = 0; i < 100; i++) {
		r->violations[i].t_ns = (uint64_t)i * 1000;
		snprintf(r->violations[i].kind, sizeof(r->violations[i].kind), "use-after-free");
		snprintf(r->violations[i].detail, sizeof(r->violations[i].detail), "detail %d", i);
	}
}

/*
 * nruns runs, seeds seed0.., into path; rows per second.  Distinct seeds
 * across shards, since merge refuses a run that is already there.
 */
static double fill(const char *path, int nruns, uint64_t seed0, struct run_result *r)
{
	struct store_key k = { r->scheme, r->source, r->machine, r->cpus, r->threads, 0, "", "0.1.0", "", "" };
	char err[512];
	struct store *s;
	double t0;
	int i;

	store_remove(path);
	s = store_open(path, 1, err, sizeof(err));
	if (!s) {
		fprintf(stderr, "%s\n", err);
		exit(1);
	}
	t0 = wall_seconds();
	for (i = 0; i < nruns; i++) {
		int64_t id;

		k.seed = r->seed = seed0 + (uint64_t)i;
		id = store_run_begin(s, &k, err, sizeof(err));
		if (id < 0 || store_run_finish(s, id, r, err, sizeof(err)) < 0) {
			fprintf(stderr, "%s\n", err);
			exit(1);
		}
	}
	store_close(s);
	return (double)nruns * (ROWS_PER_RUN + 1) / (wall_seconds() - t0);
}

int main(int argc, char **argv)
{
	const char *d = argc > 1 ? argv[1] : getenv("TMPDIR");
	char path[512], out[512], err[512];
	struct run_result r;
	struct store *s;
	double t0, rate, best = 0;
	int64_t rows = 0;
	int i;

	if (!d || !*d)
		d = "/tmp";
	make(&r);
	snprintf(path, sizeof(path), "%s/bench-store-%d.db", d, (int)getpid());
	for (i = 0; i < 3; i++) {
		rate = fill(path, 500, 0, &r);
		if (rate > best)
			best = rate;
	}
	printf("store insert: %.2f M rows/s (500 runs x %d rows, one transaction per run, "
	       "best of 3; target >= 1 M rows/s)\n", best / 1e6, ROWS_PER_RUN + 1);
	store_remove(path);

	/* 10 shards of 100 runs x 1000 rows = 100k rows each. */
	for (i = 0; i < 10; i++) {
		snprintf(path, sizeof(path), "%s/bench-shard-%d-%d.db", d, (int)getpid(), i);
		fill(path, 100, (uint64_t)i * 100, &r);
	}
	snprintf(out, sizeof(out), "%s/bench-merged-%d.db", d, (int)getpid());
	store_remove(out);
	s = store_open(out, 1, err, sizeof(err));
	if (!s) {
		fprintf(stderr, "%s\n", err);
		return 1;
	}
	t0 = wall_seconds();
	for (i = 0; i < 10; i++) {
		int64_t n;

		snprintf(path, sizeof(path), "%s/bench-shard-%d-%d.db", d, (int)getpid(), i);
		n = store_merge(s, path, err, sizeof(err));
		if (n < 0) {
			fprintf(stderr, "%s\n", err);
			return 1;
		}
		rows += n;
	}
	store_close(s);
	rate = (double)rows / (wall_seconds() - t0);
	printf("store merge: %.2f M rows/s (10 shards x %lld rows into one)\n", rate / 1e6,
	       (long long)rows / 10);
	for (i = 0; i < 10; i++) {
		snprintf(path, sizeof(path), "%s/bench-shard-%d-%d.db", d, (int)getpid(), i);
		store_remove(path);
	}
	store_remove(out);
	run_result_free(&r);
	return 0;
}
