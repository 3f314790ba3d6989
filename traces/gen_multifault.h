/*
 * Kamezawa's multi-fault test, the benchmark of Zijlstra's 2014 SPF
 * re-spin: threads fault their slices of one anonymous mapping and give
 * the pages back with madvise(DONTNEED), in lock step.
 */
#ifndef MMLOCKSIM_GEN_MULTIFAULT_H
#define MMLOCKSIM_GEN_MULTIFAULT_H

#include "traces/gen_core.h"

extern const struct gen_workload gen_multi_fault;

#endif
