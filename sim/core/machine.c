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
 *
 * The presets after those four are the machines of published mm-locking
 * results; each one's "sources" string cites its figures.  Their line
 * latencies are measured core-to-core medians (a CAS ping-pong, round trip
 * / 2, i.e. one transfer of an idle line), mostly from N. Viennot's
 * core-to-core-latency tool results (github.com/nviennot/core-to-core-latency,
 * 2022; "c2c" below):
 *   Xeon E5-2695 v4 (Broadwell-EP, 2S): SMT 7.6, same socket 44, other 118
 *   Xeon 8275CL, Gold 6242 (Cascade Lake, the Skylake-SP mesh): 7.6, 47, 134
 *   Xeon 8375C (Ice Lake-SP, 32 cores, 2S): 8.1, 51, 108
 *   EPYC 7R13 (Zen 3, 2S): SMT 9.8, same CCX 23, other CCX 107, other 197
 *   POWER7 (2S): SMT 70, same chip 173, other chip 443
 * Where the exact part was not measured, the nearest measured sibling of
 * the same microarchitecture (or ring/mesh/fabric) stands in, and the
 * preset says so: Haswell-EP and Ivy Bridge-EP/EX take Broadwell-EP's ring
 * figures, Skylake-SP takes Cascade Lake's, Zen 5 takes Zen 3's (the same
 * 8-core CCX with its own L3, IOD and xGMI), POWER8 takes POWER7's (the
 * same store-through L1 with larx/stcx. resolved at L2, so even SMT
 * siblings meet at L2).  No preset here is fitted to a simulated result.
 * Occupancy follows from the one measured contended throughput we have,
 * Skylake-SP's ~36 ns per transfer (perfbook, above) against its measured
 * 47 ns c2c latency: on a socket occupancy = 0.77 x latency; across
 * sockets it grows by a tenth of the extra latency (Skylake-SP's 45 ns
 * remote occupancy over its 87 ns of extra UPI latency):
 *   occ_remote = occ_socket + 0.10 x (lat_remote - lat_socket).
 * Zen 5 keeps the Zen 3 preset's occupancies.  Memory bandwidth (mem_page)
 * is peak per socket (channels x transfer rate x 8 B, from the vendor's
 * specification) times the sustained fraction STREAM measured on the
 * nearest sibling: 0.85 for the ring Xeons (AnandTech, "Assessing IBM's
 * POWER8, Part 1", 2016: up to 65 GB/s per socket on a Xeon E5 v4 with 4
 * channels of DDR4-2400, 76.8 GB/s peak), 0.78 for the mesh Xeons (the
 * Skylake-SP figure above), 0.73 for EPYC (the Zen 3 figure above).
 * memory_gib is left to the default (4 GiB per CPU) where the published
 * results do not say how much memory the machine had.
 *
 * adjacent_line_prefetch: the Intel 64 and IA-32 Architectures Optimization
 * Reference Manual describes the L2 "Spatial Prefetcher" from Sandy Bridge
 * on (client and server parts; the later chapters keep the L2 prefetchers),
 * and the SDM's MSR_MISC_FEATURE_CONTROL (1A4H) bit 1, "L2 Adjacent Cache
 * Line Prefetcher Disable", the switch behind firmware's "Adjacent Cache
 * Line Prefetch": on for the Intel presets, Ivy Bridge to Ice Lake-SP and
 * the guest of a Skylake-SP host (the host's cores prefetch; a guest
 * cannot turn it off).  Off for laptop-8, which names no part, and for the
 * AMD and POWER presets: AMD documents stream, stride and region
 * prefetchers, not a fixed 128-byte pairing, and POWER8's lines are 128
 * bytes themselves (the model keeps its lines at 64: left out).
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
		.sources = "perfbook (McKenney): contended rwlock on a Xeon 8176 system, ~36 ns "
			   "per line transfer; usual Skylake-SP core-to-core ping-pong figures; "
			   "Intel ARK: 6 channels DDR4-2666 per socket; STREAM triad of 2S 8176/8180 "
			   "systems ~200 GB/s",
		.sockets = 2, .cores_per_socket = 28, .threads_per_core = 2,
		.cores_per_llc = 28, .memory_gib = 192,
		.adjacent_line_prefetch = true,
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
		.sources = "usual Zen 3 core-to-core ping-pong figures (CCX, other CCX, other socket); "
			   "AMD: 8 channels DDR4-3200 per socket, ~150 GB/s sustained",
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
		.sources = "usual client-part core-to-core figures, one ring; "
			   "2 channels of DDR4, ~35 GB/s",
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
		.sources = "Boyd-Wickizer et al., Non-scalable locks are dangerous (2012): the "
			   "48-core machine; AMD: 4 channels DDR3-1333 per package, ~20 GB/s",
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
	/*
	 * Broadwell-EP, 14 cores on one ring domain per socket (cluster-on-
	 * die off, the default).  c2c measured the 18-core E5-2695 v4, the
	 * same ring and QPI.  4 x DDR4-2400 = 76.8 GB/s peak, x 0.85: 65 GB/s.
	 */
	{
		.name = "xeon-e5-2690v4-2s",
		.summary = "2x Xeon E5-2690 v4 (Broadwell-EP): 28 cores, 56 threads",
		.sources = "Viennot, core-to-core-latency results (2022): 2x Xeon E5-2695 v4, "
			   "SMT 7.6 ns, same socket 44, other socket 118; Intel ARK: E5-2690 v4, "
			   "14 cores, 4 channels DDR4-2400; De Gelas, AnandTech, Assessing IBM's "
			   "POWER8 (2016): STREAM up to 65 GB/s per Xeon E5 v4 socket",
		.sockets = 2, .cores_per_socket = 14, .threads_per_core = 2,
		.cores_per_llc = 14,
		.adjacent_line_prefetch = true,
		.cost = {
			.latency   = { 8, 44, 44, 118, 90 },
			.occupancy = { 6, 34, 34, 41, 10 },
			.ctxsw = 2000, .wakeup = 4000, .mem_page = 63,
			COMMON_COSTS,
		},
	},
	/*
	 * Haswell-EP in an HP Z840.  No c2c measurement of Haswell-EP was
	 * found: Broadwell-EP's (its die shrink, same ring and QPI) stands in.
	 * 4 x DDR4-2133 = 68.3 GB/s peak, x 0.85: 58 GB/s.
	 */
	{
		.name = "xeon-e5-2690v3-2s",
		.summary = "2x Xeon E5-2690 v3 (Haswell-EP, HP Z840): 24 cores, 48 threads",
		.sources = "Viennot, core-to-core-latency results (2022): 2x Xeon E5-2695 v4 "
			   "(Broadwell-EP, the nearest measured sibling): 7.6/44/118 ns; Intel ARK: "
			   "E5-2690 v3, 12 cores, 4 channels DDR4-2133; De Gelas, AnandTech (2016): "
			   "STREAM 65 of 76.8 GB/s peak on Xeon E5 v4",
		.sockets = 2, .cores_per_socket = 12, .threads_per_core = 2,
		.cores_per_llc = 12,
		.adjacent_line_prefetch = true,
		.cost = {
			.latency   = { 8, 44, 44, 118, 90 },
			.occupancy = { 6, 34, 34, 41, 10 },
			.ctxsw = 2000, .wakeup = 4000, .mem_page = 71,
			COMMON_COSTS,
		},
	},
	/*
	 * Skylake-SP, 20 cores on one mesh per socket.  c2c measured Cascade
	 * Lake (the same mesh and UPI); the occupancies are the measured
	 * Skylake-SP ones (perfbook).  6 x DDR4-2666 as the 8176: 41 ns.
	 */
	{
		.name = "xeon-gold-6138-2s",
		.summary = "2x Xeon Gold 6138 (Skylake-SP): 40 cores, 80 threads",
		.sources = "Viennot, core-to-core-latency results (2022): 2x Xeon 8275CL and "
			   "2x Gold 6242 (Cascade Lake, the Skylake-SP mesh): SMT 7.6 ns, same "
			   "socket 47, other socket 134; perfbook (McKenney): ~36 ns per contended "
			   "transfer on Skylake-SP; Intel ARK: Gold 6138, 20 cores, 6 channels "
			   "DDR4-2666",
		.sockets = 2, .cores_per_socket = 20, .threads_per_core = 2,
		.cores_per_llc = 20,
		.adjacent_line_prefetch = true,
		.cost = {
			.latency   = { 8, 47, 47, 134, 90 },
			.occupancy = { 6, 36, 36, 45, 10 },
			.ctxsw = 2000, .wakeup = 4000, .mem_page = 41,
			COMMON_COSTS,
		},
	},
	/*
	 * LKP's lkp-skl-4sp1 (nr_cpu=192, memory=768G in its reports): four
	 * 24-core Skylake-SP sockets (Xeon Platinum 8160).  Every 4-socket
	 * Skylake-SP has 3 UPI links per socket, fully connected, so every
	 * other socket is one hop: one remote figure, the 2S one.
	 */
	{
		.name = "skl-4s-192",
		.summary = "lkp-skl-4sp1: 4x Skylake-SP (Xeon Platinum 8160): 96 cores, 192 threads",
		.sources = "0-day LKP reports: lkp-skl-4sp1 nr_cpu=192 memory=768G; Viennot, "
			   "core-to-core-latency results (2022): Cascade Lake 2S, 7.6/47/134 ns; "
			   "perfbook (McKenney): ~36 ns per contended transfer on Skylake-SP; "
			   "Intel ARK: Platinum 8160, 24 cores, 6 channels DDR4-2666, 3 UPI links",
		.sockets = 4, .cores_per_socket = 24, .threads_per_core = 2,
		.cores_per_llc = 24, .memory_gib = 768,
		.adjacent_line_prefetch = true,
		.cost = {
			.latency   = { 8, 47, 47, 134, 90 },
			.occupancy = { 6, 36, 36, 45, 10 },
			.ctxsw = 2000, .wakeup = 4000, .mem_page = 41,
			COMMON_COSTS,
		},
	},
	/*
	 * Ice Lake-SP, 32 cores: c2c measured the 8375C, the same 32-core
	 * part sold to another cloud.  Occupancy by the rule above: 0.77 x 51,
	 * 39 + 0.10 x 57.  8 x DDR4-3200 = 204.8 GB/s peak, x 0.78: 160 GB/s.
	 * No idle memory latency was found for it: Skylake-SP's 90 ns.
	 */
	{
		.name = "xeon-8336c-2s",
		.summary = "2x Xeon Platinum 8336C (Ice Lake-SP): 64 cores, 128 threads",
		.sources = "Viennot, core-to-core-latency results (2022): 2x Xeon 8375C (Ice "
			   "Lake-SP, 32 cores, AWS c6i.metal): SMT 8.1 ns, same socket 51, other "
			   "socket 108; Intel: Ice Lake-SP, 8 channels DDR4-3200 per socket",
		.sockets = 2, .cores_per_socket = 32, .threads_per_core = 2,
		.cores_per_llc = 32,
		.adjacent_line_prefetch = true,
		.cost = {
			.latency   = { 8, 51, 51, 108, 90 },
			.occupancy = { 6, 39, 39, 45, 10 },
			.ctxsw = 2000, .wakeup = 4000, .mem_page = 26,
			COMMON_COSTS,
		},
	},
	/*
	 * EPYC 9005 (Turin) with 64 Zen 5 cores per socket: 8 CCDs of 8 cores,
	 * each CCD one L3, so the LLC groups are the CCDs.  The "4 NUMA nodes"
	 * are NPS2 (two nodes per socket, 4 CCDs and 6 channels each); the
	 * model has no level between the LLC and the socket, so a transfer
	 * between CCDs costs the one cross-CCD figure whether or not they are
	 * in the same NPS2 half, and the socket's 12 channels are one pool.
	 * No Zen 5 server c2c measurement was found: Zen 3's (EPYC 7R13),
	 * and the Zen 3 preset's occupancies.  12 x DDR5-6000 = 576 GB/s peak,
	 * x 0.73: 420 GB/s.
	 */
	{
		.name = "epyc-zen5-2s",
		.summary = "2x EPYC Zen 5 (Turin), NPS2: 128 cores, 256 threads, 8-core CCD",
		.sources = "Viennot, core-to-core-latency results (2022): 2x EPYC 7R13 (Zen 3, "
			   "the nearest measured sibling): SMT 9.8 ns, same CCX 23, other CCX 107, "
			   "other socket 197; AMD: EPYC 9005, 8-core CCD with 32 MB L3, 12 channels "
			   "DDR5-6000 per socket",
		.sockets = 2, .cores_per_socket = 64, .threads_per_core = 2,
		.cores_per_llc = 8,
		.cost = {
			.latency   = { 10, 23, 107, 197, 110 },
			.occupancy = { 4, 20, 40, 55, 10 },
			.ctxsw = 2000, .wakeup = 4000, .mem_page = 10,
			COMMON_COSTS,
		},
	},
	/*
	 * Dufour's "80 CPUs P8 node": 80 CPUs are 10 POWER8 cores x SMT8, as
	 * the kernel sees them.  Taken as one 10-core chip (as the S812LC
	 * AnandTech measured, 10 cores, 80 threads), one socket and one L3
	 * domain (each core's 8 MB L3 region is shared chip-wide); a 2x5-core
	 * DCM would add a chip-to-chip hop this preset leaves out.  No POWER8
	 * c2c measurement was found: POWER7's.  The chip's 4 Centaur links
	 * write at 38.4 GB/s peak (reads 76.8); STREAM triad (2 reads, 1
	 * write) sustained ~90 GB/s, so writes ~30 GB/s: 137 ns per page.  No
	 * idle memory latency was found: 100 ns is assumed.
	 */
	{
		.name = "power8-80",
		.summary = "POWER8, 10 cores x SMT8 (Dufour's 80-CPU node): 80 threads",
		.sources = "Dufour, speculative page fault v8 cover letter (2018): 80 CPUs P8 "
			   "node; Viennot, core-to-core-latency results (2022): POWER7 (nearest "
			   "measured): SMT 70 ns, same chip 173, other chip 443; De Gelas, "
			   "AnandTech, Assessing IBM's POWER8 (2016): 10 cores/80 threads, Centaur "
			   "links 76.8 GB/s read + 38.4 write, STREAM triad ~90 GB/s",
		.sockets = 1, .cores_per_socket = 10, .threads_per_core = 8,
		.cores_per_llc = 10,
		.cost = {
			.latency   = { 70, 173, 443, 443, 100 },
			.occupancy = { 54, 133, 160, 160, 10 },
			.ctxsw = 2000, .wakeup = 4000, .mem_page = 137,
			COMMON_COSTS,
		},
	},
	/*
	 * Ivy Bridge-EP, 10 cores on one ring (E5-2600 v2).  No c2c
	 * measurement found: Broadwell-EP's ring stands in.  4 x DDR3-1866 =
	 * 59.7 GB/s peak, x 0.85: 51 GB/s.
	 */
	{
		.name = "ivb-ep-2x10x2",
		.summary = "2x Ivy Bridge-EP (Xeon E5-2600 v2, 10 cores): 20 cores, 40 threads",
		.sources = "Viennot, core-to-core-latency results (2022): 2x Xeon E5-2695 v4 "
			   "(Broadwell-EP ring, the nearest measured sibling): 7.6/44/118 ns; "
			   "Intel ARK: E5-2600 v2, 4 channels DDR3-1866; De Gelas, AnandTech "
			   "(2016): STREAM 65 of 76.8 GB/s peak on Xeon E5 v4",
		.sockets = 2, .cores_per_socket = 10, .threads_per_core = 2,
		.cores_per_llc = 10,
		.adjacent_line_prefetch = true,
		.cost = {
			.latency   = { 8, 44, 44, 118, 90 },
			.occupancy = { 6, 34, 34, 41, 10 },
			.ctxsw = 2000, .wakeup = 4000, .mem_page = 81,
			COMMON_COSTS,
		},
	},
	/*
	 * Ivy Bridge-EX, 15 cores (E7-4890 v2 class), 4 sockets fully
	 * connected by QPI (3 links each).  c2c as Ivy Bridge-EP; memory
	 * sits behind SMI buffers: 135 ns idle (Intel MLC on an E7-4800).
	 * Peak 85 GB/s per socket (Intel ARK, E7 v2), x 0.85: 72 GB/s.
	 */
	{
		.name = "ivb-ex-4x15x2",
		.summary = "4x Ivy Bridge-EX (Xeon E7 v2, 15 cores): 60 cores, 120 threads",
		.sources = "Viennot, core-to-core-latency results (2022): 2x Xeon E5-2695 v4 "
			   "(nearest measured ring): 7.6/44/118 ns; Willhalm, Intel (2014), Memory "
			   "latencies on Xeon E5-4600 and E7-4800: MLC local 135 ns; Intel ARK: "
			   "E7-4890 v2, 15 cores, 85 GB/s per socket, 3 QPI links",
		.sockets = 4, .cores_per_socket = 15, .threads_per_core = 2,
		.cores_per_llc = 15,
		.adjacent_line_prefetch = true,
		.cost = {
			.latency   = { 8, 44, 44, 118, 135 },
			.occupancy = { 6, 34, 34, 41, 10 },
			.ctxsw = 2000, .wakeup = 4000, .mem_page = 57,
			COMMON_COSTS,
		},
	},
	/*
	 * Dufour's "16 CPUs x86 VM" (KVM guest; the host is not published).
	 * Assumed: 16 vCPUs pinned to 8 cores x 2 threads of one socket of an
	 * idle Skylake-SP host, guest memory on that socket.  The costs are
	 * the host's (Cascade Lake c2c, Skylake-SP occupancy and bandwidth);
	 * what the hypervisor adds (VM exits on IPIs and idle, EPT walks) is
	 * not modeled.
	 */
	{
		.name = "vm-x86-16",
		.summary = "16-CPU x86 guest: 8 cores x 2 threads of one Skylake-SP host socket",
		.sources = "Dufour, speculative page fault v8 cover letter (2018): 16 CPUs x86 "
			   "VM; Viennot, core-to-core-latency results (2022): Cascade Lake, SMT "
			   "7.6 ns, same socket 47; perfbook (McKenney): ~36 ns per contended "
			   "transfer on Skylake-SP; host memory: 6 channels DDR4-2666",
		.sockets = 1, .cores_per_socket = 8, .threads_per_core = 2,
		.cores_per_llc = 8,
		.adjacent_line_prefetch = true,
		.cost = {
			.latency   = { 8, 47, 47, 47, 90 },
			.occupancy = { 6, 36, 36, 36, 10 },
			.ctxsw = 2000, .wakeup = 4000, .mem_page = 41,
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
	if (!strcmp(name, "adjacent_line_prefetch")) {
		if (strcmp(value, "0") && strcmp(value, "1")) {
			snprintf(c->err, c->errlen, "expected 1 (the cores pair lines into 128 bytes) "
				 "or 0 (they do not) for adjacent_line_prefetch, got '%s'", value);
			return 0;
		}
		c->m->adjacent_line_prefetch = *value == '1';
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
		 "cores_per_socket, threads_per_core, cores_per_llc, memory_gib, "
		 "adjacent_line_prefetch in [machine], got '%s'", name);
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

/* One citation a line, under the costs they are the source of. */
static void print_sources(const char *sources, FILE *out)
{
	const char *p = sources, *end;
	size_t len;

	while (p && *p) {
		end = strstr(p, "; ");
		len = end ? (size_t)(end - p) : strlen(p);
		fprintf(out, "%16s %-8s %.*s\n", "", p == sources ? "sources" : "",
			(int)len, p);
		p = end ? end + 2 : p + len;
	}
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
	fprintf(out, "%16s L2 adjacent-line prefetch %s\n", "",
		m->adjacent_line_prefetch ? "on (128-byte line pairs)" : "off");
	print_sources(m->sources, out);
}
