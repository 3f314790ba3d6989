/*
 * What the text importers share: the import summary (every event line is
 * imported or skipped under a named reason), the task and mm tables, and a
 * small reorder window so that an op can be stamped with the time it began
 * (sys_enter, fork) although it is only complete at a later line (sys_exit,
 * the child's first appearance) while other threads' records keep coming.
 */
#ifndef MMLOCKSIM_BUILDER_H
#define MMLOCKSIM_BUILDER_H

#include <stdint.h>
#include <stdio.h>

#include "traces/mlt.h"
#include "traces/textin.h"

#define IMPORT_MAX_NAMES	64
#define IMPORT_NAME_LEN		48

struct import_count {
	char name[IMPORT_NAME_LEN];
	uint64_t n;
};

struct import_summary {
	char format[16];	/* "perf" or "strace" */
	char input_kind[8];	/* "plain", "xz", "gzip" */
	uint64_t lines;		/* all input lines */
	uint64_t other_lines;	/* blank, comment, header: not events */
	uint64_t event_lines;	/* = imported_lines + skipped_lines */
	uint64_t imported_lines;	/* lines that became (part of) a record */
	uint64_t skipped_lines;
	uint64_t records;	/* records written, = sum of ops[] */
	uint64_t ops[MLT_NR_OPS];
	uint64_t synth_faults;	/* strace: faults synthesized, in ops[] too */
	uint64_t tasks;		/* thread table entries */
	uint64_t mms;
	uint64_t tids_seen;	/* distinct tids on event lines (perf: incl. 0) */
	uint64_t clamped;	/* timestamps that went backwards, raised */
	uint64_t duration_ns;	/* time of the last record */
	uint64_t max_gap_ns;	/* longest stretch without an event line ... */
	uint64_t max_gap_line;	/* ... ending at this line */
	uint64_t lock_acquire_read;	/* perf mmap_lock:*acquire_returned */
	uint64_t lock_acquire_write;
	uint64_t lock_contended;	/* ... success=false */
	unsigned nevents, nskips;
	struct import_count events[IMPORT_MAX_NAMES];	/* lines per event */
	struct import_count skips[IMPORT_MAX_NAMES];	/* lines per reason */
};

/* Counter for event NAME (LEN bytes), added if new; never NULL. */
uint64_t *import_event_slot(struct import_summary *s, const char *name,
			    size_t len);
/* Counter for skip REASON, added if new; never NULL. */
uint64_t *import_skip_slot(struct import_summary *s, const char *reason);
/* Count N lines skipped for REASON. */
void import_skip(struct import_summary *s, const char *reason, uint64_t n);
/* Lookups for reports and tests: 0 when absent. */
uint64_t import_event_count(const struct import_summary *s, const char *name);
uint64_t import_skip_count(const struct import_summary *s, const char *reason);
void import_summary_print(const struct import_summary *s, FILE *out);

/* ---- The builder ---- */

#define TB_NONE		UINT32_MAX
#define TB_MM_PENDING	UINT32_MAX

/* Importer state kept per task (an in-flight syscall). */
struct tb_pending {
	int kind;		/* importer-defined; 0 = nothing pending */
	uint64_t slot;		/* reorder slot reserved at the start */
	uint64_t args[6];
};

struct tbuild;

struct tbuild *tb_new(const char *out_path, struct import_summary *sum,
		      char *err, size_t errlen);
/* Finish: flush, write tables, rename into place.  Frees TB. */
int tb_finish(struct tbuild *tb, const char *source, char *err, size_t errlen);
/* Throw everything away (no output file).  Frees TB. */
void tb_abort(struct tbuild *tb);
/*
 * The importers' read loop: every line of IN counts in the summary; blank
 * and '#' lines are "other"; each event line goes to DO_LINE(CTX, line).
 * 0 at the end of the input; -1 with "FILE:LINE: ..." in ERR when DO_LINE
 * fails (its message from tb_error(), unless it wrote ERR itself) or the
 * input cannot be read.  The caller aborts TB.
 */
int tb_read_lines(struct tbuild *tb, struct textin *in, int (*do_line)(void *ctx, char *line),
		  void *ctx, char *err, size_t errlen);

/*
 * Tracers step back a little (perf flushes its buffers in rounds, strace
 * stamps each stop as it gets to it): a line up to this much earlier than
 * the latest one is raised to it and counted.  A step back of more is a
 * clock that was set or a corrupted time: refused at its line.
 */
#define TB_MAX_STEP_BACK_NS	1000000000ull
/* Absolute time in ns -> trace-relative, never going backwards. */
uint64_t tb_time(struct tbuild *tb, uint64_t abs_ns);

/* Live task for TID, or TB_NONE. */
uint32_t tb_lookup(struct tbuild *tb, uint32_t tid);
/* New mm (ID as recorded, e.g. the pid) -> index, TB_NONE if too many. */
uint32_t tb_new_mm(struct tbuild *tb, uint64_t id);
/* New task bound to TID (replacing an older one) with MM (may be pending). */
uint32_t tb_add_task(struct tbuild *tb, uint32_t tid, uint32_t mm,
		     const char *comm, size_t commlen);
uint32_t tb_task_mm(struct tbuild *tb, uint32_t task);
/*
 * perf rule: task of PID/TID, created on first sight.  Threads of one pid
 * share its mm; a new pid gets a new mm.  A forked child whose mm was left
 * pending is resolved here, which also completes its FORK record.
 */
uint32_t tb_task_pid(struct tbuild *tb, uint32_t pid, uint32_t tid,
		     const char *comm, size_t commlen);
/* Fork: new task for CHILD_TID with its mm pending until it shows up. */
uint32_t tb_fork(struct tbuild *tb, uint64_t t, uint32_t parent,
		 uint32_t child_tid, const char *comm, size_t commlen);
/* Task ends: EXIT record; its tid no longer names it. */
int tb_exit(struct tbuild *tb, uint64_t t, uint32_t task);

struct tb_pending *tb_pending(struct tbuild *tb, uint32_t task);
uint32_t tb_ntasks(const struct tbuild *tb);
/* Note TID as seen on an event line (counts distinct tids in the summary). */
void tb_see_tid(struct tbuild *tb, uint32_t tid);
/* Current program break of MM as last seen (0 unknown). */
uint64_t *tb_mm_brk(struct tbuild *tb, uint32_t mm);

/* Emit a complete record for R->task at R->time_ns (mm filled in). */
int tb_emit(struct tbuild *tb, struct mlt_record *r);
/* Reserve a place in time order for an op of TASK that began at T. */
uint64_t tb_reserve(struct tbuild *tb, uint64_t t, uint32_t task);
/*
 * Complete a reserved slot (R's time is replaced by the reserved one):
 * 0 ok, 1 if the slot expired (the reorder window overflowed), -1 error.
 */
int tb_fill(struct tbuild *tb, uint64_t slot, struct mlt_record *r);
/* Give up a reserved slot: nothing is written for it. */
void tb_drop(struct tbuild *tb, uint64_t slot);
/*
 * Number at *P: 0x-hex, decimal, or -decimal (two's complement).  Advances
 * *P; 0 ok, -1 if no digits, more than 64 bits, or if a letter, digit, '_'
 * or '.' follows (the number is part of a corrupted word).
 */
int tb_parse_num(const char **p, uint64_t *v);
/* "SECONDS.FRACTION" (up to 9 fraction digits) -> ns.  0 ok, -1 bad. */
int tb_parse_time(const char **p, uint64_t *ns);

/* Sticky error message, if any. */
const char *tb_error(struct tbuild *tb);

#endif
