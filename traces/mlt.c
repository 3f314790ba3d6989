/*
 * .mlt writer and mmap'd reader.  See mlt.h for the layout.
 */
#include "traces/mlt.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/xalloc.h"
#include "lib/outfile.h"

#define HDR_FIXED	24
#define WBUF_RECORDS	8192	/* 384 KiB of records per write() */

static const char *const op_names[MLT_NR_OPS] = {
	[MLT_FAULT] = "fault",		[MLT_MMAP] = "mmap",
	[MLT_MUNMAP] = "munmap",	[MLT_MPROTECT] = "mprotect",
	[MLT_BRK] = "brk",		[MLT_MADVISE] = "madvise",
	[MLT_MREMAP] = "mremap",	[MLT_FORK] = "fork",
	[MLT_EXIT] = "exit",		[MLT_BARRIER] = "barrier",
	[MLT_LOOKUP] = "lookup",
};

const char *mlt_op_name(unsigned op)
{
	return op < MLT_NR_OPS ? op_names[op] : "?";
}

void mlt_encode(unsigned char *p, const struct mlt_record *r)
{
	mlt_put64(p, r->time_ns);
	mlt_put64(p + 8, r->addr);
	mlt_put64(p + 16, r->len);
	mlt_put64(p + 24, r->arg0);
	mlt_put64(p + 32, r->arg1);
	mlt_put32(p + 40, r->task);
	mlt_put16(p + 44, r->mm);
	p[46] = r->op;
	p[47] = r->flags;
}

static void seterr(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void seterr(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (!err || !errlen)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

/* ---- Writer ---- */

struct mlt_writer {
	char *path;		/* final destination, as given (for messages) */
	struct outfile out;	/* where it is renamed to, or a stream */
	int outfd;		/* written in place (mlt_writer_open_fd()), or -1 */
	int recfd;		/* unlinked scratch file holding the records */
	uint64_t count;
	uint64_t last_time;
	uint32_t max_task;
	uint32_t max_mm;
	int failed;		/* sticky: a write or order error happened */
	char failmsg[256];
	size_t nbuf;
	unsigned char buf[WBUF_RECORDS * MLT_RECORD_SIZE];
};

/*
 * A temporary file in the destination's directory (so rename() is atomic),
 * named after it with a leading dot so that ls hides it while it exists.
 */
static int make_temp(const char *path, const char *tag, char **tmp_out)
{
	const char *slash = strrchr(path, '/');
	size_t dirlen = slash ? (size_t)(slash - path + 1) : 0;
	const char *base = path + dirlen;
	size_t n = strlen(path) + strlen(tag) + 16;
	char *tmp = xmalloc(n);
	int fd;

	snprintf(tmp, n, "%.*s.%s.%sXXXXXX", (int)dirlen, path, base, tag);
	fd = mkstemp(tmp);
	if (fd < 0) {
		free(tmp);
		return -1;
	}
	*tmp_out = tmp;
	return fd;
}

/*
 * The record scratch file of w: in the destination's directory, or in
 * $TMPDIR for a stream output (/dev/null, a pipe: the stream's directory,
 * /dev, is no place for files).  A file without a name (O_TMPFILE) where
 * the file system has them, else one unlinked the moment it exists: a
 * process killed at any point leaves none behind, where a name, even one
 * unlinked at once, is left by a kill that lands in between.
 */
static int make_scratch(const struct mlt_writer *w)
{
	const char *env = getenv("TMPDIR"), *dest = w->out.dest;
	const char *slash = w->out.stream ? NULL : strrchr(dest, '/');
	char *dir, *base, *tmp = NULL;
	int fd;

	if (w->out.stream)
		dir = xstrdup(env && *env ? env : "/tmp");
	else if (!slash)
		dir = xstrdup(".");
	else if (asprintf(&dir, "%.*s", slash == dest ? 1 : (int)(slash - dest), dest) < 0)
		fatal("out of memory");
	fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	if (fd < 0) {
		if (asprintf(&base, "%s/%s", dir, w->out.stream ? "mmlocksim" : slash ? slash + 1 : dest) < 0)
			fatal("out of memory");
		fd = make_temp(base, "rec", &tmp);
		free(base);
		if (fd >= 0)
			unlink(tmp);
		free(tmp);
	}
	free(dir);
	return fd;
}

static struct mlt_writer *writer_scratch(struct mlt_writer *w, const char *name,
					 char *err, size_t errlen)
{
	w->recfd = make_scratch(w);
	if (w->recfd < 0) {
		seterr(err, errlen, "%s: cannot create a temporary file: %s",
		       name, strerror(errno));
		if (w->outfd >= 0)
			close(w->outfd);
		outfile_free(&w->out);
		free(w->path);
		free(w);
		return NULL;
	}
	return w;
}

struct mlt_writer *mlt_writer_open(const char *path, char *err, size_t errlen)
{
	struct mlt_writer *w = xzalloc(sizeof(*w));

	w->path = xstrdup(path);
	w->recfd = w->outfd = -1;
	if (outfile_check(path, &w->out, err, errlen) < 0) {
		free(w->path);
		free(w);
		return NULL;
	}
	return writer_scratch(w, path, err, errlen);
}

struct mlt_writer *mlt_writer_open_fd(int fd, const char *name, char *err, size_t errlen)
{
	struct mlt_writer *w = xzalloc(sizeof(*w));

	w->path = xstrdup(name);
	w->recfd = -1;
	w->out.stream = true;
	w->outfd = fcntl(fd, F_DUPFD_CLOEXEC, 0);
	if (w->outfd < 0) {
		seterr(err, errlen, "%s: %s", name, strerror(errno));
		free(w->path);
		free(w);
		return NULL;
	}
	return writer_scratch(w, name, err, errlen);
}

static int write_all(int fd, const void *buf, size_t n)
{
	const char *p = buf;

	while (n) {
		ssize_t k = write(fd, p, n);

		if (k < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += k;
		n -= (size_t)k;
	}
	return 0;
}

static int flush_buf(struct mlt_writer *w)
{
	if (w->nbuf && !w->failed &&
	    write_all(w->recfd, w->buf, w->nbuf * MLT_RECORD_SIZE) < 0) {
		w->failed = 1;
		snprintf(w->failmsg, sizeof(w->failmsg), "%s: write: %s",
			 w->path, strerror(errno));
	}
	w->nbuf = 0;
	return w->failed ? -1 : 0;
}

int mlt_writer_add(struct mlt_writer *w, const struct mlt_record *r)
{
	if (w->failed)
		return -1;
	if (r->time_ns < w->last_time || r->op >= MLT_NR_OPS ||
	    (r->flags & ~MLT_F_ALL)) {
		w->failed = 1;
		snprintf(w->failmsg, sizeof(w->failmsg),
			 "%s: record %llu: time %llu before %llu or bad op %u/flags %#x",
			 w->path, (unsigned long long)w->count,
			 (unsigned long long)r->time_ns,
			 (unsigned long long)w->last_time, r->op, r->flags);
		return -1;
	}
	w->last_time = r->time_ns;
	if (r->task > w->max_task)
		w->max_task = r->task;
	if (r->mm > w->max_mm)
		w->max_mm = r->mm;
	mlt_encode(w->buf + w->nbuf * MLT_RECORD_SIZE, r);
	w->count++;
	if (++w->nbuf == WBUF_RECORDS)
		return flush_buf(w);
	return 0;
}

const char *mlt_writer_error(const struct mlt_writer *w)
{
	return w->failmsg;
}

static void writer_free(struct mlt_writer *w)
{
	if (w->recfd >= 0)
		close(w->recfd);
	if (w->outfd >= 0)
		close(w->outfd);
	outfile_free(&w->out);
	free(w->path);
	free(w);
}

void mlt_writer_abort(struct mlt_writer *w)
{
	if (w)
		writer_free(w);
}

/* Copy LEN bytes of the record scratch file to OUT (kernel-side if it can). */
static int copy_records(int in, int out, uint64_t len)
{
	static char buf[1 << 16];
	off_t off = 0;

	while (len) {
		ssize_t k = copy_file_range(in, &off, out, NULL, len, 0);

		if (k > 0) {
			len -= (uint64_t)k;
			continue;
		}
		if (k < 0 && errno == EINTR)
			continue;
		if (k == 0 || errno == EXDEV || errno == ENOSYS ||
		    errno == EINVAL || errno == EOPNOTSUPP)
			break;		/* fall back to read/write */
		return -1;
	}
	while (len) {
		size_t want = len < sizeof(buf) ? (size_t)len : sizeof(buf);
		ssize_t k = pread(in, buf, want, off);

		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			return -1;
		if (write_all(out, buf, (size_t)k) < 0)
			return -1;
		off += k;
		len -= (uint64_t)k;
	}
	return 0;
}

int mlt_writer_close(struct mlt_writer *w,
		     const struct mlt_thread *threads, uint32_t nthreads,
		     const uint64_t *mm_ids, uint32_t nmms,
		     const char *source, char *err, size_t errlen)
{
	size_t srclen = source ? strlen(source) : 0;
	size_t hdrlen, off = 0;
	unsigned char *hdr = NULL;
	char *tmp = NULL;
	int fd = -1, ret = -1;
	uint32_t i;

	if (flush_buf(w) < 0) {
		seterr(err, errlen, "%s", w->failmsg);
		goto out;
	}
	if (w->count && (w->max_task >= nthreads || w->max_mm >= nmms)) {
		seterr(err, errlen,
		       "%s: records name task %u / mm %u but the tables have %u threads / %u mms",
		       w->path, w->max_task, w->max_mm, nthreads, nmms);
		goto out;
	}
	if (nmms > MLT_MAX_MMS || srclen > UINT32_MAX) {
		seterr(err, errlen, "%s: %u mms (max %u) or source too long",
		       w->path, nmms, MLT_MAX_MMS);
		goto out;
	}
	for (i = 0; i < nthreads; i++) {
		if (threads[i].mm >= nmms) {
			seterr(err, errlen, "%s: thread %u names mm %u of %u",
			       w->path, i, threads[i].mm, nmms);
			goto out;
		}
	}
	hdrlen = HDR_FIXED + (size_t)nthreads * MLT_THREAD_SIZE +
		 (size_t)nmms * 8 + 4 + srclen;
	hdrlen = (hdrlen + 7) & ~(size_t)7;
	hdr = xzalloc(hdrlen);
	memcpy(hdr, MLT_MAGIC, 4);
	mlt_put32(hdr + 4, MLT_VERSION);
	mlt_put64(hdr + 8, w->count);
	mlt_put32(hdr + 16, nthreads);
	mlt_put32(hdr + 20, nmms);
	off = HDR_FIXED;
	for (i = 0; i < nthreads; i++, off += MLT_THREAD_SIZE) {
		mlt_put32(hdr + off, threads[i].tid);
		mlt_put32(hdr + off + 4, threads[i].mm);
		memcpy(hdr + off + 8, threads[i].comm, MLT_COMM_LEN);
	}
	for (i = 0; i < nmms; i++, off += 8)
		mlt_put64(hdr + off, mm_ids[i]);
	mlt_put32(hdr + off, (uint32_t)srclen);
	if (srclen)
		memcpy(hdr + off + 4, source, srclen);

	if (w->outfd >= 0) {
		fd = w->outfd;
		w->outfd = -1;
	} else if (w->out.stream) {
		fd = open(w->path, O_WRONLY | O_CLOEXEC);
	} else {
		fd = make_temp(w->out.dest, "", &tmp);
	}
	if (fd < 0) {
		seterr(err, errlen, w->out.stream ? "%s: cannot open: %s" :
		       "%s: cannot create a temporary file: %s", w->path, strerror(errno));
		goto out;
	}
	if (write_all(fd, hdr, hdrlen) < 0 ||
	    copy_records(w->recfd, fd, w->count * MLT_RECORD_SIZE) < 0 ||
	    (!w->out.stream && fchmod(fd, 0644) < 0)) {
		seterr(err, errlen, "%s: write: %s", w->path, strerror(errno));
		goto out;
	}
	if (close(fd) < 0) {
		fd = -1;
		seterr(err, errlen, "%s: close: %s", w->path, strerror(errno));
		goto out;
	}
	fd = -1;
	/* A stream is written in place: there is nothing to rename. */
	if (tmp && rename(tmp, w->out.dest) < 0) {
		seterr(err, errlen, "%s: rename: %s", w->path, strerror(errno));
		goto out;
	}
	ret = 0;
out:
	if (fd >= 0)
		close(fd);
	if (ret && tmp)
		unlink(tmp);
	free(tmp);
	free(hdr);
	writer_free(w);
	return ret;
}

/* ---- Reader ---- */

void mlt_close(struct mlt_file *f)
{
	if (!f)
		return;
	if (f->map)
		munmap(f->map, f->map_len);
	free(f->threads);
	free(f->mm_ids);
	free(f->source);
	free(f->path);
	free(f);
}

struct mlt_file *mlt_open(const char *path, char *err, size_t errlen)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct mlt_file *f;

	if (fd < 0) {
		seterr(err, errlen, "%s: %s", path, strerror(errno));
		return NULL;
	}
	f = mlt_open_fd(fd, path, err, errlen);
	close(fd);
	return f;
}

struct mlt_file *mlt_open_fd(int fd, const char *path, char *err, size_t errlen)
{
	struct mlt_file *f = xzalloc(sizeof(*f));
	const unsigned char *p;
	struct stat st;
	uint64_t need, off, srclen;
	uint32_t i;

	f->path = xstrdup(path);
	if (fstat(fd, &st) < 0) {
		seterr(err, errlen, "%s: %s", path, strerror(errno));
		goto fail;
	}
	if (st.st_size < HDR_FIXED) {
		seterr(err, errlen,
		       "%s: byte 0: expected a %d-byte .mlt header, file has %lld bytes",
		       path, HDR_FIXED, (long long)st.st_size);
		goto fail;
	}
	f->map_len = (size_t)st.st_size;
	f->map = mmap(NULL, f->map_len, PROT_READ, MAP_PRIVATE, fd, 0);
	if (f->map == MAP_FAILED) {
		f->map = NULL;
		seterr(err, errlen, "%s: mmap: %s", path, strerror(errno));
		goto fail;
	}
	/* Replay walks the records front to back. */
	madvise(f->map, f->map_len, MADV_SEQUENTIAL);
	p = f->map;
	if (memcmp(p, MLT_MAGIC, 4)) {
		seterr(err, errlen, "%s: byte 0: expected magic \"MLT1\", found %02x %02x %02x %02x",
		       path, p[0], p[1], p[2], p[3]);
		goto fail;
	}
	f->version = mlt_le32(p + 4);
	if (f->version < MLT_VERSION_MIN || f->version > MLT_VERSION) {
		seterr(err, errlen, "%s: byte 4: expected version %d to %d, found %u",
		       path, MLT_VERSION_MIN, MLT_VERSION, f->version);
		goto fail;
	}
	/* Version 1 had the ops before MLT_BARRIER; 2 added it and MLT_LOOKUP. */
	f->nr_ops = f->version < 2 ? MLT_BARRIER : MLT_NR_OPS;
	f->nrecords = mlt_le64(p + 8);
	f->nthreads = mlt_le32(p + 16);
	f->nmms = mlt_le32(p + 20);
	if (f->nmms > MLT_MAX_MMS) {
		seterr(err, errlen, "%s: byte 20: expected at most %d mms, found %u",
		       path, MLT_MAX_MMS, f->nmms);
		goto fail;
	}
	/* 64-bit arithmetic: u32 counts cannot overflow it. */
	off = HDR_FIXED + (uint64_t)f->nthreads * MLT_THREAD_SIZE +
	      (uint64_t)f->nmms * 8;
	if (off + 4 > f->map_len) {
		seterr(err, errlen,
		       "%s: byte %zu: expected %u threads and %u mms in the header, file ends first",
		       path, f->map_len, f->nthreads, f->nmms);
		goto fail;
	}
	srclen = mlt_le32(p + off);
	need = off + 4 + srclen;
	need = (need + 7) & ~(uint64_t)7;
	if (need > f->map_len) {
		seterr(err, errlen,
		       "%s: byte %llu: expected a %llu-byte source description, file ends first",
		       path, (unsigned long long)off, (unsigned long long)srclen);
		goto fail;
	}
	if (f->nrecords > (f->map_len - need) / MLT_RECORD_SIZE ||
	    need + f->nrecords * MLT_RECORD_SIZE != f->map_len) {
		uint64_t have = (f->map_len - need) / MLT_RECORD_SIZE;

		/* The count is checked against the file before any product
		 * is formed, so a hostile count cannot wrap the figures. */
		seterr(err, errlen,
		       "%s: byte %llu: expected %llu records of %d bytes from byte %llu (the header's count, at byte 8), the file's %llu bytes have room for %llu (%s at record %llu)",
		       path, (unsigned long long)(have < f->nrecords ? f->map_len :
						  need + f->nrecords * MLT_RECORD_SIZE),
		       (unsigned long long)f->nrecords,
		       MLT_RECORD_SIZE, (unsigned long long)need, (unsigned long long)f->map_len,
		       (unsigned long long)have,
		       have < f->nrecords ? "truncated" : "trailing data",
		       (unsigned long long)(have < f->nrecords ? have : f->nrecords));
		goto fail;
	}
	f->threads = xcalloc(f->nthreads, sizeof(*f->threads));
	f->mm_ids = xcalloc(f->nmms, sizeof(*f->mm_ids));
	f->source = xmalloc(srclen + 1);
	off = HDR_FIXED;
	for (i = 0; i < f->nthreads; i++, off += MLT_THREAD_SIZE) {
		f->threads[i].tid = mlt_le32(p + off);
		f->threads[i].mm = mlt_le32(p + off + 4);
		memcpy(f->threads[i].comm, p + off + 8, MLT_COMM_LEN);
		if (f->threads[i].mm >= f->nmms) {
			seterr(err, errlen,
			       "%s: byte %llu: thread %u: expected an mm index below %u, found %u",
			       path, (unsigned long long)off + 4, i, f->nmms,
			       f->threads[i].mm);
			goto fail;
		}
	}
	for (i = 0; i < f->nmms; i++, off += 8)
		f->mm_ids[i] = mlt_le64(p + off);
	memcpy(f->source, p + off + 4, srclen);
	f->source[srclen] = '\0';
	f->raw = p + need;
	return f;
fail:
	mlt_close(f);
	return NULL;
}

int mlt_bad_record(struct mlt_file *f, const struct mlt_record *r)
{
	const char *what;
	char buf[96];

	if (r->op >= f->nr_ops) {
		snprintf(buf, sizeof(buf), "an op below %u (version %u), found %u",
			 f->nr_ops, f->version, r->op);
	} else if (r->op == MLT_BARRIER && (!r->arg1 || r->arg1 > f->nthreads)) {
		snprintf(buf, sizeof(buf), "a barrier of 1 to %u tasks, found %llu",
			 f->nthreads, (unsigned long long)r->arg1);
	} else if (r->task >= f->nthreads) {
		snprintf(buf, sizeof(buf), "a task below %u, found %u",
			 f->nthreads, r->task);
	} else if (r->mm >= f->nmms) {
		snprintf(buf, sizeof(buf), "an mm below %u, found %u",
			 f->nmms, r->mm);
	} else if (r->flags & ~MLT_F_ALL) {
		snprintf(buf, sizeof(buf), "flags within %#x, found %#x",
			 MLT_F_ALL, r->flags);
	} else {
		snprintf(buf, sizeof(buf), "time >= %llu ns, found %llu",
			 (unsigned long long)f->last_time,
			 (unsigned long long)r->time_ns);
	}
	what = buf;
	snprintf(f->err, sizeof(f->err), "%s: record %llu (byte %llu): expected %s",
		 f->path, (unsigned long long)f->next,
		 (unsigned long long)((const unsigned char *)f->raw -
				      (const unsigned char *)f->map +
				      f->next * MLT_RECORD_SIZE), what);
	return -1;
}
