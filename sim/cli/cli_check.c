/*
 * `mmlocksim check`: the conformance and safety suite over every scheme
 * (or one), in the manner of locktorture: parameters first, a line per
 * scenario, SUCCESS or FAILURE last.  A safe scheme passes with no
 * violation; a scheme flagged SCHEME_F_BROKEN passes only if it is caught.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/run/check_suite.h"
#include "sim/cli/cli.h"
#include "sim/cli/climsg.h"
#include "sim/cli/cliargs.h"
#include "sim/run/run.h"
#include "schemes/registry.h"

static void usage(FILE *out)
{
	fprintf(out,
		"usage: mmlocksim check [-s SCHEME [-p KEY=VAL]...] [--plugin P.so] [--seeds N]\n"
		"                       [--exhaustive [--tso]] [--preemptions P] [--scenario NAME]\n"
		"  Runs adversarial scenarios against each scheme (default: all registered):\n"
		"  N random-perturbation seeds per scenario (default 40), and with --exhaustive\n"
		"  every schedule with up to P preemptions at line accesses (default 2) of the\n"
		"  small scenarios.  Accesses are sequentially consistent; --tso searches\n"
		"  the same schedules again with x86-TSO store buffers (a store may become\n"
		"  visible after the CPU's later loads unless smp_mb() or a locked op comes\n"
		"  between).  Exit 0 when every safe scheme is clean and every\n"
		"  deliberately broken one is caught.\n");
}

int cli_check(int argc, char **argv)
{
	struct check_opts opts = { .seeds = 40, .exhaustive = 0, .preemptions = 2, .log = stdout };
	const char *only_scheme = NULL, *plugin = NULL, *params[32];
	int i, bad = 0, checked = 0, nparams = 0, npos;
	char err[512];
	struct scheme_args args = { 0 };
	struct cli_opt o[] = {
		CLI_OPT_FLAG("--exhaustive", &opts.exhaustive),
		CLI_OPT_FLAG("--tso", &opts.tso),
		CLI_OPT_STRING("-s", &only_scheme),
		CLI_OPT_STRING("--plugin", &plugin),
		CLI_OPT_LIST("-p", params, 32, &nparams),
		CLI_OPT_STRING("--scenario", &opts.only),
		/* No seeds would check nothing and call it a verdict. */
		CLI_OPT_INT("--seeds", &opts.seeds, 1, RUN_MAX_SEEDS, "seeds"),
		CLI_OPT_INT("--preemptions", &opts.preemptions, 1, 3, "preemptions"),
		CLI_OPT_END,
	};

	i = cli_parse("check", argc, argv, o, NULL, 0, &npos, NULL);
	if (i > 0) {
		usage(stdout);
		return 0;
	}
	if (i < 0)
		return EXIT_BAD_INPUT;
	if (opts.tso && !opts.exhaustive) {
		cli_error("check", "--tso needs --exhaustive (the store buffer is a choice of the search)");
		return EXIT_BAD_INPUT;
	}
	if (plugin) {
		const struct scheme_ops *ops = scheme_load_plugin(plugin, err, sizeof(err));

		if (!ops) {
			cli_error("check", "%s", err);
			return EXIT_BAD_INPUT;
		}
		if (!only_scheme)
			only_scheme = ops->name;
	}
	if (only_scheme) {
		char msg[4096];	/* the name as typed and the whole list */

		if (!scheme_find(only_scheme, msg, sizeof(msg))) {
			cli_error("check", "%s", msg);
			return EXIT_BAD_INPUT;
		}
	}


	if (opts.only) {
		/* A --scenario that names none would check nothing and pass. */
		for (i = 0; i < check_nr_scenarios() && !strstr(check_scenario_name(i), opts.only);
		     i++)
			;
		if (i == check_nr_scenarios()) {
			fprintf(stderr, "mmlocksim check: --scenario ");
			cli_put_escaped(stderr, opts.only);
			fprintf(stderr, ": no scenario's name contains it; valid:");
			for (i = 0; i < check_nr_scenarios(); i++)
				fprintf(stderr, " %s", check_scenario_name(i));
			fprintf(stderr, "\n");
			return EXIT_BAD_INPUT;
		}
	}
	if (nparams && !only_scheme) {
		cli_error("check", "-p needs -s SCHEME (parameters are per scheme)");
		return EXIT_BAD_INPUT;
	}
	if (nparams && scheme_args_parse(scheme_find(only_scheme, NULL, 0), nparams, params,
					 &args, err, sizeof(err))) {
		cli_error("check", "%s", err);
		return EXIT_BAD_INPUT;
	}
	opts.args = &args;

	printf("mmlocksim check: seeds=%d exhaustive=%d preemptions=%d scenario=%s scheme=%s%s\n",
	       opts.seeds, opts.exhaustive, opts.preemptions, opts.only ? opts.only : "all",
	       only_scheme ? only_scheme : "all", opts.tso ? " memory=sc+tso" : "");
	for (i = 0; i < scheme_count(); i++) {
		const struct scheme_ops *ops = scheme_at(i);
		bool broken = ops->flags & SCHEME_F_BROKEN;
		struct check_outcome out;
		bool ok;

		if (only_scheme && strcmp(only_scheme, ops->name))
			continue;
		printf("%s%s\n", ops->name, broken ? " (deliberately broken: must be caught)" : "");
		check_scheme(ops, &opts, &out);
		ok = broken ? out.violations > 0 : out.violations == 0;
		printf("  %s: %llu runs, %llu exhaustive schedules, %llu violations in %llu runs%s%s\n",
		       ok ? "PASS" : "FAIL", (unsigned long long)out.runs,
		       (unsigned long long)out.schedules, (unsigned long long)out.violations,
		       (unsigned long long)out.failed_runs, out.kinds[0] ? ", kinds: " : "", out.kinds);
		if (out.first[0])
			printf("  first: %s\n", out.first);
		bad += !ok;
		checked++;
	}
	printf("%s: %d schemes checked, %d as expected\n", bad ? "FAILURE" : "SUCCESS", checked,
	       checked - bad);
	return bad ? 1 : 0;
}
