/*
 * Replay: drive simulated tasks from a trace (DESIGN.md, "Replay").
 *
 * Each recorded thread becomes a task, started at the time of its first
 * record (or of its FORK).  Between two ops of a thread, the task runs in
 * user mode for the recorded gap minus the modeled duration of the
 * earlier op (never less than zero): the think time.  A FORK that starts a
 * new mm duplicates its parent's (fork()); the last EXIT of an mm tears it
 * down.
 *
 * Streaming: one cursor walks the mmap'd trace in order and hands each
 * record to its task's queue when some task needs a record it does not
 * have yet, so memory holds only records that are ahead of their task
 * (live state), never the trace; pages behind the cursor are dropped.
 *
 * The schedule is not the recording's: an mmap may find its range still
 * mapped by another thread whose munmap of it, recorded before, has not
 * run yet.  Only an mmap that mapped over a live range in the recording
 * itself (found by a pass in recorded order at setup) replaces what is
 * there; any other is placed in a free range, and the records after it
 * that address the range follow it there (reloc.h).
 *
 * --threads N beyond the recorded thread count T clones thread groups:
 * K = ceil(N / T) groups; group k replays threads 0..T-1 (the last group
 * only as many as make N) in the same mm as the originals, with every
 * address XORed with k << 40 (bits 40-46 of the 47-bit user address space),
 * so each group's mappings get a region of their own.  A clone's brk
 * becomes an anonymous mmap/munmap of its own shifted heap, since an mm
 * has one program break.  At most 128 groups.
 */
#ifndef MMLOCKSIM_REPLAY_H
#define MMLOCKSIM_REPLAY_H

#include <stddef.h>
#include <stdint.h>

#include "analysis/hist.h"
#include "sim/core/engine.h"
#include "traces/mlt.h"

struct scheme_ops;
struct scheme_args;
struct replay;

/* Tasks of one replay (64 KiB stacks: 1 GiB of address space). */
#define REPLAY_MAX_TASKS	MLT_MAX_THREADS	/* the importers refuse more, at their line */

/*
 * Whether f can be replayed with --threads THREADS (0: as recorded): the
 * checks replay_setup() makes before building anything, for commands that
 * check a whole plan first.  0, or -1 with one line in err.
 */
int replay_check_threads(const struct mlt_file *f, int threads, char *err, size_t errlen);

/*
 * After sim_begin(): create the mms and tasks, every mm with the scheme
 * parameters args (NULL: defaults; they must outlive the replay).  think_scale multiplies
 * every think time and thread start time (1: as recorded; 0: everything
 * back to back, to load a trace recorded on a quiet machine).  NULL with a
 * message on error.
 */
struct replay *replay_setup(struct mlt_file *f, const struct scheme_ops *ops,
			    const struct scheme_args *args, int threads, double think_scale,
			    char *err, size_t errlen);
/* Did a bad record stop the run?  The message names the file and record. */
const char *replay_error(const struct replay *r);
int replay_nr_tasks(const struct replay *r);
uint64_t replay_ops_in(const struct replay *r);		/* records x clones */
uint64_t replay_ops_done(const struct replay *r);	/* records replayed */
uint64_t replay_op_count(const struct replay *r, int op);
const struct lat_hist *replay_op_hist(const struct replay *r, int op);
/* When the last task finished: the run's length (RCU grace periods and
 * callbacks still pending after it do not count). */
sim_time_t replay_end_time(const struct replay *r);
/* Ops that the model refused (e.g. mprotect of an unmapped range). */
uint64_t replay_op_errors(const struct replay *r);
void replay_free(struct replay *r);

#endif
