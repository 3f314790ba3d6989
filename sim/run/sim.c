#include "sim/run/sim.h"

#include "sim/core/cacheline.h"
#include "sim/core/counters.h"
#include "sim/core/engine.h"
#include "sim/locking/lockstat.h"
#include "sim/core/misuse.h"
#include "sim/rcu/rcu.h"
#include "sim/locking/spinlock.h"
#include "sim/core/task.h"
#include "sim/mm/mm.h"

void sim_begin(const struct sim_config *cfg)
{
	const struct machine *m = cfg->machine;
	int ncpus = cfg->ncpus > 0 && cfg->ncpus < m->ncpus ? cfg->ncpus : m->ncpus;
	struct sched_params sp = {
		.ncpus = ncpus,
		.seed = cfg->seed,
		.ctxsw_ns = m->cost.ctxsw,
		.wakeup_ns = m->cost.wakeup,
		.timeslice_ns = m->cost.timeslice,
		.stack_size = cfg->stack_size,
	};

	engine_reset();
	machine_use(m);
	cacheline_setup(m, cfg->seed, m->adjacent_line_prefetch && !cfg->adjacent_line_prefetch_off);
	line_classes_reset();
	lock_stats_reset();
	counters_reset();
	misuse_count = 0;
	sched_init(&sp);
	spinlock_setup(ncpus);
	rcu_setup(ncpus);
	lockstat_setup();
	mm_subsys_setup(m, ncpus);
}

sim_time_t sim_run(sim_time_t until)
{
	engine_run(until);
	return sim_now();
}

void sim_end(void)
{
	mm_subsys_teardown();
	rcu_teardown();
	spinlock_teardown();
	sched_teardown();
	engine_reset();
}
