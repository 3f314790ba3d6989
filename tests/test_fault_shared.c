/*
 * What every fault shares besides its VMA: the page allocator's per-CPU
 * lists and zone->lock, the LRU batches and lru_lock, the memcg charge
 * stock, the socket's memory bandwidth; and the lines of the fault path
 * that a 128-byte pair couples.  Each test runs a page-faulting workload
 * with the mechanism and without it (its -p knob at 0).
 */
#include <stdio.h>
#include <string.h>

#include "sim/mm/page_alloc.h"
#include "sim/run/run.h"
#include "tests/scratch.h"
#include "tests/test.h"
#include "tests/workloads.h"

/* Run spec with knob (if any) added: 0 if it ran to COMPLETE. */
static int run_complete(struct run_spec *spec, const char *knob, struct run_result *r)
{
	char err[512];

	if (knob)
		spec->params[spec->nparams++] = knob;
	if (run_simulation(spec, r, err, sizeof(err))) {
		printf("  run failed: %s\n", err);
		return -1;
	}
	return strcmp(r->status, RUN_COMPLETE) ? -1 : 0;
}

static int run_pft(const char *machine, int cpus, const char *knob, struct run_result *r)
{
	struct run_spec spec = { .trace = "pft", .scheme = "pervma-refcount", .machine = machine,
				 .cpus = cpus, .threads = cpus, .seed = 1, .nparams = 4,
				 /* each thread its own mapping: the VMA is not what they share */
				 .params = { "size=4M", "iterations=2", "think_scale=0", "shared=0" } };

	return run_complete(&spec, knob, r);
}

static uint64_t lock_acq(const struct run_result *r, const char *name)
{
	const struct lock_result *l = result_lock(r, name);

	return l ? l->acquisitions : 0;
}

static double fault_tput(const struct run_result *r)
{
	const struct op_result *f = result_op(r, "fault");

	return f ? f->throughput_per_s : 0;
}

/* zone_batchsize() and zone_highsize() as mm/page_alloc.c computes them. */
static int test_pcp_sizes(void)
{
	long gib = (1L << 30) / 4096;

	CHECK(zone_batchsize(96 * gib) == 63);	/* any zone >= 1 GiB */
	CHECK(zone_batchsize(256 * 1024 / 4) == 15);	/* 256 MiB: 64 -> 16 + 8 -> 15 */
	/* 192 GiB in 2 nodes of 56 CPUs: min_free_kbytes 56755, low 32259 pages */
	CHECKF(zone_highsize(192 * gib, 96 * gib, 63, 56) == 576, "high %d",
	       zone_highsize(192 * gib, 96 * gib, 63, 56));
	/* a small zone: at least 4 batches */
	CHECK(zone_highsize(gib, gib, 63, 64) == 4 * 63);
	return 0;
}

/*
 * Each CPU refills its empty list with a batch under zone->lock, and
 * munmap's frees drain it back past high: about one acquisition per 63
 * pages each way.  Without the zone the class is absent and faults are
 * cheaper.
 */
static int test_zone_lock(void)
{
	struct run_result on, off;
	const struct op_result *f;
	uint64_t acq;

	CHECK(run_pft(NULL, 16, NULL, &on) == 0);
	CHECK(run_pft(NULL, 16, "zone_lock=0", &off) == 0);
	f = result_op(&on, "fault");
	acq = lock_acq(&on, "zone->lock");
	printf("  16 CPUs: %llu faults, zone->lock %llu acquisitions (%llu contended); "
	       "%.0f faults/s, %.0f without the zone\n", (unsigned long long)f->count,
	       (unsigned long long)acq, (unsigned long long)result_lock(&on, "zone->lock")->contended,
	       fault_tput(&on), fault_tput(&off));
	CHECK(acq >= f->count / 63 && acq <= 3 * (f->count / 63) + 32);
	CHECK(lock_acq(&off, "zone->lock") == 0);
	CHECK(fault_tput(&off) > fault_tput(&on));
	run_result_free(&on);
	run_result_free(&off);
	return 0;
}

/* One lru_lock acquisition per 15 pages added, and per 15 freed. */
static int test_lru_batches(void)
{
	struct run_result on, off;
	const struct op_result *f;
	uint64_t acq;

	CHECK(run_pft(NULL, 8, NULL, &on) == 0);
	CHECK(run_pft(NULL, 8, "lru_lock=0", &off) == 0);
	f = result_op(&on, "fault");
	acq = lock_acq(&on, "lru_lock");
	printf("  8 CPUs: %llu faults, lru_lock %llu acquisitions\n",
	       (unsigned long long)f->count, (unsigned long long)acq);
	CHECK(acq >= 2 * (f->count / 15) - 16 && acq <= 2 * (f->count / 15) + 16);
	CHECK(lock_acq(&off, "lru_lock") == 0);
	CHECK(result_counter(&on, "line_transfers:lruvec_head") > 0);
	run_result_free(&on);
	run_result_free(&off);
	return 0;
}

/* The memcg's counters: one charge per 64 pages from the stock, one uncharge per 15 freed. */
static int test_memcg_stock(void)
{
	struct run_result on, off;
	const struct op_result *f;
	uint64_t acq;

	CHECK(run_pft(NULL, 8, NULL, &on) == 0);
	CHECK(run_pft(NULL, 8, "memcg=0", &off) == 0);
	f = result_op(&on, "fault");
	acq = lock_acq(&on, "memcg->memory");
	printf("  8 CPUs: %llu faults, memcg->memory %llu charges and uncharges, "
	       "%llu line transfers\n", (unsigned long long)f->count, (unsigned long long)acq,
	       (unsigned long long)result_counter(&on, "line_transfers:memcg->memory"));
	CHECK(acq >= f->count / 64 + f->count / 15 - 16 && acq <= f->count / 64 + f->count / 15 + 16);
	CHECK(result_counter(&on, "line_transfers:memcg->memory") > 0);
	CHECK(lock_acq(&off, "memcg->memory") == 0);
	run_result_free(&on);
	run_result_free(&off);
	return 0;
}

/*
 * A socket whose memory takes 300 ns per page serves at most 3.33 M pages
 * a second, fewer than 16 CPUs clearing pages at 400 ns each ask for: the
 * faults of 16 CPUs of one socket are capped at that rate, while one CPU
 * alone does not notice.
 */
static int test_memory_bandwidth(void)
{
	const char *ini = scratch_path("slow-memory.ini");
	struct run_result on, off, one_on, one_off;
	double ratio;

	CHECK(write_file(ini, "[machine]\nbase = xeon-8176-2s\nname = slow-memory\n"
			 "[cost]\nmem_page = 300\n") == 0);
	CHECK(run_pft(ini, 16, NULL, &on) == 0);
	CHECK(run_pft(ini, 16, "mem_bw=0", &off) == 0);
	CHECK(run_pft(ini, 1, NULL, &one_on) == 0);
	CHECK(run_pft(ini, 1, "mem_bw=0", &one_off) == 0);
	ratio = fault_tput(&on) / fault_tput(&off);
	printf("  16 CPUs: %.0f faults/s, %.0f with unbounded bandwidth (%.2f); 1 CPU: %.0f, %.0f\n",
	       fault_tput(&on), fault_tput(&off), ratio, fault_tput(&one_on), fault_tput(&one_off));
	CHECK(fault_tput(&on) < 1e9 / 300 * 1.02);
	CHECK(fault_tput(&off) > 1.3 * (1e9 / 300));
	CHECK(fault_tput(&one_on) > 0.97 * fault_tput(&one_off));
	run_result_free(&on);
	run_result_free(&off);
	run_result_free(&one_on);
	run_result_free(&one_off);
	return 0;
}

/*
 * The 6.4 per-VMA rwsem in a separate allocation, on a line of its own, or
 * inside the VMA on the line of vm_start/vm_end/vm_flags: every reader's
 * lock RMW then also takes the line each fault reads the VMA's fields from.
 * Cacheline-aligned inside the VMA (aligned) the lock has a line of its
 * own whose 128-byte pair a fault only reads: the model runs it as
 * separate, transfer for transfer, on a machine with the adjacent-line
 * prefetcher too.
 */
static int test_vm_lock_placement(void)
{
	struct run_spec spec = { .trace = "pft", .scheme = "pervma-refcount", .cpus = 12,
				 .threads = 12, .seed = 1, .nparams = 6,
				 .machine = "xeon-e5-2690v4-2s",
				 .params = { "shared=1", "size=4M", "iterations=1", "think_scale=0",
					     "variant=rwsem", "vm_lock=separate" } };
	struct run_result sep, emb, ali;
	char err[512];

	CHECK(run_simulation(&spec, &sep, err, sizeof(err)) == 0);
	spec.params[5] = "vm_lock=embedded";
	CHECK(run_simulation(&spec, &emb, err, sizeof(err)) == 0);
	spec.params[5] = "vm_lock=aligned";
	CHECK(run_simulation(&spec, &ali, err, sizeof(err)) == 0);
	printf("  12 threads, one VMA: separate %.0f faults/s (%llu vma_fields transfers), "
	       "embedded %.0f (%llu), aligned %.0f (%llu)\n", fault_tput(&sep),
	       (unsigned long long)result_counter(&sep, "line_transfers:vma_fields"), fault_tput(&emb),
	       (unsigned long long)result_counter(&emb, "line_transfers:vma_fields"),
	       fault_tput(&ali), (unsigned long long)result_counter(&ali, "line_transfers:vma_fields"));
	CHECK(result_counter(&emb, "line_transfers:vma_fields") >
	      2 * result_counter(&sep, "line_transfers:vma_fields"));
	CHECK(fault_tput(&emb) < fault_tput(&sep));
	CHECK(fault_tput(&ali) == fault_tput(&sep));
	CHECK(result_counter(&ali, "line_transfers:vma_lock") ==
	      result_counter(&sep, "line_transfers:vma_lock"));
	run_result_free(&sep);
	run_result_free(&emb);
	run_result_free(&ali);
	return 0;
}

/*
 * The adjacent-line prefetcher in whole runs, on the Broadwell-EP preset,
 * and with -p adjacent_line_prefetch=0, as firmware turns it off.  One
 * thread: the buddy of each PTE line comes with it from memory, so every
 * other line's first PTE store hits and the fault is a little cheaper.
 * 16 threads taking mmap_lock for read: its count and owner lines are not
 * a pair (the mm_struct's slab aligns it to a line, not to 128 bytes), so
 * the lock's transfers stay as they are, but for the timing the PTE pairs
 * move (within 1%; pairing them would add half again).
 */
static int run_pf(const char *scheme, int cpus, const char *knob, struct run_result *r)
{
	struct run_spec spec = { .trace = "pft", .scheme = scheme, .machine = "xeon-e5-2690v4-2s",
				 .cpus = cpus, .threads = cpus, .seed = 1, .nparams = 4,
				 .params = { "shared=1", "size=2M", "iterations=1", "think_scale=0" } };

	return run_complete(&spec, knob, r);
}

static int test_adjacent_line_prefetch(void)
{
	const char *off = "adjacent_line_prefetch=0";
	struct run_result one_on, one_off, on, noff;
	const struct op_result *a, *b;

	CHECK(run_pf("pervma-refcount", 1, NULL, &one_on) == 0);
	CHECK(run_pf("pervma-refcount", 1, off, &one_off) == 0);
	CHECK(run_pf("global-rwsem", 16, NULL, &on) == 0);
	CHECK(run_pf("global-rwsem", 16, off, &noff) == 0);
	a = result_op(&one_on, "fault");
	b = result_op(&one_off, "fault");
	printf("  1 thread: fault %.1f ns, %.1f without the prefetcher; 16 threads, mmap_lock: "
	       "%.0f faults/s with %llu line transfers, %.0f with %llu without\n",
	       a->mean_ns, b->mean_ns, fault_tput(&on),
	       (unsigned long long)result_counter(&on, "line_transfers:mmap_lock"), fault_tput(&noff),
	       (unsigned long long)result_counter(&noff, "line_transfers:mmap_lock"));
	CHECK(a->mean_ns < b->mean_ns);
	CHECK(100 * result_counter(&on, "line_transfers:mmap_lock") <
	      101 * result_counter(&noff, "line_transfers:mmap_lock"));
	CHECK(100 * result_counter(&on, "line_transfers:mmap_lock") >
	      99 * result_counter(&noff, "line_transfers:mmap_lock"));
	run_result_free(&one_on);
	run_result_free(&one_off);
	run_result_free(&on);
	run_result_free(&noff);
	return 0;
}

const struct test_case fault_shared_tests[] = {
	{ "fault_shared/pcp_sizes", test_pcp_sizes },
	{ "fault_shared/zone_lock", test_zone_lock },
	{ "fault_shared/lru_batches", test_lru_batches },
	{ "fault_shared/memcg_stock", test_memcg_stock },
	{ "fault_shared/memory_bandwidth", test_memory_bandwidth },
	{ "fault_shared/vm_lock_placement", test_vm_lock_placement },
	{ "fault_shared/adjacent_line_prefetch", test_adjacent_line_prefetch },
	{ NULL, NULL },
};
