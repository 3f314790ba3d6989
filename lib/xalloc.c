#include "lib/xalloc.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*
 * The line is put together first and written at once: stderr is
 * unbuffered, and the run pool's children share it.
 */
void fatal(const char *fmt, ...)
{
	char line[1024];
	va_list ap;
	int n;

	n = snprintf(line, sizeof(line), "mmlocksim: ");
	va_start(ap, fmt);
	vsnprintf(line + n, sizeof(line) - (size_t)n - 1, fmt, ap);
	va_end(ap);
	strcat(line, "\n");
	fputs(line, stderr);
	exit(1);
}

static void *nonnull(void *p)
{
	if (!p)
		fatal("out of memory");
	return p;
}

/* n * size, or fatal() if it does not fit in a size_t. */
static size_t array_size(size_t n, size_t size)
{
	if (size && n > SIZE_MAX / size)
		fatal("out of memory");
	return n * size;
}

void *xmalloc(size_t size)
{
	return nonnull(malloc(size ? size : 1));
}

void *xzalloc(size_t size)
{
	return nonnull(calloc(1, size ? size : 1));
}

void *xcalloc(size_t n, size_t size)
{
	if (!n)
		n = 1;
	if (!size)
		size = 1;
	return xzalloc(array_size(n, size));
}

void *xrealloc(void *p, size_t size)
{
	return nonnull(realloc(p, size ? size : 1));
}

void *xreallocarray(void *p, size_t n, size_t size)
{
	return xrealloc(p, array_size(n, size));
}

void *xzalloc_lines(size_t n, size_t size)
{
	size_t bytes = array_size(n ? n : 1, size ? size : 1);
	void *p;

	if (bytes > SIZE_MAX - 63)
		fatal("out of memory");
	bytes = (bytes + 63) & ~(size_t)63;	/* aligned_alloc() wants a multiple */
	p = nonnull(aligned_alloc(64, bytes));
	memset(p, 0, bytes);
	return p;
}

char *xstrdup(const char *s)
{
	return nonnull(strdup(s));
}
