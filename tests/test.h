/*
 * The test contract: every test file in tests/ file exports one NULL-terminated table
 * of test_case, listed in tests/runner.c.  A test returns 0 to pass; the
 * CHECK macros print file:line and the failed condition, so a failure says
 * where and why without a debugger.  Tests run each in its own child
 * process, so one crashing test is reported as FAILED and the rest go on.
 */
#ifndef MMLOCKSIM_TEST_H
#define MMLOCKSIM_TEST_H

#include <stdio.h>

struct test_case {
	const char *name;
	int (*fn)(void);
};

#define CHECK(cond)							\
	do {								\
		if (!(cond)) {						\
			fprintf(stderr, "%s:%d: CHECK failed: %s\n",	\
				__FILE__, __LINE__, #cond);		\
			return 1;					\
		}							\
	} while (0)

#define CHECKF(cond, ...)						\
	do {								\
		if (!(cond)) {						\
			fprintf(stderr, "%s:%d: CHECK failed: %s: ",	\
				__FILE__, __LINE__, #cond);		\
			fprintf(stderr, __VA_ARGS__);			\
			fputc('\n', stderr);				\
			return 1;					\
		}							\
	} while (0)

/* Directory of the built binaries, for end-to-end tests (set by the runner). */
extern const char *test_bindir;

#endif
