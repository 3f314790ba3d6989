/*
 * Name -> index by the name's address: the tables of counters, line
 * classes and lock classes are keyed by name, and their lookups run on
 * the hot path (every fault counts its kind, every page table inits its
 * lines and locks).  A name is compared by content once, the first time
 * its address is seen; after that its address alone finds the index.
 * Sound because a name must outlive the run already (the tables keep the
 * pointer) and a name's text never changes.
 */
#ifndef MMLOCKSIM_NAMECACHE_H
#define MMLOCKSIM_NAMECACHE_H

#include <stdint.h>

#define NAME_CACHE_SLOTS 1024	/* power of two; names are a few hundred */

struct name_cache {
	const char *key[NAME_CACHE_SLOTS];
	int val[NAME_CACHE_SLOTS];
	int n;
};

static inline unsigned int name_cache_slot(const char *name)
{
	uint64_t h = (uint64_t)(uintptr_t)name * 0x9e3779b97f4a7c15ULL;

	return (unsigned int)(h >> 54) & (NAME_CACHE_SLOTS - 1);
}

/* The index cached for name's address, or -1. */
static inline int name_cache_get(const struct name_cache *c, const char *name)
{
	unsigned int i = name_cache_slot(name);

	while (c->key[i]) {
		if (c->key[i] == name)
			return c->val[i];
		i = (i + 1) & (NAME_CACHE_SLOTS - 1);
	}
	return -1;
}

/* Remembers name's index; a full cache (half its slots) just stops caching. */
static inline void name_cache_put(struct name_cache *c, const char *name, int val)
{
	unsigned int i = name_cache_slot(name);

	if (c->n >= NAME_CACHE_SLOTS / 2)
		return;
	while (c->key[i]) {
		if (c->key[i] == name)
			return;
		i = (i + 1) & (NAME_CACHE_SLOTS - 1);
	}
	c->key[i] = name;
	c->val[i] = val;
	c->n++;
}

#endif
