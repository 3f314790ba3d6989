#include "sim/core/timeline.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/xalloc.h"
#include "lib/outfile.h"

bool timeline_on;

static struct {
	FILE *f;
	char *path, *tmp;	/* tmp NULL: a stream, written in place */
	char *dest;		/* what tmp is renamed to */
	uint64_t n;
	bool cut;
} tl;

static const int track_pid[] = { [TL_CPU] = 0, [TL_TASK] = 1, [TL_RCU] = 2 };

int timeline_open(const char *path, char *err, size_t errlen)
{
	struct outfile out;
	size_t len;

	memset(&tl, 0, sizeof(tl));
	if (outfile_check(path, &out, err, errlen) < 0)
		return -1;
	len = strlen(out.dest) + 16;
	tl.path = xstrdup(path);
	tl.tmp = out.stream ? NULL : xmalloc(len);
	/* Beside the file a link leads to, so the rename keeps the link. */
	if (tl.tmp)
		snprintf(tl.tmp, len, "%s.tmp%d", out.dest, (int)getpid());
	tl.dest = out.dest;
	tl.f = fopen(tl.tmp ? tl.tmp : path, "w");
	if (!tl.f) {
		snprintf(err, errlen, "%s: cannot write: %s", path, strerror(errno));
		free(tl.path);
		free(tl.tmp);
		free(tl.dest);
		return -1;
	}
	fputs("{\"displayTimeUnit\":\"ns\",\"traceEvents\":[\n", tl.f);
	fprintf(tl.f, "{\"name\":\"process_name\",\"ph\":\"M\",\"pid\":0,\"tid\":0,\"args\":{\"name\":\"CPUs\"}},\n");
	fprintf(tl.f, "{\"name\":\"process_name\",\"ph\":\"M\",\"pid\":1,\"tid\":0,\"args\":{\"name\":\"tasks\"}},\n");
	fprintf(tl.f, "{\"name\":\"process_name\",\"ph\":\"M\",\"pid\":2,\"tid\":0,\"args\":{\"name\":\"grace periods\"}},\n");
	fprintf(tl.f, "{\"name\":\"thread_name\",\"ph\":\"M\",\"pid\":2,\"tid\":0,\"args\":{\"name\":\"RCU\"}},\n");
	fprintf(tl.f, "{\"name\":\"thread_name\",\"ph\":\"M\",\"pid\":2,\"tid\":1,\"args\":{\"name\":\"SRCU\"}}");
	timeline_on = true;
	return 0;
}

/* Names come from the trace: keep them valid JSON strings. */
static void put_json_string(const char *s)
{
	fputc('"', tl.f);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			fprintf(tl.f, "\\%c", c);
		else if (c < 0x20 || c >= 0x7f)
			fputc('?', tl.f);
		else
			fputc(c, tl.f);
	}
	fputc('"', tl.f);
}

void timeline_name(enum timeline_track track, int id, const char *name)
{
	if (!timeline_on)
		return;
	fprintf(tl.f, ",\n{\"name\":\"thread_name\",\"ph\":\"M\",\"pid\":%d,\"tid\":%d,\"args\":{\"name\":",
		track_pid[track], id);
	put_json_string(name);
	fputs("}}", tl.f);
}

void timeline_span(enum timeline_track track, int id, const char *cat, const char *name,
		   sim_time_t start, sim_time_t end)
{
	if (!timeline_on)
		return;
	if (tl.n == TIMELINE_MAX_EVENTS) {
		tl.cut = true;
		return;
	}
	tl.n++;
	fprintf(tl.f, ",\n{\"ph\":\"X\",\"pid\":%d,\"tid\":%d,\"ts\":%.3f,\"dur\":%.3f,\"cat\":\"%s\",\"name\":",
		track_pid[track], id, (double)start / 1000.0, (double)(end - start) / 1000.0, cat);
	put_json_string(name);
	fputc('}', tl.f);
}

static void timeline_free(void)
{
	free(tl.path);
	free(tl.tmp);
	free(tl.dest);
	memset(&tl, 0, sizeof(tl));
	timeline_on = false;
}

int timeline_close(char *err, size_t errlen)
{
	int rc = 0;

	if (!tl.f)
		return 0;
	fprintf(tl.f, "\n],\"otherData\":{\"generator\":\"mmlocksim\",\"spans\":%llu,\"cut\":%s}}\n",
		(unsigned long long)tl.n, tl.cut ? "true" : "false");
	if (ferror(tl.f) | fclose(tl.f)) {
		snprintf(err, errlen, "%s: write failed: %s", tl.path, strerror(errno));
		if (tl.tmp)
			unlink(tl.tmp);
		rc = -1;
	} else if (tl.tmp && rename(tl.tmp, tl.dest)) {
		snprintf(err, errlen, "%s: cannot rename into place: %s", tl.path, strerror(errno));
		unlink(tl.tmp);
		rc = -1;
	}
	timeline_free();
	return rc;
}

void timeline_abort(void)
{
	if (!tl.f)
		return;
	fclose(tl.f);
	if (tl.tmp)
		unlink(tl.tmp);
	timeline_free();
}
