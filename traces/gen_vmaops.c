/*
 * vmaops: operations on several VMAs at once, mprotect over a span of VMAs
 * and mremap moving a VMA, among page faults.  It is there to compare a
 * scheme that locks the VMAs an operation touches one by one (wound/wait
 * mutexes, so that two operations taking them in opposite orders back off
 * instead of deadlocking) with the mm-wide locks, and to make such
 * operations meet at a rate one controls.
 *
 * Layout.  Each thread owns an arena: `vmas` adjacent anonymous private
 * mappings of vma_size bytes, one mmap each, alternately read-write and
 * read-only so that no two neighbours merge, and above it, between two
 * guard pages, a spare area as large as the arena, left unmapped: where
 * mremap moves VMAs.  One more arena of the same layout, the shared arena,
 * is used by every thread.  Task 0 maps all the arenas before the others
 * start (they wait at a barrier).  mmap places mappings top-down, so to
 * keep each spare area free task 0 first reserves it with a PROT_NONE
 * mapping, maps the arena's VMAs right below, and unmaps the reservations
 * once every arena is placed, as a program reserving address space does.
 * The mm model merges on mmap only, never on mprotect or mremap, so the
 * VMA boundaries stay where setup put them.
 *
 * Ops.  Each op of a thread, followed by `work` of user time, targets
 * the thread's own arena, or with probability `shared` the shared one, and is:
 * - an mprotect (probability mprotect_frac): `span` adjacent VMAs, from a
 *   random VMA boundary, made read-write-exec by one call; the next
 *   mprotect the thread picks on that arena restores each of them to its
 *   own protection, one call per VMA.  RWX is a superset of both
 *   protections, so no fault ever finds a VMA that refuses it (see below
 *   for why that matters).  Only spans whose VMAs are all in place are
 *   picked (Linux fails an mprotect over a hole with ENOMEM); when there is
 *   none, the op is a fault instead.
 * - an mremap (probability mremap_frac): one VMA moved with
 *   MREMAP_MAYMOVE|MREMAP_FIXED, same length, to its own offset in the
 *   spare area; the next mremap the thread picks on that arena moves it
 *   back, so a thread has at most one VMA of an arena away.
 * - otherwise a fault: the next page of a random VMA, a write if the VMA
 *   is read-write and a read if it is read-only.  A VMA's pages are
 *   touched in a random order (an affine permutation, new each round) and,
 *   once all are, given back with one madvise(DONTNEED) instead of a
 *   fault, so the faults stay first touches and not spurious ones.
 *
 * Replay keeps each thread's order, but not the order between threads: a
 * task slowed by lock waits falls behind the recorded times (and with
 * think_scale=0 the recorded times mean nothing).  A private arena is
 * touched by its thread alone, so that cannot matter there.  In the shared
 * arena every op must be valid whatever the interleaving, hence:
 * - VMAs 0, 1, 4, 5, 8, 9, ... (index % 4 < 2) are static: they never
 *   move, anyone faults them, restores them and gives their pages back;
 * - the others are mobile: the m-th mobile VMA belongs to thread
 *   m % threads, the only one that moves it, faults it and restores its
 *   protection (at the place only it knows);
 * - a span always holds a static VMA, so its range is never empty;
 * - a restore skips the mobile VMAs of other threads: they stay RWX until
 *   their owner's own span over them is restored;
 * - a thread that owns no mobile VMA (more threads than mobile VMAs) makes
 *   its shared mremaps in its own arena.
 * Protections only ever move between a VMA's own and RWX, and faults
 * follow the VMA's own, so an mprotect running early or late never makes
 * a fault fail.
 *
 * Where operations meet: a span's mprotect meets its VMAs in address
 * order, and an mremap meets its source and then whatever is at its
 * destination (here a hole: ww-vma locks only VMAs that meet the
 * destination, since the model's move_vma() never merges there).  So
 * overlapping spans and moves contend for the same VMAs at a rate that
 * grows with `shared` and with the op fractions, and a lock-order cycle
 * is rare (it takes a walk that finds the set changed and locks a lower
 * VMA second); private arenas never meet.  The crossing orders proper
 * are in `mmlocksim check`'s crossing scenarios, searched exhaustively.
 */
#include <assert.h>
#include <stdbool.h>
#include <stdlib.h>

#include <gsl/gsl_rng.h>

#include "lib/xalloc.h"
#include "traces/gen_vmaops.h"

#define VMAOPS_MAX_VMAS		4096
#define VMAOPS_MAX_ALL_VMAS	(1U << 20)	/* over all arenas */
/* What a span is set to: a superset of both arena protections. */
#define VMAOPS_PROT_SPAN	(MLT_PROT_READ | MLT_PROT_WRITE | MLT_PROT_EXEC)
/* move_vma(): a new VMA, the old range unmapped (plus GEN_COST_PAGE a PTE). */
#define VMAOPS_COST_MREMAP	(GEN_COST_MMAP + GEN_COST_MUNMAP)

/* A thread's two arenas, as indexes into its per-arena state. */
enum { OWN, SHARED };

enum {
	VO_SETUP,	/* task 0 maps the arenas; the others wait */
	VO_UNRESERVE,	/* task 0 unmaps the spare areas' reservations */
	VO_RUN,		/* pick the next op */
	VO_RESTORE,	/* restoring a span, one VMA a step */
};

struct vmaops_vma {
	uint64_t home;		/* start in the arena */
	bool away;		/* in the spare area */
	uint64_t touched;	/* pages faulted since the last DONTNEED */
	uint64_t next, stride;	/* next page to touch; this round's step */
};

struct vmaops_arena {
	uint64_t base;		/* start of VMA 0, the lowest */
	uint64_t reserve;	/* PROT_NONE mapping over the spare area during setup */
	uint64_t spare;		/* start of the spare area */
	struct vmaops_vma *vma;	/* by ascending address */
};

struct vmaops_thread {
	int span[2];		/* first VMA of the span it left RWX, per arena; -1: none */
	int moved[2];		/* the VMA it moved to the spare area; -1: none */
	unsigned nowned;	/* mobile VMAs of the shared arena it owns */
};

struct vmaops {
	unsigned vmas, span, nmobile, nthreads;
	uint64_t vma_size, vma_pages, arena_len;
	double mprotect_frac, mremap_frac, shared, work;
	struct vmaops_arena *arena;	/* [0] shared, [1 + i] task i's */
	struct vmaops_vma *vma_mem;
	struct vmaops_thread *thr;
};

static const struct gen_param vmaops_params[] = {
	{ "vmas", GP_COUNT, "8", "VMAs per arena: adjacent anonymous mappings, alternately read-write and read-only" },
	{ "vma_size", GP_SIZE, "64K", "bytes of each VMA" },
	{ "span", GP_COUNT, "3", "VMAs one mprotect covers, from a random VMA boundary (1 to vmas)" },
	{ "mprotect_frac", GP_FRAC, "0.1",
	  "share of ops that are mprotects: a span made RWX, or the next time its restore, one call per VMA" },
	{ "mremap_frac", GP_FRAC, "0.05",
	  "share of ops that are mremaps: a VMA moved to the spare area, or the next time back" },
	{ "shared", GP_FRAC, "0.1", "share of ops on the shared arena instead of the thread's own (where threads meet)" },
	{ "work", GP_NS, "2us", "mean user time between two ops (exponential; a restore is one op)" },
	{ NULL, GP_COUNT, NULL, NULL },
};

/* A uniform integer in [0, n), n > 0. */
static uint64_t pick(struct gen_task *t, uint64_t n)
{
	uint64_t v = (uint64_t)(gsl_rng_uniform(t->rng) * (double)n);

	return v < n ? v : n - 1;
}

static bool chance(struct gen_task *t, double p)
{
	return gsl_rng_uniform(t->rng) < p;
}

static uint64_t gcd(uint64_t a, uint64_t b)
{
	while (b) {
		uint64_t r = a % b;

		a = b;
		b = r;
	}
	return a;
}

/* Even VMAs are read-write, odd ones read-only: neighbours never merge. */
static unsigned vma_prot(unsigned i)
{
	return i % 2 ? MLT_PROT_READ : MLT_PROT_READ | MLT_PROT_WRITE;
}

/* ---- Static and mobile VMAs of the shared arena ---- */

static bool is_static(unsigned i)
{
	return i % 4 < 2;
}

static unsigned count_mobile(unsigned vmas)
{
	return 2 * (vmas / 4) + (vmas % 4 > 2 ? vmas % 4 - 2 : 0);
}

/* Index of the K-th static VMA and of the M-th mobile one. */
static unsigned static_vma(unsigned k)
{
	return 4 * (k / 2) + k % 2;
}

static unsigned mobile_vma(unsigned m)
{
	return 4 * (m / 2) + 2 + m % 2;
}

/* Thread owning mobile VMA I. */
static unsigned owner_of(const struct vmaops *v, unsigned i)
{
	return (2 * (i / 4) + i % 4 - 2) % v->nthreads;
}

/* May task T fault, move or restore VMA I of arena W? */
static bool may_touch(const struct vmaops *v, const struct gen_task *t,
		      int w, unsigned i)
{
	return w == OWN || is_static(i) || owner_of(v, i) == t->idx;
}

static struct vmaops_arena *arena_of(struct vmaops *v, const struct gen_task *t, int w)
{
	return &v->arena[w == SHARED ? 0 : 1 + t->idx];
}

/* Where VMA I of A is now. */
static uint64_t vma_addr(const struct vmaops_arena *a, unsigned i)
{
	const struct vmaops_vma *vma = &a->vma[i];

	return vma->away ? a->spare + (vma->home - a->base) : vma->home;
}

/* ---- The emitter gen_core lacks ---- */

/*
 * mremap(FROM, LEN, LEN, MREMAP_MAYMOVE|MREMAP_FIXED, TO) of a VMA with
 * RESIDENT pages, as gen_core's emitters write records.  The allocator in
 * gen_core does not learn about the move: nothing is mmap'd after setup.
 */
static int emit_mremap(struct gen *g, struct gen_task *t, uint64_t from,
			    uint64_t len, uint64_t to, uint64_t resident)
{
	struct mlt_record r = {
		.time_ns = t->t, .addr = from, .len = len, .arg0 = len, .arg1 = to,
		.task = t->idx, .mm = (uint16_t)t->mm, .op = MLT_MREMAP,
		.flags = MLT_F_FIXED,
	};

	assert(!(from % GEN_PAGE) && !(to % GEN_PAGE));
	if (mlt_writer_add(g->w, &r) < 0) {
		gen_error(g, "%s", mlt_writer_error(g->w));
		return -1;
	}
	g->emitted++;
	t->t += VMAOPS_COST_MREMAP + resident * GEN_COST_PAGE + gen_exp(t, g->think.mmap);
	return 0;
}

/* ---- Setup ---- */

static void vmaops_fini(struct gen *g)
{
	struct vmaops *v = g->priv;

	if (v) {
		free(v->arena);
		free(v->vma_mem);
		free(v->thr);
		free(v);
	}
}

static int vmaops_init(struct gen *g)
{
	struct vmaops *v = xzalloc(sizeof(*v));
	uint64_t vmas, span;
	unsigned i, narenas = g->nthreads + 1;

	g->priv = v;
	vmas = gen_param_u64(g, "vmas");
	span = gen_param_u64(g, "span");
	v->vma_size = gen_param_u64(g, "vma_size");
	v->mprotect_frac = gen_param(g, "mprotect_frac");
	v->mremap_frac = gen_param(g, "mremap_frac");
	v->shared = gen_param(g, "shared");
	v->work = gen_param(g, "work");
	if (vmas < 1 || vmas > VMAOPS_MAX_VMAS) {
		gen_error(g, "vmaops: vmas=%llu: expected 1 to %d",
			  (unsigned long long)vmas, VMAOPS_MAX_VMAS);
		return -1;
	}
	if (span < 1 || span > vmas) {
		gen_error(g, "vmaops: span=%llu: expected 1 to vmas (%llu)",
			  (unsigned long long)span, (unsigned long long)vmas);
		return -1;
	}
	if (v->mprotect_frac + v->mremap_frac > 1) {
		gen_error(g, "vmaops: mprotect_frac=%g plus mremap_frac=%g: expected a sum of at most 1",
			  v->mprotect_frac, v->mremap_frac);
		return -1;
	}
	if ((uint64_t)narenas * vmas > VMAOPS_MAX_ALL_VMAS) {
		gen_error(g, "vmaops: %u arenas (threads + 1) of %llu VMAs: expected at most %u VMAs in all",
			  narenas, (unsigned long long)vmas, VMAOPS_MAX_ALL_VMAS);
		return -1;
	}
	/* An arena and its spare area in the 47-bit user address space. */
	if (v->vma_size > (1ULL << 46) / vmas) {
		gen_error(g, "vmaops: vmas=%llu of vma_size=%llu: expected arenas that fit the address space",
			  (unsigned long long)vmas, (unsigned long long)v->vma_size);
		return -1;
	}
	v->vmas = (unsigned)vmas;
	v->span = (unsigned)span;
	v->nthreads = g->nthreads;
	v->nmobile = count_mobile(v->vmas);
	v->vma_pages = v->vma_size / GEN_PAGE;
	v->arena_len = v->vma_size * v->vmas;
	v->arena = xcalloc(narenas, sizeof(*v->arena));
	v->vma_mem = xcalloc((size_t)narenas * v->vmas, sizeof(*v->vma_mem));
	v->thr = xcalloc(g->nthreads, sizeof(*v->thr));

	for (i = 0; i < narenas; i++)
		v->arena[i].vma = &v->vma_mem[(size_t)i * v->vmas];
	for (i = 0; i < g->nthreads; i++) {
		struct vmaops_thread *thr = &v->thr[i];

		thr->span[OWN] = thr->span[SHARED] = -1;
		thr->moved[OWN] = thr->moved[SHARED] = -1;
		thr->nowned = i < v->nmobile ? (v->nmobile - i + g->nthreads - 1) / g->nthreads : 0;
	}
	return 0;
}

/*
 * Task 0, one record a step: for arena t->iter, the reservation (t->pos 0)
 * then VMAs vmas-1 down to 0 (t->pos 1 .. vmas), each mapped right below
 * the one before.
 */
static enum gen_step setup_step(struct gen *g, struct gen_task *t)
{
	struct vmaops *v = g->priv;
	struct vmaops_arena *a = &v->arena[t->iter];
	uint64_t addr;

	if (!t->pos) {
		/* The spare area with a guard page on each side. */
		addr = gen_mmap(g, t, v->arena_len + 2 * GEN_PAGE, 0,
				GEN_MAP_PRIVATE | GEN_MAP_ANON | GEN_MAP_NORESERVE);
		if (!addr)
			return GEN_ERROR;
		a->reserve = addr;
		a->spare = addr + GEN_PAGE;
		a->base = addr - v->arena_len;
	} else {
		unsigned i = v->vmas - (unsigned)t->pos;

		addr = gen_mmap(g, t, v->vma_size, vma_prot(i),
				GEN_MAP_PRIVATE | GEN_MAP_ANON);
		if (!addr)
			return GEN_ERROR;
		/* Top-down with nothing in between: the arena is contiguous. */
		assert(addr == a->base + (uint64_t)i * v->vma_size);
		a->vma[i].home = addr;
	}
	if (++t->pos > v->vmas) {
		t->pos = 0;
		if (++t->iter == v->nthreads + 1) {
			t->iter = 0;
			t->phase = VO_UNRESERVE;
		}
	}
	return GEN_MORE;
}

/* ---- The ops ---- */

/*
 * An op is done (a restore: all its calls): user work until the next.
 * After the record, never before it: a step writes its record at the
 * task's time as the run loop found it, which keeps the stream in order.
 */
static void end_op(struct gen *g, struct gen_task *t)
{
	const struct vmaops *v = g->priv;

	gen_idle(t, gen_exp(t, v->work));
}

static enum gen_step do_fault(struct gen *g, struct gen_task *t, int w)
{
	struct vmaops *v = g->priv;
	struct vmaops_arena *a = arena_of(v, t, w);
	struct vmaops_vma *vma;
	uint64_t addr;
	unsigned i;

	if (w == OWN) {
		i = (unsigned)pick(t, v->vmas);
	} else {
		unsigned nstatic = v->vmas - v->nmobile;
		unsigned k = (unsigned)pick(t, nstatic + v->thr[t->idx].nowned);

		i = k < nstatic ? static_vma(k) :
		    mobile_vma(t->idx + (k - nstatic) * v->nthreads);
	}
	vma = &a->vma[i];
	addr = vma_addr(a, i);
	if (vma->touched == v->vma_pages) {
		/* Every page is in: give them back, and start a new round. */
		if (gen_madvise(g, t, addr, v->vma_size, MLT_MADV_DONTNEED,
				vma->touched) < 0)
			return GEN_ERROR;
		vma->touched = 0;
		return GEN_MORE;
	}
	if (!vma->touched) {
		/* A random start and a step prime to the page count: a permutation. */
		unsigned tries = 0;

		vma->next = pick(t, v->vma_pages);
		do
			vma->stride = 1 + pick(t, v->vma_pages);
		while (gcd(vma->stride, v->vma_pages) != 1 && ++tries < 64);
		if (gcd(vma->stride, v->vma_pages) != 1)
			vma->stride = 1;
	}
	addr += vma->next * GEN_PAGE;
	vma->next = (vma->next + vma->stride) % v->vma_pages;
	vma->touched++;
	if (vma_prot(i) & MLT_PROT_WRITE)
		return gen_fault(g, t, addr, MLT_F_WRITE, GEN_COST_FAULT_ANON) < 0 ?
		       GEN_ERROR : GEN_MORE;
	return gen_fault(g, t, addr, 0, GEN_COST_FAULT_ZERO) < 0 ? GEN_ERROR : GEN_MORE;
}

static enum gen_step do_mremap(struct gen *g, struct gen_task *t, int w)
{
	struct vmaops *v = g->priv;
	struct vmaops_thread *thr = &v->thr[t->idx];
	struct vmaops_arena *a;
	struct vmaops_vma *vma;
	uint64_t from;
	unsigned i;

	if (w == SHARED && !thr->nowned)
		w = OWN;	/* nothing of the shared arena is this thread's to move */
	a = arena_of(v, t, w);
	if (thr->moved[w] >= 0) {
		i = (unsigned)thr->moved[w];
		thr->moved[w] = -1;
	} else {
		i = w == OWN ? (unsigned)pick(t, v->vmas) :
		    mobile_vma(t->idx + (unsigned)pick(t, thr->nowned) * v->nthreads);
		thr->moved[w] = (int)i;
	}
	vma = &a->vma[i];
	from = vma_addr(a, i);
	vma->away = !vma->away;
	if (emit_mremap(g, t, from, v->vma_size, vma_addr(a, i), vma->touched) < 0)
		return GEN_ERROR;
	return GEN_MORE;
}

/*
 * A random span of arena W whose VMAs are all in place (and, in the shared
 * arena, that holds a static VMA), or -1 if there is none.  Two passes
 * over the windows with running counts: count the candidates, then find
 * the chosen one.
 */
static int pick_span(struct vmaops *v, struct gen_task *t, int w)
{
	const struct vmaops_arena *a = arena_of(v, t, w);
	unsigned nwin = v->vmas - v->span + 1, want = 0, pass, s, i;

	for (pass = 0; pass < 2; pass++) {
		unsigned away = 0, nstatic = 0, seen = 0;

		for (i = 0; i < v->span; i++) {
			away += a->vma[i].away;
			nstatic += is_static(i);
		}
		for (s = 0;; s++) {
			if (!away && (w == OWN || nstatic)) {
				if (pass && seen == want)
					return (int)s;
				seen++;
			}
			if (s + 1 == nwin)
				break;
			/* Slide: VMA s leaves the window, s + span enters. */
			away += a->vma[s + v->span].away;
			away -= a->vma[s].away;
			nstatic += is_static(s + v->span);
			nstatic -= is_static(s);
		}
		if (!seen)
			return -1;
		want = (unsigned)pick(t, seen);
	}
	assert(!"pick_span: the chosen window vanished");
	return -1;
}

/* First VMA at or after I, before END, that T may restore in arena W. */
static unsigned next_restorable(const struct vmaops *v, const struct gen_task *t,
				int w, unsigned i, unsigned end)
{
	while (i < end && !may_touch(v, t, w, i))
		i++;
	return i;
}

/* One call of a restore: t->n is the arena, t->pos the VMA, t->len the end. */
static enum gen_step restore_step(struct gen *g, struct gen_task *t)
{
	struct vmaops *v = g->priv;
	int w = (int)t->n;
	unsigned i = (unsigned)t->pos;

	if (gen_mprotect(g, t, vma_addr(arena_of(v, t, w), i), v->vma_size,
			 vma_prot(i)) < 0)
		return GEN_ERROR;
	t->pos = next_restorable(v, t, w, i + 1, (unsigned)t->len);
	if (t->pos == t->len) {
		v->thr[t->idx].span[w] = -1;
		t->phase = VO_RUN;
		end_op(g, t);
	}
	return GEN_MORE;
}

static enum gen_step do_mprotect(struct gen *g, struct gen_task *t, int w)
{
	struct vmaops *v = g->priv;
	struct vmaops_thread *thr = &v->thr[t->idx];
	int s = thr->span[w];

	if (s >= 0) {
		/* A span is RWX: restore it, VMA by VMA, starting now. */
		t->n = (uint64_t)w;
		t->len = (uint64_t)s + v->span;
		t->pos = next_restorable(v, t, w, (unsigned)s, (unsigned)t->len);
		/* Static VMAs are anyone's, and a shared span holds one. */
		assert(t->pos < t->len);
		t->phase = VO_RESTORE;
		return restore_step(g, t);
	}
	s = pick_span(v, t, w);
	if (s < 0)
		return do_fault(g, t, w);
	/* Every VMA of the span is at home, so the range is the arena's. */
	if (gen_mprotect(g, t, arena_of(v, t, w)->vma[s].home,
			 (uint64_t)v->span * v->vma_size, VMAOPS_PROT_SPAN) < 0)
		return GEN_ERROR;
	thr->span[w] = s;
	return GEN_MORE;
}

static enum gen_step vmaops_step(struct gen *g, struct gen_task *t)
{
	struct vmaops *v = g->priv;
	enum gen_step ret;
	double u;
	int w;

	switch (t->phase) {
	case VO_SETUP:
		if (t->idx) {
			t->phase = VO_RUN;
			return GEN_BARRIER;
		}
		return setup_step(g, t);
	case VO_UNRESERVE:
		if (gen_munmap(g, t, v->arena[t->iter].reserve,
			       v->arena_len + 2 * GEN_PAGE, 0) < 0)
			return GEN_ERROR;
		if (++t->iter == v->nthreads + 1) {
			t->phase = VO_RUN;
			return GEN_BARRIER;
		}
		return GEN_MORE;
	case VO_RESTORE:
		return restore_step(g, t);
	default:
		w = chance(t, v->shared) ? SHARED : OWN;
		u = gsl_rng_uniform(t->rng);
		if (u < v->mprotect_frac)
			ret = do_mprotect(g, t, w);
		else if (u < v->mprotect_frac + v->mremap_frac)
			ret = do_mremap(g, t, w);
		else
			ret = do_fault(g, t, w);
		if (ret == GEN_MORE && t->phase == VO_RUN)
			end_op(g, t);
		return ret;
	}
}

const struct gen_workload gen_vmaops = {
	.name = "vmaops",
	.summary = "multi-VMA ops: mprotect over spans of VMAs, mremap moving VMAs, faults; private and shared arenas",
	.comm = "vmaops",
	.default_threads = 4,
	.min_threads = 1,
	.default_ops = 100000,
	.params = vmaops_params,
	.notes = "    setup (task 0): per arena (threads + 1) a PROT_NONE reservation of the spare area, vmas mmaps, then the\n"
		 "    reservations unmapped; spans are set RWX (a superset: no fault ever fails), restores one call per VMA;\n"
		 "    a fault whose VMA has every page in is an madvise(DONTNEED) of the VMA instead.  In the shared arena\n"
		 "    VMAs with index % 4 >= 2 move, each only by its owner (thread m % threads for the m-th of them)\n",
	.init = vmaops_init,
	.step = vmaops_step,
	.fini = vmaops_fini,
};
