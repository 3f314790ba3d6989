#include "sim/core/misuse.h"

#include <stdarg.h>
#include <stdio.h>

#include "sim/core/task.h"

misuse_hook_fn misuse_hook;
uint64_t misuse_count;

void report_misuse(const char *kind, const void *object, const char *fmt, ...)
{
	struct misuse m;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(m.detail, sizeof(m.detail), fmt, ap);
	va_end(ap);

	misuse_count++;
	m.time = sim_now();
	m.task = current ? current->id : -1;
	m.kind = kind;
	m.object = object;
	if (misuse_hook)
		misuse_hook(&m);
	else
		fprintf(stderr, "mmlocksim: t=%llu ns task %d: %s: %s\n",
			(unsigned long long)m.time, m.task, kind, m.detail);
}
