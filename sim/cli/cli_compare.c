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
#include "sim/run/knobs.h"
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
		"               registered scheme meant for comparison; mmlocksim list schemes);\n"
		"               NAME:KEY=VAL[:KEY=VAL...] gives that scheme parameters (a variant)\n"
		"  --cpus LIST  CPU counts (default 1,4,16,64, capped at the machine's CPUs)\n"
		"  --seeds K    runs per (scheme, CPU count), seeds 1..K (default 5)\n"
		"  --jobs J     runs at a time (default: the number of online CPUs)\n"
		"  --db OUT.db  keep the results in a new database (default: a temporary one)\n"
		"  --plot DIR   write scaling.png, latency_cdf.png, lock_wait.png into DIR\n"
		"  --machine M, --threads N, -p KEY=VAL, --plugin P.so: as for mmlocksim run;\n"
		"               a scheme parameter applies to the compared schemes that have it\n"
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

/* One column of the comparison: a scheme, with the parameters -s gave it. */
struct variant {
	char *item;			/* as written: NAME[:KEY=VAL...] */
	const struct scheme_ops *ops;
	const char *kv[RUN_MAX_PARAMS];	/* its own KEY=VAL, pointing into item */
	int nkv;
	struct run_spec spec;		/* base with the -p that apply to it, then kv */
	char args[1024], scheme_args[1024], model_args[1024];	/* its run rows' */
};

/* Everything cli_compare() holds, released at its end. */
struct compare {
	struct run_spec base;
	const char *dbpath, *plotdir, *cpus_arg, *sopt, *plugin_path;
	char *sarg, *carg;
	struct variant v[MAX_LIST];
	int nvariants;
	int cpus[MAX_LIST], ncpus, nseeds, jobs;
	const struct scheme_ops *plugin_ops;
	struct runpool_job *tasks;
	int ntasks;
	char tmpdb[4200];
	struct outfile dest;
	struct store *db;
};

/* Split "NAME:KEY=VAL:KEY=VAL" in place into v; -1 with the message printed. */
static int parse_variant(struct variant *v)
{
	char *c = strchr(v->item, ':');
	char msg[4096];	/* the name as typed and the whole list */

	while (c) {
		*c++ = 0;
		if (v->nkv == RUN_MAX_PARAMS || !strchr(c, '=') || *c == '=') {
			cli_error("compare", "-s %s: expected NAME:KEY=VAL[:KEY=VAL...]", v->item);
			return -1;
		}
		v->kv[v->nkv++] = c;
		c = strchr(c, ':');
	}
	v->ops = scheme_find(v->item, msg, sizeof(msg));
	if (!v->ops) {
		cli_error("compare", "%s", msg);
		return -1;
	}
	return 0;
}

/* The schemes of -s, or every one meant for comparison. */
static int pick_variants(struct compare *c)
{
	char *items[MAX_LIST];
	int i, j, n = 0;

	if (c->sopt) {
		c->sarg = xstrdup(c->sopt);
		n = cli_split("compare", "-s", c->sarg, items, MAX_LIST);
		if (n < 0)
			return -1;
	} else {
		for (i = 0; i < scheme_count() && n < MAX_LIST; i++)
			if (scheme_in_default_compare(scheme_at(i)))
				items[n++] = (char *)scheme_at(i)->name;
	}
	if (!n) {
		cli_error("compare", "no schemes to compare (mmlocksim list schemes)");
		return -1;
	}
	for (i = 0; i < n; i++) {
		for (j = 0; j < i; j++) {
			if (!strcmp(items[i], items[j])) {
				cli_error("compare", "-s: %s given twice", items[i]);
				return -1;
			}
		}
		c->v[i].item = xstrdup(items[i]);
		c->nvariants = i + 1;
		if (parse_variant(&c->v[i]))
			return -1;
	}
	return 0;
}

/* KEY of "KEY=VAL" into key (size 64). */
static void kv_key(const char *kv, char *key)
{
	const char *eq = strchr(kv, '=');
	size_t n = eq ? (size_t)(eq - kv) : strlen(kv);

	snprintf(key, 64, "%.*s", (int)(n < 63 ? n : 63), kv);
}

static bool kv_same_key(const char *a, const char *b)
{
	char ka[64], kb[64];

	kv_key(a, ka);
	kv_key(b, kb);
	return !strcmp(ka, kb);
}

/*
 * Each variant's run: the -p that apply to it (every one, but for a
 * scheme parameter that only other compared schemes have), then its own.
 * A -p nothing here takes is refused, saying what it is not; every
 * variant's run is checked, once, rather than failing in every child.
 */
static int make_specs(struct compare *c)
{
	char key[64], err[1024];
	int i, j, k, known;

	for (i = 0; i < c->base.nparams; i++) {
		kv_key(c->base.params[i], key);
		for (j = known = 0; j < c->nvariants; j++)
			known |= scheme_has_param(c->v[j].ops, key);
		if (known || knob_known(key) || gen_is_workload(c->base.trace))
			continue;
		for (k = 0; k < scheme_count() && !scheme_has_param(scheme_at(k), key); k++)
			;
		cli_error("compare", "-p %s: not a parameter of the schemes compared (see "
			  "mmlocksim list schemes) nor of the model (%s)%s%s%s", c->base.params[i],
			  knob_names(), k < scheme_count() ? "; scheme " : "",
			  k < scheme_count() ? scheme_at(k)->name : "",
			  k < scheme_count() ? " has it, but is not compared" : "");
		return -1;
	}
	for (j = 0; j < c->nvariants; j++) {
		struct variant *v = &c->v[j];

		v->spec = c->base;
		v->spec.scheme = v->item;
		v->spec.nparams = 0;
		for (i = 0; i < c->base.nparams; i++) {
			kv_key(c->base.params[i], key);
			for (k = known = 0; k < c->nvariants; k++)
				known |= scheme_has_param(c->v[k].ops, key);
			if (known && !scheme_has_param(v->ops, key) && !knob_known(key))
				continue;
			/* -s NAME:KEY=VAL says more than -p KEY=VAL. */
			for (k = 0; k < v->nkv && !kv_same_key(v->kv[k], c->base.params[i]); k++)
				;
			if (k < v->nkv)
				continue;
			v->spec.params[v->spec.nparams++] = c->base.params[i];
		}
		for (i = 0; i < v->nkv; i++) {
			if (v->spec.nparams == RUN_MAX_PARAMS) {
				cli_error("compare", "-s %s: expected at most %d parameters in all",
					  v->item, RUN_MAX_PARAMS);
				return -1;
			}
			kv_key(v->kv[i], key);
			if (!scheme_has_param(v->ops, key)) {
				/* scheme_args_parse() names the scheme's parameters. */
				struct scheme_args args;

				scheme_args_parse(v->ops, 1, &v->kv[i], &args, err, sizeof(err));
				cli_error("compare", "-s %s: %s", v->ops->name, err);
				return -1;
			}
			v->spec.params[v->spec.nparams++] = v->kv[i];
		}
		if (run_check(&v->spec, err, sizeof(err))) {
			cli_error("compare", "-s %s: %s", v->ops->name, err);
			return -1;
		}
		run_args(&v->spec, v->args, v->scheme_args, v->model_args, sizeof(v->args));
	}
	return 0;
}

/* CPU counts: the default is capped at the machine, an explicit list must fit. */
static int pick_cpus(struct compare *c)
{
	char *strs[MAX_LIST], err[1024];
	int i, j, n, mcpus;
	uint64_t v;

	mcpus = machine_lookup(c->base.machine, NULL, 0, err, sizeof(err));
	if (mcpus < 0) {
		cli_error("compare", "%s", err);
		return -1;
	}
	c->carg = xstrdup(c->cpus_arg ? c->cpus_arg : "1,4,16,64");
	n = cli_split("compare", "--cpus", c->carg, strs, MAX_LIST);
	if (n < 0)
		return -1;
	for (i = 0; i < n; i++) {
		if (cli_number_arg("compare", "--cpus", strs[i], 1, MAX_CPUS, "CPUs", &v))
			return -1;
		if ((int)v > mcpus) {
			if (c->cpus_arg) {
				cli_error("compare", "--cpus %d: the machine has %d CPUs", (int)v,
					  mcpus);
				return -1;
			}
			v = (uint64_t)mcpus;
		}
		for (j = 0; j < c->ncpus && c->cpus[j] != (int)v; j++)
			;
		if (j == c->ncpus)
			c->cpus[c->ncpus++] = (int)v;
	}
	qsort(c->cpus, (size_t)c->ncpus, sizeof(c->cpus[0]), cmp_int);
	return 0;
}

/* CPU counts outermost, schemes innermost: partial results stay balanced. */
static void make_tasks(struct compare *c)
{
	int i, j, m, k = 0;

	c->ntasks = c->ncpus * c->nseeds * c->nvariants;
	c->tasks = xcalloc((size_t)c->ntasks, sizeof(*c->tasks));
	for (i = 0; i < c->ncpus; i++)
		for (j = 0; j < c->nseeds; j++)
			for (m = 0; m < c->nvariants; m++, k++) {
				const struct variant *v = &c->v[m];
				struct runpool_job *t = &c->tasks[k];

				t->spec = v->spec;
				t->spec.cpus = c->cpus[i];
				t->spec.seed = (uint64_t)j + 1;
				if (c->plugin_ops && v->ops == c->plugin_ops)
					t->plugin = c->plugin_path;
				t->key = (struct store_key){
					.scheme = v->ops->name, .source = c->base.trace,
					.machine = c->base.machine ? c->base.machine : "",
					.cpus = c->cpus[i], .threads = c->base.threads,
					.seed = (uint64_t)j + 1, .args = v->args,
					.version = MMLOCKSIM_VERSION,
					.scheme_args = v->scheme_args, .model_args = v->model_args,
				};
			}
}

/*
 * The database, built under a temporary name beside the destination so
 * that the rename is atomic, and renamed only once every outcome is in: a
 * database that fails half-way (a full disk) is removed, never left where
 * a complete one is expected.
 */
static int open_db(struct compare *c)
{
	const char *slash, *tmp = getenv("TMPDIR");
	char err[1024];
	struct stat st;
	int fd;

	if (c->dbpath) {
		if (stat(c->dbpath, &st) == 0 && st.st_size > 0) {
			cli_error("compare", "%s exists; compare writes a new database "
				"(remove it, or combine databases with mmlocksim merge)", c->dbpath);
			return -1;
		}
		if (outfile_check_regular(c->dbpath, err, sizeof(err)) < 0 ||
		    outfile_check(c->dbpath, &c->dest, err, sizeof(err)) < 0) {
			cli_error("compare", "%s", err);
			return -1;
		}
	}
	slash = c->dbpath ? strrchr(c->dest.dest, '/') : NULL;
	if (!c->dbpath)
		snprintf(c->tmpdb, sizeof(c->tmpdb), "%s/mmlocksim-compare-XXXXXX",
			 tmp && *tmp && strlen(tmp) < sizeof(c->tmpdb) - 30 ? tmp : "/tmp");
	else
		snprintf(c->tmpdb, sizeof(c->tmpdb), "%.*s.%s.XXXXXX",
			 slash ? (int)(slash - c->dest.dest + 1) : 0, c->dest.dest,
			 slash ? slash + 1 : c->dest.dest);
	fd = mkstemp(c->tmpdb);
	if (fd < 0) {
		cli_error("compare", "%s: cannot create a temporary database: %s",
			c->dbpath ? c->dbpath : c->tmpdb, strerror(errno));
		c->tmpdb[0] = 0;
		return -1;
	}
	/* mkstemp() makes it private; the result is as readable as SQLite makes files. */
	if (c->dbpath)
		fchmod(fd, 0644);
	close(fd);
	c->db = store_open(c->tmpdb, 1, err, sizeof(err));
	if (!c->db || (c->dbpath && store_show_as(c->db, c->dbpath) < 0)) {
		if (c->db)
			snprintf(err, sizeof(err), "%s: out of memory", c->dbpath);
		cli_error("compare", "%s", err);
		return -1;
	}
	return 0;
}

/* After the runs: the report, the database in place, the plots; the exit status. */
static int finish(struct compare *c, const struct runpool_tally *ty)
{
	char err[1024];
	int i, rc, ret;

	if (ty->interrupted || ty->errors == c->ntasks) {
		if (publish(&c->db, c->tmpdb, c->dbpath, c->dest.dest) < 0)
			return 1;
		if (ty->interrupted) {
			cli_error("compare", "interrupted: %d of %d runs done; the runs in "
				"flight are marked INTERRUPTED%s%s", ty->done, c->ntasks,
				c->dbpath ? " in " : "", c->dbpath ? c->dbpath : "");
			return 128 + ty->interrupted;
		}
		cli_error("compare", "every run failed to start: %s", ty->first_error);
		return EXIT_BAD_INPUT;
	}
	printf("\n");
	rc = report_print(store_db(c->db), c->v[0].ops->name, stdout, 1, err, sizeof(err));
	/* Checkpointed and in place, so the plots see everything. */
	if (publish(&c->db, c->tmpdb, c->dbpath, c->dest.dest) < 0)
		return 1;
	if (rc < 0) {
		cli_error("compare", "%s", err);
		return 1;
	}
	ret = ty->failed || ty->errors ? 1 : 0;
	if (ty->errors)
		cli_error("compare", "%d runs could not run; first: %s", ty->errors,
			ty->first_error);
	if (c->plotdir) {
		rc = plot_all(c->dbpath ? c->dbpath : c->tmpdb, c->plotdir, err, sizeof(err));
		if (rc < 0) {
			cli_error("compare", "%s", err);
			ret = rc == PLOT_NO_TOOLS || rc == PLOT_BAD_DIR ? EXIT_BAD_INPUT : 1;
		} else {
			printf("\nplots:");
			for (i = 0; plot_names[i]; i++)
				printf(" %s/%s", c->plotdir, plot_names[i]);
			printf("\n");
		}
	}
	if (c->dbpath)
		printf("results: %s (mmlocksim report %s; README, Querying results)\n", c->dbpath,
		       c->dbpath);
	return ret;
}

int cli_compare(int argc, char **argv)
{
	struct compare *c = xcalloc(1, sizeof(*c));
	struct runpool_opts po = { .what = "compare", .resolve_from_siblings = 1 };
	struct runpool_tally ty = { 0 };
	const char *pos[1];
	char err[1024];
	int i, npos, ret = EXIT_BAD_INPUT;
	struct cli_opt opts[] = {
		CLI_OPT_STRING("-s", &c->sopt),
		CLI_OPT_STRING("--cpus", &c->cpus_arg),
		CLI_OPT_INT("--seeds", &c->nseeds, 1, RUN_MAX_SEEDS, "seeds"),
		CLI_OPT_INT("--jobs", &c->jobs, 1, MAX_JOBS, "jobs"),
		CLI_OPT_INT("--threads", &c->base.threads, 1, REPLAY_MAX_TASKS, "threads"),
		CLI_OPT_STRING("--db", &c->dbpath),
		CLI_OPT_STRING("--plot", &c->plotdir),
		CLI_OPT_STRING("--machine", &c->base.machine),
		CLI_OPT_STRING("--plugin", &c->base.plugin),
		CLI_OPT_LIST("-p", c->base.params, RUN_MAX_PARAMS, &c->base.nparams),
		CLI_OPT_END,
	};

	/* The command line. */
	c->nseeds = 5;
	c->jobs = (int)sysconf(_SC_NPROCESSORS_ONLN);
	i = cli_parse("compare", argc, argv, opts, pos, 1, &npos, "trace");
	if (i > 0) {
		usage(stdout);
		ret = 0;
		goto out;
	}
	if (i < 0)
		goto out;
	c->base.trace = npos ? pos[0] : NULL;
	if (!c->base.trace) {
		cli_error("compare", "expected a trace or a workload (mmlocksim compare --help)");
		goto out;
	}
	if (!gen_is_workload(c->base.trace) && access(c->base.trace, R_OK) != 0) {
		cli_error("compare", "%s: %s, and not a workload name (mmlocksim list "
			"workloads)", c->base.trace, strerror(errno));
		goto out;
	}
	if (c->plotdir && plot_check_dir(c->plotdir, err, sizeof(err))) {
		cli_error("compare", "%s", err);
		goto out;
	}

	/* What runs, checked here, once, rather than failing in every child. */
	schemes_init();
	if (c->base.plugin) {
		/* Registered in this process, so the children find it by name. */
		c->plugin_ops = scheme_load_plugin(c->base.plugin, err, sizeof(err));
		if (!c->plugin_ops) {
			cli_error("compare", "%s", err);
			goto out;
		}
		c->plugin_path = c->base.plugin;
		c->base.plugin = NULL;
	}
	if (pick_variants(c) || pick_cpus(c) || make_specs(c))
		goto out;
	make_tasks(c);

	/* Run them into a new database, then report. */
	if (open_db(c))
		goto out;
	printf("compare %s: %d scheme%s x %d CPU count%s x %d seed%s = %d runs, %d at a time\n",
	       c->base.trace, c->nvariants, c->nvariants > 1 ? "s" : "", c->ncpus,
	       c->ncpus > 1 ? "s" : "", c->nseeds, c->nseeds > 1 ? "s" : "", c->ntasks, c->jobs);
	fflush(stdout);
	po.jobs = c->jobs;
	if (runpool_run(c->db, c->tasks, c->ntasks, &po, &ty) < 0 || ty.store_errors) {
		cli_error("compare", "%s: not written: the database could not take "
			"every outcome (see above)", c->dbpath ? c->dbpath : "results");
		ret = 1;
		goto out;
	}
	ret = finish(c, &ty);
out:
	store_close(c->db);
	if (c->tmpdb[0])
		store_remove(c->tmpdb);
	outfile_free(&c->dest);
	for (i = 0; i < c->nvariants; i++)
		free(c->v[i].item);
	free(c->tasks);
	free(c->sarg);
	free(c->carg);
	free(c);
	return ret;
}
