/*
 * VMA lookups with no fault: threads hitting uprobes, each hit an
 * mmap_read_lock() + find_vma() + mmap_read_unlock().
 */
#ifndef MMLOCKSIM_GEN_VMALOOKUP_H
#define MMLOCKSIM_GEN_VMALOOKUP_H

#include "traces/gen_core.h"

extern const struct gen_workload gen_vma_lookup;

#endif
