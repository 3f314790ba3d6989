/*
 * calibrate and validate --host, end to end on the machine running the
 * tests: the file calibrate writes loads, has every key commented, its
 * figures positive and ordered (a farther distance never cheaper), says
 * what it could not measure; validate --host prints a measured and a
 * simulated rate and an error for every workload and thread count.
 * Structure and order only: what the host measures is never compared
 * with a threshold.  --quick keeps each run to seconds.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>

#include "sim/core/machine.h"
#include "tests/scratch.h"
#include "tests/test.h"

extern const struct test_case host_tests[];

/* Run CMD (stdout to OUT, stderr to ERR in the scratch directory): its exit status. */
static int sh(const char *cmd, const char *out, const char *err)
{
	char line[2048];
	int st;

	snprintf(line, sizeof(line), "%s >'%s' 2>'%s'", cmd, scratch_path(out), scratch_path(err));
	st = system(line);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	static char buf[1 << 16];
	size_t n;

	if (!f)
		return NULL;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = 0;
	return buf;
}

static int lines(const char *s)
{
	int n = 0;

	for (; *s; s++)
		n += *s == '\n';
	return n;
}

static int calibrate(void)
{
	char cmd[600];

	snprintf(cmd, sizeof(cmd), "%s/mmlocksim calibrate --quick -o '%s'", test_bindir,
		 scratch_path("host.ini"));
	return sh(cmd, "cal.out", "cal.err");
}

/* Rows of validate --host output with a positive measured and simulated rate, per workload. */
static int count_rows(const char *out, int *workloads)
{
	static const char *const names[] = { "pft", "page_fault1", "mmap1", "vmaops" };
	int i, rows = 0;
	const char *p;

	*workloads = 0;
	for (i = 0; i < 4; i++) {
		int found = 0;

		for (p = out; (p = strstr(p, names[i])); p++) {
			char name[32], metric[16];
			int threads;
			double meas, sim, err;

			if (p != out && p[-1] != '\n')
				continue;
			if (sscanf(p, "%31s %d %15s %lf %lf %lf%%", name, &threads, metric, &meas,
				   &sim, &err) != 6 || strcmp(name, names[i]))
				continue;
			if (threads >= 1 && meas > 0 && sim > 0)
				found++;
		}
		*workloads += found > 0;
		rows += found;
	}
	return rows;
}

static int t_calibrate_file(void)
{
	struct machine m;
	char err[512], cmd[600], *text, *out;
	const struct machine_costs *c;
	int d, keys = 0, commented = 0, workloads;
	const char *p, *prev;

	CHECKF(calibrate() == 0, "%s", slurp(scratch_path("cal.err")));
	/* It loads as --machine loads it: no base, so every cost was written. */
	CHECKF(machine_load_ini(scratch_path("host.ini"), &m, err, sizeof(err)) == 0, "%s", err);
	c = &m.cost;
	for (d = 0; d < NR_DIST; d++) {
		CHECK(c->latency[d] >= 1);
		CHECK(c->occupancy[d] >= 1);
	}
	/* Farther is never cheaper, for both figures. */
	for (d = DIST_LLC; d <= DIST_REMOTE; d++) {
		CHECKF(c->latency[d] >= c->latency[d - 1], "latency %d: %llu < %llu", d,
		       (unsigned long long)c->latency[d], (unsigned long long)c->latency[d - 1]);
		CHECKF(c->occupancy[d] >= c->occupancy[d - 1], "occupancy %d", d);
	}
	CHECK(c->l1_hit >= 1 && c->atomic >= 1 && c->mb >= 1 && c->ctxsw >= 1 && c->wakeup >= 1);
	CHECK(c->page_zero >= 1 && c->syscall_entry >= 1 && c->fault_entry >= 1);
	CHECK(m.ncpus >= 1);
	/* Every key has its comment on the lines right above it. */
	text = slurp(scratch_path("host.ini"));
	CHECK(text);
	for (prev = NULL, p = text; *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : p + strlen(p)) {
		if (*p != ';' && *p != '[' && *p != '\n' && strchr(p, '=') &&
		    strncmp(p, "name", 4) && strncmp(p, "summary", 7)) {
			keys++;
			commented += prev && *prev == ';';
		}
		prev = p;
	}
	printf("  %d keys, %d commented; latency llc %llu, occupancy llc %llu\n", keys, commented,
	       (unsigned long long)c->latency[DIST_LLC], (unsigned long long)c->occupancy[DIST_LLC]);
	/* [machine]'s five and every one of [latency], [occupancy], [cost]. */
	CHECK(keys == 39 && commented == keys);
	CHECK(strstr(text, "median of"));
	/* What the host lacks is said, in the file and the summary. */
	out = slurp(scratch_path("cal.out"));
	CHECK(out && strstr(out, "not measured:"));
	if (m.threads_per_core == 1)
		CHECK(strstr(out, "no SMT siblings"));
	if (m.sockets == 1)
		CHECK(strstr(out, "no two sockets"));
	CHECK(strstr(out, "wrote "));
	/* Nothing on stderr when it is not a terminal (no progress), no temporary left. */
	CHECK(!*slurp(scratch_path("cal.err")));
	CHECK(scratch_entries() == 3);	/* host.ini, cal.out, cal.err */
	/* validate --host runs on it: a row for at least 3 workloads. */
	snprintf(cmd, sizeof(cmd), "%s/mmlocksim validate --host --quick --machine '%s'",
		 test_bindir, scratch_path("host.ini"));
	CHECKF(sh(cmd, "val.out", "val.err") == 0, "%s", slurp(scratch_path("val.err")));
	out = slurp(scratch_path("val.out"));
	printf("%s", out);
	CHECK(count_rows(out, &workloads) >= 3 && workloads >= 3);
	/* And the simulator runs on it. */
	snprintf(cmd, sizeof(cmd), "%s/mmlocksim run pft -s pervma-refcount --machine '%s' "
		 "-p size=1M -p iterations=1", test_bindir, scratch_path("host.ini"));
	CHECK(sh(cmd, "run.out", "run.err") == 0);
	CHECK(strstr(slurp(scratch_path("run.out")), "status: COMPLETE"));
	return 0;
}

static int t_validate_host(void)
{
	char cmd[600], *out, want[128];
	struct utsname u;
	int rows, workloads, major = 0, minor = 0;

	/* A preset: this test is the output's structure (host/calibrate_file runs it on host.ini). */
	snprintf(cmd, sizeof(cmd), "%s/mmlocksim validate --host --quick --machine laptop-8 "
		 "--threads 1,2", test_bindir);
	CHECKF(sh(cmd, "val.out", "val.err") == 0, "%s", slurp(scratch_path("val.err")));
	out = slurp(scratch_path("val.out"));
	printf("%s", out);
	/* The scheme of the running kernel. */
	CHECK(uname(&u) == 0 && sscanf(u.release, "%d.%d", &major, &minor) == 2);
	snprintf(want, sizeof(want), "scheme %s", major < 6 || (major == 6 && minor < 4) ?
		 "global-rwsem" : major == 6 && minor < 15 ?
		 "pervma-refcount -p variant=rwsem" : "pervma-refcount -p variant=refcnt");
	CHECKF(strstr(out, want), "expected '%s'", want);
	/* A row per workload and thread count: name, threads, metric, measured, simulated, error. */
	rows = count_rows(out, &workloads);
	CHECK(workloads == 4 && rows == 4 * 2);
	CHECK(strstr(out, "summary: 8 rows"));
	CHECK(lines(out) == rows + 3);
	return 0;
}

/* Bad arguments: one line, exit status 2, before anything is measured. */
static int t_host_badargs(void)
{
	static const char *const cmds[] = {
		"calibrate -o /nonexistent-dir/x.ini",
		"calibrate --bogus",
		"calibrate extra",
		"validate --host --machine nosuch.ini",
		"validate --host --machine laptop-8 --threads 0",
		"hostbench bogus",
		"hostbench pft -t 0",
	};
	char cmd[600];
	size_t i;

	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		snprintf(cmd, sizeof(cmd), "%s/mmlocksim %s", test_bindir, cmds[i]);
		CHECKF(sh(cmd, "bad.out", "bad.err") == 2, "%s", cmds[i]);
		CHECKF(lines(slurp(scratch_path("bad.err"))) == 1, "%s: %s", cmds[i],
		       slurp(scratch_path("bad.err")));
		CHECKF(!*slurp(scratch_path("bad.out")), "%s", cmds[i]);
		/* The command's own refusal, not "unknown command". */
		snprintf(cmd, sizeof(cmd), "mmlocksim %.*s: ", (int)strcspn(cmds[i], " "), cmds[i]);
		CHECKF(!strncmp(slurp(scratch_path("bad.err")), cmd, strlen(cmd)), "%s: %s",
		       cmds[i], slurp(scratch_path("bad.err")));
	}
	return 0;
}

const struct test_case host_tests[] = {
	{ "host/calibrate_file", t_calibrate_file },
	{ "host/validate_rows", t_validate_host },
	{ "host/bad_args", t_host_badargs },
	{ NULL, NULL },
};
