/*
 * The model's knobs, one table.  Values are text in the table (the
 * default) and on the command line, parsed by one function per type, so a
 * default is checked exactly as a -p is.
 */
#include "sim/run/knobs.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "sim/mm/rmap.h"

enum knob_type {
	KNOB_BOOL,	/* 0 or 1 */
	KNOB_ENUM,	/* one of choices, "a|b": stored as its index (enum rmap_lock_kind) */
	KNOB_INT,	/* a whole number from lo to hi */
	KNOB_NUMBER,	/* a number from lo to hi (a fraction: 0 to 1) */
};

struct knob {
	const char *name;
	enum knob_type type;
	const char *def;
	const char *help;
	/* KNOB_ENUM: the choices; KNOB_BOOL: "meaning of 1|meaning of 0". */
	const char *choices;
	/* KNOB_INT and KNOB_NUMBER: the bounds, and what the number is. */
	double lo, hi;
	const char *what;
	size_t off;	/* of the value in struct run_knobs */
};

#define AT(field) offsetof(struct run_knobs, field)

static const struct knob knobs[] = {
	{ "file_miss", KNOB_NUMBER, "0",
	  "fraction of first touches of file pages that miss the page cache (I/O)",
	  NULL, 0, 1, "a fraction", AT(mm.file_miss) },
	{ "page_size", KNOB_ENUM, "4K",
	  "the kernel's base page size: a fault clears or copies one such page (64K: ppc64's "
	  "CONFIG_PPC_64K_PAGES); a workload with a page_size of its own gets it too",
	  "4K|16K|64K", 0, 0, NULL, AT(mm.page_size) },
	{ "max_fault_retries", KNOB_INT, "8",
	  "VM_FAULT_RETRY rounds a fault may take before it is an error",
	  NULL, 1, 1000, "a whole number", AT(mm.max_fault_retries) },
	{ "think_scale", KNOB_NUMBER, "1",
	  "multiplies every think time and thread start of a replayed trace (0: back to back)",
	  NULL, 0, 1000, "a factor", AT(think_scale) },
	{ "anon_vma_lock", KNOB_ENUM, "rwsem",
	  "rwsem: anon_vma rw_semaphore, walkers pin it with refcount inc_not_zero under RCU "
	  "(2008-2011); spinlock: the old anon_vma->lock",
	  "rwsem|spinlock", 0, 0, NULL, AT(mm.anon_vma_lock) },
	{ "i_mmap_lock", KNOB_ENUM, "rwsem",
	  "rwsem: i_mmap_rwsem; spinlock: the old i_mmap_lock",
	  "rwsem|spinlock", 0, 0, NULL, AT(mm.i_mmap_lock) },
	/* Up to one walk per 100 ns: more is no reclaim, only a livelock. */
	{ "rmap_walks", KNOB_NUMBER, "0",
	  "rmap walks per ms by each kswapd-like walker task (0: none)",
	  NULL, 0, 10000, "rmap walks per ms", AT(mm.rmap_walks) },
	{ "rmap_walkers", KNOB_INT, "1", "walker tasks doing rmap_walks",
	  NULL, 1, RMAP_MAX_WALKERS, "a whole number of walker tasks", AT(mm.rmap_walkers) },
	{ "fork_vma_lock", KNOB_BOOL, "1", "how fork treats the parent's VMAs",
	  "fork write-locks the parent's VMAs, Linux 6.4.12 on|6.4.0-6.4.11", 0, 0, NULL,
	  AT(mm.fork_vma_lock) },
	{ "zone_lock", KNOB_BOOL, "1", "per-CPU page lists in front of zone->lock",
	  "modeled|left out", 0, 0, NULL, AT(mm.zone_lock) },
	{ "lru_lock", KNOB_BOOL, "1", "LRU batches under lruvec->lru_lock",
	  "modeled|left out", 0, 0, NULL, AT(mm.lru_lock) },
	{ "memcg", KNOB_BOOL, "1", "memcg charging from per-CPU stocks",
	  "modeled|left out", 0, 0, NULL, AT(mm.memcg) },
	{ "mem_bw", KNOB_BOOL, "1", "clear_page() against the socket's memory bandwidth",
	  "modeled|left out", 0, 0, NULL, AT(mm.mem_bw) },
	/* The firmware setting users flip ("Adjacent Cache Line Prefetch"). */
	{ "adjacent_line_prefetch", KNOB_BOOL, "1",
	  "the L2 adjacent-line prefetcher of the machines that have one ([machine] "
	  "adjacent_line_prefetch)", "as the machine has it|disabled", 0, 0, NULL,
	  AT(adjacent_line_prefetch) },
	/* The slowest op of any workload is ~4 ms (the rwsem's handoff timeout). */
	{ "livelock_ms", KNOB_INT, "1000",
	  "a run with no op completing for this long while tasks spin or retry is a livelock",
	  NULL, 1, 3600000, "a whole number of simulated ms", AT(livelock_ms) },
};

#define NR_KNOBS (sizeof(knobs) / sizeof(knobs[0]))

static const struct knob *knob_find(const char *key, size_t len)
{
	size_t i;

	for (i = 0; i < NR_KNOBS; i++)
		if (strlen(knobs[i].name) == len && !strncmp(knobs[i].name, key, len))
			return &knobs[i];
	return NULL;
}

bool knob_known(const char *key)
{
	return knob_find(key, strlen(key)) != NULL;
}

/* The index of val among the '|'-separated choices, or -1. */
static int choice_index(const char *choices, const char *val)
{
	size_t n = strlen(val);
	int i = 0;

	for (;;) {
		const char *bar = strchr(choices, '|');
		size_t len = bar ? (size_t)(bar - choices) : strlen(choices);

		if (len == n && !strncmp(choices, val, n))
			return i;
		if (!bar)
			return -1;
		choices = bar + 1;
		i++;
	}
}

/* VAL, all of it, as a number from LO to HI (NaN and "" are not). */
static bool parse_number(const char *val, double lo, double hi, double *d)
{
	char *end;

	errno = 0;
	*d = strtod(val, &end);
	return !errno && end != val && !*end && *d >= lo && *d <= hi;
}

/* Check val for knob k and store it at dst; -1 with the message. */
static int knob_parse(const struct knob *k, const char *kv, const char *val, void *dst,
		      char *err, size_t errlen)
{
	const char *bar;
	double d;
	int i;

	switch (k->type) {
	case KNOB_BOOL:
		if (strcmp(val, "0") && strcmp(val, "1")) {
			bar = strchr(k->choices, '|');
			snprintf(err, errlen, "-p %s: expected 1 (%.*s) or 0 (%s)", kv,
				 (int)(bar - k->choices), k->choices, bar + 1);
			return -1;
		}
		*(bool *)dst = *val == '1';
		return 0;
	case KNOB_ENUM:
		i = choice_index(k->choices, val);
		if (i < 0) {
			size_t n = (size_t)snprintf(err, errlen, "-p %s: expected ", kv);
			const char *c;

			for (c = k->choices; *c && n + 5 < errlen; c++) {
				if (*c == '|')
					n += (size_t)snprintf(err + n, errlen - n, " or ");
				else
					err[n++] = *c, err[n] = 0;
			}
			return -1;
		}
		*(enum rmap_lock_kind *)dst = (enum rmap_lock_kind)i;
		return 0;
	case KNOB_INT:
		if (!parse_number(val, k->lo, k->hi, &d) || d != (int)d)
			break;
		*(int *)dst = (int)d;
		return 0;
	case KNOB_NUMBER:
		if (!parse_number(val, k->lo, k->hi, &d))
			break;
		*(double *)dst = d;
		return 0;
	}
	snprintf(err, errlen, "-p %s: expected %s from %.15g to %.15g", kv, k->what, k->lo, k->hi);
	return -1;
}

void knobs_defaults(struct run_knobs *v)
{
	char err[256];
	size_t i;

	memset(v, 0, sizeof(*v));
	for (i = 0; i < NR_KNOBS; i++) {
		if (knob_parse(&knobs[i], knobs[i].def, knobs[i].def, (char *)v + knobs[i].off,
			       err, sizeof(err))) {
			fprintf(stderr, "mmlocksim: knob %s: bad default: %s\n", knobs[i].name, err);
			abort();
		}
	}
}

int knob_set(struct run_knobs *v, const char *kv, char *err, size_t errlen)
{
	const char *eq = strchr(kv, '=');
	const struct knob *k;

	if (!eq)
		return 0;
	k = knob_find(kv, (size_t)(eq - kv));
	if (!k)
		return 0;
	return knob_parse(k, kv, eq + 1, (char *)v + k->off, err, errlen) ? -1 : 1;
}

void knobs_apply(const struct run_knobs *k)
{
	mm_params = k->mm;
}

const char *knob_names(void)
{
	static char names[NR_KNOBS * 24];
	size_t i, n = 0;

	if (!names[0])
		for (i = 0; i < NR_KNOBS; i++)
			n += (size_t)snprintf(names + n, sizeof(names) - n, "%s%s", i ? ", " : "",
					      knobs[i].name);
	return names;
}

void knobs_list(FILE *out)
{
	size_t i;

	for (i = 0; i < NR_KNOBS; i++) {
		const struct knob *k = &knobs[i];

		char kv[64];

		snprintf(kv, sizeof(kv), "%s=%s", k->name, k->def);
		fprintf(out, "    -p %-22s %s", kv, k->help);
		if (k->type == KNOB_BOOL)
			fprintf(out, " (1: %.*s; 0: %s)", (int)(strchr(k->choices, '|') - k->choices),
				k->choices, strchr(k->choices, '|') + 1);
		else if (k->type == KNOB_ENUM)
			fprintf(out, " (%s)", k->choices);
		else
			fprintf(out, " (%.15g to %.15g)", k->lo, k->hi);
		fprintf(out, "\n");
	}
}
