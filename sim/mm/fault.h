/*
 * handle_mm_fault() (fault.c): the page-table half of a fault, after the
 * scheme has found and pinned the VMA.
 */
#ifndef MMLOCKSIM_FAULT_H
#define MMLOCKSIM_FAULT_H

#include "sim/mm/mm_types.h"

/*
 * Walk the page tables, allocate, take the PTE lock, call vmf->validate,
 * install the PTE.  Returns 0; VM_FAULT_SIGSEGV when the snapshot does not
 * allow the access; VM_FAULT_RETRY when the page needed I/O (vmf->unlock
 * was called first, then the I/O waited for, as the kernel does with
 * FAULT_FLAG_ALLOW_RETRY) or when vmf->validate failed (vmf->aborted).
 */
vm_fault_t handle_mm_fault(struct vm_fault *vmf);

#endif
