/*
 * template: copy this file to start a scheme.  As it stands it is
 * global-rwsem written out by hand, so it builds and passes `mmlocksim
 * check` unchanged; each hook says what a scheme usually does there.
 *
 * To add your scheme: copy to schemes/myscheme.c, rename the ops and its
 * name, add one line X(myscheme_ops) to BUILTIN_SCHEMES in registry.c and
 * one `build` line in build.ninja (or, outside the tree, name the ops
 * mmlocksim_scheme, build it with `tools/build-plugin myscheme.c` and load
 * it with --plugin; see the README, "Adding a scheme").
 *
 * The header comment of a real scheme says which kernel design it models
 * (series or version) and what it simplifies.
 */
#include "schemes/scheme.h"

/* Per-mm and per-VMA private state: mm->priv, vma->priv (zeroed). */
struct template_mm {
	unsigned long faults;
};

static void template_unlock_for_io(struct vm_fault *vmf)
{
	/* handle_mm_fault() calls this before sleeping on I/O: drop your lock. */
	mmap_read_unlock(vmf->vma->vm_mm);
}

/*
 * The fault: find the VMA and keep it from changing or going away while
 * handle_mm_fault() runs.  Lockless schemes would look the VMA up under
 * rcu_read_lock(), pin it (a refcount, a sequence snapshot checked in
 * vmf.validate under the PTE lock), and fall back to do_fault_mmap_lock()
 * when that fails.
 */
static vm_fault_t template_fault(struct mm_struct *mm, unsigned long address,
				 unsigned int flags)
{
	struct template_mm *tm = mm->priv;
	struct vm_area_struct *vma;
	struct vm_fault vmf;
	vm_fault_t fault;

	tm->faults++;
retry:
	vma = lock_mm_and_find_vma(mm, address);
	if (!vma)
		return VM_FAULT_SIGSEGV;
	vmf_init(&vmf, vma, address, flags, template_unlock_for_io);		/* read vm_start/vm_end/vm_flags */
	fault = handle_mm_fault(&vmf);
	if (fault & VM_FAULT_RETRY) {
		/* The lock is already dropped: go again, the page is cached now. */
		flags |= FAULT_FLAG_TRIED;
		goto retry;
	}
	mmap_read_unlock(mm);
	return fault;
}

/* Writers: everything that changes the tree or a VMA runs between these. */
static void template_write_lock(struct mm_struct *mm)
{
	mmap_write_lock(mm);
}

static void template_write_unlock(struct mm_struct *mm)
{
	mmap_write_unlock(mm);
}

/* Called with write_lock held before a VMA is changed or detached: a
 * per-VMA lock scheme marks it here and waits for its readers. */
static void template_vma_write(struct vm_area_struct *vma)
{
	(void)vma;
}

/* A detached VMA: free now (safe under mmap_lock), or vm_area_free_rcu()
 * if lockless readers may still hold it. */
static void template_vma_free(struct vm_area_struct *vma)
{
	vm_area_free(vma);
}

const struct scheme_ops template_ops = {
	.api_version	= SCHEME_API_VERSION,
	.abi		= SCHEME_ABI,
	.name		= "template",
	.summary	= "a commented skeleton to copy (behaves as global-rwsem)",
	.flags		= SCHEME_F_NO_COMPARE,
	.mm_priv_size	= sizeof(struct template_mm),
	.fault		= template_fault,			/* required */
	.write_lock	= template_write_lock,			/* required */
	.write_unlock	= template_write_unlock,		/* required */
	.vma_write	= template_vma_write,			/* optional */
	.vma_free	= template_vma_free,			/* optional */
};
