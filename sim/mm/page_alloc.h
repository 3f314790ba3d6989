/*
 * The page allocator's order-0 path (mm/page_alloc.c): one zone per NUMA
 * node (a socket's ZONE_NORMAL) under zone->lock, and per-CPU page lists
 * (struct per_cpu_pages) in front of it.  A fault takes a page from its
 * CPU's list (cost.page_alloc, the fast path); an empty list is refilled
 * with pcp->batch pages under zone->lock (rmqueue_bulk()), and a list
 * that grows past pcp->high on free is drained by pcp->batch pages under
 * the same lock (free_pcppages_bulk()).  batch and high are what
 * zone_batchsize() and zone_highsize() (5.14 on) compute for the zone.
 *
 * Under zone->lock each page costs a cache miss on its struct page (the
 * page's own on allocation, its buddy's on free, when the merge checks
 * it): Aaron Lu, "[RFC] eliminate zone->lock contention for
 * will-it-scale/page_fault1" (linux-mm, 2018): on a 2-socket Skylake with
 * 112 CPUs, page_fault1 spent 80% of its time spinning on zone->lock, and
 * "the most time consuming part under zone->lock is cache misses on
 * struct page".  So the time under the lock is batch x the machine's
 * memory latency, and the lock is a lock class of its own in lock_stat.
 *
 * -p zone_lock=0 leaves the zone and its lock out: every page costs the
 * fast path alone.  Simplified: no watermarks or reclaim (memory never
 * runs out), no migratetypes, no pcp batch scaling (6.7's alloc_factor),
 * pages are always local to the faulting CPU's node.
 */
#ifndef MMLOCKSIM_PAGE_ALLOC_H
#define MMLOCKSIM_PAGE_ALLOC_H

#include <stdbool.h>

#include "sim/core/machine.h"

void page_alloc_setup(const struct machine *m, int ncpus, bool enabled);
void page_alloc_teardown(void);

/* alloc_pages(GFP_HIGHUSER_MOVABLE, 0) on the current CPU. */
void alloc_page_local(void);
/* free_unref_folios() of nr order-0 pages on the current CPU. */
void free_pages_local(int nr);

/* zone_batchsize() and zone_highsize() of a zone of zone_pages pages, on a
 * machine of total_pages, shared by `cpus` CPUs (exported for the tests). */
int zone_batchsize(long zone_pages);
int zone_highsize(long total_pages, long zone_pages, int batch, int cpus);

#endif
