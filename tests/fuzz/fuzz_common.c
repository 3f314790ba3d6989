/*
 * Shared helpers of the fuzz targets; see fuzz_common.h.
 */
#include "tests/fuzz/fuzz_common.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "traces/import.h"
#include "traces/mlt.h"
#include "traces/textin.h"

static char dir[256];

void fuzz_fail(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "fuzz invariant broken: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	abort();
}

/* A finished run leaves no scratch directory (a crash does, to look at). */
static void cleanup(void)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char p[600];

	if (!d)
		return;
	while ((e = readdir(d))) {
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) {
			snprintf(p, sizeof(p), "%s/%s", dir, e->d_name);
			unlink(p);
		}
	}
	closedir(d);
	rmdir(dir);
}

/*
 * One directory per process, made on first use.  $TMPDIR points at it too,
 * so the scratch files trace_open_any() makes are checked for leftovers
 * like everything else.
 */
static const char *scratch(void)
{
	const char *base;

	if (dir[0])
		return dir;
	base = getenv("TMPDIR");
	snprintf(dir, sizeof(dir), "%s/mmlocksim-fuzz-XXXXXX",
		 base && *base ? base : "/tmp");
	if (!mkdtemp(dir))
		fuzz_fail("mkdtemp %s", dir);
	setenv("TMPDIR", dir, 1);
	atexit(cleanup);
	return dir;
}

const char *fuzz_path(const char *name)
{
	static char buf[4][512];
	static unsigned k;
	char *p = buf[k++ & 3];

	snprintf(p, sizeof(buf[0]), "%s/%s", scratch(), name);
	return p;
}

const char *fuzz_write(const char *name, const uint8_t *data, size_t size)
{
	const char *path = fuzz_path(name);
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	size_t off = 0;

	if (fd < 0)
		fuzz_fail("cannot create %s", path);
	while (off < size) {
		ssize_t k = write(fd, data + off, size - off);

		if (k <= 0)
			fuzz_fail("cannot write %s", path);
		off += (size_t)k;
	}
	close(fd);
	return path;
}

void fuzz_check_err(const char *err, const char *path)
{
	size_t n = strlen(path);

	if (!err[0])
		fuzz_fail("error without a message");
	if (strchr(err, '\n'))
		fuzz_fail("error message spans lines: '%s'", err);
	if (strncmp(err, path, n) || err[n] != ':')
		fuzz_fail("error message does not start with '%s:': '%s'",
			  path, err);
	if (!err[n + 1] || !err[n + 2])
		fuzz_fail("error message says nothing: '%s'", err);
}

void fuzz_check_dir(const char *const *keep)
{
	DIR *d = opendir(scratch());
	struct dirent *e;
	size_t want = 0, found = 0, i;

	if (!d)
		fuzz_fail("opendir %s", dir);
	for (i = 0; keep[i]; i++)
		want++;
	while ((e = readdir(d))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		for (i = 0; keep[i]; i++)
			if (!strcmp(e->d_name, keep[i]))
				break;
		if (!keep[i]) {
			closedir(d);
			fuzz_fail("file left behind in %s: %s", dir, e->d_name);
		}
		found++;
	}
	closedir(d);
	if (found != want)
		fuzz_fail("expected %zu files in %s, found %zu", want, dir, found);
}

void fuzz_check_import(const char *in, const char *out, int rc,
		       const struct import_summary *sum, const char *err)
{
	const char *in_name = strrchr(in, '/') + 1;
	const char *keep_in[] = { in_name, NULL };
	uint64_t ops[MLT_NR_OPS] = { 0 }, n = 0, sumops = 0;
	struct mlt_record r;
	struct mlt_file *f;
	char oerr[512];
	unsigned i;
	int k;

	if (rc) {
		fuzz_check_err(err, in);
		fuzz_check_dir(keep_in);
		return;
	}
	f = mlt_open(out, oerr, sizeof(oerr));
	if (!f)
		fuzz_fail("import succeeded but the output does not open: %s", oerr);
	while ((k = mlt_next(f, &r)) > 0) {
		ops[r.op]++;
		n++;
	}
	if (k < 0)
		fuzz_fail("import succeeded but a record is invalid: %s", f->err);
	if (n != f->nrecords || n != sum->records)
		fuzz_fail("records: walked %llu, header %llu, summary %llu",
			  (unsigned long long)n,
			  (unsigned long long)f->nrecords,
			  (unsigned long long)sum->records);
	for (i = 0; i < MLT_NR_OPS; i++) {
		if (ops[i] != sum->ops[i])
			fuzz_fail("%s records: file %llu, summary %llu",
				  mlt_op_name(i), (unsigned long long)ops[i],
				  (unsigned long long)sum->ops[i]);
		sumops += sum->ops[i];
	}
	if (sumops != sum->records)
		fuzz_fail("summary ops add up to %llu, records %llu",
			  (unsigned long long)sumops,
			  (unsigned long long)sum->records);
	if (f->nthreads != sum->tasks || f->nmms != sum->mms)
		fuzz_fail("tables: file %u threads %u mms, summary %llu/%llu",
			  f->nthreads, f->nmms, (unsigned long long)sum->tasks,
			  (unsigned long long)sum->mms);
	if (sum->event_lines != sum->imported_lines + sum->skipped_lines)
		fuzz_fail("event lines %llu != imported %llu + skipped %llu",
			  (unsigned long long)sum->event_lines,
			  (unsigned long long)sum->imported_lines,
			  (unsigned long long)sum->skipped_lines);
	if (sum->lines != sum->event_lines + sum->other_lines)
		fuzz_fail("lines %llu != events %llu + other %llu",
			  (unsigned long long)sum->lines,
			  (unsigned long long)sum->event_lines,
			  (unsigned long long)sum->other_lines);
	if (n && f->last_time != sum->duration_ns)
		fuzz_fail("duration: last record at %llu, summary %llu",
			  (unsigned long long)f->last_time,
			  (unsigned long long)sum->duration_ns);
	mlt_close(f);
	{
		const char *keep[] = { in_name, strrchr(out, '/') + 1, NULL };

		fuzz_check_dir(keep);
	}
	unlink(out);
}

void fuzz_import_text(const uint8_t *data, size_t size, fuzz_text_importer import)
{
	const char *in = fuzz_write("in.txt", data, size);
	const char *out = fuzz_path("out.mlt");
	const char *keep[] = { "in.txt", NULL };
	struct import_summary sum;
	struct textin *t;
	char err[512] = "";
	int rc;

	t = textin_open(in, err, sizeof(err));
	if (!t) {
		fuzz_check_err(err, in);
		fuzz_check_dir(keep);
		return;
	}
	memset(&sum, 0, sizeof(sum));
	rc = import(t, out, &sum, err, sizeof(err));
	textin_close(t);
	fuzz_check_import(in, out, rc, &sum, err);

	err[0] = '\0';
	rc = trace_import(in, out, &sum, err, sizeof(err));
	fuzz_check_import(in, out, rc, &sum, err);
}
