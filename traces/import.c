/*
 * Format detection and the one entry point the CLI and the simulator use.
 */
#include "import.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "import_perf.h"
#include "import_strace.h"
#include "textin.h"

enum fmt { F_UNKNOWN, F_MLT, F_PERF, F_STRACE };

void import_opts_default(struct import_opts *o)
{
	o->strace_synth_faults = 1;
	o->strace_synth_max_pages = 4096;
}

/*
 * Decide from the first bytes (MLT1) or the first event-looking line
 * (blank and '#' lines are skipped).  SAMPLE gets that line for messages.
 */
static enum fmt detect(struct textin *t, char *sample, size_t samplelen)
{
	const char *p;
	size_t n = textin_peek(t, &p, 64 * 1024), i = 0;
	char line[1024];

	sample[0] = '\0';
	if (n >= 4 && !memcmp(p, MLT_MAGIC, 4))
		return F_MLT;
	while (i < n) {
		size_t e = i, k;

		while (e < n && p[e] != '\n')
			e++;
		k = e - i < sizeof(line) - 1 ? e - i : sizeof(line) - 1;
		memcpy(line, p + i, k);
		line[k] = '\0';
		if (k && line[k - 1] == '\r')
			line[--k] = '\0';
		i = e + 1;
		if (!line[strspn(line, " \t")] || line[strspn(line, " \t")] == '#')
			continue;
		snprintf(sample, samplelen, "%.80s", line);
		/* Reject binary junk early: text traces are printable. */
		if (memchr(p, '\0', n))
			return F_UNKNOWN;
		if (perf_line_is_event(line))
			return F_PERF;
		if (strace_line_looks(line))
			return F_STRACE;
		return F_UNKNOWN;
	}
	return F_UNKNOWN;
}

static int unknown(const char *path, const char *sample, char *err,
		   size_t errlen)
{
	if (sample[0])
		snprintf(err, errlen,
			 "%s: unknown trace format: expected .mlt, perf script text or strace -f -ttt text, first line is '%s'",
			 path, sample);
	else
		snprintf(err, errlen,
			 "%s: unknown trace format: expected .mlt, perf script text or strace -f -ttt text, found no event line",
			 path);
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
	struct textin *t = textin_open(in_path, err, errlen);
	char sample[128];
	enum fmt f;
	int rc;

	if (!t)
		return -1;
	f = detect(t, sample, sizeof(sample));
	if (f == F_MLT) {
		snprintf(err, errlen, "%s: already a .mlt trace, nothing to import",
			 in_path);
		rc = -1;
	} else if (f == F_UNKNOWN) {
		rc = textin_error(t)[0] ?
			(snprintf(err, errlen, "%s", textin_error(t)), -1) :
			unknown(in_path, sample, err, errlen);
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
		return NULL;
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

struct mlt_file *trace_open_any(const char *path, const struct import_opts *opts,
				struct import_summary *sum,
				char *err, size_t errlen)
{
	struct import_opts def;
	struct textin *t;
	struct mlt_file *f = NULL;
	char sample[128], *tmp;
	enum fmt fm;
	int rc;

	if (!opts) {
		import_opts_default(&def);
		opts = &def;
	}
	t = textin_open(path, err, errlen);
	if (!t)
		return NULL;
	fm = detect(t, sample, sizeof(sample));
	if (fm == F_MLT && !strcmp(textin_kind(t), "plain")) {
		textin_close(t);
		return mlt_open(path, err, errlen);
	}
	if (fm == F_UNKNOWN) {
		if (textin_error(t)[0])
			snprintf(err, errlen, "%s", textin_error(t));
		else
			unknown(path, sample, err, errlen);
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
	/* The mapping (if any) keeps the data; the name can go now. */
	unlink(tmp);
	free(tmp);
	return f;
}
