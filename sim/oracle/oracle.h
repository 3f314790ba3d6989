/*
 * The safety oracle (DESIGN.md, "The safety oracle").  The kernel model knows every
 * VMA's life (live, detached, waiting for a grace period, freed) and the
 * truth of the address space at every instant; the oracle flags, with
 * time, task and address:
 * - use-after-free: a touch of any line of a freed VMA;
 * - stale-pte: a PTE installed through a VMA that a concurrent munmap or
 *   mremap had already torn down, and that outlived the writer's cleanup;
 * - stale-protection: a writable PTE installed through a VMA a concurrent
 *   mprotect made read-only, that outlived its write-protect pass;
 *   (both judged when the writer's session ends: see oracle.c, judge();
 *   a PTE installed through a replaced VMA whose replacement has the same
 *   range and access is not caught);
 * - torn-vma: a PTE installed from a VMA snapshot taken while a writer was
 *   half-way through changing it;
 * - fork-rmap: fork copied an anonymous page into a child VMA that is in
 *   no anon_vma (a fault linked the parent's during the copy), so no rmap
 *   walk can find the child's mapping (reported by mm_dup());
 * - lock misuse reported by the primitives (unlock without lock, sleeping
 *   in an RCU section, a lock leaked at task end).
 * It watches the mm model through the hooks of sim/mm/mm_oracle.h and
 * records what it finds with report_violation() (sim/core/violation.h).
 * A run with any violation has status FAILED.
 */
#ifndef MMLOCKSIM_ORACLE_H
#define MMLOCKSIM_ORACLE_H

#include "sim/core/violation.h"

/* Reset the record and install the oracle's hooks for a run. */
void oracle_setup(void);
/* The run ended: judge the installs still deferred, and check every mm
 * (mm_validate()): an inconsistent one is an "mm-inconsistent" violation. */
void oracle_run_end(void);

#endif
