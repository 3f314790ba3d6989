#include "sim/core/membw.h"

#include "sim/core/machine.h"
#include "sim/core/task.h"

static struct {
	bool enabled;
	sim_time_t busy_until[MAX_CPUS];	/* per socket */
} membw;

void membw_setup(bool enabled)
{
	int s;

	membw.enabled = enabled && sim_machine->cost.mem_page;
	for (s = 0; s < MAX_CPUS; s++)
		membw.busy_until[s] = 0;
}

void membw_stream_pages(sim_time_t own_ns, unsigned int pages)
{
	struct task *t = current;
	sim_time_t asked, start, done;
	int socket;

	if (!membw.enabled) {
		task_delay(own_ns);
		return;
	}
	socket = sim_machine->socket_of[t->cpu];
	asked = sim_now() + t->lag_ns;
	start = asked > membw.busy_until[socket] ? asked : membw.busy_until[socket];
	membw.busy_until[socket] = start + (sim_time_t)pages * sim_machine->cost.mem_page;
	done = asked + own_ns;
	if (membw.busy_until[socket] > done)
		done = membw.busy_until[socket];
	task_delay(done - sim_now() - t->lag_ns);
}

void membw_stream_page(sim_time_t own_ns)
{
	membw_stream_pages(own_ns, 1);
}
