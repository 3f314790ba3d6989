#include "sim/oracle/oracle.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "sim/core/counters.h"
#include "sim/core/misuse.h"
#include "sim/core/violation.h"
#include "sim/mm/mm.h"
#include "sim/mm/mm_oracle.h"
#include "sim/mm/mm_types.h"
#include "sim/mm/pgtable.h"
#include "sim/core/task.h"
#include "sim/mm/vma_tree.h"

static void on_misuse(const struct misuse *m)
{
	report_violation(m->kind, 0, "%s", m->detail);
}

/* Which VMA a poisoned line belongs to: the fields or the lock line. */
static void on_poison(const struct cacheline *l)
{
	const struct vm_area_struct *vma;

	if (!strcmp(line_class_at(l->klass)->name, "vma_fields"))
		vma = (const void *)((const char *)l - offsetof(struct vm_area_struct, fields));
	else if (!strcmp(line_class_at(l->klass)->name, "vma_lock"))
		vma = (const void *)((const char *)l - offsetof(struct vm_area_struct, lock_line));
	else {
		report_violation("use-after-free", 0, "touch of a freed %s line",
				line_class_at(l->klass)->name);
		return;
	}
	report_violation("use-after-free", vma->vm_start,
			"touch of freed VMA %llu (%#lx-%#lx) via its %s line",
			(unsigned long long)vma->id, vma->vm_start, vma->vm_end,
			line_class_at(l->klass)->name);
}

static void oracle_pte_install_hook(const struct vm_fault *vmf);
static void oracle_writer_done_hook(const struct mm_struct *mm);

#define MAX_PENDING 4096

struct pending_install {
	struct mm_struct *mm;
	unsigned long addr;
	sim_time_t time;
	int task;
	uint64_t vma_id;
	bool write;
};

static struct pending_install pending[MAX_PENDING];
static int nr_pending;

static const struct mm_oracle_ops oracle_ops = {
	.pte_install = oracle_pte_install_hook,
	.writer_done = oracle_writer_done_hook,
};

void oracle_setup(void)
{
	violations_reset();
	nr_pending = 0;
	misuse_hook = on_misuse;
	line_poison_hook = on_poison;
	mm_oracle = &oracle_ops;
}

/*
 * A PTE installed through a VMA that, at that instant, no longer maps the
 * address (or no longer allows the access) is not yet a bug: the writer
 * that changed the VMA may still be on its way to this page table, and
 * its zap or write-protect pass (under the same PTE lock) will clean up
 * after us -- which is why SPF validates under the PTE lock and not
 * before.  Such installs are remembered and judged when the writer's
 * session ends (oracle_writer_done_hook()) and at the end of the run: a PTE
 * still there, in a hole or with more access than its VMA allows, is a
 * lost update.
 */
static void judge(const struct pending_install *p)
{
	struct pt_page *pt = pt_lookup(p->mm, p->addr);
	struct vm_area_struct *now = mt_truth(p->mm, p->addr);

	if (!pt || !pte_present(pt, p->addr))
		return;		/* cleaned up by the writer, as it should be */
	/* reported where it happened, not where it was judged */
	if (!now)
		report_violation_as(p->time, p->task, "stale-pte", p->addr,
				    "PTE installed through VMA %llu survived the unmap of %#lx",
				    (unsigned long long)p->vma_id, p->addr);
	else if (pte_write(pt, p->addr) && !(now->vm_flags & VM_WRITE))
		report_violation_as(p->time, p->task, "stale-protection", p->addr,
				    "writable PTE installed through VMA %llu survived mprotect of %#lx "
				    "(VMA %llu flags %#lx)", (unsigned long long)p->vma_id, p->addr,
				    (unsigned long long)now->id, now->vm_flags);
}

static void judge_pending(const struct mm_struct *mm)
{
	int i, kept = 0;

	for (i = 0; i < nr_pending; i++) {
		if (mm && pending[i].mm != mm) {
			pending[kept++] = pending[i];
			continue;
		}
		judge(&pending[i]);
	}
	nr_pending = kept;
}

static void oracle_writer_done_hook(const struct mm_struct *mm)
{
	if (nr_pending)
		judge_pending(mm);
}

void oracle_run_end(void)
{
	char why[256];
	int i;

	judge_pending(NULL);
	/* The address spaces as the run leaves them: a tree of sorted, disjoint,
	 * live VMAs (mm_validate()).  Reads only host state: costs nothing. */
	for (i = 0; i < mm_nr_allocated(); i++)
		if (mm_validate(mm_allocated(i), why, sizeof(why)))
			report_violation("mm-inconsistent", 0, "mm %d at the end of the run: %s",
					mm_allocated(i)->id, why);
}

static void oracle_pte_install_hook(const struct vm_fault *vmf)
{
	struct vm_area_struct *vma = vmf->vma;
	struct vm_area_struct *now = mt_truth(vma->vm_mm, vmf->address);
	bool write = vmf->flags & FAULT_FLAG_WRITE;
	struct pending_install *p;

	if (vmf->torn) {
		report_violation("torn-vma", vmf->address,
				"PTE installed from VMA %llu read while a writer was changing it",
				(unsigned long long)vma->id);
		return;
	}
	/* VM_WRITE first: it is set on most VMAs faults write, and a fault's
	 * being a write is what the host cannot predict. */
	if (now == vma && ((now->vm_flags & VM_WRITE) || !write))
		return;
	if (!vma->vm_mm->nr_writers) {
		/*
		 * No writer is left in the mm to clean up after this install: a
		 * fault that held a VMA across a writer's whole operation (one
		 * that did not wait for it) installs by what the VMA was.  Judged
		 * now, as a later writer (mprotect back, a new mapping) would
		 * hide it.
		 */
		if (!now)
			report_violation("stale-pte", vmf->address,
					 "PTE installed through VMA %llu after the unmap of %#lx ended",
					 (unsigned long long)vma->id, vmf->address);
		else if (write && !(now->vm_flags & VM_WRITE))
			report_violation("stale-protection", vmf->address,
					 "writable PTE installed through VMA %llu after mprotect of %#lx "
					 "ended (VMA %llu flags %#lx)", (unsigned long long)vma->id,
					 vmf->address, (unsigned long long)now->id, now->vm_flags);
		return;
	}
	if (nr_pending == MAX_PENDING)
		judge_pending(NULL);	/* cannot wait: judge what we have now */
	p = &pending[nr_pending++];
	p->mm = vma->vm_mm;
	p->addr = vmf->address & ~(PAGE_SIZE - 1);
	p->time = sim_now();
	p->task = current ? current->id : -1;
	p->vma_id = vma->id;
	p->write = write;
	count_event("oracle_deferred_install");
}
