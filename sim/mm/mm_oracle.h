/*
 * Where the mm model lets a safety oracle watch it: right before a fault
 * sets a PTE (under the PTE lock), and when a writer's session on an mm
 * ends.  The oracle (sim/oracle/) installs its ops for a run; with none
 * installed the model runs unobserved.  Violations the model finds itself
 * (a double free, a VMA missing from the tree) go to report_violation().
 */
#ifndef MMLOCKSIM_MM_ORACLE_H
#define MMLOCKSIM_MM_ORACLE_H

#include <stddef.h>

struct vm_fault;
struct mm_struct;

struct mm_oracle_ops {
	void (*pte_install)(const struct vm_fault *vmf);
	void (*writer_done)(const struct mm_struct *mm);
};

extern const struct mm_oracle_ops *mm_oracle;

static inline void oracle_pte_install(const struct vm_fault *vmf)
{
	if (mm_oracle)
		mm_oracle->pte_install(vmf);
}

static inline void oracle_writer_done(const struct mm_struct *mm)
{
	if (mm_oracle)
		mm_oracle->writer_done(mm);
}

#endif
