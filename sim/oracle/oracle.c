#include "sim/oracle/oracle.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "sim/core/counters.h"
#include "sim/core/misuse.h"
#include "sim/mm/mm_types.h"
#include "sim/mm/pgtable.h"
#include "sim/core/task.h"
#include "sim/mm/vma_tree.h"

static struct {
	uint64_t total;
	int nkept;
	struct violation kept[CHECK_MAX_KEPT];
	struct { const char *kind; uint64_t n; } kinds[32];
	int nkinds;
} oracle;

static void record(const char *kind, unsigned long addr, const char *detail)
{
	int i;

	oracle.total++;
	for (i = 0; i < oracle.nkinds; i++)
		if (!strcmp(oracle.kinds[i].kind, kind))
			break;
	if (i == oracle.nkinds && oracle.nkinds < 32)
		oracle.kinds[oracle.nkinds++].kind = kind;
	if (i < 32)
		oracle.kinds[i].n++;
	if (oracle.nkept < CHECK_MAX_KEPT) {
		struct violation *v = &oracle.kept[oracle.nkept++];

		v->time = sim_now();
		v->task = current ? current->id : -1;
		v->kind = kind;
		v->addr = addr;
		snprintf(v->detail, sizeof(v->detail), "%s", detail);
	}
}

void check_violation(const char *kind, unsigned long addr, const char *fmt, ...)
{
	char detail[200];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(detail, sizeof(detail), fmt, ap);
	va_end(ap);
	record(kind, addr, detail);
}

static void on_misuse(const struct misuse *m)
{
	record(m->kind, 0, m->detail);
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
		check_violation("use-after-free", 0, "touch of a freed %s line",
				line_class_at(l->klass)->name);
		return;
	}
	check_violation("use-after-free", vma->vm_start,
			"touch of freed VMA %llu (%#lx-%#lx) via its %s line",
			(unsigned long long)vma->id, vma->vm_start, vma->vm_end,
			line_class_at(l->klass)->name);
}

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

void check_setup(void)
{
	memset(&oracle, 0, sizeof(oracle));
	nr_pending = 0;
	misuse_hook = on_misuse;
	line_poison_hook = on_poison;
}

/*
 * A PTE installed through a VMA that, at that instant, no longer maps the
 * address (or no longer allows the access) is not yet a bug: the writer
 * that changed the VMA may still be on its way to this page table, and
 * its zap or write-protect pass (under the same PTE lock) will clean up
 * after us -- which is why SPF validates under the PTE lock and not
 * before.  Such installs are remembered and judged when the writer's
 * session ends (check_writer_done()) and at the end of the run: a PTE
 * still there, in a hole or with more access than its VMA allows, is a
 * lost update.
 */
static void judge(const struct pending_install *p)
{
	struct pt_page *pt = pt_lookup(p->mm, p->addr);
	struct vm_area_struct *now = mt_truth(p->mm, p->addr);
	struct violation *v;
	uint64_t before = oracle.total;

	if (!pt || !pte_present(pt, p->addr))
		return;		/* cleaned up by the writer, as it should be */
	if (!now)
		check_violation("stale-pte", p->addr,
				"PTE installed through VMA %llu survived the unmap of %#lx",
				(unsigned long long)p->vma_id, p->addr);
	else if (pte_write(pt, p->addr) && !(now->vm_flags & VM_WRITE))
		check_violation("stale-protection", p->addr,
				"writable PTE installed through VMA %llu survived mprotect of %#lx "
				"(VMA %llu flags %#lx)", (unsigned long long)p->vma_id, p->addr,
				(unsigned long long)now->id, now->vm_flags);
	if (oracle.total > before && oracle.nkept && (v = &oracle.kept[oracle.nkept - 1]) &&
	    v->kind && !strncmp(v->kind, "stale", 5)) {
		v->time = p->time;	/* report it where it happened */
		v->task = p->task;
	}
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

void check_writer_done(const struct mm_struct *mm)
{
	if (nr_pending)
		judge_pending(mm);
}

void check_run_end(void)
{
	judge_pending(NULL);
}

void check_pte_install(const struct vm_fault *vmf)
{
	struct vm_area_struct *vma = vmf->vma;
	struct vm_area_struct *now = mt_truth(vma->vm_mm, vmf->address);
	bool write = vmf->flags & FAULT_FLAG_WRITE;
	struct pending_install *p;

	if (vmf->torn) {
		check_violation("torn-vma", vmf->address,
				"PTE installed from VMA %llu read while a writer was changing it",
				(unsigned long long)vma->id);
		return;
	}
	if (now == vma && (!write || (now->vm_flags & VM_WRITE)))
		return;
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

uint64_t check_nr_violations(void)
{
	return oracle.total;
}

int check_nr_kept(void)
{
	return oracle.nkept;
}

const struct violation *check_violation_at(int i)
{
	return &oracle.kept[i];
}

uint64_t check_count_kind(const char *kind)
{
	int i;

	for (i = 0; i < oracle.nkinds; i++)
		if (!strcmp(oracle.kinds[i].kind, kind))
			return oracle.kinds[i].n;
	return 0;
}
