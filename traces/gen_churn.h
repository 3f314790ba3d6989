/*
 * Workloads with changing address spaces: ebizzy-like allocator churn and
 * a JVM-like mix of heap faults and runtime mapping changes.
 */
#ifndef MMLOCKSIM_GEN_CHURN_H
#define MMLOCKSIM_GEN_CHURN_H

#include "traces/gen_core.h"

extern const struct gen_workload gen_ebizzy, gen_jvm;

#endif
