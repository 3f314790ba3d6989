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
#include <string.h>

#include "sim/core/ini.h"

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
	line = ini_parse_stream(read_line, in, handler, user);
	if (ferror(in->f)) {
		/* E.g. a directory: fopen() takes it, reading fails. */
		snprintf(err, errlen, "%s:%d: cannot read: %s", path, in->lineno + 1,
			 strerror(errno));
		fclose(in->f);
		return -1;
	}
	fclose(in->f);
	in->f = NULL;
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
