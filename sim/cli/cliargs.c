/* The options parser of the commands; see cliargs.h. */
#include "sim/cli/cliargs.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/cli/climsg.h"

int cli_number(const char *s, uint64_t min, uint64_t max, uint64_t *v)
{
	unsigned long long u;
	char *end;

	/* strtoull takes a sign, spaces and "-1" as 2^64 - 1: digits only. */
	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	u = strtoull(s, &end, 10);
	if (errno || *end || u < min || u > max)
		return -1;
	*v = u;
	return 0;
}

int cli_number_arg(const char *cmd, const char *what, const char *s, uint64_t min,
		   uint64_t max, const char *unit, uint64_t *v)
{
	if (!cli_number(s, min, max, v))
		return 0;
	if (unit)
		cli_error(cmd, "%s: expected %llu to %llu %s, got '%s'", what,
			  (unsigned long long)min, (unsigned long long)max, unit, s);
	else
		cli_error(cmd, "%s: expected a whole number from %llu to %llu, got '%s'", what,
			  (unsigned long long)min, (unsigned long long)max, s);
	return -1;
}

int cli_split(const char *cmd, const char *what, char *s, char **items, int max)
{
	char *p = s, *comma;
	int n = 0, i;

	for (;;) {
		comma = strchr(p, ',');
		if (comma)
			*comma = 0;
		if (!*p) {
			cli_error(cmd, "%s: expected a comma-separated list without empty "
				  "items", what);
			return -1;
		}
		for (i = 0; i < n; i++) {
			if (!strcmp(items[i], p)) {
				/* The same run twice would count twice in every mean. */
				cli_error(cmd, "%s: %s given twice; expected each once", what, p);
				return -1;
			}
		}
		if (n == max) {
			cli_error(cmd, "%s: expected at most %d items", what, max);
			return -1;
		}
		items[n++] = p;
		if (!comma)
			return n;
		p = comma + 1;
	}
}

static void list_options(const struct cli_opt *opts, char *buf, size_t len)
{
	size_t off = 0;
	int i;

	buf[0] = 0;
	for (i = 0; opts[i].name && off < len; i++)
		off += (size_t)snprintf(buf + off, len - off, "%s%s", i ? ", " : "",
					opts[i].name);
}

/*
 * A list collects KEY=VAL: each key once, for the same reason an option
 * is given once (`-p size=1M -p size=2M` would otherwise run 2M while the
 * command line, and the run's recorded arguments, also say 1M).
 */
static int cli_key_repeated(const char *cmd, const struct cli_opt *o, const char *val)
{
	const char *const *prev = o->dest;
	size_t keylen = strcspn(val, "=");
	int i;

	for (i = 0; i < *o->count; i++)
		if (!strncmp(prev[i], val, keylen) && prev[i][keylen] == val[keylen] &&
		    (val[keylen] == '=' || val[keylen] == '\0')) {
			cli_error(cmd, "%s %s: %.*s is given twice (%s before); a key takes one value",
				  o->name, val, (int)keylen, val, prev[i]);
			return 1;
		}
	return 0;
}

static int take(const char *cmd, struct cli_opt *o, const char *val)
{
	uint64_t v;

	switch (o->type) {
	case CLI_FLAG:
		*(int *)o->dest = 1;
		return 0;
	case CLI_STRING:
		*(const char **)o->dest = val;
		return 0;
	case CLI_LIST:
		if (*o->count >= (int)o->max) {
			cli_error(cmd, "%s: expected at most %d of them", o->name, (int)o->max);
			return -1;
		}
		if (cli_key_repeated(cmd, o, val))
			return -1;
		((const char **)o->dest)[(*o->count)++] = val;
		return 0;
	case CLI_INT:
	case CLI_U64:
		if (cli_number_arg(cmd, o->name, val, o->min, o->max, o->unit, &v))
			return -1;
		if (o->type == CLI_INT)
			*(int *)o->dest = (int)v;
		else
			*(uint64_t *)o->dest = v;
		return 0;
	}
	return -1;
}

int cli_parse(const char *cmd, int argc, char **argv, struct cli_opt *opts,
	      const char **pos, int maxpos, int *npos, const char *posname)
{
	const char *given[64] = { 0 };
	char names[512];
	int i, k;

	for (i = 1; i < argc; i++)
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h"))
			return 1;
	*npos = 0;
	for (k = 0; opts[k].name; k++)
		opts[k].seen = 0;
	for (i = 1; i < argc; i++) {
		const char *a = argv[i], *val = NULL;
		struct cli_opt *o;

		if (a[0] != '-' || !a[1]) {
			if (*npos == maxpos) {
				if (!maxpos)
					cli_error(cmd, "unexpected argument '%s'; expected options "
						  "only (mmlocksim %s --help)", a, cmd);
				else if (maxpos == 1)
					cli_error(cmd, "expected one %s, got '%s' too", posname, a);
				else
					cli_error(cmd, "expected at most %d %s, got '%s' too",
						  maxpos, posname, a);
				return -1;
			}
			pos[(*npos)++] = a;
			continue;
		}
		for (k = 0; opts[k].name && strcmp(opts[k].name, a); k++)
			;
		o = &opts[k];
		if (!o->name) {
			list_options(opts, names, sizeof(names));
			cli_error(cmd, "unknown option '%s'; expected %s (mmlocksim %s --help)",
				  a, names[0] ? names : "no options", cmd);
			return -1;
		}
		if (o->type != CLI_FLAG) {
			if (i + 1 >= argc) {
				cli_error(cmd, "%s needs a value; expected '%s VALUE' (mmlocksim "
					  "%s --help)", a, a, cmd);
				return -1;
			}
			val = argv[++i];
		}
		if (o->seen && o->type != CLI_LIST) {
			if (o->type == CLI_FLAG)
				cli_error(cmd, "%s given twice; expected it once", a);
			else
				cli_error(cmd, "%s given twice ('%s', then '%s'); expected it once",
					  a, k < 64 && given[k] ? given[k] : "", val);
			return -1;
		}
		o->seen = 1;
		if (k < 64)
			given[k] = val;
		if (take(cmd, o, val))
			return -1;
	}
	return 0;
}
