/*
 * Format detection and the one entry point the CLI and the simulator use.
 */
#include "traces/import.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/xalloc.h"
#include "traces/import_perf.h"
#include "traces/import_strace.h"
#include "traces/textin.h"
#include "traces/import_perf.h"
#include "traces/import_strace.h"
#include "lib/outfile.h"
#include "traces/textin.h"

enum fmt { F_UNKNOWN, F_BINARY, F_MLT, F_PERF, F_STRACE };

void import_opts_default(struct import_opts *o)
{
	o->strace_synth_faults = 1;
	o->strace_synth_max_pages = 4096;
}

/*
 * Decide from the first bytes (MLT1) or the first event-looking line
 * (blank and '#' lines are skipped).  SAMPLE gets that line for messages,
 * with anything unprintable shown as '?' (a terminal must not receive
 * escape sequences or line breaks from a hostile file); *LINENO gets its
 * line number, or 0 when no event line came (*SCANNED bytes looked at).
 */
static enum fmt detect(struct textin *t, char *sample, size_t samplelen,
		       unsigned long *lineno, size_t *scanned)
{
	const char *p, *nul;
	size_t n = textin_peek(t, &p, 64 * 1024), i = 0, j;
	char line[1024];

	sample[0] = '\0';
	*lineno = 0;
	*scanned = n;
	if (n >= 4 && !memcmp(p, MLT_MAGIC, 4))
		return F_MLT;
	/* Reject binary junk early: text traces are printable. */
	nul = memchr(p, '\0', n);
	if (nul) {
		*scanned = (size_t)(nul - p);
		return F_BINARY;
	}
	while (i < n) {
		size_t e = i, k;

		/* Line ends as textin_getline() takes them: LF, CRLF, CR. */
		while (e < n && p[e] != '\n' && p[e] != '\r')
			e++;
		k = e - i < sizeof(line) - 1 ? e - i : sizeof(line) - 1;
		memcpy(line, p + i, k);
		line[k] = '\0';
		i = e + 1 + (e + 1 < n && p[e] == '\r' && p[e + 1] == '\n');
		++*lineno;
		if (!line[strspn(line, " \t")] || line[strspn(line, " \t")] == '#')
			continue;
		snprintf(sample, samplelen, "%.80s", line);
		for (j = 0; j < k && sample[j]; j++)
			if ((unsigned char)sample[j] < 0x20 ||
			    (unsigned char)sample[j] >= 0x7f)
				sample[j] = '?';
		if (perf_line_is_event(line))
			return F_PERF;
		if (strace_line_looks(line))
			return F_STRACE;
		return F_UNKNOWN;
	}
	*lineno = 0;
	return F_UNKNOWN;
}

static int unknown(const char *path, enum fmt f, const char *sample,
		   unsigned long lineno, size_t scanned, char *err, size_t errlen)
{
	if (f == F_BINARY)
		snprintf(err, errlen,
			 "%s: byte %zu: unknown trace format: expected .mlt, perf script text or strace -f -ttt text, found a NUL byte (binary data)",
			 path, scanned);
	else if (lineno)
		snprintf(err, errlen,
			 "%s:%lu: unknown trace format: expected .mlt, perf script text or strace -f -ttt text, first event line is '%s'",
			 path, lineno, sample);
	else
		snprintf(err, errlen,
			 "%s: byte %zu: unknown trace format: expected .mlt, perf script text or strace -f -ttt text, found no event line%s",
			 path, scanned, scanned ? "" : " (empty file)");
	return -1;
}

static int run_import(struct textin *t, enum fmt f, const char *out_path,
		      const struct import_opts *opts,
		      struct import_summary *sum, char *err, size_t errlen)
{
	struct import_summary local;
	struct strace_opts so;

	if (!sum)
		sum = &local;
	memset(sum, 0, sizeof(*sum));
	if (f == F_PERF)
		return import_perf(t, out_path, sum, err, errlen);
	so.synth_faults = opts->strace_synth_faults;
	so.synth_max_pages = opts->strace_synth_max_pages;
	return import_strace(t, out_path, &so, sum, err, errlen);
}

int trace_import_opts(const char *in_path, const char *out_path,
		      const struct import_opts *opts,
		      struct import_summary *sum, char *err, size_t errlen)
{
	struct textin *t;
	unsigned long lineno;
	char sample[128];
	size_t scanned;
	enum fmt f;
	int rc;

	/* Renaming the output into place would replace the input. */
	if (outfile_not_input(out_path, in_path, err, errlen) < 0)
		return -1;
	t = textin_open(in_path, err, errlen);
	if (!t)
		return -1;
	f = detect(t, sample, sizeof(sample), &lineno, &scanned);
	if (f == F_MLT) {
		snprintf(err, errlen, "%s: byte 0: expected perf or strace text to import, found a .mlt trace (use it as it is)",
			 in_path);
		rc = -1;
	} else if (f == F_UNKNOWN || f == F_BINARY) {
		rc = textin_error(t)[0] ?
			(snprintf(err, errlen, "%s", textin_error(t)), -1) :
			unknown(in_path, f, sample, lineno, scanned, err, errlen);
	} else {
		rc = run_import(t, f, out_path, opts, sum, err, errlen);
	}
	textin_close(t);
	return rc;
}

int trace_import(const char *in_path, const char *out_path,
		 struct import_summary *sum, char *err, size_t errlen)
{
	struct import_opts o;

	import_opts_default(&o);
	return trace_import_opts(in_path, out_path, &o, sum, err, errlen);
}

/* A scratch path in $TMPDIR for a temporary .mlt. */
static char *scratch_path(void)
{
	const char *dir = getenv("TMPDIR");
	char *p;
	int fd;

	if (!dir || !*dir)
		dir = "/tmp";
	if (asprintf(&p, "%s/mmlocksim-XXXXXX", dir) < 0)
		fatal("out of memory");

	fd = mkstemp(p);
	if (fd < 0) {
		free(p);
		return NULL;
	}
	close(fd);
	return p;
}

/* Decompress a compressed .mlt to PATH. */
static int copy_out(struct textin *t, const char *path, char *err,
		    size_t errlen)
{
	FILE *f = fopen(path, "wb");
	char buf[65536];
	long k;

	if (!f) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	while ((k = textin_read(t, buf, sizeof(buf))) > 0)
		if (fwrite(buf, 1, (size_t)k, f) != (size_t)k)
			break;
	if (k != 0) {
		fclose(f);
		snprintf(err, errlen, "%s", k < 0 ? textin_error(t) :
			 "write to a temporary file failed");
		return -1;
	}
	if (fclose(f) != 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	return 0;
}

/* Replace the scratch name TMP by PATH in F (or, if F is NULL, in ERR). */
static void rename_in_messages(struct mlt_file *f, const char *tmp,
			       const char *path, char *err, size_t errlen)
{
	size_t n = strlen(tmp);
	char *copy;

	if (f) {
		copy = xstrdup(path);
		free(f->path);
		f->path = copy;
	} else
 if (!strncmp(err, tmp, n)) {
		copy = xstrdup(err + n);
		snprintf(err, errlen, "%s%s", path, copy);
		free(copy);
	}

}

struct mlt_file *trace_open_any(const char *path, const struct import_opts *opts,
				struct import_summary *sum,
				char *err, size_t errlen)
{
	struct import_opts def;
	struct textin *t;
	struct mlt_file *f = NULL;
	char sample[128], *tmp;
	unsigned long lineno;
	size_t scanned;
	enum fmt fm;
	int rc;

	if (!opts) {
		import_opts_default(&def);
		opts = &def;
	}
	t = textin_open(path, err, errlen);
	if (!t)
		return NULL;
	fm = detect(t, sample, sizeof(sample), &lineno, &scanned);
	if (fm == F_MLT && !strcmp(textin_kind(t), "plain")) {
		textin_close(t);
		return mlt_open(path, err, errlen);
	}
	if (fm == F_UNKNOWN || fm == F_BINARY) {
		if (textin_error(t)[0])
			snprintf(err, errlen, "%s", textin_error(t));
		else
			unknown(path, fm, sample, lineno, scanned, err, errlen);
		textin_close(t);
		return NULL;
	}
	tmp = scratch_path();
	if (!tmp) {
		snprintf(err, errlen, "%s: cannot create a temporary file: %s",
			 path, strerror(errno));
		textin_close(t);
		return NULL;
	}
	if (fm == F_MLT)
		rc = copy_out(t, tmp, err, errlen);
	else
		rc = run_import(t, fm, tmp, opts, sum, err, errlen);
	textin_close(t);
	if (rc == 0)
		f = mlt_open(tmp, err, errlen);
	/*
	 * Messages must name the user's file, not a temporary that is gone
	 * by the time they are read (offsets are then of the decompressed
	 * data, which is what the format describes).
	 */
	if (rc == 0)
		rename_in_messages(f, tmp, path, err, errlen);
	/* The mapping (if any) keeps the data; the name can go now. */
	unlink(tmp);
	free(tmp);
	return f;
}
