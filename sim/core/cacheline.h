/*
 * The coherence model.  Every shared word a scheme touches lives on a
 * modeled cacheline with an owner CPU (Modified) or a set of sharers.
 *
 * - A read by a sharer or the owner is a hit.  A miss pays the transfer
 *   latency from the nearest holder (or memory) and makes us a sharer.
 * - A write or RMW by the owner is a hit.  Otherwise it pays the latency
 *   from the farthest holder (invalidations go out in parallel) and makes
 *   us the owner of the only copy.
 * - A line serves one transfer at a time.  On an idle line the requester
 *   waits the latency of its distance.  A request that finds the line busy
 *   queues behind busy_until.  The receiver executes its operation (an L1
 *   access, or a locked RMW) and keeps the line line_hold ns more: its next
 *   instruction or two on that line hit (the store to rwsem->owner right
 *   after the count RMW costs no second transfer, as on real hardware),
 *   and the next transfer starts after that.  A locked RMW that hits in
 *   that window locks the line in the cache for its execution, so the
 *   window runs on to its end plus line_hold (a cmpxchg retried at once,
 *   then the owner store beside the count, all hit); busy_until does not
 *   move, the measured occupancy holding such a burst.  The data hop of a queued
 *   transfer is the rest of the occupancy, so under contention the line
 *   completes one transfer per occupancy[distance]: this queue is what
 *   collapses a contended line as CPUs grow.
 *
 * Value semantics (the callers in sim/locking/ follow this): a store or RMW is
 * applied to the C variable when requested, which is its place in the
 * line's order, and the requester then waits for its completion; a load
 * waits first and reads the value on completion.  Both points lie inside
 * the operation's interval, so every modeled word is linearizable.
 *
 * Adjacent lines: two lines an object lays out in one 128-byte aligned
 * chunk may be paired (line_pair()).  On a machine with Intel's L2 spatial
 * prefetcher a miss on one also fetches the other, its buddy, for the
 * same CPU in the background (cacheline.c, adjacent_line_prefetch()):
 * false sharing at 128 bytes.  Unpaired lines are not affected.
 *
 * Spinning: a task that waits for a line to change parks as a spinner
 * (its CPU stays busy).  Any store to the line wakes every spinner, in a
 * random order; each re-reads the line, queueing like any other transfer.
 * That is the invalidation storm that makes ticket locks collapse.
 *
 * Hand-rolled (not a library) because it is the hot path: a handful of
 * fields per line and no allocation per access.
 */
#ifndef MMLOCKSIM_CACHELINE_H
#define MMLOCKSIM_CACHELINE_H

#include <stdbool.h>
#include <stdint.h>

#include "sim/core/machine.h"
#include "sim/core/task.h"

struct cacheline {
	/* What a hit reads, first: one host cacheline when aligned. */
	int16_t owner;			/* CPU with the line Modified, or -1 */
	uint16_t klass;			/* index into the line class table */
	uint16_t nr_spinners;
	uint8_t poisoned;		/* the object it belongs to was freed */
	sim_time_t pf_until;		/* when the last prefetch into it lands */
	uint64_t sharers[CPU_MASK_WORDS];
	sim_time_t busy_until;
	struct task *spinners;
	struct cacheline *buddy;	/* the other line of its 128-byte pair, or NULL */
	uint64_t transfers;		/* its own, for tests; runs report the classes' */
};

/* Transfers are counted per class ("mmap_lock", "vma_refcnt", "ptl", ...). */
struct line_class {
	const char *name;
	uint64_t transfers;
};

#define MAX_LINE_CLASSES 64

uint16_t line_class_get(const char *name);
int line_nr_classes(void);
const struct line_class *line_class_at(int i);
void line_classes_reset(void);

/*
 * Reads and writes that hit are settled inline (cacheline.c); false sends
 * every access through the full path, which must give the same results
 * (tests/test_speed.c compares the two).  Read at sim_begin(), as
 * sim_perturb is: a change takes effect from the next run.
 */
extern bool line_hits_inline;

void line_init(struct cacheline *l, const char *klass);
/*
 * a and b are the two 64-byte halves of one 128-byte aligned chunk, as the
 * object they belong to is laid out in the kernel; after line_init() of
 * both.  Only lines whose pairing the layout fixes are paired.
 */
void line_pair(struct cacheline *a, struct cacheline *b);

/*
 * Freed memory: a line of a freed object is poisoned, and any access to it
 * calls line_poison_hook (the safety oracle reports a use after free) and
 * then proceeds, as a real use after free would.
 */
extern void (*line_poison_hook)(const struct cacheline *l);
/*
 * Build per-CPU masks for the machine in use; call once per run.  With
 * adjacent_prefetch (the machine's adjacent_line_prefetch, unless the run
 * turns it off) a miss on a paired line fetches its buddy too.
 */
void cacheline_setup(const struct machine *m, uint64_t seed, bool adjacent_prefetch);

/* In task context: charge the current task for one access. */
void line_read(struct cacheline *l);
void line_write(struct cacheline *l);
void line_rmw(struct cacheline *l);

/*
 * The checks' schedule point of a store or RMW on l, taken before the
 * caller applies its value (the next line_write()/line_rmw() on l then
 * takes none): with the point after the value, a load and the store that
 * follows it would land with nothing between them, and a window like
 * rcu_sync_is_idle() ... this_cpu_inc() could never be preempted.  The
 * inline wrappers of atomic.h call it only while sim_perturb is enabled.
 */
void line_store_point(struct cacheline *l);

/*
 * atomic_long_set() while the checks perturb: the point, then the store,
 * which under sim_perturb.tso may wait in the task's store buffer (the
 * value lands in *word later, in order with the task's other stores).
 */
void line_store_long(struct cacheline *l, long *word, long val);
/* smp_mb() under TSO: every buffered store of the task lands now. */
void line_store_drain(void);

/*
 * A store that retires into the x86 store buffer: smp_store_release(),
 * WRITE_ONCE() and prefetchw() where the kernel relies on the CPU not
 * stalling for the line.  The ownership transfer is queued on the line as
 * any write's is (spinners see the new value when it lands) but the task
 * pays only the L1 store and runs on.  TSO keeps one thing: a locked RMW
 * drains the store buffer, so the task's next line_rmw() first waits for
 * its posted stores to land.  Only the accesses whose kernel code is a
 * plain store on the path where that matters are posted; everything else
 * stays a blocking write (a deliberate simplification: a full store
 * buffer would move every figure by a fraction of a transfer).
 */
void line_write_posted(struct cacheline *l);

/*
 * For work that runs in event context on behalf of a CPU (an SRCU grace
 * period scan, an RCU callback batch): the line moves as it would, and the
 * caller gets the wait to account however it models that work.
 */
sim_time_t line_read_by(struct cacheline *l, int cpu, sim_time_t asked);
sim_time_t line_write_by(struct cacheline *l, int cpu, sim_time_t asked);

/* Park the current task until the line is next written, then re-read it. */
void line_spin_wait(struct cacheline *l);
/* Same, giving up at `deadline`; false on timeout. */
bool line_spin_wait_until(struct cacheline *l, sim_time_t deadline);

#endif
