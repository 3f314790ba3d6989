/*
 * Plain / xz / gzip line reader.  Decompressed text lands in a window
 * buffer; lines are found with memchr and handed out in place (the newline
 * becomes a NUL), so the common case copies nothing.  A line that straddles
 * the end of the window is moved to the front before refilling.
 */
#include "traces/textin.h"

#include <errno.h>
#include <fcntl.h>
#include <lzma.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "lib/xalloc.h"

#define WIN_SIZE	(1024 * 1024)	/* decompressed window; > max line */
#define IN_SIZE		(256 * 1024)	/* compressed input chunk */

enum kind { K_PLAIN, K_XZ, K_GZ };

struct textin {
	char *path;
	int fd;
	enum kind kind;
	int eof_in;		/* the file is exhausted */
	int eof_out;		/* no more decompressed bytes will come */
	int failed;
	uint64_t lineno;
	bool unterminated;	/* the last line ended with the input, not a line end */
	uint64_t in_total;	/* compressed bytes read from the file so far */
	char err[512];
	lzma_stream xz;
	z_stream gz;
	int gz_live;		/* inflateInit succeeded */
	unsigned char *in;	/* compressed bytes */
	size_t in_len;		/* bytes valid at in + in_pos */
	size_t in_pos;
	char *win;		/* decompressed window, WIN_SIZE + 1 */
	size_t start, end;	/* unread text is win[start, end) */
};

static void fail(struct textin *t, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void fail(struct textin *t, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (t->failed)
		return;
	t->failed = 1;
	n = snprintf(t->err, sizeof(t->err), "%s: ", t->path);
	va_start(ap, fmt);
	vsnprintf(t->err + n, sizeof(t->err) - (size_t)n, fmt, ap);
	va_end(ap);
}

/* "PATH:LINE: ...", the shape of every message about a line. */
static void fail_line(struct textin *t, uint64_t lineno, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void fail_line(struct textin *t, uint64_t lineno, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (t->failed)
		return;
	t->failed = 1;
	n = snprintf(t->err, sizeof(t->err), "%s:%llu: ", t->path,
		     (unsigned long long)lineno);
	va_start(ap, fmt);
	vsnprintf(t->err + n, sizeof(t->err) - (size_t)n, fmt, ap);
	va_end(ap);
}

/* Refill the compressed input buffer; sets eof_in at end of file. */
static int fill_in(struct textin *t)
{
	ssize_t k;

	if (t->in_pos && t->in_len)
		memmove(t->in, t->in + t->in_pos, t->in_len);
	t->in_pos = 0;
	do {
		k = read(t->fd, t->in + t->in_len, IN_SIZE - t->in_len);
	} while (k < 0 && errno == EINTR);
	if (k < 0) {
		fail(t, "read: %s", strerror(errno));
		return -1;
	}
	if (k == 0)
		t->eof_in = 1;
	t->in_len += (size_t)k;
	t->in_total += (uint64_t)k;
	return 0;
}

/* Offset in the file of the next compressed byte not yet decoded. */
static unsigned long long in_offset(const struct textin *t)
{
	return (unsigned long long)(t->in_total - t->in_len);
}

/* Decompress (or copy) into win[end, cap); returns bytes produced or -1. */
static long produce(struct textin *t, size_t cap)
{
	size_t room = cap - t->end;
	unsigned char *out = (unsigned char *)t->win + t->end;

	if (t->eof_out || !room)
		return 0;
	if (t->kind == K_PLAIN) {
		ssize_t k;
		size_t have = t->in_len;

		/* Bytes peeked at open time are served first. */
		if (have) {
			size_t n = have < room ? have : room;

			memcpy(out, t->in + t->in_pos, n);
			t->in_pos += n;
			t->in_len -= n;
			return (long)n;
		}
		do {
			k = read(t->fd, out, room);
		} while (k < 0 && errno == EINTR);
		if (k < 0) {
			fail(t, "read: %s", strerror(errno));
			return -1;
		}
		if (k == 0)
			t->eof_out = 1;
		return k;
	}
	for (;;) {
		size_t produced;

		if (!t->in_len && !t->eof_in && fill_in(t) < 0)
			return -1;
		if (t->kind == K_XZ) {
			lzma_ret r;

			t->xz.next_in = t->in + t->in_pos;
			t->xz.avail_in = t->in_len;
			t->xz.next_out = out;
			t->xz.avail_out = room;
			r = lzma_code(&t->xz, t->eof_in ? LZMA_FINISH : LZMA_RUN);
			t->in_pos += t->in_len - t->xz.avail_in;
			t->in_len = t->xz.avail_in;
			produced = room - t->xz.avail_out;
			if (r == LZMA_STREAM_END) {
				t->eof_out = 1;
				return (long)produced;
			}
			if (r != LZMA_OK) {
				fail(t, "byte %llu: expected xz data, found %s",
				     in_offset(t), r == LZMA_BUF_ERROR ?
				     "the end of the file (truncated)" :
				     r == LZMA_DATA_ERROR ? "corrupt data" :
				     r == LZMA_FORMAT_ERROR ? "a bad header" :
				     r == LZMA_OPTIONS_ERROR ? "unsupported options" :
				     r == LZMA_MEM_ERROR ? "more than memory holds" :
				     "data the decoder rejects");
				return -1;
			}
		} else {
			int r;

			t->gz.next_in = t->in + t->in_pos;
			t->gz.avail_in = (uInt)t->in_len;
			t->gz.next_out = out;
			t->gz.avail_out = (uInt)room;
			r = inflate(&t->gz, Z_NO_FLUSH);
			t->in_pos += t->in_len - t->gz.avail_in;
			t->in_len = t->gz.avail_in;
			produced = room - t->gz.avail_out;
			if (r == Z_STREAM_END) {
				/* gzip files may hold several members. */
				if (!t->in_len && !t->eof_in && fill_in(t) < 0)
					return -1;
				if (!t->in_len) {
					t->eof_out = 1;
					return (long)produced;
				}
				inflateReset(&t->gz);
			} else if (r == Z_BUF_ERROR && t->eof_in && !t->in_len) {
				fail(t, "byte %llu: expected gzip data, found the end of the file (truncated)",
				     in_offset(t));
				return -1;
			} else if (r != Z_OK && r != Z_BUF_ERROR) {
				fail(t, "byte %llu: expected gzip data, found %s",
				     in_offset(t), t->gz.msg ? t->gz.msg :
				     "corrupt data");
				return -1;
			}
		}
		if (produced)
			return (long)produced;
		if (t->eof_in && !t->in_len) {
			fail(t, "byte %llu: expected %s data, found the end of the file (truncated)",
			     in_offset(t), t->kind == K_XZ ? "xz" : "gzip");
			return -1;
		}
	}
}

struct textin *textin_open(const char *path, char *err, size_t errlen)
{
	static const unsigned char xz_magic[6] = { 0xfd, '7', 'z', 'X', 'Z', 0 };
	struct textin *t = xzalloc(sizeof(*t));

	t->path = xstrdup(path);
	t->in = xmalloc(IN_SIZE);
	t->win = xmalloc(WIN_SIZE + 1);
	t->fd = open
(path, O_RDONLY | O_CLOEXEC);
	if (t->fd < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		goto fail;
	}
	posix_fadvise(t->fd, 0, 0, POSIX_FADV_SEQUENTIAL);
	/* Read a first chunk to sniff the format. */
	while (t->in_len < 6 && !t->eof_in)
		if (fill_in(t) < 0) {
			snprintf(err, errlen, "%s", t->err);
			goto fail;
		}
	if (t->in_len >= 6 && !memcmp(t->in, xz_magic, 6)) {
		lzma_stream init = LZMA_STREAM_INIT;

		t->kind = K_XZ;
		t->xz = init;
		if (lzma_stream_decoder(&t->xz, UINT64_MAX,
					LZMA_CONCATENATED) != LZMA_OK) {
			snprintf(err, errlen, "%s: xz: cannot start decoder", path);
			goto fail;
		}
	} else if (t->in_len >= 2 && t->in[0] == 0x1f && t->in[1] == 0x8b) {
		t->kind = K_GZ;
		/* 15 + 16: gzip wrapper only, full window. */
		if (inflateInit2(&t->gz, 15 + 16) != Z_OK) {
			snprintf(err, errlen, "%s: gzip: cannot start decoder", path);
			goto fail;
		}
		t->gz_live = 1;
	} else {
		t->kind = K_PLAIN;
	}
	return t;
fail:
	textin_close(t);
	return NULL;
}

void textin_close(struct textin *t)
{
	if (!t)
		return;
	if (t->kind == K_XZ)
		lzma_end(&t->xz);
	if (t->gz_live)
		inflateEnd(&t->gz);
	if (t->fd >= 0)
		close(t->fd);
	free(t->in);
	free(t->win);
	free(t->path);
	free(t);
}

int textin_getline(struct textin *t, char **line, size_t *len)
{
	size_t scanned = 0;

	if (t->failed)
		return -1;
	for (;;) {
		char *s = t->win + t->start;
		size_t have = t->end - t->start;
		char *nl = memchr(s + scanned, '\n', have - scanned);
		size_t lim = nl ? (size_t)(nl - s) : have;
		/*
		 * A line ends at LF, CRLF or a CR alone (classic Mac OS text,
		 * or a file that went through a tool writing those): otherwise
		 * a CR-only file would be one line, most of it unseen.
		 */
		char *cr = memchr(s + scanned, '\r', lim - scanned);
		char *nul;
		size_t n, skip;
		long k;

		/* A CR as the last byte so far may be half of a CRLF: read on. */
		if (cr && !nl && cr + 1 == s + have && !t->eof_out)
			cr = NULL;
		if (nl || cr || (t->eof_out && have)) {
			if (cr) {
				n = (size_t)(cr - s);
				skip = cr + 1 == nl ? 2 : 1;
			} else {
				n = nl ? (size_t)(nl - s) : have;
				skip = nl ? 1 : 0;
			}
			t->start += n + skip;
			t->lineno++;
			t->unterminated = !skip;
			if (n > TEXTIN_MAX_LINE) {
				fail_line(t, t->lineno,
					  "expected a line of at most %d bytes",
					  TEXTIN_MAX_LINE);
				return -1;
			}
			/*
			 * A NUL would silently cut the line short for every
			 * parser after us: text traces have none, so it is
			 * binary junk or corruption.
			 */
			nul = memchr(s, '\0', n);
			if (nul) {
				fail_line(t, t->lineno,
					  "expected text, found a NUL byte in column %zu",
					  (size_t)(nul - s) + 1);
				return -1;
			}
			s[n] = '\0';
			*line = s;
			*len = n;
			return 1;
		}
		if (t->eof_out)
			return 0;
		/* Both searches resume where they stopped (before a trailing CR). */
		scanned = have && s[have - 1] == '\r' ? have - 1 : have;
		if (have > TEXTIN_MAX_LINE) {
			fail_line(t, t->lineno + 1,
				  "expected a line of at most %d bytes",
				  TEXTIN_MAX_LINE);
			return -1;
		}
		/* Slide the partial line to the front, then refill behind it. */
		if (t->start) {
			memmove(t->win, s, have);
			t->start = 0;
			t->end = have;
		}
		k = produce(t, WIN_SIZE);
		if (k < 0)
			return -1;
		t->end += (size_t)k;
	}
}

long textin_read(struct textin *t, void *buf, size_t n)
{
	size_t have;
	long k;

	if (t->failed)
		return -1;
	if (t->start == t->end) {
		t->start = t->end = 0;
		k = produce(t, WIN_SIZE);
		if (k < 0)
			return -1;
		t->end = (size_t)k;
	}
	have = t->end - t->start;
	if (n > have)
		n = have;
	memcpy(buf, t->win + t->start, n);
	t->start += n;
	return (long)n;
}

size_t textin_peek(struct textin *t, const char **p, size_t n)
{
	while (!t->failed && !t->eof_out && t->end - t->start < n) {
		long k;

		if (t->start) {
			memmove(t->win, t->win + t->start, t->end - t->start);
			t->end -= t->start;
			t->start = 0;
		}
		k = produce(t, WIN_SIZE);
		if (k <= 0)
			break;
		t->end += (size_t)k;
	}
	*p = t->win + t->start;
	return t->end - t->start < n ? t->end - t->start : n;
}

bool textin_unterminated(const struct textin *t)
{
	return t->unterminated;
}

uint64_t textin_lineno(const struct textin *t)
{
	return t->lineno;
}

const char *textin_error(const struct textin *t)
{
	return t->err;
}

const char *textin_kind(const struct textin *t)
{
	static const char *const names[] = { "plain", "xz", "gzip" };

	return names[t->kind];
}

const char *textin_path(const struct textin *t)
{
	return t->path;
}
