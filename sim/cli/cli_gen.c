/* `mmlocksim gen`: write a synthetic benchmark trace. */
#include <errno.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "sim/cli/cli.h"
#include "sim/cli/climsg.h"
#include "sim/cli/cliargs.h"
#include "traces/gen.h"
#include "traces/mlt.h"

static void usage(FILE *out)
{
	fprintf(out,
		"usage: mmlocksim gen WORKLOAD [-t THREADS] [-n OPS] [--seed S] [-p KEY=VAL]... -o OUT.mlt\n"
		"  -t THREADS  tasks (default: the workload's)\n"
		"  -n OPS      records to write; the run stops there (default: the workload's)\n"
		"  --seed S    RNG seed (default 1); the same arguments give the same file\n"
		"  -p KEY=VAL  workload parameter, repeatable\n"
		"  -o OUT.mlt  output, written only if generation succeeds\n\n");
	gen_list(out);
}

int cli_gen(int argc, char **argv)
{
	const char *workload = NULL, *out = NULL;
	uint64_t ops = 0, seed = 1;
	const char **params = NULL;
	int nparams = 0, threads = 0, npos, nwork, ret = EXIT_BAD_INPUT;
	struct mlt_file *f;
	struct stat st;
	char err[1024];
	struct cli_opt opts[] = {
		/* The workload bounds its thread count (gen_run()); this is the most any takes. */
		CLI_OPT_INT("-t", &threads, 1, GEN_MAX_THREADS, "threads"),
		CLI_OPT_U64("-n", &ops, 1, UINT64_MAX, "records"),
		CLI_OPT_U64("--seed", &seed, 0, UINT64_MAX, NULL),
		CLI_OPT_LIST("-p", NULL, 0, &nparams),
		CLI_OPT_STRING("-o", &out),
		CLI_OPT_END,
	};

	params = calloc((size_t)argc, sizeof(*params));
	if (!params) {
		cli_error("gen", "out of memory");
		return EXIT_BAD_INPUT;
	}
	opts[3].dest = params;
	opts[3].max = (uint64_t)argc;
	npos = cli_parse("gen", argc, argv, opts, &workload, 1, &nwork, "workload");
	if (npos > 0) {
		usage(stdout);
		free(params);
		return 0;
	}
	if (npos < 0)
		goto out;
	if (!nwork) {
		cli_error("gen", "expected a workload (mmlocksim list workloads)");
		goto out;
	}
	if (!out) {
		cli_error("gen", "expected -o OUT.mlt");
		goto out;
	}
	if (trace_gen(workload, threads, ops, seed, nparams, (char **)params, out,
		      err, sizeof(err)) < 0) {
		cli_error("gen", "%s", err);
		goto out;
	}
	/* A stream (/dev/null, a pipe) was written in place: nothing to read back. */
	if (stat(out, &st) == 0 && !S_ISREG(st.st_mode)) {
		printf("wrote %s\n", out);
		ret = 0;
		goto out;
	}
	/* Report what landed, read back from the file itself. */
	f = mlt_open(out, err, sizeof(err));
	if (!f) {
		cli_error("gen", "%s", err);
		goto out;
	}
	printf("wrote %s: %" PRIu64 " records, %u threads, %u mm%s\n", out,
	       f->nrecords, f->nthreads, f->nmms, f->nmms == 1 ? "" : "s");
	mlt_close(f);
	ret = 0;
out:
	free(params);
	return ret;
}
