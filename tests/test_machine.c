/* Machine presets, INI machine files, topology and the line model's costs. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sim/core/cacheline.h"
#include "sim/run/sim.h"
#include "sim/core/task.h"
#include "tests/scratch.h"
#include "tests/test.h"

static int test_presets(void)
{
	const struct machine *x = machine_find("xeon-8176-2s", NULL);
	const struct machine *e = machine_find("epyc-7763-2s", NULL);
	const struct machine *o = machine_find("opteron-6172-4s", NULL);

	CHECK(x && x->ncpus == 112 && x->sockets == 2);
	CHECK(e && e->ncpus == 256);
	CHECK(o && o->ncpus == 48);
	CHECK(machine_find("laptop-8", NULL)->ncpus == 16);
	CHECK(machine_find("no-such-box", NULL) == NULL);
	/* Linux-style numbering: cores of socket 0, of socket 1, then siblings. */
	CHECK(machine_dist(x, 0, 27) == DIST_LLC);
	CHECK(machine_dist(x, 0, 28) == DIST_REMOTE);
	CHECK(machine_dist(x, 0, 56) == DIST_SMT);
	CHECK(machine_dist(e, 0, 8) == DIST_SOCKET);	/* another CCX */
	CHECK(machine_dist(e, 0, 7) == DIST_LLC);
	CHECK(machine_dist(o, 0, 6) == DIST_SOCKET);	/* other die, same package */
	CHECK(machine_dist(o, 0, 12) == DIST_REMOTE);
	return 0;
}

/*
 * Every preset, the machines of the published results among them: each
 * loads under its name with the CPU count its hardware has, cites where
 * its costs come from, and is never cheaper farther away.
 */
static int test_preset_table(void)
{
	/* pf: Intel cores from Sandy Bridge on pair lines into 128 bytes. */
	static const struct {
		const char *name;
		int ncpus, sockets;
		bool pf;
	} want[] = {
		{ "xeon-8176-2s", 112, 2, true }, { "epyc-7763-2s", 256, 2, false },
		{ "laptop-8", 16, 1, false }, { "opteron-6172-4s", 48, 4, false },
		{ "xeon-e5-2690v4-2s", 56, 2, true }, { "xeon-e5-2690v3-2s", 48, 2, true },
		{ "xeon-gold-6138-2s", 80, 2, true }, { "skl-4s-192", 192, 4, true },
		{ "xeon-8336c-2s", 128, 2, true }, { "epyc-zen5-2s", 256, 2, false },
		{ "power8-80", 80, 1, false }, { "ivb-ep-2x10x2", 40, 2, true },
		{ "ivb-ex-4x15x2", 120, 4, true }, { "vm-x86-16", 16, 1, true },
	};
	const int nwant = (int)(sizeof(want) / sizeof(want[0]));
	const struct machine *m;
	char *text = NULL;
	size_t len = 0;
	FILE *out;
	int i, d;

	CHECK(machine_nr_presets() == nwant);
	for (i = 0; i < nwant; i++) {
		m = machine_find(want[i].name, NULL);
		CHECKF(m, "%s", want[i].name);
		CHECKF(m == machine_preset(i), "%s", want[i].name);
		CHECKF(m->ncpus == want[i].ncpus && m->sockets == want[i].sockets,
		       "%s: %d CPUs, %d sockets", m->name, m->ncpus, m->sockets);
		CHECKF(m->sources && m->sources[0], "%s has no sources", m->name);
		for (d = DIST_SMT; d < DIST_REMOTE; d++)
			CHECKF(m->cost.latency[d] <= m->cost.latency[d + 1] &&
			       m->cost.occupancy[d] <= m->cost.occupancy[d + 1],
			       "%s: distance %d costs more than %d", m->name, d, d + 1);
		CHECKF(m->cost.mem_page > 0, "%s", m->name);
		CHECKF(m->adjacent_line_prefetch == want[i].pf, "%s: adjacent-line prefetch %d",
		       m->name, m->adjacent_line_prefetch);
	}
	/* Zen 5: 8-core CCDs, 8 per socket. */
	m = machine_find("epyc-zen5-2s", NULL);
	CHECK(machine_dist(m, 0, 7) == DIST_LLC);
	CHECK(machine_dist(m, 0, 8) == DIST_SOCKET);
	CHECK(machine_dist(m, 0, 64) == DIST_REMOTE);
	CHECK(machine_dist(m, 0, 128) == DIST_SMT);
	/* POWER8: SMT8, the siblings of core 0 are CPUs 0, 10, ... 70. */
	m = machine_find("power8-80", NULL);
	CHECK(m->threads_per_core == 8);
	CHECK(machine_dist(m, 0, 70) == DIST_SMT);
	CHECK(machine_dist(m, 0, 9) == DIST_LLC);
	m = machine_find("skl-4s-192", NULL);
	CHECK(machine_dist(m, 0, 23) == DIST_LLC);
	CHECK(machine_dist(m, 0, 72) == DIST_REMOTE);
	CHECK(m->memory_gib == 768);

	/* list machines shows the sources of each. */
	out = open_memstream(&text, &len);
	CHECK(out);
	for (i = 0; i < nwant; i++)
		machine_print(machine_preset(i), out);
	fclose(out);
	for (i = 0; i < nwant; i++) {
		const char *at = strstr(text, want[i].name);
		const char *next = i + 1 < nwant ? strstr(text, want[i + 1].name) : text + len;

		CHECKF(at && next, "%s", want[i].name);
		at = strstr(at, "sources");
		CHECKF(at && at < next, "%s: no sources line", want[i].name);
	}
	free(text);
	return 0;
}

static int test_ini(void)
{
	char path[] = "/tmp/mmlocksim-machine-XXXXXX";
	int fd = mkstemp(path);
	struct machine m;
	char err[512];

	CHECK(fd >= 0);
	close(fd);
	CHECK(!write_file(path, "[machine]\nbase = xeon-8176-2s\nname = half\nsockets = 1\n"
			  "[latency]\nllc = 70\n"));
	CHECK(machine_load_ini(path, &m, err, sizeof(err)) == 0);
	CHECK(!strcmp(m.name, "half"));
	CHECK(m.ncpus == 56);
	CHECK(m.cost.latency[DIST_LLC] == 70);
	CHECK(m.cost.occupancy[DIST_LLC] == 36);
	CHECK(m.adjacent_line_prefetch);	/* the base's */
	CHECK(!write_file(path, "[machine]\nbase = xeon-8176-2s\nadjacent_line_prefetch = 0\n"));
	CHECK(machine_load_ini(path, &m, err, sizeof(err)) == 0);
	CHECK(!m.adjacent_line_prefetch);
	CHECK(!write_file(path, "[machine]\nbase = epyc-7763-2s\nadjacent_line_prefetch = 1\n"));
	CHECK(machine_load_ini(path, &m, err, sizeof(err)) == 0);
	CHECK(m.adjacent_line_prefetch);
	CHECK(!write_file(path, "[machine]\nbase = xeon-8176-2s\nadjacent_line_prefetch = on\n"));
	CHECK(machine_load_ini(path, &m, err, sizeof(err)) == -1);
	CHECKF(strstr(err, ":3:") && strstr(err, "adjacent_line_prefetch"), "%s", err);

	/* Errors name the file, the line and what was expected. */
	CHECK(!write_file(path, "[machine]\nbase = xeon-8176-2s\n[latency]\nllc = fast\n"));
	CHECK(machine_load_ini(path, &m, err, sizeof(err)) == -1);
	CHECKF(strstr(err, path) && strstr(err, ":4:") && strstr(err, "expected"), "%s", err);
	CHECK(!write_file(path, "[machine]\nbase = xeon-8176-2s\n[cost]\nwarp = 1\n"));
	CHECK(machine_load_ini(path, &m, err, sizeof(err)) == -1);
	CHECKF(strstr(err, ":4:") && strstr(err, "warp"), "%s", err);
	CHECK(!write_file(path, "[machine]\nsockets = 2\ncores_per_socket = 3\nthreads_per_core = 1\n"
			  "cores_per_llc = 2\n[cost]\natomic = 7\n"));
	CHECK(machine_load_ini(path, &m, err, sizeof(err)) == -1);
	CHECKF(strstr(err, "multiple"), "%s", err);
	CHECK(!write_file(path, "[machine\n"));
	CHECK(machine_load_ini(path, &m, err, sizeof(err)) == -1);
	CHECKF(strstr(err, ":1:"), "%s", err);
	unlink(path);
	CHECK(machine_load_ini(path, &m, err, sizeof(err)) == -1);
	CHECKF(strstr(err, "cannot open"), "%s", err);
	return 0;
}

/* --- the line model, measured through single accesses ------------------ */

struct probe {
	struct cacheline line;
	sim_time_t cost[8];
	int step;
};

static void probe_access(struct probe *p, int write)
{
	sim_time_t t0 = sim_now() + current->lag_ns;

	if (write)
		line_rmw(&p->line);
	else
		line_read(&p->line);
	p->cost[p->step++] = sim_now() + current->lag_ns - t0;
}

static void probe_a(void *arg)
{
	struct probe *p = arg;

	probe_access(p, 1);		/* 0: from memory */
	probe_access(p, 1);		/* 1: owned: atomic */
	task_delay(1000);
	task_delay(1000);
	probe_access(p, 0);		/* 4: after b stole it: read from b */
}

static void probe_b(void *arg)
{
	struct probe *p = arg;

	task_delay(500);
	probe_access(p, 1);		/* 2: RMW from a, same socket */
	task_delay(500);
	p->step++;			/* 3: unused */
	task_delay(2000);
	probe_access(p, 0);		/* 5: b shares it with a: hit */
}

static int test_line_costs(void)
{
	const struct machine *x = machine_find("xeon-8176-2s", NULL);
	struct sim_config cfg = { .machine = x, .ncpus = 2, .seed = 1 };
	struct probe *p = calloc(1, sizeof(*p));
	const struct machine_costs *c = &x->cost;

	sim_begin(&cfg);
	line_init(&p->line, "probe");
	task_create("a", probe_a, p, 0, 0);
	task_create("b", probe_b, p, 1, 0);
	sim_run(UINT64_MAX);
	sim_end();
	printf("  memory %llu, owned RMW %llu, transfer RMW %llu, transfer read %llu, shared hit %llu ns\n",
	       (unsigned long long)p->cost[0], (unsigned long long)p->cost[1],
	       (unsigned long long)p->cost[2], (unsigned long long)p->cost[4],
	       (unsigned long long)p->cost[5]);
	CHECK(p->cost[0] == c->latency[DIST_MEMORY] + c->atomic);
	CHECK(p->cost[1] == c->atomic);
	CHECK(p->cost[2] == c->latency[DIST_LLC] + c->atomic);
	CHECK(p->cost[4] == c->latency[DIST_LLC] + c->l1_hit);
	CHECK(p->cost[5] == c->l1_hit);
	free(p);
	return 0;
}

/* Queueing: N CPUs hitting an idle line at once complete one per occupancy. */
struct burst {
	struct cacheline line;
	sim_time_t done[64];
	int n;
};

static void burst_rmw(void *arg)
{
	struct burst *b = arg;

	line_rmw(&b->line);
	b->done[b->n++] = sim_now();
}

static int test_line_queueing(void)
{
	const struct machine *x = machine_find("xeon-8176-2s", NULL);
	struct sim_config cfg = { .machine = x, .ncpus = 16, .seed = 1 };
	struct burst *b = calloc(1, sizeof(*b));
	int i;

	sim_begin(&cfg);
	line_init(&b->line, "burst");
	for (i = 0; i < 16; i++)
		task_create("rmw", burst_rmw, b, i, 100);
	sim_run(UINT64_MAX);
	sim_end();
	CHECK(b->n == 16);
	for (i = 2; i < 16; i++)
		CHECKF(b->done[i] - b->done[i - 1] == x->cost.occupancy[DIST_LLC],
		       "completion %d after %llu ns", i,
		       (unsigned long long)(b->done[i] - b->done[i - 1]));
	free(b);
	return 0;
}

/*
 * A posted store (x86 store buffer): the storer pays an L1 store and runs
 * on; a CPU spinning on the line sees the value only when the ownership
 * transfer lands; the storer's next locked RMW waits for that first.
 */
struct posted {
	struct cacheline line, other;
	int value;
	sim_time_t stored, after_store, seen, rmw_done;
};

static void posted_storer(void *arg)
{
	struct posted *p = arg;

	line_write(&p->other);
	task_delay(1000);		/* the spinner holds the line shared */
	p->stored = sim_now();
	p->value = 1;
	line_write_posted(&p->line);
	task_delay(0);
	p->after_store = sim_now();
	line_rmw(&p->other);		/* owned: only the drain can cost */
	task_delay(0);
	p->rmw_done = sim_now();
}

static void posted_spinner(void *arg)
{
	struct posted *p = arg;

	line_read(&p->line);
	while (!p->value)
		line_spin_wait(&p->line);
	p->seen = sim_now();
}

static int test_line_posted_store(void)
{
	const struct machine *x = machine_find("xeon-8176-2s", NULL);
	struct sim_config cfg = { .machine = x, .ncpus = 2, .seed = 1 };
	struct posted *p = calloc(1, sizeof(*p));
	const struct machine_costs *c = &x->cost;
	sim_time_t landed;

	sim_begin(&cfg);
	line_init(&p->line, "posted");
	line_init(&p->other, "posted_other");
	task_create("storer", posted_storer, p, 0, 0);
	task_create("spinner", posted_spinner, p, 1, 0);
	sim_run(UINT64_MAX);
	sim_end();
	landed = p->stored + c->latency[DIST_LLC];
	printf("  store at %llu: storer on at +%llu ns, spinner sees it at +%llu ns, "
	       "storer's next RMW done at +%llu ns (transfer %llu ns)\n",
	       (unsigned long long)p->stored, (unsigned long long)(p->after_store - p->stored),
	       (unsigned long long)(p->seen - p->stored),
	       (unsigned long long)(p->rmw_done - p->stored),
	       (unsigned long long)c->latency[DIST_LLC]);
	CHECK(p->after_store - p->stored == c->l1_hit);
	CHECK(p->seen >= landed + c->l1_hit);
	CHECK(p->rmw_done >= landed + c->atomic);
	CHECK(p->rmw_done == landed + c->atomic);
	free(p);
	return 0;
}

/*
 * A locked RMW on a line the CPU still keeps locks it in the cache for its
 * execution: a cmpxchg retried at once on the line the failed one brought,
 * then the load and store of the word beside it (down_read_trylock() and
 * rwsem_set_reader_owned()), hit, although another CPU asked for the line
 * meanwhile.  The asker gets it one occupancy after the first transfer.
 */
struct locked {
	struct cacheline line;
	sim_time_t retry, load, store, b_asked, b_got;
	uint64_t transfers_before_load;
};

static sim_time_t locked_cost(void (*access)(struct cacheline *), struct cacheline *l)
{
	sim_time_t t0 = sim_now() + current->lag_ns;

	access(l);
	return sim_now() + current->lag_ns - t0;
}

static void locked_a(void *arg)
{
	struct locked *p = arg;

	line_rmw(&p->line);			/* the failed cmpxchg: from memory */
	p->retry = locked_cost(line_rmw, &p->line);	/* the retry, at once */
	p->transfers_before_load = p->line.transfers;
	p->load = locked_cost(line_read, &p->line);	/* the owner's flags */
	p->store = locked_cost(line_write, &p->line);	/* the owner */
}

static void locked_b(void *arg)
{
	struct locked *p = arg;

	task_delay(50);			/* while a's first RMW waits for memory */
	p->b_asked = sim_now();
	line_rmw(&p->line);
	p->b_got = sim_now();
}

static int test_line_locked_rmw_keeps(void)
{
	const struct machine *x = machine_find("xeon-8176-2s", NULL);
	struct sim_config cfg = { .machine = x, .ncpus = 2, .seed = 1 };
	struct locked *p = calloc(1, sizeof(*p));
	const struct machine_costs *c = &x->cost;

	sim_begin(&cfg);
	line_init(&p->line, "locked");
	task_create("a", locked_a, p, 0, 0);
	task_create("b", locked_b, p, 1, 0);
	sim_run(UINT64_MAX);
	sim_end();
	printf("  retried RMW %llu ns, then load %llu ns and store %llu ns; the other CPU "
	       "asked at %llu, got the line at %llu; %llu transfers\n",
	       (unsigned long long)p->retry, (unsigned long long)p->load,
	       (unsigned long long)p->store, (unsigned long long)p->b_asked,
	       (unsigned long long)p->b_got, (unsigned long long)p->line.transfers);
	CHECK(p->retry == c->atomic);
	CHECK(p->load == c->l1_hit);
	CHECK(p->store == c->l1_hit);
	CHECK(p->line.transfers == 2);
	CHECK(p->b_got == c->latency[DIST_MEMORY] + c->occupancy[DIST_LLC] + c->atomic);
	free(p);
	return 0;
}

/*
 * 128-byte false sharing (the L2 adjacent-line prefetcher): CPU 0 stores to
 * a and to its buddy b, as a writer stores to two words of one object;
 * CPU 1 only reads b.  Each of CPU 1's misses on b also fetches a, which
 * CPU 0 has Modified: CPU 0 keeps it Shared, and its next store to a pays
 * for the ownership again.  With the prefetcher off a stays CPU 0's.
 */
#define PAIR_ROUNDS 20

struct pair {
	struct cacheline a, b;
	sim_time_t a_store_ns;		/* CPU 0's stores to a after the first */
};

/* Round i of either CPU starts at i us (+ offset). */
static void pair_wait_round(int i, sim_time_t offset)
{
	task_delay((sim_time_t)i * 1000 + offset - sim_now() - current->lag_ns);
}

static void pair_writer(void *arg)
{
	struct pair *p = arg;
	sim_time_t t0;
	int i;

	line_write(&p->a);
	for (i = 1; i <= PAIR_ROUNDS; i++) {
		pair_wait_round(i, 0);
		t0 = sim_now() + current->lag_ns;
		line_write(&p->a);
		p->a_store_ns += sim_now() + current->lag_ns - t0;
		line_write(&p->b);
	}
}

static void pair_reader(void *arg)
{
	struct pair *p = arg;
	int i;

	for (i = 1; i <= PAIR_ROUNDS; i++) {
		pair_wait_round(i, 500);
		line_read(&p->b);
	}
}

static int run_pair(bool off, struct pair *p)
{
	struct sim_config cfg = { .machine = machine_find("xeon-8176-2s", NULL), .ncpus = 2,
				  .seed = 1, .adjacent_line_prefetch_off = off };

	memset(p, 0, sizeof(*p));
	sim_begin(&cfg);
	line_init(&p->a, "pair_a");
	line_init(&p->b, "pair_b");
	line_pair(&p->a, &p->b);
	task_create("writer", pair_writer, p, 0, 0);
	task_create("reader", pair_reader, p, 1, 0);
	sim_run(UINT64_MAX);
	sim_end();
	return 0;
}

static int test_line_adjacent_false_sharing(void)
{
	const struct machine *x = machine_find("xeon-8176-2s", NULL);
	struct pair *on = calloc(1, sizeof(*on)), *off = calloc(1, sizeof(*off));

	CHECK(x->adjacent_line_prefetch);
	run_pair(false, on);
	run_pair(true, off);
	printf("  a's transfers: %llu with the prefetcher, %llu without; CPU 0's %d stores to a "
	       "took %llu ns, %llu without\n", (unsigned long long)on->a.transfers,
	       (unsigned long long)off->a.transfers, PAIR_ROUNDS,
	       (unsigned long long)on->a_store_ns, (unsigned long long)off->a_store_ns);
	/* Off: a came from memory once and never left CPU 0. */
	CHECK(off->a.transfers == 1);
	CHECK(off->a_store_ns == PAIR_ROUNDS * x->cost.l1_hit);
	/* On: each of CPU 1's misses on b prefetches a; each of CPU 0's stores
	 * to a after the first round upgrades it again. */
	CHECK(on->a.transfers == 1 + PAIR_ROUNDS + (PAIR_ROUNDS - 1));
	CHECK(on->a_store_ns == (PAIR_ROUNDS - 1) * (x->cost.latency[DIST_LLC] + x->cost.l1_hit) +
				x->cost.l1_hit);
	/* b moves the same either way. */
	CHECK(on->b.transfers == off->b.transfers);
	free(on);
	free(off);
	return 0;
}

/*
 * The prefetch is in the background: the miss that triggers it waits only
 * for its own line; the buddy, fetched at the same time, is a hit once it
 * has landed, and an access before that waits for the rest of its fill.
 * x is Shared by CPU 0, its buddy y Modified on the other socket (CPU 28);
 * CPU 1 reads x, then y at once; later a line z, then its buddy w, which
 * CPU 0 owns.
 */
struct bg {
	struct cacheline x, y, z, w;
	sim_time_t x_ns, y_ns, z_ns, w_ns;
};

static sim_time_t timed_read(struct cacheline *l)
{
	sim_time_t t0 = sim_now() + current->lag_ns;

	line_read(l);
	return sim_now() + current->lag_ns - t0;
}

static void bg_holders(void *arg)
{
	struct bg *p = arg;

	if (current->cpu == 0) {
		line_read(&p->x);
		line_write(&p->w);
	} else {
		line_write(&p->y);
	}
}

static void bg_reader(void *arg)
{
	struct bg *p = arg;

	p->x_ns = timed_read(&p->x);
	p->y_ns = timed_read(&p->y);
	task_delay(1000);
	p->z_ns = timed_read(&p->z);
	task_delay(1000);
	p->w_ns = timed_read(&p->w);
}

static int run_bg(bool off, struct bg *p)
{
	struct sim_config cfg = { .machine = machine_find("xeon-8176-2s", NULL), .ncpus = 29,
				  .seed = 1, .adjacent_line_prefetch_off = off };

	memset(p, 0, sizeof(*p));
	sim_begin(&cfg);
	line_init(&p->x, "bg_x");
	line_init(&p->y, "bg_y");
	line_init(&p->z, "bg_z");
	line_init(&p->w, "bg_w");
	line_pair(&p->x, &p->y);
	line_pair(&p->z, &p->w);
	task_create("cpu0", bg_holders, p, 0, 0);
	task_create("cpu28", bg_holders, p, 28, 0);
	task_create("reader", bg_reader, p, 1, 1000);
	sim_run(UINT64_MAX);
	sim_end();
	return 0;
}

static int test_line_adjacent_background(void)
{
	const struct machine *x = machine_find("xeon-8176-2s", NULL);
	const struct machine_costs *c = &x->cost;
	struct bg *on = calloc(1, sizeof(*on)), *off = calloc(1, sizeof(*off));

	run_bg(false, on);
	run_bg(true, off);
	printf("  x %llu ns, y right after %llu (without the prefetcher %llu); z %llu, "
	       "its buddy w later %llu (%llu)\n", (unsigned long long)on->x_ns,
	       (unsigned long long)on->y_ns, (unsigned long long)off->y_ns,
	       (unsigned long long)on->z_ns, (unsigned long long)on->w_ns,
	       (unsigned long long)off->w_ns);
	/* The miss on x costs what it does without the prefetcher. */
	CHECK(on->x_ns == c->latency[DIST_LLC] + c->l1_hit && on->x_ns == off->x_ns);
	/* y, asked with x, lands one remote latency after: the rest is waited. */
	CHECK(off->y_ns == c->latency[DIST_REMOTE] + c->l1_hit);
	CHECK(on->y_ns == c->latency[DIST_REMOTE] - c->latency[DIST_LLC]);
	/* CPU 0's store to w brought z along (z comes from CPU 0, not memory);
	 * CPU 1's miss on z brings w, a hit by the time CPU 1 reads it. */
	CHECK(on->z_ns == c->latency[DIST_LLC] + c->l1_hit);
	CHECK(off->z_ns == c->latency[DIST_MEMORY] + c->l1_hit);
	CHECK(on->w_ns == c->l1_hit);
	CHECK(off->w_ns == c->latency[DIST_LLC] + c->l1_hit);
	/* y: filled into CPU 0 with x, taken by CPU 28, prefetched by CPU 1,
	 * whose read merged with the fill; w: CPU 0's store, CPU 1's prefetch. */
	CHECK(on->y.transfers == 3 && on->w.transfers == 2);
	free(on);
	free(off);
	return 0;
}

const struct test_case machine_tests[] = {
	{ "machine/presets", test_presets },
	{ "machine/preset_table", test_preset_table },
	{ "machine/ini", test_ini },
	{ "machine/line_costs", test_line_costs },
	{ "machine/line_queueing", test_line_queueing },
	{ "machine/line_posted_store", test_line_posted_store },
	{ "machine/line_locked_rmw_keeps", test_line_locked_rmw_keeps },
	{ "machine/line_adjacent_false_sharing", test_line_adjacent_false_sharing },
	{ "machine/line_adjacent_background", test_line_adjacent_background },
	{ NULL, NULL },
};
