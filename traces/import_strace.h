/*
 * Importer for `strace -f -ttt` text (memory syscalls; no faults are
 * visible to strace, so they can be synthesized).
 */
#ifndef MMLOCKSIM_IMPORT_STRACE_H
#define MMLOCKSIM_IMPORT_STRACE_H

#include <stddef.h>
#include <stdint.h>

#include "traces/builder.h"
#include "traces/textin.h"

struct strace_opts {
	/*
	 * Synthesize write faults: after each successful anonymous writable
	 * mmap, and for the pages a brk adds, one write fault per 4 KiB page
	 * in address order, all stamped with the time the syscall returned
	 * (strace gives no better one).  This models "the program touches what it asked
	 * for, once"; pages re-touched after madvise(DONTNEED), or made
	 * writable later by mprotect, are not synthesized.
	 */
	int synth_faults;
	/* At most this many pages per mapping (huge reservations are
	 * mostly never touched); 0 means no limit. */
	uint64_t synth_max_pages;
};

/* Does LINE look like strace -f -ttt output?  (format detection) */
int strace_line_looks(const char *line);

int import_strace(struct textin *in, const char *out_path,
		  const struct strace_opts *opts, struct import_summary *sum,
		  char *err, size_t errlen);

#endif
