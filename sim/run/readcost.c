#include "sim/run/readcost.h"

#include "lib/xalloc.h"
#include "sim/locking/sync.h"
#include "sim/rcu/rcu.h"
#include "sim/run/sim.h"

struct read_loop {
	enum read_side kind;
	rwlock_t rwlock;
	struct rw_semaphore sem;
	struct srcu_struct srcu;
	int iters;
	sim_time_t total_ns;
};

static void read_side_once(struct read_loop *c)
{
	int idx;

	switch (c->kind) {
	case READ_SIDE_RWLOCK:
		read_lock(&c->rwlock);
		read_unlock(&c->rwlock);
		break;
	case READ_SIDE_RWSEM:
		down_read(&c->sem);
		up_read(&c->sem);
		break;
	case READ_SIDE_SRCU:
		idx = srcu_read_lock(&c->srcu);
		srcu_read_unlock(&c->srcu, idx);
		break;
	case READ_SIDE_RCU:
		rcu_read_lock();
		rcu_read_unlock();
		task_charge(0);
		break;
	}
}

static void reader(void *arg)
{
	struct read_loop *c = arg;
	sim_time_t t0 = sim_now();
	sim_time_t lag0 = current->lag_ns;
	int i;

	for (i = 0; i < c->iters; i++)
		read_side_once(c);
	/* charged but not yet paid local time counts too */
	c->total_ns += sim_now() - t0 + current->lag_ns - lag0;
	task_delay(0);
}

double read_side_cost(const struct machine *m, enum read_side kind, int ncpus, int iters,
		      uint64_t seed, uint64_t *events)
{
	struct sim_config cfg = { .machine = m, .ncpus = ncpus, .seed = seed };
	struct read_loop *c = xzalloc(sizeof(*c));
	double cost;
	int i;

	sim_begin(&cfg);
	c->kind = kind;
	c->iters = iters;
	switch (kind) {
	case READ_SIDE_RWLOCK:
		rwlock_init(&c->rwlock, "bench_rwlock");
		break;
	case READ_SIDE_RWSEM:
		init_rwsem(&c->sem, "bench_rwsem");
		break;
	case READ_SIDE_SRCU:
		init_srcu_struct(&c->srcu, "bench_srcu");
		break;
	case READ_SIDE_RCU:
		break;
	}
	for (i = 0; i < ncpus; i++)
		task_create("reader", reader, c, i, 0);
	sim_run(UINT64_MAX);
	if (events)
		*events = sim_engine.events_run;
	if (kind == READ_SIDE_SRCU)
		cleanup_srcu_struct(&c->srcu);
	sim_end();
	cost = (double)c->total_ns / ncpus / iters;
	free(c);
	return cost;
}
