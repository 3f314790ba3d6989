/*
 * anon_vma locking and the reverse map (mm/rmap.c), as far as their
 * locking and cost go: anon_vma allocation, linking and unlinking VMAs
 * under the anon_vma lock taken for write, and rmap walks that pin an
 * anon_vma under RCU and take its lock for read (rmap.c).
 */
#ifndef MMLOCKSIM_RMAP_H
#define MMLOCKSIM_RMAP_H

#include <stdbool.h>
#include <stdint.h>

#include "sim/mm/mm_types.h"

/* A fresh anon_vma of mm: refcount 1, no VMAs linked. */
struct anon_vma *anon_vma_alloc(struct mm_struct *mm);
/* Drop a reference; the last one returns it to its mm's free list. */
void put_anon_vma(struct anon_vma *av);

/* The lock, of the kind -p anon_vma_lock chose. */
void anon_vma_lock_write(struct anon_vma *av);
void anon_vma_unlock_write(struct anon_vma *av);

/* Link vma to av (the caller holds av's lock for write). */
void anon_vma_link(struct anon_vma *av, struct vm_area_struct *vma);
/* anon_vma_clone(): link a new VMA to av, taking av's lock for write. */
void anon_vma_clone(struct anon_vma *av, struct vm_area_struct *vma);
/* unlink_anon_vmas(): take av's lock for write, unlink, drop av if unused. */
void unlink_anon_vmas(struct vm_area_struct *vma);
/* The same, from a VMA free that no path unlinked first: no lock, no cost. */
void anon_vma_forget_vma(struct vm_area_struct *vma);
/* Host memory of av, at the end of a run. */
void anon_vma_destroy(struct anon_vma *av);

/* page_vma_mapped_walk() of the page at addr in vma: its fields, its PTE
 * under the PTE lock (the caller holds the rmap lock). */
void rmap_visit_vma(struct vm_area_struct *vma, unsigned long addr);

/*
 * The kswapd-like rmap walkers: with mm_params.rmap_walks > 0, each of
 * mm_params.rmap_walkers tasks walks that many pages' rmaps (anon_vmas or
 * file mappings) per ms of simulated time until pending(arg) (the replay's
 * ops not yet done) is 0, or has not moved for a second (a stuck run must
 * still end).
 */
#define RMAP_MAX_WALKERS 8
void rmap_walker_start(uint64_t (*pending)(void *arg), void *arg);
/* Forget the run's anon_vmas (their memory is the mms'). */
void rmap_reset(void);

#endif
