#include "sim/mm/memcontrol.h"

#include "sim/core/atomic.h"
#include "sim/core/task.h"
#include "lib/xalloc.h"
#include "sim/locking/lockstat.h"

struct page_counter {
	struct cacheline line;
	atomic_long_t usage;
};

static struct {
	bool enabled;
	struct page_counter counters[MEMCG_DEPTH];	/* the memcg, then its ancestors */
	int *stock;			/* pages in each CPU's memcg_stock_pcp */
	uint16_t stat;
} memcg;

void memcg_setup(int ncpus, bool enabled)
{
	int i;

	memcg_teardown();
	memcg.enabled = enabled;
	memcg.stock = xcalloc((size_t)ncpus, sizeof(*memcg.stock));
	for (i = 0; i < MEMCG_DEPTH; i++) {
		line_init(&memcg.counters[i].line, "memcg->memory");
		atomic_long_init(&memcg.counters[i].usage, &memcg.counters[i].line, 0);
	}
	memcg.stat = lock_stat_get("memcg->memory");
}

void memcg_teardown(void)
{
	free(memcg.stock);
	memcg.stock = NULL;
}

/* page_counter_try_charge() / page_counter_uncharge(): each level's usage. */
static void page_counter_add(long nr)
{
	sim_time_t asked = sim_now();
	int i;

	for (i = 0; i < MEMCG_DEPTH; i++)
		atomic_long_add(nr, &memcg.counters[i].usage);
	lock_waited(memcg.stat, asked);
}

void mem_cgroup_charge(void)
{
	int *stock;

	if (!memcg.enabled)
		return;
	stock = &memcg.stock[current->cpu];
	task_charge(sim_machine->cost.call);	/* consume_stock() */
	if (*stock > 0) {
		--*stock;
		return;
	}
	page_counter_add(MEMCG_CHARGE_BATCH);
	*stock = MEMCG_CHARGE_BATCH - 1;	/* refill_stock() */
}

void mem_cgroup_uncharge(int nr)
{
	if (!memcg.enabled || nr <= 0)
		return;
	page_counter_add(-nr);
}
