/*
 * address_space->i_mmap locking and file rmap walks.
 *
 * Where the kernel takes i_mmap_lock_write(), so does the model:
 * vma_link_file() when mmap_region() or copy_vma() (mremap) creates a file
 * VMA, dup_mmap() when fork copies one, vma_prepare() when a split or an
 * adjustment changes one (once, around the change and the new tail's
 * insertion), unlink_file_vma() at munmap and exit.  A file rmap walk
 * (page_referenced_file() in reclaim) takes the lock for read and visits
 * the VMAs whose range of file offsets covers the page.
 *
 * Simplified:
 * - The interval tree is a list: the walk charges one read of the root's
 *   line and one of each visited VMA's fields, as a walk of a small tree
 *   would; a tree of thousands of VMAs would cost log n node lines more.
 * - unlink_file_vma_batch() (6.10) takes the lock once for a run of VMAs
 *   of one file; here once per VMA, as kernels before it did.
 * - Reclaim's walks use the plain read lock; since 5.x folio_referenced()
 *   only trylocks and counts a contended mapping as referenced.
 * - No refcount: the walker's folio lock keeps the mapping alive in the
 *   kernel; here mappings live to the end of the run.
 */
#include "sim/mm/i_mmap.h"
#include "lib/xalloc.h"

#include <stdlib.h>

#include "sim/core/counters.h"
#include "sim/mm/rmap.h"
#include "sim/mm/rmap_lock.h"
#include "sim/core/task.h"

static struct address_space **all_mappings;
static unsigned int nr_all_mappings, cap_all_mappings;

struct address_space *mapping_alloc(void)
{
	struct address_space *mapping = xzalloc(sizeof(*mapping));

	init_rwsem(&mapping->i_mmap_rwsem, "i_mmap");
	spin_lock_init(&mapping->i_mmap_lock, "i_mmap", &mapping->i_mmap_rwsem.line);
	line_init(&mapping->i_mmap, "i_mmap_root");
	if (nr_all_mappings == cap_all_mappings) {
		cap_all_mappings = cap_all_mappings ? cap_all_mappings * 2 : 64;
		all_mappings = xrealloc(all_mappings, cap_all_mappings * sizeof(*all_mappings));
	}
	all_mappings[nr_all_mappings++] = mapping;
	return mapping;
}

void i_mmap_lock_write(struct address_space *mapping)
{
	rmap_lock_write(mm_params.i_mmap_lock, &mapping->i_mmap_lock, &mapping->i_mmap_rwsem);
}

void i_mmap_unlock_write(struct address_space *mapping)
{
	rmap_unlock_write(mm_params.i_mmap_lock, &mapping->i_mmap_lock, &mapping->i_mmap_rwsem);
}

void vma_interval_tree_insert(struct vm_area_struct *vma, struct address_space *mapping)
{
	if (mapping->nr_vmas == mapping->cap_vmas) {
		mapping->cap_vmas = mapping->cap_vmas ? mapping->cap_vmas * 2 : 4;
		mapping->vmas = xrealloc(mapping->vmas,
					 (size_t)mapping->cap_vmas * sizeof(*mapping->vmas));
	}
	mapping->vmas[mapping->nr_vmas++] = vma;
	vma->vm_mapping = mapping;
	line_write(&mapping->i_mmap);
}

void vma_link_file(struct vm_area_struct *vma, struct address_space *mapping)
{
	i_mmap_lock_write(mapping);
	vma_interval_tree_insert(vma, mapping);
	i_mmap_unlock_write(mapping);
}

static void detach(struct address_space *mapping, struct vm_area_struct *vma)
{
	int i;

	for (i = 0; i < mapping->nr_vmas; i++) {
		if (mapping->vmas[i] == vma) {
			mapping->vmas[i] = mapping->vmas[--mapping->nr_vmas];
			break;
		}
	}
	vma->vm_mapping = NULL;
}

void unlink_file_vma(struct vm_area_struct *vma)
{
	struct address_space *mapping = vma->vm_mapping;

	if (!mapping)
		return;
	i_mmap_lock_write(mapping);
	detach(mapping, vma);
	line_write(&mapping->i_mmap);	/* vma_interval_tree_remove() */
	i_mmap_unlock_write(mapping);
}

void i_mmap_forget_vma(struct vm_area_struct *vma)
{
	if (vma->vm_mapping)
		detach(vma->vm_mapping, vma);
}

unsigned int nr_mappings(void)
{
	return nr_all_mappings;
}

struct address_space *mapping_nth(unsigned int n)
{
	return all_mappings[n];
}

void rmap_walk_file(struct address_space *mapping)
{
	struct vm_area_struct *vma;
	unsigned long pgoff;
	int i, visited = 0;

	rmap_lock_read(mm_params.i_mmap_lock, &mapping->i_mmap_lock, &mapping->i_mmap_rwsem);
	line_read(&mapping->i_mmap);
	if (!mapping->nr_vmas) {
		/* Page cache no one maps: nothing to visit. */
		count_event("rmap_walk_file_unmapped");
		goto out;
	}
	/* A page of the file some VMA maps: its offset picks the VMAs. */
	vma = mapping->vmas[(unsigned int)(gsl_rng_uniform(current->rng) * mapping->nr_vmas) %
			    (unsigned int)mapping->nr_vmas];
	pgoff = vma->vm_pgoff +
		(unsigned long)(gsl_rng_uniform(current->rng) * (double)vma_pages(vma));
	for (i = 0; i < mapping->nr_vmas; i++) {
		vma = mapping->vmas[i];
		/* The tree's augmented ranges skip the others unread. */
		if (pgoff < vma->vm_pgoff || pgoff >= vma->vm_pgoff + vma_pages(vma))
			continue;
		rmap_visit_vma(vma, vma->vm_start + ((pgoff - vma->vm_pgoff) << PAGE_SHIFT));
		visited++;
	}
	counter_add(counter_id("rmap_walk_file_vmas"), (uint64_t)visited);
	count_event("rmap_walks_file");
out:
	rmap_unlock_read(mm_params.i_mmap_lock, &mapping->i_mmap_lock, &mapping->i_mmap_rwsem);
}

void i_mmap_reset(void)
{
	unsigned int i;

	for (i = 0; i < nr_all_mappings; i++) {
		free(all_mappings[i]->vmas);
		free(all_mappings[i]);
	}
	free(all_mappings);
	all_mappings = NULL;
	nr_all_mappings = cap_all_mappings = 0;
}
