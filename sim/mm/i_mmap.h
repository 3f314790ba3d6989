/*
 * The file reverse map (mm/mmap.c, mm/rmap.c): address_space->i_mmap and
 * its lock.  VMAs of a file are linked into it when mapped, split, moved
 * or forked, and unlinked when unmapped, all under i_mmap_lock_write();
 * an rmap walk of a file page (page_referenced_file(), rmap_walk_file())
 * takes i_mmap_lock_read() and visits every VMA mapping the page's offset.
 */
#ifndef MMLOCKSIM_I_MMAP_H
#define MMLOCKSIM_I_MMAP_H

#include "sim/mm/mm_types.h"

/* A new file's mapping, no VMAs linked: every file mmap in a trace is a
 * file of its own (the trace format carries no inode); fork, split and
 * mremap share the mapping of the VMA they copy. */
struct address_space *mapping_alloc(void);

/* The lock, of the kind -p i_mmap_lock chose. */
void i_mmap_lock_write(struct address_space *mapping);
void i_mmap_unlock_write(struct address_space *mapping);

/* vma_interval_tree_insert(): the caller holds the lock for write. */
void vma_interval_tree_insert(struct vm_area_struct *vma, struct address_space *mapping);
/* vma_link_file(): lock, insert, unlock. */
void vma_link_file(struct vm_area_struct *vma, struct address_space *mapping);
/* unlink_file_vma(): lock, remove, unlock; no-op for an anonymous VMA. */
void unlink_file_vma(struct vm_area_struct *vma);
/* The same from a VMA free that no path unlinked first: no lock, no cost. */
void i_mmap_forget_vma(struct vm_area_struct *vma);

/* Mappings of the run, for the rmap walker. */
unsigned int nr_mappings(void);
struct address_space *mapping_nth(unsigned int n);
/* page_referenced_file() of one random page of mapping. */
void rmap_walk_file(struct address_space *mapping);

/* Free every mapping of the run. */
void i_mmap_reset(void);

#endif
