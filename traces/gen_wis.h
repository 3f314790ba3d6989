/*
 * Map-touch-unmap loops: mmtests' pft and will-it-scale's page_fault1/2/3
 * and mmap1/2.
 */
#ifndef MMLOCKSIM_GEN_WIS_H
#define MMLOCKSIM_GEN_WIS_H

#include "traces/gen_core.h"

extern const struct gen_workload gen_pft, gen_page_fault1, gen_page_fault2,
	gen_page_fault3, gen_mmap1, gen_mmap2;

#endif
