/*
 * Memory cgroup charging (mm/memcontrol.c): every new anonymous page is
 * charged to the task's memcg.  try_charge_memcg() first takes it from the
 * CPU's stock (memcg_stock_pcp, consume_stock()); an empty stock is
 * refilled with MEMCG_CHARGE_BATCH (64) pages by page_counter_try_charge(),
 * an atomic add on the usage counter of the memcg and of each ancestor,
 * shared lines that every CPU's refill writes.  Freeing uncharges once per
 * batch of freed pages (uncharge_batch(): page_counter_uncharge() up the
 * hierarchy).  The counters appear in lock_stat as "memcg->memory": each
 * charge or uncharge an acquisition, its wait the line transfers.
 *
 * The workload runs in a cgroup three levels deep (a systemd scope under a
 * slice under user.slice) below the root, whose counter is charged too:
 * MEMCG_DEPTH 4 counters per charge.  -p memcg=0 runs it in the root
 * cgroup, which is never charged.  Simplified: no limits (a charge never
 * fails or reclaims), no per-CPU stat flushing, no kmem accounting.
 */
#ifndef MMLOCKSIM_MEMCONTROL_H
#define MMLOCKSIM_MEMCONTROL_H

#include <stdbool.h>

#define MEMCG_CHARGE_BATCH 64
#define MEMCG_DEPTH 4

void memcg_setup(int ncpus, bool enabled);
void memcg_teardown(void);

/* mem_cgroup_charge() of one new page on the current CPU. */
void mem_cgroup_charge(void);
/* The uncharge of nr freed pages (one uncharge_batch()). */
void mem_cgroup_uncharge(int nr);

#endif
