#include <stdio.h>
#include <string.h>

#include "sim/cli/cli.h"
#include "sim/cli/climsg.h"
#include "sim/core/machine.h"
#include "sim/cli/cliargs.h"
#include "sim/run/knobs.h"
#include "schemes/registry.h"
#include "traces/gen.h"

/* The schemes, then the model's knobs, which every scheme runs with. */
static void list_schemes(void)
{
	scheme_list(stdout);
	printf("  %-16s %s\n", "(every scheme)", "knobs of the kernel model and the replay");
	knobs_list(stdout);
}

static void list_machines(void)
{
	int i;

	printf("machines (--machine NAME, or --machine FILE.ini; see README):\n");
	for (i = 0; i < machine_nr_presets(); i++)
		machine_print(machine_preset(i), stdout);
}

int cli_list(int argc, char **argv)
{
	static const char *const what[] = { "schemes", "machines", "workloads" };
	const char *pos[1], *plugin = NULL;
	struct cli_opt opts[] = { CLI_OPT_STRING("--plugin", &plugin), CLI_OPT_END };
	char err[512];
	size_t i;
	int rc, npos;

	rc = cli_parse("list", argc, argv, opts, pos, 1, &npos, "list (schemes, machines or "
		       "workloads)");
	if (rc > 0) {
		printf("usage: mmlocksim list [schemes|machines|workloads] [--plugin P.so]\n"
		       "  --plugin P.so  load a scheme plugin first: it is listed with its parameters\n");
		return 0;
	}
	if (rc < 0)
		return EXIT_BAD_INPUT;
	if (plugin && !scheme_load_plugin(plugin, err, sizeof(err))) {
		cli_error("list", "%s", err);
		return EXIT_BAD_INPUT;
	}
	if (!npos) {
		printf("schemes (-s NAME; parameters with -p KEY=VALUE):\n");
		list_schemes();
		printf("\n");
		list_machines();
		printf("\nworkloads (mmlocksim gen WORKLOAD, or as TRACE to run/compare):\n");
		gen_list(stdout);
		return 0;
	}
	if (!strcmp(pos[0], "schemes")) {
		list_schemes();
		return 0;
	}
	if (!strcmp(pos[0], "workloads")) {
		gen_list(stdout);
		return 0;
	}
	if (!strcmp(pos[0], "machines")) {
		list_machines();
		return 0;
	}
	fprintf(stderr, "mmlocksim list: unknown list '");
	cli_put_escaped(stderr, pos[0]);
	fprintf(stderr, "'; valid:");
	for (i = 0; i < sizeof(what) / sizeof(what[0]); i++)
		fprintf(stderr, " %s", what[i]);
	fprintf(stderr, "\n");
	return EXIT_BAD_INPUT;
}
