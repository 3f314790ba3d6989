/*
 * Wound/wait mutexes: transactions that take several locks in
 * any order, as a multi-VMA operation would take its VMAs' locks.
 *
 * - Under random schedules (16 tasks, 3 of 8 locks per transaction, in
 *   random order): every transaction completes, no lock is ever held twice,
 *   and the back-offs are counted; the same load with the locks taken in
 *   address order (the classic deadlock-free discipline, no back-offs) is
 *   the yardstick for what wounds cost.
 * - Exhaustively, as `mmlocksim check --exhaustive` explores schemes: every
 *   schedule with up to two preemptions at line accesses of two small
 *   cycles (A-B / B-A, and A-B / B-C / C-A).  Both ww classes finish every
 *   schedule; the deliberately broken variant -- the same locks as plain
 *   mutexes in the same orders -- must deadlock in some, or the search is
 *   not looking.
 */
#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/core/perturb.h"
#include "sim/run/sim.h"
#include "sim/locking/sync.h"
#include "sim/rcu/rcu.h"
#include "tests/test.h"

enum ww_kind { WW_WOUND_WAIT, WW_WAIT_DIE, WW_ORDERED, WW_BROKEN };
static const char *const kind_name[] = { "wound-wait", "wait-die", "ordered", "broken" };

#define WW_MAX_LOCKS	8
#define WW_MAX_TASKS	16
#define WW_MAX_PER_TXN	4

struct ww_test {
	enum ww_kind kind;
	struct ww_class ww_class;
	struct ww_mutex locks[WW_MAX_LOCKS];
	int inside[WW_MAX_LOCKS];
	int nlocks, per_txn, iters, hold_ns, think_ns;
	/* Fixed orders (exhaustive scenarios), else random ones. */
	int fixed[WW_MAX_TASKS][WW_MAX_PER_TXN];
	bool use_fixed;
	int finished, violations;
	uint64_t txns, backoffs;
	sim_time_t txn_ns;	/* from the first lock to holding them all */
};

static struct ww_test *ww_cur;

static int cmp_int(const void *a, const void *b)
{
	return *(const int *)a - *(const int *)b;
}

/* The locking loop of Documentation/locking/ww-mutex-design.rst. */
static void lock_all(struct ww_test *w, const int *order, int n, struct ww_acquire_ctx *ctx)
{
	int i, contended = -1, res = -1, ret;

	ww_acquire_init(ctx, &w->ww_class);
retry:
	for (i = 0; i < n; i++) {
		if (order[i] == res) {
			res = -1;
			continue;
		}
		ret = ww_mutex_lock(&w->locks[order[i]], ctx);
		if (ret < 0) {
			contended = order[i];
			goto err;
		}
	}
	return;
err:
	while (--i >= 0)
		if (order[i] != res)
			ww_mutex_unlock(&w->locks[order[i]]);
	if (res >= 0)
		ww_mutex_unlock(&w->locks[res]);
	w->backoffs++;
	/* We lost to an older transaction: wait for its lock holding nothing. */
	ww_mutex_lock_slow(&w->locks[contended], ctx);
	res = contended;
	goto retry;
}

static void ww_worker(void *arg)
{
	struct ww_test *w = ww_cur;
	int id = (int)(intptr_t)arg, it, i;

	for (it = 0; it < w->iters; it++) {
		struct ww_acquire_ctx ctx;
		int order[WW_MAX_PER_TXN];
		sim_time_t start;

		if (w->use_fixed) {
			memcpy(order, w->fixed[id], sizeof(order));
		} else {
			/* per_txn distinct locks in random order. */
			int all[WW_MAX_LOCKS];

			for (i = 0; i < w->nlocks; i++)
				all[i] = i;
			gsl_ran_shuffle(current->rng, all, (size_t)w->nlocks, sizeof(int));
			memcpy(order, all, sizeof(int) * (size_t)w->per_txn);
		}
		if (w->kind == WW_ORDERED)
			qsort(order, (size_t)w->per_txn, sizeof(int), cmp_int);
		start = sim_now();
		if (w->kind == WW_ORDERED || w->kind == WW_BROKEN) {
			for (i = 0; i < w->per_txn; i++)
				ww_mutex_lock(&w->locks[order[i]], NULL);
		} else {
			lock_all(w, order, w->per_txn, &ctx);
		}
		w->txn_ns += sim_now() - start;
		for (i = 0; i < w->per_txn; i++)
			if (w->inside[order[i]]++)
				w->violations++;
		task_delay((sim_time_t)w->hold_ns);
		for (i = 0; i < w->per_txn; i++)
			w->inside[order[i]]--;
		for (i = w->per_txn - 1; i >= 0; i--)
			ww_mutex_unlock(&w->locks[order[i]]);
		if (w->kind != WW_ORDERED && w->kind != WW_BROKEN)
			ww_acquire_fini(&ctx);
		w->txns++;
		if (w->think_ns)
			task_delay(gsl_rng_uniform_int(current->rng, (unsigned long)w->think_ns + 1));
	}
	w->finished++;
}

static void ww_run(struct ww_test *w, int tasks, uint64_t seed)
{
	struct sim_config cfg = { .machine = machine_find("xeon-8176-2s", NULL),
				  .ncpus = tasks, .seed = seed };
	int i;

	sim_begin(&cfg);
	sim_perturb.points = 0;
	ww_class_init(&w->ww_class, "ww_test", w->kind == WW_WAIT_DIE);
	for (i = 0; i < w->nlocks; i++)
		ww_mutex_init(&w->locks[i], &w->ww_class);
	memset(w->inside, 0, sizeof(w->inside));
	w->finished = w->violations = 0;
	w->txns = w->backoffs = 0;
	w->txn_ns = 0;
	ww_cur = w;
	for (i = 0; i < tasks; i++)
		task_create("ww", ww_worker, (void *)(intptr_t)i, i, (sim_time_t)i * 3);
	sim_run(UINT64_MAX);
	sim_end();
}

static int test_ww_random_schedules(void)
{
	enum ww_kind kinds[] = { WW_ORDERED, WW_WOUND_WAIT, WW_WAIT_DIE };
	double ordered_ns = 0;
	int k, seed;

	for (k = 0; k < 3; k++) {
		uint64_t txns = 0, backoffs = 0;
		sim_time_t txn_ns = 0;

		for (seed = 1; seed <= 3; seed++) {
			struct ww_test w = { .kind = kinds[k], .nlocks = 8, .per_txn = 3,
					     .iters = 500, .hold_ns = 300, .think_ns = 2000 };

			ww_run(&w, 16, (uint64_t)seed);
			CHECKF(w.finished == 16, "%s seed %d: %d of 16 tasks finished",
			       kind_name[kinds[k]], seed, w.finished);
			CHECKF(w.violations == 0, "%s: a lock held twice %d times",
			       kind_name[kinds[k]], w.violations);
			CHECK(misuse_count == 0);
			txns += w.txns;
			backoffs += w.backoffs;
			txn_ns += w.txn_ns;
		}
		CHECK(txns == 3 * 16 * 500);
		if (kinds[k] == WW_ORDERED) {
			ordered_ns = (double)txn_ns / (double)txns;
			CHECK(backoffs == 0);
		} else {
			/* Random orders over 8 locks: cycles happen and are broken. */
			CHECK(backoffs > 0);
		}
		printf("  %-10s %llu transactions, %.3f back-offs each, %.0f ns to hold all "
		       "(%.2f x address order)\n", kind_name[kinds[k]], (unsigned long long)txns,
		       (double)backoffs / (double)txns, (double)txn_ns / (double)txns,
		       (double)txn_ns / (double)txns / ordered_ns);
	}
	return 0;
}

struct ww_scenario {
	const char *name;
	int tasks;
	int order[3][2];
};

static const struct ww_scenario scenarios[] = {
	{ "A-B / B-A", 2, { { 0, 1 }, { 1, 0 } } },
	{ "A-B / B-C / C-A", 3, { { 0, 1 }, { 1, 2 }, { 2, 0 } } },
};

struct ww_search {
	enum ww_kind kind;
	const struct ww_scenario *s;
	uint64_t schedules, deadlocks, violations;
};

static uint64_t search_run(struct ww_search *x)
{
	struct ww_test w = { .kind = x->kind, .nlocks = 3, .per_txn = 2, .iters = 2,
			     .hold_ns = 100, .use_fixed = true };
	int t;

	for (t = 0; t < x->s->tasks; t++)
		memcpy(w.fixed[t], x->s->order[t], sizeof(x->s->order[t]));
	ww_run(&w, x->s->tasks, 1);
	x->schedules++;
	if (w.finished != x->s->tasks)
		x->deadlocks++;
	x->violations += (uint64_t)w.violations;
	return sim_perturb.points;
}

static void explore(struct ww_search *x, int depth, uint64_t from, uint64_t points)
{
	uint64_t c, p;

	if (!depth)
		return;
	for (c = from; c < points; c++) {
		sim_perturb.choice[sim_perturb.nchoices++] = c;
		p = search_run(x);
		explore(x, depth - 1, c + 1, p);
		sim_perturb.nchoices--;
	}
}

static int test_ww_exhaustive(void)
{
	enum ww_kind kinds[] = { WW_WOUND_WAIT, WW_WAIT_DIE, WW_BROKEN };
	size_t s;
	int k;

	for (s = 0; s < sizeof(scenarios) / sizeof(scenarios[0]); s++) {
		for (k = 0; k < 3; k++) {
			struct ww_search x = { .kind = kinds[k], .s = &scenarios[s] };
			uint64_t points;

			memset(&sim_perturb, 0, sizeof(sim_perturb));
			sim_perturb.enabled = 1;
			sim_perturb.choice_delay = 5000;
			points = search_run(&x);
			explore(&x, 2, 0, points);
			memset(&sim_perturb, 0, sizeof(sim_perturb));
			printf("  %-16s %-10s %6llu schedules, %llu deadlocked, %llu exclusion "
			       "violations\n", scenarios[s].name, kind_name[kinds[k]],
			       (unsigned long long)x.schedules, (unsigned long long)x.deadlocks,
			       (unsigned long long)x.violations);
			CHECK(x.violations == 0);
			CHECK(x.schedules > 100);
			if (kinds[k] == WW_BROKEN)
				CHECKF(x.deadlocks > 0, "%s: plain mutexes never deadlocked: the "
				       "search misses schedules", scenarios[s].name);
			else
				CHECK(x.deadlocks == 0);
		}
	}
	return 0;
}

const struct test_case ww_tests[] = {
	{ "ww/random_schedules", test_ww_random_schedules },
	{ "ww/exhaustive_cycles", test_ww_exhaustive },
	{ NULL, NULL },
};
