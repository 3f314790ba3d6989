#include "sim/mm/page_alloc.h"

#include "lib/xalloc.h"
#include "sim/core/task.h"
#include "sim/locking/spinlock.h"

struct zone {
	spinlock_t lock;
	long nr_free;
};

struct per_cpu_pages {
	int count;
	int high;
	int batch;
};

static struct {
	bool enabled;
	int nr_zones;
	struct zone *zones;		/* one per socket */
	struct per_cpu_pages *pcp;	/* one per CPU, of its node's zone */
} pa;

/*
 * zone_batchsize(): about a quarter of a thousandth of the zone, at most
 * 1 MiB of pages, rounded to 2^n - 1 (to avoid cache aliasing between
 * batches): 63 for any zone of 1 GiB or more.
 */
int zone_batchsize(long pages)
{
	long batch = pages >> 10;
	long p = 1;

	if (batch > (1 << 20) / 4096)
		batch = (1 << 20) / 4096;
	batch /= 4;
	if (batch < 1)
		batch = 1;
	batch += batch / 2;
	while (p * 2 <= batch)
		p *= 2;
	return (int)(p - 1 > 0 ? p - 1 : 1);
}

/* int_sqrt() */
static long isqrt(long x)
{
	long r = 0, b = 1L << 62;

	while (b > x)
		b >>= 2;
	while (b) {
		if (x >= r + b) {
			x -= r + b;
			r = (r >> 1) + b;
		} else {
			r >>= 1;
		}
		b >>= 2;
	}
	return r;
}

/*
 * zone_highsize() with the default percpu_pagelist_high_fraction of 0:
 * the zone's low watermark split among the CPUs of its node, at least
 * 4 batches.  The low watermark is min + max(min / 4, 0.1% of the zone)
 * (watermark_scale_factor 10), min the zone's share of min_free_kbytes =
 * sqrt(16 x lowmem KiB), clamped to 128 KiB..256 MiB
 * (init_per_zone_wmark_min(), __setup_per_zone_wmarks()).
 */
int zone_highsize(long total_pages, long zone_pages, int batch, int cpus)
{
	long min_free_kib = isqrt(total_pages * 4 * 16);
	long min, low, high;

	if (min_free_kib < 128)
		min_free_kib = 128;
	if (min_free_kib > 262144)
		min_free_kib = 262144;
	min = min_free_kib / 4 * zone_pages / total_pages;
	low = min + (min / 4 > zone_pages / 1000 ? min / 4 : zone_pages / 1000);
	high = low / (cpus > 0 ? cpus : 1);
	if (high < 4L * batch)
		high = 4L * batch;
	return (int)high;
}

void page_alloc_setup(const struct machine *m, int ncpus, bool enabled)
{
	long total_pages = (long)m->memory_gib * (1L << 30) / 4096;
	long node_pages = total_pages / m->sockets;
	int per_node = m->ncpus / m->sockets, i;

	page_alloc_teardown();
	pa.enabled = enabled;
	pa.nr_zones = m->sockets;
	pa.zones = xcalloc((size_t)m->sockets, sizeof(*pa.zones));
	pa.pcp = xcalloc((size_t)ncpus, sizeof(*pa.pcp));
	for (i = 0; i < m->sockets; i++) {
		spin_lock_init(&pa.zones[i].lock, "zone->lock", NULL);
		pa.zones[i].nr_free = node_pages;
	}
	/*
	 * Each list starts with one batch, as a running system's lists hold
	 * somewhere between none and high: the first refill of a CPU comes
	 * after batch allocations, not at its first fault.
	 */
	for (i = 0; i < ncpus; i++) {
		pa.pcp[i].batch = zone_batchsize(node_pages);
		pa.pcp[i].high = zone_highsize(total_pages, node_pages, pa.pcp[i].batch, per_node);
		pa.pcp[i].count = pa.pcp[i].batch;
	}
}

void page_alloc_teardown(void)
{
	free(pa.zones);
	free(pa.pcp);
	pa.zones = NULL;
	pa.pcp = NULL;
}

static struct zone *local_zone(void)
{
	return &pa.zones[sim_machine->socket_of[current->cpu]];
}

/* rmqueue_bulk(): take `count` pages off the buddy lists, one struct page miss each. */
static void rmqueue_bulk(struct zone *zone, int count)
{
	spin_lock(&zone->lock);
	task_delay((sim_time_t)count * sim_machine->cost.latency[DIST_MEMORY]);
	zone->nr_free -= count;
	spin_unlock(&zone->lock);
}

/* free_pcppages_bulk(): return `count` pages, checking each one's buddy. */
static void free_pcppages_bulk(struct zone *zone, int count)
{
	spin_lock(&zone->lock);
	task_delay((sim_time_t)count * sim_machine->cost.latency[DIST_MEMORY]);
	zone->nr_free += count;
	spin_unlock(&zone->lock);
}

void alloc_page_local(void)
{
	struct per_cpu_pages *pcp;

	task_delay(sim_machine->cost.page_alloc);	/* rmqueue_pcplist() */
	if (!pa.enabled)
		return;
	pcp = &pa.pcp[current->cpu];
	if (!pcp->count) {
		rmqueue_bulk(local_zone(), pcp->batch);
		pcp->count = pcp->batch;
	}
	pcp->count--;
}

void free_pages_local(int nr)
{
	struct per_cpu_pages *pcp;

	if (!pa.enabled || nr <= 0)
		return;
	pcp = &pa.pcp[current->cpu];
	pcp->count += nr;
	/* free_unref_page_commit(): over high, drain a batch at a time */
	while (pcp->count >= pcp->high) {
		int n = pcp->batch < pcp->count ? pcp->batch : pcp->count;

		free_pcppages_bulk(local_zone(), n);
		pcp->count -= n;
	}
}
