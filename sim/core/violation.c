#include "sim/core/violation.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "sim/core/task.h"

#define MAX_KINDS 32

static struct {
	uint64_t total;
	int nkept;
	struct violation kept[VIOLATIONS_MAX_KEPT];
	struct { const char *kind; uint64_t n; } kinds[MAX_KINDS];
	int nkinds;
} record;

void violations_reset(void)
{
	memset(&record, 0, sizeof(record));
}

static void count_kind(const char *kind)
{
	int i;

	for (i = 0; i < record.nkinds; i++)
		if (!strcmp(record.kinds[i].kind, kind))
			break;
	if (i == record.nkinds && record.nkinds < MAX_KINDS)
		record.kinds[record.nkinds++].kind = kind;
	if (i < MAX_KINDS)
		record.kinds[i].n++;
}

static void record_violation(sim_time_t time, int task, const char *kind, unsigned long addr,
			     const char *fmt, va_list ap)
{
	struct violation *v;

	record.total++;
	count_kind(kind);
	if (record.nkept == VIOLATIONS_MAX_KEPT)
		return;
	v = &record.kept[record.nkept++];
	v->time = time;
	v->task = task;
	v->kind = kind;
	v->addr = addr;
	vsnprintf(v->detail, sizeof(v->detail), fmt, ap);
}

void report_violation(const char *kind, unsigned long addr, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	record_violation(sim_now(), current ? current->id : -1, kind, addr, fmt, ap);
	va_end(ap);
}

void report_violation_as(sim_time_t time, int task, const char *kind, unsigned long addr,
			 const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	record_violation(time, task, kind, addr, fmt, ap);
	va_end(ap);
}

uint64_t violations_total(void)
{
	return record.total;
}

int violations_kept(void)
{
	return record.nkept;
}

const struct violation *violation_at(int i)
{
	return &record.kept[i];
}

uint64_t violations_of_kind(const char *kind)
{
	int i;

	for (i = 0; i < record.nkinds; i++)
		if (!strcmp(record.kinds[i].kind, kind))
			return record.kinds[i].n;
	return 0;
}
