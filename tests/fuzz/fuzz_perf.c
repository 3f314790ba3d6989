/*
 * libFuzzer target: the perf script importer.  The input is a trace file;
 * it goes through the importer itself (so every input reaches the perf
 * parser, detection or not) and through trace_import(), the entry point
 * of `mmlocksim import` (format detection and its messages).
 */
#include <stdint.h>
#include <string.h>

#include "tests/fuzz/fuzz_common.h"
#include "traces/import.h"
#include "traces/import_perf.h"
#include "traces/textin.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
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
		return 0;
	}
	memset(&sum, 0, sizeof(sum));
	rc = import_perf(t, out, &sum, err, sizeof(err));
	textin_close(t);
	fuzz_check_import(in, out, rc, &sum, err);

	err[0] = '\0';
	rc = trace_import(in, out, &sum, err, sizeof(err));
	fuzz_check_import(in, out, rc, &sum, err);
	return 0;
}
