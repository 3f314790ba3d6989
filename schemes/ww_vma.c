/*
 * ww-vma: no mmap_lock anywhere.  An operation that changes the address
 * space -- mmap, munmap, mprotect, mremap, brk, fork, exit -- locks the
 * VMAs it changes and nothing else, each VMA with a wound/wait mutex
 * (sim/locking/ww_mutex.c, kernel/locking/ww_mutex.h), so operations on different
 * VMAs run in parallel and a multi-VMA operation (mprotect across VMAs,
 * mremap from one VMA onto another) takes its locks in the order it meets
 * them, which is not an address order: two of them can want each other's
 * VMAs (A-B against B-A).  The ww acquire context resolves that cycle as
 * a GPU driver's reservation objects do: a stamp from the class's ticket
 * counter orders the operations by age, and the younger one backs off.
 * This is the design floated for mremap/mprotect once VMA locks exist
 * (mmap_lock then only orders tree stores, which the maple tree's own
 * spinlock can do), built here so that its deadlock freedom can be checked
 * and its cost measured.
 *
 * Models:
 * - range_lock(ranges): ww_acquire_init() takes a stamp; under RCU the
 *   tree is walked for the VMAs that meet the ranges (and, for a range
 *   that may merge, the ones that abut it), each pinned with
 *   refcount_inc_not_zero(); they are locked in the operation's order --
 *   the ranges in the order given (mremap: source, then destination),
 *   each in address order; -p order=address sorts them all instead.
 *   -EDEADLK (wound-wait: an older operation wounded us; wait-die: we
 *   would wait for an older one) backs off as the kernel's callers do:
 *   unlock everything, ww_mutex_lock_slow() the contended VMA, and start
 *   the walk again with the same stamp, so the operation only gets older
 *   and eventually wins.  After locking, the walk is repeated: a VMA
 *   detached before we got its lock is dropped, one that appeared meanwhile
 *   is locked too, until a walk finds nothing new (WW_VMA_REWALK).
 * - The body (sim/mm/mm.c) changes only VMAs this operation holds, and those
 *   it creates: init_vma locks a new VMA under the running operation
 *   before anyone can see it, so a split's tail or mremap's copy is born
 *   locked.  A VMA mapped into a hole of the range after the walk belongs
 *   to the later operation; the body skips it (vma_locked()).
 * - Tree stores are made under the maple tree's spinlock (tree_lock), each
 *   logical store in one section; a store into a hole re-checks the hole
 *   there, and if another operation took it the body starts again
 *   (range_hole_taken).  Page tables are freed under the same lock, only
 *   when no VMA is left in their 2 MiB.
 * - Faults never take a VMA lock on the fast path: as mt-lock, the VMA is
 *   looked up under RCU, its sequence count snapshotted even and
 *   re-checked under the PTE lock (WW_FAULT_SPEC).  A writer keeps the
 *   count odd from vma_write to range_unlock.  On an odd count, a changed
 *   one (-p spec_tries times) or no VMA, the fault looks the VMA up under
 *   the tree lock (authoritative: none means SIGSEGV), pins it, and
 *   sleeps on the VMA's mutex with no acquire context, as a plain mutex
 *   (WW_FAULT_LOCKED); holding it, no writer can change the VMA, so the
 *   fault needs no validation.  I/O drops the mutex and retries.
 * - Detached VMAs are freed after an RCU grace period and after the last
 *   pin (the tree's reference is dropped by the RCU callback).
 * - madvise(DONTNEED) locks its range's VMAs too (exclusive: a ww_mutex
 *   has no shared mode), where the kernel would take the VMA read lock.
 * - -p class=wound-wait|wait-die picks the ww algorithm.
 *
 * ww-vma-plain is the same scheme with the ww protocol taken out: plain
 *   mutexes (no acquire context, so no wound, no die, no back-off) taken
 *   in the same order.  It is flagged broken: `mmlocksim check` must find
 *   the A-B/B-A deadlock of two crossing mremaps.
 *
 * Simplified: the ww_mutex does no optimistic spinning (ww_mutex.h); a
 * fault that falls back serializes with other fallbacks on the VMA (a
 * ww_mutex has no read side, where the kernel's vma_start_read() is
 * shared); fork write-locks every VMA of the parent one by one with the
 * same ww protocol, and a VMA mapped into a hole of the parent during the
 * fork is not copied (the mmap is ordered after the fork); brk's range is
 * re-read after locking and the lock taken again if another brk moved it.
 */
#include "schemes/scheme.h"
#include "schemes/vma_seq.h"

#include <stdio.h>
#include <stdlib.h>

struct vma_list {
	struct vm_area_struct **v;
	int n, cap;
};

/* One operation in flight (between range_lock and range_unlock). */
struct ww_vma_op {
	struct task *task;		/* NULL: a free slot */
	struct ww_acquire_ctx ctx;
	struct vm_area_struct **held;	/* locked by us, each pinned */
	int nr_held, cap_held;
	struct vma_seq_writer writer;	/* the sequence counts it made odd */
	struct vma_list want;		/* range_lock's walk (kept: a task that
					 * deadlocks never returns to free it) */
};

struct ww_vma_mm {
	struct ww_class ww_class;
	struct ww_vma_op **ops;
	int nr_ops;
	bool address_order;
	bool plain;			/* ww-vma-plain: no context, no back-off */
	int spec_tries;
};

struct ww_vma_vma {
	struct vma_seq_ref ref;		/* first: sequence and pins, on vma->lock_line */
	struct ww_mutex lock;		/* the VMA's write lock; a line of its own */
	struct ww_vma_op *locked_by;	/* which operation holds lock */
};

const struct scheme_ops ww_vma_plain_ops;


static struct ww_vma_mm *mm_priv(const struct mm_struct *mm)
{
	return mm->priv;
}

static struct ww_vma_vma *wv(const struct vm_area_struct *vma)
{
	return vma->priv;
}

/* ---- operations --------------------------------------------------------- */

static struct ww_vma_op *op_current(struct mm_struct *mm)
{
	struct ww_vma_mm *priv = mm_priv(mm);
	int i;

	if (!current)
		return NULL;
	for (i = 0; i < priv->nr_ops; i++)
		if (priv->ops[i]->task == current)
			return priv->ops[i];
	return NULL;
}

static struct ww_vma_op *op_begin(struct mm_struct *mm)
{
	struct ww_vma_mm *priv = mm_priv(mm);
	struct ww_vma_op *op = NULL;
	int i;

	for (i = 0; i < priv->nr_ops && !op; i++)
		if (!priv->ops[i]->task)
			op = priv->ops[i];
	if (!op) {
		priv->ops = xreallocarray(priv->ops, (size_t)(priv->nr_ops + 1), sizeof(*priv->ops));
		op = priv->ops[priv->nr_ops++] = xzalloc(sizeof(*op));
	}
	op->task = current;
	op->nr_held = 0;
	return op;
}

static void op_hold(struct ww_vma_op *op, struct vm_area_struct *vma)
{
	if (op->nr_held == op->cap_held) {
		op->cap_held = op->cap_held ? op->cap_held * 2 : 16;
		op->held = xreallocarray(op->held, (size_t)op->cap_held, sizeof(*op->held));
	}
	op->held[op->nr_held++] = vma;
	wv(vma)->locked_by = op;
}

/* Unlock and unpin every VMA the operation holds. */
static void op_release_all(struct ww_vma_op *op)
{
	int i;

	for (i = 0; i < op->nr_held; i++) {
		struct vm_area_struct *vma = op->held[i];

		wv(vma)->locked_by = NULL;
		ww_mutex_unlock(&wv(vma)->lock);
		vma_seq_put(vma);
	}
	op->nr_held = 0;
}

/* Lock one VMA for op: 0, or -EDEADLK to back off. */
static int op_lock_vma(struct mm_struct *mm, struct ww_vma_op *op, struct vm_area_struct *vma)
{
	return ww_mutex_lock(&wv(vma)->lock, mm_priv(mm)->plain ? NULL : &op->ctx);
}

static bool range_wants(const struct mm_range *r, const struct vm_area_struct *vma)
{
	if (r->merge)	/* a neighbour that abuts it may grow into it */
		return vma->vm_start <= r->end && vma->vm_end >= r->start;
	return vma->vm_start < r->end && vma->vm_end > r->start;
}


static void list_add(struct vma_list *l, struct vm_area_struct *vma)
{
	int i;

	for (i = 0; i < l->n; i++)
		if (l->v[i] == vma)
			return;		/* ranges that touch share a neighbour */
	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 16;
		l->v = xreallocarray(l->v, (size_t)l->cap, sizeof(*l->v));

	}
	l->v[l->n++] = vma;
}

static int by_address(const void *a, const void *b)
{
	const struct vm_area_struct *x = *(struct vm_area_struct *const *)a;
	const struct vm_area_struct *y = *(struct vm_area_struct *const *)b;

	return x->vm_start < y->vm_start ? -1 : x->vm_start > y->vm_start;
}

/*
 * The VMAs the ranges want that op does not hold yet, pinned, in the
 * order they are to be locked.  The tree is read at one instant (the walk
 * is charged first, as the lookup of the first range), under RCU so that
 * a VMA detached meanwhile is still memory when we pin it.
 */
static void collect(struct mm_struct *mm, struct ww_vma_op *op, const struct mm_range *ranges,
		    int nr, struct vma_list *out)
{
	struct maple_tree *mt = &mm->mm_mt;
	int r, pos, i, kept = 0;

	out->n = 0;
	rcu_read_lock();
	vma_lookup_rcu(mm, ranges[0].start);
	for (r = 0; r < nr; r++) {
		pos = mt_first_at_or_after(mm, ranges[r].start ? ranges[r].start - 1 : 0);
		for (; pos < mt->nr && mt_at(mm, pos)->vm_start <= ranges[r].end; pos++)
			if (range_wants(&ranges[r], mt_at(mm, pos)) &&
			    wv(mt_at(mm, pos))->locked_by != op)
				list_add(out, mt_at(mm, pos));
	}
	for (i = 0; i < out->n; i++)
		if (refcount_inc_not_zero(&wv(out->v[i])->ref.refs))
			out->v[kept++] = out->v[i];
	out->n = kept;
	rcu_read_unlock();
	if (mm_priv(mm)->address_order && out->n > 1)
		qsort(out->v, (size_t)out->n, sizeof(*out->v), by_address);
}

static void ww_vma_range_lock(struct mm_struct *mm, const struct mm_range *ranges, int nr)
{
	struct ww_vma_op *op = op_begin(mm);
	struct vma_list *want = &op->want;
	sim_time_t began = sim_now();
	int i, j, pass = 0, backoffs = 0;

	ww_acquire_init(&op->ctx, &mm_priv(mm)->ww_class);
	count_event("WW_VMA_OP");
	for (;;) {
		collect(mm, op, ranges, nr, want);
		if (!want->n)
			break;
		if (pass++)
			count_event("WW_VMA_REWALK");	/* the set changed while we locked */
		for (i = 0; i < want->n; i++) {
			struct vm_area_struct *vma = want->v[i];

			if (op_lock_vma(mm, op, vma) == -EDEADLK) {
				/* Back off: all of it, then wait for this one. */
				count_event("WW_VMA_BACKOFF");
				counter_add(counter_id("WW_VMA_BACKOFF_DROPPED"),
					    (uint64_t)op->nr_held);
				backoffs++;
				op_release_all(op);
				for (j = i + 1; j < want->n; j++)
					vma_seq_put(want->v[j]);
				ww_mutex_lock_slow(&wv(vma)->lock, &op->ctx);
				op_hold(op, vma);
				break;
			}
			op_hold(op, vma);
		}
		/* Drop what was detached before we got it; walk again. */
		for (i = j = 0; i < op->nr_held; i++) {
			struct vm_area_struct *vma = op->held[i];

			if (vma->state == VMA_LIVE) {
				op->held[j++] = vma;
				continue;
			}
			wv(vma)->locked_by = NULL;
			ww_mutex_unlock(&wv(vma)->lock);
			vma_seq_put(vma);
		}
		op->nr_held = j;
	}
	/*
	 * What wounds cost: the time to lock the range, summed apart for the
	 * operations that backed off, whose locks were taken more than once.
	 */
	if (backoffs) {
		count_event("WW_VMA_OP_BACKED_OFF");
		counter_add(counter_id("WW_VMA_LOCK_NS_BACKED_OFF"), sim_now() - began);
	} else {
		counter_add(counter_id("WW_VMA_LOCK_NS_CLEAN"), sim_now() - began);
	}
}

static void ww_vma_range_unlock(struct mm_struct *mm)
{
	struct ww_vma_op *op = op_current(mm);

	if (!op) {
		report_misuse("ww-vma-unlock", current, "task %d: range_unlock with no operation",
			      current->id);
		return;
	}
	vma_seq_write_end_all(&op->writer);
	op_release_all(op);
	ww_acquire_fini(&op->ctx);
	op->task = NULL;
}

static bool ww_vma_locked(struct vm_area_struct *vma)
{
	struct ww_vma_op *op = wv(vma)->locked_by;

	return op && op->task == current;
}

static void ww_vma_tree_lock(struct mm_struct *mm)
{
	spin_lock(&mm->mm_mt.ma_lock);
}

static void ww_vma_tree_unlock(struct mm_struct *mm)
{
	spin_unlock(&mm->mm_mt.ma_lock);
}

/* vma_start_write(): the VMA must be ours; open its sequence section. */
static void ww_vma_write(struct vm_area_struct *vma)
{
	struct ww_vma_op *op = wv(vma)->locked_by;

	if (!op || op->task != current) {
		report_misuse("ww-vma-unlocked-write", current,
			      "task %d changes VMA %llu (%#lx-%#lx) without holding its lock",
			      current ? current->id : -1, (unsigned long long)vma->id,
			      vma->vm_start, vma->vm_end);
		return;
	}
	vma_seq_write_begin(&op->writer, vma, &wv(vma)->ref.seq);
}

/* The mm-wide writer lock is never used: every operation has a range. */
static void ww_vma_write_lock(struct mm_struct *mm)
{
	ww_vma_range_lock(mm, &(struct mm_range){ 0, TASK_SIZE, false }, 1);
}

static void ww_vma_write_unlock(struct mm_struct *mm)
{
	ww_vma_range_unlock(mm);
}

/* ---- faults ------------------------------------------------------------- */

static void ww_vma_unlock_for_io(struct vm_fault *vmf)
{
	ww_mutex_unlock(&wv(vmf->vma)->lock);
}

/* The speculative fault; false: go to the locked one. */
static bool ww_vma_fault_speculative(struct mm_struct *mm, unsigned long address,
				     unsigned int *flags, vm_fault_t *ret)
{
	int tries = 0, io = 0;

	for (;;) {
		switch (vma_seq_fault_try(mm, address, flags, ret)) {
		case VMA_SPEC_DONE:
			count_event("WW_FAULT_SPEC");
			return true;
		case VMA_SPEC_RETRY:
			count_event("WW_FAULT_RETRY");
			if (++tries < mm_priv(mm)->spec_tries)
				continue;
			return false;
		case VMA_SPEC_IO:
			count_event("WW_FAULT_IO");
			if (++io < mm_params.max_fault_retries)
				continue;
			return false;
		case VMA_SPEC_BUSY:		/* a writer holds it: sleep on its lock */
		case VMA_SPEC_SIGSEGV:		/* let the authoritative lookup decide */
			return false;
		}
	}
}

/* The fault holding the VMA's lock, found under the tree lock. */
static vm_fault_t ww_vma_fault_locked(struct mm_struct *mm, unsigned long address,
				      unsigned int flags)
{
	struct vm_area_struct *vma;
	struct vm_fault vmf;
	vm_fault_t fault;
	int tries = 0;

	count_event("WW_FAULT_LOCKED");
again:
	vma = lock_tree_and_find_vma(mm, address);
	if (!vma)
		return VM_FAULT_SIGSEGV;
	refcount_inc(&wv(vma)->ref.refs);		/* in the tree: it has the tree's */
	spin_unlock(&mm->mm_mt.ma_lock);
	ww_mutex_lock(&wv(vma)->lock, NULL);
	if (vma->state != VMA_LIVE || address < vma_start(vma) || address >= vma_end(vma)) {
		/* Changed or gone while we waited for it. */
		ww_mutex_unlock(&wv(vma)->lock);
		vma_seq_put(vma);
		count_event("WW_FAULT_LOCKED_RETRY");
		goto again;
	}
	vmf_init(&vmf, vma, address, flags, NULL);
	vmf.unlock = ww_vma_unlock_for_io;
	fault = handle_mm_fault(&vmf);
	if (fault & VM_FAULT_RETRY) {
		/* The lock was dropped for the I/O; the page is cached now. */
		vma_seq_put(vma);
		count_event("WW_FAULT_IO");
		flags |= FAULT_FLAG_TRIED;
		if (++tries < mm_params.max_fault_retries)
			goto again;
		return VM_FAULT_SIGSEGV;
	}
	ww_mutex_unlock(&wv(vma)->lock);
	vma_seq_put(vma);
	return fault;
}

static vm_fault_t ww_vma_fault(struct mm_struct *mm, unsigned long address, unsigned int flags)
{
	vm_fault_t fault;

	if (ww_vma_fault_speculative(mm, address, &flags, &fault))
		return fault;
	return ww_vma_fault_locked(mm, address, flags);
}

/* ---- setup -------------------------------------------------------------- */

static void ww_vma_init_mm(struct mm_struct *mm)
{
	struct ww_vma_mm *priv = mm_priv(mm);
	long n = scheme_param_long(mm, "spec_tries");

	priv->plain = mm->ops == &ww_vma_plain_ops;
	ww_class_init(&priv->ww_class, "vma_ww_mutex",
		      !strcmp(scheme_param(mm, "class"), "wait-die"));
	priv->address_order = !strcmp(scheme_param(mm, "order"), "address");
	priv->spec_tries = n < 1 ? 1 : n > 64 ? 64 : (int)n;
}

static void ww_vma_destroy_mm(struct mm_struct *mm)
{
	struct ww_vma_mm *priv = mm_priv(mm);
	int i;

	for (i = 0; i < priv->nr_ops; i++) {
		vma_seq_writer_free(&priv->ops[i]->writer);
		free(priv->ops[i]->held);
		free(priv->ops[i]->want.v);
		free(priv->ops[i]);
	}
	free(priv->ops);
}

/* A VMA created inside an operation is born locked by it (split tails,
 * mremap's copy, a new mapping): nobody can find it before it is ours. */
static void ww_vma_init_vma(struct vm_area_struct *vma)
{
	struct ww_vma_op *op;

	vma_seq_ref_init(vma);
	ww_mutex_init(&wv(vma)->lock, &mm_priv(vma->vm_mm)->ww_class);
	op = op_current(vma->vm_mm);
	if (!op)
		return;
	op_lock_vma(vma->vm_mm, op, vma);	/* uncontended: cannot fail */
	refcount_inc(&wv(vma)->ref.refs);
	op_hold(op, vma);
}

static const struct scheme_param ww_vma_params[] = {
	{ "class", "wound-wait", "ww algorithm: an older operation wounds a younger holder "
	  "(wound-wait) or a younger one dies rather than wait (wait-die)",
	  "wound-wait|wait-die" },
	{ "order", "operation", "lock VMAs in the order the operation meets them (source "
	  "before destination) or sorted by address", "operation|address" },
	{ "spec_tries", "3", "speculative attempts whose validation failed before the fault "
	  "sleeps on the VMA's lock", "1..64" },
	{ NULL, NULL, NULL, NULL },
};

#define WW_VMA_OPS(ops_name, scheme_name, scheme_summary, scheme_flags)		\
const struct scheme_ops ops_name = {						\
	.api_version	= SCHEME_API_VERSION,					\
	.abi		= SCHEME_ABI,						\
	.name		= scheme_name,						\
	.summary	= scheme_summary,					\
	.flags		= scheme_flags,						\
	.mm_priv_size	= sizeof(struct ww_vma_mm),				\
	.vma_priv_size	= sizeof(struct ww_vma_vma),				\
	.params		= ww_vma_params,					\
	.fault		= ww_vma_fault,						\
	.write_lock	= ww_vma_write_lock,					\
	.write_unlock	= ww_vma_write_unlock,					\
	.vma_write	= ww_vma_write,						\
	.vma_free	= vma_seq_free_rcu,					\
	.init_mm	= ww_vma_init_mm,					\
	.destroy_mm	= ww_vma_destroy_mm,					\
	.init_vma	= ww_vma_init_vma,					\
	.range_lock	= ww_vma_range_lock,					\
	.range_unlock	= ww_vma_range_unlock,					\
	.vma_locked	= ww_vma_locked,					\
	.tree_lock	= ww_vma_tree_lock,					\
	.tree_unlock	= ww_vma_tree_unlock,					\
}

WW_VMA_OPS(ww_vma_ops, "ww-vma",
	   "no mmap_lock: each operation ww-locks the VMAs it changes, faults RCU + VMA seqcount",
	   0);
WW_VMA_OPS(ww_vma_plain_ops, "ww-vma-plain",
	   "ww-vma with plain mutexes, no back-off: crossing mremaps deadlock",
	   SCHEME_F_BROKEN);
