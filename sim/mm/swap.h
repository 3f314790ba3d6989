/*
 * The LRU lists' batching (mm/swap.c): a new anonymous page goes to its
 * CPU's lru_add folio_batch, and when the batch is full
 * folio_batch_move_lru() takes the node's lruvec->lru_lock once and links
 * the whole batch in; freeing pages (release_pages(), folios_put()) takes
 * it once per batch to unlink them.  Under the lock each page is a few
 * atomic flag operations on its own struct page (folio_test_clear_lru(),
 * folio_set_lru()) and a list link whose neighbour is mostly the page
 * linked just before, by the same CPU; the batch's first link writes the
 * struct page that another CPU's batch left at the list head, one line
 * transfer (the lruvec_head line).  FOLIO_BATCH_SIZE is 15 (PAGEVEC_SIZE;
 * 31 since Linux 6.12).
 *
 * One memcg, so one lruvec per node, as for a workload in one cgroup.
 * -p lru_lock=0 leaves the batching and the lock out.  Simplified: no
 * lru_add_drain() on other paths, no active/inactive rotation, no reclaim.
 */
#ifndef MMLOCKSIM_SWAP_H
#define MMLOCKSIM_SWAP_H

#include <stdbool.h>

#include "sim/core/machine.h"

#define FOLIO_BATCH_SIZE 15

void lru_setup(const struct machine *m, int ncpus, bool enabled);
void lru_teardown(void);

/* folio_add_lru() of a new page on the current CPU. */
void folio_add_lru(void);
/* The LRU half of release_pages() for nr pages being freed. */
void lru_release_pages(int nr);

#endif
