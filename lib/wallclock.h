/*
 * The one wall clock: seconds on CLOCK_MONOTONIC, for elapsed host time
 * only (run timings, progress, benchmarks).  Never feeds simulated time,
 * which must not depend on the host.
 */
#ifndef MMLOCKSIM_LIB_WALLCLOCK_H
#define MMLOCKSIM_LIB_WALLCLOCK_H

double wall_seconds(void);

#endif
