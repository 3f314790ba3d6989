/*
 * `mmlocksim compare`: schemes x CPU counts x seeds, run in parallel, into
 * one database, then the report table and, with --plot, the plots.
 * Each run is a forked child of runpool.c, which writes the database.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "analysis/plot.h"
#include "analysis/report.h"
#include "analysis/store.h"
#include "lib/xalloc.h"
#include "sim/cli/cli.h"
#include "sim/core/version.h"
#include "sim/cli/climsg.h"
#include "sim/core/machine.h"
#include "sim/run/run.h"
#include "sim/run/runpool.h"
#include "sim/cli/cliargs.h"
#include "sim/run/replay.h"
#include "lib/outfile.h"
#include "schemes/registry.h"
#include "traces/gen.h"

#define MAX_LIST 64
#define MAX_JOBS RUNPOOL_MAX_JOBS

static void usage(FILE *out)
{
	fprintf(out,
		"usage: mmlocksim compare TRACE|WORKLOAD [-s a,b,...] [--cpus 1,8,64] [--seeds K]\n"
		"                         [--jobs J] [--db OUT.db] [--plot DIR] [--machine M]\n"
		"                         [--threads N] [-p KEY=VAL]... [--plugin P.so]\n"
		"  -s LIST      schemes, comma separated; the first is the baseline (default: every\n"
		"               registered scheme meant for comparison; mmlocksim list schemes)\n"
		"  --cpus LIST  CPU counts (default 1,4,16,64, capped at the machine's CPUs)\n"
		"  --seeds K    runs per (scheme, CPU count), seeds 1..K (default 5)\n"
		"  --jobs J     runs at a time (default: the number of online CPUs)\n"
		"  --db OUT.db  keep the results in a new database (default: a temporary one)\n"
		"  --plot DIR   write scaling.png, latency_cdf.png, lock_wait.png into DIR\n"
		"  --machine M, --threads N, -p KEY=VAL, --plugin P.so: as for mmlocksim run\n"
		"Progress is shown on a terminal.  exit status: 0 every run COMPLETE, 1 some\n"
		"run FAILED or ERROR, 2 bad input, 130 interrupted (runs marked INTERRUPTED).\n");
}

static int cmp_int(const void *a, const void *b)
{
	return *(const int *)a - *(const int *)b;
}

/* ---- the command ------------------------------------------------------- */

/*
 * Close DB, checkpointing its WAL into the file, and rename the temporary
 * TMP into place as DEST (DBPATH as the user wrote it); TMP is emptied
 * once renamed.  Without DBPATH the temporary stays (for the plots) and is
 * removed at the end.  -1 with the message printed.
 */
static int publish(struct store **db, char *tmp, const char *dbpath, const char *dest)
{
	char side[4300];

	store_close(*db);
	*db = NULL;
	if (!dbpath)
		return 0;
	/* A WAL left behind holds what the file lacks: the checkpoint failed. */
	snprintf(side, sizeof(side), "%s-wal", tmp);
	if (access(side, F_OK) == 0) {
		cli_error("compare", "%s: not written: the database could not be "
			"checkpointed (disk full?)", dbpath);
		return -1;
	}
	if (rename(tmp, dest) < 0) {
		cli_error("compare", "%s: cannot rename into place: %s", dbpath, strerror(errno));
		return -1;
	}
	snprintf(side, sizeof(side), "%s-shm", tmp);
	unlink(side);
	tmp[0] = 0;
	return 0;
}

int cli_compare(int argc, char **argv)
{
	struct run_spec base = { 0 };
	const char *dbpath = NULL, *plotdir = NULL, *cpus_arg = NULL, *sopt = NULL, *pos[1];
	char *scheme_list[MAX_LIST], *cpu_strs[MAX_LIST], *sarg = NULL, *carg = NULL;
	int cpus[MAX_LIST], nschemes = 0, ncpus = 0, nseeds = 5, jobs, i, j, k, m, ntasks;
	int ret = EXIT_BAD_INPUT, mcpus, npos;
	char tmpdb[4200] = "", err[1024], args[1024];
	struct outfile dest = { 0 };
	struct runpool_job *tasks = NULL;
	struct runpool_opts po = { .what = "compare", .resolve_from_siblings = 1 };
	struct store *db = NULL;
	struct runpool_tally ty = { 0 };
	const struct scheme_ops *plugin_ops = NULL;
	const char *plugin_path = NULL, *tmp;
	uint64_t v;
	struct cli_opt opts[] = {
		CLI_OPT_STRING("-s", &sopt),
		CLI_OPT_STRING("--cpus", &cpus_arg),
		CLI_OPT_INT("--seeds", &nseeds, 1, RUN_MAX_SEEDS, "seeds"),
		CLI_OPT_INT("--jobs", &jobs, 1, MAX_JOBS, "jobs"),
		CLI_OPT_INT("--threads", &base.threads, 1, REPLAY_MAX_TASKS, "threads"),
		CLI_OPT_STRING("--db", &dbpath),
		CLI_OPT_STRING("--plot", &plotdir),
		CLI_OPT_STRING("--machine", &base.machine),
		CLI_OPT_STRING("--plugin", &base.plugin),
		CLI_OPT_LIST("-p", base.params, RUN_MAX_PARAMS, &base.nparams),
		CLI_OPT_END,
	};
	int rc;

	jobs = (int)sysconf(_SC_NPROCESSORS_ONLN);
	i = cli_parse("compare", argc, argv, opts, pos, 1, &npos, "trace");
	if (i > 0) {
		usage(stdout);
		return 0;
	}
	if (i < 0)
		goto out;
	base.trace = npos ? pos[0] : NULL;
	if (sopt && !(sarg = strdup(sopt))) {
		cli_error("compare", "out of memory");
		goto out;
	}
	if (!base.trace) {
		cli_error("compare", "expected a trace or a workload (mmlocksim compare --help)");
		goto out;
	}
	if (!gen_is_workload(base.trace) && access(base.trace, R_OK) != 0) {
		cli_error("compare", "%s: %s, and not a workload name (mmlocksim list "
			"workloads)", base.trace, strerror(errno));
		goto out;
	}
	if (plotdir && plot_check_dir(plotdir, err, sizeof(err))) {
		cli_error("compare", "%s", err);
		goto out;
	}
	/* Schemes: checked here, once, rather than failing in every child. */
	schemes_init();
	if (base.plugin) {
		/* Registered in this process, so the children find it by name. */
		plugin_ops = scheme_load_plugin(base.plugin, err, sizeof(err));
		if (!plugin_ops) {
			cli_error("compare", "%s", err);
			goto out;
		}
		plugin_path = base.plugin;
		base.plugin = NULL;
	}
	if (sarg) {
		nschemes = cli_split("compare", "-s", sarg, scheme_list, MAX_LIST);
		if (nschemes < 0)
			goto out;
	} else {
		for (i = 0; i < scheme_count() && nschemes < MAX_LIST; i++)
			if (scheme_in_default_compare(scheme_at(i)))
				scheme_list[nschemes++] = (char *)scheme_at(i)->name;
	}
	for (i = 0; i < nschemes; i++) {
		char msg[4096];	/* the name as typed and the whole list */

		if (!scheme_find(scheme_list[i], msg, sizeof(msg))) {
			fprintf(stderr, "mmlocksim: %s\n", msg);
			goto out;
		}
		for (j = 0; j < i; j++) {
			if (!strcmp(scheme_list[i], scheme_list[j])) {
				cli_error("compare", "-s: %s given twice", scheme_list[i]);
				goto out;
			}
		}
	}
	if (!nschemes) {
		cli_error("compare", "no schemes to compare (mmlocksim list schemes)");
		goto out;
	}

	/* CPU counts: the default is capped at the machine, an explicit list must fit. */
	mcpus = machine_lookup(base.machine, NULL, 0, err, sizeof(err));
	if (mcpus < 0) {
		cli_error("compare", "%s", err);
		goto out;
	}
	carg = strdup(cpus_arg ? cpus_arg : "1,4,16,64");
	if (!carg) {
		cli_error("compare", "out of memory");
		goto out;
	}
	k = cli_split("compare", "--cpus", carg, cpu_strs, MAX_LIST);
	if (k < 0)
		goto out;
	for (i = 0; i < k; i++) {
		if (cli_number_arg("compare", "--cpus", cpu_strs[i], 1, MAX_CPUS, "CPUs", &v))
			goto out;
		if ((int)v > mcpus) {
			if (cpus_arg) {
				cli_error("compare", "--cpus %d: the machine has %d CPUs",
					(int)v, mcpus);
				goto out;
			}
			v = (uint64_t)mcpus;
		}
		for (j = 0; j < ncpus && cpus[j] != (int)v; j++)
			;
		if (j == ncpus)
			cpus[ncpus++] = (int)v;
	}
	qsort(cpus, (size_t)ncpus, sizeof(cpus[0]), cmp_int);

	/* CPU counts outermost, schemes innermost: partial results stay balanced. */
	store_args(base.params, base.nparams, args, sizeof(args));
	ntasks = ncpus * nseeds * nschemes;
	tasks = xcalloc((size_t)ntasks, sizeof(*tasks));

	for (i = k = 0; i < ncpus; i++)
		for (j = 0; j < nseeds; j++)
			for (m = 0; m < nschemes; m++, k++) {
				struct runpool_job *t = &tasks[k];

				t->spec = base;
				t->spec.scheme = scheme_list[m];
				t->spec.cpus = cpus[i];
				t->spec.seed = (uint64_t)j + 1;
				if (plugin_ops && !strcmp(scheme_list[m], plugin_ops->name))
					t->plugin = plugin_path;
				t->key = (struct store_key){
					.scheme = scheme_list[m], .source = base.trace,
					.machine = base.machine ? base.machine : "",
					.cpus = cpus[i], .threads = base.threads,
					.seed = (uint64_t)j + 1, .args = args,
					.version = MMLOCKSIM_VERSION,
				};
			}

	if (dbpath) {
		struct stat st;

		if (stat(dbpath, &st) == 0 && st.st_size > 0) {
			cli_error("compare", "%s exists; compare writes a new database "
				"(remove it, or combine databases with mmlocksim merge)", dbpath);
			goto out;
		}
		if (outfile_check_regular(dbpath, err, sizeof(err)) < 0 ||
		    outfile_check(dbpath, &dest, err, sizeof(err)) < 0) {
			cli_error("compare", "%s", err);
			goto out;
		}
	}
	{
		/*
		 * Built under a temporary name, beside the destination so that
		 * the rename is atomic, and renamed only once every outcome is
		 * in: a database that fails half-way (a full disk) is removed,
		 * never left where a complete one is expected.
		 */
		const char *slash = dbpath ? strrchr(dest.dest, '/') : NULL;
		int fd;

		tmp = getenv("TMPDIR");
		if (!dbpath)
			snprintf(tmpdb, sizeof(tmpdb), "%s/mmlocksim-compare-XXXXXX",
				 tmp && *tmp && strlen(tmp) < sizeof(tmpdb) - 30 ? tmp : "/tmp");
		else
			snprintf(tmpdb, sizeof(tmpdb), "%.*s.%s.XXXXXX",
				 slash ? (int)(slash - dest.dest + 1) : 0, dest.dest,
				 slash ? slash + 1 : dest.dest);
		fd = mkstemp(tmpdb);
		if (fd < 0) {
			cli_error("compare", "%s: cannot create a temporary database: %s",
				dbpath ? dbpath : tmpdb, strerror(errno));
			tmpdb[0] = 0;
			goto out;
		}
		/* mkstemp() makes it private; the result is as readable as SQLite makes files. */
		if (dbpath)
			fchmod(fd, 0644);
		close(fd);
	}
	db = store_open(tmpdb, 1, err, sizeof(err));
	if (!db || (dbpath && store_show_as(db, dbpath) < 0)) {
		if (db)
			snprintf(err, sizeof(err), "%s: out of memory", dbpath);
		cli_error("compare", "%s", err);
		goto out;
	}
	printf("compare %s: %d scheme%s x %d CPU count%s x %d seed%s = %d runs, %d at a time\n",
	       base.trace, nschemes, nschemes > 1 ? "s" : "", ncpus, ncpus > 1 ? "s" : "",
	       nseeds, nseeds > 1 ? "s" : "", ntasks, jobs);
	fflush(stdout);

	po.jobs = jobs;
	if (runpool_run(db, tasks, ntasks, &po, &ty) < 0 || ty.store_errors) {
		cli_error("compare", "%s: not written: the database could not take "
			"every outcome (see above)", dbpath ? dbpath : "results");
		ret = 1;
		goto out;
	}
	if (ty.interrupted) {
		if (publish(&db, tmpdb, dbpath, dest.dest) < 0) {
			ret = 1;
			goto out;
		}
		cli_error("compare", "interrupted: %d of %d runs done; the runs in "
			"flight are marked INTERRUPTED%s%s", ty.done, ntasks,
			dbpath ? " in " : "", dbpath ? dbpath : "");
		ret = 128 + ty.interrupted;
		goto out;
	}
	if (ty.errors == ntasks) {
		if (publish(&db, tmpdb, dbpath, dest.dest) < 0) {
			ret = 1;
			goto out;
		}
		cli_error("compare", "every run failed to start: %s", ty.first_error);
		ret = EXIT_BAD_INPUT;
		goto out;
	}
	printf("\n");
	rc = report_print(store_db(db), scheme_list[0], stdout, 1, err, sizeof(err));
	/* Checkpointed and in place, so the plots see everything. */
	if (publish(&db, tmpdb, dbpath, dest.dest) < 0) {
		ret = 1;
		goto out;
	}
	if (rc < 0) {
		cli_error("compare", "%s", err);
		ret = 1;
		goto out;
	}
	ret = ty.failed || ty.errors ? 1 : 0;
	if (ty.errors)
		cli_error("compare", "%d runs could not run; first: %s", ty.errors,
			ty.first_error);
	if (plotdir) {
		rc = plot_all(dbpath ? dbpath : tmpdb, plotdir, err, sizeof(err));
		if (rc < 0) {
			cli_error("compare", "%s", err);
			ret = rc == PLOT_NO_TOOLS || rc == PLOT_BAD_DIR ? EXIT_BAD_INPUT : 1;
		} else {
			printf("\nplots:");
			for (i = 0; plot_names[i]; i++)
				printf(" %s/%s", plotdir, plot_names[i]);
			printf("\n");
		}
	}
	if (dbpath)
		printf("results: %s (mmlocksim report %s; README, Querying results)\n", dbpath, dbpath);
out:
	store_close(db);
	if (tmpdb[0])
		store_remove(tmpdb);
	outfile_free(&dest);
	free(tasks);
	free(sarg);
	free(carg);
	return ret;
}
