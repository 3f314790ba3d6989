/*
 * The commands on results databases: `mmlocksim report` (the comparison
 * table, and plots) and `mmlocksim merge` (shards of a sweep into one).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "analysis/plot.h"
#include "analysis/report.h"
#include "analysis/store.h"
#include "sim/cli/cli.h"
#include "sim/cli/climsg.h"
#include "sim/cli/cliargs.h"

int cli_report(int argc, char **argv)
{
	const char *path = NULL, *baseline = NULL, *plotdir = NULL;
	struct store *db;
	char err[1024];
	int i, rc, npos, write_fits = 0;
	struct cli_opt opts[] = {
		CLI_OPT_STRING("--baseline", &baseline),
		CLI_OPT_STRING("--plot", &plotdir),
		CLI_OPT_FLAG("--write", &write_fits),
		CLI_OPT_END,
	};

	rc = cli_parse("report", argc, argv, opts, &path, 1, &npos, "database");
	if (rc > 0) {
		printf("usage: mmlocksim report DB [--baseline SCHEME] [--plot DIR] [--write]\n"
		       "  the comparison table of every run in DB (mmtests compare-kernels style):\n"
		       "  harmonic-mean fault throughput per scheme and CPU count, change against\n"
		       "  the baseline (default: the baseline table's, global-rwsem), *marked* when\n"
		       "  Welch's t-test gives p < 0.05; CV; p99; counters; lock wait; violations;\n"
		       "  the Universal Scalability Law fits.  DB is only read.\n"
		       "  --plot DIR  also write scaling.png, latency_cdf.png, lock_wait.png\n"
		       "  --write     also store the fits in DB (table usl_fit)\n");
		return 0;
	}
	if (rc < 0)
		return EXIT_BAD_INPUT;
	if (!npos) {
		cli_error("report", "expected a database (mmlocksim report --help)");
		return EXIT_BAD_INPUT;
	}
	if (plotdir && plot_check_dir(plotdir, err, sizeof(err))) {
		cli_error("report", "%s", err);
		return EXIT_BAD_INPUT;
	}
	/* The database is only read unless the fits are to be stored in it. */
	db = store_open(path, write_fits ? STORE_EXISTING : STORE_READONLY, err, sizeof(err));
	if (!db) {
		cli_error("report", "%s", err);
		return EXIT_BAD_INPUT;
	}
	rc = report_print(store_db(db), baseline, stdout, write_fits, err, sizeof(err));
	store_close(db);
	if (rc < 0) {
		cli_error("report", "%s", err);
		return EXIT_BAD_INPUT;
	}
	if (plotdir) {
		rc = plot_all(path, plotdir, err, sizeof(err));
		if (rc < 0) {
			cli_error("report", "%s", err);
			return rc == PLOT_NO_TOOLS || rc == PLOT_BAD_DIR ? EXIT_BAD_INPUT : 1;
		}
		printf("\nplots:");
		for (i = 0; plot_names[i]; i++)
			printf(" %s/%s", plotdir, plot_names[i]);
		printf("\n");
	}
	return 0;
}

int cli_merge(int argc, char **argv)
{
	struct cli_opt opts[] = { CLI_OPT_END };
	struct store *out;
	char err[1024];
	const char **pos;
	int64_t rows;
	int i, existed, rc, npos;

	pos = calloc((size_t)argc, sizeof(*pos));
	if (!pos) {
		cli_error("merge", "out of memory");
		return EXIT_BAD_INPUT;
	}
	rc = cli_parse("merge", argc, argv, opts, pos, argc, &npos, "databases");
	free(pos);
	if (rc > 0) {
		printf("usage: mmlocksim merge OUT.db IN.db...\n"
		       "  append the runs of every IN.db (shards of a sweep) to OUT.db, created if\n"
		       "  missing; run ids are renumbered, each shard is one transaction, and a\n"
		       "  shard of another schema version is refused.  The IN.db are only read.\n");
		return 0;
	}
	if (rc < 0)
		return EXIT_BAD_INPUT;
	if (argc < 3) {
		cli_error("merge", "expected OUT.db and at least one IN.db");
		return EXIT_BAD_INPUT;
	}
	for (i = 2; i < argc; i++) {
		if (!strcmp(argv[i], argv[1])) {
			cli_error("merge", "%s is both output and input", argv[1]);
			return EXIT_BAD_INPUT;
		}
	}
	/*
	 * Every input is checked before the output is touched, so that a bad
	 * shard named last does not leave a new output holding only the
	 * shards before it, as if that were the whole sweep.
	 */
	for (i = 2; i < argc; i++) {
		out = store_open(argv[i], STORE_READONLY, err, sizeof(err));
		if (!out) {
			cli_error("merge", "%s", err);
			return EXIT_BAD_INPUT;
		}
		store_close(out);
	}
	existed = access(argv[1], F_OK) == 0;
	out = store_open(argv[1], STORE_CREATE, err, sizeof(err));
	if (!out) {
		cli_error("merge", "%s", err);
		if (!existed)
			store_remove(argv[1]);
		return EXIT_BAD_INPUT;
	}
	for (i = 2; i < argc; i++) {
		rows = store_merge(out, argv[i], err, sizeof(err));
		if (rows < 0) {
			/* An output made here goes; an existing one keeps the shards merged. */
			cli_error("merge", "%s%s", err, existed && i > 2 ?
				"; the shards before it are merged, those after it are not" : "");
			store_close(out);
			if (!existed)
				store_remove(argv[1]);
			return EXIT_BAD_INPUT;
		}
		printf("merged %s: %" PRId64 " rows\n", argv[i], rows);
	}
	store_close(out);
	return 0;
}
