/*
 * The modeled machine: topology (sockets, last-level-cache domains, cores,
 * SMT threads) and the cost table every other layer charges from.
 *
 * CPU numbering follows what Linux shows on most 2-socket x86 servers: the
 * first hardware thread of every core of every socket, socket by socket,
 * then the SMT siblings in the same order.  "--cpus 32" on the Xeon preset
 * is therefore 28 cores of socket 0 and 4 of socket 1.
 *
 * Every line transfer is described by two figures per distance (DESIGN.md,
 * "The machine and the cacheline model"): the latency a requester sees on
 * an idle line, and the occupancy, how long the line is busy per transfer.  Throughput under
 * contention is set by occupancy, idle cost by latency.  Occupancy is the
 * whole cycle of one contended transfer: the data hop, the receiver's own
 * operation and line_hold, the ns it keeps the line afterwards so that the
 * accesses right after a locked RMW hit (see cacheline.h).
 */
#ifndef MMLOCKSIM_MACHINE_H
#define MMLOCKSIM_MACHINE_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "sim/core/engine.h"

#define MAX_CPUS 256
/* SMT threads per core (POWER's SMT8 is the most there is). */
#define MACHINE_MAX_SMT 8
#define CPU_MASK_WORDS (MAX_CPUS / 64)

/* Where a line comes from, as seen by the requesting CPU. */
enum line_dist {
	DIST_SMT,	/* the other hardware thread of the same core */
	DIST_LLC,	/* another core behind the same last-level cache */
	DIST_SOCKET,	/* another LLC domain of the same socket */
	DIST_REMOTE,	/* another socket */
	DIST_MEMORY,	/* no cache has it */
	NR_DIST,
};

struct machine_costs {
	sim_time_t latency[NR_DIST];
	sim_time_t occupancy[NR_DIST];
	sim_time_t line_hold;		/* the receiver keeps a line this long after its op */
	sim_time_t l1_hit;		/* load or store to a line we hold */
	sim_time_t atomic;		/* locked RMW on a line we own */
	sim_time_t mb;			/* full barrier (smp_mb) */
	sim_time_t call;		/* instructions around a lock fast path */
	sim_time_t ctxsw;		/* switch between tasks on one CPU */
	sim_time_t wakeup;		/* wake a task on an idle CPU (IPI, idle exit) */
	sim_time_t ttwu;		/* the waker's side of try_to_wake_up() */
	sim_time_t timeslice;		/* CFS slice when tasks share a CPU */
	sim_time_t tick;		/* scheduler tick: 1/HZ */
	sim_time_t ipi;			/* send + handle one IPI (TLB shootdown) */
	sim_time_t page_zero;		/* clear a 4 KiB page */
	sim_time_t page_alloc;		/* allocate a page from the per-CPU lists */
	sim_time_t fault_entry;		/* exception entry/exit, user to kernel */
	sim_time_t syscall_entry;	/* syscall entry/exit */
	sim_time_t io;			/* a fault that needs I/O (page cache miss) */
	sim_time_t page_copy;		/* copy a 4 KiB page (COW) */
	sim_time_t pagecache_lookup;	/* find a file page in the page cache */
	sim_time_t pt_alloc;		/* allocate and populate a page-table page */
	sim_time_t zap_pte;		/* clear one PTE and release its page */
	sim_time_t tlb_flush;		/* local TLB flush of a range */
	sim_time_t vma_op;		/* allocate, split or merge a VMA, rmap linking */
	sim_time_t mmap_body;		/* get_unmapped_area, accounting, vma setup */
	sim_time_t mem_page;		/* a 4 KiB page's share of its socket's memory
					 * bandwidth: 4096 B / sustained write GB/s */
};

struct machine {
	char name[48];
	char summary[128];
	int sockets;
	int cores_per_socket;
	int threads_per_core;
	int cores_per_llc;
	int memory_gib;			/* installed memory, split evenly over the sockets */
	/*
	 * The cores have Intel's L2 adjacent-line (spatial) prefetcher: a miss
	 * on one line of a 128-byte pair also fetches the other (cacheline.h).
	 * Firmware calls it "Adjacent Cache Line Prefetch" and can turn it
	 * off; so can a run (-p adjacent_line_prefetch=0).
	 */
	bool adjacent_line_prefetch;
	/*
	 * The published measurements and specifications a preset's costs
	 * come from, "; " between them (machine_print() lists them).
	 */
	const char *sources;
	int ncpus;
	struct machine_costs cost;
	/* Derived by machine_finish(). */
	uint8_t socket_of[MAX_CPUS];
	uint16_t llc_of[MAX_CPUS];
	uint16_t core_of[MAX_CPUS];
};

/* The machine of the run in progress; set by machine_use(). */
extern const struct machine *sim_machine;

int machine_nr_presets(void);
const struct machine *machine_preset(int i);
/* Look a preset up by name; NULL (and a message listing them) if unknown. */
const struct machine *machine_find(const char *name, FILE *err);
/*
 * Load a machine from an INI file (see README "Custom machines").  Returns
 * 0, or -1 after writing "FILE:LINE: expected ..." into err.
 */
int machine_load_ini(const char *path, struct machine *m, char *err, size_t errlen);
/*
 * What a --machine argument names (a preset, or an .ini file for a name
 * with a '.'; NULL for the default preset): its CPU count, and its name
 * into name (if not NULL), or -1 with one line in err (an unknown preset
 * lists the valid ones).  For commands that check their plan up front.
 */
int machine_lookup(const char *arg, char *name, size_t namelen, char *err, size_t errlen);
/* Check the topology and derive per-CPU tables; -1 with a message if bad. */
int machine_finish(struct machine *m, char *err, size_t errlen);
void machine_use(const struct machine *m);
void machine_print(const struct machine *m, FILE *out);

static inline enum line_dist machine_dist(const struct machine *m, int a, int b)
{
	if (m->core_of[a] == m->core_of[b])
		return DIST_SMT;
	if (m->llc_of[a] == m->llc_of[b])
		return DIST_LLC;
	if (m->socket_of[a] == m->socket_of[b])
		return DIST_SOCKET;
	return DIST_REMOTE;
}

#endif
