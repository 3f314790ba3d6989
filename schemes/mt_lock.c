/*
 * mt-lock: no mmap_lock at all.  Writers serialize on the maple tree's own
 * spinlock (mm->mm_mt.ma_lock, the lock a maple tree carries when it is
 * not told to use an external one), readers look VMAs up under RCU, and
 * each VMA's sequence count is its lock.  This is the long-term plan Liam
 * Howlett described for the maple tree on linux-mm and at LSF/MM: once
 * every reader walks the tree under RCU and VMAs are individually
 * protected, mmap_lock only guards tree updates, which the tree's internal
 * lock can do by itself (lib/maple_tree.c: mtree_lock() around mas_store_gfp()
 * when MT_FLAGS_LOCK_EXTERN is not set).
 *
 * Models:
 * - write_lock is spin_lock(&mm->mm_mt.ma_lock) around the whole of mmap,
 *   munmap, mprotect, brk, mremap and fork, so a writer never sleeps (the
 *   misuse checker reports sleep-in-atomic if one does): split, merge,
 *   page-table zap and TLB shootdown all run with the spinlock held.
 *   vma_write opens the VMA's sequence write section (vma_seq.h);
 *   write_unlock closes every section of the session, then drops the lock,
 *   so a fault that looks a VMA up under the lock always sees an even count.
 * - madvise(DONTNEED) (read_lock) takes the tree lock as well.  It zaps
 *   PTEs that a concurrent munmap may be tearing down and page tables it
 *   may be freeing; mmap_read_lock excluded that, and with writers off
 *   mmap_lock the tree lock is the only thing that does.  The cost: an
 *   madvise serializes with writers and with other madvises.
 * - Faults, three tiers, none touching mmap_lock:
 *   1. speculative, as rcu-fault: RCU walk, snapshot of an even sequence
 *      and the fields, the fault, and the sequence re-checked under the
 *      PTE lock before the PTE is set.  Nothing shared is stored.  A
 *      moved sequence (a writer got in) retries up to -p spec_tries times
 *      (MT_FAULT_RETRY); an odd one (a writer is in its session now) or no
 *      VMA goes straight to tier 2 (MT_FAULT_WRITER_BUSY), where spinning
 *      on the tree lock is exactly the wait for that writer.  I/O: the fault takes a reference
 *      on the VMA, leaves RCU, sleeps, and goes round again (MT_FAULT_IO).
 *   2. pinned (MT_FAULT_LOCKED): take the tree lock -- it excludes writers,
 *      so the lookup is authoritative (no VMA: SIGSEGV) and the count is
 *      even -- take a reference on the VMA, drop the lock, and fault under
 *      the reference, validated under the PTE lock as in tier 1.  The
 *      reference, not RCU, keeps the VMA alive, so I/O sleeps in place.
 *      The lock is held for a tree walk only, never for the page work.
 *   3. held (MT_FAULT_LOCKED_HOLD): a writer slipped in between tier 2's
 *      unlock and its PTE lock.  The fault is redone with the tree lock
 *      held throughout, which guarantees progress, since no writer can
 *      move the VMA (validation is then unnecessary); I/O drops the lock as
 *      maybe_unlock_mmap_for_io() drops mmap_lock, and the retry finds the
 *      page cached.  It is the mmap_lock-free stand-in for the classic
 *      fallback; it should be rare, and the counter shows how rare.
 * - Detached VMAs are freed after an RCU grace period, or by the last
 *   reference holder after it (as rcu-fault).
 *
 * Simplified: in the kernel the maple tree lock would cover only the tree
 * store and per-VMA write locks the rest of an operation; here it covers
 * the whole operation, as mmap_lock does for the other schemes, so the
 * writer-vs-writer serialization is the same and the difference measured
 * is a spinlock (no sleeping, no rwsem reader/writer handoff, no wakeups)
 * against an rwsem.  Page zeroing and copying under the spinlock in tier 3
 * would not pass review in a real kernel; it is kept because the tier is
 * rare and it bounds the fault.  Page allocation never sleeps in the model.
 */
#include "schemes/scheme.h"
#include "schemes/vma_seq.h"

struct mt_lock_mm {
	struct vma_seq_writer writer;
	int spec_tries;
};

static struct mt_lock_mm *mm_priv(const struct mm_struct *mm)
{
	return mm->priv;
}

/* The VMA lock is the sequence count of vma_seq.h, with its pin count. */
static seqcount_t *vma_seq(const struct vm_area_struct *vma)
{
	return &vma_seq_ref(vma)->seq;
}

/* Tier 3 before sleeping on I/O: drop the tree lock. */
static void mt_unlock_for_io(struct vm_fault *vmf)
{
	spin_unlock(&vmf->vma->vm_mm->mm_mt.ma_lock);
}

/*
 * Tier 1.  Returns true when the fault is finished (*ret set); false to
 * go to the locked tiers.  *flags picks up FAULT_FLAG_TRIED after I/O.
 */
static bool mt_fault_speculative(struct mm_struct *mm, unsigned long address,
				 unsigned int *flags, vm_fault_t *ret)
{
	int tries = 0, io = 0;

	for (;;) {
		switch (vma_seq_fault_try(mm, address, flags, ret)) {
		case VMA_SPEC_DONE:
			count_event("MT_FAULT_SUCCESS");
			return true;
		case VMA_SPEC_RETRY:
			count_event("MT_FAULT_RETRY");
			if (++tries < mm_priv(mm)->spec_tries)
				continue;
			return false;
		case VMA_SPEC_IO:
			count_event("MT_FAULT_IO");
			if (++io < mm_params.max_fault_retries)
				continue;
			return false;
		case VMA_SPEC_BUSY:
			/* An odd count: spinning on the tree lock is the wait for that writer. */
			count_event("MT_FAULT_WRITER_BUSY");
			return false;
		case VMA_SPEC_SIGSEGV:
			return false;	/* let the authoritative lookup decide */
		}
	}
}

/* Tier 3: the whole fault under the tree lock (writers excluded). */
static vm_fault_t mt_fault_held(struct mm_struct *mm, unsigned long address, unsigned int flags)
{
	struct vm_area_struct *vma;
	struct vm_fault vmf;
	vm_fault_t fault;
	int tries = 0;

	count_event("MT_FAULT_LOCKED_HOLD");
again:
	vma = lock_tree_and_find_vma(mm, address);
	if (!vma)
		return VM_FAULT_SIGSEGV;
	vmf_init(&vmf, vma, address, flags, NULL);
	vmf.unlock = mt_unlock_for_io;
	fault = handle_mm_fault(&vmf);
	if (fault & VM_FAULT_RETRY) {
		/* The lock was dropped for the I/O; the page is cached now. */
		count_event("MT_FAULT_IO");
		flags |= FAULT_FLAG_TRIED;
		if (++tries < mm_params.max_fault_retries)
			goto again;
		return VM_FAULT_SIGSEGV;
	}
	spin_unlock(&mm->mm_mt.ma_lock);
	return fault;
}

/* Tier 2: pin the VMA under the tree lock, fault under the reference. */
static vm_fault_t mt_fault_pinned(struct mm_struct *mm, unsigned long address, unsigned int flags)
{
	struct vm_area_struct *vma;
	struct vm_fault vmf;
	vm_fault_t fault;
	unsigned int seq;

	count_event("MT_FAULT_LOCKED");
	vma = lock_tree_and_find_vma(mm, address);
	if (!vma)
		return VM_FAULT_SIGSEGV;
	/* Writers close their sections before they unlock: even here. */
	seq = raw_read_seqcount(vma_seq(vma));
	refcount_inc(&vma_seq_ref(vma)->refs);	/* in the tree: the tree's reference is there */
	spin_unlock(&mm->mm_mt.ma_lock);

	/* No RCU, no lock: I/O may sleep in place, under the reference. */
	vmf_init(&vmf, vma, address, flags & ~FAULT_FLAG_ALLOW_RETRY, NULL);
	vmf.seq = seq;
	vmf.validate = vma_seq_unchanged;
	fault = handle_mm_fault(&vmf);
	vma_seq_put(vma);
	if (!vmf.aborted)
		return fault;
	count_event("MT_FAULT_LOCKED_ABORT");
	return mt_fault_held(mm, address, flags);
}

static vm_fault_t mt_fault(struct mm_struct *mm, unsigned long address, unsigned int flags)
{
	vm_fault_t fault;

	if (mt_fault_speculative(mm, address, &flags, &fault))
		return fault;
	return mt_fault_pinned(mm, address, flags);
}

static void mt_write_lock(struct mm_struct *mm)
{
	spin_lock(&mm->mm_mt.ma_lock);
}

static void mt_write_unlock(struct mm_struct *mm)
{
	/* Close the VMA sections first: a locked lookup must see them even. */
	vma_seq_write_end_all(&mm_priv(mm)->writer);
	spin_unlock(&mm->mm_mt.ma_lock);
}

/* madvise(DONTNEED): its zap must not meet a writer's teardown. */
static void mt_read_lock(struct mm_struct *mm)
{
	spin_lock(&mm->mm_mt.ma_lock);
}

static void mt_read_unlock(struct mm_struct *mm)
{
	spin_unlock(&mm->mm_mt.ma_lock);
}

static void mt_vma_write(struct vm_area_struct *vma)
{
	vma_seq_write_begin(&mm_priv(vma->vm_mm)->writer, vma, vma_seq(vma));
}

static void mt_init_mm(struct mm_struct *mm)
{
	long n = scheme_param_long(mm, "spec_tries");

	mm_priv(mm)->spec_tries = n < 1 ? 1 : n > 64 ? 64 : (int)n;
}

static void mt_destroy_mm(struct mm_struct *mm)
{
	vma_seq_writer_free(&mm_priv(mm)->writer);
}

static const struct scheme_param mt_params[] = {
	{ "spec_tries", "3", "speculative attempts whose validation failed before the fault "
	  "takes the tree lock", "1..64" },
	{ NULL, NULL, NULL, NULL },
};

const struct scheme_ops mt_lock_ops = {
	.api_version	= SCHEME_API_VERSION,
	.abi		= SCHEME_ABI,
	.name		= "mt-lock",
	.summary	= "no mmap_lock: writers take the maple tree spinlock, faults RCU + VMA seqcount",
	.mm_priv_size	= sizeof(struct mt_lock_mm),
	.vma_priv_size	= sizeof(struct vma_seq_ref),
	.params		= mt_params,
	.fault		= mt_fault,
	.write_lock	= mt_write_lock,
	.write_unlock	= mt_write_unlock,
	.read_lock	= mt_read_lock,
	.read_unlock	= mt_read_unlock,
	.vma_write	= mt_vma_write,
	.vma_free	= vma_seq_free_rcu,
	.init_mm	= mt_init_mm,
	.destroy_mm	= mt_destroy_mm,
	.init_vma	= vma_seq_ref_init,
};
