/*
 * Named event counters, like the kernel's vmstat and lockevent counts
 * (VMA_LOCK_SUCCESS, rwsem_sleep_reader, ...).  A counter is looked up
 * once by name and then bumped through its index.
 */
#ifndef MMLOCKSIM_COUNTERS_H
#define MMLOCKSIM_COUNTERS_H

#include <stdint.h>

#define MAX_COUNTERS 128

int counter_id(const char *name);
void counter_add(int id, uint64_t n);
int counter_count(void);
const char *counter_name(int id);
uint64_t counter_value(int id);
void counters_reset(void);

/* Bump by name; caches the index per call site, so the name must be a
 * string literal (the "" refuses anything else at compile time). */
#define count_event(name)						\
	do {								\
		static int id_ = -1;					\
		if (id_ < 0)						\
			id_ = counter_id("" name);			\
		counter_add(id_, 1);					\
	} while (0)

#endif
