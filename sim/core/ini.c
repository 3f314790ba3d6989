/*
 * INI parsing with one-line errors (see ini.h).
 *
 * Lines come through our own reader rather than ini_parse_file(): inih
 * keeps going after an error and splits a line longer than its buffer
 * into several, so its line number and the message of a later handler
 * call would disagree.  The reader counts lines, stops at the first
 * error, and refuses NUL bytes and overlong lines outright.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "sim/core/ini.h"

/* A section (name NULL) or a key of a section, and its first line. */
struct ini_seen {
	char *section, *name;
	int line;
};

static void free_seen(struct ini_file *in)
{
	int i;

	for (i = 0; i < in->nseen; i++) {
		free(in->seen[i].section);
		free(in->seen[i].name);
	}
	free(in->seen);
	in->seen = NULL;
	in->nseen = in->capseen = 0;
}

/* The line an earlier (section, name) was on, 0 if none; else it is recorded now. */
static int seen_before(struct ini_file *in, const char *section, const char *name)
{
	struct ini_seen *e;
	int i;

	for (i = 0; i < in->nseen; i++) {
		e = &in->seen[i];
		if (!strcmp(e->section, section) && (name ? e->name && !strcmp(e->name, name) :
						     !e->name))
			return e->line;
	}
	if (in->nseen == in->capseen) {
		int cap = in->capseen ? 2 * in->capseen : 32;

		e = realloc(in->seen, (size_t)cap * sizeof(*e));
		if (!e)
			return -1;
		in->seen = e;
		in->capseen = cap;
	}
	e = &in->seen[in->nseen];
	e->section = strdup(section);
	e->name = name ? strdup(name) : NULL;
	e->line = in->lineno;
	if (!e->section || (name && !e->name)) {
		free(e->section);
		free(e->name);
		return -1;
	}
	in->nseen++;
	return 0;
}

/*
 * A "[name]" line, as inih reads it (name up to the first ']', trimmed):
 * refused if that section was seen before.  0 ok, -1 recorded an error.
 */
static int check_section_line(struct ini_file *in, const char *line)
{
	char name[256];
	const char *p = line, *end;
	size_t n;
	int first;

	while (*p == ' ' || *p == '\t')
		p++;
	if (*p != '[' || !(end = strchr(p, ']')))
		return 0;
	p++;
	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	while (end > p && (end[-1] == ' ' || end[-1] == '\t'))
		end--;
	n = (size_t)(end - p) < sizeof(name) ? (size_t)(end - p) : sizeof(name) - 1;
	memcpy(name, p, n);
	name[n] = 0;
	first = seen_before(in, name, NULL);
	if (first < 0) {
		ini_error(in, "out of memory");
		return -1;
	}
	if (first) {
		ini_error(in, "expected [%s] once (first at line %d)", name, first);
		return -1;
	}
	return 0;
}

/* Between inih and the user's handler: duplicate keys, continuations. */
static int dedup_handler(void *user, const char *section, const char *name, const char *value)
{
	struct ini_file *in = user;
	int first, rc;

	if (in->stop)
		return 0;
	in->continued = in->indented;
	if (!in->continued) {
		first = seen_before(in, section, name);
		if (first < 0)
			return ini_error(in, "out of memory");
		if (first)
			return ini_error(in, "expected %s once in [%s] (first at line %d)", name,
					 section, first);
	}
	rc = in->handler(in->user, section, name, value);
	in->continued = 0;
	return rc;
}

int ini_error(struct ini_file *in, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(in->msg, sizeof(in->msg), fmt, ap);
	va_end(ap);
	in->errline = in->lineno;
	in->stop = 1;
	return 0;
}

static char *read_line(char *str, int num, void *stream)
{
	struct ini_file *s = stream;
	int c, n = 0;

	if (s->stop)
		return NULL;
	while ((c = getc(s->f)) != EOF) {
		if (c == '\0' || n >= num - 2) {
			s->stop = c == '\0' ? -1 : -2;
			s->max = num - 2;
			s->lineno++;
			return NULL;
		}
		str[n++] = (char)c;
		if (c == '\n')
			break;
	}
	if (!n)
		return NULL;
	str[n] = '\0';
	s->lineno++;
	s->indented = str[0] == ' ' || str[0] == '\t';
	if (check_section_line(s, str) < 0)
		return NULL;
	return str;
}

int ini_load(const char *path, ini_handler handler, void *user, struct ini_file *in,
	     char *err, size_t errlen)
{
	int line;
	char *p;

	memset(in, 0, sizeof(*in));
	in->f = fopen(path, "r");
	if (!in->f) {
		snprintf(err, errlen, "%s: cannot open: %s", path, strerror(errno));
		return -1;
	}
	in->handler = handler;
	in->user = user;
	line = ini_parse_stream(read_line, in, dedup_handler, in);
	free_seen(in);
	if (ferror(in->f)) {
		/* E.g. a directory: fopen() takes it, reading fails. */
		snprintf(err, errlen, "%s:%d: cannot read: %s", path, in->lineno + 1,
			 strerror(errno));
		fclose(in->f);
		return -1;
	}
	fclose(in->f);
	in->f = NULL;
	if (in->stop == 1 && !line) {
		/* The reader refused a line (a section twice): inih never saw it. */
		line = in->errline;
	}
	if (in->stop == -1) {
		/* The reader refused a line; inih never saw it. */
		snprintf(err, errlen, "%s:%d: expected text, found a NUL byte", path, in->lineno);
		return -1;
	}
	if (in->stop == -2) {
		snprintf(err, errlen, "%s:%d: expected a line of at most %d characters",
			 path, in->lineno, in->max);
		return -1;
	}
	if (!line)
		return 0;
	/* A syntax error inih found before our first one wins. */
	snprintf(err, errlen, "%s:%d: %s", path, line, in->msg[0] && line == in->errline ?
		 in->msg : "expected 'key = value' or '[section]'");
	/* Values are echoed: no control characters to the terminal. */
	for (p = err; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = '?';
	return -1;
}
