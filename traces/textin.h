/*
 * Line reader over plain, xz or gzip text, chosen from the content's magic
 * bytes (not the file name).  Memory is bounded: a fixed window of
 * decompressed text, so a multi-gigabyte trace never sits in memory.
 */
#ifndef MMLOCKSIM_TEXTIN_H
#define MMLOCKSIM_TEXTIN_H

#include <stddef.h>
#include <stdbool.h>
#include <stdint.h>

/* Longest line accepted (bytes, without the newline). */
#define TEXTIN_MAX_LINE	(64 * 1024)

struct textin;

/* NULL with "PATH: reason" in ERR on failure. */
struct textin *textin_open(const char *path, char *err, size_t errlen);
void textin_close(struct textin *t);

/*
 * Next line: 1 with *LINE (NUL-terminated, without its end: LF, CRLF or a
 * lone CR; writable until the next call) and *LEN set, 0 at end of input,
 * -1 on error (textin_error(): "PATH:LINE: ..." or "PATH: ...").
 */
int textin_getline(struct textin *t, char **line, size_t *len);

/* Raw decompressed bytes (for copying a compressed binary file): count, 0 at
 * end, -1 on error.  Do not mix with textin_getline(). */
long textin_read(struct textin *t, void *buf, size_t n);

/* Peek at up to N leading decompressed bytes without consuming them. */
size_t textin_peek(struct textin *t, const char **p, size_t n);

uint64_t textin_lineno(const struct textin *t);	/* of the last line */
/* Did the last line end with the input instead of a line end (cut short?) */
bool textin_unterminated(const struct textin *t);
const char *textin_error(const struct textin *t);
const char *textin_kind(const struct textin *t);	/* "plain", "xz", "gzip" */
const char *textin_path(const struct textin *t);

#endif
