/*
 * lib/: allocation that cannot fail and the wall clock.  An allocation
 * whose n * size does not fit in a size_t must end the process through
 * fatal() -- one line, exit 1 -- never wrap round to a small block that the
 * caller then overruns.  A line-aligned allocation starts on 64 bytes.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lib/wallclock.h"
#include "lib/xalloc.h"
#include "tests/test.h"

enum { CALLOC, REALLOCARRAY, LINES, FATAL };

/* Runs WHAT in a child: its exit status, and what it wrote to stderr in MSG. */
static int in_child(int what, char *msg, size_t len)
{
	int fd[2], st;
	ssize_t n;
	pid_t pid;

	if (pipe(fd) < 0)
		return -1;
	fflush(NULL);
	pid = fork();
	if (pid == 0) {
		/* n * 2 wraps to 2 without the overflow check. */
		size_t big = SIZE_MAX / 2 + 2;

		dup2(fd[1], 2);
		close(fd[0]);
		if (what == CALLOC)
			free(xcalloc(big, 2));
		else if (what == REALLOCARRAY)
			free(xreallocarray(NULL, big, 2));
		else if (what == LINES)
			free(xzalloc_lines(big, 2));
		else
			fatal("cannot go on: %d", 42);
		_exit(0);
	}
	close(fd[1]);
	len--;
	while (len && (n = read(fd[0], msg, len)) > 0) {
		msg += n;
		len -= (size_t)n;
	}
	*msg = '\0';
	close(fd[0]);
	if (pid < 0 || waitpid(pid, &st, 0) != pid)
		return -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

static int test_overflow_is_fatal(void)
{
	char msg[256];

	CHECKF(in_child(CALLOC, msg, sizeof(msg)) == 1, "xcalloc: %s", msg);
	CHECKF(!strcmp(msg, "mmlocksim: out of memory\n"), "got '%s'", msg);
	CHECKF(in_child(REALLOCARRAY, msg, sizeof(msg)) == 1, "xreallocarray: %s", msg);
	CHECKF(!strcmp(msg, "mmlocksim: out of memory\n"), "got '%s'", msg);
	CHECKF(in_child(LINES, msg, sizeof(msg)) == 1, "xzalloc_lines: %s", msg);
	CHECKF(!strcmp(msg, "mmlocksim: out of memory\n"), "got '%s'", msg);
	CHECK(in_child(FATAL, msg, sizeof(msg)) == 1);
	CHECK(!strcmp(msg, "mmlocksim: cannot go on: 42\n"));
	return 0;
}

static int test_xalloc(void)
{
	unsigned char *p = xcalloc(0, 8), *q;
	char *s = xstrdup("mmap_lock");
	size_t i;

	/* A zero count is still a block of its own. */
	CHECK(p && p != (unsigned char *)s);
	free(p);
	p = xcalloc(100, 3);
	for (i = 0; i < 300; i++)
		CHECK(p[i] == 0);
	memset(p, 0xab, 300);
	q = xreallocarray(p, 200, 3);
	for (i = 0; i < 300; i++)
		CHECK(q[i] == 0xab);
	free(q);
	q = xzalloc(64);
	for (i = 0; i < 64; i++)
		CHECK(q[i] == 0);
	free(q);
	/* Line-aligned and zeroed, whatever was allocated before it. */
	for (i = 1; i < 200; i += 37) {
		unsigned char *odd = xmalloc(i);
		size_t k;

		q = xzalloc_lines(3, 320 + i);
		CHECKF((uintptr_t)q % 64 == 0, "%p after a block of %zu", (void *)q, i);
		for (k = 0; k < 3 * (320 + i); k++)
			CHECK(q[k] == 0);
		free(q);
		free(odd);
	}
	q = xzalloc_lines(0, 0);
	CHECK(q && (uintptr_t)q % 64 == 0);
	free(q);
	CHECK(!strcmp(s, "mmap_lock"));
	free(s);
	free(xmalloc(0));
	free(xrealloc(NULL, 0));
	return 0;
}

static int test_wallclock_monotonic(void)
{
	double t = wall_seconds(), u;
	int i;

	CHECK(t > 0);
	for (i = 0; i < 1000; i++) {
		u = wall_seconds();
		CHECK(u >= t);
		t = u;
	}
	return 0;
}

const struct test_case lib_tests[] = {
	{ "lib/xalloc_overflow_is_fatal", test_overflow_is_fatal },
	{ "lib/xalloc", test_xalloc },
	{ "lib/wallclock_monotonic", test_wallclock_monotonic },
	{ NULL, NULL },
};
