/*
 * libFuzzer target: the strace importer.  The input is a trace file;
 * it goes through the importer itself (so every input reaches the strace
 * parser, detection or not) and through trace_import(), the entry point
 * of `mmlocksim import` (format detection and its messages).
 */
#include <stdint.h>

#include "tests/fuzz/fuzz_common.h"
#include "traces/import_strace.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/*
 * A small synthesis cap keeps executions fast; the page loop is the same
 * whatever the cap (trace_import() uses the default).
 */
static int import_strace_capped(struct textin *t, const char *out,
				struct import_summary *sum, char *err, size_t errlen)
{
	static const struct strace_opts so = { .synth_faults = 1, .synth_max_pages = 64 };

	return import_strace(t, out, &so, sum, err, errlen);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_import_text(data, size, import_strace_capped);
	return 0;
}
