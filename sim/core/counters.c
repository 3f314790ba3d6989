#include "sim/core/counters.h"
#include "sim/core/namecache.h"

#include <string.h>

static struct {
	const char *name;
	uint64_t value;
} counters[MAX_COUNTERS];
static int nr_counters;
static struct name_cache ids;

static int counter_lookup(const char *name)
{
	int i;

	for (i = 0; i < nr_counters; i++)
		if (!strcmp(counters[i].name, name))
			return i;
	if (nr_counters == MAX_COUNTERS)
		return MAX_COUNTERS - 1;	/* lumps the excess; the table is generous */
	counters[nr_counters].name = name;
	return nr_counters++;
}

int counter_id(const char *name)
{
	int id = name_cache_get(&ids, name);

	if (id < 0) {
		id = counter_lookup(name);
		name_cache_put(&ids, name, id);
	}
	return id;
}

void counter_add(int id, uint64_t n)
{
	counters[id].value += n;
}

int counter_count(void)
{
	return nr_counters;
}

const char *counter_name(int id)
{
	return counters[id].name;
}

uint64_t counter_value(int id)
{
	return counters[id].value;
}

void counters_reset(void)
{
	int i;

	for (i = 0; i < nr_counters; i++)
		counters[i].value = 0;
}
