/*
 * libFuzzer target: the perf script importer.  The input is a trace file;
 * it goes through the importer itself (so every input reaches the perf
 * parser, detection or not) and through trace_import(), the entry point
 * of `mmlocksim import` (format detection and its messages).
 */
#include <stdint.h>

#include "tests/fuzz/fuzz_common.h"
#include "traces/import_perf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_import_text(data, size, import_perf);
	return 0;
}
