/*
 * The newcomer test: in a clean clone of this repository, run exactly the
 * two commands of the README's "Two commands" section and check what they
 * leave behind.  It runs in the optimized suite only (not again under
 * ASan), and not inside its own nested run (MMLOCKSIM_NEWCOMER is set
 * there), so it does not recurse.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "tests/test.h"

#if defined(__SANITIZE_ADDRESS__)
#define UNDER_ASAN 1
#else
#define UNDER_ASAN 0
#endif

/* The commands of the first ```sh block after "## Two commands". */
static int readme_commands(char cmds[2][256])
{
	FILE *f = fopen("README.md", "r");
	char line[512];
	int in_section = 0, in_block = 0, n = 0;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f) && n < 2) {
		if (!strncmp(line, "## ", 3))
			in_section = !strncmp(line, "## Two commands", 15);
		else if (in_section && !strncmp(line, "```", 3))
			in_block = !in_block;
		else if (in_section && in_block) {
			char *hash = strchr(line, '#');

			if (hash)
				*hash = 0;
			line[strcspn(line, "\n")] = 0;
			while (*line && line[strlen(line) - 1] == ' ')
				line[strlen(line) - 1] = 0;
			if (*line)
				snprintf(cmds[n++], sizeof(cmds[0]), "%.200s", line);
		}
	}
	fclose(f);
	return n == 2 ? 0 : -1;
}

static long file_size(const char *path)
{
	struct stat st;

	return stat(path, &st) ? -1 : (long)st.st_size;
}

static int test_readme_two_commands(void)
{
	char cmds[2][256], dir[] = "/tmp/mmlocksim-newcomer-XXXXXX", cmd[1024], path[512];
	static const char *const plots[] = { "scaling.png", "latency_cdf.png", "lock_wait.png" };
	FILE *p;
	char out[256] = "";
	int i, rc;

	if (UNDER_ASAN || getenv("MMLOCKSIM_NEWCOMER")) {
		printf("  skipped: %s\n", UNDER_ASAN ? "runs in the optimized suite only" :
		       "already inside a newcomer run");
		return 0;
	}
	CHECK(readme_commands(cmds) == 0);
	printf("  README commands: '%s' and '%s'\n", cmds[0], cmds[1]);
	CHECK(mkdtemp(dir));
	snprintf(cmd, sizeof(cmd), "git clone -q . %s/repo", dir);
	CHECK(system(cmd) == 0);

	snprintf(cmd, sizeof(cmd), "cd %s/repo && env -u FUZZ MMLOCKSIM_NEWCOMER=1 %s > %s/demo.log 2>&1",
		 dir, cmds[0], dir);
	rc = system(cmd);
	printf("  demo exit status %d\n", rc);
	CHECK(rc == 0);
	snprintf(cmd, sizeof(cmd), "grep -c '^Hmean fault/s' %s/demo.log", dir);
	p = popen(cmd, "r");
	CHECK(p && fgets(out, sizeof(out), p));
	pclose(p);
	printf("  demo table rows: %s", out);
	CHECK(atoi(out) >= 4);
	/* Every default scheme at 4 CPU counts x 3 seeds, all complete. */
	snprintf(cmd, sizeof(cmd), "sqlite3 -separator ' ' %s/repo/out/demo.db \"SELECT "
		 "count(DISTINCT scheme), sum(status = 'COMPLETE'), count(*) FROM run\"", dir);
	p = popen(cmd, "r");
	CHECK(p && fgets(out, sizeof(out), p));
	pclose(p);
	{
		int schemes = 0, complete = 0, runs = 0;

		CHECK(sscanf(out, "%d %d %d", &schemes, &complete, &runs) == 3);
		printf("  out/demo.db: %d schemes, %d of %d runs complete\n", schemes, complete, runs);
		CHECK(schemes >= 4 && runs == schemes * 4 * 3 && complete == runs);
	}
	for (i = 0; i < 3; i++) {
		snprintf(path, sizeof(path), "%s/repo/out/plots/%s", dir, plots[i]);
		printf("  %s: %ld bytes\n", plots[i], file_size(path));
		CHECK(file_size(path) > 1000);
	}

	snprintf(cmd, sizeof(cmd), "cd %s/repo && env -u FUZZ MMLOCKSIM_NEWCOMER=1 %s > %s/tests.log 2>&1",
		 dir, cmds[1], dir);
	rc = system(cmd);
	snprintf(cmd, sizeof(cmd), "tail -n 1 %s/tests.log", dir);
	p = popen(cmd, "r");
	CHECK(p && fgets(out, sizeof(out), p));
	pclose(p);
	printf("  tests exit status %d, last line: %s", rc, out);
	CHECK(rc == 0);
	CHECK(strstr(out, " passed, 0 failed"));
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	CHECK(system(cmd) == 0);
	return 0;
}

const struct test_case newcomer_tests[] = {
	{ "newcomer/readme_two_commands", test_readme_two_commands },
	{ NULL, NULL },
};
