/*
 * The progress watchdog: a livelock is a result, as a deadlock is.
 *
 * A deadlock ends a run by itself: every task sleeps, the event queue
 * drains, and the caller finds ops that never completed.  A livelock does
 * not: tasks spin on a line that is polled (an osq head re-reading the
 * owner every microsecond) or retry (a trylock with back-off, a seqcount
 * that never validates), events keep coming and simulated time runs on
 * forever.  So a run brackets each of its ops with watchdog_op_begin() and
 * watchdog_op_end(), and a tick every WATCHDOG_TICK_NS of simulated time
 * looks for a window of `window` ns in which no op completed:
 *  - if a task that was inside an op all through the window used its CPU
 *    (spinning or running kernel code) in it, that is a livelock: the
 *    violation "livelock" names every task stuck in an op, what it does
 *    (spinning on which line, running, runnable, sleeping), the locks it
 *    holds and since when, and the run is stopped;
 *  - if every such task slept through the window (off timers), something
 *    else (an rmap walker) keeps the event queue alive over a deadlock:
 *    the violation is "deadlock", and the run is stopped likewise;
 *  - with no task inside an op (every task thinking in user mode) nothing
 *    is wrong: a trace may be quiet for seconds.
 * The kernel's own detectors are the model: the soft-lockup watchdog (a
 * CPU that does not schedule for 2 * watchdog_thresh = 20 s) and the hung
 * task detector (120 s); the default window is far shorter, since no op of
 * the model takes anything near a simulated second: the slowest ops of the
 * bundled workloads and trace at 64 threads on 16 CPUs take 4.2 ms (an
 * mmap_lock writer or reader starved until the rwsem's 4 ms handoff).
 *
 * The ticks are not the model's events: they change nothing the model
 * sees, are not counted in events_run, and re-arm only while other events
 * are pending, so they never keep a finished or deadlocked run alive.
 *
 * The tick is also where a run learns of a signal: watchdog_interrupt() is
 * async-signal-safe; the next tick stops the engine and
 * watchdog_interrupted() says which signal it was.
 */
#ifndef MMLOCKSIM_WATCHDOG_H
#define MMLOCKSIM_WATCHDOG_H

#include <stdbool.h>

#include "sim/core/engine.h"

#define WATCHDOG_TICK_NS	1000000ULL		/* 1 ms */
#define WATCHDOG_WINDOW_NS	1000000000ULL		/* 1 s: -p livelock_ms= */

/* After sim_begin(): arm the watchdog for this run (window 0: the default). */
void watchdog_start(sim_time_t window);
/* The run is over: ops of later simulations without a watchdog arm nothing. */
void watchdog_stop(void);
/* The violation kind it reported and the run stopped on, or NULL. */
const char *watchdog_fired(void);

/* In task context, around each op of the run. */
void watchdog_op_begin(void);
void watchdog_op_end(void);

/* From a signal handler: stop the run at the next tick. */
void watchdog_interrupt(int sig);
/* The signal that stopped (or is stopping) the run, or 0. */
int watchdog_interrupted(void);
/* Forget a pending signal, for a process that runs again (tests). */
void watchdog_interrupt_clear(void);

#endif
