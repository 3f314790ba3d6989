/*
 * pervma-refcount: per-VMA locks as merged upstream.
 *
 * variant=refcnt (default) models Linux 6.15+ (Suren Baghdasaryan's
 * "replace vm_lock and detached flag with a reference count" series):
 * - lock_vma_under_rcu(): under rcu_read_lock, walk the maple tree, then
 *   vma_start_read(): a lockless pessimistic check that the VMA is not
 *   write-locked in the current mmap_write session (vm_lock_seq ==
 *   mm_lock_seq), __refcount_inc_not_zero_limited_acquire() on vm_refcnt
 *   (fails on a detached VMA, count 0, or one a writer holds, count >=
 *   VMA_LOCK_OFFSET), and the vm_lock_seq check again; then the address
 *   check.  Counted as in the kernel's vmstat: VMA_LOCK_SUCCESS, _ABORT,
 *   _RETRY (the fault returned VM_FAULT_RETRY, e.g. for I/O, and falls
 *   back), _MISS (the VMA was detached under us: walk again).
 * - vm_refcnt lives on its own cacheline (____cacheline_aligned_in_smp),
 *   vm_lock_seq next to vm_start/vm_end.
 * - Writers: mmap_write_lock() opens an mm_lock_seq write section;
 *   vma_start_write() adds VMA_LOCK_OFFSET to vm_refcnt, waits (rcuwait)
 *   for the readers to drain, records vm_lock_seq = mm_lock_seq and drops
 *   the offset; mmap_write_unlock() ends the section, which unlocks every
 *   VMA marked in it at once.  vma_mark_detached() drops the tree's
 *   reference and waits for transient readers; the VMA is then freed after
 *   an RCU grace period.
 *
 * variant=rwsem models Linux 6.4 (the first merge): a per-VMA
 * rw_semaphore taken with down_read_trylock() by faults and down_write()
 * by vma_start_write(), a `detached` flag checked after locking (MISS),
 * and only anonymous VMAs that already have an anon_vma take the per-VMA
 * path; everything else aborts to mmap_lock, as in 6.4.
 *
 * Where that rwsem lives, -p vm_lock= (the layouts Baghdasaryan measured;
 * none of them puts a line a fault writes in the lock line's 128-byte
 * pair, so none pairs modeled lines for the adjacent-line prefetcher):
 * - separate (6.4-6.14, "mm: separate vma->lock from vm_area_struct"): a
 *   40-byte struct vma_lock in its own slab, 102 to a page with no
 *   cacheline alignment, so its 128 bytes hold other VMAs' locks.
 * - embedded (the series before that commit, 2022-09 to 2023-02): the
 *   rwsem right after vm_flags and vm_lock_seq, its count and owner among
 *   vm_start/vm_end/vm_flags: the whole lock on vma->fields here.  That
 *   cache had no SLAB_HWCACHE_ALIGN (VMAs 16-byte aligned), so which line
 *   pairs with which changes from VMA to VMA.
 * - aligned (Guzik's RFC "vm: align vma allocation and move the lock back
 *   into the struct", as Baghdasaryan measured it on 2024-08-09, and what
 *   his series "mm: move per-vma lock into vm_area_struct" then did, its
 *   slabinfo a 256-byte vm_area_struct, 32 to a slab): the rwsem
 *   ____cacheline_aligned_in_smp after the 160 bytes of fields, in a
 *   SLAB_HWCACHE_ALIGN cache: the VMA's fourth line, on its own.  Its pair
 *   is the third line (vm_file, vm_private_data, vm_policy...), which a
 *   fault only reads, and no modeled line; so the lock's line behaves as
 *   separate's.  Baghdasaryan measured -15.6% at 12 threads and -9.2% at
 *   56 against separate with the prefetcher on, -4.7% and +1.4% with it
 *   off: the model, which has no capacity misses (a line it reads stays
 *   in the reader's cache until someone writes it), has no refetch of the
 *   third line to drag the lock's line along, and finds the two equal.
 *
 * Simplified: 6.15 frees VMAs into a SLAB_TYPESAFE_BY_RCU cache (memory
 * may be reused for another VMA at once; readers re-check); modeled here
 * as a free deferred by an RCU grace period, which gives readers the same
 * guarantee that the memory is still a VMA.  No userfaultfd, no
 * mmap_lock_speculate_*() (6.12+ file-lookup users).
 */
#include "schemes/scheme.h"

#define VMA_LOCK_OFFSET	0x40000000L
#define VMA_REF_LIMIT	(VMA_LOCK_OFFSET - 1)

enum pervma_variant { VARIANT_REFCNT, VARIANT_RWSEM };

/* -p vm_lock=, in the order of its choices */
enum vm_lock_layout { VM_LOCK_SEPARATE, VM_LOCK_EMBEDDED, VM_LOCK_ALIGNED };

struct pervma_mm {
	seqcount_t mm_lock_seq;
	enum vm_lock_layout vm_lock;	/* variant=rwsem: where the rwsem lives */
	struct task *vma_writer_wait;	/* rcuwait: at most the one writer */
	enum pervma_variant variant;
};

struct pervma_vma {
	refcount_t vm_refcnt;		/* on vma->lock_line */
	unsigned int vm_lock_seq;	/* on vma->fields */
	struct rw_semaphore vm_lock;	/* variant=rwsem: its own line, as 6.4's vma_lock */
	bool detached;			/* variant=rwsem */
};

static struct pervma_mm *pm(const struct mm_struct *mm)
{
	return mm->priv;
}

static struct pervma_vma *pv(const struct vm_area_struct *vma)
{
	return vma->priv;
}

/* ---- writer side --------------------------------------------------------- */

static void pervma_mmap_write_lock(struct mm_struct *mm)
{
	mmap_write_lock(mm);
	write_seqcount_begin(&pm(mm)->mm_lock_seq);	/* mm_lock_seqcount_begin() */
}

static void pervma_mmap_write_unlock(struct mm_struct *mm)
{
	write_seqcount_end(&pm(mm)->mm_lock_seq);	/* vma_end_write_all() */
	mmap_write_unlock(mm);
}

/* mmap_write_downgrade(): vma_end_write_all(), then the rwsem's downgrade. */
static bool pervma_mmap_write_downgrade(struct mm_struct *mm)
{
	write_seqcount_end(&pm(mm)->mm_lock_seq);
	mmap_write_downgrade(mm);
	return true;
}

static bool is_vma_writer_only(long refcnt)
{
	return (refcnt & VMA_LOCK_OFFSET) && refcnt <= VMA_LOCK_OFFSET + 1;
}

/* rcuwait_wait_event(&mm->vma_writer_wait, refcount == tgt). */
static void wait_for_readers(struct vm_area_struct *vma, long tgt_refcnt)
{
	struct pervma_mm *p = pm(vma->vm_mm);

	for (;;) {
		task_prepare_sleep();
		p->vma_writer_wait = current;
		if (refcount_read(&pv(vma)->vm_refcnt) == tgt_refcnt)
			break;
		count_event("vma_writer_wait");
		task_schedule();
	}
	p->vma_writer_wait = NULL;
}

/* __vma_enter_locked(): false if the VMA is already detached. */
static bool vma_enter_locked(struct vm_area_struct *vma, bool detaching)
{
	atomic_long_t *refs = &pv(vma)->vm_refcnt.refs;
	long old = atomic_long_read(refs);

	do {
		if (!old)
			return false;	/* refcount_add_not_zero() */
	} while (!atomic_long_try_cmpxchg(refs, &old, old + VMA_LOCK_OFFSET));
	wait_for_readers(vma, VMA_LOCK_OFFSET + (detaching ? 0 : 1));
	return true;
}

static void pervma_vma_start_write(struct vm_area_struct *vma)
{
	struct mm_struct *mm = vma->vm_mm;
	struct pervma_vma *v = pv(vma);
	unsigned int mm_lock_seq = pm(mm)->mm_lock_seq.sequence;

	line_read(&vma->fields);
	if (v->vm_lock_seq == mm_lock_seq)
		return;		/* already write-locked in this session */
	if (pm(mm)->variant == VARIANT_RWSEM) {
		down_write(&v->vm_lock);
		v->vm_lock_seq = mm_lock_seq;
		line_write(&vma->fields);
		up_write(&v->vm_lock);
		return;
	}
	if (vma_enter_locked(vma, false)) {
		v->vm_lock_seq = mm_lock_seq;
		line_write(&vma->fields);
		atomic_long_add(-VMA_LOCK_OFFSET, &v->vm_refcnt.refs);	/* __vma_exit_locked() */
	} else {
		v->vm_lock_seq = mm_lock_seq;
		line_write(&vma->fields);
	}
}

/* vma_mark_detached(): as the VMA leaves the tree, before any downgrade. */
static void pervma_vma_detach(struct vm_area_struct *vma)
{
	struct pervma_vma *v = pv(vma);

	if (pm(vma->vm_mm)->variant == VARIANT_RWSEM) {
		v->detached = true;
		line_write(&vma->fields);
	} else if (!refcount_dec_and_test(&v->vm_refcnt)) {
		/* A reader raised it transiently: wait until they all left. */
		if (vma_enter_locked(vma, true))
			atomic_long_add(-VMA_LOCK_OFFSET, &v->vm_refcnt.refs);
	}
}

/* Freed after a grace period: a lockless lookup may still hold it. */
static void pervma_vma_free(struct vm_area_struct *vma)
{
	vm_area_free_rcu(vma);
}

/* ---- reader side ---------------------------------------------------------- */

static void vma_refcount_put(struct vm_area_struct *vma)
{
	struct pervma_mm *p = pm(vma->vm_mm);
	long old = atomic_long_fetch_add(-1, &pv(vma)->vm_refcnt.refs);

	if (old - 1 > 0 && is_vma_writer_only(old - 1) && p->vma_writer_wait)
		task_wake(p->vma_writer_wait);	/* rcuwait_wake_up() */
}

static void vma_end_read(struct vm_area_struct *vma)
{
	if (pm(vma->vm_mm)->variant == VARIANT_RWSEM)
		up_read(&pv(vma)->vm_lock);
	else
		vma_refcount_put(vma);
}

/* 0: locked; 1: cannot lock (abort); 2: detached under us (miss, retry). */
static int vma_start_read(struct mm_struct *mm, struct vm_area_struct *vma)
{
	struct pervma_mm *p = pm(mm);
	struct pervma_vma *v = pv(vma);
	long old;

	/* Lockless pessimistic check: write-locked in this session? */
	line_read(&vma->fields);
	if (v->vm_lock_seq == raw_read_seqcount(&p->mm_lock_seq))
		return 1;
	if (p->variant == VARIANT_RWSEM) {
		if (!down_read_trylock(&v->vm_lock))
			return 1;
	} else {
		/* __refcount_inc_not_zero_limited_acquire() */
		old = atomic_long_read(&v->vm_refcnt.refs);
		do {
			if (!old)
				return 2;
			if (old + 1 > VMA_REF_LIMIT)
				return 1;
		} while (!atomic_long_try_cmpxchg(&v->vm_refcnt.refs, &old, old + 1));
	}
	line_read(&vma->fields);
	if (v->vm_lock_seq == raw_read_seqcount(&p->mm_lock_seq)) {
		vma_end_read(vma);
		return 1;
	}
	return 0;
}

static struct vm_area_struct *lock_vma_under_rcu(struct mm_struct *mm, unsigned long address)
{
	struct vm_area_struct *vma;
	int rc;

	rcu_read_lock();
retry:
	vma = vma_lookup_rcu(mm, address);
	if (!vma)
		goto inval;
	if (pm(mm)->variant == VARIANT_RWSEM) {
		/* 6.4: anonymous VMAs with an anon_vma only. */
		line_read(&vma->fields);
		if ((vma->vm_flags & VM_FILE) || !vma->anon_vma)
			goto inval;
	}
	rc = vma_start_read(mm, vma);
	if (rc == 2) {
		count_event("VMA_LOCK_MISS");
		goto retry;
	}
	if (rc)
		goto inval;
	/* Stable now: check it is the right one. */
	if (address < vma_start(vma) || address >= vma_end(vma))
		goto inval_end_read;
	if (pm(mm)->variant == VARIANT_RWSEM && pv(vma)->detached) {
		vma_end_read(vma);
		count_event("VMA_LOCK_MISS");
		goto retry;
	}
	rcu_read_unlock();
	return vma;
inval_end_read:
	vma_end_read(vma);
inval:
	rcu_read_unlock();
	count_event("VMA_LOCK_ABORT");
	return NULL;
}

static void pervma_unlock_for_io(struct vm_fault *vmf)
{
	vma_end_read(vmf->vma);
}

/* do_user_addr_fault(): the per-VMA attempt, then the mmap_lock path. */
static vm_fault_t pervma_fault(struct mm_struct *mm, unsigned long address, unsigned int flags)
{
	struct vm_area_struct *vma;
	struct vm_fault vmf;
	vm_fault_t fault;

	vma = lock_vma_under_rcu(mm, address);
	if (!vma)
		goto lock_mmap;
	vmf_init(&vmf, vma, address, flags | FAULT_FLAG_VMA_LOCK, pervma_unlock_for_io);
	fault = handle_mm_fault(&vmf);
	if (!(fault & (VM_FAULT_RETRY | VM_FAULT_COMPLETED)))
		vma_end_read(vma);
	if (!(fault & VM_FAULT_RETRY)) {
		count_event("VMA_LOCK_SUCCESS");
		return fault;
	}
	count_event("VMA_LOCK_RETRY");
	flags |= FAULT_FLAG_TRIED;
lock_mmap:
	count_event("fault_fallback_mmap_lock");
	/* 6.4.0 still had the inline trylock; 6.5 (and 6.4.1 on) lock_mm_and_find_vma() */
	if (pm(mm)->variant == VARIANT_RWSEM)
		return do_fault_mmap_lock_pre_6_5(mm, address, flags);
	return do_fault_mmap_lock(mm, address, flags);
}

/* ---- setup ---------------------------------------------------------------- */

static enum vm_lock_layout vm_lock_layout(const char *name)
{
	if (!strcmp(name, "embedded"))
		return VM_LOCK_EMBEDDED;
	return !strcmp(name, "aligned") ? VM_LOCK_ALIGNED : VM_LOCK_SEPARATE;
}

static void pervma_init_mm(struct mm_struct *mm)
{
	struct pervma_mm *p = pm(mm);
	const char *variant = scheme_param(mm, "variant");

	/* mm_lock_seq follows mmap_lock and mmlist: on the line of the rwsem's owner */
	seqcount_init(&p->mm_lock_seq, &mm->mmap_lock.owner_line);
	p->variant = !strcmp(variant, "rwsem") ? VARIANT_RWSEM : VARIANT_REFCNT;
	p->vm_lock = vm_lock_layout(scheme_param(mm, "vm_lock"));
}

static void pervma_init_vma(struct vm_area_struct *vma)
{
	struct pervma_vma *v = pv(vma);

	refcount_init(&v->vm_refcnt, &vma->lock_line, 1);	/* attached */
	v->vm_lock_seq = (unsigned int)-1;
	v->detached = false;
	if (pm(vma->vm_mm)->variant == VARIANT_RWSEM) {
		/* separate and aligned: a line of its own (see the top) */
		init_rwsem(&v->vm_lock, "vma_lock");
		/* the vm_lock in the VMA itself, among vm_start, vm_end, vm_flags */
		if (pm(vma->vm_mm)->vm_lock == VM_LOCK_EMBEDDED)
			rwsem_place_on_line(&v->vm_lock, &vma->fields);
	}
}

static const struct scheme_param pervma_params[] = {
	{ "variant", "refcnt", "refcnt: 6.15 vm_refcnt; rwsem: the 6.4 per-VMA rw_semaphore",
	  "refcnt|rwsem" },
	{ "vm_lock", "separate", "variant=rwsem: separate (6.4-6.14: its own allocation, its own "
	  "line); embedded (the lock inside the VMA, on the line of vm_start/vm_end/vm_flags, "
	  "as before 6.4); aligned (inside a cacheline-aligned VMA on a line of its own, "
	  "as measured in 2024-08)", "separate|embedded|aligned" },
	{ NULL, NULL, NULL, NULL },
};

const struct scheme_ops pervma_ops = {
	.api_version	= SCHEME_API_VERSION,
	.abi		= SCHEME_ABI,
	.name		= "pervma-refcount",
	.summary	= "per-VMA locks: lock_vma_under_rcu, vm_refcnt (6.15) or vma rwsem (6.4)",
	.mm_priv_size	= sizeof(struct pervma_mm),
	.vma_priv_size	= sizeof(struct pervma_vma),
	.params		= pervma_params,
	.fault		= pervma_fault,
	.write_lock	= pervma_mmap_write_lock,
	.write_unlock	= pervma_mmap_write_unlock,
	.write_downgrade = pervma_mmap_write_downgrade,
	.vma_detach	= pervma_vma_detach,
	.vma_write	= pervma_vma_start_write,
	.vma_free	= pervma_vma_free,
	.init_mm	= pervma_init_mm,
	.init_vma	= pervma_init_vma,
};
