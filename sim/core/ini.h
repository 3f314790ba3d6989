/*
 * INI files through inih, with the house rules for bad input: the first
 * error stops the parse and is one line "PATH:LINE: expected ...".  Used
 * by the machine files (machine.c) and the sweep experiments (cli_sweep.c).
 */
#ifndef MMLOCKSIM_INI_H
#define MMLOCKSIM_INI_H

#include <stddef.h>
#include <stdio.h>

#include <ini.h>

struct ini_seen;

struct ini_file {
	FILE *f;
	int lineno;		/* of the line last handed to inih */
	int stop;		/* an error was recorded: read no further */
	int max;		/* longest line inih takes */
	int errline;		/* line of msg, 0 if none */
	char msg[256];		/* what a handler found wrong, without PATH:LINE */
	/*
	 * In a handler: the line is a continuation (indented) of the value
	 * of the key before, which inih hands over as the same key again.
	 */
	int continued;
	/* Private: the sections and keys seen, to refuse a second one. */
	int indented;
	struct ini_seen *seen;
	int nseen, capseen;
	ini_handler handler;
	void *user;
};

/*
 * In a handler: record what was expected on the line being parsed and
 * stop there.  Returns 0, inih's "error", for `return ini_error(...)`.
 */
int ini_error(struct ini_file *in, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/*
 * Parse path, calling handler(user, section, name, value) for each key
 * (in must stay reachable from user, for ini_error()).  A section or a
 * key within a section given a second time is refused ("expected [S]
 * once (first at line N)"): a later value silently replacing an earlier
 * one hides a mistake.  0, or -1 with one line in err: "PATH:LINE:
 * expected ..." (control characters of echoed values replaced by '?').
 */
int ini_load(const char *path, ini_handler handler, void *user, struct ini_file *in,
	     char *err, size_t errlen);

#endif
