/*
 * `mmlocksim run`: one simulation, a human summary, optionally stored.
 *
 * As locktorture does, the parameters are printed first and the verdict
 * (COMPLETE / FAILED / ERROR) last, so the head and tail of a log say what
 * ran and how it ended.
 */
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "analysis/store.h"
#include "sim/cli/cli.h"
#include "sim/core/version.h"
#include "sim/cli/climsg.h"
#include "sim/run/run.h"
#include "sim/cli/cliargs.h"
#include "sim/core/machine.h"
#include "sim/run/replay.h"
#include "lib/outfile.h"
#include "sim/run/watchdog.h"

static void usage(FILE *out)
{
	fprintf(out,
		"usage: mmlocksim run TRACE|WORKLOAD -s SCHEME [--machine M] [--cpus N] [--threads N]\n"
		"                     [--seed S] [-p KEY=VAL]... [--plugin P.so] [--db OUT.db]\n"
		"                     [--timeline OUT.json]\n"
		"  TRACE       .mlt, perf or strace text (plain, .xz, .gz), or a workload name\n"
		"              (mmlocksim list workloads), generated for this run\n"
		"  -s SCHEME   locking scheme (mmlocksim list schemes)\n"
		"  --machine M preset (mmlocksim list machines) or FILE.ini; default xeon-8176-2s\n"
		"  --cpus N    simulated CPUs (default: all of the machine's)\n"
		"  --threads N tasks: clone the trace's thread groups up to N (default: as recorded)\n"
		"  --seed S    RNG seed (default 1); a seed gives the same result bit for bit\n"
		"  -p KEY=VAL  scheme parameter, kernel model knob or workload parameter, repeatable\n"
		"  --plugin P  load the scheme from a shared object (see schemes/template.c)\n"
		"  --db OUT.db store the outcome (created if missing; see README, Querying results)\n"
		"  --timeline OUT.json  Chrome trace-event timeline of the run\n"
		"exit status: 0 COMPLETE, 1 FAILED (safety violations or a livelock), 2 bad input,\n"
		"  128 + the signal after SIGINT, SIGTERM or SIGHUP (with --db: the run is marked\n"
		"  INTERRUPTED)\n");
}

static void print_summary(const struct run_result *r, FILE *out)
{
	int i, top[8], ntop = 0, j;

	fprintf(out, "\n%-10s %10s %14s %10s %10s %10s %10s %12s\n", "op", "count", "ops/s",
		"mean ns", "p50 ns", "p99 ns", "p99.9 ns", "max ns");
	for (i = 0; i < r->nops; i++) {
		const struct op_result *o = &r->ops[i];

		fprintf(out, "%-10s %10" PRIu64 " %14.1f %10.1f %10" PRIu64 " %10" PRIu64
			" %10" PRIu64 " %12" PRIu64 "\n", o->op, o->count, o->throughput_per_s,
			o->mean_ns, o->p50_ns, o->p99_ns, o->p999_ns, o->max_ns);
	}
	/* The locks that cost the most waiting: the ones that explain a result. */
	while (ntop < 8) {
		int best = -1;

		for (i = 0; i < r->nlocks; i++) {
			for (j = 0; j < ntop && top[j] != i; j++)
				;
			if (j == ntop && (best < 0 || r->locks[i].wait_ns > r->locks[best].wait_ns))
				best = i;
		}
		if (best < 0)
			break;
		top[ntop++] = best;
	}
	if (ntop) {
		fprintf(out, "\n%-24s %12s %12s %14s %14s %12s\n", "lock (top by wait)", "acquired",
			"contended", "wait ns", "hold ns", "line xfers");
		for (i = 0; i < ntop; i++) {
			const struct lock_result *l = &r->locks[top[i]];

			fprintf(out, "%-24s %12" PRIu64 " %12" PRIu64 " %14" PRIu64 " %14" PRIu64
				" %12" PRIu64 "\n", l->lock, l->acquisitions, l->contended,
				l->wait_ns, l->hold_ns, l->line_transfers);
		}
	}
	if (r->ncounters) {
		fprintf(out, "\ncounters:\n");
		for (i = 0; i < r->ncounters; i++)
			if (r->counters[i].value)
				fprintf(out, "  %-40s %14" PRIu64 "\n", r->counters[i].name,
					r->counters[i].value);
	}
	fprintf(out, "\nviolations: %" PRIu64 "\n", r->violations_total);
	for (i = 0; i < r->nviolations && i < 10; i++) {
		const struct violation_result *v = &r->violations[i];

		fprintf(out, "  %" PRIu64 " ns task %d %s at %#" PRIx64 ": %s\n", v->t_ns, v->task,
			v->kind, v->addr, v->detail);
	}
	if (r->violations_total > 10)
		fprintf(out, "  ... (%d kept in the database with --db)\n", r->nviolations);
	fprintf(out, "simulated %.3f ms, %" PRIu64 " events, %.2f s wall (%.1f M events/s)\n",
		(double)r->sim_ns / 1e6, r->events, r->wall_s,
		r->wall_s > 0 ? (double)r->events / r->wall_s / 1e6 : 0.0);
}

static int run_and_report(struct run_spec *specp, const char *dbpath);

/* The run stops at its watchdog's next tick (a simulated ms) and is marked. */
static void on_signal(int sig)
{
	watchdog_interrupt(sig);
}

static pid_t run_child;

/*
 * A plugin's run is a child: pass it a signal sent to us alone (kill(1):
 * si_code <= 0).  A terminal's ^C (SI_KERNEL) reaches the whole process
 * group, the child too, and must not reach it twice.
 */
static void forward_signal(int sig, siginfo_t *si, void *uc)
{
	(void)uc;
	if (run_child > 0 && si->si_code <= 0)
		kill(run_child, sig);
}

int cli_run(int argc, char **argv)
{
	struct run_spec spec = { .seed = 1 };
	const char *dbpath = NULL, *pos[1];
	int npos, rc;
	struct cli_opt opts[] = {
		CLI_OPT_STRING("-s", &spec.scheme),
		CLI_OPT_STRING("--machine", &spec.machine),
		CLI_OPT_INT("--cpus", &spec.cpus, 1, MAX_CPUS, "CPUs"),
		CLI_OPT_INT("--threads", &spec.threads, 1, REPLAY_MAX_TASKS, "threads"),
		CLI_OPT_U64("--seed", &spec.seed, 0, UINT64_MAX, NULL),
		CLI_OPT_LIST("-p", spec.params, RUN_MAX_PARAMS, &spec.nparams),
		CLI_OPT_STRING("--plugin", &spec.plugin),
		CLI_OPT_STRING("--db", &dbpath),
		CLI_OPT_STRING("--timeline", &spec.timeline),
		CLI_OPT_END,
	};

	rc = cli_parse("run", argc, argv, opts, pos, 1, &npos, "trace");
	if (rc > 0) {
		usage(stdout);
		return 0;
	}
	if (rc < 0)
		return EXIT_BAD_INPUT;
	spec.trace = npos ? pos[0] : NULL;
	if (!spec.trace) {
		cli_error("run", "expected a trace or a workload (mmlocksim run --help)");
		return EXIT_BAD_INPUT;
	}
	if (!spec.scheme && !spec.plugin) {
		cli_error("run", "expected -s SCHEME (mmlocksim list schemes)");
		return EXIT_BAD_INPUT;
	}
	/* The timeline is renamed into place: over the trace or the database, it would destroy them. */
	if (spec.timeline) {
		char err[600];

		struct outfile where;

		if (outfile_not_input(spec.timeline, spec.trace, err, sizeof(err)) < 0 ||
		    (dbpath && outfile_not_input(spec.timeline, dbpath, err, sizeof(err)) < 0) ||
		    outfile_check(spec.timeline, &where, err, sizeof(err)) < 0) {
			cli_error("run", "--timeline %s", err);
			return EXIT_BAD_INPUT;
		}
		outfile_free(&where);
	}
	if (spec.plugin) {
		/*
		 * A plugin is code we did not write: run it in a child, so that
		 * if it crashes the failure is reported as the plugin's, naming
		 * it, rather than as ours.
		 */
		struct sigaction sa, old_int, old_term, old_hup;
		pid_t pid;
		int status;

		fflush(stdout);
		fflush(stderr);
		memset(&sa, 0, sizeof(sa));
		sa.sa_sigaction = forward_signal;
		sa.sa_flags = SA_SIGINFO | SA_RESTART;
		sigemptyset(&sa.sa_mask);
		sigaction(SIGINT, &sa, &old_int);
		sigaction(SIGTERM, &sa, &old_term);
		sigaction(SIGHUP, &sa, &old_hup);
		pid = fork();
		if (pid < 0) {
			cli_error("run", "fork: %s", strerror(errno));
			sigaction(SIGINT, &old_int, NULL);
			sigaction(SIGTERM, &old_term, NULL);
			sigaction(SIGHUP, &old_hup, NULL);
			return 1;
		}
		if (pid == 0) {
			sigaction(SIGINT, &old_int, NULL);
			sigaction(SIGTERM, &old_term, NULL);
			sigaction(SIGHUP, &old_hup, NULL);
			status = run_and_report(&spec, dbpath);
			fflush(stdout);
			fflush(stderr);
			_exit(status);
		}
		run_child = pid;
		while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
			;
		run_child = 0;
		sigaction(SIGINT, &old_int, NULL);
		sigaction(SIGTERM, &old_term, NULL);
		sigaction(SIGHUP, &old_hup, NULL);
		if (WIFSIGNALED(status) && (WTERMSIG(status) == SIGINT ||
					    WTERMSIG(status) == SIGTERM ||
					    WTERMSIG(status) == SIGHUP)) {
			cli_error("run", "interrupted by signal %d (%s)", WTERMSIG(status),
				  strsignal(WTERMSIG(status)));
			return 128 + WTERMSIG(status);
		}
		if (WIFSIGNALED(status)) {
			cli_error("run", "plugin %s (scheme '%s') crashed: %s%s",
				spec.plugin, spec.scheme ? spec.scheme : "as exported",
				strsignal(WTERMSIG(status)),
				dbpath ? "; its run stays RUNNING in the database" : "");
			return 1;
		}
		return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
	}
	return run_and_report(&spec, dbpath);
}

/* The run itself, its summary and its row in the database. */
static int run_and_report(struct run_spec *specp, const char *dbpath)
{
	struct run_spec spec = *specp;
	struct run_result res;
	struct store *db = NULL;
	struct sigaction sa, old_int, old_term, old_hup;
	int64_t run_id = 0;
	char err[1024], args[1024], scheme_args[1024], model_args[1024];
	int i, ret;

	/* Input a run would refuse is one line, before any output or row. */
	if (run_check(&spec, err, sizeof(err))) {
		cli_error("run", "%s", err);
		return EXIT_BAD_INPUT;
	}
	run_args(&spec, args, scheme_args, model_args, sizeof(args));
	if (dbpath) {
		struct store_key key = {
			.scheme = spec.scheme ? spec.scheme : "", .source = spec.trace,
			.machine = spec.machine ? spec.machine : "", .cpus = spec.cpus,
			.threads = spec.threads, .seed = spec.seed, .args = args,
			.version = MMLOCKSIM_VERSION, .scheme_args = scheme_args,
			.model_args = model_args,
		};

		db = store_open(dbpath, 1, err, sizeof(err));
		if (!db) {
			cli_error("run", "%s", err);
			return EXIT_BAD_INPUT;
		}
		run_id = store_run_begin(db, &key, err, sizeof(err));
		if (run_id < 0) {
			cli_error("run", "%s", err);
			store_close(db);
			return EXIT_BAD_INPUT;
		}
		/*
		 * From here a signal must not leave the run RUNNING: the handler
		 * asks the simulation to stop, and the run is marked INTERRUPTED.
		 * SA_RESETHAND: a second ^C kills at once, as without --db.
		 */
		watchdog_interrupt_clear();
		memset(&sa, 0, sizeof(sa));
		sa.sa_handler = on_signal;
		sa.sa_flags = SA_RESETHAND;
		sigemptyset(&sa.sa_mask);
		sigaction(SIGINT, &sa, &old_int);
		sigaction(SIGTERM, &sa, &old_term);
		sigaction(SIGHUP, &sa, &old_hup);
	}
	printf("mmlocksim %s run: %s, scheme %s, machine %s, cpus ", MMLOCKSIM_VERSION,
	       spec.trace, spec.scheme ? spec.scheme : spec.plugin,
	       spec.machine ? spec.machine : "default");
	if (spec.cpus)
		printf("%d", spec.cpus);
	else
		printf("all");
	if (spec.threads)
		printf(", threads %d", spec.threads);
	else
		printf(", threads as recorded");
	printf(", seed %" PRIu64 "%s%s\n", spec.seed, args[0] ? ", " : "", args);
	fflush(stdout);
	ret = run_simulation(&spec, &res, err, sizeof(err));
	if (ret == 0) {
		printf("resolved: scheme %s, machine %s, %d cpus, %d threads\n", res.scheme,
		       res.machine, res.cpus, res.threads);
		for (i = 0; i < res.nparams; i++)
			printf("  %s = %s\n", res.params[i].key, res.params[i].value);
		print_summary(&res, stdout);
	} else {
		cli_error("run", "%s", err);
	}
	if (db && !strcmp(res.status, RUN_INTERRUPTED)) {
		if (store_run_mark(db, run_id, RUN_INTERRUPTED, err) == 0)
			printf("marked run %" PRId64 " INTERRUPTED in %s\n", run_id, dbpath);
		store_close(db);
	} else if (db) {
		if (store_run_finish(db, run_id, &res, err, sizeof(err)) < 0) {
			cli_error("run", "%s", err);
			store_run_mark(db, run_id, RUN_ERROR, err);
			ret = -1;
		} else if (ret == 0) {
			printf("stored as run %" PRId64 " in %s\n", run_id, dbpath);
		}
		store_close(db);
	}
	if (db) {
		sigaction(SIGINT, &old_int, NULL);
		sigaction(SIGTERM, &old_term, NULL);
		sigaction(SIGHUP, &old_hup, NULL);
	}
	if (ret == 0)
		printf("status: %s\n", res.status);
	else
		printf("status: %s\n", strcmp(res.status, RUN_INTERRUPTED) ? RUN_ERROR : RUN_INTERRUPTED);
	if (!strcmp(res.status, RUN_INTERRUPTED))
		i = 128 + watchdog_interrupted();
	else
		i = ret ? EXIT_BAD_INPUT : strcmp(res.status, RUN_COMPLETE) ? 1 : 0;
	run_result_free(&res);
	return i;
}
