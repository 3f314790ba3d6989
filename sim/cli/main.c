/*
 * mmlocksim: a discrete-event simulator of Linux address-space locking
 * schemes.  This file only dispatches to the subcommands in cli_*.c.
 */
#include <stdio.h>
#include <string.h>

#include "sim/cli/cli.h"
#include "sim/core/version.h"
#include "sim/cli/climsg.h"

/*
 * `validate --host` compares this host with the simulator
 * (cli_validate_host.c); validate without it holds the model to the
 * published figures (cli_validate.c).
 */
static int validate_dispatch(int argc, char **argv)
{
	int i;

	for (i = 1; i < argc; i++)
		if (!strcmp(argv[i], "--host"))
			return cli_validate_host(argc, argv);
	return cli_validate(argc, argv);
}

static const struct command {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *usage;
} commands[] = {
	{ "list", cli_list, "list [schemes|machines|workloads]   what can be named" },
	{ "import", cli_import, "import IN [-o OUT.mlt]   perf or strace text, detected" },
	{ "stats", cli_stats, "stats TRACE              what is in a trace" },
	{ "check", cli_check, "check [-s SCHEME] [--exhaustive]   conformance and safety suite" },
	{ "gen", cli_gen, "gen WORKLOAD [-t N] [-n OPS] [--seed S] [-p K=V]... -o OUT.mlt" },
	{ "run", cli_run, "run TRACE|WORKLOAD -s SCHEME [--cpus N] [--seed S] [--db OUT.db] ..." },
	{ "compare", cli_compare, "compare TRACE|WORKLOAD [-s a,b] [--cpus 1,8,64] [--seeds K] [--db OUT.db] [--plot DIR]" },
	{ "sweep", cli_sweep, "sweep EXPERIMENT.ini --db OUT.db [--jobs J] [--shard I/N]" },
	{ "report", cli_report, "report DB [--baseline SCHEME] [--plot DIR]" },
	{ "merge", cli_merge, "merge OUT.db IN.db...    shards of a sweep into one database" },
	{ "calibrate", cli_calibrate, "calibrate [-o HOST.ini] [--quick]   measure this host into a machine file" },
	{ "validate", validate_dispatch, "validate [--only NAME] [--quick] | validate --host [--machine HOST.ini]   published figures; host vs simulator" },
	{ "hostbench", cli_hostbench, "hostbench NAME [-t N] [--size B] [-n OPS]   one host benchmark of validate --host" },
};

#define NR_COMMANDS (sizeof(commands) / sizeof(commands[0]))

static void usage(FILE *out)
{
	size_t i;

	fprintf(out, "usage: mmlocksim COMMAND [ARGS]   (mmlocksim COMMAND --help for more)\n");
	for (i = 0; i < NR_COMMANDS; i++)
		fprintf(out, "  mmlocksim %s\n", commands[i].usage);
	fprintf(out, "  mmlocksim version\n");
}

int main(int argc, char **argv)
{
	size_t i;

	if (argc < 2) {
		/* Bad input gets one line; the usage is a --help away. */
		fprintf(stderr, "mmlocksim: expected a command:");
		for (i = 0; i < NR_COMMANDS; i++)
			fprintf(stderr, " %s", commands[i].name);
		fprintf(stderr, " version (mmlocksim --help for usage)\n");
		return EXIT_BAD_INPUT;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") ||
	    !strcmp(argv[1], "help")) {
		usage(stdout);
		return 0;
	}
	if (!strcmp(argv[1], "version") || !strcmp(argv[1], "--version")) {
		printf("mmlocksim %s\n", MMLOCKSIM_VERSION);
		return 0;
	}
	for (i = 0; i < NR_COMMANDS; i++)
		if (!strcmp(argv[1], commands[i].name))
			return commands[i].fn(argc - 1, argv + 1);
	fprintf(stderr, "mmlocksim: unknown command '");
	cli_put_escaped(stderr, argv[1]);
	fprintf(stderr, "'; expected one of:");
	for (i = 0; i < NR_COMMANDS; i++)
		fprintf(stderr, " %s", commands[i].name);
	fprintf(stderr, " version\n");
	return EXIT_BAD_INPUT;
}
