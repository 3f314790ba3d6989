/*
 * The command lines of the commands (cli_*.c): one table of options per
 * command and one parser, so that every command answers bad arguments
 * the same way: one line on stderr naming the option and what it takes,
 * and exit status 2 (EXIT_BAD_INPUT).
 *
 * An option that takes one value may be given once: `-s a -s b` is an
 * error, not "the last one wins", since a script that repeats a flag by
 * mistake would otherwise run something other than it says.  Options that
 * collect (-p KEY=VAL) are CLI_LIST.  Numbers are whole decimal numbers,
 * all of the argument, within the option's range.
 */
#ifndef MMLOCKSIM_CLIARGS_H
#define MMLOCKSIM_CLIARGS_H

#include <stdint.h>

enum cli_type {
	CLI_FLAG,	/* no value: *(int *)dest = 1 */
	CLI_STRING,	/* *(const char **)dest = the value */
	CLI_LIST,	/* repeatable: ((const char **)dest)[(*count)++], up to max */
	CLI_INT,	/* *(int *)dest, a whole number from min to max */
	CLI_U64,	/* *(uint64_t *)dest, a whole number from min to max */
};

struct cli_opt {
	const char *name;	/* "-s", "--cpus"; NULL ends the table */
	enum cli_type type;
	void *dest;
	uint64_t min, max;	/* numbers; CLI_LIST: max is the capacity */
	const char *unit;	/* numbers: "CPUs" in "expected 1 to 256 CPUs"; or NULL */
	int *count;		/* CLI_LIST */
	int seen;		/* set by cli_parse(): given on the command line */
};

/* Table entries (designated, so that the fields not named are zero). */
#define CLI_OPT_FLAG(n, d)	{ .name = (n), .type = CLI_FLAG, .dest = (d) }
#define CLI_OPT_STRING(n, d)	{ .name = (n), .type = CLI_STRING, .dest = (d) }
#define CLI_OPT_LIST(n, d, cap, cnt)						\
	{ .name = (n), .type = CLI_LIST, .dest = (d), .max = (cap), .count = (cnt) }
#define CLI_OPT_INT(n, d, lo, hi, u)						\
	{ .name = (n), .type = CLI_INT, .dest = (d), .min = (lo), .max = (hi), .unit = (u) }
#define CLI_OPT_U64(n, d, lo, hi, u)						\
	{ .name = (n), .type = CLI_U64, .dest = (d), .min = (lo), .max = (hi), .unit = (u) }
#define CLI_OPT_END		{ .name = NULL }

/*
 * Parse argv[1..argc-1] of command CMD against OPTS.  Anything that does
 * not start with '-' (or is "-") is positional and goes to pos[], at most
 * maxpos of them (one more is "expected at most N POSNAME, got 'X' too").
 * Returns 0; 1 if --help or -h is anywhere (print the usage, exit 0); -1
 * after printing the one error line (exit EXIT_BAD_INPUT).
 */
int cli_parse(const char *cmd, int argc, char **argv, struct cli_opt *opts,
	      const char **pos, int maxpos, int *npos, const char *posname);

/* S, all of it, a decimal whole number from MIN to MAX: 0, or -1. */
int cli_number(const char *s, uint64_t min, uint64_t max, uint64_t *v);
/* The same, printing "CMD: WHAT: expected MIN to MAX UNIT, got 'S'" when bad. */
int cli_number_arg(const char *cmd, const char *what, const char *s, uint64_t min,
		   uint64_t max, const char *unit, uint64_t *v);
/*
 * "a,b,c" (S is modified) into items, at most max: the count, or -1
 * after an error line (an empty item, too many, one given twice).
 */
int cli_split(const char *cmd, const char *what, char *s, char **items, int max);

#endif
