/*
 * Trace input, whatever its form: .mlt, perf script text or strace text,
 * each possibly xz- or gzip-compressed.  The format is found from the
 * content, never from the file name.
 */
#ifndef MMLOCKSIM_IMPORT_H
#define MMLOCKSIM_IMPORT_H

#include <stddef.h>

#include "traces/builder.h"
#include "traces/mlt.h"

struct import_opts {
	int strace_synth_faults;	/* see struct strace_opts */
	uint64_t strace_synth_max_pages;
};

/* Defaults: strace faults synthesized, at most 4096 pages per mapping. */
void import_opts_default(struct import_opts *o);

/*
 * Import perf or strace text IN_PATH to OUT_PATH (.mlt) with default
 * options.  0 ok; -1 with one line in ERR ("FILE:LINE: expected ...",
 * "FILE: byte N: ...") and no OUT_PATH written (callers exit
 * with status 2).  SUM may be NULL.
 */
int trace_import(const char *in_path, const char *out_path,
		 struct import_summary *sum, char *err, size_t errlen);
int trace_import_opts(const char *in_path, const char *out_path,
		      const struct import_opts *opts,
		      struct import_summary *sum, char *err, size_t errlen);

/*
 * Open any trace for reading.  .mlt (plain or compressed) is opened
 * directly or decompressed to a temporary file; text is imported to a
 * temporary .mlt.  Temporaries are unlinked at once (the mapping keeps
 * them alive), so nothing is left behind.  SUM (may be NULL) gets the
 * import summary when an import happened.  Close with mlt_close().
 */
struct mlt_file *trace_open_any(const char *path, const struct import_opts *opts,
				struct import_summary *sum,
				char *err, size_t errlen);

#endif
