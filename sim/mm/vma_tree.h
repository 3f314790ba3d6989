/*
 * VMAs and the VMA tree (vma_tree.c).  The first part is what schemes use;
 * the rest is for the mm operation bodies.
 */
#ifndef MMLOCKSIM_VMA_TREE_H
#define MMLOCKSIM_VMA_TREE_H

#include "sim/mm/mm_types.h"

/* find_vma(): the first VMA with vm_end > addr, walking the tree. */
struct vm_area_struct *find_vma(struct mm_struct *mm, unsigned long addr);
/* The same walk, named for callers inside rcu_read_lock(). */
struct vm_area_struct *vma_lookup_rcu(struct mm_struct *mm, unsigned long addr);

/* Charged reads of a VMA's fields, as the kernel's vma->vm_start loads. */
unsigned long vma_start(struct vm_area_struct *vma);
unsigned long vma_end(struct vm_area_struct *vma);
unsigned long vma_flags(struct vm_area_struct *vma);
/* Read the VMA's fields line into the fault's snapshot. */
void vmf_snapshot(struct vm_fault *vmf);
/* A fresh vm_fault for address in vma, with its snapshot taken. */
void vmf_init(struct vm_fault *vmf, struct vm_area_struct *vma, unsigned long address,
	      unsigned int flags, void (*unlock)(struct vm_fault *vmf));

/* Freeing a detached VMA (the scheme's vma_free hook picks when). */
void vm_area_free(struct vm_area_struct *vma);		/* now */
void vm_area_free_rcu(struct vm_area_struct *vma);	/* after an RCU grace period */
void vm_area_free_srcu(struct vm_area_struct *vma, struct srcu_struct *ssp);
/* For a scheme's own call_rcu() callback on vma->rcu. */
struct vm_area_struct *vma_from_rcu_head(struct rcu_head *head);

/* ---- for the mm bodies -------------------------------------------------- */
struct vm_area_struct *vm_area_alloc(struct mm_struct *mm);
void mt_insert(struct mm_struct *mm, struct vm_area_struct *vma);
void mt_erase(struct mm_struct *mm, struct vm_area_struct *vma);
/* vm_start/vm_end moved within the gaps: the path's nodes are rewritten. */
void mt_update(struct mm_struct *mm, struct vm_area_struct *vma);
/* vma->vm_end was just stored: the tree's copy follows if vma is in it. */
void mt_vm_end_stored(struct vm_area_struct *vma);
/* The writer fills the new nodes of the path to addr (charged), after
 * its mt_insert/mt_erase/mt_update calls for one logical store. */
void mt_store_charge(struct mm_struct *mm, unsigned long addr);
/* The VMA at index pos in address order (0 <= pos < mm->mm_mt.nr). */
struct vm_area_struct *mt_at(struct mm_struct *mm, int pos);
/* Index of the first VMA ending above addr. */
int mt_first_at_or_after(struct mm_struct *mm, unsigned long addr);
/* The VMA covering addr right now, at no cost: the oracle's truth. */
struct vm_area_struct *mt_truth(struct mm_struct *mm, unsigned long addr);
void vma_tree_init(struct mm_struct *mm);
void vma_tree_destroy(struct mm_struct *mm);
void vma_ids_reset(void);

/* Invariant check (the oracle's, at the end of every run): sorted, no
 * overlaps, all live and settled.  Reads host state only. */
int mm_validate(struct mm_struct *mm, char *err, size_t errlen);

#endif
