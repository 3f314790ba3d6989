/*
 * Page tables (pgtable.c): a PTE page per 2 MiB with its split PTE lock
 * (ptl) and PTE lines; present and writable bits per PTE.
 */
#ifndef MMLOCKSIM_PGTABLE_H
#define MMLOCKSIM_PGTABLE_H

#include <stdbool.h>

#include "sim/mm/mm_types.h"

struct pt_page;

struct pt_page *pt_lookup(struct mm_struct *mm, unsigned long addr);
/*
 * The first page table at or after addr's 2 MiB that starts below end, or
 * NULL: what a walk over [addr, end) looking up every 2 MiB in turn finds
 * next, without looking at the empty ones.
 */
struct pt_page *pt_next(struct mm_struct *mm, unsigned long addr, unsigned long end);
/* The address of the first byte pt maps. */
unsigned long pt_start(const struct pt_page *pt);
/* __pte_alloc(): allocate under mm->page_table_lock (charged). */
struct pt_page *pt_alloc(struct mm_struct *mm, unsigned long addr);
/* free_pgtables(): drop an empty PTE page no VMA covers any more. */
void pt_free_if_unused(struct mm_struct *mm, struct pt_page *pt);
/* Unlinked by free_pgtables() since it was looked up: look it up again. */
bool pt_dead(const struct pt_page *pt);
spinlock_t *pt_ptl(struct pt_page *pt);
struct cacheline *pt_pte_line(struct pt_page *pt, unsigned long addr);

bool pte_present(const struct pt_page *pt, unsigned long addr);
/*
 * The first present PTE's address in [addr, end) of pt (both page-aligned,
 * within pt's 2 MiB), or end: a walk over a sparse table skips the holes
 * a word of the bitmap at a time.
 */
unsigned long pte_next_present(const struct pt_page *pt, unsigned long addr, unsigned long end);
bool pte_write(const struct pt_page *pt, unsigned long addr);
void pte_set(struct mm_struct *mm, struct pt_page *pt, unsigned long addr, bool writable);
void pte_clear(struct mm_struct *mm, struct pt_page *pt, unsigned long addr);
void pte_wrprotect(struct pt_page *pt, unsigned long addr);
/* The PTE maps an anonymous page (a private copy, not the page cache or
 * the zero page): rmap finds it through the VMA's anon_vma only. */
bool pte_anon(const struct pt_page *pt, unsigned long addr);
void pte_set_anon(struct pt_page *pt, unsigned long addr, bool anon);

void pgtable_destroy(struct mm_struct *mm);

#endif
