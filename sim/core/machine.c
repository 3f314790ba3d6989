/*
 * Machine presets and INI machine files.
 *
 * Where the numbers come from (all public measurements; DESIGN.md,
 * "The machine and the cacheline model"):
 * - Same-socket idle transfer 60-100 ns and cross-socket 200-450 ns are the
 *   usual core-to-core "ping-pong" figures for Skylake-SP and Zen 3.
 * - Occupancy under contention, ~36 ns per transfer on Skylake-SP, is what
 *   perfbook's contended rwlock curve implies (a read acquire+release is
 *   two transfers and the cost grows by ~2 x 36 ns per added CPU).
 *   Cross-socket occupancy is taken as the UPI hop's extra ~10 ns.
 * - An uncontended locked RMW on an owned line is ~7 ns; smp_mb ~5 ns.
 * - Context switch 2-5 us, wakeup of an idle CPU including idle exit ~4 us.
 * - Anonymous minor fault 0.5-2 us in total: entry/exit, page allocation
 *   and clearing 4 KiB at ~10 GB/s make up most of it; a COW copy of 4 KiB
 *   ~0.6 us; an mmap+munmap pair 1-7 us (syscall, VMA setup, zap, TLB).
 * - Memory bandwidth per socket (mem_page, the ns one 4 KiB page's write
 *   occupies it): the sustained STREAM bandwidth of each machine's memory
 *   channels, as published for it: Skylake-SP 8176, 6 channels of
 *   DDR4-2666 (128 GB/s peak), ~100 GB/s per socket (STREAM triad of 2S
 *   8176/8180 systems ~200 GB/s): 41 ns; Zen 3 7763, 8 channels of
 *   DDR4-3200, ~150 GB/s per socket: 27 ns; a 2-channel DDR4 laptop
 *   ~35 GB/s: 117 ns; the Opteron 6172, 4 channels of DDR3-1333 per
 *   package, ~20 GB/s: 205 ns.  A single core clears a page at page_zero
 *   (~10 GB/s), so a socket's bandwidth binds only when many clear at once.
 * - memory_gib, the installed memory, sets the page allocator's per-CPU
 *   list sizes (zone_highsize() in mm/page_alloc.c): 192 GiB for the
 *   Skylake-SP server (12 x 16 GiB), 512 GiB for the EPYC, 32 GiB for the
 *   laptop, 128 GiB for the Opteron; the sizes move the refill rate little.
 * The Opteron preset is the 48-core machine of Boyd-Wickizer et al.,
 * "Non-scalable locks are dangerous" (2012): 4 packages of 2 dies x 6 cores.
 */
#include "sim/core/ini.h"
#include "sim/core/machine.h"

#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

const struct machine *sim_machine;

#define COMMON_COSTS							\
	.line_hold = 2, .l1_hit = 1, .atomic = 7, .mb = 5, .call = 2, .ttwu = 500,	\
	.timeslice = 3000000, .tick = 4000000, .ipi = 1500,		\
	.page_zero = 400, .page_alloc = 200, .fault_entry = 250,	\
	.syscall_entry = 100, .io = 100000, .page_copy = 600,		\
	.pagecache_lookup = 120, .pt_alloc = 400, .zap_pte = 25,	\
	.tlb_flush = 150, .vma_op = 300, .mmap_body = 1200

static const struct machine presets[] = {
	{
		.name = "xeon-8176-2s",
		.summary = "2x Xeon Platinum 8176 (Skylake-SP): 56 cores, 112 threads",
		.sockets = 2, .cores_per_socket = 28, .threads_per_core = 2,
		.cores_per_llc = 28, .memory_gib = 192,
		.cost = {
			.latency   = { 5, 80, 80, 200, 90 },
			.occupancy = { 4, 36, 36, 45, 10 },
			.ctxsw = 2000, .wakeup = 4000, .mem_page = 41,
			COMMON_COSTS,
		},
	},
	{
		.name = "epyc-7763-2s",
		.summary = "2x EPYC 7763 (Zen 3): 128 cores, 256 threads, 8-core CCX",
		.sockets = 2, .cores_per_socket = 64, .threads_per_core = 2,
		.cores_per_llc = 8, .memory_gib = 512,
		.cost = {
			.latency   = { 5, 35, 110, 200, 110 },
			.occupancy = { 4, 20, 40, 55, 10 },
			.ctxsw = 2000, .wakeup = 4000, .mem_page = 27,
			COMMON_COSTS,
		},
	},
	{
		.name = "laptop-8",
		.summary = "8-core laptop: 1 socket, 8 cores, 16 threads, one LLC",
		.sockets = 1, .cores_per_socket = 8, .threads_per_core = 2,
		.cores_per_llc = 8, .memory_gib = 32,
		.cost = {
			.latency   = { 5, 45, 45, 45, 80 },
			.occupancy = { 4, 25, 25, 25, 10 },
			.ctxsw = 1500, .wakeup = 3000, .mem_page = 117,
			COMMON_COSTS,
		},
	},
	{
		.name = "opteron-6172-4s",
		.summary = "4x Opteron 6172: 48 cores, 8 dies of 6 (Boyd-Wickizer 2012)",
		.sockets = 4, .cores_per_socket = 12, .threads_per_core = 1,
		.cores_per_llc = 6,
		.memory_gib = 128,
		.cost = {
			.latency   = { 5, 45, 120, 200, 100 },
			.occupancy = { 4, 30, 60, 80, 10 },
			.ctxsw = 2500, .wakeup = 5000, .mem_page = 205,
			COMMON_COSTS,
		},
	},
};

#define NR_PRESETS ((int)(sizeof(presets) / sizeof(presets[0])))

int machine_nr_presets(void)
{
	return NR_PRESETS;
}

const struct machine *machine_preset(int i)
{
	static struct machine finished[NR_PRESETS];
	static int done[NR_PRESETS];

	if (i < 0 || i >= NR_PRESETS)
		return NULL;
	if (!done[i]) {
		char err[128];

		finished[i] = presets[i];
		if (machine_finish(&finished[i], err, sizeof(err)))
			abort();	/* a preset is wrong: a bug, not input */
		done[i] = 1;
	}
	return &finished[i];
}

const struct machine *machine_find(const char *name, FILE *err)
{
	int i;

	for (i = 0; i < NR_PRESETS; i++)
		if (!strcmp(presets[i].name, name))
			return machine_preset(i);
	if (err) {
		fprintf(err, "mmlocksim: unknown machine '%s'; valid machines:", name);
		for (i = 0; i < NR_PRESETS; i++)
			fprintf(err, " %s", presets[i].name);
		fprintf(err, " (or a path to an .ini file)\n");
	}
	return NULL;
}

/* The topology fields, in the order machine_check_topology() names them. */
enum { TOPO_SOCKETS, TOPO_CORES, TOPO_SMT, TOPO_LLC, NR_TOPO };

static const struct {
	const char *name;
	size_t offset;
	int max;
} topo_fields[NR_TOPO] = {
	[TOPO_SOCKETS] = { "sockets", offsetof(struct machine, sockets), MAX_CPUS },
	[TOPO_CORES] = { "cores_per_socket", offsetof(struct machine, cores_per_socket), MAX_CPUS },
	[TOPO_SMT] = { "threads_per_core", offsetof(struct machine, threads_per_core),
		       MACHINE_MAX_SMT },
	[TOPO_LLC] = { "cores_per_llc", offsetof(struct machine, cores_per_llc), MAX_CPUS },
};

static int topo(const struct machine *m, int f)
{
	return *(const int *)((const char *)m + topo_fields[f].offset);
}

/*
 * The topology's own checks: -1 with the message and in *bad the field
 * that breaks it (the one a file should change: of two that disagree,
 * *bad is the first of those given in *order, the later one).
 */
static int check_topology(const struct machine *m, const int *order, int *bad, char *err,
			  size_t errlen)
{
	long cpus;
	int f, a, b;

	for (f = 0; f < NR_TOPO; f++) {
		if (topo(m, f) < 1 || topo(m, f) > topo_fields[f].max) {
			snprintf(err, errlen, "machine '%s': expected %s from 1 to %d, got %d",
				 m->name, topo_fields[f].name, topo_fields[f].max, topo(m, f));
			*bad = f;
			return -1;
		}
	}
	if (m->cores_per_socket % m->cores_per_llc) {
		a = TOPO_CORES;
		b = TOPO_LLC;
		snprintf(err, errlen, "machine '%s': expected cores_per_socket (%d) to be "
			 "a multiple of cores_per_llc (%d)", m->name,
			 m->cores_per_socket, m->cores_per_llc);
		*bad = order && order[a] > order[b] ? a : b;
		return -1;
	}
	cpus = (long)m->sockets * m->cores_per_socket * m->threads_per_core;
	if (cpus > MAX_CPUS) {
		snprintf(err, errlen, "machine '%s': %d sockets x %d cores x %d threads = %ld "
			 "CPUs; expected at most %d CPUs", m->name, m->sockets,
			 m->cores_per_socket, m->threads_per_core, cpus, MAX_CPUS);
		*bad = TOPO_SMT;
		for (f = 0; order && f < NR_TOPO - 1; f++)
			if (order[f] > order[*bad])
				*bad = f;
		return -1;
	}
	return 0;
}

int machine_finish(struct machine *m, char *err, size_t errlen)
{
	int cpu, cores, llcs_per_socket, bad;

	if (check_topology(m, NULL, &bad, err, errlen))
		return -1;
	cores = m->sockets * m->cores_per_socket;
	m->ncpus = cores * m->threads_per_core;
	/* Not given: 4 GiB per CPU, about what servers are fitted with. */
	if (!m->memory_gib)
		m->memory_gib = 4 * m->ncpus;
	llcs_per_socket = m->cores_per_socket / m->cores_per_llc;
	for (cpu = 0; cpu < m->ncpus; cpu++) {
		int core = cpu % cores;		/* global core index */
		int socket = core / m->cores_per_socket;
		int llc = socket * llcs_per_socket +
			  (core % m->cores_per_socket) / m->cores_per_llc;

		m->core_of[cpu] = (uint16_t)core;
		m->socket_of[cpu] = (uint8_t)socket;
		m->llc_of[cpu] = (uint16_t)llc;
	}
	return 0;
}

void machine_use(const struct machine *m)
{
	sim_machine = m;
}

/* ---- INI files -------------------------------------------------------- */

/*
 * The bounds of each cost.  A zero cost in a loop (a spinner's l1_hit, a
 * timeslice, the tick) would let simulated time stand still while events
 * run for ever; a huge one makes the simulated time so long that the
 * periodic events (ticks, grace periods, rmap walks) never end: both
 * hang a run, so neither is accepted.  The upper bounds are far past any
 * real machine.
 */
#define NS_US	1000ULL
#define NS_MS	1000000ULL
#define NS_S	1000000000ULL

struct ini_key {
	const char *section;
	const char *name;
	size_t offset;		/* of a sim_time_t in struct machine */
	unsigned long long min, max;
};

#define COST(sec, field, lo, hi) { sec, #field, offsetof(struct machine, cost.field), lo, hi }
#define DIST(sec, name, d, field) \
	{ sec, name, offsetof(struct machine, cost.field[d]), 1, 100 * NS_US }

static const struct ini_key ini_keys[] = {
	DIST("latency", "smt", DIST_SMT, latency),
	DIST("latency", "llc", DIST_LLC, latency),
	DIST("latency", "socket", DIST_SOCKET, latency),
	DIST("latency", "remote", DIST_REMOTE, latency),
	DIST("latency", "memory", DIST_MEMORY, latency),
	DIST("occupancy", "smt", DIST_SMT, occupancy),
	DIST("occupancy", "llc", DIST_LLC, occupancy),
	DIST("occupancy", "socket", DIST_SOCKET, occupancy),
	DIST("occupancy", "remote", DIST_REMOTE, occupancy),
	DIST("occupancy", "memory", DIST_MEMORY, occupancy),
	COST("cost", line_hold, 0, 100 * NS_US), COST("cost", l1_hit, 1, 100 * NS_US),
	COST("cost", atomic, 1, 100 * NS_US), COST("cost", mb, 1, 100 * NS_US),
	COST("cost", call, 1, 100 * NS_US), COST("cost", ctxsw, 1, 10 * NS_MS),
	COST("cost", wakeup, 1, 10 * NS_MS), COST("cost", ttwu, 0, 10 * NS_MS),
	COST("cost", timeslice, 100 * NS_US, NS_S), COST("cost", tick, 100 * NS_US, NS_S),
	COST("cost", ipi, 0, 10 * NS_MS),
	COST("cost", page_zero, 0, 10 * NS_MS), COST("cost", page_alloc, 0, 10 * NS_MS),
	COST("cost", fault_entry, 0, 10 * NS_MS), COST("cost", syscall_entry, 0, 10 * NS_MS),
	COST("cost", io, 0, 100 * NS_MS),
	COST("cost", page_copy, 0, 10 * NS_MS), COST("cost", pagecache_lookup, 0, 10 * NS_MS),
	COST("cost", pt_alloc, 0, 10 * NS_MS), COST("cost", zap_pte, 0, 10 * NS_MS),
	COST("cost", tlb_flush, 0, 10 * NS_MS), COST("cost", vma_op, 0, 10 * NS_MS),
	COST("cost", mmap_body, 0, 10 * NS_MS), COST("cost", mem_page, 0, 100 * NS_US),
};

#define NR_INI_KEYS (sizeof(ini_keys) / sizeof(ini_keys[0]))

struct ini_ctx {
	struct machine *m;
	char *err;		/* the message buffer of src */
	size_t errlen;
	int nkeys;
	struct ini_file *src;
	int base;			/* line of base = PRESET, 0 if none */
	int topo_line[NR_TOPO];		/* line of each topology key, 0 if not given */
	unsigned char set[NR_INI_KEYS];	/* the costs given */
};

static int parse_uint(const char *s, unsigned long long max, unsigned long long *out)
{
	char *end;

	errno = 0;
	if (*s < '0' || *s > '9')
		return -1;
	*out = strtoull(s, &end, 10);
	if (errno || *end || *out > max)
		return -1;
	return 0;
}

static int machine_ini_field(struct ini_ctx *c, const char *name, const char *value)
{
	unsigned long long v;
	size_t i;

	if (!strcmp(name, "name")) {
		snprintf(c->m->name, sizeof(c->m->name), "%s", value);
		return 1;
	}
	if (!strcmp(name, "summary")) {
		snprintf(c->m->summary, sizeof(c->m->summary), "%s", value);
		return 1;
	}
	if (!strcmp(name, "base")) {
		const struct machine *base = machine_find(value, NULL);
		char keep[sizeof(c->m->name)];

		if (!base) {
			snprintf(c->err, c->errlen, "expected a preset name for base, got '%s'", value);
			return 0;
		}
		if (c->nkeys > 1) {
			snprintf(c->err, c->errlen, "expected base to come first in [machine]");
			return 0;
		}
		memcpy(keep, c->m->name, sizeof(keep));
		*c->m = *base;
		if (keep[0])
			memcpy(c->m->name, keep, sizeof(keep));
		c->base = c->src->lineno;
		return 1;
	}
	for (i = 0; i < NR_TOPO; i++) {
		if (strcmp(name, topo_fields[i].name))
			continue;
		if (parse_uint(value, (unsigned long long)topo_fields[i].max, &v) || !v) {
			snprintf(c->err, c->errlen, "expected %s from 1 to %d, got '%s'",
				 name, topo_fields[i].max, value);
			return 0;
		}
		*(int *)((char *)c->m + topo_fields[i].offset) = (int)v;
		c->topo_line[i] = c->src->lineno;
		return 1;
	}
	if (!strcmp(name, "memory_gib")) {
		if (parse_uint(value, 1 << 20, &v) || !v) {
			snprintf(c->err, c->errlen, "expected GiB of memory, 1-%d, for memory_gib, "
				 "got '%s'", 1 << 20, value);
			return 0;
		}
		c->m->memory_gib = (int)v;
		return 1;
	}
	snprintf(c->err, c->errlen, "expected one of name, summary, base, sockets, "
		 "cores_per_socket, threads_per_core, cores_per_llc, memory_gib in [machine], "
		 "got '%s'", name);
	return 0;
}

static int machine_ini_key(struct ini_ctx *c, const char *section,
			   const char *name, const char *value)
{
	unsigned long long v;
	size_t i;

	if (c->src->continued) {
		/* inih's multi-line value: the key again, with the next line. */
		snprintf(c->err, c->errlen, "expected one value for %s, on its line "
			 "(an indented line continues the one before)", name);
		return 0;
	}
	c->nkeys++;
	if (!strcmp(section, "machine"))
		return machine_ini_field(c, name, value);
	for (i = 0; i < NR_INI_KEYS; i++) {
		const struct ini_key *k = &ini_keys[i];

		if (strcmp(section, k->section) || strcmp(name, k->name))
			continue;
		if (parse_uint(value, k->max, &v) || v < k->min) {
			snprintf(c->err, c->errlen, "expected a whole number of ns from %llu to %llu "
				 "for %s.%s, got '%s'", k->min, k->max, section, name, value);
			return 0;
		}
		*(sim_time_t *)((char *)c->m + k->offset) = v;
		c->set[i] = 1;
		return 1;
	}
	snprintf(c->err, c->errlen, "expected a known key in [machine], [latency], "
		 "[occupancy] or [cost], got [%s] %s", section, name);
	return 0;
}

static int machine_ini_handler(void *user, const char *section, const char *name,
			       const char *value)
{
	struct ini_ctx *c = user;

	if (machine_ini_key(c, section, name, value))
		return 1;
	c->src->errline = c->src->lineno;	/* the message is in c->err already */
	c->src->stop = 1;
	return 0;
}

int machine_load_ini(const char *path, struct machine *m, char *err, size_t errlen)
{
	struct ini_file src;
	struct ini_ctx c = { .m = m, .err = src.msg, .errlen = sizeof(src.msg), .src = &src };
	char msg[256];
	size_t i;
	int bad, line;

	memset(m, 0, sizeof(*m));
	if (ini_load(path, machine_ini_handler, &c, &src, err, errlen))
		return -1;
	if (!m->name[0])
		snprintf(m->name, sizeof(m->name), "%s", path);
	if (!m->summary[0])
		snprintf(m->summary, sizeof(m->summary), "custom machine from %s", path);
	if (check_topology(m, c.topo_line, &bad, msg, sizeof(msg))) {
		/* At the key that broke it; a preset's own field, at base. */
		line = c.topo_line[bad] ? c.topo_line[bad] : c.base;
		if (line)
			snprintf(err, errlen, "%s:%d: %s", path, line, msg);
		else
			snprintf(err, errlen, "%s: %s", path, msg);
		return -1;
	}
	if (machine_finish(m, msg, sizeof(msg)))
		abort();	/* check_topology() took it */
	/* Without a base every cost is the file's: none may be left at 0. */
	for (i = 0; !c.base && i < NR_INI_KEYS; i++) {
		if (!c.set[i]) {
			snprintf(err, errlen, "%s: expected [%s] %s (every cost, or 'base = PRESET' "
				 "first in [machine] to start from a preset's)", path,
				 ini_keys[i].section, ini_keys[i].name);
			return -1;
		}
	}
	return 0;
}

int machine_lookup(const char *arg, char *name, size_t namelen, char *err, size_t errlen)
{
	struct machine custom;
	const struct machine *m;
	size_t off;
	int i;

	if (arg && strchr(arg, '.')) {
		if (machine_load_ini(arg, &custom, err, errlen))
			return -1;
		m = &custom;
	} else {
		m = machine_find(arg ? arg : "xeon-8176-2s", NULL);
		if (!m) {
			off = (size_t)snprintf(err, errlen, "unknown machine '%s'; valid machines:",
					       arg);
			for (i = 0; i < NR_PRESETS && off < errlen; i++)
				off += (size_t)snprintf(err + off, errlen - off, " %s",
							presets[i].name);
			if (off < errlen)
				snprintf(err + off, errlen - off, " (or a path to an .ini file)");
			return -1;
		}
	}
	if (name)
		snprintf(name, namelen, "%s", m->name);
	return m->ncpus;
}

void machine_print(const struct machine *m, FILE *out)
{
	const struct machine_costs *c = &m->cost;

	fprintf(out, "%-16s %3d CPUs  %s\n", m->name, m->ncpus, m->summary);
	fprintf(out, "%16s latency ns smt/llc/socket/remote/mem %llu/%llu/%llu/%llu/%llu, "
		"occupancy %llu/%llu/%llu/%llu/%llu\n", "",
		(unsigned long long)c->latency[0], (unsigned long long)c->latency[1],
		(unsigned long long)c->latency[2], (unsigned long long)c->latency[3],
		(unsigned long long)c->latency[4], (unsigned long long)c->occupancy[0],
		(unsigned long long)c->occupancy[1], (unsigned long long)c->occupancy[2],
		(unsigned long long)c->occupancy[3], (unsigned long long)c->occupancy[4]);
}
