/*
 * The multi-VMA operations workload: mprotect over several VMAs and mremap
 * moving a VMA, in private arenas and in one shared by all threads, among
 * page faults (gen_vmaops.c).
 */
#ifndef MMLOCKSIM_GEN_VMAOPS_H
#define MMLOCKSIM_GEN_VMAOPS_H

#include "traces/gen_core.h"

extern const struct gen_workload gen_vmaops;

#endif
