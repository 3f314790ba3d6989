/*
 * Each socket's memory bandwidth as a shared resource with an occupancy,
 * like a cacheline: clearing or copying a page streams 4 KiB to the
 * socket's memory controllers, which serve one page per cost.mem_page ns
 * (4096 B at the sustained write bandwidth).  A core alone is slower than
 * that (clear_page() at cost.page_zero), so the bandwidth binds only when
 * enough CPUs of one socket clear pages at once: then the pages queue and
 * every clearing CPU slows down, as pft and page_fault1 do on real
 * machines at high thread counts.  A machine with mem_page = 0 has
 * unbounded bandwidth, as does -p mem_bw=0.
 *
 * Simplified: a FIFO server per socket (no channel interleaving, no
 * read/write turnaround); the pages go to the faulting CPU's socket (local
 * allocation, which is what the page allocator prefers).
 */
#ifndef MMLOCKSIM_MEMBW_H
#define MMLOCKSIM_MEMBW_H

#include <stdbool.h>

#include "sim/core/engine.h"

void membw_setup(bool enabled);
/*
 * The current task streams one page to memory, which alone takes it
 * `own_ns` (clear_page(), copy_page()): returns when the page is written.
 */
void membw_stream_page(sim_time_t own_ns);
/* The same for `pages` 4 KiB units at once (a 16 or 64 KiB base page). */
void membw_stream_pages(sim_time_t own_ns, unsigned int pages);

#endif
