/*
 * libFuzzer target: the .mlt reader.  The input is written as a file and
 * opened the ways the simulator opens a trace: mlt_open() and a walk of
 * every record with mlt_next(), then trace_open_any() (which also takes
 * compressed .mlt and text) and, when the trace is valid, trace_stats().
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "tests/fuzz/fuzz_common.h"
#include "traces/import.h"
#include "traces/mlt.h"
#include "traces/trace_stats.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Walk every record; 1 if all are valid, 0 after checking the message. */
static int walk(struct mlt_file *f, size_t size)
{
	struct mlt_record r;
	uint64_t n = 0, i;
	int k;

	/* The header promised exactly this many bytes. */
	if ((uint64_t)((const uint8_t *)f->raw - (const uint8_t *)f->map) +
	    f->nrecords * MLT_RECORD_SIZE != size)
		fuzz_fail("records do not end the file");
	/* Random access never reads outside the mapping (ASan would see). */
	for (i = 0; i < f->nrecords; i++)
		mlt_get(f, i, &r);
	while ((k = mlt_next(f, &r)) > 0) {
		if (r.op >= f->nr_ops || r.task >= f->nthreads ||
		    r.mm >= f->nmms || (r.flags & ~MLT_F_ALL))
			fuzz_fail("mlt_next passed an invalid record");
		n++;
	}
	if (k == 0) {
		if (n != f->nrecords)
			fuzz_fail("walked %llu of %llu records",
				  (unsigned long long)n,
				  (unsigned long long)f->nrecords);
		return 1;
	}
	fuzz_check_err(f->err, f->path);
	if (!strstr(f->err, "record "))
		fuzz_fail("record error names no record: %s", f->err);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *in = fuzz_write("in.mlt", data, size);
	const char *keep[] = { "in.mlt", NULL };
	struct mlt_file *f;
	char err[512] = "";
	int valid = 0;

	f = mlt_open(in, err, sizeof(err));
	if (f) {
		valid = walk(f, size);
		mlt_close(f);
	} else {
		fuzz_check_err(err, in);
		if (!strstr(err, "byte "))
			fuzz_fail("header error names no byte offset: %s", err);
	}
	fuzz_check_dir(keep);

	err[0] = '\0';
	f = trace_open_any(in, NULL, NULL, err, sizeof(err));
	if (f) {
		/* The name of a temporary is gone; its path is no help. */
		walk(f, f->map_len);
		mlt_close(f);
	} else {
		/* A text import names its scratch output on write errors
		 * only; anything about the input must name the input. */
		fuzz_check_err(err, in);
	}
	fuzz_check_dir(keep);

	if (valid) {
		FILE *null = fopen("/dev/null", "w");

		if (!null || trace_stats(in, null, err, sizeof(err)) != 0)
			fuzz_fail("stats failed on a valid trace");
		fclose(null);
		fuzz_check_dir(keep);
	}
	return 0;
}
