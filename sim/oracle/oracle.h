/*
 * The safety oracle (DESIGN.md section 6).  The kernel model knows every
 * VMA's life (live, detached, waiting for a grace period, freed) and the
 * truth of the address space at every instant; the oracle flags, with
 * time, task and address:
 * - use-after-free: a touch of any line of a freed VMA;
 * - stale-pte: a PTE installed through a VMA that a concurrent munmap or
 *   mremap had already torn down, and that outlived the writer's cleanup;
 * - stale-protection: a writable PTE installed through a VMA a concurrent
 *   mprotect made read-only, that outlived its write-protect pass;
 *   (both judged when the writer's session ends: see check_pte_install();
 *   a PTE installed through a replaced VMA whose replacement has the same
 *   range and access is not caught);
 * - torn-vma: a PTE installed from a VMA snapshot taken while a writer was
 *   half-way through changing it;
 * - fork-rmap: fork copied an anonymous page into a child VMA that is in
 *   no anon_vma (a fault linked the parent's during the copy), so no rmap
 *   walk can find the child's mapping (reported by mm_dup());
 * - lock misuse reported by the primitives (unlock without lock, sleeping
 *   in an RCU section, a lock leaked at task end).
 * A run with any violation has status FAILED.
 */
#ifndef MMLOCKSIM_CHECK_H
#define MMLOCKSIM_CHECK_H

#include <stdint.h>

#include "sim/core/engine.h"

struct vm_fault;

struct violation {
	sim_time_t time;
	int task;
	const char *kind;
	unsigned long addr;
	char detail[200];
};

#define CHECK_MAX_KEPT 1000

/* Reset and install the oracle's hooks for a run. */
void check_setup(void);
void check_violation(const char *kind, unsigned long addr, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Called by handle_mm_fault() under the PTE lock, right before set_pte. */
void check_pte_install(const struct vm_fault *vmf);
/* A writer session on mm ended / the run ended: judge deferred installs. */
struct mm_struct;
void check_writer_done(const struct mm_struct *mm);
void check_run_end(void);

uint64_t check_nr_violations(void);
int check_nr_kept(void);
const struct violation *check_violation_at(int i);
/* Violations by kind, for summaries. */
uint64_t check_count_kind(const char *kind);

#endif
