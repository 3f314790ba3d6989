#include "tests/workloads.h"

#include <gsl/gsl_randist.h>
#include <stdlib.h>
#include <string.h>

#include "sim/run/sim.h"
#include "sim/locking/sync.h"
#include "sim/rcu/rcu.h"

struct loop_ctx {
	struct rw_semaphore sem;
	struct srcu_struct srcu;
	spinlock_t qlock;
	ticket_spinlock_t tlock;
	struct cacheline data;
	struct semaphore servers;	/* M/M/c: nonzero nr_servers */
	int nr_servers;
	enum spin_kind kind;
	int iters;
	sim_time_t cs_ns, think_ns, until;
	uint64_t acquisitions;
	sim_time_t total_ns;
	/* M/M/1 and M/M/c */
	double think_mean, hold_mean;
	uint64_t customers, target;
	double wait_sum, hold_sum;
	sim_time_t first_arrival, last_arrival;
};

static void spin_worker(void *arg)
{
	struct loop_ctx *c = arg;

	while (sim_now() < c->until) {
		if (c->kind == SPIN_TICKET)
			ticket_spin_lock(&c->tlock);
		else
			spin_lock(&c->qlock);
		line_write(&c->data);
		task_delay(c->cs_ns);
		if (sim_now() < c->until)
			c->acquisitions++;
		if (c->kind == SPIN_TICKET)
			ticket_spin_unlock(&c->tlock);
		else
			spin_unlock(&c->qlock);
		task_delay(c->think_ns);
	}
}

double spin_throughput(const struct machine *m, enum spin_kind kind, int ncpus,
		       sim_time_t cs_ns, sim_time_t think_ns, sim_time_t duration,
		       uint64_t seed)
{
	struct sim_config cfg = { .machine = m, .ncpus = ncpus, .seed = seed };
	struct loop_ctx *c = calloc(1, sizeof(*c));
	double tput;
	int i;

	sim_begin(&cfg);
	spin_lock_init(&c->qlock, "bench_spinlock", NULL);
	ticket_spin_lock_init(&c->tlock, "bench_ticketlock");
	line_init(&c->data, "bench_data");
	c->kind = kind;
	c->cs_ns = cs_ns;
	c->think_ns = think_ns;
	c->until = duration;
	for (i = 0; i < ncpus; i++)
		task_create("spinner", spin_worker, c, i, 0);
	sim_run(UINT64_MAX);
	sim_end();
	tput = (double)c->acquisitions / ((double)duration / 1e9);
	free(c);
	return tput;
}

static void mm1_source(void *arg)
{
	struct loop_ctx *c = arg;

	while (c->customers < c->target) {
		sim_time_t asked, got, hold;

		task_user_work((sim_time_t)gsl_ran_exponential(current->rng, c->think_mean) + 1);
		asked = sim_now();
		if (!c->first_arrival)
			c->first_arrival = asked;
		c->last_arrival = asked;
		if (c->nr_servers)
			down(&c->servers);
		else
			spin_lock(&c->qlock);
		got = sim_now();
		hold = (sim_time_t)gsl_ran_exponential(current->rng, c->hold_mean);
		task_delay(hold);
		if (c->nr_servers)
			up(&c->servers);
		else
			spin_unlock(&c->qlock);
		c->wait_sum += (double)(got - asked);
		c->hold_sum += (double)(sim_now() - got);
		c->customers++;
	}
}

static void queue_run(const struct machine *m, int servers, int sources, double think_mean_ns,
		      double hold_mean_ns, uint64_t customers, uint64_t seed,
		      struct mm1_result *res)
{
	struct sim_config cfg = { .machine = m, .ncpus = sources, .seed = seed };
	struct loop_ctx *c = calloc(1, sizeof(*c));
	int i;

	sim_begin(&cfg);
	c->nr_servers = servers;
	if (servers)
		sema_init(&c->servers, (unsigned int)servers, "mmc_semaphore");
	else
		spin_lock_init(&c->qlock, "mm1_lock", NULL);
	c->think_mean = think_mean_ns;
	c->hold_mean = hold_mean_ns;
	c->target = customers;
	for (i = 0; i < sources; i++)
		task_create("source", mm1_source, c, i, 0);
	sim_run(UINT64_MAX);
	sim_end();
	res->customers = c->customers;
	res->mean_wait_ns = c->wait_sum / (double)c->customers;
	res->mean_hold_ns = c->hold_sum / (double)c->customers;
	res->arrival_rate = (double)(c->customers - 1) /
			    (double)(c->last_arrival - c->first_arrival);
	free(c);
}

void mm1_spinlock(const struct machine *m, int sources, double think_mean_ns,
		  double hold_mean_ns, uint64_t customers, uint64_t seed,
		  struct mm1_result *res)
{
	queue_run(m, 0, sources, think_mean_ns, hold_mean_ns, customers, seed, res);
}

void mmc_semaphore(const struct machine *m, int servers, int sources, double think_mean_ns,
		   double hold_mean_ns, uint64_t customers, uint64_t seed,
		   struct mm1_result *res)
{
	queue_run(m, servers, sources, think_mean_ns, hold_mean_ns, customers, seed, res);
}

uint64_t result_counter(const struct run_result *r, const char *name)
{
	int i;

	for (i = 0; i < r->ncounters; i++)
		if (!strcmp(r->counters[i].name, name))
			return r->counters[i].value;
	return 0;
}

const struct op_result *result_op(const struct run_result *r, const char *name)
{
	int i;

	for (i = 0; i < r->nops; i++)
		if (!strcmp(r->ops[i].op, name))
			return &r->ops[i];
	return NULL;
}

const struct lock_result *result_lock(const struct run_result *r, const char *name)
{
	int i;

	for (i = 0; i < r->nlocks; i++)
		if (!strcmp(r->locks[i].lock, name))
			return &r->locks[i];
	return NULL;
}
