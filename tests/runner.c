/*
 * The test runner: runs every test of every table in its own child process
 * (a crash fails that test only), two at a time by default, prints each
 * test's own output (validation tests print measured against reference),
 * and ends with the line "N passed, N failed".
 *
 * usage: mmlocksim-test [-j JOBS] [-l] [SUBSTRING...]
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "lib/wallclock.h"
#include "tests/test.h"

extern const struct test_case engine_tests[], task_tests[], sync_tests[], ww_tests[],
	rcu_tests[], machine_tests[], validation_tests[], trace_tests[], gen_tests[], mm_tests[], scheme_tests[],
	store_tests[], report_tests[], newcomer_tests[], badinput_tests[], sweep_tests[],
	reliability_tests[], ww_vma_tests[], layout_tests[], fault_shared_tests[], lib_tests[], output_tests[],
	host_tests[], knob_tests[], plugin_tests[], speed_tests[], vma_tree_tests[], reloc_tests[];

static const struct test_case *const tables[] = {
	engine_tests, task_tests, sync_tests, ww_tests, rcu_tests, machine_tests,
	validation_tests, trace_tests, gen_tests, mm_tests, reloc_tests, scheme_tests,
	store_tests, report_tests, badinput_tests, sweep_tests, reliability_tests,
	ww_vma_tests, fault_shared_tests, layout_tests, lib_tests, output_tests, host_tests, knob_tests, plugin_tests, speed_tests,
	vma_tree_tests,
	newcomer_tests,
};

const char *test_bindir = "build";

struct slot {
	pid_t pid;
	const struct test_case *tc;
	char out[64];
	double start;
};

static int selected(const char *name, int argc, char **argv, int first)
{
	int i;

	if (first >= argc)
		return 1;
	for (i = first; i < argc; i++)
		if (strstr(name, argv[i]))
			return 1;
	return 0;
}

static void start(struct slot *s, const struct test_case *tc)
{
	int fd;

	snprintf(s->out, sizeof(s->out), "/tmp/mmlocksim-test-XXXXXX");
	fd = mkstemp(s->out);
	if (fd < 0) {
		perror("mkstemp");
		exit(2);
	}
	fflush(stdout);
	s->tc = tc;
	s->start = wall_seconds();
	s->pid = fork();
	if (s->pid < 0) {
		perror("fork");
		exit(2);
	}
	if (s->pid == 0) {
		dup2(fd, 1);
		dup2(fd, 2);
		close(fd);
		exit(tc->fn() ? 1 : 0);
	}
	close(fd);
}

static int finish(struct slot *s, int status)
{
	int ok = WIFEXITED(status) && WEXITSTATUS(status) == 0;
	FILE *f = fopen(s->out, "r");
	char buf[4096];
	size_t n;

	printf("%s %s (%.1fs)\n", ok ? "PASS" : "FAIL", s->tc->name, wall_seconds() - s->start);
	if (f) {
		while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
			fwrite(buf, 1, n, stdout);
		fclose(f);
	}
	if (WIFSIGNALED(status))
		printf("  killed by signal %d\n", WTERMSIG(status));
	unlink(s->out);
	s->pid = 0;
	fflush(stdout);
	return ok;
}

int main(int argc, char **argv)
{
	struct slot slots[16] = { 0 };
	int jobs = 2, first = 1, passed = 0, failed = 0, running = 0, list = 0;
	size_t t, i;
	char *dir;

	while (first < argc && argv[first][0] == '-') {
		if (!strcmp(argv[first], "-j") && first + 1 < argc) {
			jobs = atoi(argv[first + 1]);
			first += 2;
		} else if (!strcmp(argv[first], "-l")) {
			list = 1;
			first++;
		} else {
			fprintf(stderr, "usage: %s [-j JOBS] [-l] [SUBSTRING...]\n", argv[0]);
			return 2;
		}
	}
	if (jobs < 1 || jobs > 16)
		jobs = 2;
	dir = strdup(argv[0]);
	if (dir && strrchr(dir, '/')) {
		*strrchr(dir, '/') = 0;
		test_bindir = dir;
	}
	for (t = 0; t < sizeof(tables) / sizeof(tables[0]); t++) {
		for (i = 0; tables[t][i].name; i++) {
			const struct test_case *tc = &tables[t][i];
			int k, status;
			pid_t pid;

			if (!selected(tc->name, argc, argv, first))
				continue;
			if (list) {
				printf("%s\n", tc->name);
				continue;
			}
			while (running == jobs) {
				pid = wait(&status);
				if (pid < 0 && errno == EINTR)
					continue;
				for (k = 0; k < jobs; k++) {
					if (slots[k].pid == pid) {
						finish(&slots[k], status) ? passed++ : failed++;
						running--;
					}
				}
			}
			for (k = 0; slots[k].pid; k++)
				;
			start(&slots[k], tc);
			running++;
		}
	}
	while (running) {
		int k, status;
		pid_t pid = wait(&status);

		if (pid < 0)
			break;
		for (k = 0; k < jobs; k++) {
			if (slots[k].pid == pid) {
				finish(&slots[k], status) ? passed++ : failed++;
				running--;
			}
		}
	}
	free(dir);
	printf("%d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}
