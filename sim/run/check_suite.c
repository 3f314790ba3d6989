#include "sim/run/check_suite.h"

#include <gsl/gsl_rng.h>
#include <stdlib.h>
#include <string.h>

#include "sim/oracle/oracle.h"
#include "sim/core/counters.h"
#include "sim/mm/mm.h"
#include "sim/core/perturb.h"
#include "sim/run/sim.h"
#include "sim/core/task.h"
#include "sim/run/watchdog.h"

/*
 * A scenario's tasks finish within a few hundred simulated microseconds,
 * even with perturbation delays, except where a fault sleeps in reclaim
 * (alloc_stall: 100 ms a time, a few in a row): a second without an op
 * finishing is no slow schedule but a livelock (or a deadlock kept alive
 * by events).
 */
#define CHECK_LIVELOCK_WINDOW	1000000000ULL

#define A_ADDR	0x7f0000000000UL
#define B_ADDR	0x7f1000000000UL
#define NPAGES	64
#define MAX_TASKS 8
#define CHECK_NS_MS 1000000ULL

struct sc {
	struct mm_struct *mm;
	int finished;
	int tiny;
};

struct sc_task {
	struct sc *sc;
	void (*fn)(struct sc *sc);
};

struct scenario {
	const char *name;
	const char *what;
	int ntasks;
	void (*task[MAX_TASKS])(struct sc *sc);
	sim_time_t start[MAX_TASKS];
	double file_miss;
	int tiny;		/* small enough for the exhaustive search */
	double alloc_stall;	/* mm_params.alloc_stall: faults that sleep holding their lock */
};

static sim_time_t jitter(sim_time_t max)
{
	return gsl_rng_uniform_int(current->rng, max + 1);
}

static unsigned long page(unsigned long base, int i)
{
	return base + (unsigned long)i * PAGE_SIZE;
}

static int nfaults(const struct sc *sc)
{
	return sc->tiny ? 2 : 24;
}

static void map_anon(struct sc *sc, unsigned long addr, int pages)
{
	mm_mmap(sc->mm, addr, (unsigned long)pages * PAGE_SIZE, PROT_READ | PROT_WRITE,
		MAP_ANONYMOUS, NULL);
}

/* Faulter: map A (first task only), then write-fault pages of it. */
static void faulter_maps(struct sc *sc)
{
	int i;

	map_anon(sc, A_ADDR, NPAGES);
	for (i = 0; i < nfaults(sc); i++) {
		mm_fault(sc->mm, page(A_ADDR, (int)gsl_rng_uniform_int(current->rng, NPAGES)),
			 FAULT_FLAG_WRITE);
		if (!sc->tiny)
			task_delay(jitter(400));
	}
}

static void faulter(struct sc *sc)
{
	int i;

	for (i = 0; i < nfaults(sc); i++) {
		mm_fault(sc->mm, page(A_ADDR, (int)gsl_rng_uniform_int(current->rng, NPAGES)),
			 gsl_rng_uniform(current->rng) < 0.7 ? FAULT_FLAG_WRITE : 0);
		if (!sc->tiny)
			task_delay(jitter(400));
	}
}

static void unmapper(struct sc *sc)
{
	if (!sc->tiny)
		task_delay(jitter(3000));
	mm_munmap(sc->mm, A_ADDR, NPAGES * PAGE_SIZE);
	if (sc->tiny)
		return;
	map_anon(sc, A_ADDR, NPAGES);
	task_delay(jitter(3000));
	mm_munmap(sc->mm, A_ADDR, NPAGES * PAGE_SIZE);
}

static void protector(struct sc *sc)
{
	if (!sc->tiny)
		task_delay(jitter(3000));
	mm_mprotect(sc->mm, A_ADDR, NPAGES * PAGE_SIZE, PROT_READ);
	if (sc->tiny)
		return;
	task_delay(jitter(2000));
	mm_mprotect(sc->mm, page(A_ADDR, 16), 8 * PAGE_SIZE, PROT_READ | PROT_WRITE);
	task_delay(jitter(2000));
	mm_mprotect(sc->mm, A_ADDR, NPAGES * PAGE_SIZE, PROT_READ | PROT_WRITE);
	mm_mprotect(sc->mm, page(A_ADDR, 8), 4 * PAGE_SIZE, PROT_READ);
}

static void remapper(struct sc *sc)
{
	if (!sc->tiny)
		task_delay(jitter(3000));
	mm_mremap(sc->mm, A_ADDR, NPAGES * PAGE_SIZE, NPAGES * PAGE_SIZE, B_ADDR, MREMAP_FIXED,
		  NULL);
	if (sc->tiny)
		return;
	task_delay(jitter(2000));
	mm_mremap(sc->mm, B_ADDR, NPAGES * PAGE_SIZE, NPAGES * PAGE_SIZE, A_ADDR, MREMAP_FIXED,
		  NULL);
	mm_mremap(sc->mm, A_ADDR, NPAGES * PAGE_SIZE, NPAGES / 2 * PAGE_SIZE, A_ADDR,
		  MREMAP_FIXED, NULL);
}

/* Splits (mprotect of a middle part) and merges (mmap next to A). */
static void splitter(struct sc *sc)
{
	int i;

	for (i = 0; i < (sc->tiny ? 1 : 4); i++) {
		if (!sc->tiny)
			task_delay(jitter(2000));
		mm_mprotect(sc->mm, page(A_ADDR, 20), 4 * PAGE_SIZE, PROT_READ);
		mm_mprotect(sc->mm, page(A_ADDR, 20), 4 * PAGE_SIZE, PROT_READ | PROT_WRITE);
	}
}

static void merger(struct sc *sc)
{
	int i;

	for (i = 0; i < 4; i++) {
		task_delay(jitter(2000));
		map_anon(sc, page(A_ADDR, NPAGES), 16);
		task_delay(jitter(2000));
		mm_munmap(sc->mm, page(A_ADDR, NPAGES), 16 * PAGE_SIZE);
	}
}

static void writer_elsewhere(struct sc *sc)
{
	int i;

	for (i = 0; i < 8; i++) {
		map_anon(sc, B_ADDR + (unsigned long)i * 0x100000, 8);
		task_delay(jitter(1000));
		mm_munmap(sc->mm, B_ADDR + (unsigned long)i * 0x100000, 8 * PAGE_SIZE);
	}
}

/* A file mapping whose first touches all need I/O (file_miss = 1). */
static void io_faulter(struct sc *sc)
{
	int i;

	mm_mmap(sc->mm, A_ADDR, NPAGES * PAGE_SIZE, PROT_READ, 0, NULL);
	for (i = 0; i < (sc->tiny ? 1 : 6); i++)
		mm_fault(sc->mm, page(A_ADDR, i * 3), 0);
}

static void io_unmapper(struct sc *sc)
{
	task_delay(sc->tiny ? 1000 : 20000 + jitter(100000));
	mm_munmap(sc->mm, A_ADDR, NPAGES * PAGE_SIZE);
}

/*
 * Crossing multi-VMA operations: each wants the other's VMAs in the
 * opposite order (source before destination), the A-B/B-A cycle a scheme
 * that locks VMAs one by one must break.  A and B are mapped (and touched)
 * by the first task; a faulter keeps touching A in the big runs.
 */
static void map_two(struct sc *sc, unsigned long a, unsigned long b, unsigned long bprot)
{
	int i;

	map_anon(sc, a, NPAGES);
	mm_mmap(sc->mm, b, NPAGES * PAGE_SIZE, bprot, MAP_ANONYMOUS, NULL);
	for (i = 0; i < (sc->tiny ? 1 : 8); i++) {
		mm_fault(sc->mm, page(a, i * 5), FAULT_FLAG_WRITE);
		mm_fault(sc->mm, page(b, i * 5), bprot & PROT_WRITE ? FAULT_FLAG_WRITE : 0);
	}
	if (!sc->tiny)
		faulter(sc);
}

static void map_a_and_b(struct sc *sc)
{
	map_two(sc, A_ADDR, B_ADDR, PROT_READ | PROT_WRITE);
}

static void mover(struct sc *sc, unsigned long from, unsigned long to)
{
	int i;

	for (i = 0; i < (sc->tiny ? 1 : 4); i++) {
		if (!sc->tiny)
			task_delay(jitter(2000));
		mm_mremap(sc->mm, from, NPAGES * PAGE_SIZE, NPAGES * PAGE_SIZE, to, MREMAP_FIXED,
			  NULL);
		if (sc->tiny)
			return;
		task_delay(jitter(2000));
		mm_mremap(sc->mm, to, NPAGES * PAGE_SIZE, NPAGES * PAGE_SIZE, from, MREMAP_FIXED,
			  NULL);
		/* Put the other side back, whoever moved it. */
		mm_mmap(sc->mm, to, NPAGES * PAGE_SIZE, PROT_READ | PROT_WRITE,
			MAP_ANONYMOUS | MAP_FIXED, NULL);
	}
}

static void move_a_onto_b(struct sc *sc)
{
	mover(sc, A_ADDR, B_ADDR);
}

static void move_b_onto_a(struct sc *sc)
{
	mover(sc, B_ADDR, A_ADDR);
}

/* A three-way cycle: A onto B, B onto C, C onto A. */
#define C_ADDR	0x7f2000000000UL

static void map_a_b_c(struct sc *sc)
{
	map_anon(sc, C_ADDR, NPAGES);
	map_two(sc, A_ADDR, B_ADDR, PROT_READ | PROT_WRITE);
}

static void move_b_onto_c(struct sc *sc)
{
	mover(sc, B_ADDR, C_ADDR);
}

static void move_c_onto_a(struct sc *sc)
{
	mover(sc, C_ADDR, A_ADDR);
}

/*
 * Two operations storing into the same hole at C: with range locks both
 * find it empty, and the one whose store comes second must start again
 * (and then replace what the other put there).
 */
static void map_c_rw(struct sc *sc)
{
	map_anon(sc, C_ADDR, NPAGES);
	mm_fault(sc->mm, page(C_ADDR, 1), FAULT_FLAG_WRITE);
}

static void map_c_ro(struct sc *sc)
{
	mm_mmap(sc->mm, C_ADDR, NPAGES * PAGE_SIZE, PROT_READ, MAP_ANONYMOUS | MAP_FIXED, NULL);
	mm_fault(sc->mm, page(C_ADDR, 2), 0);
}

static void move_a_onto_c(struct sc *sc)
{
	mm_mremap(sc->mm, A_ADDR, NPAGES * PAGE_SIZE, NPAGES * PAGE_SIZE, C_ADDR, MREMAP_FIXED,
		  NULL);
	mm_fault(sc->mm, page(C_ADDR, 3), FAULT_FLAG_WRITE);
}

/*
 * fork racing the first write faults of a fresh mapping: the fault links
 * the VMA's anon_vma (anon_vma_prepare()) while fork copies the VMA.
 */
static void fresh_writer(struct sc *sc)
{
	int round, i;

	for (round = 0; round < (sc->tiny ? 1 : 4); round++) {
		map_anon(sc, A_ADDR, NPAGES);
		task_delay(sc->tiny ? 1000 : jitter(3000));
		for (i = 0; i < nfaults(sc); i++)
			mm_fault(sc->mm, page(A_ADDR, i * 2), FAULT_FLAG_WRITE);
		if (!sc->tiny)
			mm_munmap(sc->mm, A_ADDR, NPAGES * PAGE_SIZE);
	}
}

static void forker(struct sc *sc)
{
	int i;

	for (i = 0; i < (sc->tiny ? 1 : 8); i++) {
		if (!sc->tiny)
			task_delay(jitter(4000));
		mm_dup(sc->mm);
	}
}

/* A and, right after it, A2 (read-only, so the two never merge). */
#define A2_ADDR (A_ADDR + NPAGES * PAGE_SIZE)

static void map_a_and_a2(struct sc *sc)
{
	map_two(sc, A_ADDR, A2_ADDR, PROT_READ);
}

/* mprotect over A and A2: A, then A2. */
static void protect_across(struct sc *sc)
{
	int i;

	for (i = 0; i < (sc->tiny ? 1 : 4); i++) {
		if (!sc->tiny)
			task_delay(jitter(2000));
		mm_mprotect(sc->mm, A_ADDR, 2 * NPAGES * PAGE_SIZE, PROT_READ);
		if (sc->tiny)
			return;
		task_delay(jitter(2000));
		mm_mprotect(sc->mm, A_ADDR, 2 * NPAGES * PAGE_SIZE, PROT_READ | PROT_WRITE);
	}
}

/* mremap of A2 onto A: A2, then A. */
static void move_a2_onto_a(struct sc *sc)
{
	int i;

	for (i = 0; i < (sc->tiny ? 1 : 4); i++) {
		if (!sc->tiny)
			task_delay(jitter(2000));
		mm_mremap(sc->mm, A2_ADDR, NPAGES * PAGE_SIZE, NPAGES * PAGE_SIZE, A_ADDR,
			  MREMAP_FIXED, NULL);
		if (sc->tiny)
			return;
		task_delay(jitter(2000));
		mm_mmap(sc->mm, A2_ADDR, NPAGES * PAGE_SIZE, PROT_READ, MAP_ANONYMOUS | MAP_FIXED, NULL);
	}
}

/*
 * A reader that holds its VMA across a sleep (every page allocation
 * enters direct reclaim, alloc_stall = 1) while a writer changes that VMA:
 * a writer that does not wait for the VMA's readers changes it under a
 * fault that wakes up and maps a page by the old protection or into a
 * range already unmapped -- not a window of a few ns but of an I/O.
 */
static void sleepy_faulter(struct sc *sc)
{
	int i;

	map_anon(sc, A_ADDR, NPAGES);
	for (i = 0; i < (sc->tiny ? 1 : 4); i++)
		mm_fault(sc->mm, page(A_ADDR, i * 5), FAULT_FLAG_WRITE);
}

static void sleepy_writer(struct sc *sc)
{
	int i;

	for (i = 0; i < (sc->tiny ? 1 : 3); i++) {
		task_delay(sc->tiny ? 20000 : jitter(60 * CHECK_NS_MS));
		mm_mprotect(sc->mm, A_ADDR, NPAGES * PAGE_SIZE, PROT_READ);
		if (sc->tiny)
			return;
		task_delay(jitter(40 * CHECK_NS_MS));
		mm_mprotect(sc->mm, A_ADDR, NPAGES * PAGE_SIZE, PROT_READ | PROT_WRITE);
	}
	task_delay(jitter(100 * CHECK_NS_MS));
	mm_munmap(sc->mm, A_ADDR, NPAGES * PAGE_SIZE);
}

/*
 * Two writers back to back on one VMA, each mprotect right after the
 * other's, among faults: the second must find the VMA's lock released
 * by the first operation's end (a lock state left behind, or a release
 * that is skipped, shows here), and faults between them must wait.
 */
static void back_to_back_writer(struct sc *sc)
{
	int i;

	for (i = 0; i < (sc->tiny ? 1 : 6); i++) {
		if (!sc->tiny)
			task_delay(jitter(2000));
		mm_mprotect(sc->mm, A_ADDR, NPAGES * PAGE_SIZE, PROT_READ);
		mm_mprotect(sc->mm, A_ADDR, NPAGES * PAGE_SIZE, PROT_READ | PROT_WRITE);
	}
}

static const struct scenario scenarios[] = {
	{ "fault-vs-munmap", "write faults racing munmap of their VMA", 3,
	  { faulter_maps, faulter, unmapper }, { 0, 4000, 4000 }, 0, 1, 0 },
	{ "fault-vs-mprotect", "write faults racing mprotect (whole VMA and splits)", 3,
	  { faulter_maps, faulter, protector }, { 0, 4000, 4000 }, 0, 1, 0 },
	{ "fault-vs-mremap", "faults racing mremap moving their VMA away and back", 3,
	  { faulter_maps, faulter, remapper }, { 0, 4000, 4000 }, 0, 1, 0 },
	{ "fault-during-split-merge", "faults while the VMA is split and merged", 3,
	  { faulter_maps, splitter, merger }, { 0, 4000, 4000 }, 0, 0, 0 },
	{ "readers-vs-writer", "many faulting readers against a writer elsewhere", 6,
	  { faulter_maps, faulter, faulter, faulter, faulter, writer_elsewhere },
	  { 0, 4000, 4000, 4000, 4000, 4000 }, 0, 0, 0 },
	{ "io-fault-vs-munmap", "a fault sleeping on I/O while its VMA is unmapped", 2,
	  { io_faulter, io_unmapper }, { 0, 4000 }, 1.0, 1, 0 },
	{ "fault-vs-fork", "first write faults of a fresh mapping while the process forks", 2,
	  { fresh_writer, forker }, { 0, 4000 }, 0, 1, 0 },
	{ "mremap-cross", "two mremaps moving A onto B and B onto A at once", 3,
	  { map_a_and_b, move_a_onto_b, move_b_onto_a }, { 0, 20000, 20000 }, 0, 1, 0 },
	{ "mremap-cycle-cross", "three mremaps moving A onto B, B onto C and C onto A", 4,
	  { map_a_b_c, move_a_onto_b, move_b_onto_c, move_c_onto_a }, { 0, 30000, 30000, 30000 },
	  0, 1, 0 },
	{ "mmap-same-hole", "two mmaps and an mremap storing into the same hole", 4,
	  { map_a_and_b, map_c_rw, map_c_ro, move_a_onto_c }, { 0, 30000, 30000, 30000 }, 0, 1, 0 },
	{ "mprotect-vs-mremap-cross", "mprotect over A and A2 against mremap of A2 onto A", 3,
	  { map_a_and_a2, protect_across, move_a2_onto_a }, { 0, 20000, 20000 }, 0, 1, 0 },
	{ "sleeping-reader-vs-writer",
	  "faults sleeping in reclaim holding their VMA while it is mprotected and unmapped", 2,
	  { sleepy_faulter, sleepy_writer }, { 0, 4000 }, 0, 1, 1.0 },
	{ "writers-back-to-back", "two writers mprotecting one VMA back to back among faults", 4,
	  { faulter_maps, faulter, back_to_back_writer, back_to_back_writer },
	  { 0, 4000, 4000, 4000 }, 0, 1, 0 },
};

#define NR_SCENARIOS ((int)(sizeof(scenarios) / sizeof(scenarios[0])))

int check_nr_scenarios(void)
{
	return NR_SCENARIOS;
}

const char *check_scenario_name(int i)
{
	return i >= 0 && i < NR_SCENARIOS ? scenarios[i].name : NULL;
}

static void sc_task_fn(void *arg)
{
	struct sc_task *st = arg;

	mm_enter(st->sc->mm);
	watchdog_op_begin();	/* the task's ops as one: progress is a task done */
	st->fn(st->sc);
	watchdog_op_end();
	st->sc->finished++;
	/* mm_exit() would tear the mm down under a scheme lock: not needed. */
	st->sc->mm->users--;
}

static void note_kind(struct check_outcome *out, const char *kind)
{
	size_t n = strlen(out->kinds);

	if (strstr(out->kinds, kind))
		return;
	snprintf(out->kinds + n, sizeof(out->kinds) - n, "%s%s", n ? "," : "", kind);
}

/* One run of one scenario; returns its violations. */
static uint64_t run_once(const struct scheme_ops *ops, const struct scheme_args *args,
			 const struct scenario *s, int tiny,
			 uint64_t seed, struct check_outcome *out, uint64_t *points)
{
	struct sim_config cfg = { .machine = machine_find("xeon-8176-2s", NULL),
				  .ncpus = s->ntasks, .seed = seed };
	struct sc sc = { .tiny = tiny };
	struct sc_task st[MAX_TASKS];
	uint64_t v;
	int i;

	sim_begin(&cfg);
	oracle_setup();
	mm_params.file_miss = s->file_miss;
	mm_params.alloc_stall = s->alloc_stall;
	mm_params.max_fault_retries = 8;
	sim_perturb.points = 0;
	sc.mm = mm_alloc(ops, args);
	for (i = 0; i < s->ntasks; i++) {
		st[i].sc = &sc;
		st[i].fn = s->task[i];
		task_create(s->name, sc_task_fn, &st[i], i, s->start[i]);
	}
	watchdog_start(CHECK_LIVELOCK_WINDOW);
	sim_run(UINT64_MAX);
	watchdog_stop();
	oracle_run_end();
	if (sc.finished != s->ntasks && !watchdog_fired())
		report_violation("deadlock", 0, "%d of %d tasks never finished (scenario %s)",
				s->ntasks - sc.finished, s->ntasks, s->name);
	v = violations_total();
	out->runs++;
	if (v) {
		const struct violation *first = violation_at(0);

		out->failed_runs++;
		out->violations += v;
		for (i = 0; i < violations_kept(); i++)
			note_kind(out, violation_at(i)->kind);
		if (!out->first[0])
			snprintf(out->first, sizeof(out->first),
				 "%s seed %llu: t=%llu ns task %d %s at %#lx: %s", s->name,
				 (unsigned long long)seed, (unsigned long long)first->time,
				 first->task, first->kind, first->addr, first->detail);
	}
	*points = sim_perturb.points;
	if (out->count)
		out->counted += counter_value(counter_id(out->count));
	mm_teardown_all();
	sim_end();
	mm_params.file_miss = 0;
	mm_params.alloc_stall = 0;
	return v;
}

/* Every schedule with up to `depth` more delays after choice `from`. */
static void explore(const struct scheme_ops *ops, const struct scheme_args *args,
		    const struct scenario *s, int depth,
		    uint64_t from, uint64_t points, struct check_outcome *out)
{
	uint64_t c, p;

	if (!depth || sim_perturb.nchoices == PERTURB_MAX_CHOICES)
		return;
	for (c = from; c < points; c++) {
		sim_perturb.choice[sim_perturb.nchoices++] = c;
		run_once(ops, args, s, 1, 1, out, &p);
		out->schedules++;
		explore(ops, args, s, depth - 1, c + 1, p, out);
		sim_perturb.nchoices--;
	}
}

int check_scheme(const struct scheme_ops *ops, const struct check_opts *opts,
		 struct check_outcome *out)
{
	int i, seed;

	memset(out, 0, sizeof(*out));
	out->count = opts->count;
	for (i = 0; i < NR_SCENARIOS; i++) {
		const struct scenario *s = &scenarios[i];
		uint64_t before = out->violations, runs = out->runs, points, sched0;

		if (opts->only && !strstr(s->name, opts->only))
			continue;
		memset(&sim_perturb, 0, sizeof(sim_perturb));
		sim_perturb.enabled = 1;
		sim_perturb.random_p = 0.05;
		sim_perturb.random_max = 3000;
		for (seed = 1; seed <= opts->seeds; seed++)
			run_once(ops, opts->args, s, 0, (uint64_t)seed, out, &points);
		sched0 = out->schedules;
		if (opts->exhaustive && s->tiny) {
			sim_perturb.random_p = 0;
			sim_perturb.choice_delay = 5000;
			run_once(ops, opts->args, s, 1, 1, out, &points);
			out->schedules++;
			explore(ops, opts->args, s, opts->preemptions, 0, points, out);
			if (opts->tso) {
				/* The same points; a chosen store now lingers in
				 * its store buffer instead of delaying its task. */
				sim_perturb.tso = 1;
				run_once(ops, opts->args, s, 1, 1, out, &points);
				out->schedules++;
				explore(ops, opts->args, s, opts->preemptions, 0, points, out);
				sim_perturb.tso = 0;
			}
		}
		if (opts->log)
			fprintf(opts->log, "  %-26s %6llu runs %8llu schedules  %s\n", s->name,
				(unsigned long long)(out->runs - runs),
				(unsigned long long)(out->schedules - sched0),
				out->violations > before ? "VIOLATIONS" : "ok");
	}
	memset(&sim_perturb, 0, sizeof(sim_perturb));
	return out->violations ? 1 : 0;
}
