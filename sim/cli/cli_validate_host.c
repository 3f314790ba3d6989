/*
 * `mmlocksim validate --host`: run the host microbenchmarks
 * (sim/cli/hostbench.c) at 1 to nproc threads, run the same workloads in
 * the simulator on the calibrated machine with the scheme of the running
 * kernel, and print measured, simulated and the error per row.  With
 * --record, each benchmark is also recorded with tools/record-perf (the
 * helper users record their own programs with) and the recorded trace
 * replayed, so that a gap between the generator and the host's real op
 * stream shows apart from a gap in the model.
 *
 * And `mmlocksim hostbench`: one host benchmark, as a command that
 * tools/record-perf can run.
 */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lib/xalloc.h"
#include "sim/cli/cli.h"
#include "sim/cli/cliargs.h"
#include "sim/cli/climsg.h"
#include "sim/cli/hostbench.h"
#include "sim/core/machine.h"
#include "sim/run/run.h"

#define MAX_ROWS_THREADS 16

static void usage(FILE *out)
{
	int i;

	fprintf(out,
		"usage: mmlocksim validate --host [--machine HOST.ini] [--quick] [-s SCHEME]\n"
		"                          [--threads 1,2,...] [--record]\n"
		"  --machine M  the machine to simulate (default host.ini, from mmlocksim calibrate)\n"
		"  --quick      smaller runs, one repeat (seconds)\n"
		"  -s SCHEME    the scheme to simulate (default: the running kernel's, from uname:\n"
		"               global-rwsem before 6.4, pervma-refcount variant=rwsem from 6.4,\n"
		"               variant=refcnt from 6.15)\n"
		"  --threads L  thread counts (default 1, 2, 4, ... up to the online CPUs, and them)\n"
		"  --record     also record each benchmark with tools/record-perf and replay the\n"
		"               trace (needs perf, and root or kernel.perf_event_paranoid = -1)\n"
		"Workloads (the host benchmark and the generator it matches):\n");
	for (i = 0; i < nr_hostbenches; i++)
		fprintf(out, "  %-12s %s; compared: %s/s\n", hostbenches[i].name,
			hostbenches[i].summary, hostbenches[i].metric ? hostbenches[i].metric : "op");
}

/* The scheme of the running kernel, with its -p, from its release "MAJOR.MINOR...". */
static const char *kernel_scheme(const char *release, const char **param)
{
	int major = 0, minor = 0;

	*param = NULL;
	if (sscanf(release, "%d.%d", &major, &minor) != 2)
		return NULL;
	if (major < 6 || (major == 6 && minor < 4))
		return "global-rwsem";
	*param = major == 6 && minor < 15 ? "variant=rwsem" : "variant=refcnt";
	return "pervma-refcount";
}

/* The rate the benchmark is compared by, from a run's result: ops per second. */
static double result_rate(const struct run_result *r, const char *metric)
{
	uint64_t n = 0;
	int i;

	if (!r->sim_ns)
		return 0;
	for (i = 0; i < r->nops; i++)
		if (!metric || !strcmp(r->ops[i].op, metric))
			n += r->ops[i].count;
	return (double)n * 1e9 / (double)r->sim_ns;
}

/*
 * One simulation in a child process (a run's state is the process's),
 * its rate written back through a pipe: the rate, or -1 with err.
 */
static double simulate(const struct run_spec *spec, const char *metric, char *err,
		       size_t errlen)
{
	struct {
		double rate;
		char err[400];
	} msg;
	int fds[2], status;
	pid_t pid;
	ssize_t got;

	if (pipe(fds))
		fatal("pipe: %s", strerror(errno));
	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid < 0)
		fatal("fork: %s", strerror(errno));
	if (!pid) {
		struct run_result res;

		close(fds[0]);
		memset(&msg, 0, sizeof(msg));
		msg.rate = -1;
		if (run_simulation(spec, &res, msg.err, sizeof(msg.err)) == 0) {
			if (strcmp(res.status, RUN_COMPLETE))
				snprintf(msg.err, sizeof(msg.err), "the simulation ended %s",
					 res.status);
			else
				msg.rate = result_rate(&res, metric);
			run_result_free(&res);
		}
		got = write(fds[1], &msg, sizeof(msg));
		_exit(got == (ssize_t)sizeof(msg) ? 0 : 1);
	}
	close(fds[1]);
	got = read(fds[0], &msg, sizeof(msg));
	close(fds[0]);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (got != (ssize_t)sizeof(msg)) {
		snprintf(err, errlen, "the simulation of %s crashed", spec->trace);
		return -1;
	}
	if (msg.rate < 0)
		snprintf(err, errlen, "%s", msg.err);
	return msg.rate;
}

/* The arguments of benchmark b at t threads: quick or full size. */
static struct hostbench_args bench_args(const struct hostbench *b, int t, int quick)
{
	struct hostbench_args a = { .threads = t };
	uint64_t pages;

	if (!strcmp(b->name, "pft")) {
		a.size = quick ? 8 << 20 : 64 << 20;
		a.iterations = quick ? 2 : 4;
	} else if (!strcmp(b->name, "page_fault1")) {
		a.size = quick ? 8 << 20 : 32 << 20;
		pages = a.size / 4096;
		a.ops = (uint64_t)t * (quick ? 2 : 4) * (pages + 2);
	} else if (!strcmp(b->name, "mmap1")) {
		a.size = 128 << 20;
		a.ops = (uint64_t)t * (quick ? 4000 : 40000);
	} else {
		a.ops = (uint64_t)t * (quick ? 10000 : 100000);
	}
	return a;
}

/* Where tools/record-perf is: beside the binary's build directory. */
static int find_tool(const char *name, char *path, size_t len)
{
	char exe[PATH_MAX - 16];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	char *slash;

	if (n <= 0)
		return -1;
	exe[n] = 0;
	slash = strrchr(exe, '/');
	if (!slash)
		return -1;
	*slash = 0;
	if (snprintf(path, len, "%s/../tools/%s", exe, name) >= (int)len)
		return -1;
	if (!access(path, X_OK))
		return 0;
	snprintf(path, len, "tools/%s", name);
	return access(path, X_OK);
}

/* Why perf cannot record here, or NULL if it can. */
static const char *perf_cannot(void)
{
	FILE *f;
	int paranoid = 2;

	if (system("perf --version >/dev/null 2>&1") != 0)
		return "no perf in PATH";
	f = fopen("/proc/sys/kernel/perf_event_paranoid", "r");
	if (f) {
		if (fscanf(f, "%d", &paranoid) != 1)
			paranoid = 2;
		fclose(f);
	}
	if (geteuid() != 0 && paranoid > -1)
		return "not root and kernel.perf_event_paranoid > -1 (tracepoints need either)";
	if (access("/sys/kernel/tracing/events", F_OK) &&
	    access("/sys/kernel/debug/tracing/events", F_OK))
		return "no tracefs";
	return NULL;
}

/* Record benchmark b with tools/record-perf into path and replay it: the rate, or -1. */
static double record_and_replay(const char *tool, const struct hostbench *b,
				const struct hostbench_args *a, struct run_spec *spec,
				const char *path, char *err, size_t errlen)
{
	char exe[PATH_MAX], cmd[PATH_MAX * 3];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	struct run_spec rs = *spec;

	if (n <= 0) {
		snprintf(err, errlen, "cannot find the mmlocksim binary (/proc/self/exe)");
		return -1;
	}
	exe[n] = 0;
	n = snprintf(cmd, sizeof(cmd), "'%s' '%s' -- '%s' hostbench %s -t %d", tool, path, exe,
		     b->name, a->threads);
	/* Only what the benchmark takes: a zero is "the default" to hostbench, and refused. */
	if (a->size)
		n += snprintf(cmd + n, sizeof(cmd) - (size_t)n, " --size %" PRIu64, a->size);
	if (a->ops)
		n += snprintf(cmd + n, sizeof(cmd) - (size_t)n, " -n %" PRIu64, a->ops);
	if (a->iterations)
		n += snprintf(cmd + n, sizeof(cmd) - (size_t)n, " --iterations %" PRIu64,
			      a->iterations);
	snprintf(cmd + n, sizeof(cmd) - (size_t)n, " >/dev/null 2>&1");
	if (system(cmd) != 0) {
		snprintf(err, errlen, "tools/record-perf of %s failed", b->name);
		return -1;
	}
	rs.trace = path;
	rs.threads = 0;
	rs.nparams = 0;
	rs.params[rs.nparams++] = "think_scale=0";
	if (spec->nparams && strstr(spec->params[spec->nparams - 1], "variant="))
		rs.params[rs.nparams++] = spec->params[spec->nparams - 1];
	return simulate(&rs, b->metric, err, errlen);
}

static double median(double *v, int n)
{
	int i, j;

	for (i = 1; i < n; i++)
		for (j = i; j > 0 && v[j] < v[j - 1]; j--) {
			double t = v[j];

			v[j] = v[j - 1];
			v[j - 1] = t;
		}
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

int cli_validate_host(int argc, char **argv)
{
	const char *machine = NULL, *scheme = NULL, *threads_arg = NULL, *variant = NULL;
	int host = 0, quick = 0, record = 0, npos, rc, nthreads = 0, threads[MAX_ROWS_THREADS];
	int cpus[HOSTBENCH_MAX_THREADS], ncpus, mcpus, i, k, r, reps, rows = 0, failed = 0;
	struct cli_opt opts[] = {
		CLI_OPT_FLAG("--host", &host),
		CLI_OPT_STRING("--machine", &machine),
		CLI_OPT_FLAG("--quick", &quick),
		CLI_OPT_STRING("-s", &scheme),
		CLI_OPT_STRING("--threads", &threads_arg),
		CLI_OPT_FLAG("--record", &record),
		CLI_OPT_END,
	};
	char err[1024], mname[64], tool[PATH_MAX], trace[PATH_MAX];
	const char *why = NULL;
	struct utsname u;
	double sum_abs = 0, worst = 0;
	const char *worst_row = NULL;
	char worst_buf[64];

	rc = cli_parse("validate", argc, argv, opts, NULL, 0, &npos, "argument");
	if (rc > 0) {
		usage(stdout);
		return 0;
	}
	if (rc < 0)
		return EXIT_BAD_INPUT;
	if (!machine) {
		if (access("host.ini", F_OK)) {
			cli_error("validate", "expected --machine HOST.ini (made by mmlocksim "
				  "calibrate -o HOST.ini); no host.ini here");
			return EXIT_BAD_INPUT;
		}
		machine = "host.ini";
	}
	mcpus = machine_lookup(machine, mname, sizeof(mname), err, sizeof(err));
	if (mcpus < 0) {
		cli_error("validate", "--machine %s", err);
		return EXIT_BAD_INPUT;
	}
	if (uname(&u))
		snprintf(u.release, sizeof(u.release), "unknown");
	if (!scheme) {
		scheme = kernel_scheme(u.release, &variant);
		if (!scheme) {
			cli_error("validate", "cannot tell the scheme of kernel '%s'; expected -s "
				  "SCHEME", u.release);
			return EXIT_BAD_INPUT;
		}
	}
	ncpus = host_cpus(cpus, HOSTBENCH_MAX_THREADS);
	if (threads_arg) {
		char *copy = xstrdup(threads_arg), *items[MAX_ROWS_THREADS];

		nthreads = cli_split("validate", "--threads", copy, items, MAX_ROWS_THREADS);
		for (i = 0; i < nthreads; i++) {
			uint64_t v;

			if (cli_number_arg("validate", "--threads", items[i], 1,
					   (uint64_t)(mcpus < HOSTBENCH_MAX_THREADS ? mcpus :
						      HOSTBENCH_MAX_THREADS), "threads (the "
					   "machine's CPUs)", &v)) {
				nthreads = -1;
				break;
			}
			threads[i] = (int)v;
		}
		free(copy);
		if (nthreads < 0)
			return EXIT_BAD_INPUT;
	} else {
		int top = ncpus < mcpus ? ncpus : mcpus, t;

		for (t = 1; t < top && nthreads < MAX_ROWS_THREADS - 1; t *= 2)
			threads[nthreads++] = t;
		threads[nthreads++] = top;
	}
	if (record) {
		why = perf_cannot();
		if (!why && find_tool("record-perf", tool, sizeof(tool)))
			why = "tools/record-perf not found beside the binary";
		if (why)
			printf("--record: perf cannot record here (%s); rows without a replay\n", why);
	}
	reps = quick ? 1 : 3;
	printf("validate --host: kernel %s, scheme %s%s%s, machine %s (%s), %s\n", u.release,
	       scheme, variant ? " -p " : "", variant ? variant : "", machine, mname,
	       quick ? "quick" : "full");
	printf("%-12s %7s %12s %14s %14s %8s", "workload", "threads", "rate of", "measured/s",
	       "simulated/s", "error");
	if (record && !why)
		printf(" %14s %8s", "replayed/s", "error");
	printf("\n");
	for (i = 0; i < nr_hostbenches; i++) {
		const struct hostbench *b = &hostbenches[i];

		for (k = 0; k < nthreads; k++) {
			struct hostbench_args a = bench_args(b, threads[k], quick);
			struct hostbench_result res;
			double rates[5], meas, sim, e;
			char buf[RUN_MAX_PARAMS][48];
			struct run_spec spec = {
				.trace = b->name, .scheme = scheme, .machine = machine,
				.cpus = threads[k], .threads = threads[k], .seed = 1,
			};

			for (r = 0; r < reps; r++) {
				if (b->run(&a, &res, err, sizeof(err))) {
					cli_error("validate", "host benchmark %s: %s", b->name, err);
					return 1;
				}
				rates[r] = res.wall_s > 0 ? (double)(b->metric ? res.metric_ops :
						res.ops) / res.wall_s : 0;
			}
			meas = median(rates, reps);
			spec.nparams = hostbench_gen_params(b, &a, buf, spec.params,
							    RUN_MAX_PARAMS - 1);
			if (variant)
				spec.params[spec.nparams++] = variant;
			sim = simulate(&spec, b->metric, err, sizeof(err));
			if (sim < 0) {
				cli_error("validate", "simulating %s: %s", b->name, err);
				return 1;
			}
			e = meas > 0 ? 100.0 * (sim - meas) / meas : 0;
			printf("%-12s %7d %12s %14.0f %14.0f %+7.1f%%", b->name, threads[k],
			       b->metric ? b->metric : "op", meas, sim, e);
			sum_abs += fabs(e);
			if (!worst_row || fabs(e) > fabs(worst)) {
				worst = e;
				snprintf(worst_buf, sizeof(worst_buf), "%s at %d threads", b->name,
					 threads[k]);
				worst_row = worst_buf;
			}
			rows++;
			if (record && !why) {
				double rep;

				snprintf(trace, sizeof(trace), "%s/mmlocksim-validate-%d.perf.txt",
					 getenv("TMPDIR") && *getenv("TMPDIR") ? getenv("TMPDIR") :
					 "/tmp", (int)getpid());
				rep = record_and_replay(tool, b, &a, &spec, trace, err, sizeof(err));
				unlink(trace);
				if (rep < 0) {
					printf("  (replay: %s)", err);
					failed++;
				} else {
					printf(" %14.0f %+7.1f%%", rep,
					       meas > 0 ? 100.0 * (rep - meas) / meas : 0);
				}
			}
			printf("\n");
			fflush(stdout);
		}
	}
	printf("summary: %d rows, mean |error| %.1f%%, worst %+.1f%% (%s)\n", rows,
	       rows ? sum_abs / rows : 0, worst, worst_row ? worst_row : "-");
	return failed ? 1 : 0;
}

int cli_hostbench(int argc, char **argv)
{
	const char *pos[1];
	struct hostbench_args a = { .threads = 1 };
	struct hostbench_result res;
	const struct hostbench *b;
	uint64_t size = 0, ops = 0, iterations = 0;
	char err[300];
	int npos, rc;
	struct cli_opt opts[] = {
		CLI_OPT_INT("-t", &a.threads, 1, HOSTBENCH_MAX_THREADS, "threads"),
		CLI_OPT_U64("--size", &size, 4096, 1ULL << 40, "bytes"),
		CLI_OPT_U64("-n", &ops, 1, UINT64_MAX, "ops"),
		CLI_OPT_U64("--iterations", &iterations, 0, 1ULL << 32, "iterations"),
		CLI_OPT_END,
	};

	rc = cli_parse("hostbench", argc, argv, opts, pos, 1, &npos, "benchmark");
	if (rc > 0) {
		int i;

		printf("usage: mmlocksim hostbench NAME [-t THREADS] [--size BYTES] [-n OPS] "
		       "[--iterations I]\n  run one host benchmark of validate --host (e.g. "
		       "under tools/record-perf):\n");
		for (i = 0; i < nr_hostbenches; i++)
			printf("  %-12s %s\n", hostbenches[i].name, hostbenches[i].summary);
		return 0;
	}
	if (rc < 0)
		return EXIT_BAD_INPUT;
	if (!npos || !(b = hostbench_find(pos[0]))) {
		cli_error("hostbench", "expected a benchmark: pft, page_fault1, mmap1 or vmaops%s%s",
			  npos ? ", got " : "", npos ? pos[0] : "");
		return EXIT_BAD_INPUT;
	}
	a = bench_args(b, a.threads, 1);
	if (size)
		a.size = size;
	if (ops)
		a.ops = ops;
	if (iterations)
		a.iterations = iterations;
	if (b->run(&a, &res, err, sizeof(err))) {
		cli_error("hostbench", "%s: %s", b->name, err);
		return 1;
	}
	printf("%s: %d threads, %" PRIu64 " ops in %.6f s: %.0f %s/s\n", b->name, a.threads,
	       res.ops, res.wall_s, res.wall_s > 0 ? (double)(b->metric ? res.metric_ops :
	       res.ops) / res.wall_s : 0, b->metric ? b->metric : "op");
	return 0;
}
