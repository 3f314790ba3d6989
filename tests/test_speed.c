/*
 * Speed changes must not move results: a few small fixed-seed runs, each
 * reduced to its simulated time, its event count and a hash of every op,
 * lock and counter figure, against the values recorded when the model was
 * last meant to change.  A change that alters the model on purpose updates
 * the table (the test prints the new values) and says what moved and why.
 * The runs are made twice: with the hits that cacheline.c settles inline,
 * and with every access through its full path, which must agree.
 */
#include <stdint.h>
#include <string.h>

#include "analysis/result.h"
#include "sim/core/cacheline.h"
#include "sim/run/run.h"
#include "tests/test.h"

static uint64_t fnv(uint64_t h, const void *p, size_t n)
{
	const unsigned char *c = p;

	while (n--)
		h = (h ^ *c++) * 1099511628211ULL;
	return h;
}

static uint64_t fnv_u64(uint64_t h, uint64_t v)
{
	return fnv(h, &v, sizeof(v));
}

/* Every figure the run's rows keep but host-dependent ones (wall time). */
static uint64_t result_hash(const struct run_result *r)
{
	uint64_t h = 14695981039346656037ULL;
	int i;

	h = fnv_u64(h, r->sim_ns);
	h = fnv_u64(h, r->events);
	for (i = 0; i < r->nops; i++) {
		const struct op_result *o = &r->ops[i];
		uint64_t mean;

		memcpy(&mean, &o->mean_ns, sizeof(mean));
		h = fnv(h, o->op, strlen(o->op));
		h = fnv_u64(h, o->count);
		h = fnv_u64(h, mean);
		h = fnv_u64(h, o->p50_ns);
		h = fnv_u64(h, o->p99_ns);
		h = fnv_u64(h, o->p999_ns);
		h = fnv_u64(h, o->max_ns);
	}
	for (i = 0; i < r->nlocks; i++) {
		const struct lock_result *l = &r->locks[i];

		h = fnv(h, l->lock, strlen(l->lock));
		h = fnv_u64(h, l->acquisitions);
		h = fnv_u64(h, l->contended);
		h = fnv_u64(h, l->wait_ns);
		h = fnv_u64(h, l->hold_ns);
		h = fnv_u64(h, l->line_transfers);
	}
	for (i = 0; i < r->ncounters; i++) {
		/* A counter at 0 may be one an earlier run in this process
		 * named: the table of names is the process's, not the run's. */
		if (!r->counters[i].value)
			continue;
		h = fnv(h, r->counters[i].name, strlen(r->counters[i].name));
		h = fnv_u64(h, r->counters[i].value);
	}
	return fnv_u64(h, (uint64_t)r->violations_total);
}

static int test_fixed_seed_results(void)
{
	static const struct {
		const char *trace, *scheme;
		int cpus, threads;
		uint64_t seed;
		const char *p1, *p2;
		uint64_t sim_ns, events, hash;
	} v[] = {
		{ "traces/samples/py.perf.txt.xz", "pervma-refcount", 16, 16, 2, NULL, NULL,
		  2102767819ULL, 1265425ULL, 0x7580de325dfd133eULL },
		{ "traces/samples/py.perf.txt.xz", "global-rwsem", 8, 16, 1, NULL, NULL,
		  2151651885ULL, 1179147ULL, 0x7bab25c6d4db66a1ULL },
		{ "pft", "spf-srcu", 8, 8, 1, "think_scale=0", NULL,
		  70753593ULL, 1476691ULL, 0x30356f8a250ffd8cULL },
		{ "pft", "rcu-fault", 8, 8, 3, NULL, NULL,
		  93520525ULL, 1736435ULL, 0x2dd06b9ac892d07fULL },
		{ "vmaops", "ww-vma", 8, 8, 1, "ops=4000", "shared=0.5",
		  2295549ULL, 37325ULL, 0x12efa4062f9f54b1ULL },
		{ "anonvma", "mt-lock", 8, 8, 1, "rmap_walks=100", NULL,
		  77057899ULL, 709535ULL, 0x4c92768223ae9e60ULL },
	};
	size_t i;
	int bad = 0, pass;

	for (pass = 0; pass < 2; pass++) {
		for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
			struct run_spec spec = { .trace = v[i].trace, .scheme = v[i].scheme,
						 .cpus = v[i].cpus, .threads = v[i].threads,
						 .seed = v[i].seed };
			struct run_result r;
			char err[512];
			uint64_t h;
			int rc;

			if (v[i].p1)
				spec.params[spec.nparams++] = v[i].p1;
			if (v[i].p2)
				spec.params[spec.nparams++] = v[i].p2;
			line_hits_inline = pass == 0;
			rc = run_simulation(&spec, &r, err, sizeof(err));
			line_hits_inline = true;
			CHECKF(rc == 0, "%s", err);
			h = result_hash(&r);
			printf("  %s -s %s%s: sim_ns %llu, events %llu, hash %#llx\n", v[i].trace,
			       v[i].scheme, pass ? " (no inline hits)" : "", (unsigned long long)r.sim_ns,
			       (unsigned long long)r.events, (unsigned long long)h);
			if (r.sim_ns != v[i].sim_ns || r.events != v[i].events || h != v[i].hash) {
				fprintf(stderr, "  expected sim_ns %llu, events %llu, hash %#llx\n",
					(unsigned long long)v[i].sim_ns,
					(unsigned long long)v[i].events,
					(unsigned long long)v[i].hash);
				bad = 1;
			}
			run_result_free(&r);
		}
	}
	CHECKF(!bad, "a fixed-seed result moved (above)");
	return 0;
}

const struct test_case speed_tests[] = {
	{ "speed/fixed_seed_results", test_fixed_seed_results },
	{ NULL, NULL },
};
