/* Error lines with the control characters escaped (see climsg.h). */
#include <stdarg.h>
#include <stdio.h>

#include "sim/cli/climsg.h"

void cli_put_escaped(FILE *f, const char *s)
{
	const unsigned char *p;

	for (p = (const unsigned char *)s; *p; p++) {
		if (*p < 0x20 || *p == 0x7f)
			fprintf(f, "\\x%02x", *p);
		else
			fputc(*p, f);
	}
}

void cli_error(const char *cmd, const char *fmt, ...)
{
	char msg[4096];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	fputs(cmd ? "mmlocksim " : "mmlocksim", stderr);
	if (cmd)
		cli_put_escaped(stderr, cmd);
	fputs(": ", stderr);
	cli_put_escaped(stderr, msg);
	fputc('\n', stderr);
}
