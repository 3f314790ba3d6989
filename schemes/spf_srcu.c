/*
 * spf-srcu: speculative page faults, as each series posted them
 * (-p variant=...).  In all of them a fault first tries without
 * mmap_lock, on a snapshot of its VMA, and validates the snapshot under
 * the PTE lock before it sets the PTE; any doubt aborts the speculation
 * (SPF_ABORT) and the fault is redone under mmap_lock, as
 * do_user_addr_fault() does after a failed speculation.  A speculative
 * fault never allocates a page table (a missing one aborts), and writers
 * hold mmap_lock for write as always.  Counts SPF_ATTEMPT, SPF_SUCCESS,
 * SPF_ABORT and the fallbacks, and the aborts by reason (spf_*).
 *
 * variant=zijlstra (default): Peter Zijlstra's 2014 re-spin ("Another go at
 * speculative page faults", after his 2010 RFC).  The fault runs inside an
 * SRCU read section (the VMAs are freed with call_srcu()), looks the VMA
 * up, snapshots its sequence count vm_sequence (odd: a writer is at work,
 * abort), copies the fields and re-checks the count; pte_map_lock() takes
 * the PTE lock with a plain spin_lock() and re-checks the count.  Every
 * VMA speculates, file-backed ones too, and a fault that needs I/O does it
 * inside the section (SRCU readers may sleep).  Writers bump the sequence
 * of each VMA they change (vm_write_begin/end).  srcu_read_lock() and
 * _unlock() store to this CPU's SRCU counters.
 *
 * variant=dufour-v11: Laurent Dufour's v11 (2018-05).  SRCU was dropped,
 * since freeing VMAs through it scheduled so much work that it cost 20%
 * (Kemi Wang's measurement): the VMA is looked up under the mm_rb_lock
 * rwlock and pinned with its use count (get_vma(): read_lock, find,
 * atomic_inc(&vma->vm_ref_count), read_unlock), unpinned with put_vma(),
 * and freed when the count drops to zero -- four RMWs on shared lines per
 * fault.  Only anonymous VMAs that already have an anon_vma speculate
 * (vma->vm_ops set aborts, as does !anon_vma), so there is never I/O;
 * pte_map_lock() uses spin_trylock() and tries again while the VMA is
 * unchanged (v11: "loop in pte_spinlock() and pte_map_lock() when pte try
 * lock fails instead of aborting").  Writers bump vm_sequence and take
 * mm_rb_lock for write for each VMA they change and before the tree's
 * reference to a removed VMA is dropped; the base kernel (4.17) did not
 * yet downgrade mmap_lock in munmap.  It stands for v9 (2018-03, 4.16)
 * too, the series LKP measured: the rwlock and the use count came in v9
 * ("mm: Protect mm_rb tree with a rwlock", where Zijlstra answered that
 * it "simply traded contention on mmap_sem for contention on these two
 * cachelines"); v9's pte_map_lock() aborted on a busy PTE lock where v11
 * loops, which no figure here meets (each thread has its own PTE pages).
 *
 * variant=lespinasse: Michel Lespinasse's 2021 series.  No store to any
 * shared line on the fast path: an mm-wide sequence count mmap_seq (bumped
 * by mmap_write_lock() and mmap_write_unlock()) is read, odd aborts; under
 * rcu_read_lock() the VMA is found and copied and RCU is left again; the
 * count is checked, and checked again in pte_map_lock(), whose
 * spin_trylock() aborts when the PTE lock is busy (no retry loop, for the
 * starvation it could cause).  VMAs are freed after an RCU grace period.
 * Anonymous faults speculate, and so do file faults whose page is in the
 * page cache (the RFC's ->fault under RCU); a page-cache miss or a
 * shared-file write (page_mkwrite) aborts, and a fault that needs an
 * anon_vma too.  -p vma_atomic=1 adds the experiment of its cover letter:
 * one atomic per VMA, incremented before the copy and decremented after
 * (what cut its 48-thread pft throughput by 62%); the copy is the whole
 * VMA, four lines, so the decrement comes after the window in which the
 * CPU keeps the line the increment brought.
 *
 * Simplified: the rbtree of 2014 and 2018 is the model's maple tree (its
 * walk costs the same lines); Zijlstra's mm_seq seqlock around rbtree
 * updates is left out; Dufour's writer takes mm_rb_lock once per VMA it
 * changes and once per VMA it removes, not around each rbtree operation
 * (the model's tree stores are not scheme hooks); the per-VMA write sections stay open
 * until mmap_write_unlock (see schemes/vma_seq.h).
 */
#include "schemes/scheme.h"
#include "schemes/vma_seq.h"

enum spf_variant { SPF_ZIJLSTRA, SPF_DUFOUR_V11, SPF_LESPINASSE };

struct spf_mm {
	enum spf_variant variant;
	bool vma_atomic;		/* lespinasse: the one-atomic-per-VMA experiment */
	struct srcu_struct vma_srcu;	/* zijlstra */
	struct vma_seq_writer writer;	/* zijlstra, dufour-v11: per-VMA sequences */
	rwlock_t mm_rb_lock;		/* dufour-v11 */
	struct cacheline seq_line;	/* lespinasse: mmap_seq */
	seqcount_t mmap_seq;
};

struct spf_vma {
	seqcount_t vm_sequence;		/* on vma->lock_line */
	atomic_long_t vm_ref_count;	/* dufour-v11 (the tree's 1, plus pins) */
};

static struct spf_mm *sm(const struct mm_struct *mm)
{
	return mm->priv;
}

static struct spf_vma *sv(const struct vm_area_struct *vma)
{
	return vma->priv;
}

static bool spf_vma_unchanged(struct vm_fault *vmf)
{
	return !read_seqcount_retry(&sv(vmf->vma)->vm_sequence, (unsigned int)vmf->seq);
}

static bool spf_mmap_seq_unchanged(struct vm_fault *vmf)
{
	return !read_seqcount_retry(&sm(vmf->vma->vm_mm)->mmap_seq, (unsigned int)vmf->seq);
}

static vm_fault_t spf_fallback(struct mm_struct *mm, unsigned long address, unsigned int flags)
{
	count_event("fault_fallback_mmap_lock");
	if (sm(mm)->variant == SPF_LESPINASSE)
		return do_fault_mmap_lock(mm, address, flags);
	return do_fault_mmap_lock_pre_6_5(mm, address, flags);
}

/* Outcome of a speculation that got as far as handle_mm_fault(). */
static vm_fault_t spf_finish(struct mm_struct *mm, unsigned long address, unsigned int flags,
			     struct vm_fault *vmf, vm_fault_t fault)
{
	if (vmf->aborted || (fault & VM_FAULT_SIGSEGV)) {
		/* a SIGSEGV is the classic path's to decide */
		count_event("SPF_ABORT");
		return spf_fallback(mm, address, flags);
	}
	count_event("SPF_SUCCESS");
	return fault;
}

/* ---- Zijlstra 2014: SRCU, per-VMA sequence, spin_lock in pte_map_lock ---- */

static vm_fault_t spf_fault_zijlstra(struct mm_struct *mm, unsigned long address,
				     unsigned int flags)
{
	struct spf_mm *p = sm(mm);
	struct vm_area_struct *vma;
	struct vm_fault vmf;
	vm_fault_t fault;
	unsigned int seq;
	int idx;

	idx = srcu_read_lock(&p->vma_srcu);
	vma = vma_lookup_rcu(mm, address);
	if (!vma)
		goto abort;
	seq = raw_read_seqcount(&sv(vma)->vm_sequence);
	if (seq & 1)
		goto abort;
	/* SRCU readers may sleep: I/O is done inside the section. */
	vmf_init(&vmf, vma, address, (flags & ~FAULT_FLAG_ALLOW_RETRY) | FAULT_FLAG_SPECULATIVE,
		 NULL);
	if (address < vmf.vm_start || address >= vmf.vm_end)
		goto abort;
	if (read_seqcount_retry(&sv(vma)->vm_sequence, seq))
		goto abort;
	vmf.seq = seq;
	vmf.validate = spf_vma_unchanged;
	vmf.spec = SPEC_NO_PT_ALLOC;
	fault = handle_mm_fault(&vmf);
	srcu_read_unlock(&p->vma_srcu, idx);
	return spf_finish(mm, address, flags, &vmf, fault);
abort:
	srcu_read_unlock(&p->vma_srcu, idx);
	count_event("SPF_ABORT");
	return spf_fallback(mm, address, flags);
}

/* ---- Dufour v11: mm_rb_lock, VMA use count, trylock loop ---------------- */

/* put_vma(): the last reference frees the VMA. */
static void spf_put_vma(struct vm_area_struct *vma)
{
	if (atomic_long_add_return(-1, &sv(vma)->vm_ref_count) == 0)
		vm_area_free(vma);
}

static struct vm_area_struct *spf_get_vma(struct mm_struct *mm, unsigned long address)
{
	struct spf_mm *p = sm(mm);
	struct vm_area_struct *vma;

	read_lock(&p->mm_rb_lock);
	vma = find_vma(mm, address);
	if (vma)
		atomic_long_add(1, &sv(vma)->vm_ref_count);
	read_unlock(&p->mm_rb_lock);
	return vma;
}

static vm_fault_t spf_fault_dufour(struct mm_struct *mm, unsigned long address,
				   unsigned int flags)
{
	struct vm_area_struct *vma;
	struct vm_fault vmf;
	vm_fault_t fault;
	unsigned int seq;

	/* handle_speculative_fault(): multithreaded processes only */
	if (mm->users < 2)
		return spf_fallback(mm, address, flags);
	vma = spf_get_vma(mm, address);
	if (!vma) {
		count_event("SPF_ABORT");
		return spf_fallback(mm, address, flags);
	}
	seq = raw_read_seqcount(&sv(vma)->vm_sequence);
	if (seq & 1) {
		count_event("spf_vma_changed");
		goto abort;
	}
	/* vma->vm_ops (file, shmem) or no anon_vma yet: not for speculation */
	vmf_init(&vmf, vma, address, (flags & ~FAULT_FLAG_ALLOW_RETRY) | FAULT_FLAG_SPECULATIVE,
		 NULL);
	if ((vmf.vm_flags & VM_FILE) || !vma->anon_vma) {
		count_event("spf_vma_notsup");
		goto abort;
	}
	if (address < vmf.vm_start || address >= vmf.vm_end ||
	    read_seqcount_retry(&sv(vma)->vm_sequence, seq)) {
		count_event("spf_vma_changed");
		goto abort;
	}
	vmf.seq = seq;
	vmf.validate = spf_vma_unchanged;
	vmf.spec = SPEC_NO_PT_ALLOC | SPEC_NO_IO | SPEC_PTL_TRYLOCK_LOOP;
	fault = handle_mm_fault(&vmf);
	spf_put_vma(vma);
	return spf_finish(mm, address, flags, &vmf, fault);
abort:
	spf_put_vma(vma);
	count_event("SPF_ABORT");
	return spf_fallback(mm, address, flags);
}

/* ---- Lespinasse 2021: mmap_seq, RCU, no shared stores, trylock aborts --- */

/*
 * The RFC's do_handle_mm_fault() copies the whole VMA to the stack under
 * rcu_read_lock() ("pvma = *vma"): sizeof(struct vm_area_struct) is 200
 * bytes on x86-64 in 5.12, four cachelines, where vmf_init() reads the
 * model's one line of fields.  The other three are L1 hits.  This is the
 * time between the experiment's increment and its decrement: longer than
 * the line_hold window, so the decrement finds the line gone whenever
 * another CPU asked for it meanwhile.
 */
#define VMA_COPY_LINES	4

static void spf_copy_vma_rest(void)
{
	task_charge((VMA_COPY_LINES - 1) * sim_machine->cost.l1_hit);
}

static vm_fault_t spf_fault_lespinasse(struct mm_struct *mm, unsigned long address,
				       unsigned int flags)
{
	struct spf_mm *p = sm(mm);
	struct vm_area_struct *vma;
	struct vm_fault vmf;
	vm_fault_t fault;
	unsigned int seq;

	if (mm->users < 2)
		return spf_fallback(mm, address, flags);
	seq = raw_read_seqcount(&p->mmap_seq);		/* mmap_seq_read_start() */
	if (seq & 1)
		goto abort;
	rcu_read_lock();
	vma = vma_lookup_rcu(mm, address);
	if (!vma || vma_start(vma) > address) {
		rcu_read_unlock();
		goto abort;
	}
	if (p->vma_atomic)
		atomic_long_add(1, &sv(vma)->vm_ref_count);
	/* the VMA copied to the stack: vmf's snapshot of its fields */
	vmf_init(&vmf, vma, address, (flags & ~FAULT_FLAG_ALLOW_RETRY) | FAULT_FLAG_SPECULATIVE,
		 NULL);
	spf_copy_vma_rest();
	if (p->vma_atomic)
		atomic_long_add(-1, &sv(vma)->vm_ref_count);
	rcu_read_unlock();
	if (read_seqcount_retry(&p->mmap_seq, seq))	/* mmap_seq_read_check() */
		goto abort;
	if (!(vmf.vm_flags & VM_FILE) && !vma->anon_vma) {
		count_event("spf_no_anon_vma");
		goto abort;
	}
	if ((vmf.vm_flags & VM_FILE) && (vmf.vm_flags & VM_SHARED) && (flags & FAULT_FLAG_WRITE)) {
		count_event("spf_page_mkwrite");
		goto abort;
	}
	vmf.seq = seq;
	vmf.validate = spf_mmap_seq_unchanged;
	vmf.spec = SPEC_NO_PT_ALLOC | SPEC_NO_IO | SPEC_PTL_TRYLOCK;
	/* the page walk and the fault under rcu_read_lock(), as
	 * speculative_page_walk_begin() with MMU_GATHER_RCU_TABLE_FREE */
	rcu_read_lock();
	fault = handle_mm_fault(&vmf);
	rcu_read_unlock();
	return spf_finish(mm, address, flags, &vmf, fault);
abort:
	count_event("SPF_ABORT");
	return spf_fallback(mm, address, flags);
}

static vm_fault_t spf_fault(struct mm_struct *mm, unsigned long address, unsigned int flags)
{
	count_event("SPF_ATTEMPT");
	switch (sm(mm)->variant) {
	case SPF_DUFOUR_V11:
		return spf_fault_dufour(mm, address, flags);
	case SPF_LESPINASSE:
		return spf_fault_lespinasse(mm, address, flags);
	default:
		return spf_fault_zijlstra(mm, address, flags);
	}
}

/* ---- writers -------------------------------------------------------------- */

static void spf_write_lock(struct mm_struct *mm)
{
	mmap_write_lock(mm);
	if (sm(mm)->variant == SPF_LESPINASSE)
		write_seqcount_begin(&sm(mm)->mmap_seq);
}

static void spf_write_unlock(struct mm_struct *mm)
{
	if (sm(mm)->variant == SPF_LESPINASSE)
		write_seqcount_end(&sm(mm)->mmap_seq);
	else
		vma_seq_write_end_all(&sm(mm)->writer);
	mmap_write_unlock(mm);
}

/* 4.20's munmap downgrade: in Lespinasse's 5.12 base, not in Dufour's 4.17. */
static bool spf_write_downgrade(struct mm_struct *mm)
{
	if (sm(mm)->variant != SPF_LESPINASSE)
		return false;
	write_seqcount_end(&sm(mm)->mmap_seq);
	mmap_write_downgrade(mm);
	return true;
}

static void spf_vma_write(struct vm_area_struct *vma)
{
	struct spf_mm *p = sm(vma->vm_mm);

	if (p->variant == SPF_LESPINASSE)
		return;		/* mmap_seq covers every VMA */
	vma_seq_write_begin(&p->writer, vma, &sv(vma)->vm_sequence);
	if (p->variant == SPF_DUFOUR_V11) {
		/* the rbtree change this VMA is about to see */
		write_lock(&p->mm_rb_lock);
		write_unlock(&p->mm_rb_lock);
	}
}

static void spf_vma_free(struct vm_area_struct *vma)
{
	struct spf_mm *p = sm(vma->vm_mm);

	switch (p->variant) {
	case SPF_DUFOUR_V11:
		/*
		 * The erase was a write_lock(mm_rb_lock) section in the series:
		 * a get_vma() that found the VMA before it has taken its pin
		 * once the lock is ours, and none can find it after.
		 */
		write_lock(&p->mm_rb_lock);
		write_unlock(&p->mm_rb_lock);
		spf_put_vma(vma);	/* the tree's reference */
		break;
	case SPF_LESPINASSE:
		vm_area_free_rcu(vma);
		break;
	default:
		vm_area_free_srcu(vma, &p->vma_srcu);
	}
}

/* ---- setup ---------------------------------------------------------------- */

static void spf_init_mm(struct mm_struct *mm)
{
	struct spf_mm *p = sm(mm);
	const char *variant = scheme_param(mm, "variant");

	p->variant = !strcmp(variant, "dufour-v11") ? SPF_DUFOUR_V11 :
		     !strcmp(variant, "lespinasse") ? SPF_LESPINASSE : SPF_ZIJLSTRA;
	p->vma_atomic = !strcmp(scheme_param(mm, "vma_atomic"), "1");
	init_srcu_struct(&p->vma_srcu, "vma_srcu");
	rwlock_init(&p->mm_rb_lock, "mm_rb_lock");
	line_init(&p->seq_line, "mmap_seq");
	seqcount_init(&p->mmap_seq, &p->seq_line);
}

static const struct scheme_param spf_params[] = {
	{ "variant", "zijlstra", "the series: zijlstra (2014: SRCU, per-VMA sequence, files "
	  "too); dufour-v11 (2018: mm_rb_lock and a VMA use count, anonymous only); "
	  "lespinasse (2021: RCU, mm-wide mmap_seq, no shared stores)",
	  "zijlstra|dufour-v11|lespinasse" },
	{ "vma_atomic", "0", "lespinasse: 1 adds one atomic per VMA around the copy "
	  "(the cover letter's experiment)", "0|1" },
	{ NULL, NULL, NULL, NULL },
};

static void spf_destroy_mm(struct mm_struct *mm)
{
	cleanup_srcu_struct(&sm(mm)->vma_srcu);
	vma_seq_writer_free(&sm(mm)->writer);
}

static void spf_init_vma(struct vm_area_struct *vma)
{
	seqcount_init(&sv(vma)->vm_sequence, &vma->lock_line);
	atomic_long_init(&sv(vma)->vm_ref_count, &vma->lock_line, 1);
}

const struct scheme_ops spf_srcu_ops = {
	.api_version	= SCHEME_API_VERSION,
	.abi		= SCHEME_ABI,
	.name		= "spf-srcu",
	.summary	= "speculative faults, by series: Zijlstra (SRCU), Dufour v11 (VMA use "
			  "count), Lespinasse (RCU, mmap_seq)",
	.mm_priv_size	= sizeof(struct spf_mm),
	.vma_priv_size	= sizeof(struct spf_vma),
	.params		= spf_params,
	.fault		= spf_fault,
	.write_lock	= spf_write_lock,
	.write_unlock	= spf_write_unlock,
	.write_downgrade = spf_write_downgrade,
	.vma_write	= spf_vma_write,
	.vma_free	= spf_vma_free,
	.init_mm	= spf_init_mm,
	.destroy_mm	= spf_destroy_mm,
	.init_vma	= spf_init_vma,
};
