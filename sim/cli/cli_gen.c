/* `mmlocksim gen`: write a synthetic benchmark trace. */
#include <errno.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/cli/cli.h"
#include "sim/cli/climsg.h"
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

/* A non-negative decimal integer no larger than MAX: 0 ok, -1 bad. */
static int parse_u64(const char *s, uint64_t max, uint64_t *v)
{
	char *end;
	unsigned long long u;

	if (!*s || *s < '0' || *s > '9')
		return -1;
	errno = 0;
	u = strtoull(s, &end, 10);
	if (errno || *end || u > max)
		return -1;
	*v = u;
	return 0;
}

int cli_gen(int argc, char **argv)
{
	const char *workload = NULL, *out = NULL;
	uint64_t threads = 0, ops = 0, seed = 1;
	char **params = NULL;
	int nparams = 0, i, ret = EXIT_BAD_INPUT;
	struct mlt_file *f;
	char err[1024];

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			usage(stdout);
			free(params);
			return 0;
		}
	}
	params = calloc((size_t)argc, sizeof(*params));
	if (!params) {
		cli_error("gen", "out of memory");
		return EXIT_BAD_INPUT;
	}
	for (i = 1; i < argc; i++) {
		const char *a = argv[i];
		int has_val = i + 1 < argc;

		if (a[0] != '-' || !a[1]) {
			if (workload) {
				cli_error("gen", "expected one workload, got '%s' too", a);
				goto out;
			}
			workload = a;
		} else if (!has_val && (!strcmp(a, "-t") || !strcmp(a, "-n") ||
					!strcmp(a, "--seed") || !strcmp(a, "-p") ||
					!strcmp(a, "-o"))) {
			cli_error("gen", "%s: expected a value after it", a);
			goto out;
		} else if (!strcmp(a, "-t")) {
			if (parse_u64(argv[++i], 1 << 20, &threads) < 0 || !threads) {
				cli_error("gen", "-t: expected a positive thread count, got '%s'", argv[i]);
				goto out;
			}
		} else if (!strcmp(a, "-n")) {
			if (parse_u64(argv[++i], UINT64_MAX, &ops) < 0 || !ops) {
				cli_error("gen", "-n: expected a positive op count, got '%s'", argv[i]);
				goto out;
			}
		} else if (!strcmp(a, "--seed")) {
			if (parse_u64(argv[++i], UINT64_MAX, &seed) < 0) {
				cli_error("gen", "--seed: expected a non-negative integer, got '%s'", argv[i]);
				goto out;
			}
		} else if (!strcmp(a, "-p")) {
			params[nparams++] = argv[++i];
		} else if (!strcmp(a, "-o")) {
			out = argv[++i];
		} else {
			cli_error("gen", "unknown option '%s'; expected -t, -n, --seed, -p, -o (mmlocksim gen --help)", a);
			goto out;
		}
	}
	if (!workload) {
		cli_error("gen", "expected a workload (mmlocksim list workloads)");
		goto out;
	}
	if (!out) {
		cli_error("gen", "expected -o OUT.mlt");
		goto out;
	}
	if (trace_gen(workload, (int)threads, ops, seed, nparams, params, out,
		      err, sizeof(err)) < 0) {
		cli_error("gen", "%s", err);
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
