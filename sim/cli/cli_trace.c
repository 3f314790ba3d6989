/* `mmlocksim import` and `mmlocksim stats`: the trace layer on the command line. */
#include <stdio.h>
#include <string.h>

#include "sim/cli/cli.h"
#include "sim/cli/climsg.h"
#include "sim/cli/cliargs.h"
#include "traces/import.h"
#include "traces/trace_stats.h"

/* IN.perf.txt.xz -> IN.mlt next to it: strip compression and text suffixes. */
static void default_output(const char *in, char *out, size_t len)
{
	static const char *const suffixes[] = { ".xz", ".gz", ".txt", ".perf", ".strace", ".log" };
	char base[4096];
	size_t i, n;

	snprintf(base, sizeof(base), "%s", in);
	for (i = 0; i < sizeof(suffixes) / sizeof(suffixes[0]); i++) {
		n = strlen(base);
		if (n > strlen(suffixes[i]) && !strcmp(base + n - strlen(suffixes[i]), suffixes[i]))
			base[n - strlen(suffixes[i])] = 0;
	}
	snprintf(out, len, "%s.mlt", base);
}

int cli_import(int argc, char **argv)
{
	const char *in = NULL, *out = NULL;
	struct import_summary sum;
	char outbuf[4200], err[512];
	int rc, npos;
	struct cli_opt opts[] = {
		CLI_OPT_STRING("-o", &out),
		CLI_OPT_END,
	};

	rc = cli_parse("import", argc, argv, opts, &in, 1, &npos, "input");
	if (rc > 0) {
		printf("usage: mmlocksim import IN [-o OUT.mlt]\n"
		       "  IN: perf script text (see traces/RECORDING.md) or strace -f -ttt text,\n"
		       "  plain, .xz or .gz; the format is detected from the content.\n"
		       "  Prints every event kind imported and every line skipped, with the reason.\n");
		return 0;
	}
	if (rc < 0)
		return EXIT_BAD_INPUT;
	if (!npos)
		in = NULL;
	if (!in) {
		cli_error("import", "expected an input trace (mmlocksim import --help)");
		return EXIT_BAD_INPUT;
	}
	if (!out) {
		default_output(in, outbuf, sizeof(outbuf));
		out = outbuf;
	}
	if (trace_import(in, out, &sum, err, sizeof(err))) {
		cli_error("import", "%s", err);
		return EXIT_BAD_INPUT;
	}
	import_summary_print(&sum, stdout);
	printf("wrote %s\n", out);
	return 0;
}

int cli_stats(int argc, char **argv)
{
	struct cli_opt opts[] = { CLI_OPT_END };
	const char *trace;
	char err[1024];
	int rc, npos;

	rc = cli_parse("stats", argc, argv, opts, &trace, 1, &npos, "TRACE");
	if (rc > 0) {
		printf("usage: mmlocksim stats TRACE\n"
		       "  TRACE: .mlt, perf or strace text, plain or compressed.\n"
		       "  Prints ops by kind, per thread and per mm, duration and footprint.\n");
		return 0;
	}
	if (rc < 0)
		return EXIT_BAD_INPUT;
	if (!npos) {
		cli_error("stats", "expected one TRACE (mmlocksim stats --help)");
		return EXIT_BAD_INPUT;
	}
	if (trace_stats(trace, stdout, err, sizeof(err))) {
		cli_error("stats", "%s", err);
		return EXIT_BAD_INPUT;
	}
	return 0;
}
