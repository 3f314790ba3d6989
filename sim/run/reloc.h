/*
 * Replay's address bookkeeping for mappings that the replay had to place
 * elsewhere than the recording did (DESIGN.md, "Replay").
 *
 * The replay's schedule is not the recording's: a thread's mmap of a range
 * may run before another thread's recorded munmap of it.  The range is then
 * still taken, and the mmap is placed in a free range instead (mm_mmap()
 * without MAP_FIXED, as get_unmapped_area() would).  Two structures serve
 * that:
 *
 * - struct range_set: the ranges live in recorded order, walked once
 *   before the run.  An mmap that overlaps one in recorded order replaced
 *   it in the real process (MAP_FIXED over a reservation, or a trace
 *   without the flag) and replaces it in the replay too.
 *
 * - struct reloc_table: per mm, the recorded ranges the replay placed
 *   elsewhere.  An entry is valid for the records after the relocating one
 *   in recorded order, up to the one that ended the mapping (a munmap, an
 *   mremap moving it away, a new mmap over the recorded range); a record of
 *   that window that addresses the range is sent to where the replay put
 *   it.  Several entries may cover one address (the range mapped, unmapped
 *   and mapped again, each placed elsewhere): the latest mapping before
 *   the record, the entry made by the highest record index below it, wins.
 *
 *   The same structure lists, per mm, the mappings the replay made where
 *   recorded, for one case: a mapping made where recorded by a record that
 *   the replay ran early, in the way of an earlier record's mmap, which
 *   then goes elsewhere.  The records after the early one must still find
 *   it where recorded, not follow the earlier mapping: its entry goes into
 *   the table too, as a translation to itself (reloc_keep_later()).  That
 *   list is read only when a mapping goes elsewhere, so the table the
 *   replay's hot path reads stays empty in a run that relocates nothing.
 */
#ifndef MMLOCKSIM_RELOC_H
#define MMLOCKSIM_RELOC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ---- ranges live in recorded order (setup pass) ---------------------- */

struct addr_range {
	uint64_t start, end;
};

/*
 * Disjoint, non-adjacent ranges sorted by address, and the range the last
 * search found, which is all still in the set until a removal: the setup
 * pass asks about every fault, and a thread's faults run through one
 * mapping after another.
 */
struct range_set {
	struct addr_range *r;
	size_t nr, cap;
	struct addr_range hint;		/* within the set; empty: none */
};

/* Does any range of s meet [start, end)? */
bool range_set_meets(struct range_set *s, uint64_t start, uint64_t end);
/* Add [start, end), merging with what it meets or touches. */
void range_set_add(struct range_set *s, uint64_t start, uint64_t end);
/* Take [start, end) out, splitting a range that covers it. */
void range_set_remove(struct range_set *s, uint64_t start, uint64_t end);
/* dst becomes a copy of src (a forked child's address space). */
void range_set_copy(struct range_set *dst, const struct range_set *src);
void range_set_free(struct range_set *s);

/* ---- recorded ranges placed elsewhere (replay) ----------------------- */

/*
 * Records with index in (from, until] of clone `clone` that address
 * [start, end) (as the clone addresses them: the recorded address XOR its
 * shift) are sent to `to` + (address - start).  until is UINT64_MAX while
 * the mapping lives.
 */
struct reloc_entry {
	uint64_t start, end;
	uint64_t to;
	uint64_t from, until;
	int clone;
	uint64_t reach;		/* the highest end of the entries up to this one */
};

/* Sorted by start; entries may overlap where their windows do not. */
struct reloc_table {
	struct reloc_entry *e;
	/* e[k].start for every k, packed: a lookup's binary search reads
	 * eight to a host line instead of one entry to each. */
	uint64_t *starts;
	size_t nr, cap;
	size_t prune_at;	/* prune again when it has this many */
	uint64_t gen;		/* bumped by every change of the entries */
};

/* The entry that translates addr for record idx of clone, or NULL. */
const struct reloc_entry *reloc_find(const struct reloc_table *t, uint64_t addr, uint64_t idx,
				     int clone);

/*
 * One caller's last reloc_find() answer, e, with the addresses [lo, hi)
 * and record indexes [idx_lo, idx_hi] for which the walk gives it again,
 * while the table is unchanged (gen).  A replayed thread's ops mostly
 * address the region its last one did, and its record index only grows.
 * Zeroed, it holds nothing.
 */
struct reloc_memo {
	const struct reloc_table *table;
	uint64_t gen;
	uint64_t lo, hi;
	uint64_t idx_lo, idx_hi;
	const struct reloc_entry *e;
};

/* reloc_find() of one clone that fills m with its answer. */
const struct reloc_entry *reloc_find_fill(const struct reloc_table *t, struct reloc_memo *m,
					  uint64_t addr, uint64_t idx, int clone);

/* reloc_find() through m: the same answer, without the walk when m holds it. */
static inline const struct reloc_entry *reloc_find_memo(const struct reloc_table *t,
							struct reloc_memo *m, uint64_t addr,
							uint64_t idx, int clone)
{
	if (m->table == t && m->gen == t->gen && addr - m->lo < m->hi - m->lo &&
	    idx - m->idx_lo <= m->idx_hi - m->idx_lo)
		return m->e;
	return reloc_find_fill(t, m, addr, idx, clone);
}

/*
 * The first piece of [start, end) that one entry (or none) translates for
 * record idx: returns where the piece ends, *to gets where its start goes
 * (start itself if untranslated).
 */
uint64_t reloc_piece(const struct reloc_table *t, uint64_t start, uint64_t end, uint64_t idx,
		     int clone, uint64_t *to);
/* Record idx of clone put recorded [start, end) at to. */
void reloc_add(struct reloc_table *t, uint64_t start, uint64_t end, uint64_t to, uint64_t idx,
	       int clone);
/*
 * Record idx of clone ended the mapping at recorded [start, end): the
 * entries valid for it stop translating that part after it.  Returns
 * whether any did.
 */
bool reloc_end(struct reloc_table *t, uint64_t start, uint64_t end, uint64_t idx, int clone);
/*
 * A relocation by record idx of recorded [start, end): the parts of it
 * that later records (index above idx) of clone had already mapped where
 * recorded, as placed lists them, go into t as entries to themselves, so
 * that the records after those still find them where they are.
 */
void reloc_keep_later(struct reloc_table *t, const struct reloc_table *placed, uint64_t start,
		      uint64_t end, uint64_t idx, int clone);
/*
 * Does placed list a mapping in [start, end) made where recorded by a
 * record of clone after idx, and still there (no record has ended it)?
 */
bool reloc_later_mapped(const struct reloc_table *placed, uint64_t start, uint64_t end,
			uint64_t idx, int clone);
/* Drop the entries that no record from index low on can use. */
void reloc_prune(struct reloc_table *t, uint64_t low);
/* Drop the entries made by records at or below low (for placed lists). */
void reloc_prune_made_before(struct reloc_table *t, uint64_t low);
/* dst becomes a copy of src (fork: the child maps what the parent did). */
void reloc_copy(struct reloc_table *dst, const struct reloc_table *src);
void reloc_free(struct reloc_table *t);

#endif
