/*
 * Importer for `perf script` text recorded as in traces/RECORDING.md.
 */
#ifndef MMLOCKSIM_IMPORT_PERF_H
#define MMLOCKSIM_IMPORT_PERF_H

#include <stddef.h>

#include "traces/builder.h"
#include "traces/textin.h"

/* Does LINE look like a perf script event line?  (format detection) */
int perf_line_is_event(const char *line);

/*
 * Read all of IN, write OUT_PATH (.mlt) and fill SUM.  0 ok; -1 with
 * "FILE:LINE: expected ..." in ERR and no output file left behind.
 */
int import_perf(struct textin *in, const char *out_path,
		struct import_summary *sum, char *err, size_t errlen);

#endif
