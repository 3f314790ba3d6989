/*
 * pcpu-rwsem: a plugin as a user writes one from the README and
 * schemes/template.c -- every VMA has a percpu_rw_semaphore
 * (kernel/locking/percpu-rwsem.c, with include/linux/rcu_sync.h):
 * - faults: under rcu_read_lock(), vma_lookup_rcu() and
 *   percpu_down_read_trylock() on the VMA: while no writer is about
 *   (rcu_sync_is_idle()), a plain this_cpu_inc() of the reader's per-CPU
 *   count; otherwise the slow path: inc, smp_mb(), and a check of `block`.
 *   A VMA that is detached, or no longer covers the address, or whose
 *   writer holds it, sends the fault to the mmap_lock path.
 * - writers: mmap_write_lock(), and for each VMA the operation changes
 *   (vma_write) percpu_down_write(): rcu_sync_enter() flips the readers to
 *   the slow path and waits a grace period so that every reader sees the
 *   flip, xchg(block, 1), and waits (a wait queue, as rcuwait) until the
 *   per-CPU counts sum to zero.  write_unlock releases every VMA the
 *   operation locked (for_each_write_locked_vma()), then mmap_lock.
 * - detached VMAs are freed after a grace period (vm_area_free_rcu()).
 *
 * It uses the whole sync API a plugin is offered: atomics, per-CPU state
 * (.vma_percpu_size), wait queues, a semaphore, RCU, and destroy_vma for
 * what init_vma allocated.  Three broken builds, for the check to catch:
 *   -DPCPU_BROKEN_NO_DRAIN  vma_write does not wait for the readers
 *   -DPCPU_BROKEN_NO_GP     rcu_sync_enter() without synchronize_rcu()
 *   -DPCPU_BROKEN_NO_MB     the reader's slow path without smp_mb()
 * Simplified: rcu_sync_exit() goes idle at once (the kernel waits a grace
 * period there so that back-to-back writers skip theirs); readers never
 * sleep on the semaphore (trylock only, with the mmap_lock fallback).
 */
#include "schemes/scheme.h"

#if defined(PCPU_BROKEN_NO_DRAIN)
#define PCPU_NAME "pcpu-rwsem-no-drain"
#elif defined(PCPU_BROKEN_NO_GP)
#define PCPU_NAME "pcpu-rwsem-no-gp"
#elif defined(PCPU_BROKEN_NO_MB)
#define PCPU_NAME "pcpu-rwsem-no-mb"
#else
#define PCPU_NAME "pcpu-rwsem"
#endif

enum { GP_IDLE, GP_ENTER, GP_PASSED };

/* Per CPU and VMA: the reader count, on that CPU's own line. */
struct pcpu_count {
	struct cacheline line;
	atomic_long_t read_count;
};

struct pcpu_stats {
	unsigned long write_locks;
};

/* Per VMA: rss.gp_state, block and detached on vma->lock_line. */
struct pcpu_vma {
	atomic_long_t gp_state;
	atomic_long_t block;
	atomic_long_t detached;
	struct wait_queue_head writer;		/* rcuwait: the writer waits for readers */
	struct semaphore wsem;			/* writers of this VMA, one at a time */
	bool write_locked;			/* by the running operation */
	struct pcpu_stats *stats;		/* host memory: freed by destroy_vma */
};

static struct pcpu_vma *pv(const struct vm_area_struct *vma)
{
	return vma->priv;
}

static struct pcpu_count *this_count(const struct vm_area_struct *vma)
{
	return this_cpu_vma(vma);
}

/* this_cpu_add(): a plain load and store on this CPU's line, not locked. */
static void this_cpu_add(struct pcpu_count *c, long i)
{
	atomic_long_set(&c->read_count, atomic_long_read(&c->read_count) + i);
}

static void writer_wake(struct vm_area_struct *vma)
{
	smp_mb();	/* rcuwait_wake_up() */
	if (waitqueue_active(&pv(vma)->writer))
		wake_up(&pv(vma)->writer);
}

/* percpu_down_read_trylock(); the caller is in an RCU read-side section. */
static bool pcpu_down_read_trylock(struct vm_area_struct *vma)
{
	struct pcpu_vma *v = pv(vma);
	struct pcpu_count *c = this_count(vma);

	if (atomic_long_read(&v->gp_state) == GP_IDLE) {	/* rcu_sync_is_idle() */
		this_cpu_add(c, 1);
		return true;
	}
	/* __percpu_down_read_trylock() */
	this_cpu_add(c, 1);
#ifndef PCPU_BROKEN_NO_MB
	smp_mb();	/* A matches D */
#endif
	if (!atomic_long_read(&v->block))
		return true;
	this_cpu_add(c, -1);
	writer_wake(vma);
	return false;
}

static void pcpu_up_read(struct vm_area_struct *vma)
{
	struct pcpu_vma *v = pv(vma);
	struct pcpu_count *c = this_count(vma);

	rcu_read_lock();	/* preempt_disable() */
	if (atomic_long_read(&v->gp_state) == GP_IDLE) {
		this_cpu_add(c, -1);
	} else {
		smp_mb();	/* B matches C */
		this_cpu_add(c, -1);
		writer_wake(vma);
	}
	rcu_read_unlock();
}

static bool readers_active_check(struct vm_area_struct *vma)
{
	long sum = 0;
	int cpu;

	for_each_possible_cpu(cpu)
		sum += atomic_long_read(&((struct pcpu_count *)vma_percpu(vma, cpu))->read_count);
	if (sum)
		return false;
	smp_mb();	/* C matches B */
	return true;
}

static void pcpu_down_write(struct vm_area_struct *vma)
{
	struct pcpu_vma *v = pv(vma);

	down(&v->wsem);
	/* rcu_sync_enter() */
	atomic_long_set(&v->gp_state, GP_ENTER);
#ifndef PCPU_BROKEN_NO_GP
	synchronize_rcu();
#endif
	atomic_long_set(&v->gp_state, GP_PASSED);
	atomic_long_xchg(&v->block, 1);		/* a full barrier: D */
#ifndef PCPU_BROKEN_NO_DRAIN
	wait_event(&v->writer, readers_active_check(vma));
#else
	(void)readers_active_check;	/* readers still inside go on */
#endif
	v->stats->write_locks++;
}

static void pcpu_up_write(struct vm_area_struct *vma)
{
	struct pcpu_vma *v = pv(vma);

	atomic_long_set(&v->block, 0);		/* atomic_set_release() */
	atomic_long_set(&v->gp_state, GP_IDLE);	/* rcu_sync_exit(), at once */
	up(&v->wsem);
}

/* ---- the hooks ----------------------------------------------------------- */

static void pcpu_write_lock(struct mm_struct *mm)
{
	mmap_write_lock(mm);
}

static void pcpu_vma_write(struct vm_area_struct *vma)
{
	if (pv(vma)->write_locked)
		return;		/* already ours in this operation */
	pcpu_down_write(vma);
	pv(vma)->write_locked = true;
}

/* Every VMA the operation locked, freed ones included, then mmap_lock. */
static void pcpu_write_unlock(struct mm_struct *mm)
{
	struct vm_area_struct *vma;

	for_each_write_locked_vma(mm, vma) {
		if (pv(vma)->write_locked) {
			pv(vma)->write_locked = false;
			pcpu_up_write(vma);
		}
	}
	mmap_write_unlock(mm);
}

static void pcpu_vma_detach(struct vm_area_struct *vma)
{
	atomic_long_set(&pv(vma)->detached, 1);
}

static void pcpu_vma_free(struct vm_area_struct *vma)
{
	vm_area_free_rcu(vma);
}

static struct vm_area_struct *lock_vma(struct mm_struct *mm, unsigned long address)
{
	struct vm_area_struct *vma;

	rcu_read_lock();
	vma = vma_lookup_rcu(mm, address);
	if (!vma || !pcpu_down_read_trylock(vma)) {
		rcu_read_unlock();
		return NULL;
	}
	rcu_read_unlock();
	if (atomic_long_read(&pv(vma)->detached) || address < vma_start(vma) ||
	    address >= vma_end(vma)) {
		pcpu_up_read(vma);
		return NULL;
	}
	return vma;
}

static void pcpu_unlock_for_io(struct vm_fault *vmf)
{
	pcpu_up_read(vmf->vma);
}

static vm_fault_t pcpu_fault(struct mm_struct *mm, unsigned long address, unsigned int flags)
{
	struct vm_area_struct *vma = lock_vma(mm, address);
	struct vm_fault vmf;
	vm_fault_t fault;

	if (!vma) {
		count_event("pcpu_fallback");
		return do_fault_mmap_lock(mm, address, flags);
	}
	vmf_init(&vmf, vma, address, flags | FAULT_FLAG_VMA_LOCK, pcpu_unlock_for_io);
	fault = handle_mm_fault(&vmf);
	if (!(fault & (VM_FAULT_RETRY | VM_FAULT_COMPLETED)))
		pcpu_up_read(vma);
	if (!(fault & VM_FAULT_RETRY))
		return fault;
	return do_fault_mmap_lock(mm, address, flags | FAULT_FLAG_TRIED);
}

static void pcpu_init_vma(struct vm_area_struct *vma)
{
	struct pcpu_vma *v = pv(vma);
	int cpu;

	atomic_long_init(&v->gp_state, &vma->lock_line, GP_IDLE);
	atomic_long_init(&v->block, &vma->lock_line, 0);
	atomic_long_init(&v->detached, &vma->lock_line, 0);
	init_waitqueue_head(&v->writer, "pcpu_rwsem_writer");
	sema_init(&v->wsem, 1, "pcpu_rwsem_wsem");
	v->write_locked = false;
	v->stats = xzalloc(sizeof(*v->stats));
	for_each_possible_cpu(cpu) {
		struct pcpu_count *c = vma_percpu(vma, cpu);

		line_init(&c->line, "pcpu_read_count");
		atomic_long_init(&c->read_count, &c->line, 0);
	}
}

static void pcpu_destroy_vma(struct vm_area_struct *vma)
{
	free(pv(vma)->stats);
	pv(vma)->stats = NULL;
}

const struct scheme_ops mmlocksim_scheme = {
	.api_version	= SCHEME_API_VERSION,
	.abi		= SCHEME_ABI,
	.name		= PCPU_NAME,
	.summary	= "a percpu_rw_semaphore per VMA (a test plugin)",
	.flags		= SCHEME_F_NO_COMPARE,
	.vma_priv_size	= sizeof(struct pcpu_vma),
	.vma_percpu_size = sizeof(struct pcpu_count),
	.fault		= pcpu_fault,
	.write_lock	= pcpu_write_lock,
	.write_unlock	= pcpu_write_unlock,
	.vma_write	= pcpu_vma_write,
	.vma_detach	= pcpu_vma_detach,
	.vma_free	= pcpu_vma_free,
	.init_vma	= pcpu_init_vma,
	.destroy_vma	= pcpu_destroy_vma,
};
