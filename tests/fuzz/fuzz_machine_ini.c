/*
 * libFuzzer target: machine INI files (machine_load_ini, what
 * --machine FILE.ini uses).  On success the topology tables must be
 * consistent; on error the message is one line naming the file.
 */
#include <stdint.h>
#include <string.h>

#include "sim/core/machine.h"
#include "tests/fuzz/fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_machine(const struct machine *m)
{
	int cpu, cores = m->sockets * m->cores_per_socket;

	if (m->ncpus < 1 || m->ncpus > MAX_CPUS)
		fuzz_fail("%d CPUs", m->ncpus);
	if (!memchr(m->name, '\0', sizeof(m->name)) ||
	    !memchr(m->summary, '\0', sizeof(m->summary)))
		fuzz_fail("name or summary not terminated");
	for (cpu = 0; cpu < m->ncpus; cpu++) {
		if (m->core_of[cpu] >= cores ||
		    m->socket_of[cpu] >= m->sockets ||
		    m->llc_of[cpu] >= cores / m->cores_per_llc)
			fuzz_fail("cpu %d: core %u socket %u llc %u out of range",
				  cpu, m->core_of[cpu], m->socket_of[cpu],
				  m->llc_of[cpu]);
		if (machine_dist(m, 0, cpu) >= NR_DIST)
			fuzz_fail("bad distance");
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *in = fuzz_write("machine.ini", data, size);
	const char *keep[] = { "machine.ini", NULL };
	struct machine m;
	char err[512] = "";

	if (machine_load_ini(in, &m, err, sizeof(err)) == 0)
		check_machine(&m);
	else
		fuzz_check_err(err, in);
	fuzz_check_dir(keep);
	return 0;
}
