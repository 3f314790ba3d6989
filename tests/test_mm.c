/* The address-space model and replay, through run_simulation(). */
#include <stdio.h>
#include <string.h>

#include "sim/run.h"
#include "tests/test.h"

static uint64_t counter(const struct run_result *r, const char *name)
{
	int i;

	for (i = 0; i < r->ncounters; i++)
		if (!strcmp(r->counters[i].name, name))
			return r->counters[i].value;
	return 0;
}

static const struct op_result *op(const struct run_result *r, const char *name)
{
	int i;

	for (i = 0; i < r->nops; i++)
		if (!strcmp(r->ops[i].op, name))
			return &r->ops[i];
	return NULL;
}

static int run(const char *trace, const char *scheme, int cpus, int threads,
	       struct run_result *res, int nparams, const char **params)
{
	struct run_spec spec = { .trace = trace, .scheme = scheme, .cpus = cpus,
				 .threads = threads, .seed = 1, .nparams = nparams };
	char err[512];
	int i;

	for (i = 0; i < nparams; i++)
		spec.params[i] = params[i];
	if (run_simulation(&spec, res, err, sizeof(err))) {
		printf("  run failed: %s\n", err);
		return -1;
	}
	return 0;
}

static int test_pft_global_rwsem(void)
{
	struct run_result r;
	const struct op_result *f;

	CHECK(run("pft", "global-rwsem", 4, 4, &r, 0, NULL) == 0);
	f = op(&r, "fault");
	CHECK(f);
	printf("  %s: %llu faults, %.0f faults/s, mean %.0f ns p99 %llu ns; ops in %llu replayed %llu, "
	       "sim %.3f ms, %llu events, %.2f s wall\n", r.status, (unsigned long long)f->count,
	       f->throughput_per_s, f->mean_ns, (unsigned long long)f->p99_ns,
	       (unsigned long long)counter(&r, "ops_in"), (unsigned long long)counter(&r, "ops_replayed"),
	       r.sim_ns / 1e6, (unsigned long long)r.events, r.wall_s);
	CHECK(!strcmp(r.status, RUN_COMPLETE));
	CHECK(counter(&r, "ops_in") == counter(&r, "ops_replayed"));
	CHECK(counter(&r, "fault_anon") == f->count);
	CHECK(f->mean_ns > 500 && f->mean_ns < 5000);
	run_result_free(&r);
	return 0;
}

static int test_real_traces_replay(void)
{
	static const char *const traces[] = { "traces/samples/xz.perf.txt.xz",
					      "traces/samples/py.perf.txt.xz" };
	struct run_result r;
	size_t i;

	for (i = 0; i < 2; i++) {
		CHECK(run(traces[i], "global-rwsem", 4, 0, &r, 0, NULL) == 0);
		printf("  %s: %s, %d threads, ops in %llu replayed %llu, op errors %llu, "
		       "sim %.1f ms, %.2f s wall\n", traces[i], r.status, r.threads,
		       (unsigned long long)counter(&r, "ops_in"),
		       (unsigned long long)counter(&r, "ops_replayed"),
		       (unsigned long long)counter(&r, "op_errors"), r.sim_ns / 1e6, r.wall_s);
		CHECK(!strcmp(r.status, RUN_COMPLETE));
		CHECK(counter(&r, "ops_in") == counter(&r, "ops_replayed"));
		run_result_free(&r);
	}
	return 0;
}

const struct test_case mm_tests[] = {
	{ "mm/pft_global_rwsem", test_pft_global_rwsem },
	{ "mm/real_traces_replay", test_real_traces_replay },
	{ NULL, NULL },
};
