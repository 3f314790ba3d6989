#include "sim/core/cacheline.h"

#include "sim/core/compiler.h"
#include "sim/core/namecache.h"
#include "sim/core/perturb.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

/*
 * Per-CPU masks of the CPUs sharing its core, its LLC and its socket, and
 * the words of a CPU mask that the machine's CPUs use: the walks over a
 * line's sharers stop there, as no CPU past them can hold a copy (a
 * 64-CPU machine reads one word of four).
 */
static struct {
	uint64_t smt[MAX_CPUS][CPU_MASK_WORDS];
	uint64_t llc[MAX_CPUS][CPU_MASK_WORDS];
	uint64_t socket[MAX_CPUS][CPU_MASK_WORDS];
	int words;
} topo;

void (*line_poison_hook)(const struct cacheline *l);
bool line_hits_inline = true;
/*
 * Hits may be settled inline in this run: line_hits_inline with no check
 * perturbing the schedule or buffering stores, as cacheline_setup() found
 * them (sim_begin() of each run; the checkers set sim_perturb before it).
 * One flag for the three, as every access tests it.
 */
static bool line_hits_fast;

/*
 * The check's TSO store buffers (sim_perturb.tso), one per task (a task is
 * pinned to its CPU): stores not yet visible, in program order, each with
 * the time it lands.  Only the check's few tasks have one.
 */
#define SB_TASKS	16
#define SB_MAX		16

struct sb_entry {
	struct cacheline *l;
	long *word;
	long val;
	sim_time_t land;
};

static struct store_buffer {
	struct sb_entry e[SB_MAX];
	int n;
} sbufs[SB_TASKS];

/* Shuffles invalidation order when a store comes from event context. */
static gsl_rng *event_rng;

/* The run's machine prefetches adjacent lines (adjacent_line_prefetch()). */
static bool adjacent_prefetch;

/*
 * Each CPU's prefetch fills still on their way, the last PF_FILLS of them
 * (a few are in flight at once: one per demand miss): a demand access to
 * one merges with it and waits for it to land.
 */
#define PF_FILLS	8

static struct pf_fills {
	struct {
		const struct cacheline *l;
		sim_time_t until;
	} f[PF_FILLS];
	unsigned int next;
} pf_fills[MAX_CPUS];

static struct line_class classes[MAX_LINE_CLASSES] = { { "other", 0 } };
static int nr_classes = 1;
static struct name_cache class_ids;

static uint16_t line_class_lookup(const char *name)
{
	int i;

	for (i = 0; i < nr_classes; i++)
		if (classes[i].name == name || !strcmp(classes[i].name, name))
			return (uint16_t)i;
	if (nr_classes == MAX_LINE_CLASSES)
		return 0;	/* lumped into "other"; the table is generous */
	classes[nr_classes].name = name;
	return (uint16_t)nr_classes++;
}

uint16_t line_class_get(const char *name)
{
	int id = name_cache_get(&class_ids, name);

	if (id < 0) {
		id = line_class_lookup(name);
		name_cache_put(&class_ids, name, id);
	}
	return (uint16_t)id;
}

int line_nr_classes(void)
{
	return nr_classes;
}

const struct line_class *line_class_at(int i)
{
	return &classes[i];
}

void line_classes_reset(void)
{
	int i;

	for (i = 0; i < nr_classes; i++)
		classes[i].transfers = 0;
}

void line_init(struct cacheline *l, const char *klass)
{
	memset(l, 0, sizeof(*l));
	l->owner = -1;
	l->klass = klass ? line_class_get(klass) : 0;
}

void line_pair(struct cacheline *a, struct cacheline *b)
{
	assert(a != b);
	a->buddy = b;
	b->buddy = a;
}

void cacheline_setup(const struct machine *m, uint64_t seed, bool prefetch)
{
	int a, b;

	adjacent_prefetch = prefetch;
	line_hits_fast = line_hits_inline && !sim_perturb.enabled && !sim_perturb.tso;
	memset(pf_fills, 0, sizeof(pf_fills));

	if (!event_rng)
		event_rng = gsl_rng_alloc(gsl_rng_taus2);
	gsl_rng_set(event_rng, (unsigned long)(seed * 2654435761ULL + 1));
	memset(sbufs, 0, sizeof(sbufs));

	memset(&topo, 0, sizeof(topo));
	topo.words = (m->ncpus + 63) / 64;
	for (a = 0; a < m->ncpus; a++) {
		for (b = 0; b < m->ncpus; b++) {
			uint64_t bit = 1ULL << (b % 64);
			enum line_dist d = machine_dist(m, a, b);

			if (d == DIST_SMT)
				topo.smt[a][b / 64] |= bit;
			if (d <= DIST_LLC)
				topo.llc[a][b / 64] |= bit;
			if (d <= DIST_SOCKET)
				topo.socket[a][b / 64] |= bit;
		}
	}
}

/* CPU numbers are never negative: unsigned, the word and bit are a shift and a mask. */
static inline bool is_sharer(const struct cacheline *l, int cpu)
{
	return l->sharers[(unsigned int)cpu / 64] & (1ULL << ((unsigned int)cpu % 64));
}

static inline void sharer_add(struct cacheline *l, int cpu)
{
	l->sharers[(unsigned int)cpu / 64] |= 1ULL << ((unsigned int)cpu % 64);
}

/* Where a read miss is served from: the nearest copy. */
static enum line_dist nearest_copy(const struct cacheline *l, int cpu)
{
	uint64_t smt = 0, llc = 0, socket = 0, any = 0;
	int w;

	for (w = 0; w < topo.words; w++) {
		uint64_t s = l->sharers[w];

		smt |= s & topo.smt[cpu][w];
		llc |= s & topo.llc[cpu][w];
		socket |= s & topo.socket[cpu][w];
		any |= s;
	}
	if (smt)
		return DIST_SMT;
	if (llc)
		return DIST_LLC;
	if (socket)
		return DIST_SOCKET;
	return any ? DIST_REMOTE : DIST_MEMORY;
}

/*
 * Which invalidation a write waits for: the farthest other copy.  Returns
 * NR_DIST when we hold the only copy (an Exclusive line upgrades silently).
 */
static enum line_dist farthest_copy(const struct cacheline *l, int cpu)
{
	uint64_t out_socket = 0, out_llc = 0, out_core = 0, others = 0;
	int w;

	for (w = 0; w < topo.words; w++) {
		uint64_t s = l->sharers[w];

		if (w == cpu / 64)
			s &= ~(1ULL << (cpu % 64));
		out_socket |= s & ~topo.socket[cpu][w];
		out_llc |= s & ~topo.llc[cpu][w];
		out_core |= s & ~topo.smt[cpu][w];
		others |= s;
	}
	if (out_socket)
		return DIST_REMOTE;
	if (out_llc)
		return DIST_SOCKET;
	if (out_core)
		return DIST_LLC;
	if (others)
		return DIST_SMT;
	if (is_sharer(l, cpu))
		return NR_DIST;
	return DIST_MEMORY;
}

/*
 * Queue one transfer on the line for an access whose own execution takes
 * `op` ns; returns the requester's wait from `asked` until the data is
 * there.  The receiver then executes its op and keeps the line line_hold
 * ns more, so one transfer occupies the line for exactly occupancy[d]
 * under contention: the data hop is what is left of it.
 */
static __always_inline sim_time_t line_transfer(struct cacheline *l, enum line_dist d, sim_time_t asked,
				sim_time_t op)
{
	const struct machine_costs *c = &sim_machine->cost;
	sim_time_t arrive, keep = op + c->line_hold;

	if (asked >= l->busy_until) {
		arrive = asked + c->latency[d];
	} else {
		sim_time_t hop = c->occupancy[d] > keep ? c->occupancy[d] - keep : 0;

		arrive = l->busy_until + hop;
	}
	l->busy_until = arrive + keep;
	l->transfers++;
	classes[l->klass].transfers++;
	return arrive - asked;
}

/*
 * The L2 spatial prefetcher of Intel cores since Sandy Bridge (Intel 64 and
 * IA-32 Architectures Optimization Reference Manual, "Spatial Prefetcher":
 * it "strives to complete every cache line fetched to the L2 cache with
 * the pair line that completes it to a 128-byte aligned chunk").  When
 * `cpu` misses on a line (a read or an RFO), its buddy b is read into that
 * CPU's cache too, in the background: the requester does not wait for it.
 * The fill is a read like any other: it is served by the nearest copy, or
 * by the CPU that has b Modified, which keeps it Shared (so its next store
 * to b pays for the ownership again), and it queues on b and occupies it
 * as a transfer does, counted among b's transfers.  That is false sharing
 * at 128 bytes: a CPU that only writes b loses it to another that only
 * touches a.  A demand access by `cpu` to b before the fill lands merges
 * with it and waits for it (pf_fills).
 */
static __noinline void adjacent_line_prefetch(struct cacheline *b, int cpu, sim_time_t asked)
{
	const struct machine_costs *c = &sim_machine->cost;
	struct pf_fills *pf;
	sim_time_t arrive;
	enum line_dist d;

	if (b->owner == cpu || is_sharer(b, cpu))
		return;		/* the pair is complete already */
	if (b->owner >= 0) {
		d = machine_dist(sim_machine, cpu, b->owner);
		sharer_add(b, b->owner);
		b->owner = -1;
	} else {
		d = nearest_copy(b, cpu);
	}
	sharer_add(b, cpu);
	/* As line_transfer() for an access whose op takes no time; no
	 * requester waits, so no queue time is counted. */
	if (asked >= b->busy_until)
		arrive = asked + c->latency[d];
	else
		arrive = b->busy_until +
			 (c->occupancy[d] > c->line_hold ? c->occupancy[d] - c->line_hold : 0);
	b->busy_until = arrive + c->line_hold;
	b->transfers++;
	classes[b->klass].transfers++;
	pf = &pf_fills[cpu];
	pf->f[pf->next].l = b;
	pf->f[pf->next].until = arrive;
	pf->next = (pf->next + 1) % PF_FILLS;
	if (arrive > b->pf_until)
		b->pf_until = arrive;
}

static __noinline sim_time_t prefetch_wait(const struct cacheline *l, int cpu, sim_time_t asked)
{
	const struct pf_fills *pf = &pf_fills[cpu];
	int i;

	for (i = 0; i < PF_FILLS; i++)
		if (pf->f[i].l == l && pf->f[i].until > asked)
			return pf->f[i].until - asked;
	return 0;
}

/* A hit by `cpu`: the wait, if its copy is a prefetch still on its way. */
static __always_inline sim_time_t prefetch_in_flight(const struct cacheline *l, int cpu,
						     sim_time_t asked)
{
	return unlikely(l->pf_until > asked) ? prefetch_wait(l, cpu, asked) : 0;
}

/*
 * Does the current task still have the line it just received?  Reads hit
 * in the window; writes only if it came Exclusive (by a write or RMW).
 */
static __always_inline bool task_keeps(const struct cacheline *l, bool write)
{
	const struct task *t = current;

	return t->kept_line == l && sim_now() + t->lag_ns < t->kept_until &&
	       (!write || t->kept_exclusive);
}

static __always_inline void task_received(const struct cacheline *l, sim_time_t wait,
				 sim_time_t op, bool exclusive)
{
	struct task *t = current;

	t->kept_line = l;
	t->kept_exclusive = exclusive;
	t->kept_until = sim_now() + t->lag_ns + wait + op + sim_machine->cost.line_hold;
}

static __noinline void wake_spinners(struct cacheline *l)
{
	gsl_rng *rng = current ? current->rng : event_rng;
	struct task *order[MAX_CPUS];
	uint32_t n = 0, i;
	struct task *t;

	for (t = l->spinners; t && n < MAX_CPUS; t = t->spin_next) {
		t->spin_line = NULL;
		order[n++] = t;
	}
	l->spinners = NULL;
	l->nr_spinners = 0;
	/* Invalidated copies are re-fetched in no particular order. */
	for (i = n; i > 1; i--) {
		uint32_t j = (uint32_t)gsl_rng_uniform_int(rng, i);
		struct task *tmp = order[i - 1];

		order[i - 1] = order[j];
		order[j] = tmp;
	}
	for (i = 0; i < n; i++)
		task_spin_unpark(order[i]);
}

/* A read by `cpu` at time `asked`: 0 for a hit, else the wait for the data. */
static __always_inline sim_time_t line_read_op(struct cacheline *l, int cpu, sim_time_t asked, sim_time_t op)
{
	enum line_dist d;

	if (l->owner == cpu || is_sharer(l, cpu))
		return prefetch_in_flight(l, cpu, asked);
	if (l->owner >= 0) {
		/* The owner keeps a Shared copy after supplying the data. */
		d = machine_dist(sim_machine, cpu, l->owner);
		sharer_add(l, l->owner);
		l->owner = -1;
	} else {
		d = nearest_copy(l, cpu);
	}
	sharer_add(l, cpu);
	if (unlikely(l->buddy) && adjacent_prefetch)
		adjacent_line_prefetch(l->buddy, cpu, asked);
	return line_transfer(l, d, asked, op);
}

sim_time_t line_read_by(struct cacheline *l, int cpu, sim_time_t asked)
{
	return line_read_op(l, cpu, asked, sim_machine->cost.l1_hit);
}

/* The first n buffered stores of task `id` (on cpu) land, in order. */
static void sb_land(int id, int cpu, int n)
{
	struct store_buffer *sb = &sbufs[id];
	int i;

	for (i = 0; i < n; i++) {
		*sb->e[i].word = sb->e[i].val;
		line_write_by(sb->e[i].l, cpu, sim_now());
	}
	memmove(sb->e, sb->e + n, (size_t)(sb->n - n) * sizeof(sb->e[0]));
	sb->n -= n;
}

static void sb_land_due(void *obj, uint64_t arg)
{
	struct task *t = obj;
	struct store_buffer *sb = &sbufs[arg];
	int n = 0;

	while (n < sb->n && sb->e[n].land <= sim_now())
		n++;
	if (n)
		sb_land((int)arg, t->cpu, n);
}

void line_store_drain(void)
{
	struct task *t = current;

	if (t->id < SB_TASKS && sbufs[t->id].n)
		sb_land(t->id, t->cpu, sbufs[t->id].n);
}

/*
 * Before an access under TSO: a store or RMW (write) first drains the
 * buffer (a locked op does; a store that is not buffered must not pass
 * the buffered ones); a load forwards from the buffer, which here means
 * the stores up to the last one to its line land first.
 */
static void sb_before(const struct cacheline *l, bool write)
{
	struct task *t = current;
	struct store_buffer *sb;
	int i;

	if (t->id >= SB_TASKS || !(sb = &sbufs[t->id])->n)
		return;
	if (write) {
		sb_land(t->id, t->cpu, sb->n);
		return;
	}
	for (i = sb->n - 1; i >= 0; i--) {
		if (sb->e[i].l == l) {
			sb_land(t->id, t->cpu, i + 1);
			return;
		}
	}
}

/*
 * What every access by a task does first: the checks' hooks.  A use after
 * free is judged where the access takes effect, after its schedule point
 * (a store's point comes before its value lands: line_store_point()).
 */
static __always_inline void line_access_begin(struct cacheline *l)
{
	if (sim_perturb.enabled) {
		if (current->point_line == l)
			current->point_line = NULL;	/* line_store_point() took it */
		else
			task_delay(perturb_point());
	}
	if (l->poisoned && line_poison_hook)
		line_poison_hook(l);
}

/* Charge the requester: the transfer it waited for, or a hit. */
static __always_inline void line_access_end(struct cacheline *l, sim_time_t wait, sim_time_t op,
				   bool exclusive)
{
	if (wait) {
		task_received(l, wait, op, exclusive);
		task_delay(wait + op);
	} else {
		task_charge(op);
	}
}

static __noinline void line_read_checked(struct cacheline *l)
{
	struct task *t = current;

	if (unlikely(sim_perturb.tso))
		sb_before(l, false);
	line_access_begin(l);
	if (task_keeps(l, false)) {
		task_charge(sim_machine->cost.l1_hit);
		return;
	}
	line_access_end(l, line_read_by(l, t->cpu, sim_now() + t->lag_ns),
			sim_machine->cost.l1_hit, false);
}

/*
 * Most reads hit, with no check running: those are settled here, as
 * line_read_checked() would settle them, without its calls and spills.
 */
void line_read(struct cacheline *l)
{
	struct task *t = current;
	sim_time_t asked = sim_now() + t->lag_ns;

	if (likely(line_hits_fast && !l->poisoned) &&
	    (((l->owner == t->cpu || is_sharer(l, t->cpu)) && l->pf_until <= asked) ||
	     task_keeps(l, false))) {
		task_charge(sim_machine->cost.l1_hit);
		return;
	}
	line_read_checked(l);
}

static __always_inline sim_time_t line_write_op(struct cacheline *l, int cpu, sim_time_t asked, sim_time_t op)
{
	sim_time_t wait = 0;
	enum line_dist d;

	if (l->owner != cpu) {
		/* An RFO that brings the line (no copy here: not an upgrade)
		 * prefetches its buddy. */
		if (unlikely(l->buddy) && adjacent_prefetch &&
		    (l->owner >= 0 || !is_sharer(l, cpu)))
			adjacent_line_prefetch(l->buddy, cpu, asked);
		d = l->owner >= 0 ? machine_dist(sim_machine, cpu, l->owner)
				  : farthest_copy(l, cpu);
		if (d != NR_DIST)
			wait = line_transfer(l, d, asked, op);
		else
			wait = prefetch_in_flight(l, cpu, asked);	/* Exclusive, maybe in flight */
		memset(l->sharers, 0, sizeof(l->sharers));
		l->owner = (int16_t)cpu;
	}
	if (l->nr_spinners)
		wake_spinners(l);
	return wait;
}

sim_time_t line_write_by(struct cacheline *l, int cpu, sim_time_t asked)
{
	return line_write_op(l, cpu, asked, sim_machine->cost.l1_hit);
}

/*
 * A locked RMW on a line the task still keeps: the processor locks the line
 * in its cache for the instruction (Intel SDM Vol. 3A, "Effects of a LOCK
 * Operation on Internal Processor Caches": cache locking), so no snoop
 * takes it before the RMW ends, and the accesses right after it hit as
 * they do after a received RMW (down_read_trylock()'s cmpxchg retried on
 * the line the failed one brought, then rwsem_set_reader_owned()'s load
 * and store of the owner beside the count).  Only the task's window moves,
 * not busy_until: a transfer's occupancy is the measured throughput of a
 * contended line, which already holds the receiver's short burst on it
 * (perfbook's rwlock read lock+unlock, two back-to-back locked RMWs, costs
 * about one transfer per CPU: 2076 ns at 64 CPUs, 32 ns each).
 */
static __always_inline void task_locks_kept(sim_time_t op)
{
	struct task *t = current;
	sim_time_t until = sim_now() + t->lag_ns + op + sim_machine->cost.line_hold;

	if (until > t->kept_until)
		t->kept_until = until;
}

/* Ours for a few more ns: a hit, but later requests still queue. */
static void line_own_hit(struct cacheline *l, sim_time_t op_cost)
{
	if (l->nr_spinners)
		wake_spinners(l);
	task_charge(op_cost);
}

static __always_inline void line_own(struct cacheline *l, sim_time_t op_cost, bool locked)
{
	struct task *t = current;

	if (unlikely(sim_perturb.tso))
		sb_before(l, true);
	line_access_begin(l);
	if (task_keeps(l, true)) {
		if (locked)
			task_locks_kept(op_cost);
		line_own_hit(l, op_cost);
		return;
	}
	line_access_end(l, line_write_op(l, t->cpu, sim_now() + t->lag_ns, op_cost), op_cost, true);
}

static __noinline void line_own_checked(struct cacheline *l, sim_time_t op_cost, bool locked)
{
	line_own(l, op_cost, locked);
}

/*
 * The common write, as line_own() settles it, without its calls: no check
 * running, nobody spinning on the line, and the line kept Exclusive from
 * the task's last transfer or Modified in its CPU's cache.  *owned: it was
 * the latter (a posted store then records when it landed).
 */
static __always_inline bool line_own_hit_fast(struct cacheline *l, sim_time_t op_cost, bool locked,
					      bool *owned)
{
	if (unlikely(!line_hits_fast || l->poisoned || l->nr_spinners))
		return false;
	*owned = false;
	if (task_keeps(l, true)) {
		if (locked)
			task_locks_kept(op_cost);
	} else if (l->owner == current->cpu) {
		*owned = true;
	} else {
		return false;
	}
	task_charge(op_cost);
	return true;
}

void line_write(struct cacheline *l)
{
	bool owned;

	if (!line_own_hit_fast(l, sim_machine->cost.l1_hit, false, &owned))
		line_own_checked(l, sim_machine->cost.l1_hit, false);
}

void line_rmw(struct cacheline *l)
{
	struct task *t = current;
	bool owned;

	/* A locked instruction drains the store buffer first. */
	if (t->store_drain_at > sim_now() + t->lag_ns)
		task_delay(t->store_drain_at - sim_now() - t->lag_ns);
	if (!line_own_hit_fast(l, sim_machine->cost.atomic, true, &owned))
		line_own_checked(l, sim_machine->cost.atomic, true);
}

void line_write_posted(struct cacheline *l)
{
	struct task *t = current;
	sim_time_t asked, landed;
	bool owned;

	asked = sim_now() + t->lag_ns;
	if (line_own_hit_fast(l, sim_machine->cost.l1_hit, false, &owned)) {
		/* Modified here: it lands at once (line_write_op() waits 0). */
		if (owned && asked > t->store_drain_at)
			t->store_drain_at = asked;
		return;
	}
	if (unlikely(sim_perturb.tso))
		sb_before(l, true);
	line_access_begin(l);
	if (task_keeps(l, true)) {
		line_own_hit(l, sim_machine->cost.l1_hit);
		return;
	}
	asked = sim_now() + t->lag_ns;
	landed = asked + line_write_op(l, t->cpu, asked, sim_machine->cost.l1_hit);
	if (landed > t->store_drain_at)
		t->store_drain_at = landed;
	task_charge(sim_machine->cost.l1_hit);
}

void line_store_point(struct cacheline *l)
{
	task_delay(perturb_point());
	current->point_line = l;
}

void line_store_long(struct cacheline *l, long *word, long val)
{
	struct task *t = current;
	sim_time_t hold = perturb_point(), land;
	struct store_buffer *sb;

	if (!sim_perturb.tso || t->id >= SB_TASKS || (!hold && !sbufs[t->id].n)) {
		/* Sequentially consistent: the point, then the value lands. */
		task_delay(hold);
		*word = val;
		t->point_line = l;
		line_write(l);
		return;
	}
	/* Into the store buffer: visible `hold` ns from now, after the
	 * stores before it; the task runs on. */
	sb = &sbufs[t->id];
	if (sb->n == SB_MAX)
		sb_land(t->id, t->cpu, sb->n);
	if (l->poisoned && line_poison_hook)
		line_poison_hook(l);
	land = sim_now() + t->lag_ns + hold;
	if (sb->n && land < sb->e[sb->n - 1].land)
		land = sb->e[sb->n - 1].land;
	sb->e[sb->n++] = (struct sb_entry){ l, word, val, land };
	event_at(land, sb_land_due, t, (uint64_t)t->id);
	task_charge(sim_machine->cost.l1_hit);
}

static void spinner_add(struct cacheline *l, struct task *t)
{
	t->spin_line = l;
	t->spin_next = l->spinners;
	l->spinners = t;
	l->nr_spinners++;
}

static void spinner_remove(struct cacheline *l, struct task *t)
{
	struct task **pp;

	for (pp = &l->spinners; *pp; pp = &(*pp)->spin_next) {
		if (*pp == t) {
			*pp = t->spin_next;
			t->spin_line = NULL;
			l->nr_spinners--;
			return;
		}
	}
}

/* Still on the list: woken by a resched IPI (task.c), not by a store. */
static void spinner_leave(struct cacheline *l, struct task *t)
{
	if (t->spin_line)
		spinner_remove(l, t);
}

void line_spin_wait(struct cacheline *l)
{
	spinner_add(l, current);
	task_spin_park();
	spinner_leave(l, current);
	line_read(l);
}

bool line_spin_wait_until(struct cacheline *l, sim_time_t deadline)
{
	struct task *t = current;

	spinner_add(l, t);
	if (!task_spin_park_until(deadline)) {
		spinner_remove(l, t);
		return false;
	}
	spinner_leave(l, t);
	line_read(l);
	return true;
}
