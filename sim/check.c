#include "check.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "counters.h"
#include "misuse.h"
#include "mm_types.h"
#include "task.h"
#include "vma_tree.h"

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

void check_setup(void)
{
	memset(&oracle, 0, sizeof(oracle));
	misuse_hook = on_misuse;
	line_poison_hook = on_poison;
}

void check_pte_install(const struct vm_fault *vmf)
{
	struct vm_area_struct *vma = vmf->vma;
	struct vm_area_struct *now = mt_truth(vma->vm_mm, vmf->address);
	unsigned long need = (vmf->flags & FAULT_FLAG_WRITE) ? VM_WRITE :
			     (vmf->flags & FAULT_FLAG_INSTRUCTION) ? VM_EXEC : VM_READ;

	if (vmf->torn) {
		check_violation("torn-vma", vmf->address,
				"PTE installed from VMA %llu read while a writer was changing it",
				(unsigned long long)vma->id);
		return;
	}
	if (!now) {
		check_violation("stale-pte", vmf->address,
				"PTE installed at %#lx after the range was unmapped (VMA %llu is %s)",
				vmf->address, (unsigned long long)vma->id,
				vma->state == VMA_FREED ? "freed" : "detached");
		return;
	}
	if (now != vma) {
		check_violation("stale-pte", vmf->address,
				"PTE installed through VMA %llu, which VMA %llu has replaced",
				(unsigned long long)vma->id, (unsigned long long)now->id);
		return;
	}
	if (!(now->vm_flags & need)) {
		check_violation("stale-protection", vmf->address,
				"PTE installed for a %s access that VMA %llu (flags %#lx) no longer allows",
				need == VM_WRITE ? "write" : need == VM_EXEC ? "exec" : "read",
				(unsigned long long)now->id, now->vm_flags);
	}
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
