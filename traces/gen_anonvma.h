/*
 * The anon_vma lock workload: faults on a shared anonymous region, brk
 * growth and shrink, periodic fork and exit (gen_anonvma.c).
 */
#ifndef MMLOCKSIM_GEN_ANONVMA_H
#define MMLOCKSIM_GEN_ANONVMA_H

#include "traces/gen_core.h"

extern const struct gen_workload gen_anonvma;

#endif
