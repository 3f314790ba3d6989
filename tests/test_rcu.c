/*
 * RCU and SRCU: a grace period never ends before a reader that began
 * before it; callbacks run after their grace period, in batches.
 */
#include <gsl/gsl_rng.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sim/run/sim.h"
#include "sim/locking/sync.h"
#include "sim/rcu/rcu.h"
#include "tests/test.h"

#define MAX_READS 200000
#define MAX_GPS 2000

struct interval {
	sim_time_t start, end;
};

struct gp_check {
	struct srcu_struct srcu;
	int use_srcu;
	struct interval reads[MAX_READS];
	struct interval gps[MAX_GPS];
	int nreads, ngps;
	int writers_left;
};

static sim_time_t jitter(sim_time_t max)
{
	return gsl_rng_uniform_int(current->rng, max + 1);
}

static void gp_reader(void *arg)
{
	struct gp_check *g = arg;

	while (g->writers_left && g->nreads < MAX_READS) {
		struct interval *iv = &g->reads[g->nreads++];
		int idx = 0;

		if (g->use_srcu)
			idx = srcu_read_lock(&g->srcu);
		else
			rcu_read_lock();
		iv->start = sim_now();
		/* Some readers stay across several ticks. */
		task_delay(gsl_rng_uniform(current->rng) < 0.002 ? jitter(20000000) : jitter(20000));
		iv->end = sim_now();
		if (g->use_srcu)
			srcu_read_unlock(&g->srcu, idx);
		else
			rcu_read_unlock();
		task_user_work(jitter(50000));
	}
}

static void gp_writer(void *arg)
{
	struct gp_check *g = arg;
	int i;

	for (i = 0; i < 40 && g->ngps < MAX_GPS; i++) {
		struct interval *iv = &g->gps[g->ngps++];

		task_user_work(jitter(3000000));
		iv->start = sim_now();
		if (g->use_srcu)
			synchronize_srcu(&g->srcu);
		else
			synchronize_rcu();
		iv->end = sim_now();
	}
	g->writers_left--;
}

static int check_gps(struct gp_check *g, const char *what)
{
	int r, k, bad = 0;
	double sum = 0;

	for (k = 0; k < g->ngps; k++) {
		sum += (double)(g->gps[k].end - g->gps[k].start);
		for (r = 0; r < g->nreads; r++) {
			/* Began before the GP did, still running when it returned. */
			if (g->reads[r].start < g->gps[k].start && g->reads[r].end > g->gps[k].end)
				bad++;
		}
	}
	printf("  %s: %d grace periods (mean %.2f ms), %d read sections, %d violations\n",
	       what, g->ngps, sum / g->ngps / 1e6, g->nreads, bad);
	CHECK(bad == 0);
	CHECK(g->ngps == 80 && g->nreads > 1000);
	return 0;
}

static int run_gp_check(int use_srcu, uint64_t seed)
{
	struct sim_config cfg = { .machine = machine_find("xeon-8176-2s", NULL), .ncpus = 12, .seed = seed };
	struct gp_check *g = calloc(1, sizeof(*g));
	int i, rc;

	sim_begin(&cfg);
	g->use_srcu = use_srcu;
	if (use_srcu)
		init_srcu_struct(&g->srcu, "test_srcu");
	g->writers_left = 2;
	for (i = 0; i < 2; i++)
		task_create("writer", gp_writer, g, i, 0);
	for (i = 0; i < 14; i++)
		task_create("reader", gp_reader, g, -1, 0);
	sim_run(UINT64_MAX);
	rc = check_gps(g, use_srcu ? "srcu" : "rcu");
	CHECK(misuse_count == 0);
	if (use_srcu)
		cleanup_srcu_struct(&g->srcu);
	sim_end();
	free(g);
	return rc;
}

static int test_rcu_gp_waits_for_readers(void)
{
	CHECK(run_gp_check(0, 1) == 0);
	CHECK(run_gp_check(0, 2) == 0);
	return 0;
}

static int test_srcu_gp_waits_for_readers(void)
{
	CHECK(run_gp_check(1, 1) == 0);
	CHECK(run_gp_check(1, 2) == 0);
	return 0;
}

/* ---- call_rcu: deferred frees run after a GP, many per GP ------------ */

struct deferred {
	struct rcu_head head;
	sim_time_t queued;
	int freed;
};

static struct {
	struct deferred objs[400];
	int n, freed;
	sim_time_t worst_early;
	int reader_saw_freed;
	int stop;
} cb;

static void free_cb(struct rcu_head *head)
{
	struct deferred *d = (struct deferred *)head;

	d->freed = 1;
	cb.freed++;
}

static void cb_producer(void *arg)
{
	int i;

	(void)arg;
	for (i = 0; i < 400; i++) {
		struct deferred *d = &cb.objs[cb.n++];

		d->queued = sim_now();
		call_rcu(&d->head, free_cb);
		task_user_work(jitter(100000));
	}
	cb.stop = 1;
}

/* A reader holding a pointer to the newest object must never see it freed. */
static void cb_reader(void *arg)
{
	(void)arg;
	while (!cb.stop) {
		struct deferred *d;

		rcu_read_lock();
		d = cb.n ? &cb.objs[cb.n - 1] : NULL;
		task_delay(jitter(30000));
		if (d && d->freed)
			cb.reader_saw_freed++;
		rcu_read_unlock();
		task_user_work(jitter(10000));
	}
}

static int test_call_rcu_batches(void)
{
	struct sim_config cfg = { .machine = machine_find("laptop-8", NULL), .ncpus = 4, .seed = 9 };
	const struct gp_state *gp;

	sim_begin(&cfg);
	task_create("producer", cb_producer, NULL, 0, 0);
	task_create("reader", cb_reader, NULL, 1, 0);
	task_create("reader", cb_reader, NULL, 2, 0);
	sim_run(UINT64_MAX);
	gp = rcu_gp_state();
	printf("  %d callbacks in %llu grace periods (%.1f per GP), mean GP %.2f ms\n", cb.freed,
	       (unsigned long long)gp->nr_gps, (double)cb.freed / (double)gp->nr_gps,
	       (double)gp->gp_ns_total / (double)gp->nr_gps / 1e6);
	CHECK(cb.freed == 400);
	CHECK(cb.reader_saw_freed == 0);
	CHECK(gp->nr_gps < 400 / 4);	/* batched */
	sim_end();
	return 0;
}

/*
 * An object freed twice queues its rcu_head twice.  That closed the
 * callback list into a cycle and the grace period's end walked it
 * forever (the run never ended); it is a misuse, reported, and the
 * callback runs once.  Once it has run, the head may be queued again.
 */
static struct {
	struct rcu_head head;
	int ran;
	const char *kind;
} twice;

static void twice_cb(struct rcu_head *head)
{
	(void)head;
	twice.ran++;
}

static void twice_queue(void *arg)
{
	(void)arg;
	call_rcu(&twice.head, twice_cb);
	call_rcu(&twice.head, twice_cb);
}

/* Long after: the callback has run, the head is free to go again. */
static void queue_again(void *arg)
{
	(void)arg;
	call_rcu(&twice.head, twice_cb);
}

static void twice_misuse(const struct misuse *m)
{
	twice.kind = m->kind;
}

static int test_call_rcu_twice(void)
{
	struct sim_config cfg = { .machine = machine_find("laptop-8", NULL), .ncpus = 2, .seed = 1 };

	alarm(60);	/* the cycle was a hang */
	sim_begin(&cfg);
	misuse_hook = twice_misuse;
	task_create("twice", twice_queue, NULL, 0, 0);
	task_create("again", queue_again, NULL, 1, 100000000);
	sim_run(UINT64_MAX);
	misuse_hook = NULL;
	sim_end();
	alarm(0);
	printf("  callback ran %d times, misuse: %s\n", twice.ran, twice.kind ? twice.kind : "none");
	CHECK(twice.kind && !strcmp(twice.kind, "rcu-double-queue"));
	CHECK(twice.ran == 2);
	return 0;
}

/*
 * Grace-period work takes CPU time: a task that queued callbacks pays for
 * them on its CPU (RCU_SOFTIRQ; SRCU's kworkers), as an interrupted task
 * does.  The same busy loop takes longer when it queued 2000 callbacks
 * than when it queued none, by about their cost.
 */
struct gp_cost {
	struct srcu_struct srcu;
	struct rcu_head heads[2000];
	int nr, use_srcu;
	sim_time_t done;
};

static void gp_cost_noop(struct rcu_head *head)
{
	(void)head;
}

static void gp_cost_worker(void *arg)
{
	struct gp_cost *g = arg;
	int i;

	for (i = 0; i < g->nr; i++) {
		if (g->use_srcu)
			call_srcu(&g->srcu, &g->heads[i], gp_cost_noop);
		else
			call_rcu(&g->heads[i], gp_cost_noop);
	}
	/* 60 ms of kernel work in 10 us steps, long enough for the GPs to end */
	for (i = 0; i < 6000; i++)
		task_delay(10000);
	g->done = sim_now();
}

static sim_time_t run_gp_cost(int use_srcu, int nr, uint64_t *stolen)
{
	struct sim_config cfg = { .machine = machine_find("xeon-8176-2s", NULL), .ncpus = 2, .seed = 1 };
	static struct gp_cost g;
	sim_time_t done;

	memset(&g, 0, sizeof(g));
	sim_begin(&cfg);
	init_srcu_struct(&g.srcu, "test_srcu");
	g.nr = nr;
	g.use_srcu = use_srcu;
	task_create("gp-cost", gp_cost_worker, &g, 0, 0);
	sim_run(UINT64_MAX);
	*stolen = counter_value(counter_id(use_srcu ? "srcu_callback_ns" : "rcu_softirq_ns"));
	done = g.done;
	cleanup_srcu_struct(&g.srcu);
	sim_end();
	return done;
}

static int test_gp_costs_cpu_time(void)
{
	int use_srcu;

	for (use_srcu = 0; use_srcu < 2; use_srcu++) {
		uint64_t none_ns, cbs_ns;
		sim_time_t none = run_gp_cost(use_srcu, 0, &none_ns);
		sim_time_t cbs = run_gp_cost(use_srcu, 2000, &cbs_ns);

		printf("  %s: the loop ends at %.3f ms, %.3f ms with 2000 callbacks "
		       "(%llu ns of callback time)\n", use_srcu ? "SRCU" : "RCU", none / 1e6,
		       cbs / 1e6, (unsigned long long)cbs_ns);
		CHECK(none_ns == 0 && cbs_ns >= 2000 * 50);
		CHECK(cbs >= none + cbs_ns && cbs <= none + cbs_ns + 200000);
	}
	return 0;
}

const struct test_case rcu_tests[] = {
	{ "rcu/gp_waits_for_readers", test_rcu_gp_waits_for_readers },
	{ "rcu/srcu_gp_waits_for_readers", test_srcu_gp_waits_for_readers },
	{ "rcu/call_rcu_batches", test_call_rcu_batches },
	{ "rcu/gp_costs_cpu_time", test_gp_costs_cpu_time },
	{ "rcu/call_rcu_twice", test_call_rcu_twice },
	{ NULL, NULL },
};
